-- Schema 19: the dashboard of the ledger's own day from aggregates (issue 5: the whole dashboard
-- in < 50 ms at 2,000,000 invoices), and irrecoverable write-offs (legal-rules A.7, CGI 272).
--
-- Reading the ~200,000 open items of a large ledger costs ~100 ms before any figure is computed.
-- On the ledger's own day (on or after its last dated event) every open amount is the invoice's
-- `outstanding`, so three small aggregates of `outstanding`, kept by triggers in the same
-- transaction as every ledger write (never disagreeing with it), give the same figures:
-- 1. per currency, client segment and due date: the aged balance of any day on or after it is a
--    sum over a few thousand due dates;
-- 2. per client and currency: open items, cash not applied and their difference (net balance,
--    indexed for the largest exposures), the oldest due date still unpaid (stalled clients);
-- 3. per currency, rounded payment habit of the client (whole days late) and due date: the
--    forecast shifts each row by its habit.
-- Past dates keep the exact rebuild from the ledger (rewind or replay): these are of today only.
-- Derived data, rebuilt here and after a bulk load (`analytics::rebuild_aggregates`), never audited.

-- An irrecoverable write-off (créance irrécouvrable) of what was open on an invoice: the amount
-- leaves the open balance on its date (as an allocation would) and counts in the bad-debt ratio.
CREATE TABLE IF NOT EXISTS writeoffs (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL UNIQUE REFERENCES invoices(id),
    currency    TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    -- Of which VAT (units), the part CGI 272 lets be recovered when VAT was due on debits.
    vat         INTEGER NOT NULL,
    written_on  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS writeoffs_written ON writeoffs(written_on, currency, amount, invoice_id);

-- 1. Open items per currency, segment and due date: count, sum, and over the positive ones
--    (invoices) count, sum and sum × days from issue to due date (the age, with today − due).
CREATE TABLE IF NOT EXISTS analytics_open (
    currency    TEXT NOT NULL,
    segment     TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    items       INTEGER NOT NULL,
    open        INTEGER NOT NULL,
    invoices    INTEGER NOT NULL,
    positive    INTEGER NOT NULL,
    terms       INTEGER NOT NULL,
    PRIMARY KEY (currency, segment, due_date)
) WITHOUT ROWID;

-- 2. Per client and currency.
CREATE TABLE IF NOT EXISTS analytics_open_clients (
    client_id   INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    items       INTEGER NOT NULL DEFAULT 0,
    open        INTEGER NOT NULL DEFAULT 0,
    unapplied   INTEGER NOT NULL DEFAULT 0,
    net         INTEGER NOT NULL DEFAULT 0,
    oldest_due  TEXT,
    PRIMARY KEY (client_id, currency)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS analytics_open_clients_net ON analytics_open_clients(currency, net DESC, client_id, items);
CREATE INDEX IF NOT EXISTS analytics_open_clients_oldest ON analytics_open_clients(currency, oldest_due) WHERE oldest_due IS NOT NULL;

-- 3. Positive open items per currency, habit and due date. `late` is the client's average days
--    late rounded half away from zero (analytics_clients: late_cent_days × 1000 / paid), or
--    1000000 for a client that never paid (the portfolio's average is applied when read).
CREATE TABLE IF NOT EXISTS analytics_open_habits (
    currency    TEXT NOT NULL,
    late        INTEGER NOT NULL,
    due_date    TEXT NOT NULL,
    invoices    INTEGER NOT NULL,
    positive    INTEGER NOT NULL,
    PRIMARY KEY (currency, late, due_date)
) WITHOUT ROWID;

-- The aggregates from the existing ledger (emptied first: replaying the migration, as a dossier
-- rolled back to an older schema version does, must not count the ledger twice).
DELETE FROM analytics_open;
DELETE FROM analytics_open_clients;
DELETE FROM analytics_open_habits;
INSERT INTO analytics_open (currency, segment, due_date, items, open, invoices, positive, terms)
SELECT i.currency, coalesce(c.segment, ''), i.due_date, count(*), sum(i.outstanding), sum(i.outstanding > 0),
       sum(max(i.outstanding, 0)),
       sum(CASE WHEN i.outstanding > 0
           THEN i.outstanding * CAST(julianday(i.due_date) - julianday(i.issue_date) AS INTEGER) ELSE 0 END)
FROM invoices i LEFT JOIN clients c ON c.id = i.client_id
WHERE i.outstanding <> 0 GROUP BY 1, 2, 3;

INSERT INTO analytics_open_clients (client_id, currency, items, open, unapplied, net, oldest_due)
SELECT client_id, currency, sum(items), sum(open), sum(unapplied), sum(open) - sum(unapplied), min(oldest) FROM (
    SELECT client_id, currency, count(*) AS items, sum(outstanding) AS open, 0 AS unapplied,
           min(CASE WHEN outstanding > 0 THEN due_date END) AS oldest
    FROM invoices WHERE outstanding <> 0 GROUP BY client_id, currency
    UNION ALL
    SELECT client_id, currency, 0, 0, sum(unallocated), NULL FROM payments
    WHERE unallocated <> 0 AND client_id IS NOT NULL GROUP BY client_id, currency
) GROUP BY client_id, currency;

INSERT INTO analytics_open_habits (currency, late, due_date, invoices, positive)
SELECT i.currency,
       CASE WHEN coalesce(h.paid, 0) <= 0 THEN 1000000
            WHEN h.late_cent_days < 0 THEN -((2 * (-h.late_cent_days) * 1000 + h.paid) / (2 * h.paid))
            ELSE (2 * h.late_cent_days * 1000 + h.paid) / (2 * h.paid) END,
       i.due_date, count(*), sum(i.outstanding)
FROM invoices i LEFT JOIN analytics_clients h ON h.client_id = i.client_id
WHERE i.outstanding > 0 GROUP BY 1, 2, 3;

-- Invoices: the old row's part out, the new row's in (a row not open adds nothing).
CREATE TRIGGER IF NOT EXISTS analytics_open_invoice_insert AFTER INSERT ON invoices WHEN NEW.outstanding <> 0
BEGIN
    INSERT INTO analytics_open (currency, segment, due_date, items, open, invoices, positive, terms)
    VALUES (NEW.currency, coalesce((SELECT segment FROM clients WHERE id = NEW.client_id), ''), NEW.due_date, 1,
            NEW.outstanding, NEW.outstanding > 0, max(NEW.outstanding, 0),
            CASE WHEN NEW.outstanding > 0
            THEN NEW.outstanding * CAST(julianday(NEW.due_date) - julianday(NEW.issue_date) AS INTEGER) ELSE 0 END)
    ON CONFLICT (currency, segment, due_date) DO UPDATE SET items = items + excluded.items,
        open = open + excluded.open, invoices = invoices + excluded.invoices,
        positive = positive + excluded.positive, terms = terms + excluded.terms;
    INSERT INTO analytics_open_clients (client_id, currency, items, open, net, oldest_due)
    VALUES (NEW.client_id, NEW.currency, 1, NEW.outstanding, NEW.outstanding,
            CASE WHEN NEW.outstanding > 0 THEN NEW.due_date END)
    ON CONFLICT (client_id, currency) DO UPDATE SET items = items + 1, open = open + excluded.open,
        net = net + excluded.open,
        oldest_due = CASE WHEN excluded.oldest_due IS NULL THEN oldest_due
                          WHEN oldest_due IS NULL OR excluded.oldest_due < oldest_due THEN excluded.oldest_due
                          ELSE oldest_due END;
    INSERT INTO analytics_open_habits (currency, late, due_date, invoices, positive)
    SELECT NEW.currency,
           coalesce((SELECT CASE WHEN paid <= 0 THEN 1000000
                                 WHEN late_cent_days < 0 THEN -((2 * (-late_cent_days) * 1000 + paid) / (2 * paid))
                                 ELSE (2 * late_cent_days * 1000 + paid) / (2 * paid) END
                     FROM analytics_clients WHERE client_id = NEW.client_id), 1000000),
           NEW.due_date, 1, NEW.outstanding
    WHERE NEW.outstanding > 0
    ON CONFLICT (currency, late, due_date) DO UPDATE SET invoices = invoices + 1,
        positive = positive + excluded.positive;
END;

CREATE TRIGGER IF NOT EXISTS analytics_open_invoice_delete AFTER DELETE ON invoices WHEN OLD.outstanding <> 0
BEGIN
    INSERT INTO analytics_open (currency, segment, due_date, items, open, invoices, positive, terms)
    VALUES (OLD.currency, coalesce((SELECT segment FROM clients WHERE id = OLD.client_id), ''), OLD.due_date, -1,
            -OLD.outstanding, -(OLD.outstanding > 0), -max(OLD.outstanding, 0),
            CASE WHEN OLD.outstanding > 0
            THEN -OLD.outstanding * CAST(julianday(OLD.due_date) - julianday(OLD.issue_date) AS INTEGER) ELSE 0 END)
    ON CONFLICT (currency, segment, due_date) DO UPDATE SET items = items + excluded.items,
        open = open + excluded.open, invoices = invoices + excluded.invoices,
        positive = positive + excluded.positive, terms = terms + excluded.terms;
    UPDATE analytics_open_clients SET items = items - 1, open = open - OLD.outstanding, net = net - OLD.outstanding,
        oldest_due = (SELECT min(due_date) FROM invoices INDEXED BY invoices_open_items
                      WHERE client_id = OLD.client_id AND currency = OLD.currency AND outstanding <> 0
                      AND outstanding > 0)
    WHERE client_id = OLD.client_id AND currency = OLD.currency;
    UPDATE analytics_open_habits SET invoices = invoices - 1, positive = positive - OLD.outstanding
    WHERE OLD.outstanding > 0 AND currency = OLD.currency AND due_date = OLD.due_date
      AND late = coalesce((SELECT CASE WHEN paid <= 0 THEN 1000000
                                       WHEN late_cent_days < 0 THEN -((2 * (-late_cent_days) * 1000 + paid) / (2 * paid))
                                       ELSE (2 * late_cent_days * 1000 + paid) / (2 * paid) END
                           FROM analytics_clients WHERE client_id = OLD.client_id), 1000000);
END;

CREATE TRIGGER IF NOT EXISTS analytics_open_invoice_update
AFTER UPDATE OF outstanding, due_date, issue_date, client_id, currency ON invoices
WHEN OLD.outstanding <> 0 OR NEW.outstanding <> 0
BEGIN
    INSERT INTO analytics_open (currency, segment, due_date, items, open, invoices, positive, terms)
    SELECT OLD.currency, coalesce((SELECT segment FROM clients WHERE id = OLD.client_id), ''), OLD.due_date, -1,
           -OLD.outstanding, -(OLD.outstanding > 0), -max(OLD.outstanding, 0),
           CASE WHEN OLD.outstanding > 0
           THEN -OLD.outstanding * CAST(julianday(OLD.due_date) - julianday(OLD.issue_date) AS INTEGER) ELSE 0 END
    WHERE OLD.outstanding <> 0
    ON CONFLICT (currency, segment, due_date) DO UPDATE SET items = items + excluded.items,
        open = open + excluded.open, invoices = invoices + excluded.invoices,
        positive = positive + excluded.positive, terms = terms + excluded.terms;
    INSERT INTO analytics_open (currency, segment, due_date, items, open, invoices, positive, terms)
    SELECT NEW.currency, coalesce((SELECT segment FROM clients WHERE id = NEW.client_id), ''), NEW.due_date, 1,
           NEW.outstanding, NEW.outstanding > 0, max(NEW.outstanding, 0),
           CASE WHEN NEW.outstanding > 0
           THEN NEW.outstanding * CAST(julianday(NEW.due_date) - julianday(NEW.issue_date) AS INTEGER) ELSE 0 END
    WHERE NEW.outstanding <> 0
    ON CONFLICT (currency, segment, due_date) DO UPDATE SET items = items + excluded.items,
        open = open + excluded.open, invoices = invoices + excluded.invoices,
        positive = positive + excluded.positive, terms = terms + excluded.terms;
    UPDATE analytics_open_clients SET items = items - 1, open = open - OLD.outstanding, net = net - OLD.outstanding
    WHERE OLD.outstanding <> 0 AND client_id = OLD.client_id AND currency = OLD.currency;
    INSERT INTO analytics_open_clients (client_id, currency, items, open, net)
    SELECT NEW.client_id, NEW.currency, 1, NEW.outstanding, NEW.outstanding WHERE NEW.outstanding <> 0
    ON CONFLICT (client_id, currency) DO UPDATE SET items = items + 1, open = open + excluded.open,
        net = net + excluded.open;
    UPDATE analytics_open_clients
    SET oldest_due = (SELECT min(due_date) FROM invoices INDEXED BY invoices_open_items
                      WHERE client_id = analytics_open_clients.client_id
                      AND currency = analytics_open_clients.currency AND outstanding <> 0 AND outstanding > 0)
    WHERE (client_id = OLD.client_id AND currency = OLD.currency) OR (client_id = NEW.client_id AND currency = NEW.currency);
    UPDATE analytics_open_habits SET invoices = invoices - 1, positive = positive - OLD.outstanding
    WHERE OLD.outstanding > 0 AND currency = OLD.currency AND due_date = OLD.due_date
      AND late = coalesce((SELECT CASE WHEN paid <= 0 THEN 1000000
                                       WHEN late_cent_days < 0 THEN -((2 * (-late_cent_days) * 1000 + paid) / (2 * paid))
                                       ELSE (2 * late_cent_days * 1000 + paid) / (2 * paid) END
                           FROM analytics_clients WHERE client_id = OLD.client_id), 1000000);
    INSERT INTO analytics_open_habits (currency, late, due_date, invoices, positive)
    SELECT NEW.currency,
           coalesce((SELECT CASE WHEN paid <= 0 THEN 1000000
                                 WHEN late_cent_days < 0 THEN -((2 * (-late_cent_days) * 1000 + paid) / (2 * paid))
                                 ELSE (2 * late_cent_days * 1000 + paid) / (2 * paid) END
                     FROM analytics_clients WHERE client_id = NEW.client_id), 1000000),
           NEW.due_date, 1, NEW.outstanding
    WHERE NEW.outstanding > 0
    ON CONFLICT (currency, late, due_date) DO UPDATE SET invoices = invoices + 1,
        positive = positive + excluded.positive;
END;

-- A client changing segment takes its open items along.
CREATE TRIGGER IF NOT EXISTS analytics_open_client_segment AFTER UPDATE OF segment ON clients WHEN OLD.segment <> NEW.segment
BEGIN
    INSERT INTO analytics_open (currency, segment, due_date, items, open, invoices, positive, terms)
    SELECT currency, seg, due_date, sum(items), sum(open), sum(invoices), sum(positive), sum(terms) FROM (
        SELECT currency, OLD.segment AS seg, due_date, -1 AS items, -outstanding AS open,
               -(outstanding > 0) AS invoices, -max(outstanding, 0) AS positive,
               CASE WHEN outstanding > 0
               THEN -outstanding * CAST(julianday(due_date) - julianday(issue_date) AS INTEGER) ELSE 0 END AS terms
        FROM invoices INDEXED BY invoices_open_items WHERE client_id = NEW.id AND outstanding <> 0
        UNION ALL
        SELECT currency, NEW.segment, due_date, 1, outstanding, outstanding > 0, max(outstanding, 0),
               CASE WHEN outstanding > 0
               THEN outstanding * CAST(julianday(due_date) - julianday(issue_date) AS INTEGER) ELSE 0 END
        FROM invoices INDEXED BY invoices_open_items WHERE client_id = NEW.id AND outstanding <> 0
    ) WHERE true GROUP BY currency, seg, due_date
    ON CONFLICT (currency, segment, due_date) DO UPDATE SET items = items + excluded.items,
        open = open + excluded.open, invoices = invoices + excluded.invoices,
        positive = positive + excluded.positive, terms = terms + excluded.terms;
END;

-- A client's habit changing (a payment applied or removed) moves its open invoices to the new one.
CREATE TRIGGER IF NOT EXISTS analytics_open_habit_insert AFTER INSERT ON analytics_clients
WHEN coalesce(NEW.paid, 0) > 0
BEGIN
    INSERT INTO analytics_open_habits (currency, late, due_date, invoices, positive)
    SELECT currency, late, due_date, sum(n), sum(p) FROM (
        SELECT currency, 1000000 AS late, due_date, -1 AS n, -outstanding AS p
        FROM invoices INDEXED BY invoices_open_items WHERE client_id = NEW.client_id AND outstanding <> 0
        AND outstanding > 0
        UNION ALL
        SELECT currency,
               CASE WHEN NEW.late_cent_days < 0 THEN -((2 * (-NEW.late_cent_days) * 1000 + NEW.paid) / (2 * NEW.paid))
                    ELSE (2 * NEW.late_cent_days * 1000 + NEW.paid) / (2 * NEW.paid) END,
               due_date, 1, outstanding
        FROM invoices INDEXED BY invoices_open_items WHERE client_id = NEW.client_id AND outstanding <> 0
        AND outstanding > 0
    ) WHERE true GROUP BY currency, late, due_date
    ON CONFLICT (currency, late, due_date) DO UPDATE SET invoices = invoices + excluded.invoices,
        positive = positive + excluded.positive;
END;

CREATE TRIGGER IF NOT EXISTS analytics_open_habit_update AFTER UPDATE OF paid, late_cent_days ON analytics_clients
WHEN (CASE WHEN coalesce(OLD.paid, 0) <= 0 THEN 1000000
           WHEN OLD.late_cent_days < 0 THEN -((2 * (-OLD.late_cent_days) * 1000 + OLD.paid) / (2 * OLD.paid))
           ELSE (2 * OLD.late_cent_days * 1000 + OLD.paid) / (2 * OLD.paid) END)
  <> (CASE WHEN coalesce(NEW.paid, 0) <= 0 THEN 1000000
           WHEN NEW.late_cent_days < 0 THEN -((2 * (-NEW.late_cent_days) * 1000 + NEW.paid) / (2 * NEW.paid))
           ELSE (2 * NEW.late_cent_days * 1000 + NEW.paid) / (2 * NEW.paid) END)
BEGIN
    INSERT INTO analytics_open_habits (currency, late, due_date, invoices, positive)
    SELECT currency, late, due_date, sum(n), sum(p) FROM (
        SELECT currency,
               CASE WHEN coalesce(OLD.paid, 0) <= 0 THEN 1000000
                    WHEN OLD.late_cent_days < 0 THEN -((2 * (-OLD.late_cent_days) * 1000 + OLD.paid) / (2 * OLD.paid))
                    ELSE (2 * OLD.late_cent_days * 1000 + OLD.paid) / (2 * OLD.paid) END AS late,
               due_date, -1 AS n, -outstanding AS p
        FROM invoices INDEXED BY invoices_open_items WHERE client_id = OLD.client_id AND outstanding <> 0
        AND outstanding > 0
        UNION ALL
        SELECT currency,
               CASE WHEN coalesce(NEW.paid, 0) <= 0 THEN 1000000
                    WHEN NEW.late_cent_days < 0 THEN -((2 * (-NEW.late_cent_days) * 1000 + NEW.paid) / (2 * NEW.paid))
                    ELSE (2 * NEW.late_cent_days * 1000 + NEW.paid) / (2 * NEW.paid) END,
               due_date, 1, outstanding
        FROM invoices INDEXED BY invoices_open_items WHERE client_id = NEW.client_id AND outstanding <> 0
        AND outstanding > 0
    ) WHERE true GROUP BY currency, late, due_date
    ON CONFLICT (currency, late, due_date) DO UPDATE SET invoices = invoices + excluded.invoices,
        positive = positive + excluded.positive;
END;

-- Cash not applied, per client.
CREATE TRIGGER IF NOT EXISTS analytics_open_payment_insert AFTER INSERT ON payments
WHEN NEW.client_id IS NOT NULL AND NEW.unallocated <> 0
BEGIN
    INSERT INTO analytics_open_clients (client_id, currency, unapplied, net)
    VALUES (NEW.client_id, NEW.currency, NEW.unallocated, -NEW.unallocated)
    ON CONFLICT (client_id, currency) DO UPDATE SET unapplied = unapplied + excluded.unapplied,
        net = net - excluded.unapplied;
END;

CREATE TRIGGER IF NOT EXISTS analytics_open_payment_update AFTER UPDATE OF unallocated, client_id, currency ON payments
BEGIN
    UPDATE analytics_open_clients SET unapplied = unapplied - OLD.unallocated, net = net + OLD.unallocated
    WHERE OLD.client_id IS NOT NULL AND OLD.unallocated <> 0 AND client_id = OLD.client_id
      AND currency = OLD.currency;
    INSERT INTO analytics_open_clients (client_id, currency, unapplied, net)
    SELECT NEW.client_id, NEW.currency, NEW.unallocated, -NEW.unallocated
    WHERE NEW.client_id IS NOT NULL AND NEW.unallocated <> 0
    ON CONFLICT (client_id, currency) DO UPDATE SET unapplied = unapplied + excluded.unapplied,
        net = net - excluded.unapplied;
END;

CREATE TRIGGER IF NOT EXISTS analytics_open_payment_delete AFTER DELETE ON payments
WHEN OLD.client_id IS NOT NULL AND OLD.unallocated <> 0
BEGIN
    UPDATE analytics_open_clients SET unapplied = unapplied - OLD.unallocated, net = net + OLD.unallocated
    WHERE client_id = OLD.client_id AND currency = OLD.currency;
END;

-- A write-off moves the open amount by due date like an allocation (month of the write-off), and
-- its day is a dated event of the ledger (the as-of rebuild knows the date is not "today" before it).
CREATE TRIGGER IF NOT EXISTS analytics_writeoff_insert AFTER INSERT ON writeoffs
BEGIN
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    SELECT currency, substr(NEW.written_on, 1, 7), due_date, -NEW.amount FROM invoices WHERE id = NEW.invoice_id
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
    INSERT INTO analytics_days (currency, day) VALUES (NEW.currency, NEW.written_on)
    ON CONFLICT (currency, day) DO NOTHING;
END;

CREATE TRIGGER IF NOT EXISTS analytics_writeoff_delete AFTER DELETE ON writeoffs
BEGIN
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    SELECT currency, substr(OLD.written_on, 1, 7), due_date, OLD.amount FROM invoices WHERE id = OLD.invoice_id
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
END;
