-- Schema 8: channels. The sending settings of the dossier (SMTP server, SMS provider) and the
-- dispatch journal of the dunning outbox. No secret is ever stored here: the SMTP password and the
-- provider's API key live in the OS keyring (encours-channels), so a dossier copied for support
-- carries no credential.

-- One row per channel: the non-secret settings as JSON (host, port, security, user name, sender…).
CREATE TABLE channel_settings (
    channel       TEXT PRIMARY KEY CHECK (channel IN ('smtp', 'sms')),
    settings_json TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- One row per dunning action a send touched. The row is written as 'sending' in its own committed
-- transaction *before* the channel is called, then finished with what came of it: an action whose
-- row is still 'sending' (the process stopped between the server's answer and the write) is never
-- sent again automatically, since the message may have left. 'to_print': a letter's PDF was saved
-- in `file_path`; 'posted': its tracking number was recorded (on dunning_actions.tracking_number).
CREATE TABLE dunning_dispatch (
    action_id   INTEGER PRIMARY KEY REFERENCES dunning_actions(id),
    state       TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'to_print', 'posted')),
    attempts    INTEGER NOT NULL,
    -- The email's Message-ID, or the SMS provider's answer.
    message_id  TEXT,
    -- The server's reply, or the error message of a failure.
    detail      TEXT,
    file_path   TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX dunning_dispatch_state ON dunning_dispatch(state);
