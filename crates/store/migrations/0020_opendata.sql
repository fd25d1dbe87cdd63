-- Open data (issue 9 §4, open-data §2–4): what SIRENE (recherche-entreprises) and the BODACC said
-- of the clients' companies. IF NOT EXISTS: a test rewinds user_version to replay earlier
-- migrations on an existing file (audit_chain.rs), which replays this one too.

-- The raw answers, as received (UTF-8 JSON text), per SIREN, source and fetch: the cache the app
-- falls back to when the services cannot be reached, and the evidence behind every fact below.
CREATE TABLE IF NOT EXISTS opendata_responses (
    id         INTEGER PRIMARY KEY,
    siren      TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('sirene', 'bodacc')),
    url        TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    page       INTEGER NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS opendata_responses_key ON opendata_responses (siren, source, fetched_at);

-- The company facts scoring uses (company age, legal form, NAF, headcount, ceased), one row per
-- SIREN (the last answer), with the whole parsed record and where it came from.
CREATE TABLE IF NOT EXISTS opendata_companies (
    siren          TEXT PRIMARY KEY,
    name           TEXT,
    creation_date  TEXT,
    legal_form     TEXT,
    naf            TEXT,
    headcount_band TEXT,
    state          TEXT,
    ceased_on      TEXT,
    facts_json     TEXT NOT NULL,
    source_url     TEXT NOT NULL,
    fetched_at     TEXT NOT NULL
) WITHOUT ROWID;

-- BODACC notices naming a SIREN, each with its id, URL and the request it came in.
CREATE TABLE IF NOT EXISTS opendata_notices (
    siren        TEXT NOT NULL,
    notice_id    TEXT NOT NULL,
    published_on TEXT,
    family       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    procedure    TEXT,
    judgment_on  TEXT,
    court        TEXT,
    url          TEXT,
    notice_json  TEXT NOT NULL,
    source_url   TEXT NOT NULL,
    fetched_at   TEXT NOT NULL,
    PRIMARY KEY (siren, notice_id)
) WITHOUT ROWID;

-- What a procédure collective found in the BODACC made the app do for a client, once per notice:
-- the procedure recorded for dunning (L622-21), the déclaration de créance deadline (R622-24),
-- the task recorded in the dunning outbox and the declaration letter (its PDF, or why none).
CREATE TABLE IF NOT EXISTS opendata_procedures (
    client_id    INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    notice_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    judgment_on  TEXT NOT NULL,
    published_on TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    action_id    INTEGER,
    letter_pdf   BLOB,
    letter_note  TEXT NOT NULL,
    done_at      TEXT NOT NULL,
    PRIMARY KEY (client_id, notice_id)
) WITHOUT ROWID;
