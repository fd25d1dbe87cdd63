-- Live sync with the platforms (issue 10, legal-rules B.4): per platform account, the flows already
-- taken (deduplication on flowId) and the cursor (the greatest updatedAt taken), written in the same
-- transaction, and a journal of sync runs.
CREATE TABLE sync_flows (
    account    TEXT NOT NULL,
    flow_id    TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    flow_type  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    message    TEXT NOT NULL DEFAULT '',
    synced_at  TEXT NOT NULL,
    PRIMARY KEY (account, flow_id)
) WITHOUT ROWID;

CREATE TABLE sync_cursors (
    account    TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    account     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    stored      INTEGER NOT NULL,
    known       INTEGER NOT NULL,
    ignored     INTEGER NOT NULL,
    cursor      TEXT,
    error       TEXT
);
