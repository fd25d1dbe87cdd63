//! Irrecoverable write-offs (créances irrécouvrables, legal-rules A.7): the open amount of an
//! invoice the company will not collect leaves the open balance and the aged balance on the
//! write-off's date, counts in the bad-debt ratio (collections-anchors (d): write-offs over the
//! period / credit sales of the period) and, when the VAT was paid on debits, lists the VAT to
//! recover (CGI 272, after the initial invoice is rectified) in the compliance report.

use chrono::{NaiveDate, NaiveDateTime};
use encours_engines::analytics::compliance;
use encours_store::analytics as store;
use encours_store::analytics::writeoff as wstore;
use encours_store::Dossier;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{money, units};
use crate::error::{ApiError, ErrorCode};

/// A recorded write-off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WriteOffView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// The invoice written off.
    #[ts(type = "number")]
    pub invoice_id: i64,
    /// Its BT-1 number.
    pub number: String,
    /// Its client.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Currency (ISO 4217).
    pub currency: String,
    /// Amount written off, VAT included (decimal string).
    pub amount: String,
    /// Of which excluding VAT (compte 654).
    pub amount_excl_tax: String,
    /// Of which VAT (decimal string).
    pub vat: String,
    /// True when the VAT was paid on debits: it can be recovered (CGI 272); false when it was due
    /// on receipt and never paid.
    pub vat_on_debits: bool,
    /// Date of the write-off (ISO).
    pub written_on: String,
    /// Why it is irrecoverable.
    pub reason: String,
}

/// Finds an invoice by its number (BT-1); refuses an unknown or ambiguous number.
pub fn invoice_by_number(d: &Dossier, number: &str) -> Result<i64, ApiError> {
    let ids = wstore::invoices_numbered(d, number.trim())?;
    match ids.as_slice() {
        [id] => Ok(*id),
        [] => Err(ApiError::new(ErrorCode::InvalidInput, format!("no invoice numbered {number:?}"))),
        more => Err(ApiError::invalid(format!(
            "{} invoices are numbered {number:?} (ids {}): write one off by its id",
            more.len(),
            more.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn vat_on_debits(d: &Dossier, invoice: i64) -> Result<bool, ApiError> {
    let brief = encours_store::money_in::invoice(d, encours_domain::InvoiceId(invoice))?;
    Ok(brief.as_ref().is_some_and(|b| !crate::collect::vat_due_on_receipt(b)))
}

fn view(d: &Dossier, w: &wstore::WriteOffRow) -> Result<WriteOffView, ApiError> {
    Ok(WriteOffView {
        id: w.id,
        invoice_id: w.invoice_id,
        number: w.number.clone(),
        client_id: w.client_id,
        currency: w.currency.to_string(),
        amount: money(units(w.amount)),
        amount_excl_tax: money(units(w.amount - w.vat)),
        vat: money(units(w.vat)),
        vat_on_debits: vat_on_debits(d, w.invoice_id)?,
        written_on: w.written_on.to_string(),
        reason: w.reason.clone(),
    })
}

/// Writes off what is open on an invoice on `on`, for `reason` (a judgment closing a liquidation
/// for lack of assets, a certificate of irrecoverability…): the open amount drops to zero, the
/// write-off and its VAT part are recorded, with one audit entry, in one transaction. Refuses a
/// credit note, a paid or already written-off invoice, a date before the invoice or before a
/// payment applied to it, and an empty reason.
pub fn write_off(
    d: &mut Dossier,
    invoice_id: i64,
    on: NaiveDate,
    reason: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<WriteOffView, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApiError::invalid("a write-off needs its reason (judgment, certificate of irrecoverability…)"));
    }
    let facts =
        store::invoice_facts(d, invoice_id)?.ok_or_else(|| ApiError::invalid(format!("no invoice {invoice_id}")))?;
    let Some((number, _, _, outstanding, ..)) = wstore::writeoff_facts(d, invoice_id)? else {
        return Err(ApiError::invalid(format!("no invoice {invoice_id}")));
    };
    if outstanding <= 0 {
        return Err(ApiError::invalid(format!("{number}: nothing is open to write off")));
    }
    // The VAT in the open amount, in proportion of the invoice's totals (the 491 rule of the
    // compliance report), rounded to the cent.
    let open = units(outstanding);
    let excl = compliance::excl_tax(open, units(facts.tax_basis_total), units(facts.grand_total));
    let vat = encours_store::to_units(open - excl).map_err(|e| ApiError::invalid(e.to_string()))?;
    let id =
        wstore::write_off(d, &wstore::NewWriteOff { invoice_id, amount: outstanding, vat, on, reason }, actor, now)?;
    let row = wstore::writeoffs_between(d, on, on)?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the write-off was not read back"))?;
    view(d, &row)
}

/// The write-offs dated in `from ..= to`, by date.
pub fn write_offs(d: &Dossier, from: NaiveDate, to: NaiveDate) -> Result<Vec<WriteOffView>, ApiError> {
    wstore::writeoffs_between(d, from, to)?.iter().map(|w| view(d, w)).collect()
}
