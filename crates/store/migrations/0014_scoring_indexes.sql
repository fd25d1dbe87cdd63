-- Schema 14: covering indexes of the rescoring's read model (store::scoring::for_each_client_ledger):
-- one scan each over narrow index pages instead of the wide invoice and status rows (details, notes,
-- sources), which a 2-million-invoice dossier would otherwise decrypt page by page on every run.
-- IF NOT EXISTS: a build of a few minutes created them in 0012.
CREATE INDEX IF NOT EXISTS invoices_scoring ON invoices(client_id, id, kind, issue_date, due_date, due_payable, document_id);
CREATE INDEX IF NOT EXISTS status_events_scoring ON status_events(invoice_id, at, code);
