-- Schema 18: early warnings sent by email and webhook (issue 9 §3). IF NOT EXISTS: a test rewinds
-- user_version to replay 0017 on an existing file (audit_chain.rs), which replays this one too.

-- Where alerts go: one row (the credit manager's address, the webhook URL and its retry settings),
-- as the app's JSON. No secret here: the webhook's signing secret is in the OS keyring.
CREATE TABLE IF NOT EXISTS alert_delivery_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    settings_json TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Which channel carried which alert: a delivery run sends only the alerts without a row for the
-- channel, so a second run sends nothing. `reference` is the email's Message-ID or the webhook's
-- answer (status and attempts).
CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id     INTEGER NOT NULL REFERENCES score_alerts(id) ON DELETE CASCADE,
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    delivered_at TEXT NOT NULL,
    reference    TEXT NOT NULL,
    PRIMARY KEY (alert_id, channel)
) WITHOUT ROWID;
