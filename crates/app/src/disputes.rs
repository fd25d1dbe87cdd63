//! Dispute dossiers (issue 8): one place per dispute with its invoices and amounts, the reason in
//! words and as the platform coded it, the evidence, who does what by when, everything that
//! happened in order, and how it ended.
//!
//! - **Opening**: a lifecycle status 206/207/208 opens one automatically (`lifecycle.rs`, one
//!   dispute per status event); a person opens one from invoices or from a client's open invoices
//!   ([`open_dispute`]), several invoices per dispute.
//! - **Reasons**: the categories of [`DisputeReason`], mapped from the AFNOR reason codes
//!   (legal-rules B.2, MDT-113) by `DisputeReason::from_afnor` and back by [`afnor_codes`].
//! - **Evidence**: any file, kept encrypted in the dossier's `documents` table like the imported
//!   originals (same SHA-256 = stored once), at most [`MAX_EVIDENCE_BYTES`].
//! - **Resolution** ([`resolve_dispute`]): a credit note of the ledger allocated against the
//!   invoices, a corrected invoice (384) replacing them, a partial agreement, or the claim
//!   rejected. A dispute a status opened pauses dunning through the invoice's status history
//!   (the dunning engine replays it): when the invoice stays due after the resolution, Encours
//!   records the seller's 209 Complétée (B.2: "the seller supplies the missing documents or
//!   data"; collections-anchors "209 → resume") so the replay resumes; a corrected invoice
//!   records a 220 Annulée on the invoices it replaces (B.2: "F1 can then receive status 220").
//!   Those 209 and 220 are also queued in the outbox for the platform (`disputes/outbox.rs`).
//!   An invoice the resolution settled is left alone: nothing is resumed for it. A partial
//!   agreement without a credit note shares the accepted amount over the invoices (oldest first)
//!   and keeps each one's accepted and refused parts in its collection state, as a 206's MAP/MNA;
//!   the dunning snapshot then replays it as that 206, so only the accepted part is dunned.
//!
//! Every change is one unit of work with its audit entry. No clock: `now` is passed in.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{
    Allocation, AllocationFrom, ClientId, Currency, DisputeId, DisputeReason, InvoiceId, LifecycleStatus, Money,
    Source, StatusEvent,
};
use encours_store::disputes::{self as store, DisputeRecord, NewDispute};
use encours_store::Dossier;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::lifecycle::apply_status;

mod export;
mod outbox;

pub use export::{dispute_dossier, export_dispute_pdf, render_dispute_pdf, Appended};

/// The largest file attached as evidence: 25 MiB (a phone photo or a scanned delivery note is a
/// few MiB; the dossier is one file that is copied and backed up whole).
pub const MAX_EVIDENCE_BYTES: usize = 25 * 1024 * 1024;

/// The AFNOR reason codes (legal-rules B.2, MDT-113) a category stands for, the first being the
/// one to use when Encours writes a reason; the inverse of `DisputeReason::from_afnor`.
pub fn afnor_codes(reason: DisputeReason) -> &'static [&'static str] {
    match reason {
        DisputeReason::Price => &["PU_ERR", "REM_ERR", "MONTANT_ERR", "MONTANTTOTAL_ERR", "CALCUL_ERR"],
        DisputeReason::Quantity => &["QTE_ERR"],
        DisputeReason::Quality => &["QUALITE_ERR"],
        DisputeReason::Delivery => &["LIVR_INCOMP"],
        DisputeReason::Duplicate => &["DOUBLON", "DOUBLE_FACT"],
        DisputeReason::Vat => &["TX_TVA_ERR"],
        DisputeReason::MissingReference => &["REF_CT_ABSENT", "CMD_EJ_ERR", "REF_ERR"],
        DisputeReason::Other => &["AUTRE"],
    }
}

/// Every reason category, in the order they are offered.
pub const REASONS: [DisputeReason; 8] = [
    DisputeReason::Price,
    DisputeReason::Quantity,
    DisputeReason::Quality,
    DisputeReason::Delivery,
    DisputeReason::Duplicate,
    DisputeReason::Vat,
    DisputeReason::MissingReference,
    DisputeReason::Other,
];

/// A reason category from its code (`price`, `quantity`, `quality`, `delivery`, `duplicate`,
/// `vat`, `missing_reference`, `other`), its French label, or an AFNOR reason code.
pub fn parse_reason(s: &str) -> Result<DisputeReason, ApiError> {
    let t = s.trim();
    let lower = t.to_lowercase();
    for r in REASONS {
        if store::reason_str(r) == lower.replace(['-', ' '], "_") || r.label_fr().to_lowercase() == lower {
            return Ok(r);
        }
    }
    let by_code = DisputeReason::from_afnor(&t.to_uppercase());
    if by_code != DisputeReason::Other || t.eq_ignore_ascii_case("AUTRE") {
        return Ok(by_code);
    }
    Err(ApiError::invalid(format!(
        "unknown dispute reason {t:?}: use price, quantity, quality, delivery, duplicate, vat, missing_reference or other (or an AFNOR code such as QTE_ERR)"
    )))
}

// ---------------------------------------------------------------------------------------------
// DTOs.
// ---------------------------------------------------------------------------------------------

/// A dispute in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DisputeSummaryView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Opened on (ISO).
    pub opened_on: String,
    /// Reason category code (`price`…).
    pub reason: String,
    /// Reason in French.
    pub reason_label: String,
    /// `status` (a lifecycle status), `manual`, `call`, `recorded`.
    pub origin: String,
    /// The status that opened it (206, 207, 208).
    pub status_code: Option<u16>,
    /// The platform's reason code (MDT-113), as received.
    pub reason_code: Option<String>,
    /// The platform's requested action code (MDT-121), as received.
    pub action_code: Option<String>,
    /// Currency.
    pub currency: String,
    /// Disputed amount, decimal string.
    pub disputed: String,
    /// The undisputed part of what the invoices had open at opening, when known.
    pub undisputed: Option<String>,
    /// What the invoices have open now, decimal string.
    pub outstanding: String,
    /// Invoice numbers.
    pub invoices: Vec<String>,
    /// `open` or `resolved`.
    pub state: String,
    /// Resolved on (ISO).
    pub resolved_on: Option<String>,
    /// `credit_note`, `corrected`, `partial`, `rejected`, `status`.
    pub outcome: Option<String>,
    /// Days open (to the as-of date, or to the resolution).
    #[ts(type = "number")]
    pub age_days: i64,
}

/// Dispute figures for a group (a reason or a client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DisputeGroupView {
    /// Reason code or client id.
    pub key: String,
    /// Reason label or client name.
    pub label: String,
    /// Open disputes.
    #[ts(type = "number")]
    pub open: u64,
    /// Their disputed amount (euro), decimal string.
    pub open_amount: String,
    /// Mean age of the open ones, days (one decimal).
    pub average_age_days: Option<String>,
    /// Disputes resolved in the 12 months to the as-of date.
    #[ts(type = "number")]
    pub resolved: u64,
    /// Their mean resolution time, days (one decimal).
    pub average_resolution_days: Option<String>,
}

/// Dispute KPIs as of a date (collections-anchors: dispute resolution time by category, share of
/// receivables in dispute).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DisputeKpisView {
    /// As of (ISO).
    pub as_of: String,
    /// All groups together.
    pub total: DisputeGroupView,
    /// Age of the oldest open dispute, days.
    #[ts(type = "number | null")]
    pub oldest_open_days: Option<i64>,
    /// By reason.
    pub by_reason: Vec<DisputeGroupView>,
    /// By client, most open amount first (at most 20).
    pub by_client: Vec<DisputeGroupView>,
}

/// Which disputes to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DisputeFilter {
    /// `open`, `resolved` (none: all).
    pub state: Option<String>,
    /// Reason code.
    pub reason: Option<String>,
    /// Client id.
    #[ts(type = "number | null")]
    pub client_id: Option<i64>,
}

/// The dispute list with its KPIs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DisputeListView {
    /// The disputes that pass the filter, newest first.
    pub disputes: Vec<DisputeSummaryView>,
    /// KPIs over every dispute.
    pub kpis: DisputeKpisView,
}

/// An invoice of a dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DisputeInvoiceView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Number.
    pub number: String,
    /// `invoice`, `corrective`…
    pub kind: String,
    /// Issue date (ISO).
    pub issue_date: String,
    /// Due date (ISO).
    pub due_date: String,
    /// Amount, decimal string.
    pub amount: String,
    /// Open now, decimal string.
    pub outstanding: String,
}

/// A file attached to a dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EvidenceView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// File name.
    pub file_name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// SHA-256 (hex).
    pub sha256: String,
    /// Added at (ISO date-time).
    pub added_at: String,
    /// What it is.
    pub note: String,
}

/// An attached file with its bytes, for viewing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EvidenceContentView {
    /// The file's record.
    pub evidence: EvidenceView,
    /// Its bytes, as they were added.
    #[ts(type = "Array<number>")]
    pub bytes: Vec<u8>,
}

/// A task of a dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DisputeTaskView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// What to do.
    pub title: String,
    /// Who.
    pub owner: String,
    /// By when (ISO).
    pub due_on: String,
    /// `todo`, `done`, `cancelled`.
    pub state: String,
    /// Still to do and past its date.
    pub overdue: bool,
}

/// One line of a dispute's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TimelineEntryView {
    /// When (ISO date-time).
    pub at: String,
    /// `status` (received from the platform), `dunning` (letter, email, SMS sent), `opened`,
    /// `updated`, `note`, `call`, `decision`, `evidence`, `task`, `task_state`, `resolved`.
    pub kind: String,
    /// What, in French.
    pub text: String,
    /// Who: `platform`, `user`, `dunning`.
    pub actor: String,
}

/// A dispute dossier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DisputeView {
    /// The list's figures.
    pub summary: DisputeSummaryView,
    /// The platform's reason text (MDT-114).
    pub reason_text: Option<String>,
    /// The platform's requested action text (MDT-122).
    pub action_text: Option<String>,
    /// Free text.
    pub note: String,
    /// Invoices.
    pub invoices: Vec<DisputeInvoiceView>,
    /// Evidence.
    pub evidence: Vec<EvidenceView>,
    /// Tasks, by due date.
    pub tasks: Vec<DisputeTaskView>,
    /// Everything that happened, oldest first.
    pub timeline: Vec<TimelineEntryView>,
    /// The resolution's details (JSON), when resolved.
    pub resolution: Option<String>,
}

/// A dispute to open by hand.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewDisputeInput {
    /// Invoices by id.
    #[serde(default)]
    #[ts(type = "Array<number>")]
    pub invoice_ids: Vec<i64>,
    /// Invoices by number.
    #[serde(default)]
    pub invoice_numbers: Vec<String>,
    /// A client: with no invoice given, all its open invoices.
    #[ts(type = "number | null")]
    pub client_id: Option<i64>,
    /// Reason category code (or label, or AFNOR code).
    pub reason: String,
    /// The amount contested, decimal string (none: everything open on the invoices).
    pub amount: Option<String>,
    /// What the client says.
    #[serde(default)]
    pub note: String,
}

/// How a dispute ends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResolveInput {
    /// `credit_note`, `corrected`, `partial`, `rejected`.
    pub outcome: String,
    /// The credit note's number (a credit note of the ledger, same client): required for
    /// `credit_note`, optional for `partial` and `corrected`.
    pub credit_note: Option<String>,
    /// The corrected invoice's number (384), for `corrected`.
    pub corrected_invoice: Option<String>,
    /// For `partial`: what the client accepts to pay, decimal string.
    pub accepted_amount: Option<String>,
    /// Why, in words.
    #[serde(default)]
    pub note: String,
}

// ---------------------------------------------------------------------------------------------
// Reading.
// ---------------------------------------------------------------------------------------------

fn money(d: Decimal) -> String {
    d.round_dp(2).to_string()
}

fn one_decimal(d: Decimal) -> String {
    d.round_dp(1).to_string()
}

fn outcome_fr(outcome: &str) -> &'static str {
    match outcome {
        "credit_note" => "avoir émis",
        "corrected" => "facture rectificative",
        "partial" => "accord partiel",
        "rejected" => "réclamation rejetée",
        "status" => "clos par un statut de la plateforme",
        _ => "clos",
    }
}

fn age(r: &DisputeRecord, as_of: NaiveDate) -> i64 {
    let end = r.resolved_on.filter(|d| *d <= as_of).unwrap_or(as_of);
    (end - r.opened_on).num_days().max(0)
}

fn summary(r: &DisputeRecord, as_of: NaiveDate) -> DisputeSummaryView {
    let outstanding: Decimal = r.invoices.iter().map(|i| i.outstanding).sum();
    DisputeSummaryView {
        id: r.id,
        client_id: r.client_id,
        client_name: r.client_name.clone(),
        opened_on: r.opened_on.to_string(),
        reason: store::reason_str(r.reason).to_owned(),
        reason_label: r.reason.label_fr().to_owned(),
        origin: r.origin.clone(),
        status_code: r.status.as_ref().map(|s| s.code),
        reason_code: r.status.as_ref().and_then(|s| s.reason_code.clone()),
        action_code: r.status.as_ref().and_then(|s| s.action_code.clone()),
        currency: r.currency.code().to_owned(),
        disputed: money(r.disputed),
        undisputed: r.invoiced.map(|i| money((i - r.disputed).max(Decimal::ZERO))),
        outstanding: money(outstanding),
        invoices: r.invoices.iter().map(|i| i.number.clone()).collect(),
        state: r.state.clone(),
        resolved_on: r.resolved_on.map(|d| d.to_string()),
        outcome: r.outcome.clone(),
        age_days: age(r, as_of),
    }
}

#[derive(Default)]
struct Group {
    label: String,
    open: u64,
    open_amount: Decimal,
    open_age_days: i64,
    resolved: u64,
    resolution_days: i64,
}

impl Group {
    fn add(&mut self, r: &DisputeRecord, as_of: NaiveDate) {
        let year_ago = as_of - chrono::Days::new(365);
        let open_then = r.opened_on <= as_of && r.resolved_on.is_none_or(|d| d > as_of);
        if open_then {
            self.open += 1;
            if r.currency == Currency::EUR {
                self.open_amount += r.disputed;
            }
            self.open_age_days += age(r, as_of);
        } else if let Some(resolved) = r.resolved_on.filter(|d| *d > year_ago && *d <= as_of) {
            self.resolved += 1;
            self.resolution_days += (resolved - r.opened_on).num_days().max(0);
        }
    }

    fn view(&self, key: String) -> DisputeGroupView {
        let mean = |sum: i64, n: u64| (n > 0).then(|| one_decimal(Decimal::from(sum) / Decimal::from(n)));
        DisputeGroupView {
            key,
            label: self.label.clone(),
            open: self.open,
            open_amount: money(self.open_amount),
            average_age_days: mean(self.open_age_days, self.open),
            resolved: self.resolved,
            average_resolution_days: mean(self.resolution_days, self.resolved),
        }
    }
}

fn kpis_of(all: &[DisputeRecord], as_of: NaiveDate) -> DisputeKpisView {
    let mut total = Group { label: "Tous les litiges".to_owned(), ..Group::default() };
    let mut by_reason: BTreeMap<&'static str, Group> = BTreeMap::new();
    let mut by_client: BTreeMap<i64, Group> = BTreeMap::new();
    let mut oldest: Option<i64> = None;
    for r in all.iter().filter(|r| r.opened_on <= as_of) {
        total.add(r, as_of);
        let g = by_reason.entry(store::reason_str(r.reason)).or_default();
        g.label = r.reason.label_fr().to_owned();
        g.add(r, as_of);
        let g = by_client.entry(r.client_id).or_default();
        g.label.clone_from(&r.client_name);
        g.add(r, as_of);
        if r.resolved_on.is_none_or(|d| d > as_of) {
            oldest = Some(oldest.unwrap_or(0).max(age(r, as_of)));
        }
    }
    let by_reason = REASONS
        .iter()
        .filter_map(|r| by_reason.get(store::reason_str(*r)).map(|g| g.view(store::reason_str(*r).to_owned())))
        .collect();
    let mut clients: Vec<(i64, Group)> = by_client.into_iter().collect();
    clients.sort_by(|a, b| b.1.open_amount.cmp(&a.1.open_amount).then(b.1.open.cmp(&a.1.open)).then(a.0.cmp(&b.0)));
    DisputeKpisView {
        as_of: as_of.to_string(),
        total: total.view("all".to_owned()),
        oldest_open_days: oldest,
        by_reason,
        by_client: clients.iter().take(20).map(|(id, g)| g.view(id.to_string())).collect(),
    }
}

/// Dispute KPIs as of a date: open disputes, their amount and age, resolution time over the last
/// 12 months, by reason and by client. What the analytics (dashboard) can show.
pub fn dispute_kpis(d: &Dossier, as_of: NaiveDate) -> Result<DisputeKpisView, ApiError> {
    Ok(kpis_of(&store::all(d)?, as_of))
}

/// The disputes that pass the filter, newest first, with the KPIs of every dispute.
pub fn dispute_list(d: &Dossier, filter: &DisputeFilter, as_of: NaiveDate) -> Result<DisputeListView, ApiError> {
    let all = store::all(d)?;
    let reason = filter.reason.as_deref().filter(|r| !r.is_empty()).map(parse_reason).transpose()?;
    let state = filter.state.as_deref().filter(|s| !s.is_empty());
    if let Some(s) = state {
        if s != "open" && s != "resolved" {
            return Err(ApiError::invalid(format!("unknown dispute state {s:?}: use open or resolved")));
        }
    }
    let disputes = all
        .iter()
        .filter(|r| state.is_none_or(|s| r.state == s))
        .filter(|r| reason.is_none_or(|x| r.reason == x))
        .filter(|r| filter.client_id.is_none_or(|c| r.client_id == c))
        .map(|r| summary(r, as_of))
        .collect();
    Ok(DisputeListView { disputes, kpis: kpis_of(&all, as_of) })
}

fn record(d: &Dossier, id: i64) -> Result<DisputeRecord, ApiError> {
    store::get(d, id)?.ok_or_else(|| ApiError::invalid(format!("no dispute {id} in this dossier")))
}

fn evidence_view(e: &store::EvidenceRow) -> EvidenceView {
    EvidenceView {
        id: e.id,
        file_name: e.file_name.clone(),
        media_type: e.media_type.clone(),
        size: e.size,
        sha256: e.sha256.clone(),
        added_at: e.added_at.to_string(),
        note: e.note.clone(),
    }
}

fn status_text(s: &store::StatusRow) -> String {
    let status = LifecycleStatus::from_code(s.code);
    let mut t = format!("statut {} {} reçu pour {}", s.code, status.label_fr().unwrap_or("inconnu"), s.invoice_number);
    if let Some(code) = &s.reason_code {
        t.push_str(&format!(" · motif {code}"));
    }
    if let Some(reason) = &s.reason {
        t.push_str(&format!(" ({reason})"));
    }
    if let Some(action) = &s.action_code {
        t.push_str(&format!(" · action demandée {action}"));
    }
    t
}

fn timeline(d: &Dossier, r: &DisputeRecord) -> Result<Vec<TimelineEntryView>, ApiError> {
    Ok(timeline_at(d, r)?.into_iter().map(|(_, v)| v).collect())
}

/// The timeline with each entry's date-time (the PDF export prints them its own way).
fn timeline_at(d: &Dossier, r: &DisputeRecord) -> Result<Vec<(NaiveDateTime, TimelineEntryView)>, ApiError> {
    let invoices: Vec<i64> = r.invoices.iter().map(|i| i.id).collect();
    let mut out: Vec<(NaiveDateTime, u8, TimelineEntryView)> = Vec::new();
    for s in store::statuses_of(d, &invoices)? {
        let actor = if s.origin.starts_with("encours:") { "user" } else { "platform" };
        out.push((
            s.at,
            0,
            TimelineEntryView {
                at: s.at.to_string(),
                kind: "status".into(),
                text: status_text(&s),
                actor: actor.into(),
            },
        ));
    }
    for a in store::dunning_of(d, r.client_id, &invoices)? {
        let what = match a.state.as_str() {
            "sent" => "envoyé",
            "failed" => "échec d'envoi",
            _ => "validé",
        };
        out.push((
            a.at,
            1,
            TimelineEntryView {
                at: a.at.to_string(),
                kind: "dunning".into(),
                text: format!("relance {} {what} : {}", a.channel, a.subject),
                actor: "dunning".into(),
            },
        ));
    }
    let events = store::events(d, r.id)?;
    if !events.iter().any(|e| e.kind == "opened") {
        // Disputes recorded before schema 11, by the demo or from a call's outcome have no
        // opening event: their opening date stands for it.
        let at = r.opened_at.unwrap_or_else(|| r.opened_on.and_time(chrono::NaiveTime::MIN));
        let how = match r.origin.as_str() {
            "call" => "à l'issue d'un appel",
            "status" => "par un statut de la plateforme",
            _ => "enregistré",
        };
        let text = format!("litige ouvert ({}) {how}", r.reason.label_fr());
        out.push((at, 2, TimelineEntryView { at: at.to_string(), kind: "opened".into(), text, actor: "user".into() }));
    }
    for e in events {
        out.push((e.at, 2, TimelineEntryView { at: e.at.to_string(), kind: e.kind, text: e.text, actor: e.actor }));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    Ok(out.into_iter().map(|(at, _, v)| (at, v)).collect())
}

/// One dispute's dossier: invoices, amounts, reason, evidence, tasks and its timeline.
pub fn dispute(d: &Dossier, id: i64, as_of: NaiveDate) -> Result<DisputeView, ApiError> {
    let r = record(d, id)?;
    let tasks = store::tasks(d, id)?
        .into_iter()
        .map(|t| DisputeTaskView {
            id: t.id,
            overdue: t.state == "todo" && t.due_on < as_of,
            title: t.title,
            owner: t.owner,
            due_on: t.due_on.to_string(),
            state: t.state,
        })
        .collect();
    Ok(DisputeView {
        summary: summary(&r, as_of),
        reason_text: r.status.as_ref().and_then(|s| s.reason_text.clone()),
        action_text: r.status.as_ref().and_then(|s| s.action_text.clone()),
        note: r.note.clone(),
        invoices: r
            .invoices
            .iter()
            .map(|i| DisputeInvoiceView {
                id: i.id,
                number: i.number.clone(),
                kind: i.kind.clone(),
                issue_date: i.issue_date.to_string(),
                due_date: i.due_date.to_string(),
                amount: money(i.receivable),
                outstanding: money(i.outstanding),
            })
            .collect(),
        evidence: store::evidence(d, id)?.iter().map(evidence_view).collect(),
        tasks,
        timeline: timeline(d, &r)?,
        resolution: r.resolution_json.clone(),
    })
}

/// The dispute tasks still to do whose date has passed, as dashboard alerts (code
/// `overdueDisputeTask`, one per task, oldest first). The dashboard adds them to its alerts.
pub fn overdue_dispute_task_alerts(
    d: &Dossier,
    as_of: NaiveDate,
) -> Result<Vec<crate::analytics::dto::AlertView>, ApiError> {
    Ok(store::overdue_tasks(d, as_of)?
        .into_iter()
        .map(|o| crate::analytics::dto::AlertView {
            code: "overdueDisputeTask".to_owned(),
            severity: crate::analytics::dto::AlertSeverity::Warning,
            message: format!(
                "Litige n° {} ({}) : « {} » ({}) était à faire pour le {}, {} jour(s) de retard",
                o.task.dispute_id,
                o.client_name,
                o.task.title,
                o.task.owner,
                o.task.due_on,
                (as_of - o.task.due_on).num_days()
            ),
            client_id: Some(o.client_id),
            invoice_id: None,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Changing.
// ---------------------------------------------------------------------------------------------

fn parse_amount(s: &str, what: &str, currency: Currency) -> Result<Money, ApiError> {
    Money::parse(s.trim(), currency).map_err(|e| ApiError::invalid(format!("{what} {s:?}: {e}")))
}

fn parse_date(s: &str, what: &str) -> Result<NaiveDate, ApiError> {
    s.trim().parse().map_err(|_| ApiError::invalid(format!("{what} {s:?} is not a date (YYYY-MM-DD)")))
}

/// Opens a dispute by hand on invoices (by id or number, all of one client and one currency) or
/// on a client's open invoices; returns its id. The dispute pauses the dunning of its invoices
/// until it is resolved.
pub fn open_dispute(d: &mut Dossier, input: &NewDisputeInput, now: NaiveDateTime) -> Result<i64, ApiError> {
    let reason = parse_reason(&input.reason)?;
    let mut ids: Vec<InvoiceId> = input.invoice_ids.iter().map(|i| InvoiceId(*i)).collect();
    for number in input.invoice_numbers.iter().filter(|n| !n.trim().is_empty()) {
        let found: Vec<_> = store::invoices_by_number(d, number)?
            .into_iter()
            .filter(|(_, c, kind)| kind != "credit_note" && input.client_id.is_none_or(|x| c.0 == x))
            .collect();
        match found.as_slice() {
            [] => return Err(ApiError::invalid(format!("no invoice numbered {number:?} in this dossier"))),
            [(id, _, _)] => ids.push(*id),
            _ => {
                return Err(ApiError::invalid(format!(
                    "{} invoices are numbered {number:?}: give the client (--client) or choose by id",
                    found.len()
                )))
            }
        }
    }
    if ids.is_empty() {
        let Some(client) = input.client_id else {
            return Err(ApiError::invalid("a dispute needs at least one invoice, or a client with open invoices"));
        };
        ids = store::open_invoices_of(d, client)?.into_iter().map(|(id, ..)| id).collect();
        if ids.is_empty() {
            return Err(ApiError::invalid(format!("client {client} has no open invoice to dispute")));
        }
    }
    ids.sort();
    ids.dedup();
    let mut client: Option<ClientId> = None;
    let mut currency: Option<Currency> = None;
    let mut open = Decimal::ZERO;
    let mut numbers = Vec::new();
    for id in &ids {
        let inv = encours_store::money_in::invoice(d, *id)?
            .ok_or_else(|| ApiError::invalid(format!("no invoice {} in this dossier", id.0)))?;
        if inv.kind == "credit_note" {
            return Err(ApiError::invalid(format!("{} is a credit note: a dispute concerns invoices", inv.number)));
        }
        if client.is_some_and(|c| c != inv.client) {
            return Err(ApiError::invalid("the invoices of one dispute belong to one client"));
        }
        if currency.is_some_and(|c| c != inv.outstanding.currency) {
            return Err(ApiError::invalid("the invoices of one dispute are in one currency"));
        }
        client = Some(inv.client);
        currency = Some(inv.outstanding.currency);
        open += inv.outstanding.amount;
        numbers.push(inv.number);
    }
    let (Some(client), Some(currency)) = (client, currency) else {
        return Err(ApiError::invalid("a dispute needs at least one invoice"));
    };
    let disputed = match input.amount.as_deref().filter(|a| !a.trim().is_empty()) {
        Some(a) => parse_amount(a, "disputed amount", currency)?,
        None => Money::new(open, currency),
    };
    if !disputed.is_positive() || disputed.amount > open {
        return Err(ApiError::invalid(format!(
            "the disputed amount {} must be positive and at most what the invoices have open ({})",
            disputed.amount, open
        )));
    }
    let mut w = d.writer("dispute", now)?;
    let id = w.open_dispute_record(&NewDispute {
        client_id: client,
        invoice_ids: ids.clone(),
        reason,
        disputed,
        invoiced: Money::new(open, currency),
        origin: "manual".to_owned(),
        status: None,
        note: input.note.trim().to_owned(),
        opened_at: now,
    })?;
    let mut text = format!(
        "litige ouvert ({}) sur {} : {} contestés sur {} ouverts",
        reason.label_fr(),
        numbers.join(", "),
        money(disputed.amount),
        money(open)
    );
    if !input.note.trim().is_empty() {
        text.push_str(&format!(" — {}", input.note.trim()));
    }
    w.dispute_event(id, "opened", &text, "user")?;
    w.commit(
        "user",
        "dispute.open",
        serde_json::json!({ "dispute": id.0, "invoices": numbers, "reason": store::reason_str(reason),
                            "disputed": money(disputed.amount) }),
    )?;
    Ok(id.0)
}

fn writer_open(w: &encours_store::LedgerWriter<'_>, id: i64) -> Result<ClientId, ApiError> {
    match w.dispute_state(DisputeId(id))? {
        None => Err(ApiError::invalid(format!("no dispute {id} in this dossier"))),
        Some((state, client)) if state == "open" => Ok(client),
        Some(_) => Err(ApiError::invalid(format!("dispute {id} is already resolved"))),
    }
}

/// Adds a note, a call or a decision to a dispute's timeline (`kind`: `note`, `call`, `decision`).
pub fn add_dispute_note(d: &mut Dossier, id: i64, kind: &str, text: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    if !matches!(kind, "note" | "call" | "decision") {
        return Err(ApiError::invalid(format!("unknown entry kind {kind:?}: use note, call or decision")));
    }
    if text.trim().is_empty() {
        return Err(ApiError::invalid("the note is empty"));
    }
    let mut w = d.writer("dispute", now)?;
    if w.dispute_state(DisputeId(id))?.is_none() {
        return Err(ApiError::invalid(format!("no dispute {id} in this dossier")));
    }
    w.dispute_event(DisputeId(id), kind, text.trim(), "user")?;
    w.commit("user", &format!("dispute.{kind}"), serde_json::json!({ "dispute": id, "text": text.trim() }))?;
    Ok(())
}

/// The media type of a file from its name (what a viewer needs to show it).
pub fn media_type_of(file_name: &str) -> &'static str {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "eml" => "message/rfc822",
        "msg" => "application/vnd.ms-outlook",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "xml" => "application/xml",
        "html" | "htm" => "text/html",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "odt" => "application/vnd.oasis.opendocument.text",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Attaches a file to a dispute: kept encrypted in the dossier with its SHA-256 (a file already
/// kept, such as an invoice's original, is not stored twice), its name, media type and size, and
/// the time it was added. Files over [`MAX_EVIDENCE_BYTES`] are refused.
pub fn attach_evidence(
    d: &mut Dossier,
    id: i64,
    file_name: &str,
    bytes: &[u8],
    note: &str,
    now: NaiveDateTime,
) -> Result<EvidenceView, ApiError> {
    let name = Path::new(file_name).file_name().and_then(|n| n.to_str()).unwrap_or(file_name).trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::invalid("the file has no name"));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(ApiError::invalid(format!(
            "{name} is {} MiB: a file attached to a dispute is at most {} MiB",
            bytes.len().div_ceil(1024 * 1024),
            MAX_EVIDENCE_BYTES / (1024 * 1024)
        )));
    }
    if bytes.is_empty() {
        return Err(ApiError::invalid(format!("{name} is empty")));
    }
    let sha = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let media = media_type_of(&name);
    let mut w = d.writer("dispute", now)?;
    if w.dispute_state(DisputeId(id))?.is_none() {
        return Err(ApiError::invalid(format!("no dispute {id} in this dossier")));
    }
    let document = match w.document_by_hash(&sha)? {
        Some((doc, _)) => doc,
        None => w.document(&sha, &name, media, bytes)?,
    };
    let size = bytes.len() as u64;
    let evidence = w.dispute_evidence(DisputeId(id), document, &name, media, size, &sha, note.trim())?;
    w.dispute_event(
        DisputeId(id),
        "evidence",
        &format!("pièce ajoutée : {name} ({size} octets, SHA-256 {sha})"),
        "user",
    )?;
    w.commit(
        "user",
        "dispute.evidence",
        serde_json::json!({ "dispute": id, "file": name, "sha256": sha, "size": size }),
    )?;
    Ok(EvidenceView {
        id: evidence,
        file_name: name,
        media_type: media.to_owned(),
        size,
        sha256: sha,
        added_at: now.to_string(),
        note: note.trim().to_owned(),
    })
}

/// Attaches a file read from disk ([`attach_evidence`]); the size is checked before reading.
pub fn attach_evidence_file(
    d: &mut Dossier,
    id: i64,
    path: &Path,
    note: &str,
    now: NaiveDateTime,
) -> Result<EvidenceView, ApiError> {
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()));
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_EVIDENCE_BYTES as u64 {
        return Err(ApiError::invalid(format!(
            "{} is {} MiB: a file attached to a dispute is at most {} MiB",
            path.display(),
            len.div_ceil(1024 * 1024),
            MAX_EVIDENCE_BYTES / (1024 * 1024)
        )));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("pièce");
    attach_evidence(d, id, name, &bytes, note, now)
}

/// A file attached to a dispute, with its bytes as they were added (checked against their hash).
pub fn evidence_content(d: &Dossier, evidence: i64) -> Result<(EvidenceView, Vec<u8>), ApiError> {
    let e = store::evidence_item(d, evidence)?
        .ok_or_else(|| ApiError::invalid(format!("no evidence {evidence} in this dossier")))?;
    let bytes = crate::import::original(d, &e.sha256)?
        .ok_or_else(|| ApiError::new(ErrorCode::Storage, format!("the file of evidence {evidence} is missing")))?;
    Ok((evidence_view(&e), bytes))
}

/// Writes an attached file to `out` (a file, or a folder where it keeps its name); returns the
/// path written. The file is written beside and renamed into place: never half-written.
pub fn export_evidence(d: &Dossier, evidence: i64, out: &Path) -> Result<std::path::PathBuf, ApiError> {
    let (view, bytes) = evidence_content(d, evidence)?;
    let target = if out.is_dir() { out.join(&view.file_name) } else { out.to_owned() };
    write_atomically(&target, &bytes)?;
    Ok(target)
}

pub(crate) fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", target.display()));
    let tmp = target.with_extension(format!("{}.part", target.extension().and_then(|e| e.to_str()).unwrap_or("tmp")));
    // A failed write or rename leaves neither a half-written target nor the temporary file.
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, target));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(io)
}

/// Adds a task to a dispute; returns its id.
pub fn add_dispute_task(
    d: &mut Dossier,
    id: i64,
    title: &str,
    owner: &str,
    due_on: &str,
    now: NaiveDateTime,
) -> Result<i64, ApiError> {
    if title.trim().is_empty() {
        return Err(ApiError::invalid("the task has no title"));
    }
    let due = parse_date(due_on, "due date")?;
    let mut w = d.writer("dispute", now)?;
    if w.dispute_state(DisputeId(id))?.is_none() {
        return Err(ApiError::invalid(format!("no dispute {id} in this dossier")));
    }
    let task = w.dispute_task(DisputeId(id), title.trim(), owner.trim(), due)?;
    let who = if owner.trim().is_empty() { String::new() } else { format!(" ({})", owner.trim()) };
    w.dispute_event(DisputeId(id), "task", &format!("tâche : {}{who}, pour le {due}", title.trim()), "user")?;
    w.commit(
        "user",
        "dispute.task",
        serde_json::json!({ "dispute": id, "task": task, "title": title.trim(),
                                                          "owner": owner.trim(), "due_on": due.to_string() }),
    )?;
    Ok(task)
}

/// Sets a task's state: `todo` (à faire), `done` (fait), `cancelled` (annulée).
pub fn set_dispute_task_state(d: &mut Dossier, task: i64, state: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    let label = match state {
        "todo" => "à faire",
        "done" => "fait",
        "cancelled" => "annulée",
        other => return Err(ApiError::invalid(format!("unknown task state {other:?}: use todo, done or cancelled"))),
    };
    let mut w = d.writer("dispute", now)?;
    let (dispute, title, before) = w.set_dispute_task_state(task, state).map_err(ApiError::from)?;
    w.dispute_event(dispute, "task_state", &format!("tâche « {title} » : {label}"), "user")?;
    w.commit("user", "dispute.task_state", serde_json::json!({ "task": task, "before": before, "after": state }))?;
    Ok(())
}

/// Resolves a dispute (see the module documentation); one unit of work, audited.
pub fn resolve_dispute(d: &mut Dossier, id: i64, input: &ResolveInput, now: NaiveDateTime) -> Result<(), ApiError> {
    let outcome = input.outcome.trim().replace('-', "_");
    if !matches!(outcome.as_str(), "credit_note" | "corrected" | "partial" | "rejected") {
        return Err(ApiError::invalid(format!(
            "unknown outcome {:?}: use credit_note, corrected, partial or rejected",
            input.outcome
        )));
    }
    let r = record(d, id)?;
    if r.state != "open" {
        return Err(ApiError::invalid(format!("dispute {id} is already resolved")));
    }
    let currency = r.currency;
    let open: Decimal = r.invoices.iter().map(|i| i.outstanding).sum();
    // What the resolution needs from the ledger, looked up before the unit of work.
    let credit = match input.credit_note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(number) => {
            let (cn, cn_currency, left) = store::credit_note_by_number(d, r.client_id, number)?.ok_or_else(|| {
                ApiError::invalid(format!("no credit note numbered {number:?} for {} in this dossier", r.client_name))
            })?;
            if cn_currency != currency {
                return Err(ApiError::invalid(format!("credit note {number} is not in {}", currency.code())));
            }
            if left <= Decimal::ZERO {
                return Err(ApiError::invalid(format!("credit note {number} has nothing left to allocate")));
            }
            Some((cn, number.to_owned(), left))
        }
        None if outcome == "credit_note" => {
            return Err(ApiError::invalid("a resolution by credit note names the credit note (its number)"))
        }
        None => None,
    };
    let corrected = match input.corrected_invoice.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(number) => {
            let found = store::invoices_by_number(d, number)?
                .into_iter()
                .find(|(_, c, kind)| c.0 == r.client_id && kind != "credit_note")
                .ok_or_else(|| {
                    ApiError::invalid(format!("no corrected invoice numbered {number:?} for {}", r.client_name))
                })?;
            Some((found.0, number.to_owned()))
        }
        None if outcome == "corrected" => {
            return Err(ApiError::invalid("a resolution by corrected invoice names the corrected invoice (its number)"))
        }
        None => None,
    };
    let accepted = match input.accepted_amount.as_deref().filter(|a| !a.trim().is_empty()) {
        Some(a) => {
            let m = parse_amount(a, "accepted amount", currency)?;
            if m.amount.is_sign_negative() || m.amount > open {
                return Err(ApiError::invalid(format!(
                    "the accepted amount {} must be between 0 and what the invoices have open ({open})",
                    m.amount
                )));
            }
            Some(m.amount)
        }
        None if outcome == "partial" => {
            return Err(ApiError::invalid("a partial agreement says the amount the client accepts to pay"))
        }
        None => None,
    };

    let company = d.company()?;
    let mut w = d.writer("dispute", now)?;
    writer_open(&w, id)?;
    let mut words: Vec<String> = vec![outcome_fr(&outcome).to_owned()];
    // 1. A credit note settles the invoices (oldest first), up to what it has left; for a partial
    //    agreement, up to what the client does not accept to pay.
    let mut allocated = Decimal::ZERO;
    if let Some((cn, number, left)) = &credit {
        let mut budget = *left;
        if let Some(a) = accepted {
            budget = budget.min((open - a).max(Decimal::ZERO));
        }
        for inv in r.invoices.iter().filter(|i| i.id != corrected.as_ref().map_or(0, |c| c.0 .0)) {
            let take = budget.min(w.invoice_outstanding(InvoiceId(inv.id))?.unwrap_or_default());
            if take <= Decimal::ZERO {
                continue;
            }
            let alloc_id = w.next_allocation_id()?;
            w.allocation(&Allocation {
                id: alloc_id,
                invoice_id: InvoiceId(inv.id),
                from: AllocationFrom::CreditNote(*cn),
                amount: Money::new(take, currency),
                applied_on: now.date(),
            })?;
            budget -= take;
            allocated += take;
            words.push(format!("avoir {number} imputé sur {} pour {}", inv.number, money(take)));
        }
        if allocated.is_zero() {
            return Err(ApiError::invalid(format!("credit note {number}: nothing left open to allocate it to")));
        }
    }
    // 2. Close the dispute before any status is applied, so the status's own closing finds it
    //    closed with this outcome.
    let resolution = serde_json::json!({
        "outcome": outcome,
        "credit_note": credit.as_ref().map(|c| c.1.clone()),
        "allocated": credit.as_ref().map(|_| money(allocated)),
        "corrected_invoice": corrected.as_ref().map(|c| c.1.clone()),
        "accepted_amount": accepted.map(money),
        "note": input.note.trim(),
    });
    w.close_dispute(DisputeId(id), &outcome, &resolution.to_string())?;
    // 3. Dunning: what stays due resumes; a replaced invoice is cancelled; a settled one is left.
    let source = Source::at(format!("encours:dispute/{id}"), format!("resolution {outcome}"));
    // A partial agreement shares the accepted amount over the invoices, the earliest due first
    // (the oldest debt is the one the client settles first): what each has left beyond its share
    // is the part the client will not pay.
    let mut shares: BTreeMap<i64, Decimal> = BTreeMap::new();
    if let Some(mut accepted_left) = accepted.filter(|_| outcome == "partial") {
        let mut by_due: Vec<&store::DisputeInvoiceRow> = r.invoices.iter().collect();
        by_due.sort_by_key(|i| (i.due_date, i.issue_date, i.id));
        for inv in by_due {
            let left = w.invoice_outstanding(InvoiceId(inv.id))?.unwrap_or_default();
            let share = accepted_left.min(left).max(Decimal::ZERO);
            accepted_left -= share;
            shares.insert(inv.id, share);
        }
    }
    for inv in &r.invoices {
        let invoice = InvoiceId(inv.id);
        if corrected.as_ref().is_some_and(|c| c.0 == invoice) {
            continue;
        }
        let left = w.invoice_outstanding(invoice)?.unwrap_or_default();
        let status = if outcome == "corrected" {
            Some(LifecycleStatus::Annulee)
        } else if left > Decimal::ZERO && status_paused(&w, invoice)? {
            Some(LifecycleStatus::Completee)
        } else {
            None
        };
        let mut state = w.collection_state(invoice)?;
        if let Some(status) = status {
            if !w.status_exists(invoice, status.code(), now)? {
                let event = StatusEvent {
                    invoice_id: invoice,
                    status,
                    at: now,
                    reason_code: None,
                    reason: Some(format!("litige n° {id} résolu : {}", outcome_fr(&outcome))),
                    action_code: None,
                    action: None,
                    amounts: Vec::new(),
                    source: source.clone(),
                };
                words.extend(apply_status(&mut w, &event)?);
                state = w.collection_state(invoice)?;
                // The seller's 209 / 220 goes to the platform too (legal-rules B.2): queued with
                // the resolution, sent by the platform sync like the 212.
                if let Some(brief) = w.invoice_brief(invoice)? {
                    // The invoice's seller; the company's SIREN when the invoice's does not parse.
                    let seller_siren = brief
                        .seller_siren
                        .as_deref()
                        .and_then(|s| encours_domain::Siren::parse(s).ok())
                        .unwrap_or_else(|| company.siren.clone());
                    let message = outbox::StatusMessage {
                        status,
                        at: now,
                        seller_siren: &seller_siren,
                        seller_name: &company.name,
                        buyer_siren: brief.client_siren.as_deref(),
                        buyer_name: &brief.client_name,
                        number: &brief.number,
                        type_code: brief.type_code,
                        issue_date: brief.issue_date,
                    };
                    w.enqueue(
                        &outbox::kind(status),
                        Some(invoice),
                        None,
                        &outbox::cdar(&message).map_err(|e| ApiError::invalid(e.to_string()))?,
                    )?;
                    words.push(format!(
                        "statut {} {} de {} mis en file pour la plateforme",
                        status.code(),
                        status.label_fr().unwrap_or_default(),
                        brief.number
                    ));
                }
            }
        }
        // The dispute no longer holds what is left of the invoice.
        state.disputed_amount = None;
        if state.dunning_hold.as_deref() == Some("dispute") {
            state.dunning_hold = None;
        }
        if outcome == "partial" {
            // The agreed split is kept per invoice like a 206's MAP/MNA (legal-rules B.2): the
            // dunning snapshot dunns the accepted part and holds back the rest.
            let share = shares.get(&inv.id).copied().unwrap_or_default();
            state.approved_amount = Some(share);
            state.disputed_amount = (left > share).then_some(left - share);
        }
        w.put_collection_state(invoice, &state)?;
        if left.is_zero() {
            words.push(format!("{} soldée : rien à relancer", inv.number));
        } else if outcome != "corrected" {
            words.push(format!("relances reprises sur {} ({} restant dû)", inv.number, money(left)));
        }
    }
    if let Some((cid, number)) = &corrected {
        w.dispute_link_invoice(DisputeId(id), *cid)?;
        words.push(format!("remplacée par la facture rectificative {number}"));
    }
    let mut text = words.join(" · ");
    if !input.note.trim().is_empty() {
        text.push_str(&format!(" — {}", input.note.trim()));
    }
    w.dispute_event(DisputeId(id), "resolved", &text, "user")?;
    w.commit("user", "dispute.resolve", serde_json::json!({ "dispute": id, "resolution": resolution }))?;
    Ok(())
}

/// True when the invoice's status history (as the dunning engine replays it) holds an open
/// dispute that pauses dunning.
fn status_paused(w: &encours_store::LedgerWriter<'_>, invoice: InvoiceId) -> Result<bool, ApiError> {
    let Some(brief) = w.invoice_brief(invoice)? else { return Ok(false) };
    let mut state = encours_engines::lifecycle::InvoiceState::new(brief.outstanding);
    let mut history = w.status_events(invoice)?;
    history.sort_by_key(|e| e.at);
    for e in &history {
        state.apply(e);
    }
    Ok(state.dispute.as_ref().is_some_and(|d| d.pauses_dunning) && state.ended.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_maps_to_afnor_codes_that_map_back_to_it() {
        for r in REASONS {
            for code in afnor_codes(r) {
                assert_eq!(DisputeReason::from_afnor(code), r, "{code}");
            }
            assert_eq!(parse_reason(store::reason_str(r)).unwrap(), r);
            assert_eq!(parse_reason(r.label_fr()).unwrap(), r);
        }
        assert_eq!(parse_reason("QTE_ERR").unwrap(), DisputeReason::Quantity);
        assert_eq!(parse_reason("missing-reference").unwrap(), DisputeReason::MissingReference);
        assert!(parse_reason("weather").is_err());
    }

    /// Through the app: a 207 of the corpus disputes F202500006; the client then agrees to pay all
    /// but 250 € and no credit note is issued. Today's plan duns the accepted part only (the
    /// invoice, the action's total), the rest is never chased; once the accepted part is paid,
    /// the invoice waits instead of being dunned for the remainder.
    fn test_now() -> NaiveDateTime {
        "2026-11-23T09:30:00".parse().unwrap()
    }

    /// A dossier with the corpus invoice F202500006 disputed by its 207 En litige: the dossier and
    /// the invoice's id.
    fn disputed_corpus_invoice(dir: &Path) -> (Dossier, i64) {
        corpus_invoice(dir, true)
    }

    /// A dossier with the corpus invoice F202500006, and its 207 when `with_207`.
    fn corpus_invoice(dir: &Path, with_207: bool) -> (Dossier, i64) {
        use encours_store::{DossierKey, KeySource};
        let keys = KeySource::Environment(DossierKey::from_hex(&"6c".repeat(32)).unwrap());
        let mut d =
            crate::create_dossier(&dir.join("d.encours"), "552081317", "ACME Industrie", &keys, test_now()).unwrap();
        let corpus = std::env::var_os("ENCOURS_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
        let cancel = std::sync::atomic::AtomicBool::new(false);
        let files = ["facturx/UC4_F202500006_00-INV_20250701.pdf", "lifecycle/UC4_F202500006_04-CDV-207_En_litige.xml"];
        for f in files.iter().take(if with_207 { 2 } else { 1 }) {
            let r = crate::import_paths(&mut d, &[corpus.join(f)], test_now(), &mut |_| {}, &cancel).unwrap();
            assert_eq!(r.imported, 1, "{:#?}", r.files);
        }
        let invoice = store::invoices_by_number(&d, "F202500006").unwrap()[0].0 .0;
        (d, invoice)
    }

    /// The outbox rows of an invoice: `(kind, status read back from the payload)`.
    fn queued(d: &Dossier, invoice: i64) -> Vec<(String, u16)> {
        encours_store::money_in::outbox(d)
            .unwrap()
            .into_iter()
            .filter(|r| r.invoice == Some(InvoiceId(invoice)) && r.state == "queued")
            .map(|r| {
                let read = encours_readers::lifecycle::read_cdar_bytes("outbox.xml", r.payload.as_bytes()).unwrap();
                assert_eq!(read.acknowledgements[0].invoice_number, "F202500006");
                (r.kind, read.acknowledgements[0].status.code())
            })
            .collect()
    }

    /// A rejected claim on a 207: the seller's 209 Complétée that resumes dunning is also queued
    /// for the platform (legal-rules B.2), in the resolution's unit of work.
    #[test]
    fn a_rejected_claim_queues_the_209_for_the_platform() {
        let dir = tempfile::tempdir().unwrap();
        let (mut d, invoice) = disputed_corpus_invoice(dir.path());
        assert!(queued(&d, invoice).is_empty());
        let id = store::all(&d).unwrap()[0].id;
        let input = ResolveInput { outcome: "rejected".into(), ..ResolveInput::default() };
        resolve_dispute(&mut d, id, &input, test_now()).unwrap();
        assert_eq!(queued(&d, invoice), vec![("cdar209".to_owned(), 209)]);
        let view = dispute(&d, id, test_now().date()).unwrap();
        let resolved = view.timeline.iter().find(|e| e.kind == "resolved").unwrap();
        assert!(resolved.text.contains("statut 209 Complétée de F202500006 mis en file"), "{}", resolved.text);
    }

    /// A corrective invoice (384) replaces the disputed one: the 220 Annulée of the replaced
    /// invoice is queued for the platform, nothing for the corrective one.
    #[test]
    fn a_corrected_invoice_queues_the_220_of_the_replaced_one() {
        let dir = tempfile::tempdir().unwrap();
        let (mut d, invoice) = disputed_corpus_invoice(dir.path());
        let r = store::get(&d, store::all(&d).unwrap()[0].id).unwrap().unwrap();
        let corrective = invoice_of(
            &mut d,
            r.client_id,
            ("F202500006-R", 384, encours_domain::InvoiceKind::Corrective),
            Decimal::from(1000),
            (test_now().date(), test_now().date() + chrono::Days::new(30)),
        );
        let input = ResolveInput {
            outcome: "corrected".into(),
            corrected_invoice: Some("F202500006-R".into()),
            ..ResolveInput::default()
        };
        resolve_dispute(&mut d, r.id, &input, test_now()).unwrap();
        assert_eq!(queued(&d, invoice), vec![("cdar220".to_owned(), 220)]);
        assert!(queued(&d, corrective.0).is_empty());
    }

    /// An invoice of the client in the ledger, in euros: `(number, type code, kind)`, `(issue,
    /// due)`.
    fn invoice_of(
        d: &mut Dossier,
        client: i64,
        (number, type_code, kind): (&str, u16, encours_domain::InvoiceKind),
        amount: Decimal,
        (issue_date, due_date): (NaiveDate, NaiveDate),
    ) -> InvoiceId {
        let mut w = d.writer("test", test_now()).unwrap();
        let id = w.next_invoice_id().unwrap();
        let m = Money::eur(amount);
        w.invoice(&encours_domain::Invoice {
            kind,
            preceding_invoice: Some("F202500006".to_owned()),
            ..encours_domain::Invoice::simple(
                id,
                ClientId(client),
                number.to_owned(),
                type_code,
                (issue_date, due_date),
                encours_domain::InvoiceTotals::simple(m, m),
                Source::at("test.xml", "/Invoice"),
            )
        })
        .unwrap();
        w.commit("test", "test.invoice", serde_json::json!({})).unwrap();
        id
    }

    /// A dispute over two invoices settled by a partial agreement: the accepted amount goes to
    /// the invoice due first (here the one recorded last), the other keeps only what is left of
    /// it; the plan duns each for its share.
    #[test]
    fn a_partial_agreement_over_two_invoices_goes_to_the_one_due_first() {
        let dir = tempfile::tempdir().unwrap();
        let (mut d, corpus) = corpus_invoice(dir.path(), false);
        let client = encours_store::money_in::invoice(&d, InvoiceId(corpus)).unwrap().unwrap().client.0;
        let d0 = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let older = invoice_of(
            &mut d,
            client,
            ("F202500001-A", 380, encours_domain::InvoiceKind::Invoice),
            Decimal::from(500),
            (d0(2025, 4, 1), d0(2025, 5, 1)),
        );
        let id = open_dispute(
            &mut d,
            &NewDisputeInput {
                invoice_ids: vec![corpus, older.0],
                reason: "price".into(),
                ..NewDisputeInput::default()
            },
            test_now(),
        )
        .unwrap();
        let input =
            ResolveInput { outcome: "partial".into(), accepted_amount: Some("600".into()), ..ResolveInput::default() };
        resolve_dispute(&mut d, id, &input, test_now()).unwrap();
        let plan = crate::dunning::dunning_plan(&d, test_now().date()).unwrap();
        let dunned = |invoice: i64| {
            plan.actions
                .iter()
                .flat_map(|a| a.invoices.iter())
                .find(|i| i.invoice_id == invoice)
                .map(|i| i.dunned.parse::<Decimal>().unwrap())
        };
        assert_eq!(dunned(older.0), Some(Decimal::from(500)), "the invoice due first is accepted in full");
        assert_eq!(dunned(corpus), Some(Decimal::from(100)), "the other for the rest of the 600 accepted");
    }

    #[test]
    fn after_a_partial_agreement_without_a_credit_note_only_the_accepted_part_is_dunned() {
        let now = test_now();
        let dir = tempfile::tempdir().unwrap();
        let (mut d, invoice) = disputed_corpus_invoice(dir.path());
        let on_plan = |d: &Dossier| {
            let plan = crate::dunning::dunning_plan(d, now.date()).unwrap();
            let action = plan.actions.iter().find(|a| a.invoices.iter().any(|i| i.invoice_id == invoice)).cloned();
            let paused = plan.paused.iter().find(|p| p.invoice_id == Some(invoice)).map(|p| p.rule.clone());
            (action, paused)
        };
        assert_eq!(on_plan(&d).1.as_deref(), Some("dispute"), "the 207 pauses dunning");
        let id = store::all(&d).unwrap()[0].id;
        let open: Decimal = store::get(&d, id).unwrap().unwrap().invoices[0].outstanding;
        let accepted = open - Decimal::from(250);
        resolve_dispute(
            &mut d,
            id,
            &ResolveInput {
                outcome: "partial".into(),
                accepted_amount: Some(accepted.to_string()),
                ..ResolveInput::default()
            },
            now,
        )
        .unwrap();
        let (action, paused) = on_plan(&d);
        assert_eq!(paused, None);
        let action = action.expect("the accepted part is dunned");
        let line = action.invoices.iter().find(|i| i.invoice_id == invoice).unwrap();
        assert_eq!(line.dunned.parse::<Decimal>().unwrap(), accepted, "only the accepted part: {line:?}");
        assert_eq!(line.outstanding.parse::<Decimal>().unwrap(), open, "the ledger still has it all open");
        assert!(line.partially_approved);
        assert_eq!(action.invoices.len(), 1);
        assert_eq!(action.amount.parse::<Decimal>().unwrap(), accepted, "the action asks for the accepted part");

        // The client pays what it accepted: the 250 € it refused are not chased.
        let r = store::get(&d, id).unwrap().unwrap();
        let mut w = d.writer("test", now).unwrap();
        let state = w.collection_state(InvoiceId(invoice)).unwrap();
        assert_eq!((state.approved_amount, state.disputed_amount), (Some(accepted), Some(Decimal::from(250))));
        let paid = Money::new(accepted, r.currency);
        let payment = w.next_payment_id().unwrap();
        w.payment(&encours_domain::Payment {
            id: payment,
            client_id: Some(ClientId(r.client_id)),
            booked_on: now.date(),
            value_date: None,
            amount: paid,
            payer_name: None,
            payer_iban: None,
            remittance: None,
            bank_reference: None,
            source: Source::at("test", "payment"),
        })
        .unwrap();
        let allocation = w.next_allocation_id().unwrap();
        w.allocation(&Allocation {
            id: allocation,
            invoice_id: InvoiceId(invoice),
            from: AllocationFrom::Payment(payment),
            amount: paid,
            applied_on: now.date(),
        })
        .unwrap();
        w.commit("test", "test.pay", serde_json::json!({})).unwrap();
        let (action, paused) = on_plan(&d);
        assert!(action.is_none(), "{action:?}");
        assert_eq!(paused.as_deref(), Some("dispute"), "the remainder waits for its credit note");
    }

    #[test]
    fn media_types_follow_the_file_name() {
        assert_eq!(media_type_of("BL 2026-11.PDF"), "application/pdf");
        assert_eq!(media_type_of("réclamation.eml"), "message/rfc822");
        assert_eq!(media_type_of("photo.jpeg"), "image/jpeg");
        assert_eq!(media_type_of("sans-extension"), "application/octet-stream");
    }
}
