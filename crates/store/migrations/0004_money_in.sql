-- Schema: money in. Bank statements, the lettrage state of payments, what Encours learned of
-- payers, lifecycle statuses waiting for their invoice, the per-invoice collection state the
-- statuses drive, and the outbox of messages to send to the platform.

-- One statement (camt Stmt / Ntfctn, CFONB 01..07 block) of an imported bank file.
CREATE TABLE bank_statements (
    id              INTEGER PRIMARY KEY,
    document_id     INTEGER NOT NULL REFERENCES documents(id),
    format          TEXT NOT NULL,
    statement_ref   TEXT NOT NULL,
    account         TEXT,
    currency        TEXT NOT NULL,
    opening_balance INTEGER,
    closing_balance INTEGER,
    entries         INTEGER NOT NULL,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    source_locator  TEXT NOT NULL
);

-- A bank credit line becomes a payment; these columns tie it to its statement and say how it was
-- matched. `line_key` recognises the same bank line arriving again (another statement file, a
-- camt.054 then the camt.053 of the same day): account | booking date | signed amount | bank
-- reference | remittance text.
ALTER TABLE payments ADD COLUMN statement_id INTEGER REFERENCES bank_statements(id);
ALTER TABLE payments ADD COLUMN line_key TEXT;
-- unmatched | auto | manual | ignored (NULL for payments that did not come from a bank file).
ALTER TABLE payments ADD COLUMN match_state TEXT;
-- Every structured reference of the line (ISO 11649 RF…), JSON array.
ALTER TABLE payments ADD COLUMN structured_refs_json TEXT;
CREATE UNIQUE INDEX payments_line_key ON payments(line_key) WHERE line_key IS NOT NULL;
CREATE INDEX payments_unmatched ON payments(match_state) WHERE match_state = 'unmatched';

-- What accepted matches taught: this IBAN / this payer name pays for this client.
CREATE TABLE payer_memory (
    kind        TEXT NOT NULL CHECK (kind IN ('iban', 'name')),
    value       TEXT NOT NULL,
    client_id   INTEGER NOT NULL REFERENCES clients(id),
    learned_on  TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);

-- Proposals the user rejected, so that they are not proposed again for the same line.
CREATE TABLE match_rejections (
    payment_id  INTEGER NOT NULL REFERENCES payments(id),
    proposal    TEXT NOT NULL,
    rejected_at TEXT NOT NULL,
    PRIMARY KEY (payment_id, proposal)
);

-- The collection state the lifecycle statuses drive (legal-rules B.2), one row per invoice that
-- received a status with an effect.
CREATE TABLE invoice_collection (
    invoice_id          INTEGER PRIMARY KEY REFERENCES invoices(id),
    -- 203: the date the buyer had the invoice made available.
    made_available_on   TEXT,
    -- Why dunning is held: dispute (207/208), payment_transmitted (211); NULL when not held.
    dunning_hold        TEXT,
    -- 210 / 213: the invoice cannot be collected (a credit note is proposed).
    not_collectable     INTEGER NOT NULL DEFAULT 0,
    -- 206: what the buyer approved and did not, in units.
    approved_amount     INTEGER,
    disputed_amount     INTEGER,
    -- 210 / 213: the internal credit note proposed for the outstanding amount, in units.
    proposed_credit_note INTEGER,
    -- 220: cancelled.
    closed              INTEGER NOT NULL DEFAULT 0,
    -- Effects that need a person (a 206 without a usable split, a 212 without MEN…), plain words.
    needs_review        TEXT,
    last_code           INTEGER,
    last_at             TEXT
);

-- A status read from a CDAR message whose invoice is not (yet) in the dossier; attached when the
-- invoice is imported.
CREATE TABLE pending_statuses (
    id              INTEGER PRIMARY KEY,
    invoice_number  TEXT NOT NULL,
    issue_date      TEXT,
    seller_siren    TEXT,
    code            INTEGER NOT NULL,
    at              TEXT NOT NULL,
    payload_json    TEXT NOT NULL,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    source_locator  TEXT NOT NULL,
    UNIQUE (invoice_number, issue_date, seller_siren, code, at)
);

-- Messages to send to the platform (CDAR 212 Encaissée…), queued until a sync sends them.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    invoice_id  INTEGER REFERENCES invoices(id),
    payment_id  INTEGER REFERENCES payments(id),
    payload     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'queued',
    sent_at     TEXT
);
