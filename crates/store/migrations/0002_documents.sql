-- Schema 2: original files kept as evidence (encrypted with the rest of the dossier), and the
-- business key that recognises the same invoice arriving twice.

CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE,
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    added_at    TEXT NOT NULL
);

ALTER TABLE invoices ADD COLUMN document_id INTEGER REFERENCES documents(id);
-- seller identifier | number | issue date | type code | currency grand total: never the number alone,
-- the same number is reused by different documents.
ALTER TABLE invoices ADD COLUMN business_key TEXT;
CREATE UNIQUE INDEX invoices_business_key ON invoices(business_key) WHERE business_key IS NOT NULL;
CREATE INDEX invoices_document ON invoices(document_id) WHERE document_id IS NOT NULL;
CREATE INDEX clients_vat ON clients(vat);
CREATE INDEX clients_name ON clients(lower(name));
