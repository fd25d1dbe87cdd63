-- Dispute dossiers (issue 8): where a dispute came from, what the platform said, how it ended, and
-- what was gathered and done meanwhile (evidence, tasks, notes, calls, decisions).
--
-- A dispute opened by a lifecycle status (207 En litige, 208 Suspendue, 206 Approuvée
-- partiellement; legal-rules B.2) keeps the status that opened it (invoice, code, status
-- date-time): the unique index makes "one dispute per status event" structural, so an import
-- replayed, or a status arriving again through another file, never opens a second one. The
-- platform's reason (MDT-113/114) and requested action (MDT-121/122) are kept as received beside
-- the category Encours derives from them.

ALTER TABLE disputes ADD COLUMN origin TEXT NOT NULL DEFAULT 'recorded';
ALTER TABLE disputes ADD COLUMN status_invoice_id INTEGER REFERENCES invoices(id);
ALTER TABLE disputes ADD COLUMN status_code INTEGER;
ALTER TABLE disputes ADD COLUMN status_at TEXT;
ALTER TABLE disputes ADD COLUMN reason_code TEXT;
ALTER TABLE disputes ADD COLUMN reason_text TEXT;
ALTER TABLE disputes ADD COLUMN action_code TEXT;
ALTER TABLE disputes ADD COLUMN action_text TEXT;
-- What the dispute's invoices had open when it was opened (units): the undisputed part is this
-- less the disputed amount. NULL for disputes recorded before this schema.
ALTER TABLE disputes ADD COLUMN invoiced_amount INTEGER;
ALTER TABLE disputes ADD COLUMN opened_at TEXT;
ALTER TABLE disputes ADD COLUMN resolved_at TEXT;
-- credit_note | corrected | partial | rejected | status (closed by a lifecycle status)
ALTER TABLE disputes ADD COLUMN outcome TEXT;
ALTER TABLE disputes ADD COLUMN resolution_json TEXT;
CREATE UNIQUE INDEX disputes_status_event ON disputes(status_invoice_id, status_code, status_at)
    WHERE status_code IS NOT NULL;
CREATE INDEX dispute_invoices_invoice ON dispute_invoices(invoice_id);

-- A file attached to a dispute: the bytes live once in `documents` (encrypted with the dossier,
-- found again by their SHA-256 like every kept original); this row says which dispute, when.
CREATE TABLE dispute_evidence (
    id          INTEGER PRIMARY KEY,
    dispute_id  INTEGER NOT NULL REFERENCES disputes(id),
    document_id INTEGER NOT NULL REFERENCES documents(id),
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dispute_evidence_dispute ON dispute_evidence(dispute_id);

CREATE TABLE dispute_tasks (
    id          INTEGER PRIMARY KEY,
    dispute_id  INTEGER NOT NULL REFERENCES disputes(id),
    title       TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('todo', 'done', 'cancelled')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX dispute_tasks_due ON dispute_tasks(state, due_on);
CREATE INDEX dispute_tasks_dispute ON dispute_tasks(dispute_id);

-- What happened in the dispute that only Encours knows: opening, notes, calls, evidence added,
-- tasks created or changed, decisions and the resolution. Statuses received and dunning letters
-- sent are read from their own tables when the timeline is built, never copied here.
CREATE TABLE dispute_events (
    id          INTEGER PRIMARY KEY,
    dispute_id  INTEGER NOT NULL REFERENCES disputes(id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('opened', 'updated', 'note', 'call', 'decision', 'evidence',
                                              'task', 'task_state', 'resolved')),
    text        TEXT NOT NULL,
    actor       TEXT NOT NULL
);
CREATE INDEX dispute_events_dispute ON dispute_events(dispute_id, at);
