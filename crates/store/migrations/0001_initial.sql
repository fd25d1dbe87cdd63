-- Schema 1: the ledger of one company.
-- Amounts are INTEGER in units of 10^-5 of the currency (see src/amount.rs): exact, summable in SQL,
-- and wide enough for ISO 20022 bank amounts (5 decimals). Dates are ISO TEXT ('2026-11-23'),
-- date-times ISO TEXT ('2026-11-23T14:05:00'), both sortable as text.

CREATE TABLE company (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    siren       TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_on  TEXT NOT NULL
);

-- Where records came from: one row per file, platform flow batch or generator run.
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    origin      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

CREATE TABLE clients (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    siren           TEXT,
    siret           TEXT,
    vat             TEXT,
    legal_form      TEXT,
    naf             TEXT,
    segment         TEXT NOT NULL,
    owner           TEXT NOT NULL,
    address_json    TEXT NOT NULL,
    contacts_json   TEXT NOT NULL,
    terms_json      TEXT NOT NULL,
    currency        TEXT NOT NULL,
    since           TEXT NOT NULL,
    is_individual   INTEGER NOT NULL,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    source_locator  TEXT NOT NULL
);
CREATE INDEX clients_siren ON clients(siren);

CREATE TABLE invoices (
    id              INTEGER PRIMARY KEY,
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    number          TEXT NOT NULL,
    type_code       INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    issue_date      TEXT NOT NULL,
    due_date        TEXT NOT NULL,
    delivery_date   TEXT,
    currency        TEXT NOT NULL,
    tax_basis_total INTEGER NOT NULL,
    tax_total       INTEGER,
    grand_total     INTEGER NOT NULL,
    due_payable     INTEGER NOT NULL,
    -- What the document adds to the client's balance (negative for credit notes).
    receivable      INTEGER NOT NULL,
    -- What is still open: receivable minus allocations to it (plus, for a credit note, what of it
    -- has been used). Kept in the same transaction as every allocation; checked by integrity().
    outstanding     INTEGER NOT NULL,
    seller_siren    TEXT,
    details_json    TEXT NOT NULL,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    source_locator  TEXT NOT NULL
);
CREATE INDEX invoices_client ON invoices(client_id);
CREATE INDEX invoices_number ON invoices(number, issue_date);
CREATE INDEX invoices_open ON invoices(due_date) WHERE outstanding <> 0;

CREATE TABLE payments (
    id              INTEGER PRIMARY KEY,
    client_id       INTEGER REFERENCES clients(id),
    booked_on       TEXT NOT NULL,
    value_date      TEXT,
    currency        TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    unallocated     INTEGER NOT NULL,
    payer_name      TEXT,
    payer_iban      TEXT,
    remittance      TEXT,
    bank_reference  TEXT,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    source_locator  TEXT NOT NULL
);
CREATE INDEX payments_client ON payments(client_id);

CREATE TABLE allocations (
    id              INTEGER PRIMARY KEY,
    invoice_id      INTEGER NOT NULL REFERENCES invoices(id),
    payment_id      INTEGER REFERENCES payments(id),
    credit_note_id  INTEGER REFERENCES invoices(id),
    currency        TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    applied_on      TEXT NOT NULL,
    CHECK ((payment_id IS NULL) <> (credit_note_id IS NULL))
);
CREATE INDEX allocations_invoice ON allocations(invoice_id);
CREATE INDEX allocations_payment ON allocations(payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX allocations_credit_note ON allocations(credit_note_id) WHERE credit_note_id IS NOT NULL;

CREATE TABLE status_events (
    id              INTEGER PRIMARY KEY,
    invoice_id      INTEGER NOT NULL REFERENCES invoices(id),
    code            INTEGER NOT NULL,
    at              TEXT NOT NULL,
    reason_code     TEXT,
    reason          TEXT,
    action_code     TEXT,
    action          TEXT,
    amounts_json    TEXT NOT NULL,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    source_locator  TEXT NOT NULL
);
CREATE INDEX status_events_invoice ON status_events(invoice_id, at);

CREATE TABLE disputes (
    id              INTEGER PRIMARY KEY,
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    opened_on       TEXT NOT NULL,
    reason          TEXT NOT NULL,
    currency        TEXT NOT NULL,
    disputed_amount INTEGER NOT NULL,
    state           TEXT NOT NULL,
    resolved_on     TEXT,
    note            TEXT NOT NULL
);
CREATE TABLE dispute_invoices (
    dispute_id  INTEGER NOT NULL REFERENCES disputes(id),
    invoice_id  INTEGER NOT NULL REFERENCES invoices(id),
    PRIMARY KEY (dispute_id, invoice_id)
);

CREATE TABLE promises (
    id              INTEGER PRIMARY KEY,
    client_id       INTEGER NOT NULL REFERENCES clients(id),
    made_on         TEXT NOT NULL,
    promised_for    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    state           TEXT NOT NULL
);
CREATE TABLE promise_invoices (
    promise_id  INTEGER NOT NULL REFERENCES promises(id),
    invoice_id  INTEGER NOT NULL REFERENCES invoices(id),
    PRIMARY KEY (promise_id, invoice_id)
);

-- The audit journal: append-only (the triggers refuse updates and deletes).
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT,
    before_json TEXT,
    after_json  TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;
