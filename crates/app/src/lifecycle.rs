//! Applying lifecycle statuses to the ledger: the status joins the invoice's history and its
//! effects (legal-rules B.2, computed by [`encours_engines::lifecycle`]) change the invoice's
//! collection state, open, update or close disputes, and record what needs a person.
//!
//! The engine's state of an invoice is not stored: it is rebuilt by replaying the invoice's
//! status history (kept whole in `status_events`), so the history stays the single truth and a
//! better engine re-reads old statuses correctly.

use encours_domain::{InvoiceId, LifecycleStatus, StatusEvent};
use encours_engines::lifecycle::{Effect, InvoiceState};
use encours_store::disputes::{NewDispute, StatusOrigin};
use encours_store::money_in::CollectionState;
use encours_store::{LedgerWriter, StoreError};

/// Stores a status in its invoice's history and carries out its effects; returns the effects in
/// plain words for the import report and the audit entry.
pub(crate) fn apply_status(writer: &mut LedgerWriter<'_>, event: &StatusEvent) -> Result<Vec<String>, StoreError> {
    let invoice = writer.invoice_brief(event.invoice_id)?.ok_or_else(|| {
        StoreError::Invalid(format!("status {} for unknown invoice {}", event.status.code(), event.invoice_id.0))
    })?;
    // Replay what is already known, then apply the new status.
    let mut state = InvoiceState::new(invoice.outstanding);
    let mut history = writer.status_events(event.invoice_id)?;
    history.sort_by_key(|e| e.at);
    for past in &history {
        state.apply(past);
    }
    writer.status(event)?;
    let effects = state.apply(event);

    let mut stored = writer.collection_state(event.invoice_id)?;
    let mut words = Vec::with_capacity(effects.len());
    for effect in &effects {
        words.push(carry_out(writer, &invoice, &mut stored, effect)?);
    }
    stored.dunning_hold = if state.ended.is_some() {
        Some("ended".to_owned())
    } else if state.dispute.as_ref().is_some_and(|d| d.pauses_dunning) {
        Some("dispute".to_owned())
    } else if state.payment_announced_at.is_some() {
        Some("payment_transmitted".to_owned())
    } else {
        None
    };
    stored.made_available_on = state.made_available_at.map(|at| at.date());
    if stored.last.is_none_or(|(_, at)| at <= event.at) {
        stored.last = Some((event.status.code(), event.at));
    }
    writer.put_collection_state(event.invoice_id, &stored)?;
    Ok(words.into_iter().map(|w| format!("{} {}: {w}", event.status.code(), invoice.number)).collect())
}

fn carry_out(
    writer: &mut LedgerWriter<'_>,
    invoice: &encours_store::money_in::InvoiceBrief,
    stored: &mut CollectionState,
    effect: &Effect,
) -> Result<String, StoreError> {
    Ok(match effect {
        Effect::MadeAvailable { at } => format!("made available to the buyer on {}", at.date()),
        Effect::DebtAcknowledged { status, .. } => match status {
            LifecycleStatus::Approuvee => "approved by the buyer".to_owned(),
            _ => "taken in charge by the buyer".to_owned(),
        },
        Effect::OpenDispute(d) => {
            // A dispute dossier of its own per status event (issue 8 §1), keeping what the
            // platform said: reason MDT-113/114 and requested action MDT-121/122 (legal-rules B.2).
            let disputed = d.disputed.unwrap_or(invoice.outstanding);
            let origin = status_origin(invoice.id, d);
            let id = writer.open_dispute_record(&NewDispute {
                client_id: invoice.client,
                invoice_ids: vec![invoice.id],
                reason: d.reason,
                disputed,
                invoiced: invoice.outstanding,
                origin: "status".to_owned(),
                status: Some(origin),
                // What the platform said is kept in its own fields (reason, action); the note is
                // left to the people handling the dispute.
                note: String::new(),
                opened_at: d.at,
            })?;
            writer.dispute_event_at(
                id,
                d.at,
                "opened",
                &format!("ouvert par le statut {}", status_words(d)),
                "platform",
            )?;
            stored.disputed_amount = Some(disputed.amount);
            format!("dispute opened ({disputed})")
        }
        Effect::UpdateDispute(d) => {
            let disputed = d.disputed.unwrap_or(invoice.outstanding);
            if let Some(id) = writer.open_dispute_of(invoice.id)? {
                writer.restate_dispute(id, d.reason, disputed, &status_origin(invoice.id, d))?;
                let text = format!("mis à jour par le statut {}", status_words(d));
                writer.dispute_event_at(id, d.at, "updated", &text, "platform")?;
            }
            stored.disputed_amount = Some(disputed.amount);
            format!("dispute updated ({disputed})")
        }
        Effect::PauseDunning { .. } => "dunning paused".to_owned(),
        Effect::CloseDispute { status, at } => {
            if let Some(id) = writer.open_dispute_of(invoice.id)? {
                writer.resolve_dispute(id, at.date())?;
                writer.dispute_closed_by_status(id, status.code())?;
                let text = format!("clos par le statut {} {}", status.code(), status.label_fr().unwrap_or_default());
                writer.dispute_event_at(id, *at, "resolved", &text, "platform")?;
            }
            "dispute closed".to_owned()
        }
        Effect::ResumeDunning { .. } => "dunning resumed".to_owned(),
        Effect::SplitApproval { approved, not_approved, .. } => {
            stored.approved_amount = Some(approved.amount);
            stored.disputed_amount = Some(not_approved.amount);
            format!("approved {approved}, not approved {not_approved}")
        }
        Effect::NotCollectable { reason_code, .. } => {
            stored.not_collectable = true;
            format!("not collectable{}", reason_code.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())
        }
        Effect::StopDunning { .. } => "dunning stopped".to_owned(),
        Effect::ProposeInternalCreditNote { amount, .. } => {
            stored.proposed_credit_note = Some(amount.amount);
            format!("internal credit note of {amount} proposed")
        }
        Effect::HoldDunningUntilMatched { announced, .. } => match announced {
            Some(a) => format!("payment of {a} announced: dunning held until it is matched"),
            None => "payment announced: dunning held until it is matched".to_owned(),
        },
        Effect::RecordCollection { total, .. } => format!("collection of {total} recorded"),
        Effect::Cancelled { .. } => {
            stored.closed = true;
            "cancelled".to_owned()
        }
        Effect::NeedsReview { why, .. } => {
            stored.needs_review = Some(why.clone());
            format!("to review: {why}")
        }
    })
}

fn status_origin(invoice: InvoiceId, d: &encours_engines::lifecycle::DisputeDetails) -> StatusOrigin {
    StatusOrigin {
        invoice_id: invoice.0,
        code: d.status.code(),
        at: Some(d.at),
        reason_code: d.reason_code.clone(),
        reason_text: d.reason_text.clone(),
        action_code: d.action_code.clone(),
        action_text: d.action_text.clone(),
    }
}

/// A status that opens or restates a dispute, in French for its timeline: "207 En litige · motif
/// TX_TVA_ERR (Taux de TVA erroné) · action demandée NIN (Créer une Facture Rectificative)".
fn status_words(d: &encours_engines::lifecycle::DisputeDetails) -> String {
    let mut parts = vec![format!("{} {}", d.status.code(), d.status.label_fr().unwrap_or_default())];
    match (&d.reason_code, &d.reason_text) {
        (Some(code), Some(text)) => parts.push(format!("motif {code} ({})", text.trim())),
        (Some(code), None) => parts.push(format!("motif {code}")),
        (None, Some(text)) => parts.push(format!("motif : {}", text.trim())),
        (None, None) => {}
    }
    match (&d.action_code, &d.action_text) {
        (Some(code), Some(text)) => parts.push(format!("action demandée {code} ({})", text.trim())),
        (Some(code), None) => parts.push(format!("action demandée {code}")),
        (None, Some(text)) => parts.push(format!("action demandée : {}", text.trim())),
        (None, None) => {}
    }
    parts.join(" · ")
}
