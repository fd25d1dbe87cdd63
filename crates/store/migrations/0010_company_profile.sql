-- Schema 10: what the letters need beyond the ledger (issue 7).
--
-- The company's letterhead: postal address, VAT number, contact, bank details, signatory and the
-- town of "Lyon, le …", kept as the JSON the app validated (one row), with the logo apart as bytes.
CREATE TABLE company_profile (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    profile_json    TEXT NOT NULL,
    logo            BLOB,
    logo_media_type TEXT,
    updated_at      TEXT NOT NULL
);

-- The late-payment terms read from each imported invoice (its PMD note, else its payment terms
-- text; legal-rules A.1.4): the contractual rate the penalties run at. An invoice without a row
-- (generated, or imported before this schema) has its terms derived again from its stored notes.
CREATE TABLE invoice_penalty_terms (
    invoice_id  INTEGER PRIMARY KEY REFERENCES invoices(id),
    terms_json  TEXT NOT NULL
);
