-- Schema 24: the daily scores kept in the order they are written, day by day.
-- Migration 0012 keyed them (client, day): each run of a new day then inserted one row beside every
-- client's earlier ones, touching one page per client — on 50,000 clients, the whole table rewritten
-- and encrypted again every day, so the daily run grew slower with its history (1.6 s the first
-- day, 4.7 s three weeks later on the 2-million-invoice dossier). Keyed (day, client), a day's rows
-- are appended together at the end; a client's history is read day by day through `score_days`
-- (one lookup per scoring day: store::scoring::client_scores).
-- Safe to run again on a dossier that has it (the copy is then already in day order).
CREATE TABLE client_scores_by_day (
    scored_on        TEXT NOT NULL,
    client_id        INTEGER NOT NULL REFERENCES clients(id),
    score            INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    grade            TEXT NOT NULL,
    -- Calibrated probability in basis points (an integer: no float in the file).
    probability_bp   INTEGER NOT NULL,
    -- The top three reasons: [{"term", "contribution_bp", "text"}].
    reasons_json     TEXT NOT NULL,
    -- Suggested credit limit in 10^-5 currency units (amount.rs), and why.
    suggested_limit  INTEGER NOT NULL,
    limit_rule       TEXT NOT NULL,
    invoices_scored  INTEGER NOT NULL,
    external_json    TEXT NOT NULL,
    PRIMARY KEY (scored_on, client_id)
) WITHOUT ROWID;
INSERT INTO client_scores_by_day (scored_on, client_id, score, grade, probability_bp, reasons_json,
    suggested_limit, limit_rule, invoices_scored, external_json)
SELECT scored_on, client_id, score, grade, probability_bp, reasons_json,
    suggested_limit, limit_rule, invoices_scored, external_json
FROM client_scores ORDER BY scored_on, client_id;
DROP TABLE client_scores;
ALTER TABLE client_scores_by_day RENAME TO client_scores;

-- The scoring days (a run scores the whole portfolio on one day).
CREATE TABLE IF NOT EXISTS score_days (
    scored_on   TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT OR IGNORE INTO score_days (scored_on) SELECT DISTINCT scored_on FROM client_scores;
