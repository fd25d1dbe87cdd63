-- Schema 21: the ledger's counts kept by triggers (issue 11: cold start to an interactive dashboard
-- < 1 s at 2,000,000 invoices). The dossier's summary (the header's figures) counted its clients,
-- invoices and payments with count(*), which reads a whole index: 250–500 ms on the 2M dossier,
-- half the start's budget. One row per table, kept in the same transaction as every insert and
-- delete (never disagreeing with the table). Named `analytics_…` like the aggregates of 0019, so
-- that a bulk load drops, rebuilds and re-creates them with the others (`analytics::rebuild_aggregates`).
CREATE TABLE IF NOT EXISTS analytics_counts (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;

-- From the existing ledger (replaying the migration recounts).
DELETE FROM analytics_counts;
INSERT INTO analytics_counts (name, n) VALUES
    ('clients', (SELECT count(*) FROM clients)),
    ('invoices', (SELECT count(*) FROM invoices)),
    ('payments', (SELECT count(*) FROM payments));

CREATE TRIGGER IF NOT EXISTS analytics_counts_client_insert AFTER INSERT ON clients
BEGIN
    UPDATE analytics_counts SET n = n + 1 WHERE name = 'clients';
END;
CREATE TRIGGER IF NOT EXISTS analytics_counts_client_delete AFTER DELETE ON clients
BEGIN
    UPDATE analytics_counts SET n = n - 1 WHERE name = 'clients';
END;
CREATE TRIGGER IF NOT EXISTS analytics_counts_invoice_insert AFTER INSERT ON invoices
BEGIN
    UPDATE analytics_counts SET n = n + 1 WHERE name = 'invoices';
END;
CREATE TRIGGER IF NOT EXISTS analytics_counts_invoice_delete AFTER DELETE ON invoices
BEGIN
    UPDATE analytics_counts SET n = n - 1 WHERE name = 'invoices';
END;
CREATE TRIGGER IF NOT EXISTS analytics_counts_payment_insert AFTER INSERT ON payments
BEGIN
    UPDATE analytics_counts SET n = n + 1 WHERE name = 'payments';
END;
CREATE TRIGGER IF NOT EXISTS analytics_counts_payment_delete AFTER DELETE ON payments
BEGIN
    UPDATE analytics_counts SET n = n - 1 WHERE name = 'payments';
END;
