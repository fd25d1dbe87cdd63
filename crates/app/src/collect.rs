//! What a matched payment means for the platform and for dunning (legal-rules B.2, checklist 13
//! and 14):
//! - a 211 Paiement transmis held dunning until the payment is matched: the match releases it;
//! - when the seller owes VAT on receipt (services without the option for debits, and every
//!   down-payment invoice), each collection, partial or total, is declared with a 212 Encaissée
//!   carrying the amount collected per VAT rate (MEN, BR-FR-CDV-14); the message is queued in the
//!   outbox for the platform sync.

use chrono::NaiveDateTime;
use encours_domain::{
    Currency, Invoice, InvoiceId, InvoiceKind, InvoiceTotals, Money, PaymentId, Siren, Source, VatBreakdown,
};
use encours_readers::lifecycle::{build_cdar_212, split_by_vat_rate, CdvFlow, Collected, InvoiceReference, OutParty};
use encours_store::money_in::InvoiceBrief;
use encours_store::{Company, LedgerWriter, StoreError};
use rust_decimal::Decimal;

/// True when the VAT of this invoice is due on receipt: a down payment (386), or services
/// (BT-23 S…) without the mention of the option for VAT on debits (legal-rules B.3 "the four new
/// mandatory mentions", checklist 14).
pub(crate) fn vat_due_on_receipt(invoice: &InvoiceBrief) -> bool {
    if invoice.type_code == 386 || invoice.kind == "down_payment" {
        return true;
    }
    let services = invoice.process.as_deref().is_some_and(|p| p.trim_start().starts_with('S'));
    let lower = invoice.mentions.to_lowercase();
    let debits_option = lower.contains("débits") || lower.contains("debits");
    services && !debits_option
}

/// Rebuilds the VAT breakdown of a stored invoice (rows `[category, rate, taxable, tax, exemption]`).
fn vat_rows(invoice: &InvoiceBrief, currency: Currency) -> Vec<VatBreakdown> {
    let rows = invoice.vat_json.as_array().cloned().unwrap_or_default();
    let dec = |v: Option<&serde_json::Value>| v.and_then(|x| x.as_str()).and_then(|s| s.parse::<Decimal>().ok());
    rows.iter()
        .filter_map(|r| {
            Some(VatBreakdown {
                category: r.get(0)?.as_str()?.to_owned(),
                rate: dec(r.get(1)),
                taxable_amount: Money::new(dec(r.get(2))?, currency),
                tax_amount: Money::new(dec(r.get(3))?, currency),
                exemption_reason: r.get(4).and_then(|x| x.as_str()).map(str::to_owned),
            })
        })
        .collect()
}

fn as_invoice(b: &InvoiceBrief) -> Invoice {
    let currency = b.receivable.currency;
    let total = Money::new(b.receivable.amount.abs(), currency);
    Invoice {
        kind: InvoiceKind::Invoice,
        vat_breakdown: vat_rows(b, currency),
        business_process: b.process.clone(),
        ..Invoice::simple(
            b.id,
            b.client,
            b.number.clone(),
            b.type_code,
            (b.issue_date, b.due_date),
            InvoiceTotals::simple(total, total),
            Source::at("", ""),
        )
    }
}

/// After a payment was applied: releases a 211 hold on each invoice it settled and queues a 212
/// for each invoice whose VAT is due on receipt. Returns what was done, in plain words.
pub(crate) fn after_payment_applied(
    writer: &mut LedgerWriter<'_>,
    company: &Company,
    payment: PaymentId,
    settled: &[(InvoiceId, Money)],
    collected_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<String>, StoreError> {
    let mut done = Vec::new();
    for (invoice_id, amount) in settled {
        let Some(invoice) = writer.invoice_brief(*invoice_id)? else { continue };
        let mut state = writer.collection_state(*invoice_id)?;
        if state.dunning_hold.as_deref() == Some("payment_transmitted") {
            state.dunning_hold = None;
            writer.put_collection_state(*invoice_id, &state)?;
            done.push(format!("{}: the announced payment is matched, hold released", invoice.number));
        }
        if !vat_due_on_receipt(&invoice) || !amount.is_positive() {
            continue;
        }
        let seller =
            invoice.seller_siren.as_deref().and_then(|s| Siren::parse(s).ok()).unwrap_or_else(|| company.siren.clone());
        let mut recipients = Vec::new();
        if let Some(buyer) = invoice.client_siren.as_deref().and_then(|s| Siren::parse(s).ok()) {
            recipients.push(OutParty::buyer(&buyer, &invoice.client_name, None));
        }
        recipients.push(OutParty::ppf());
        let parts = match split_by_vat_rate(*amount, &as_invoice(&invoice)) {
            Ok(p) => p,
            Err(e) => {
                done.push(format!("{}: no 212 (the VAT split failed: {e})", invoice.number));
                continue;
            }
        };
        let message = Collected {
            message_id: format!("{}_212_{}_{}", invoice.number, collected_at.format("%Y%m%d%H%M%S"), payment.0),
            message_name: None,
            flow: CdvFlow::BetweenPlatforms,
            issued_at: now,
            sender: OutParty::platform(None, None),
            issuer: OutParty::seller(&seller, &company.name),
            recipients,
            invoice: InvoiceReference {
                number: invoice.number.clone(),
                type_code: invoice.type_code,
                issue_date: invoice.issue_date,
                seller_siren: seller,
            },
            received_at: None,
            status_at: collected_at,
            parts,
        };
        match build_cdar_212(&message) {
            Ok(xml) => {
                writer.enqueue("cdar212", Some(*invoice_id), Some(payment), &xml)?;
                done.push(format!("{}: 212 Encaissée of {amount} queued", invoice.number));
            }
            Err(e) => done.push(format!("{}: no 212 ({e})", invoice.number)),
        }
    }
    Ok(done)
}
