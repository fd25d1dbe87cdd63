-- Schema 22: covering indexes that hold the rescoring's read model (store::scoring::LedgerSnapshot)
-- in integers. Every run reads every invoice, allocation and status of the dossier, and each page
-- read is decrypted (AES + HMAC-SHA512) and each text date parsed: with dates as day numbers since
-- 1970 (two bytes instead of ten or nineteen) and the kind and document tests as 0/1 (no byte at
-- all: SQLite stores the constants 0 and 1 in the record header), the entries are about half as
-- wide as those of migration 0014's indexes, so a run decrypts about half as many pages and
-- decodes no text. SQLite reads an indexed expression from the index when the query repeats it
-- word for word (store::scoring keeps the query text next to these definitions). `substr(…, 1, 10)`:
-- the day is the date part of a date-time as written, never shifted by a time zone.
-- IF NOT EXISTS: a migration must be safe to run on a dossier that has them.
CREATE INDEX IF NOT EXISTS invoices_scoring_days ON invoices(
    client_id, id, kind = 'credit_note', document_id IS NOT NULL,
    unixepoch(substr(issue_date, 1, 10)) / 86400, unixepoch(substr(due_date, 1, 10)) / 86400, due_payable);
CREATE INDEX IF NOT EXISTS allocations_scoring_days ON allocations(
    invoice_id, unixepoch(substr(applied_on, 1, 10)) / 86400, amount, credit_note_id IS NOT NULL);
CREATE INDEX IF NOT EXISTS status_events_scoring_days ON status_events(
    invoice_id, unixepoch(substr(at, 1, 10)) / 86400, code);
