-- Schema 15: the client page (issue 11). A client's 360° view must open in well under 100 ms on a
-- 2-million-invoice dossier, so every table it reads is reached through the client's id: disputes,
-- promises and phone tasks gain a client index (they were only ever scanned whole before), and the
-- notes a credit manager types about a call or a conversation get a table of their own (they are
-- not dunning actions and belong to no dispute).
CREATE INDEX IF NOT EXISTS disputes_client ON disputes(client_id, opened_on);
CREATE INDEX IF NOT EXISTS promises_client ON promises(client_id, made_on);
CREATE INDEX IF NOT EXISTS phone_tasks_client ON phone_tasks(client_id, due_on);

-- A note about a client: `call` (what a call gave), `note` (anything else). Append-only like the
-- journal it is audited in.
CREATE TABLE client_notes (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('call', 'note')),
    author      TEXT NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX client_notes_client ON client_notes(client_id, at);
