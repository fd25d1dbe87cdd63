-- Schema 3: smaller rows and faster read models on large ledgers.

-- Invoice notes (PMD/PMT/AAB…) are mostly the same text on every invoice of a seller: kept once.
CREATE TABLE note_sets (
    id      INTEGER PRIMARY KEY,
    json    TEXT NOT NULL UNIQUE
);

-- Covering index of the open items: the summary, the aged balance and the per-client balances read
-- only this index (a few hundred thousand entries at 2 million invoices), never the whole table.
DROP INDEX invoices_open;
CREATE INDEX invoices_open_items ON invoices(client_id, currency, due_date, outstanding) WHERE outstanding <> 0;

-- Covering index for the ledger-consistency check.
DROP INDEX allocations_invoice;
CREATE INDEX allocations_invoice ON allocations(invoice_id, amount);

-- Results of full integrity checks, so that opening a large dossier shows the last one at once.
CREATE TABLE integrity_checks (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    ok          INTEGER NOT NULL,
    summary     TEXT NOT NULL
);
