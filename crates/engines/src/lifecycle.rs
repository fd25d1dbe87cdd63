//! What each lifecycle status of the French e-invoicing reform does to an invoice (legal-rules
//! B.2 and checklist 13, "Dunning reactions to statuses").
//!
//! [`effects`] is pure: a status event and the invoice's lifecycle state in, the [`Effect`]s out.
//! The caller (the store's unit of work) carries them out and keeps the state with
//! [`InvoiceState::apply`], which computes the effects and folds them into the state.
//!
//! # Order and repetition
//!
//! Platforms deliver statuses late, twice, and out of order (B.2: "processing statuses can be set
//! independently, in any order"; the XP Z12-013 API re-scans a safety window, so the same flow
//! comes back). The rules, in the order they are checked:
//!
//! 1. **Repetition.** A status equal to one already applied (same code, same status date-time
//!    MDT-78, same MDG-43 amounts) has no effect.
//! 2. **End.** 210 Refusée, 213 Rejetée and 220 Annulée end the invoice's lifecycle whatever
//!    their date (after 210/213 "no other mandatory status may be set", XP Z12-014 §4.2). After an
//!    end, only 203 (evidence the buyer had the invoice) and 212 (money collected is a fact) still
//!    have an effect; nothing reopens a dispute or resumes dunning.
//! 3. **Dispute axis.** 206, 207, 208 and 209 open, update and close the dispute. Their status
//!    date-time decides: one older than the newest dispute-axis status already applied has no
//!    effect, so a late 207 cannot reopen what a newer 209 completed, and a late 209 cannot close
//!    a newer 207. Equal date-times apply in arrival order.
//! 4. **Facts.** 203, 204, 205, 211 and 212 record facts, applied whenever they arrive: every
//!    distinct 212 is one more collection (partial collections each send one). For 203, the
//!    earliest made-available date is kept.
//!
//! Codes with no effect: 200, 201, 202 (transmission), 500/501 (batch acceptance) and unknown codes
//! (kept verbatim in the history by the caller, never given a meaning here).

use chrono::NaiveDateTime;
use encours_domain::{DisputeReason, LifecycleStatus, Money, StatusAmount, StatusEvent};
use rust_decimal::Decimal;
use serde::Serialize;

/// A dispute opened by a lifecycle status (206, 207 or 208) and still open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusDispute {
    /// The status that opened it, or last updated it.
    pub status: LifecycleStatus,
    /// The status date-time of that status.
    pub since: NaiveDateTime,
    /// The amount contested, including VAT; `None` for the whole invoice.
    pub disputed: Option<Money>,
    /// True when dunning is paused for it (207, 208); a 206 leaves the approved part dunned.
    pub pauses_dunning: bool,
}

/// A status already applied to the invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The status.
    pub status: LifecycleStatus,
    /// Its status date-time (MDT-78).
    pub at: NaiveDateTime,
    /// Its MDG-43 amounts.
    pub amounts: Vec<StatusAmount>,
}

/// What the lifecycle engine knows of an invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvoiceState {
    /// What the client still owes on it (amount due less allocations), in the invoice currency;
    /// kept current by the caller from the ledger.
    pub outstanding: Money,
    /// When the buyer's platform made it available to the buyer (the earliest 203).
    pub made_available_at: Option<NaiveDateTime>,
    /// The dispute a status opened, while it is open.
    pub dispute: Option<StatusDispute>,
    /// A 211 announced a payment on this date-time: dunning holds until the caller matches the
    /// payment and clears this field (matching, not a status, proves the money arrived).
    pub payment_announced_at: Option<NaiveDateTime>,
    /// The status that ended the lifecycle (210, 213 or 220) and its date-time.
    pub ended: Option<(LifecycleStatus, NaiveDateTime)>,
    /// Every status applied, in the order applied.
    pub applied: Vec<Applied>,
}

/// The details of a dispute a status opens or updates (B.2: reason MDT-113/114, requested
/// action MDT-121/122).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DisputeDetails {
    /// 206, 207 or 208.
    pub status: LifecycleStatus,
    /// The status date-time.
    pub at: NaiveDateTime,
    /// The reason's category ([`DisputeReason::from_afnor`]); `Other` without a reason code.
    pub reason: DisputeReason,
    /// MDT-113 reason code as received (TX_TVA_ERR, JUSTIF_ABS…).
    pub reason_code: Option<String>,
    /// MDT-114 reason text.
    pub reason_text: Option<String>,
    /// MDT-121 requested action code (NIN: issue a corrective invoice; CNF: a full credit note).
    pub action_code: Option<String>,
    /// MDT-122 requested action text.
    pub action_text: Option<String>,
    /// The amount contested including VAT (MNATTC, or MNA with its VAT rate); `None` for the
    /// whole invoice.
    pub disputed: Option<Money>,
}

/// One consequence of a status for the invoice, for the caller to carry out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// 203 Mise à disposition: the buyer's platform made the invoice available to the buyer on
    /// this date-time. Evidence the buyer had it (checklist 10's list of lifecycle evidence) and
    /// the date reminders can refer to.
    MadeAvailable {
        /// When.
        at: NaiveDateTime,
    },
    /// 204 Prise en charge, 205 Approuvée: no effect on dunning; kept as evidence that the debt
    /// is acknowledged and certain (checklist 13).
    DebtAcknowledged {
        /// 204 or 205.
        status: LifecycleStatus,
        /// When.
        at: NaiveDateTime,
    },
    /// 207 En litige, 208 Suspendue, or the non-approved part of a 206: open a dispute with the
    /// reason and requested action shown to the user (checklist 13).
    OpenDispute(DisputeDetails),
    /// The same, when a dispute opened by a status is already open: replace its details.
    UpdateDispute(DisputeDetails),
    /// 207, 208: pause dunning while the dispute stands (B.2 table; `pauses_dunning`).
    PauseDunning {
        /// 207 or 208.
        status: LifecycleStatus,
        /// When.
        at: NaiveDateTime,
    },
    /// 209 Complétée (the seller supplied what was missing), or an end status: the dispute a
    /// status opened is closed.
    CloseDispute {
        /// The status that closes it.
        status: LifecycleStatus,
        /// When.
        at: NaiveDateTime,
    },
    /// 209 Complétée: dunning resumes where the dispute paused it.
    ResumeDunning {
        /// When.
        at: NaiveDateTime,
    },
    /// 206 Approuvée partiellement: the approved part (MAPTTC, still dunned) and the non-approved
    /// part (MNATTC, handled as a dispute), including VAT (checklist 13).
    SplitApproval {
        /// When.
        at: NaiveDateTime,
        /// The part the buyer accepts.
        approved: Money,
        /// The part it does not.
        not_approved: Money,
    },
    /// 210 Refusée, 213 Rejetée: the invoice is void for tax purposes and not collectable
    /// (XP Z12-014 §4.2; checklist 13).
    NotCollectable {
        /// 210 or 213.
        status: LifecycleStatus,
        /// When.
        at: NaiveDateTime,
        /// MDT-113 reason code (a reason is mandatory for both).
        reason_code: Option<String>,
        /// MDT-114 reason text.
        reason_text: Option<String>,
    },
    /// 210, 213, 220: stop every dunning action for good.
    StopDunning {
        /// The status that stops it.
        status: LifecycleStatus,
        /// When.
        at: NaiveDateTime,
    },
    /// 210, 213: propose an internal credit note for the outstanding amount, neither transmitted
    /// nor reported (XP Z12-014 §4.2), and a new invoice if the sale stands.
    ProposeInternalCreditNote {
        /// The status that calls for it.
        status: LifecycleStatus,
        /// The amount to cancel: the outstanding when the status arrived.
        amount: Money,
    },
    /// 211 Paiement transmis: the buyer says it paid; hold dunning until the payment is matched.
    HoldDunningUntilMatched {
        /// When.
        at: NaiveDateTime,
        /// The amount paid (MPA), when the status gives it.
        announced: Option<Money>,
    },
    /// 212 Encaissée: the amounts collected per VAT rate (MEN, BR-FR-CDV-14). Recorded only: the
    /// ledger changes when the money is matched on the bank statement, not on this status.
    RecordCollection {
        /// When.
        at: NaiveDateTime,
        /// The MEN amounts with their VAT rates.
        parts: Vec<StatusAmount>,
        /// Their sum.
        total: Money,
    },
    /// 220 Annulée: the invoice's lifecycle is closed; a corrective invoice referring to it
    /// (BT-25) replaces it (B.2, sample UC4b).
    Cancelled {
        /// When.
        at: NaiveDateTime,
        /// The outstanding when it was cancelled, for the caller to take out of the receivables.
        outstanding: Money,
    },
    /// A status whose effect cannot be decided without a person (a 206 without usable amounts,
    /// a 212 without MEN, a 221 routing error).
    NeedsReview {
        /// The status.
        status: LifecycleStatus,
        /// When.
        at: NaiveDateTime,
        /// Why, in plain words.
        why: String,
    },
}

impl Effect {
    /// The effect's name, as in its JSON `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::MadeAvailable { .. } => "made_available",
            Effect::DebtAcknowledged { .. } => "debt_acknowledged",
            Effect::OpenDispute(_) => "open_dispute",
            Effect::UpdateDispute(_) => "update_dispute",
            Effect::PauseDunning { .. } => "pause_dunning",
            Effect::CloseDispute { .. } => "close_dispute",
            Effect::ResumeDunning { .. } => "resume_dunning",
            Effect::SplitApproval { .. } => "split_approval",
            Effect::NotCollectable { .. } => "not_collectable",
            Effect::StopDunning { .. } => "stop_dunning",
            Effect::ProposeInternalCreditNote { .. } => "propose_internal_credit_note",
            Effect::HoldDunningUntilMatched { .. } => "hold_dunning_until_matched",
            Effect::RecordCollection { .. } => "record_collection",
            Effect::Cancelled { .. } => "cancelled",
            Effect::NeedsReview { .. } => "needs_review",
        }
    }
}

fn on_dispute_axis(s: LifecycleStatus) -> bool {
    use LifecycleStatus::*;
    matches!(s, ApprouveePartiellement | EnLitige | Suspendue | Completee)
}

/// The sum of the amounts of some MDG-43 types, including VAT: the `*TTC` type as given, else the
/// excl.-VAT type grossed up by its own VAT rate (MDT-224) and rounded to the cent. `Ok(None)`
/// when the status carries none of them; `Err` when they cannot be added up (mixed currencies, an
/// excl.-VAT amount without a rate).
fn incl_vat(amounts: &[StatusAmount], ttc: &str, ht: &str) -> Result<Option<Money>, String> {
    let mut sum: Option<Money> = None;
    let mut add = |m: Money| -> Result<(), String> {
        sum = Some(match sum {
            None => m,
            Some(s) => s.checked_add(&m).map_err(|e| e.to_string())?,
        });
        Ok(())
    };
    let with_ttc: Vec<&StatusAmount> = amounts.iter().filter(|a| a.type_code == ttc).collect();
    if !with_ttc.is_empty() {
        for a in with_ttc {
            add(a.amount)?;
        }
        return Ok(sum);
    }
    for a in amounts.iter().filter(|a| a.type_code == ht) {
        let rate = a.vat_rate.ok_or_else(|| format!("{ht} {} is excluding VAT and has no VAT rate", a.amount))?;
        let factor = Decimal::ONE_HUNDRED
            .checked_add(rate)
            .and_then(|f| f.checked_div(Decimal::ONE_HUNDRED))
            .ok_or_else(|| format!("the VAT rate {rate} overflows"))?;
        add(a.amount.checked_mul(factor).map_err(|e| e.to_string())?.round())?;
    }
    Ok(sum)
}

fn details(event: &StatusEvent, disputed: Option<Money>) -> DisputeDetails {
    DisputeDetails {
        status: event.status,
        at: event.at,
        reason: event.reason_code.as_deref().map_or(DisputeReason::Other, DisputeReason::from_afnor),
        reason_code: event.reason_code.clone(),
        reason_text: event.reason.clone(),
        action_code: event.action_code.clone(),
        action_text: event.action.clone(),
        disputed,
    }
}

fn open_or_update(state: &InvoiceState, d: DisputeDetails) -> Effect {
    if state.dispute.is_some() {
        Effect::UpdateDispute(d)
    } else {
        Effect::OpenDispute(d)
    }
}

/// 206: split the outstanding into approved and non-approved parts from MAP/MAPTTC and
/// MNA/MNATTC; one side may be derived from the outstanding.
fn partial_approval(event: &StatusEvent, state: &InvoiceState) -> Result<(Money, Money), String> {
    let approved = incl_vat(&event.amounts, "MAPTTC", "MAP")?;
    let not_approved = incl_vat(&event.amounts, "MNATTC", "MNA")?;
    let rest = |known: Money| -> Result<Money, String> {
        let r = state.outstanding.checked_sub(&known).map_err(|e| e.to_string())?;
        if r.is_negative() {
            return Err(format!("{known} is more than the outstanding {}", state.outstanding));
        }
        Ok(r)
    };
    match (approved, not_approved) {
        (Some(a), Some(n)) if a.currency == n.currency => Ok((a, n)),
        (Some(a), Some(n)) => Err(format!("approved {a} and not approved {n} are in different currencies")),
        (Some(a), None) => Ok((a, rest(a)?)),
        (None, Some(n)) => Ok((rest(n)?, n)),
        (None, None) => Err("the status gives neither an approved (MAP/MAPTTC) nor a non-approved amount".to_owned()),
    }
}

/// The effects of one status event on an invoice in `state` (see the module documentation for
/// the order and repetition rules). Pure: nothing is changed; [`InvoiceState::apply`] folds the
/// result into the state.
pub fn effects(event: &StatusEvent, state: &InvoiceState) -> Vec<Effect> {
    use LifecycleStatus::*;
    let (status, at) = (event.status, event.at);
    // 1. Repetition.
    if state.applied.iter().any(|a| a.status == status && a.at == at && a.amounts == event.amounts) {
        return Vec::new();
    }
    // 2. End.
    if state.ended.is_some() && !matches!(status, MiseADisposition | Encaissee) {
        return Vec::new();
    }
    // 3. Dispute axis: the newest status date-time wins.
    if on_dispute_axis(status) && state.applied.iter().any(|a| on_dispute_axis(a.status) && a.at > at) {
        return Vec::new();
    }
    let review = |why: String| vec![Effect::NeedsReview { status, at, why }];
    match status {
        MiseADisposition => match state.made_available_at {
            Some(known) if known <= at => Vec::new(),
            _ => vec![Effect::MadeAvailable { at }],
        },
        PriseEnCharge | Approuvee => vec![Effect::DebtAcknowledged { status, at }],
        ApprouveePartiellement => match partial_approval(event, state) {
            Ok((approved, not_approved)) => {
                let mut out = vec![Effect::SplitApproval { at, approved, not_approved }];
                if not_approved.is_positive() {
                    out.push(open_or_update(state, details(event, Some(not_approved))));
                }
                out
            }
            Err(why) => review(format!("partial approval without a usable split: {why}")),
        },
        EnLitige | Suspendue => {
            let disputed = match incl_vat(&event.amounts, "MNATTC", "MNA") {
                Ok(d) => d,
                Err(why) => return review(format!("dispute amounts cannot be read: {why}")),
            };
            let mut out = vec![open_or_update(state, details(event, disputed))];
            if !state.dispute.as_ref().is_some_and(|d| d.pauses_dunning) {
                out.push(Effect::PauseDunning { status, at });
            }
            out
        }
        Completee => match &state.dispute {
            Some(d) => {
                let mut out = vec![Effect::CloseDispute { status, at }];
                if d.pauses_dunning {
                    out.push(Effect::ResumeDunning { at });
                }
                out
            }
            None => Vec::new(),
        },
        Refusee | Rejetee => {
            let mut out = vec![Effect::NotCollectable {
                status,
                at,
                reason_code: event.reason_code.clone(),
                reason_text: event.reason.clone(),
            }];
            if state.dispute.is_some() {
                out.push(Effect::CloseDispute { status, at });
            }
            out.push(Effect::StopDunning { status, at });
            if state.outstanding.is_positive() {
                out.push(Effect::ProposeInternalCreditNote { status, amount: state.outstanding });
            }
            out
        }
        Annulee => {
            let mut out = vec![Effect::Cancelled { at, outstanding: state.outstanding }];
            if state.dispute.is_some() {
                out.push(Effect::CloseDispute { status, at });
            }
            out.push(Effect::StopDunning { status, at });
            out
        }
        PaiementTransmis => match incl_vat(&event.amounts, "MPA", "MPA") {
            Ok(announced) => vec![Effect::HoldDunningUntilMatched { at, announced }],
            // An unreadable MPA does not cancel the buyer's word that it paid.
            Err(_) => vec![Effect::HoldDunningUntilMatched { at, announced: None }],
        },
        Encaissee => {
            let parts: Vec<StatusAmount> = event.amounts.iter().filter(|a| a.type_code == "MEN").cloned().collect();
            let Some(first) = parts.first() else {
                return review("a 212 Encaissée without any MEN amount (BR-FR-CDV-14)".to_owned());
            };
            match parts.iter().skip(1).try_fold(first.amount, |acc, p| acc.checked_add(&p.amount)) {
                Ok(total) => vec![Effect::RecordCollection { at, parts, total }],
                Err(e) => review(format!("the collected amounts cannot be added up: {e}")),
            }
        }
        ErreurRoutage => review(
            "routing error (221): the invoice did not reach the buyer's platform; the issuing platform can send it again"
                .to_owned(),
        ),
        Deposee | EmiseParLaPlateforme | RecueParLaPlateforme | Recevable | Irrecevable | Unknown(_) => Vec::new(),
    }
}

impl InvoiceState {
    /// A fresh state: nothing applied yet.
    pub fn new(outstanding: Money) -> InvoiceState {
        InvoiceState {
            outstanding,
            made_available_at: None,
            dispute: None,
            payment_announced_at: None,
            ended: None,
            applied: Vec::new(),
        }
    }

    /// True while dunning must not go on: the lifecycle ended, a dispute that pauses dunning is
    /// open, or a 211 announced a payment not yet matched.
    pub fn dunning_on_hold(&self) -> bool {
        self.ended.is_some()
            || self.dispute.as_ref().is_some_and(|d| d.pauses_dunning)
            || self.payment_announced_at.is_some()
    }

    /// Computes the effects of `event` ([`effects`]), folds them into the state and records the
    /// status as applied (even when it has no effect, so that a repetition is recognised).
    pub fn apply(&mut self, event: &StatusEvent) -> Vec<Effect> {
        let out = effects(event, self);
        for e in &out {
            match e {
                Effect::MadeAvailable { at } => self.made_available_at = Some(*at),
                Effect::OpenDispute(d) | Effect::UpdateDispute(d) => {
                    let pauses = matches!(d.status, LifecycleStatus::EnLitige | LifecycleStatus::Suspendue);
                    let was_pausing = self.dispute.as_ref().is_some_and(|x| x.pauses_dunning);
                    self.dispute = Some(StatusDispute {
                        status: d.status,
                        since: d.at,
                        disputed: d.disputed,
                        pauses_dunning: pauses || was_pausing,
                    });
                }
                Effect::CloseDispute { .. } => self.dispute = None,
                Effect::HoldDunningUntilMatched { at, .. } => self.payment_announced_at = Some(*at),
                Effect::NotCollectable { status, at, .. } => self.ended = Some((*status, *at)),
                Effect::Cancelled { at, .. } => self.ended = Some((LifecycleStatus::Annulee, *at)),
                Effect::DebtAcknowledged { .. }
                | Effect::PauseDunning { .. }
                | Effect::ResumeDunning { .. }
                | Effect::SplitApproval { .. }
                | Effect::StopDunning { .. }
                | Effect::ProposeInternalCreditNote { .. }
                | Effect::RecordCollection { .. }
                | Effect::NeedsReview { .. } => {}
            }
        }
        if !self.applied.iter().any(|a| a.status == event.status && a.at == event.at && a.amounts == event.amounts) {
            self.applied.push(Applied { status: event.status, at: event.at, amounts: event.amounts.clone() });
        }
        out
    }
}

#[cfg(test)]
mod tests;
