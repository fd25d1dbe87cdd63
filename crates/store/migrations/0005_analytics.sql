-- Schema 5: receivables analytics (issue 5).
--
-- Every measure is computed as of a date from the ledger itself: an invoice counts once issued,
-- its open amount on a date is its receivable minus the allocations applied by then. Two kinds of
-- help keep that fast on millions of invoices:
-- 1. indexes that let a read model stream exactly the rows a date needs;
-- 2. three small aggregates kept up to date by triggers in the same transaction as every ledger
--    write (so they can never disagree with it): the month-by-due-date flows of open amounts
--    (the aged balance at any month end, for any buckets), the daily sales / cash / allocations
--    (DSO, CEI, cash collected), and each client's payment habit (the forecast).
-- The aggregates are derived data: rebuilt here from the ledger, never audited on their own.

-- Open items: the previous covering index plus the issue date (age, and "issued by the date").
DROP INDEX invoices_open_items;
CREATE INDEX invoices_open_items ON invoices(client_id, currency, due_date, outstanding, issue_date)
    WHERE outstanding <> 0;
-- Invoices by issue date (sales of a period; the documents of a financial year).
CREATE INDEX invoices_issued ON invoices(issue_date, currency, receivable);
-- Allocations by date (what was applied after a date, to rebuild the open amounts on that date),
-- and per invoice / credit note with their dates (the open amount of one item on a date).
CREATE INDEX allocations_applied ON allocations(applied_on, invoice_id, credit_note_id, payment_id, amount);
DROP INDEX allocations_invoice;
CREATE INDEX allocations_invoice ON allocations(invoice_id, amount, applied_on);
DROP INDEX allocations_credit_note;
CREATE INDEX allocations_credit_note ON allocations(credit_note_id, applied_on, amount)
    WHERE credit_note_id IS NOT NULL;
-- Cash received and not applied, per client (also what the summary sums).
CREATE INDEX payments_unapplied ON payments(client_id, currency, booked_on, unallocated)
    WHERE unallocated <> 0 AND client_id IS NOT NULL;
CREATE INDEX payments_booked ON payments(booked_on, client_id, currency, amount);
-- The client attributes the groupings need, without reading addresses and contacts.
CREATE INDEX clients_analytics ON clients(id, segment, owner, naf, name);
-- Disputes open on a date, resolved in a period; promises falling due in a period.
CREATE INDEX disputes_resolved ON disputes(resolved_on, opened_on);
CREATE INDEX promises_due ON promises(promised_for, made_on);
-- Statuses that stop collection (210 Refusée, 213 Rejetée, 220 Annulée), by date.
CREATE INDEX status_events_stop ON status_events(at, invoice_id) WHERE code IN (210, 213, 220);

-- Change of the open amounts, per currency, month of the event and due date of the item: +the
-- receivable in the month of issue, −each allocation in the month it was applied (+ on the credit
-- note it used). The open amount by due date at the end of month M is the sum of the rows of the
-- months up to M.
CREATE TABLE analytics_flows (
    currency    TEXT NOT NULL,
    month       TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    delta       INTEGER NOT NULL,
    PRIMARY KEY (currency, month, due_date)
) WITHOUT ROWID;

-- Per currency and day: documents issued (receivable: credit notes negative), payments booked
-- from identified clients, payment allocations applied (amount and count).
CREATE TABLE analytics_days (
    currency    TEXT NOT NULL,
    day         TEXT NOT NULL,
    sales       INTEGER NOT NULL DEFAULT 0,
    cash        INTEGER NOT NULL DEFAULT 0,
    paid        INTEGER NOT NULL DEFAULT 0,
    allocations INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (currency, day)
) WITHOUT ROWID;

-- Per client: what it paid (payment allocations, units), the same weighted by the days between
-- the invoice's due date and the payment's booking date (in cents × days, so that the sum stays
-- far from the 64-bit limit), and its last payment.
CREATE TABLE analytics_clients (
    client_id       INTEGER PRIMARY KEY,
    paid            INTEGER NOT NULL DEFAULT 0,
    late_cent_days  INTEGER NOT NULL DEFAULT 0,
    last_payment    TEXT
);

-- The aggregates from the existing ledger.
INSERT INTO analytics_flows (currency, month, due_date, delta)
SELECT currency, month, due_date, sum(delta) FROM (
    SELECT currency, substr(issue_date, 1, 7) AS month, due_date, receivable AS delta FROM invoices
    UNION ALL
    SELECT i.currency, substr(a.applied_on, 1, 7), i.due_date, -a.amount
    FROM allocations a JOIN invoices i ON i.id = a.invoice_id
    UNION ALL
    SELECT c.currency, substr(a.applied_on, 1, 7), c.due_date, a.amount
    FROM allocations a JOIN invoices c ON c.id = a.credit_note_id
) GROUP BY currency, month, due_date;

INSERT INTO analytics_days (currency, day, sales, cash, paid, allocations)
SELECT currency, day, sum(sales), sum(cash), sum(paid), sum(n) FROM (
    SELECT currency, issue_date AS day, receivable AS sales, 0 AS cash, 0 AS paid, 0 AS n FROM invoices
    UNION ALL
    SELECT currency, booked_on, 0, amount, 0, 0 FROM payments WHERE client_id IS NOT NULL
    UNION ALL
    SELECT currency, applied_on, 0, 0, CASE WHEN payment_id IS NULL THEN 0 ELSE amount END, 1 FROM allocations
) GROUP BY currency, day;

INSERT INTO analytics_clients (client_id, paid, late_cent_days, last_payment)
SELECT i.client_id, sum(a.amount),
       sum((a.amount / 1000) * CAST(julianday(p.booked_on) - julianday(i.due_date) AS INTEGER)), NULL
FROM allocations a JOIN invoices i ON i.id = a.invoice_id JOIN payments p ON p.id = a.payment_id
GROUP BY i.client_id;
INSERT INTO analytics_clients (client_id, last_payment)
SELECT client_id, max(booked_on) FROM payments WHERE client_id IS NOT NULL GROUP BY client_id
ON CONFLICT (client_id) DO UPDATE SET last_payment = excluded.last_payment;

-- Invoices.
CREATE TRIGGER analytics_invoice_insert AFTER INSERT ON invoices
BEGIN
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    VALUES (NEW.currency, substr(NEW.issue_date, 1, 7), NEW.due_date, NEW.receivable)
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
    INSERT INTO analytics_days (currency, day, sales) VALUES (NEW.currency, NEW.issue_date, NEW.receivable)
    ON CONFLICT (currency, day) DO UPDATE SET sales = sales + excluded.sales;
END;

CREATE TRIGGER analytics_invoice_delete AFTER DELETE ON invoices
BEGIN
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    VALUES (OLD.currency, substr(OLD.issue_date, 1, 7), OLD.due_date, -OLD.receivable)
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
    INSERT INTO analytics_days (currency, day, sales) VALUES (OLD.currency, OLD.issue_date, -OLD.receivable)
    ON CONFLICT (currency, day) DO UPDATE SET sales = sales + excluded.sales;
END;

-- A change of an invoice's dates, amount or currency moves its issue and every allocation flow.
CREATE TRIGGER analytics_invoice_update AFTER UPDATE OF issue_date, due_date, receivable, currency ON invoices
BEGIN
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    VALUES (OLD.currency, substr(OLD.issue_date, 1, 7), OLD.due_date, -OLD.receivable)
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    VALUES (NEW.currency, substr(NEW.issue_date, 1, 7), NEW.due_date, NEW.receivable)
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
    INSERT INTO analytics_days (currency, day, sales) VALUES (OLD.currency, OLD.issue_date, -OLD.receivable)
    ON CONFLICT (currency, day) DO UPDATE SET sales = sales + excluded.sales;
    INSERT INTO analytics_days (currency, day, sales) VALUES (NEW.currency, NEW.issue_date, NEW.receivable)
    ON CONFLICT (currency, day) DO UPDATE SET sales = sales + excluded.sales;
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    SELECT currency, month, due_date, sum(delta) FROM (
        SELECT OLD.currency AS currency, substr(applied_on, 1, 7) AS month, OLD.due_date AS due_date, amount AS delta
        FROM allocations WHERE invoice_id = OLD.id
        UNION ALL
        SELECT NEW.currency, substr(applied_on, 1, 7), NEW.due_date, -amount FROM allocations WHERE invoice_id = NEW.id
        UNION ALL
        SELECT OLD.currency, substr(applied_on, 1, 7), OLD.due_date, -amount FROM allocations WHERE credit_note_id = OLD.id
        UNION ALL
        SELECT NEW.currency, substr(applied_on, 1, 7), NEW.due_date, amount FROM allocations WHERE credit_note_id = NEW.id
    ) WHERE true GROUP BY currency, month, due_date
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
END;

-- Allocations.
CREATE TRIGGER analytics_allocation_insert AFTER INSERT ON allocations
BEGIN
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    SELECT currency, substr(NEW.applied_on, 1, 7), due_date, -NEW.amount FROM invoices WHERE id = NEW.invoice_id
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    SELECT currency, substr(NEW.applied_on, 1, 7), due_date, NEW.amount FROM invoices WHERE id = NEW.credit_note_id
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
    INSERT INTO analytics_days (currency, day, paid, allocations)
    VALUES (NEW.currency, NEW.applied_on, CASE WHEN NEW.payment_id IS NULL THEN 0 ELSE NEW.amount END, 1)
    ON CONFLICT (currency, day) DO UPDATE SET paid = paid + excluded.paid, allocations = allocations + 1;
    INSERT INTO analytics_clients (client_id, paid, late_cent_days)
    SELECT i.client_id, NEW.amount, (NEW.amount / 1000) * CAST(julianday(p.booked_on) - julianday(i.due_date) AS INTEGER)
    FROM invoices i JOIN payments p ON p.id = NEW.payment_id WHERE i.id = NEW.invoice_id
    ON CONFLICT (client_id) DO UPDATE SET paid = paid + excluded.paid, late_cent_days = late_cent_days + excluded.late_cent_days;
END;

CREATE TRIGGER analytics_allocation_delete AFTER DELETE ON allocations
BEGIN
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    SELECT currency, substr(OLD.applied_on, 1, 7), due_date, OLD.amount FROM invoices WHERE id = OLD.invoice_id
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
    INSERT INTO analytics_flows (currency, month, due_date, delta)
    SELECT currency, substr(OLD.applied_on, 1, 7), due_date, -OLD.amount FROM invoices WHERE id = OLD.credit_note_id
    ON CONFLICT (currency, month, due_date) DO UPDATE SET delta = delta + excluded.delta;
    INSERT INTO analytics_days (currency, day, paid, allocations)
    VALUES (OLD.currency, OLD.applied_on, CASE WHEN OLD.payment_id IS NULL THEN 0 ELSE -OLD.amount END, -1)
    ON CONFLICT (currency, day) DO UPDATE SET paid = paid + excluded.paid, allocations = allocations - 1;
    INSERT INTO analytics_clients (client_id, paid, late_cent_days)
    SELECT i.client_id, -OLD.amount, -(OLD.amount / 1000) * CAST(julianday(p.booked_on) - julianday(i.due_date) AS INTEGER)
    FROM invoices i JOIN payments p ON p.id = OLD.payment_id WHERE i.id = OLD.invoice_id
    ON CONFLICT (client_id) DO UPDATE SET paid = paid + excluded.paid, late_cent_days = late_cent_days + excluded.late_cent_days;
END;

-- Payments (only those of an identified client count as cash collected).
CREATE TRIGGER analytics_payment_insert AFTER INSERT ON payments WHEN NEW.client_id IS NOT NULL
BEGIN
    INSERT INTO analytics_days (currency, day, cash) VALUES (NEW.currency, NEW.booked_on, NEW.amount)
    ON CONFLICT (currency, day) DO UPDATE SET cash = cash + excluded.cash;
    INSERT INTO analytics_clients (client_id, last_payment) VALUES (NEW.client_id, NEW.booked_on)
    ON CONFLICT (client_id) DO UPDATE SET last_payment = max(coalesce(last_payment, ''), excluded.last_payment);
END;

CREATE TRIGGER analytics_payment_update AFTER UPDATE OF client_id, booked_on, amount, currency ON payments
BEGIN
    INSERT INTO analytics_days (currency, day, cash)
    SELECT OLD.currency, OLD.booked_on, -OLD.amount WHERE OLD.client_id IS NOT NULL
    ON CONFLICT (currency, day) DO UPDATE SET cash = cash + excluded.cash;
    INSERT INTO analytics_days (currency, day, cash)
    SELECT NEW.currency, NEW.booked_on, NEW.amount WHERE NEW.client_id IS NOT NULL
    ON CONFLICT (currency, day) DO UPDATE SET cash = cash + excluded.cash;
    INSERT INTO analytics_clients (client_id, last_payment)
    SELECT NEW.client_id, NEW.booked_on WHERE NEW.client_id IS NOT NULL
    ON CONFLICT (client_id) DO UPDATE SET last_payment = max(coalesce(last_payment, ''), excluded.last_payment);
END;

CREATE TRIGGER analytics_payment_delete AFTER DELETE ON payments WHEN OLD.client_id IS NOT NULL
BEGIN
    INSERT INTO analytics_days (currency, day, cash) VALUES (OLD.currency, OLD.booked_on, -OLD.amount)
    ON CONFLICT (currency, day) DO UPDATE SET cash = cash + excluded.cash;
END;

-- The dashboard of a date, materialised: computed once per date and ledger version (the last
-- audit entry: every ledger change writes one in its transaction), then read back. `code` names
-- the computation, so that a new version of Encours does not read an older one's figures.
CREATE TABLE analytics_views (
    kind        TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    ledger_seq  INTEGER NOT NULL,
    code        TEXT NOT NULL,
    json        TEXT NOT NULL,
    PRIMARY KEY (kind, as_of)
) WITHOUT ROWID;
