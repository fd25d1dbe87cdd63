//! What the legal documents read from the ledger (issue 7): a client's invoices, credit notes and
//! payments as of a date, each invoice's lifecycle history, the reminders the dunning journal says
//! went out, the collective procedure recorded, and each invoice's late-payment terms.
//!
//! "As of a date" means: documents issued on or before it, allocations applied on or before it
//! (so the open amount is what the ledger said that day), payments booked on or before it.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{Currency, InvoiceId, InvoiceNote, StatusEvent};
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::amount::from_units;
use crate::dunning::{partial_agreements, PartialAgreement};
use crate::{Dossier, LedgerWriter, StoreError};

fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse().map_err(|e: chrono::ParseError| StoreError::Decode(format!("date {s:?}: {e}")))
}

fn parse_at(s: &str) -> Result<NaiveDateTime, StoreError> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .map_err(|e| StoreError::Decode(format!("date-time {s:?}: {e}")))
}

fn currency(s: &str) -> Result<Currency, StoreError> {
    Currency::parse(s).map_err(|e| StoreError::Decode(e.to_string()))
}

/// One allocation on an invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The day it was applied.
    pub on: NaiveDate,
    /// The amount.
    pub amount: Decimal,
    /// The payment, when it is one.
    pub payment_id: Option<i64>,
    /// The credit note number, when it is one.
    pub credit_note: Option<String>,
}

/// An invoice or credit note of a client, as the ledger stood on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerDocument {
    /// Id.
    pub id: InvoiceId,
    /// Number (BT-1).
    pub number: String,
    /// `invoice`, `credit_note`, `corrective`, `self_billed`, `information`…
    pub kind: String,
    /// BT-3.
    pub type_code: u16,
    /// Issue date (BT-2).
    pub issue_date: NaiveDate,
    /// Due date (BT-9).
    pub due_date: NaiveDate,
    /// Delivery date (BT-72), when known: when the claim was born (open-data §3.2).
    pub delivery_date: Option<NaiveDate>,
    /// Currency.
    pub currency: Currency,
    /// Amount due incl. VAT (BT-115).
    pub due_payable: Decimal,
    /// Tax total (BT-110), when given.
    pub tax_total: Option<Decimal>,
    /// Total without VAT (BT-109).
    pub tax_basis_total: Decimal,
    /// What it adds to the balance (negative for a credit note).
    pub receivable: Decimal,
    /// Open on the date: the receivable less what was applied to it by then (for a credit note,
    /// negative: what is left to use).
    pub open: Decimal,
    /// Allocations applied to it by the date, oldest first.
    pub applied: Vec<Applied>,
    /// The SHA-256 of the original file kept in the dossier, when it was imported from one.
    pub original_sha256: Option<String>,
    /// The file name of that original.
    pub original_name: Option<String>,
    /// Lifecycle statuses received by the date: `(code, at, reason)`, oldest first.
    pub statuses: Vec<(u16, NaiveDateTime, Option<String>)>,
    /// The same statuses with their MDG-43 amounts (a 206's MAP/MNA), for the lifecycle replay.
    pub events: Vec<StatusEvent>,
    /// Partial agreements of disputes resolved by the date that left part of it refused: the
    /// dunning snapshot and the documents replay each as a 206 ([`PartialAgreement::status_event`]).
    pub agreements: Vec<PartialAgreement>,
    /// Where the record came from (`origin` of its source and the locator in it).
    pub source: String,
}

/// A client's invoices and credit notes issued on or before `as_of`, by issue date then number.
pub fn client_documents(d: &Dossier, client: i64, as_of: NaiveDate) -> Result<Vec<LedgerDocument>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT i.id, i.number, i.kind, i.type_code, i.issue_date, i.due_date, i.delivery_date, i.currency,
                i.due_payable, i.tax_total, i.tax_basis_total, i.receivable, doc.sha256, doc.file_name,
                s.origin || ' ' || i.source_locator
         FROM invoices i LEFT JOIN documents doc ON doc.id = i.document_id
         LEFT JOIN sources s ON s.id = i.source_id
         WHERE i.client_id = ?1 AND i.issue_date <= ?2 ORDER BY i.issue_date, i.number, i.id",
    )?;
    let mut rows = stmt.query(params![client, as_of.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let receivable = from_units(r.get(11)?);
        out.push(LedgerDocument {
            id: InvoiceId(r.get(0)?),
            number: r.get(1)?,
            kind: r.get(2)?,
            type_code: r.get(3)?,
            issue_date: parse_date(&r.get::<_, String>(4)?)?,
            due_date: parse_date(&r.get::<_, String>(5)?)?,
            delivery_date: r.get::<_, Option<String>>(6)?.map(|s| parse_date(&s)).transpose()?,
            currency: currency(&r.get::<_, String>(7)?)?,
            due_payable: from_units(r.get(8)?),
            tax_total: r.get::<_, Option<i64>>(9)?.map(from_units),
            tax_basis_total: from_units(r.get(10)?),
            receivable,
            open: receivable,
            applied: Vec::new(),
            original_sha256: r.get(12)?,
            original_name: r.get(13)?,
            statuses: Vec::new(),
            events: Vec::new(),
            agreements: Vec::new(),
            source: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
        });
    }
    drop(rows);
    let mut on_invoice = d.conn.prepare_cached(
        "SELECT a.applied_on, a.amount, a.payment_id, c.number FROM allocations a
         LEFT JOIN invoices c ON c.id = a.credit_note_id
         WHERE a.invoice_id = ?1 AND a.applied_on <= ?2 ORDER BY a.applied_on, a.id",
    )?;
    let mut used_credit = d.conn.prepare_cached(
        "SELECT coalesce(sum(amount), 0) FROM allocations WHERE credit_note_id = ?1 AND applied_on <= ?2",
    )?;
    let mut statuses = d.conn.prepare_cached(
        "SELECT code, at, reason FROM status_events WHERE invoice_id = ?1 AND substr(at, 1, 10) <= ?2 ORDER BY at, id",
    )?;
    let day = as_of.to_string();
    let mut agreements: HashMap<InvoiceId, Vec<PartialAgreement>> = HashMap::new();
    for a in partial_agreements(d, as_of, Some(client))? {
        agreements.entry(a.invoice_id).or_default().push(a);
    }
    for doc in &mut out {
        doc.agreements = agreements.remove(&doc.id).unwrap_or_default();
        let mut rows = on_invoice.query(params![doc.id.0, day])?;
        while let Some(r) = rows.next()? {
            doc.applied.push(Applied {
                on: parse_date(&r.get::<_, String>(0)?)?,
                amount: from_units(r.get(1)?),
                payment_id: r.get(2)?,
                credit_note: r.get(3)?,
            });
        }
        let applied: Decimal = doc.applied.iter().map(|a| a.amount).sum();
        let used: i64 = used_credit.query_row(params![doc.id.0, day], |r| r.get(0))?;
        doc.open = doc.receivable - applied + from_units(used);
        let mut rows = statuses.query(params![doc.id.0, day])?;
        while let Some(r) = rows.next()? {
            doc.statuses.push((r.get(0)?, parse_at(&r.get::<_, String>(1)?)?, r.get(2)?));
        }
        drop(rows);
        doc.events = crate::money_in::status_events(d, doc.id)?.into_iter().filter(|e| e.at.date() <= as_of).collect();
    }
    Ok(out)
}

/// A payment received from a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerPayment {
    /// Id.
    pub id: i64,
    /// Booking date.
    pub booked_on: NaiveDate,
    /// Currency.
    pub currency: Currency,
    /// Amount received.
    pub amount: Decimal,
    /// What of it is not applied to an invoice on the date.
    pub unapplied: Decimal,
    /// The bank's reference or the remittance text.
    pub reference: Option<String>,
}

/// A client's payments booked on or before `as_of`, oldest first.
pub fn client_payments(d: &Dossier, client: i64, as_of: NaiveDate) -> Result<Vec<LedgerPayment>, StoreError> {
    let day = as_of.to_string();
    let mut stmt = d.conn.prepare_cached(
        "SELECT p.id, p.booked_on, p.currency, p.amount, coalesce(p.bank_reference, p.remittance),
                p.amount - coalesce((SELECT sum(a.amount) FROM allocations a
                                     WHERE a.payment_id = p.id AND a.applied_on <= ?2), 0)
         FROM payments p WHERE p.client_id = ?1 AND p.booked_on <= ?2 ORDER BY p.booked_on, p.id",
    )?;
    let mut rows = stmt.query(params![client, day])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(LedgerPayment {
            id: r.get(0)?,
            booked_on: parse_date(&r.get::<_, String>(1)?)?,
            currency: currency(&r.get::<_, String>(2)?)?,
            amount: from_units(r.get(3)?),
            reference: r.get(4)?,
            unapplied: from_units(r.get(5)?),
        });
    }
    Ok(out)
}

/// A message of the dunning journal that went out (or was saved to print and post).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentReminder {
    /// Outbox id.
    pub action_id: i64,
    /// When it went out (the end of its dispatch), or the day it was marked sent by hand.
    pub on: NaiveDate,
    /// Channel code (`email`, `letter`, `lrar`…).
    pub channel: String,
    /// Tone code (`courtois`, `ferme`, `dernier_avis`, `mise_en_demeure`).
    pub tone: String,
    /// Subject.
    pub subject: String,
    /// The text sent.
    pub body: String,
    /// The invoice numbers it was about.
    pub invoices: Vec<String>,
    /// La Poste's number of a registered letter.
    pub tracking_number: Option<String>,
    /// `sent`, `to_print`, `posted`, or `sent` when marked by hand without a dispatch.
    pub dispatch: String,
}

/// The reminders of a client that went out on or before `until`, oldest first (the evidence of an
/// injonction de payer, legal-rules A.5: "reminders and the mise en demeure").
pub fn sent_reminders(d: &Dossier, client: i64, until: NaiveDate) -> Result<Vec<SentReminder>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT a.id, coalesce(x.finished_at, a.updated_at), a.channel, a.tone, a.subject, a.body, a.invoices_json,
                a.tracking_number, coalesce(x.state, a.state)
         FROM dunning_actions a LEFT JOIN dunning_dispatch x ON x.action_id = a.id
         WHERE a.client_id = ?1 AND a.kind = 'reminder' AND a.state = 'sent'
           AND (x.state IS NULL OR x.state IN ('sent', 'to_print', 'posted'))
         ORDER BY 2, a.id",
    )?;
    let mut rows = stmt.query([client])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let at: String = r.get(1)?;
        let on = parse_date(at.get(..10).unwrap_or(&at))?;
        if on > until {
            continue;
        }
        let list: Vec<(i64, String, String, i64)> = serde_json::from_str(&r.get::<_, String>(6)?)?;
        out.push(SentReminder {
            action_id: r.get(0)?,
            on,
            channel: r.get(2)?,
            tone: r.get(3)?,
            subject: r.get(4)?,
            body: r.get(5)?,
            invoices: list.into_iter().map(|(_, n, ..)| n).collect(),
            tracking_number: r.get(7)?,
            dispatch: r.get(8)?,
        });
    }
    Ok(out)
}

/// The collective procedure recorded for a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsolvencyRecord {
    /// `sauvegarde`, `redressement`, `liquidation`… as recorded.
    pub kind: String,
    /// The opening judgment's date.
    pub judgment_on: NaiveDate,
    /// The note recorded with it (where it was learned: BODACC reference…).
    pub note: String,
    /// When it was recorded.
    pub recorded_at: String,
}

/// The collective procedure recorded for a client, if any.
pub fn insolvency(d: &Dossier, client: i64) -> Result<Option<InsolvencyRecord>, StoreError> {
    let row: Option<(String, String, String, String)> = d
        .conn
        .prepare_cached("SELECT kind, judgment_on, note, recorded_at FROM client_insolvency WHERE client_id = ?1")?
        .query_row([client], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    row.map(|(kind, on, note, recorded_at)| {
        Ok(InsolvencyRecord { kind, judgment_on: parse_date(&on)?, note, recorded_at })
    })
    .transpose()
}

/// The clients with a collective procedure recorded, by id.
pub fn insolvent_clients(d: &Dossier) -> Result<Vec<i64>, StoreError> {
    let mut stmt = d.conn.prepare_cached("SELECT client_id FROM client_insolvency ORDER BY client_id")?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// The invoices (not credit notes) bearing this number: `(invoice, client)`, oldest first (a
/// number alone does not identify an invoice, see [`crate::business_key`]).
pub fn invoices_numbered(d: &Dossier, number: &str) -> Result<Vec<(InvoiceId, i64)>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, client_id FROM invoices WHERE number = ?1 AND receivable > 0 ORDER BY issue_date, id",
    )?;
    let rows = stmt.query_map([number.trim()], |r| Ok((InvoiceId(r.get(0)?), r.get(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// What the late-payment terms of an invoice are read from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PenaltySource {
    /// The terms kept at import ([`LedgerWriter::penalty_terms`]), as the app wrote them.
    pub stored: Option<serde_json::Value>,
    /// The invoice's notes (BG-1), to derive the terms again when none were kept.
    pub notes: Vec<InvoiceNote>,
    /// The payment terms text (BT-20).
    pub terms: Option<String>,
}

#[derive(Deserialize)]
struct DetailsNotes {
    #[serde(default)]
    terms: Option<String>,
    #[serde(default)]
    notes: Option<i64>,
}

/// The late-payment terms sources of these invoices (those that exist).
pub fn penalty_sources(d: &Dossier, ids: &[InvoiceId]) -> Result<HashMap<InvoiceId, PenaltySource>, StoreError> {
    let mut inv = d.conn.prepare_cached(
        "SELECT i.details_json, p.terms_json FROM invoices i
         LEFT JOIN invoice_penalty_terms p ON p.invoice_id = i.id WHERE i.id = ?1",
    )?;
    let mut notes = d.conn.prepare_cached("SELECT json FROM note_sets WHERE id = ?1")?;
    let mut sets: HashMap<i64, Vec<InvoiceNote>> = HashMap::new();
    let mut out = HashMap::new();
    for id in ids {
        let row: Option<(String, Option<String>)> = inv.query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        let Some((details, stored)) = row else { continue };
        let details: DetailsNotes = serde_json::from_str(&details)?;
        let note_list = match details.notes {
            Some(set) => match sets.get(&set) {
                Some(n) => n.clone(),
                None => {
                    let json: Option<String> = notes.query_row([set], |r| r.get(0)).optional()?;
                    let list: Vec<InvoiceNote> =
                        json.map(|j| serde_json::from_str(&j)).transpose()?.unwrap_or_default();
                    sets.insert(set, list.clone());
                    list
                }
            },
            None => Vec::new(),
        };
        out.insert(
            *id,
            PenaltySource {
                stored: stored.map(|s| serde_json::from_str(&s)).transpose()?,
                notes: note_list,
                terms: details.terms,
            },
        );
    }
    Ok(out)
}

impl LedgerWriter<'_> {
    /// Keeps the late-payment terms read from an imported invoice (its PMD note), in the unit of
    /// work that stores the invoice.
    pub fn penalty_terms(&mut self, invoice: InvoiceId, terms: &serde_json::Value) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO invoice_penalty_terms (invoice_id, terms_json) VALUES (?1, ?2)")?
            .execute(params![invoice.0, terms.to_string()])?;
        Ok(())
    }
}

/// A client's legal form (SAS, SARL…) as recorded, for the Cerfa of an injonction de payer.
pub fn client_legal_form(d: &Dossier, client: i64) -> Result<Option<String>, StoreError> {
    Ok(d.conn
        .prepare_cached("SELECT legal_form FROM clients WHERE id = ?1")?
        .query_row([client], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}
