-- Schema 9: rate tables kept in the dossier (issue 6, "updatable rate tables, not constants in
-- code"). Encours ships the ECB and legal-interest tables it knows (assets/rates); when the ECB
-- changes its rate or a new half-year's legal rate is published, the user imports the updated
-- table and it takes precedence over the shipped one. The CSV text is kept as imported (it is
-- parsed and checked by the domain before it is stored).
CREATE TABLE rate_tables (
    name        TEXT PRIMARY KEY CHECK (name IN ('ecb_mro', 'legal_interest')),
    csv         TEXT NOT NULL,
    source      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
