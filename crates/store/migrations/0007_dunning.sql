-- Schema 7: dunning. Scenarios and their steps, message templates, per-client overrides, collective
-- procedures, the outbox of dunning actions (what a run decided, waiting to be sent by a channel),
-- phone tasks, and how a promise to pay was made. The default scenario and templates are not
-- inserted here: they are written by the application on first use, from the French defaults kept in
-- code (encours_domain::dunning), so that a migration never has to be edited to change a text.

CREATE TABLE dunning_scenarios (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    priority    INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    -- encours_domain::dunning::SegmentFilter as JSON.
    filter_json TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE dunning_steps (
    scenario_id      INTEGER NOT NULL REFERENCES dunning_scenarios(id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    name             TEXT NOT NULL,
    anchor           TEXT NOT NULL CHECK (anchor IN ('due_date', 'made_available', 'previous_step')),
    offset_days      INTEGER NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'letter', 'lrar', 'lre', 'phone', 'sms')),
    tone             TEXT NOT NULL CHECK (tone IN ('courtois', 'ferme', 'dernier_avis', 'mise_en_demeure')),
    template_id      TEXT NOT NULL,
    needs_validation INTEGER NOT NULL,
    PRIMARY KEY (scenario_id, position)
);

CREATE TABLE dunning_templates (
    id          TEXT NOT NULL,
    language    TEXT NOT NULL,
    tone        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (id, language)
);

-- A client follows another scenario, or is paused (until a date, or until lifted).
CREATE TABLE dunning_overrides (
    client_id    INTEGER PRIMARY KEY REFERENCES clients(id),
    scenario_id  INTEGER REFERENCES dunning_scenarios(id),
    paused       INTEGER NOT NULL DEFAULT 0,
    paused_until TEXT,
    reason       TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK ((scenario_id IS NULL) <> (paused = 0))
);

-- Collective procedures (sauvegarde, redressement, liquidation) declared by the user.
CREATE TABLE client_insolvency (
    client_id    INTEGER PRIMARY KEY REFERENCES clients(id),
    kind         TEXT NOT NULL,
    judgment_on  TEXT NOT NULL,
    note         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);

-- The outbox of dunning: one row per action a run decided. `action_key` makes a second run create
-- nothing new. State: planned (waits for a person's validation), validated (ready for its
-- channel), sent, failed, cancelled. Outcome: what came of it (promise, dispute, no_answer…).
CREATE TABLE dunning_actions (
    id               INTEGER PRIMARY KEY,
    action_key       TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    client_id        INTEGER NOT NULL REFERENCES clients(id),
    scenario_id      INTEGER,
    step_position    INTEGER,
    level            INTEGER NOT NULL,
    channel          TEXT NOT NULL,
    tone             TEXT NOT NULL,
    template_id      TEXT NOT NULL,
    language         TEXT NOT NULL,
    -- [[invoice id, number, due date, dunned amount in units], …]
    invoices_json    TEXT NOT NULL,
    currency         TEXT NOT NULL,
    amount           INTEGER NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    needs_validation INTEGER NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('planned', 'validated', 'sent', 'failed', 'cancelled')),
    outcome          TEXT,
    planned_on       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    tracking_number  TEXT
);
CREATE INDEX dunning_actions_client ON dunning_actions(client_id, planned_on);
CREATE INDEX dunning_actions_state ON dunning_actions(state, planned_on);

-- The to-do list of calls.
CREATE TABLE phone_tasks (
    id           INTEGER PRIMARY KEY,
    action_id    INTEGER REFERENCES dunning_actions(id),
    client_id    INTEGER NOT NULL REFERENCES clients(id),
    due_on       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('open', 'done')),
    outcome      TEXT CHECK (outcome IN ('promise', 'dispute', 'wrong_contact', 'no_answer')),
    outcome_json TEXT,
    done_at      TEXT
);
CREATE INDEX phone_tasks_open ON phone_tasks(state, due_on);

-- How a promise was made (phone, email, letter, platform, other); NULL for older promises.
ALTER TABLE promises ADD COLUMN channel TEXT;

-- Today's plan reads the open invoices due by a horizon: this covering index holds every column it
-- needs, ordered by due date, so the read is one range scan with no table lookup (the existing
-- open-items index starts with the client).
CREATE INDEX invoices_dunning ON invoices(due_date, client_id, currency, outstanding, issue_date, number)
    WHERE outstanding > 0;

-- The statuses that change dunning (legal-rules B.2: 206–211, 213, 220), covering, so the plan reads
-- them in one scan; 203 (only needed by steps anchored on it) stays in status_events_invoice.
CREATE INDEX status_events_dunning ON status_events(invoice_id, code, at, amounts_json)
    WHERE code IN (206, 207, 208, 209, 210, 211, 213, 220);
