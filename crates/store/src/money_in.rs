//! Money in: bank statements and their lines, the lettrage state of payments, what Encours
//! learned of payers, lifecycle statuses and the collection state they drive, and the outbox.
//!
//! Writes go through a [`LedgerWriter`] (one unit of work, one audit entry); reads are functions
//! over a [`Dossier`].

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{ClientId, Currency, InvoiceId, Money, PaymentId, Source};
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::amount::{from_units, to_units};
use crate::ledger::DocumentId;
use crate::{Dossier, LedgerWriter, StoreError};

const AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// A statement of an imported bank file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementRecord {
    /// The bank file kept as evidence.
    pub document: DocumentId,
    /// `camt053`, `camt054`, `cfonb120`.
    pub format: String,
    /// The statement's own identifier.
    pub statement_ref: String,
    /// The account (IBAN or number as written).
    pub account: Option<String>,
    /// The account currency.
    pub currency: Currency,
    /// Signed opening balance, when given.
    pub opening_balance: Option<Decimal>,
    /// Signed closing balance, when given.
    pub closing_balance: Option<Decimal>,
    /// Number of entries.
    pub entries: u32,
    /// Where the statement starts in the file.
    pub source: Source,
}

/// How a payment stands in the lettrage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchState {
    /// Not matched yet.
    Unmatched,
    /// Matched by the engine above the automatic threshold.
    Auto,
    /// Matched by a person.
    Manual,
    /// Set aside by a person (not a customer payment).
    Ignored,
}

impl MatchState {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchState::Unmatched => "unmatched",
            MatchState::Auto => "auto",
            MatchState::Manual => "manual",
            MatchState::Ignored => "ignored",
        }
    }

    fn parse(s: &str) -> MatchState {
        match s {
            "auto" => MatchState::Auto,
            "manual" => MatchState::Manual,
            "ignored" => MatchState::Ignored,
            _ => MatchState::Unmatched,
        }
    }
}

/// The per-invoice collection state that lifecycle statuses drive (legal-rules B.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CollectionState {
    /// 203: when the buyer had the invoice.
    pub made_available_on: Option<NaiveDate>,
    /// Why dunning is held (`dispute`, `payment_transmitted`), if it is.
    pub dunning_hold: Option<String>,
    /// 210 / 213: the invoice cannot be collected.
    pub not_collectable: bool,
    /// 206: the approved part.
    pub approved_amount: Option<Decimal>,
    /// 206 / 207: the disputed part.
    pub disputed_amount: Option<Decimal>,
    /// 210 / 213: the internal credit note proposed for the outstanding amount.
    pub proposed_credit_note: Option<Decimal>,
    /// 220 cancelled.
    pub closed: bool,
    /// What a person must look at, in plain words.
    pub needs_review: Option<String>,
    /// The latest status applied, with its date-time.
    pub last: Option<(u16, NaiveDateTime)>,
}

/// A lifecycle status whose invoice is not in the dossier yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingStatus {
    /// Row id.
    pub id: i64,
    /// BT-1 of the invoice it concerns.
    pub invoice_number: String,
    /// BT-2.
    pub issue_date: Option<NaiveDate>,
    /// The seller's SIREN.
    pub seller_siren: Option<String>,
    /// The status code.
    pub code: u16,
    /// When the status was set.
    pub at: NaiveDateTime,
    /// The status as read (JSON written by the importer).
    pub payload_json: String,
    /// Where it was read.
    pub source: Source,
}

fn at_str(at: NaiveDateTime) -> String {
    at.format(AT_FORMAT).to_string()
}

fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse().map_err(|e: chrono::ParseError| StoreError::Decode(format!("date {s:?}: {e}")))
}

fn parse_at(s: &str) -> Result<NaiveDateTime, StoreError> {
    NaiveDateTime::parse_from_str(s, AT_FORMAT).map_err(|e| StoreError::Decode(format!("date-time {s:?}: {e}")))
}

impl LedgerWriter<'_> {
    /// Adds a bank statement; returns its id.
    pub fn bank_statement(&mut self, s: &StatementRecord) -> Result<i64, StoreError> {
        let source_id = self.source_id(&s.source)?;
        self.tx
            .prepare_cached(
                "INSERT INTO bank_statements (document_id, format, statement_ref, account, currency,
                 opening_balance, closing_balance, entries, source_id, source_locator)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                s.document.0,
                s.format,
                s.statement_ref,
                s.account,
                s.currency.code(),
                s.opening_balance.map(to_units).transpose()?,
                s.closing_balance.map(to_units).transpose()?,
                s.entries,
                source_id,
                s.source.locator,
            ])?;
        Ok(self.tx.last_insert_rowid())
    }

    /// True when a bank line with this key is already stored.
    pub fn bank_line_exists(&self, line_key: &str) -> Result<bool, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM payments WHERE line_key = ?1)")?
            .query_row([line_key], |r| r.get(0))?)
    }

    /// Adds a bank credit line as an unmatched payment of `statement_id`. The payment's id must be
    /// free (see [`LedgerWriter::next_payment_id`]); `line_key` must not be stored yet.
    pub fn bank_payment(
        &mut self,
        p: &encours_domain::Payment,
        statement_id: i64,
        line_key: &str,
        structured_refs: &[String],
    ) -> Result<(), StoreError> {
        self.payment(p)?;
        self.tx
            .prepare_cached(
                "UPDATE payments SET statement_id = ?2, line_key = ?3, match_state = 'unmatched',
                 structured_refs_json = ?4 WHERE id = ?1",
            )?
            .execute(params![p.id.0, statement_id, line_key, serde_json::to_string(structured_refs)?])?;
        Ok(())
    }

    /// The id a new payment will get.
    pub fn next_payment_id(&self) -> Result<PaymentId, StoreError> {
        self.next_free_id("payments").map(PaymentId)
    }

    /// The id a new allocation will get.
    pub fn next_allocation_id(&self) -> Result<encours_domain::AllocationId, StoreError> {
        self.next_free_id("allocations").map(encours_domain::AllocationId)
    }

    /// The id a new dispute will get.
    pub fn next_dispute_id(&self) -> Result<encours_domain::DisputeId, StoreError> {
        self.next_free_id("disputes").map(encours_domain::DisputeId)
    }

    fn next_free_id(&self, table: &'static str) -> Result<i64, StoreError> {
        Ok(self
            .tx
            .prepare_cached(&format!("SELECT coalesce(max(id), 0) + 1 FROM {table}"))?
            .query_row([], |r| r.get(0))?)
    }

    /// Sets a payment's client and lettrage state.
    pub fn set_payment_match(
        &mut self,
        payment: PaymentId,
        client: Option<ClientId>,
        state: MatchState,
    ) -> Result<(), StoreError> {
        let changed = self
            .tx
            .prepare_cached("UPDATE payments SET client_id = ?2, match_state = ?3 WHERE id = ?1")?
            .execute(params![payment.0, client.map(|c| c.0), state.as_str()])?;
        if changed != 1 {
            return Err(StoreError::Invalid(format!("no payment {}", payment.0)));
        }
        Ok(())
    }

    /// Removes every allocation of a payment, giving the invoices their open amounts back and the
    /// payment its unallocated amount; returns what was removed `(invoice, amount)`.
    pub fn unallocate_payment(&mut self, payment: PaymentId) -> Result<Vec<(InvoiceId, Decimal)>, StoreError> {
        let removed: Vec<(i64, i64)> = self
            .tx
            .prepare_cached("SELECT invoice_id, amount FROM allocations WHERE payment_id = ?1 ORDER BY id")?
            .query_map([payment.0], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        // A written-off invoice stays closed: reopening what the payment covered would leave the
        // write-off (the loss booked, its VAT recovered under CGI 272) beside an open amount.
        for (invoice, _) in &removed {
            let written_off: Option<String> = self
                .tx
                .prepare_cached(
                    "SELECT i.number FROM writeoffs w JOIN invoices i ON i.id = w.invoice_id WHERE w.invoice_id = ?1",
                )?
                .query_row([invoice], |r| r.get(0))
                .optional()?;
            if let Some(number) = written_off {
                return Err(StoreError::Invalid(format!(
                    "invoice {number} is written off as irrecoverable: this payment cannot be unmatched from it"
                )));
            }
        }
        for (invoice, amount) in &removed {
            self.tx
                .prepare_cached("UPDATE invoices SET outstanding = outstanding + ?2 WHERE id = ?1")?
                .execute(params![invoice, amount])?;
        }
        self.tx.prepare_cached("DELETE FROM allocations WHERE payment_id = ?1")?.execute([payment.0])?;
        self.tx.prepare_cached("UPDATE payments SET unallocated = amount WHERE id = ?1")?.execute([payment.0])?;
        Ok(removed.into_iter().map(|(i, a)| (InvoiceId(i), from_units(a))).collect())
    }

    /// Remembers that an IBAN or a payer name pays for a client (`kind` is `iban` or `name`).
    pub fn learn_payer(&mut self, kind: &str, value: &str, client: ClientId, on: NaiveDate) -> Result<(), StoreError> {
        if value.trim().is_empty() {
            return Ok(());
        }
        self.tx
            .prepare_cached(
                "INSERT INTO payer_memory (kind, value, client_id, learned_on) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, value) DO UPDATE SET client_id = excluded.client_id, learned_on = excluded.learned_on",
            )?
            .execute(params![kind, value, client.0, on.to_string()])?;
        Ok(())
    }

    /// Records that the user rejected a proposal (identified by a stable text) for a payment.
    pub fn reject_proposal(&mut self, payment: PaymentId, proposal: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO match_rejections (payment_id, proposal, rejected_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![payment.0, proposal, at_str(self.at)])?;
        Ok(())
    }

    /// The invoice a lifecycle status refers to: number (BT-1), then issue date and seller SIREN
    /// when the message gives them (legal-rules B.2: the invoice is referenced by BT-1 + issue date
    /// + seller SIREN). Returns the invoice and its client.
    pub fn invoice_for_status(
        &self,
        number: &str,
        issue_date: Option<NaiveDate>,
        seller_siren: Option<&str>,
    ) -> Result<Option<(InvoiceId, ClientId)>, StoreError> {
        let rows: Vec<(i64, i64, String, Option<String>)> = self
            .tx
            .prepare_cached("SELECT id, client_id, issue_date, seller_siren FROM invoices WHERE number = ?1")?
            .query_map([number], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let fits = |(_, _, issued, seller): &&(i64, i64, String, Option<String>)| {
            issue_date.is_none_or(|d| issued == &d.to_string())
                && match (seller_siren, seller) {
                    (Some(want), Some(have)) => want == have,
                    _ => true,
                }
        };
        let mut candidates = rows.iter().filter(fits);
        match (candidates.next(), candidates.next()) {
            (Some(one), None) => Ok(Some((InvoiceId(one.0), ClientId(one.1)))),
            _ => Ok(None),
        }
    }

    /// True when the invoice already has this status at this date-time (the same message again).
    pub fn status_exists(&self, invoice: InvoiceId, code: u16, at: NaiveDateTime) -> Result<bool, StoreError> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM status_events WHERE invoice_id = ?1 AND code = ?2 AND at = ?3)",
            )?
            .query_row(params![invoice.0, code, at_str(at)], |r| r.get(0))?)
    }

    /// Keeps a status whose invoice is not in the dossier; returns false when it was already kept.
    pub fn pending_status(&mut self, p: &PendingStatus) -> Result<bool, StoreError> {
        let source_id = self.source_id(&p.source)?;
        let changed = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO pending_statuses (invoice_number, issue_date, seller_siren, code, at,
                 payload_json, source_id, source_locator) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                p.invoice_number,
                p.issue_date.map(|d| d.to_string()),
                p.seller_siren,
                p.code,
                at_str(p.at),
                p.payload_json,
                source_id,
                p.source.locator,
            ])?;
        Ok(changed == 1)
    }

    /// Takes (removes and returns) the pending statuses of an invoice number, oldest first.
    pub fn take_pending_statuses(&mut self, number: &str) -> Result<Vec<PendingStatus>, StoreError> {
        type Row = (i64, String, Option<String>, Option<String>, u16, String, String, String, String);
        let rows: Vec<Row> = self
            .tx
            .prepare_cached(
                "SELECT p.id, p.invoice_number, p.issue_date, p.seller_siren, p.code, p.at, p.payload_json,
                        s.origin, p.source_locator
                 FROM pending_statuses p JOIN sources s ON s.id = p.source_id
                 WHERE p.invoice_number = ?1 ORDER BY p.at, p.id",
            )?
            .query_map([number], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, invoice_number, issue, seller, code, at, payload_json, origin, locator) in rows {
            self.tx.prepare_cached("DELETE FROM pending_statuses WHERE id = ?1")?.execute([id])?;
            out.push(PendingStatus {
                id,
                invoice_number,
                issue_date: issue.as_deref().map(parse_date).transpose()?,
                seller_siren: seller,
                code,
                at: parse_at(&at)?,
                payload_json,
                source: Source::at(origin, locator),
            });
        }
        Ok(out)
    }

    /// The collection state of an invoice (default when no status changed it yet).
    pub fn collection_state(&self, invoice: InvoiceId) -> Result<CollectionState, StoreError> {
        read_collection_state(&self.tx, invoice)
    }

    /// Replaces the collection state of an invoice.
    pub fn put_collection_state(&mut self, invoice: InvoiceId, s: &CollectionState) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO invoice_collection (invoice_id, made_available_on, dunning_hold,
                 not_collectable, approved_amount, disputed_amount, proposed_credit_note, closed, needs_review,
                 last_code, last_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                invoice.0,
                s.made_available_on.map(|d| d.to_string()),
                s.dunning_hold,
                s.not_collectable,
                s.approved_amount.map(to_units).transpose()?,
                s.disputed_amount.map(to_units).transpose()?,
                s.proposed_credit_note.map(to_units).transpose()?,
                s.closed,
                s.needs_review,
                s.last.map(|l| l.0),
                s.last.map(|l| at_str(l.1)),
            ])?;
        Ok(())
    }

    /// The open dispute of an invoice, if any.
    pub fn open_dispute_of(&self, invoice: InvoiceId) -> Result<Option<encours_domain::DisputeId>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT d.id FROM disputes d JOIN dispute_invoices di ON di.dispute_id = d.id
                 WHERE di.invoice_id = ?1 AND d.state = 'open' ORDER BY d.id DESC LIMIT 1",
            )?
            .query_row([invoice.0], |r| r.get(0))
            .optional()?
            .map(encours_domain::DisputeId))
    }

    /// Marks a dispute resolved on a date.
    pub fn resolve_dispute(&mut self, dispute: encours_domain::DisputeId, on: NaiveDate) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE disputes SET state = 'resolved', resolved_on = ?2 WHERE id = ?1")?
            .execute(params![dispute.0, on.to_string()])?;
        Ok(())
    }

    /// Queues a message for the platform; returns its id.
    pub fn enqueue(
        &mut self,
        kind: &str,
        invoice: Option<InvoiceId>,
        payment: Option<PaymentId>,
        payload: &str,
    ) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (kind, invoice_id, payment_id, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![kind, invoice.map(|i| i.0), payment.map(|p| p.0), payload, at_str(self.at)])?;
        Ok(self.tx.last_insert_rowid())
    }

    /// The status history of an invoice as seen inside this unit of work, oldest first.
    pub fn status_events(&self, invoice: InvoiceId) -> Result<Vec<encours_domain::StatusEvent>, StoreError> {
        read_status_events(&self.tx, invoice)
    }

    /// Updates the details of a dispute a newer status restated (reason, amount).
    pub fn update_dispute(
        &mut self,
        dispute: encours_domain::DisputeId,
        reason: encours_domain::DisputeReason,
        disputed: Money,
        note: &str,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE disputes SET reason = ?2, disputed_amount = ?3, note = ?4 WHERE id = ?1")?
            .execute(params![dispute.0, crate::ledger::dispute_reason_str(reason), to_units(disputed.amount)?, note])?;
        Ok(())
    }

    /// The invoice's outstanding amount and currency, with its VAT breakdown JSON rows and its
    /// issue date, number and seller: what a 212 message needs.
    pub fn invoice_brief(&self, invoice: InvoiceId) -> Result<Option<InvoiceBrief>, StoreError> {
        invoice_brief(&self.tx, invoice)
    }
}

/// What matching and the lifecycle effects need to know of one invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceBrief {
    /// Id.
    pub id: InvoiceId,
    /// Client.
    pub client: ClientId,
    /// BT-1.
    pub number: String,
    /// BT-3.
    pub type_code: u16,
    /// `invoice`, `credit_note`…
    pub kind: String,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// What the document adds to the balance.
    pub receivable: Money,
    /// What is still open.
    pub outstanding: Money,
    /// The seller's SIREN when known.
    pub seller_siren: Option<String>,
    /// BG-23 rows `[category, rate, taxable, tax, exemption]` as stored.
    pub vat_json: serde_json::Value,
    /// BT-23 business process ("cadre de facturation": S1, B1, M1…).
    pub process: Option<String>,
    /// BT-20 payment terms text and the notes (PMD, PMT, AAB…) as stored, for the mentions they
    /// carry (e.g. the option for VAT on debits).
    pub mentions: String,
    /// The client's SIREN, when known.
    pub client_siren: Option<String>,
    /// The client's name.
    pub client_name: String,
}

fn invoice_brief(conn: &rusqlite::Connection, invoice: InvoiceId) -> Result<Option<InvoiceBrief>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT i.id, i.client_id, i.number, i.type_code, i.kind, i.issue_date, i.due_date, i.currency,
                    i.receivable, i.outstanding, i.seller_siren, i.details_json, c.siren, c.name,
                    coalesce((SELECT n.json FROM note_sets n
                              WHERE n.id = json_extract(i.details_json, '$.notes')), '')
             FROM invoices i JOIN clients c ON c.id = i.client_id WHERE i.id = ?1",
        )?
        .query_row([invoice.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u16>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, String>(11)?,
                (r.get::<_, Option<String>>(12)?, r.get::<_, String>(13)?, r.get::<_, String>(14)?),
            ))
        })
        .optional()?;
    let Some((
        id,
        client,
        number,
        type_code,
        kind,
        issued,
        due,
        currency,
        receivable,
        outstanding,
        seller,
        details,
        more,
    )) = row
    else {
        return Ok(None);
    };
    let (client_siren, client_name, notes) = more;
    let currency = Currency::parse(&currency).map_err(|e| StoreError::Decode(e.to_string()))?;
    let details: serde_json::Value = serde_json::from_str(&details)?;
    Ok(Some(InvoiceBrief {
        id: InvoiceId(id),
        client: ClientId(client),
        number,
        type_code,
        kind,
        issue_date: parse_date(&issued)?,
        due_date: parse_date(&due)?,
        receivable: Money::new(from_units(receivable), currency),
        outstanding: Money::new(from_units(outstanding), currency),
        seller_siren: seller,
        vat_json: details.get("vat").cloned().unwrap_or(serde_json::Value::Null),
        process: details.get("process").and_then(|p| p.as_str()).map(str::to_owned),
        mentions: format!("{} {notes}", details.get("terms").and_then(|t| t.as_str()).unwrap_or_default()),
        client_siren,
        client_name,
    }))
}

fn read_collection_state(conn: &rusqlite::Connection, invoice: InvoiceId) -> Result<CollectionState, StoreError> {
    type Row = (
        Option<String>,
        Option<String>,
        bool,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        bool,
        Option<String>,
        Option<u16>,
        Option<String>,
    );
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT made_available_on, dunning_hold, not_collectable, approved_amount, disputed_amount,
                    proposed_credit_note, closed, needs_review, last_code, last_at
             FROM invoice_collection WHERE invoice_id = ?1",
        )?
        .query_row([invoice.0], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })
        .optional()?;
    let Some((made, hold, not_collectable, approved, disputed, proposed, closed, review, code, at)) = row else {
        return Ok(CollectionState::default());
    };
    Ok(CollectionState {
        made_available_on: made.as_deref().map(parse_date).transpose()?,
        dunning_hold: hold,
        not_collectable,
        approved_amount: approved.map(from_units),
        disputed_amount: disputed.map(from_units),
        proposed_credit_note: proposed.map(from_units),
        closed,
        needs_review: review,
        last: match (code, at) {
            (Some(c), Some(a)) => Some((c, parse_at(&a)?)),
            _ => None,
        },
    })
}

/// One open item as the matching engine needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchItemRow {
    /// Invoice id.
    pub invoice: InvoiceId,
    /// Client id.
    pub client: ClientId,
    /// BT-1.
    pub number: String,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// What is open (negative for a credit note not yet used).
    pub outstanding: Money,
}

/// Calls `f` for every open item (invoices and unused credit notes), by client then due date.
/// Invoices the buyer refused or rejected (210/213) or that were cancelled (220) are left out:
/// no payment is expected for them.
pub fn for_each_match_item(
    d: &Dossier,
    mut f: impl FnMut(MatchItemRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = d.conn.prepare(
        "SELECT i.id, i.client_id, i.number, i.issue_date, i.due_date, i.currency, i.outstanding
         FROM invoices i LEFT JOIN invoice_collection c ON c.invoice_id = i.id
         WHERE i.outstanding <> 0 AND coalesce(c.not_collectable, 0) = 0 AND coalesce(c.closed, 0) = 0
         ORDER BY i.client_id, i.due_date, i.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let currency: String = r.get(5)?;
        let currency = Currency::parse(&currency).map_err(|e| StoreError::Decode(e.to_string()))?;
        f(MatchItemRow {
            invoice: InvoiceId(r.get(0)?),
            client: ClientId(r.get(1)?),
            number: r.get(2)?,
            issue_date: parse_date(&r.get::<_, String>(3)?)?,
            due_date: parse_date(&r.get::<_, String>(4)?)?,
            outstanding: Money::new(from_units(r.get(6)?), currency),
        })?;
    }
    Ok(())
}

/// A payment that came from a bank file, for matching and for the reconciliation view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankPaymentRow {
    /// Payment id.
    pub payment: PaymentId,
    /// The client it is attributed to, once matched.
    pub client: Option<ClientId>,
    /// Booking date.
    pub booked_on: NaiveDate,
    /// Amount received.
    pub amount: Money,
    /// What is not allocated to invoices.
    pub unallocated: Money,
    /// Payer name as the bank wrote it.
    pub payer_name: Option<String>,
    /// Payer IBAN.
    pub payer_iban: Option<String>,
    /// Label and remittance text, one per line.
    pub remittance: Option<String>,
    /// Structured references (RF…).
    pub structured_refs: Vec<String>,
    /// The bank's reference.
    pub bank_reference: Option<String>,
    /// Lettrage state.
    pub state: MatchState,
    /// The file and place it was read from.
    pub source: String,
}

/// The payments that came from bank files, in a lettrage state (or every state when `None`),
/// oldest first.
pub fn bank_payments(d: &Dossier, state: Option<MatchState>) -> Result<Vec<BankPaymentRow>, StoreError> {
    let mut stmt = d.conn.prepare(
        "SELECT p.id, p.client_id, p.booked_on, p.currency, p.amount, p.unallocated, p.payer_name, p.payer_iban,
                p.remittance, p.structured_refs_json, p.bank_reference, p.match_state,
                s.origin || CASE WHEN p.source_locator = '' THEN '' ELSE ' / ' || p.source_locator END
         FROM payments p JOIN sources s ON s.id = p.source_id
         WHERE p.match_state IS NOT NULL AND (?1 IS NULL OR p.match_state = ?1)
         ORDER BY p.booked_on, p.id",
    )?;
    let mut rows = stmt.query([state.map(MatchState::as_str)])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let currency = Currency::parse(&r.get::<_, String>(3)?).map_err(|e| StoreError::Decode(e.to_string()))?;
        let refs: Option<String> = r.get(9)?;
        out.push(BankPaymentRow {
            payment: PaymentId(r.get(0)?),
            client: r.get::<_, Option<i64>>(1)?.map(ClientId),
            booked_on: parse_date(&r.get::<_, String>(2)?)?,
            amount: Money::new(from_units(r.get(4)?), currency),
            unallocated: Money::new(from_units(r.get(5)?), currency),
            payer_name: r.get(6)?,
            payer_iban: r.get(7)?,
            remittance: r.get(8)?,
            structured_refs: match refs {
                Some(j) => serde_json::from_str(&j)?,
                None => Vec::new(),
            },
            bank_reference: r.get(10)?,
            state: MatchState::parse(&r.get::<_, String>(11)?),
            source: r.get(12)?,
        });
    }
    Ok(out)
}

/// The allocations of a payment: `(invoice, number, amount)`.
pub fn payment_allocations(d: &Dossier, payment: PaymentId) -> Result<Vec<(InvoiceId, String, Money)>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT a.invoice_id, i.number, a.currency, a.amount FROM allocations a JOIN invoices i ON i.id = a.invoice_id
         WHERE a.payment_id = ?1 ORDER BY a.id",
    )?;
    let rows = stmt.query_map([payment.0], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (invoice, number, currency, amount) = row?;
        let currency = Currency::parse(&currency).map_err(|e| StoreError::Decode(e.to_string()))?;
        out.push((InvoiceId(invoice), number, Money::new(from_units(amount), currency)));
    }
    Ok(out)
}

/// Everything learned of payers: `(kind, value, client)`.
pub fn payer_memory(d: &Dossier) -> Result<Vec<(String, String, ClientId)>, StoreError> {
    let mut stmt = d.conn.prepare("SELECT kind, value, client_id FROM payer_memory ORDER BY kind, value")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, ClientId(r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The proposals rejected for a payment (stable texts).
pub fn rejections(d: &Dossier, payment: PaymentId) -> Result<Vec<String>, StoreError> {
    let mut stmt = d.conn.prepare_cached("SELECT proposal FROM match_rejections WHERE payment_id = ?1")?;
    let rows = stmt.query_map([payment.0], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Client names by id (for reports).
pub fn client_names(d: &Dossier) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    let mut stmt = d.conn.prepare("SELECT id, name FROM clients")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One invoice as read for a report (see [`InvoiceBrief`]).
pub fn invoice(d: &Dossier, id: InvoiceId) -> Result<Option<InvoiceBrief>, StoreError> {
    invoice_brief(&d.conn, id)
}

/// The collection state of an invoice.
pub fn collection_state(d: &Dossier, invoice: InvoiceId) -> Result<CollectionState, StoreError> {
    read_collection_state(&d.conn, invoice)
}

/// The full status history of an invoice, oldest first (status date-time, then arrival).
fn read_status_events(
    conn: &rusqlite::Connection,
    invoice: InvoiceId,
) -> Result<Vec<encours_domain::StatusEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.code, e.at, e.reason_code, e.reason, e.action_code, e.action, e.amounts_json, s.origin,
                e.source_locator
         FROM status_events e JOIN sources s ON s.id = e.source_id WHERE e.invoice_id = ?1 ORDER BY e.at, e.id",
    )?;
    let mut rows = stmt.query([invoice.0])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(encours_domain::StatusEvent {
            invoice_id: invoice,
            status: encours_domain::LifecycleStatus::from_code(r.get(0)?),
            at: parse_at(&r.get::<_, String>(1)?)?,
            reason_code: r.get(2)?,
            reason: r.get(3)?,
            action_code: r.get(4)?,
            action: r.get(5)?,
            amounts: serde_json::from_str(&r.get::<_, String>(6)?)?,
            source: Source::at(r.get::<_, String>(7)?, r.get::<_, String>(8)?),
        });
    }
    Ok(out)
}

/// The full status history of an invoice, oldest first.
pub fn status_events(d: &Dossier, invoice: InvoiceId) -> Result<Vec<encours_domain::StatusEvent>, StoreError> {
    read_status_events(&d.conn, invoice)
}

/// One queued or sent platform message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutboxRow {
    /// Id.
    pub id: i64,
    /// `cdar212`…
    pub kind: String,
    /// The invoice concerned.
    pub invoice: Option<InvoiceId>,
    /// The payment that caused it.
    pub payment: Option<PaymentId>,
    /// The message.
    pub payload: String,
    /// `queued` or `sent`.
    pub state: String,
}

/// The outbox, oldest first.
pub fn outbox(d: &Dossier) -> Result<Vec<OutboxRow>, StoreError> {
    let mut stmt = d.conn.prepare("SELECT id, kind, invoice_id, payment_id, payload, state FROM outbox ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(OutboxRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            invoice: r.get::<_, Option<i64>>(2)?.map(InvoiceId),
            payment: r.get::<_, Option<i64>>(3)?.map(PaymentId),
            payload: r.get(4)?,
            state: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The status history of an invoice: `(code, at)`, oldest first.
pub fn status_history(d: &Dossier, invoice: InvoiceId) -> Result<Vec<(u16, NaiveDateTime)>, StoreError> {
    let mut stmt = d.conn.prepare_cached("SELECT code, at FROM status_events WHERE invoice_id = ?1 ORDER BY at, id")?;
    let rows = stmt.query_map([invoice.0], |r| Ok((r.get::<_, u16>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (code, at) = row?;
        out.push((code, parse_at(&at)?));
    }
    Ok(out)
}

/// Per client, what the ledger says is open (sum of `outstanding` of invoices and credit notes,
/// minus unallocated payments): `client -> balance`.
pub fn client_balances(d: &Dossier) -> Result<std::collections::HashMap<i64, Decimal>, StoreError> {
    let mut out: std::collections::HashMap<i64, Decimal> = std::collections::HashMap::new();
    let mut stmt = d.conn.prepare("SELECT client_id, sum(outstanding) FROM invoices GROUP BY client_id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        *out.entry(r.get(0)?).or_default() += from_units(r.get(1)?);
    }
    let mut stmt = d
        .conn
        .prepare("SELECT client_id, sum(unallocated) FROM payments WHERE client_id IS NOT NULL GROUP BY client_id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        *out.entry(r.get(0)?).or_default() -= from_units(r.get(1)?);
    }
    Ok(out)
}

/// A payer seen paying for a client: `(client, IBAN, name)`.
pub type PayerSeen = (ClientId, Option<String>, Option<String>);

/// The payers seen in the ledger's matched payments, latest first: `(client, IBAN, name)` — what
/// earlier lettrage (in Encours or in the accounting history) teaches about who pays for whom.
pub fn payer_history(d: &Dossier) -> Result<Vec<PayerSeen>, StoreError> {
    let mut stmt = d.conn.prepare(
        "SELECT client_id, payer_iban, payer_name FROM payments
         WHERE client_id IS NOT NULL AND (payer_iban IS NOT NULL OR payer_name IS NOT NULL)
           AND coalesce(match_state, 'manual') IN ('auto', 'manual')
         GROUP BY client_id, payer_iban, payer_name
         ORDER BY max(booked_on) DESC",
    )?;
    let rows = stmt.query_map([], |r| Ok((ClientId(r.get(0)?), r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The due dates (BT-9, or derived) of the invoices read from e-invoice files, by number: what an
/// FEC, which has no due dates, can borrow (open-data §1.4). A number that several e-invoices
/// share gives several dates; the caller decides.
pub fn einvoice_due_dates(d: &Dossier) -> Result<std::collections::HashMap<String, Vec<NaiveDate>>, StoreError> {
    let mut stmt = d.conn.prepare("SELECT number, due_date FROM invoices WHERE document_id IS NOT NULL")?;
    let mut rows = stmt.query([])?;
    let mut out: std::collections::HashMap<String, Vec<NaiveDate>> = std::collections::HashMap::new();
    while let Some(r) = rows.next()? {
        let number: String = r.get(0)?;
        out.entry(number).or_default().push(parse_date(&r.get::<_, String>(1)?)?);
    }
    Ok(out)
}
