-- Schema 12: client risk scoring (issue 9). The daily scores of every client, the alerts the
-- early-warning rules raised (never twice: the engine's dedupe key is UNIQUE), and the scorecards
-- fitted on the dossier's own history (a fit is costly; a day's run reuses the last one).

-- One row per client and scoring date; rescoring a date replaces that date's rows.
CREATE TABLE client_scores (
    client_id        INTEGER NOT NULL REFERENCES clients(id),
    scored_on        TEXT NOT NULL,
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
    PRIMARY KEY (client_id, scored_on)
) WITHOUT ROWID;
CREATE INDEX client_scores_day ON client_scores(scored_on);

CREATE TABLE score_alerts (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id),
    rule        TEXT NOT NULL,
    dedupe_key  TEXT NOT NULL UNIQUE,
    raised_on   TEXT NOT NULL,
    details     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'snoozed')),
    snoozed_until TEXT,
    updated_at  TEXT,
    CHECK ((state = 'snoozed') = (snoozed_until IS NOT NULL))
);
CREATE INDEX score_alerts_client ON score_alerts(client_id, raised_on);

-- Scorecards (encours_engines::scoring::scorecard::Scorecard as JSON): `fit` on the dossier's
-- history, or `prior` when the history did not allow a fit.
CREATE TABLE scoring_models (
    fitted_on   TEXT PRIMARY KEY,
    origin      TEXT NOT NULL CHECK (origin IN ('fit', 'prior')),
    card_json   TEXT NOT NULL,
    note        TEXT NOT NULL
);
