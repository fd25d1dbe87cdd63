-- Schema 16: dossier settings read by the backup and retention features (issue 12), and the register
-- of anonymised clients (RGPD art. 17: which client was anonymised, when and why — never what the
-- personal data was).

-- One value per key, as text (e.g. `backup.keep` = '7', `retention.margin_years` = '1').
CREATE TABLE dossier_settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- A client appears here once its personal data has been replaced by its pseudonym.
CREATE TABLE client_anonymisations (
    client_id   INTEGER PRIMARY KEY REFERENCES clients(id),
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('request', 'retention')),
    pseudonym   TEXT NOT NULL
);
