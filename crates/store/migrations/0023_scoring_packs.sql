-- Schema 23: each client's scoring read model packed in one row (store::scoring, "Packs").
-- A rescoring reads every invoice, allocation and status of the dossier: about five million index
-- entries on the 2-million-invoice dossier, stepped one by one and decrypted page by page (most of
-- the run). A client's rows change rarely between two daily runs, so the run keeps them packed, one
-- BLOB per client, and reads the tables again only for the clients whose rows changed since.
--
-- Any change to a client's invoices, allocations or statuses deletes its pack (the triggers below),
-- in the same transaction as the change: a pack that exists is its client's rows as they are. The
-- epoch counts those changes, so that a run that read the rows writes its packs only if nothing
-- changed in between (store::scoring::LedgerSnapshot::save_packs).
-- The triggers are named `analytics_…` so that a bulk load lifts them with the aggregates' triggers
-- and its rebuild empties the packs (store::analytics::rebuild_aggregates).
CREATE TABLE IF NOT EXISTS scoring_packs (
    client_id   INTEGER PRIMARY KEY,
    data        BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS scoring_pack_epoch (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    n   INTEGER NOT NULL
);
INSERT OR IGNORE INTO scoring_pack_epoch (id, n) VALUES (1, 0);

CREATE TRIGGER IF NOT EXISTS analytics_pack_invoice_insert AFTER INSERT ON invoices
BEGIN
    DELETE FROM scoring_packs WHERE client_id = NEW.client_id;
    UPDATE scoring_pack_epoch SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS analytics_pack_invoice_update
AFTER UPDATE OF id, client_id, kind, document_id, issue_date, due_date, due_payable ON invoices
BEGIN
    DELETE FROM scoring_packs WHERE client_id IN (OLD.client_id, NEW.client_id);
    UPDATE scoring_pack_epoch SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS analytics_pack_invoice_delete AFTER DELETE ON invoices
BEGIN
    DELETE FROM scoring_packs WHERE client_id = OLD.client_id;
    UPDATE scoring_pack_epoch SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS analytics_pack_allocation_insert AFTER INSERT ON allocations
BEGIN
    DELETE FROM scoring_packs WHERE client_id = (SELECT client_id FROM invoices WHERE id = NEW.invoice_id);
    UPDATE scoring_pack_epoch SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS analytics_pack_allocation_update
AFTER UPDATE OF invoice_id, applied_on, amount, credit_note_id ON allocations
BEGIN
    DELETE FROM scoring_packs WHERE client_id IN
        (SELECT client_id FROM invoices WHERE id IN (OLD.invoice_id, NEW.invoice_id));
    UPDATE scoring_pack_epoch SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS analytics_pack_allocation_delete AFTER DELETE ON allocations
BEGIN
    DELETE FROM scoring_packs WHERE client_id = (SELECT client_id FROM invoices WHERE id = OLD.invoice_id);
    UPDATE scoring_pack_epoch SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS analytics_pack_status_insert AFTER INSERT ON status_events
BEGIN
    DELETE FROM scoring_packs WHERE client_id = (SELECT client_id FROM invoices WHERE id = NEW.invoice_id);
    UPDATE scoring_pack_epoch SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS analytics_pack_status_update AFTER UPDATE OF invoice_id, at, code ON status_events
BEGIN
    DELETE FROM scoring_packs WHERE client_id IN
        (SELECT client_id FROM invoices WHERE id IN (OLD.invoice_id, NEW.invoice_id));
    UPDATE scoring_pack_epoch SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS analytics_pack_status_delete AFTER DELETE ON status_events
BEGIN
    DELETE FROM scoring_packs WHERE client_id = (SELECT client_id FROM invoices WHERE id = OLD.invoice_id);
    UPDATE scoring_pack_epoch SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS analytics_pack_client_delete AFTER DELETE ON clients
BEGIN
    DELETE FROM scoring_packs WHERE client_id = OLD.id;
END;

-- How many clients have a pack, counted on this index (a few pages) rather than on the packs.
CREATE INDEX IF NOT EXISTS scoring_packs_ids ON scoring_packs(client_id);
