//! Dunning (relances): today's plan, the run that records it in the outbox, promises to pay,
//! phone tasks, scenarios and templates.
//!
//! The plan is computed by [`encours_engines::dunning::plan`] from the snapshot
//! [`encours_store::dunning::snapshot`] reads (only open items overdue or soon due). A run records
//! each planned action in the `dunning_actions` outbox with its rendered text — nothing is sent here;
//! the channels read the outbox — and a phone task for each call; an action already recorded is
//! recognised by its key, so running twice records nothing twice. Every action, outcome and
//! change of scenario or template writes its audit entry in the same transaction.
//!
//! The default French scenario and templates are written to the dossier on first use (the first
//! run or edit), not by the migration: their texts live in code (`encours_domain::dunning`), where
//! they are tested, and a released migration is never edited. Until then the plan uses them from
//! code, so a plan never writes to the dossier.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::dunning::{
    default_scenario, default_templates, shared_text, shared_text_opt, template_variables, Anchor, Channel,
    ClientOverride, InsolvencyCase, PauseReason, PhoneOutcome, PromiseChannel, Scenario, ScenarioId, SegmentFilter,
    Step, Template, Tone,
};
use encours_domain::{ClientId, Currency, InvoiceId};
use encours_engines::dunning::{self as engine, IdHash, Plan, PlannedAction};
use encours_store::dunning::{self as store, ActionRecord};
use encours_store::Dossier;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ApiError;

/// The deadline a mise en demeure gives (legal-rules A.3: 8 or 15 days are common).
pub const MISE_EN_DEMEURE_DELAY: &str = "huit jours";

// ---------------------------------------------------------------------------------------------
// DTOs.
// ---------------------------------------------------------------------------------------------

/// An invoice of a planned action.
///
/// The texts are shared (`Arc<str>`): the plan of a large portfolio lists a hundred thousand
/// invoices, whose numbers come from the snapshot and whose due dates and amounts repeat; sharing
/// them instead of allocating each is a large part of planning two million invoices quickly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlannedInvoiceView {
    /// Invoice id.
    #[ts(type = "number")]
    pub invoice_id: i64,
    /// Number (BT-1).
    #[serde(with = "shared_text")]
    #[ts(type = "string")]
    pub number: Arc<str>,
    /// Due date (ISO).
    #[serde(with = "shared_text")]
    #[ts(type = "string")]
    pub due_date: Arc<str>,
    /// Open amount, decimal string.
    #[serde(with = "shared_text")]
    #[ts(type = "string")]
    pub outstanding: Arc<str>,
    /// The part dunned (the approved part after a 206), decimal string.
    #[serde(with = "shared_text")]
    #[ts(type = "string")]
    pub dunned: Arc<str>,
    /// Days past due (negative: not yet due).
    #[ts(type = "number")]
    pub days_late: i64,
    /// A 206 limits what is dunned.
    pub partially_approved: bool,
}

/// One action of today's plan. The channel is a static code and the scenario, step,
/// template and date texts are shared with the plan (see [`PlannedInvoiceView`]); all serialise as
/// plain strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlannedActionView {
    /// Idempotency key.
    pub key: String,
    /// `reminder`, `promise_follow_up`, `claim_declaration`, `payment_order`.
    pub kind: String,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Scenario name, for a reminder.
    #[serde(with = "shared_text_opt")]
    #[ts(type = "string | null")]
    pub scenario: Option<Arc<str>>,
    /// Step name, or what the action is.
    #[serde(with = "shared_text")]
    #[ts(type = "string")]
    pub step_name: Arc<str>,
    /// Level (1-based step; 0 outside a scenario).
    pub level: u32,
    /// `email`, `letter`, `lrar`, `lre`, `phone`, `sms`.
    #[ts(type = "string")]
    pub channel: &'static str,
    /// `courtois`, `ferme`, `dernier_avis`, `mise_en_demeure`.
    pub tone: String,
    /// Template family.
    #[serde(with = "shared_text")]
    #[ts(type = "string")]
    pub template_id: Arc<str>,
    /// A person must validate it.
    pub needs_validation: bool,
    /// A proposal of escalation (mise en demeure, injonction de payer, claim declaration).
    pub escalation: bool,
    /// Currency.
    pub currency: String,
    /// Total dunned, decimal string.
    pub amount: String,
    /// The due date the level follows (ISO).
    #[serde(with = "shared_text")]
    #[ts(type = "string")]
    pub reference_due: Arc<str>,
    /// Days past it.
    #[ts(type = "number")]
    pub days_late: i64,
    /// The invoices.
    pub invoices: Vec<PlannedInvoiceView>,
    /// Why, in plain words.
    pub note: String,
}

/// An invoice held back today, and the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PausedView {
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Invoice id.
    #[ts(type = "number | null")]
    pub invoice_id: Option<i64>,
    /// Invoice number.
    pub number: Option<String>,
    /// Amount held back, decimal string.
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// `dispute`, `promise`, `payment_transmitted`, `insolvency`, `not_collectable`, `cancelled`,
    /// `client_paused`.
    pub rule: String,
    /// The reason in French.
    pub reason: String,
}

/// How many items one pause rule holds back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PauseCount {
    /// The rule (as in [`PausedView::rule`]).
    pub rule: String,
    /// Items.
    #[ts(type = "number")]
    pub items: u64,
}

/// Today's plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlanView {
    /// The date (ISO).
    pub as_of: String,
    /// The actions, most days late first.
    pub actions: Vec<PlannedActionView>,
    /// What is held back, and why.
    pub paused: Vec<PausedView>,
    /// Held-back items per rule.
    pub paused_by_rule: Vec<PauseCount>,
    /// Actions already recorded by an earlier run (not planned again).
    #[ts(type = "number")]
    pub already_recorded: u64,
    /// The scenarios come from code because the dossier has none yet (first use).
    pub default_scenarios: bool,
}

/// An action a run recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecordedActionView {
    /// Outbox id.
    #[ts(type = "number")]
    pub id: i64,
    /// Client name.
    pub client_name: String,
    /// Channel code.
    pub channel: String,
    /// `planned` (waits for validation) or `validated` (ready for its channel).
    pub state: String,
    /// Rendered subject.
    pub subject: String,
    /// Amount, decimal string.
    pub amount: String,
}

/// What a run recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunReport {
    /// The date (ISO).
    pub as_of: String,
    /// Actions recorded now.
    pub recorded: Vec<RecordedActionView>,
    /// Planned actions already in the outbox (recorded by an earlier run).
    #[ts(type = "number")]
    pub already_recorded: u64,
    /// Phone tasks added.
    #[ts(type = "number")]
    pub phone_tasks: u64,
    /// Of the recorded actions, those waiting for a person's validation.
    #[ts(type = "number")]
    pub waiting_validation: u64,
    /// The default scenario and templates were written to the dossier by this run (first use).
    pub wrote_defaults: bool,
    /// For a run of selected actions: the keys asked for that are not in today's plan (recorded by
    /// an earlier run, or no longer due). Empty for a run of the whole plan.
    pub not_planned: Vec<String>,
}

/// Which actions of today's plan a run records: those of the listed clients and those whose key is
/// listed (an action matching either is recorded). In JSON `{"clientIds": [12], "keys": []}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunSelection {
    /// Every action of these clients.
    #[ts(type = "Array<number>")]
    #[serde(default)]
    pub client_ids: Vec<i64>,
    /// These actions ([`PlannedActionView::key`]).
    #[serde(default)]
    pub keys: Vec<String>,
}

impl RunSelection {
    fn is_empty(&self) -> bool {
        self.client_ids.is_empty() && self.keys.is_empty()
    }

    fn takes(&self, a: &PlannedAction) -> bool {
        self.client_ids.contains(&a.client_id.0) || self.keys.contains(&a.key)
    }
}

/// The message an action of today's plan would record: its template filled with the values a run
/// uses (same code), so the preview is what will be queued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewView {
    /// The action's key.
    pub key: String,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Channel code.
    pub channel: String,
    /// The template family (empty for a proposal outside the templates).
    pub template_id: String,
    /// The language of the template used (the client's, else French).
    pub language: String,
    /// Subject, filled.
    pub subject: String,
    /// Body, filled.
    pub body: String,
    /// Variables left as `{name}` because they have no value (or are unknown): a run would refuse
    /// this action until the template or the data is fixed.
    pub missing_variables: Vec<String>,
}

/// A row of the dunning outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutboxActionView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Level.
    #[ts(type = "number")]
    pub level: i64,
    /// Channel.
    pub channel: String,
    /// Tone.
    pub tone: String,
    /// Currency.
    pub currency: String,
    /// Amount, decimal string.
    pub amount: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Needs validation.
    pub needs_validation: bool,
    /// `planned`, `validated`, `sent`, `failed`, `cancelled`.
    pub state: String,
    /// Outcome.
    pub outcome: Option<String>,
    /// Planned on (ISO).
    pub planned_on: String,
}

/// A promise to pay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PromiseView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Made on (ISO).
    pub made_on: String,
    /// Promised for (ISO).
    pub promised_for: String,
    /// Amount, decimal string.
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// How it was made, when recorded.
    pub channel: Option<String>,
    /// Paid by the promised date (or as of), decimal string.
    pub paid: String,
    /// `pending`, `kept`, `broken` on the as-of date (`Promise::state_on`).
    pub state: String,
}

/// The promises and how well they are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PromisesView {
    /// The date (ISO).
    pub as_of: String,
    /// Newest promised date first.
    pub promises: Vec<PromiseView>,
    /// Promises whose date has passed.
    #[ts(type = "number")]
    pub due: u64,
    /// Of those, kept.
    #[ts(type = "number")]
    pub kept: u64,
    /// Kept ÷ due, decimal string with 4 decimals; null when none is due yet.
    pub kept_rate: Option<String>,
}

/// A promise to record.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewPromise {
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Invoices covered (empty: the account).
    #[ts(type = "Array<number>")]
    pub invoice_ids: Vec<i64>,
    /// Promised for (ISO).
    pub promised_for: String,
    /// Amount, decimal string.
    pub amount: String,
    /// Currency (default EUR).
    pub currency: Option<String>,
    /// `phone`, `email`, `letter`, `platform`, `other`.
    pub channel: String,
}

/// A phone task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PhoneTaskView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// The action that created it.
    #[ts(type = "number | null")]
    pub action_id: Option<i64>,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// To do on (ISO).
    pub due_on: String,
    /// What to call about.
    pub subject: String,
    /// Details.
    pub body: String,
    /// `open` or `done`.
    pub state: String,
    /// Outcome code.
    pub outcome: Option<String>,
}

/// What a call gave. In JSON `{"kind": "promise", "date": "2026-12-01", "amount": "500.00"}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum PhoneOutcomeInput {
    /// A promise to pay.
    Promise {
        /// Promised for (ISO).
        date: String,
        /// Amount, decimal string.
        amount: String,
    },
    /// A dispute.
    Dispute {
        /// What the client says.
        note: String,
    },
    /// Wrong number or person.
    WrongContact,
    /// No answer.
    NoAnswer,
}

/// A step of a scenario, as shown and edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StepDto {
    /// Name.
    pub name: String,
    /// `due_date`, `made_available`, `previous_step`.
    pub anchor: String,
    /// Days after the anchor (negative: before the due date).
    pub offset_days: i32,
    /// `email`, `letter`, `lrar`, `lre`, `phone`, `sms`.
    pub channel: String,
    /// `courtois`, `ferme`, `dernier_avis`, `mise_en_demeure`.
    pub tone: String,
    /// Template family.
    pub template_id: String,
    /// A person validates before sending (forced for a mise en demeure).
    pub needs_validation: bool,
}

/// A scenario, as shown and edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScenarioDto {
    /// Id (0 to create one).
    #[ts(type = "number")]
    pub id: i64,
    /// Name.
    pub name: String,
    /// Lower first.
    pub priority: i32,
    /// Active.
    pub active: bool,
    /// Minimum overdue amount, decimal string.
    pub min_amount: Option<String>,
    /// Maximum overdue amount, decimal string.
    pub max_amount: Option<String>,
    /// Risk grades.
    pub risk_grades: Vec<String>,
    /// NAF prefixes.
    pub naf_prefixes: Vec<String>,
    /// Named clients.
    #[ts(type = "Array<number>")]
    pub client_ids: Vec<i64>,
    /// Steps in order.
    pub steps: Vec<StepDto>,
}

/// A template, as shown and edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TemplateDto {
    /// Family id.
    pub id: String,
    /// Language.
    pub language: String,
    /// Tone code.
    pub tone: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// The variables it uses (filled in on output; ignored on input).
    #[serde(default)]
    pub variables: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Conversions.
// ---------------------------------------------------------------------------------------------

/// An amount as a decimal string with at most two decimals: `d.round_dp(2).to_string()`, written
/// without the formatting machinery (the plan writes two hundred thousand of them).
fn money(d: Decimal) -> String {
    with_money(d, |s| s.to_owned())
}

/// [`money`] as a shared string, written straight into it (the plan writes one per invoice).
fn money_shared(d: Decimal) -> Arc<str> {
    with_money(d, |s| Arc::from(s))
}

/// Calls `f` with the amount rounded to two places as text, written on the stack.
fn with_money<R>(d: Decimal, f: impl FnOnce(&str) -> R) -> R {
    let r = d.round_dp(2);
    let scale = r.scale() as usize;
    let Ok(mut n) = u64::try_from(r.mantissa().unsigned_abs()) else { return f(&r.to_string()) };
    if r.is_zero() || scale > 2 {
        return f(&r.to_string());
    }
    let mut digits = [0u8; 24];
    let mut len = 0;
    while n > 0 || len <= scale {
        digits[len] = b'0' + (n % 10) as u8;
        n /= 10;
        len += 1;
    }
    // At most 20 digits, a sign and a point.
    let mut out = [0u8; 24];
    let mut at = 0;
    if r.is_sign_negative() {
        out[at] = b'-';
        at += 1;
    }
    for i in (0..len).rev() {
        if i + 1 == scale {
            out[at] = b'.';
            at += 1;
        }
        out[at] = digits[i];
        at += 1;
    }
    // Only ASCII digits, '-' and '.' were written.
    match std::str::from_utf8(&out[..at]) {
        Ok(text) => f(text),
        Err(_) => f(&r.to_string()),
    }
}

fn days(n: i64) -> String {
    n.to_string()
}

fn pause_rule(r: &PauseReason) -> (&'static str, String) {
    match r {
        PauseReason::Dispute { status: Some(207) } => ("dispute", "207 En litige".to_owned()),
        PauseReason::Dispute { status: Some(208) } => ("dispute", "208 Suspendue".to_owned()),
        PauseReason::Dispute { status: Some(206) } => {
            ("dispute", "206 Approuvée partiellement : rien d'approuvé ne reste dû".to_owned())
        }
        PauseReason::Dispute { .. } => ("dispute", "litige ouvert".to_owned()),
        PauseReason::Promise { until, .. } => ("promise", format!("promesse de paiement jusqu'au {until}")),
        PauseReason::PaymentTransmitted { at } => {
            ("payment_transmitted", format!("211 Paiement transmis le {}, en attente du rapprochement", at.date()))
        }
        PauseReason::Insolvency { kind, since } => {
            ("insolvency", format!("procédure collective ({kind}) depuis le {since} : déclarer la créance"))
        }
        PauseReason::NotCollectable { status } => (
            "not_collectable",
            if *status == 210 {
                "210 Refusée : avoir interne à établir".to_owned()
            } else {
                "213 Rejetée : avoir interne à établir".to_owned()
            },
        ),
        PauseReason::Cancelled => ("cancelled", "220 Annulée".to_owned()),
        PauseReason::ClientPaused { until, reason } => (
            "client_paused",
            match until {
                Some(u) => format!("client en pause jusqu'au {u} : {reason}"),
                None => format!("client en pause : {reason}"),
            },
        ),
    }
}

/// An ISO date written without the formatting machinery (the plan writes a hundred thousand).
fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        return d.to_string();
    }
    let mut s = String::with_capacity(10);
    for (n, width) in [(y.unsigned_abs(), 4u32), (m, 2), (day, 2)] {
        if !s.is_empty() {
            s.push('-');
        }
        for k in (0..width).rev() {
            s.push(char::from(b'0' + ((n / 10u32.pow(k)) % 10) as u8));
        }
    }
    s
}

/// The ISO dates of a plan, written once each: a plan of a hundred thousand invoices has a few
/// thousand distinct due dates.
#[derive(Default)]
struct Dates(HashMap<i64, Arc<str>, IdHash>);

impl Dates {
    fn get(&mut self, d: NaiveDate) -> Arc<str> {
        use chrono::Datelike;
        Arc::clone(self.0.entry(i64::from(d.num_days_from_ce())).or_insert_with(|| Arc::from(iso_date(d))))
    }
}

fn action_view(a: PlannedAction, dates: &mut Dates) -> PlannedActionView {
    PlannedActionView {
        key: a.key,
        kind: a.kind.code().to_owned(),
        client_id: a.client_id.0,
        client_name: a.client_name.to_string(),
        scenario: a.scenario.map(|s| s.1),
        step_name: a.step_name,
        level: a.level,
        channel: a.channel.code(),
        tone: a.tone.code().to_owned(),
        template_id: a.template_id,
        needs_validation: a.needs_validation,
        escalation: a.escalation,
        currency: a.currency.code().to_owned(),
        amount: money(a.amount),
        reference_due: dates.get(a.reference_due),
        days_late: a.days_late,
        invoices: a
            .invoices
            .into_iter()
            .map(|i| {
                let outstanding = money_shared(i.outstanding);
                // Most invoices are dunned for all that is open: one string for both.
                let dunned = if i.dunned == i.outstanding { Arc::clone(&outstanding) } else { money_shared(i.dunned) };
                PlannedInvoiceView {
                    invoice_id: i.invoice_id.0,
                    number: i.number,
                    due_date: dates.get(i.due_date),
                    outstanding,
                    dunned,
                    days_late: i.days_late,
                    partially_approved: i.partially_approved,
                }
            })
            .collect(),
        note: a.note,
    }
}

pub(crate) fn plan_view(p: Plan, default_scenarios: bool) -> PlanView {
    let paused: Vec<PausedView> = p
        .paused
        .into_iter()
        .map(|x| {
            let (rule, reason) = pause_rule(&x.reason);
            let (invoice_id, number) = match x.invoice {
                Some((id, n)) => (Some(id.0), Some(n.to_string())),
                None => (None, None),
            };
            PausedView {
                client_id: x.client_id.0,
                client_name: x.client_name.to_string(),
                invoice_id,
                number,
                amount: money(x.amount.amount),
                currency: x.amount.currency.code().to_owned(),
                rule: rule.to_owned(),
                reason,
            }
        })
        .collect();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for x in &paused {
        *counts.entry(x.rule.clone()).or_default() += 1;
    }
    let mut dates = Dates::default();
    PlanView {
        as_of: p.as_of.to_string(),
        actions: p.actions.into_iter().map(|a| action_view(a, &mut dates)).collect(),
        paused,
        paused_by_rule: counts.into_iter().map(|(rule, items)| PauseCount { rule, items }).collect(),
        already_recorded: p.already_done as u64,
        default_scenarios,
    }
}

fn anchor_code(a: Anchor) -> &'static str {
    match a {
        Anchor::DueDate => "due_date",
        Anchor::MadeAvailable => "made_available",
        Anchor::PreviousStep => "previous_step",
    }
}

fn scenario_dto(s: &Scenario) -> ScenarioDto {
    ScenarioDto {
        id: s.id.0,
        name: s.name.clone(),
        priority: s.priority,
        active: s.active,
        min_amount: s.filter.min_amount.map(|d| d.to_string()),
        max_amount: s.filter.max_amount.map(|d| d.to_string()),
        risk_grades: s.filter.risk_grades.clone(),
        naf_prefixes: s.filter.naf_prefixes.clone(),
        client_ids: s.filter.client_ids.iter().map(|c| c.0).collect(),
        steps: s
            .steps
            .iter()
            .map(|st| StepDto {
                name: st.name.clone(),
                anchor: anchor_code(st.anchor).to_owned(),
                offset_days: st.offset_days,
                channel: st.channel.code().to_owned(),
                tone: st.tone.code().to_owned(),
                template_id: st.template_id.clone(),
                needs_validation: st.needs_validation,
            })
            .collect(),
    }
}

fn decimal(s: &str, what: &str) -> Result<Decimal, ApiError> {
    s.trim().parse().map_err(|_| ApiError::invalid(format!("{what}: {s:?} is not a decimal amount")))
}

fn iso(s: &str, what: &str) -> Result<NaiveDate, ApiError> {
    s.trim().parse().map_err(|_| ApiError::invalid(format!("{what}: {s:?} is not a date (YYYY-MM-DD)")))
}

fn scenario_from_dto(s: &ScenarioDto) -> Result<Scenario, ApiError> {
    if s.name.trim().is_empty() {
        return Err(ApiError::invalid("a scenario needs a name"));
    }
    let steps = s
        .steps
        .iter()
        .map(|st| {
            let anchor = match st.anchor.as_str() {
                "due_date" => Anchor::DueDate,
                "made_available" => Anchor::MadeAvailable,
                "previous_step" => Anchor::PreviousStep,
                other => return Err(ApiError::invalid(format!("step {:?}: unknown anchor {other:?}", st.name))),
            };
            let channel = Channel::parse(&st.channel)
                .ok_or_else(|| ApiError::invalid(format!("step {:?}: unknown channel {:?}", st.name, st.channel)))?;
            let tone = Tone::parse(&st.tone)
                .ok_or_else(|| ApiError::invalid(format!("step {:?}: unknown tone {:?}", st.name, st.tone)))?;
            Ok(Step {
                name: st.name.clone(),
                anchor,
                offset_days: st.offset_days,
                channel,
                tone,
                template_id: st.template_id.clone(),
                // A mise en demeure is never sent without a person (issue 6).
                needs_validation: st.needs_validation || tone == Tone::MiseEnDemeure,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Scenario {
        id: ScenarioId(s.id),
        name: s.name.trim().to_owned(),
        priority: s.priority,
        active: s.active,
        filter: SegmentFilter {
            min_amount: s.min_amount.as_deref().map(|a| decimal(a, "minimum amount")).transpose()?,
            max_amount: s.max_amount.as_deref().map(|a| decimal(a, "maximum amount")).transpose()?,
            risk_grades: s.risk_grades.clone(),
            naf_prefixes: s.naf_prefixes.clone(),
            client_ids: s.client_ids.iter().copied().map(ClientId).collect(),
        },
        steps,
    })
}

fn template_dto(t: &Template) -> TemplateDto {
    let mut variables = template_variables(&t.id, &t.subject).unwrap_or_default();
    for v in template_variables(&t.id, &t.body).unwrap_or_default() {
        if !variables.contains(&v) {
            variables.push(v);
        }
    }
    TemplateDto {
        id: t.id.clone(),
        language: t.language.clone(),
        tone: t.tone.code().to_owned(),
        subject: t.subject.clone(),
        body: t.body.clone(),
        variables,
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering.
// ---------------------------------------------------------------------------------------------

/// An amount the French way: `1 234,56 €` (thin spaces are avoided: letters and SMS stay ASCII-safe).
pub fn format_fr(amount: Decimal, currency: Currency) -> String {
    let s = amount.round_dp(2).abs().to_string();
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), "00"));
    let frac = format!("{frac:0<2}");
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() { "-" } else { "" };
    let symbol = if currency == Currency::EUR { "€".to_owned() } else { currency.code().to_owned() };
    format!("{sign}{grouped},{} {symbol}", &frac[..2])
}

/// An amount the English way: `€1,234.56` (`1,234.56 USD` for another currency).
pub fn format_en(amount: Decimal, currency: Currency) -> String {
    // The French writing, regrouped: same rounding, same digits.
    let fr = format_fr(amount.abs(), currency);
    let number = fr.split(' ').filter(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit())).collect::<String>();
    let number = number.replace(',', ".");
    let (int, frac) = number.split_once('.').unwrap_or((number.as_str(), "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() { "-" } else { "" };
    if currency == Currency::EUR {
        format!("{sign}€{grouped}.{frac}")
    } else {
        format!("{sign}{grouped}.{frac} {}", currency.code())
    }
}

fn fr_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The deadline a mise en demeure gives, in English (see [`MISE_EN_DEMEURE_DELAY`]).
pub const MISE_EN_DEMEURE_DELAY_EN: &str = "eight days";

/// The values of the template variables for an action, written in `language` (the language of the
/// template they fill: "en" in English, anything else in French).
fn values(a: &PlannedAction, company: &str, as_of: NaiveDate, language: &str) -> BTreeMap<String, String> {
    let english = language == "en";
    let amount = |x: Decimal, c: Currency| if english { format_en(x, c) } else { format_fr(x, c) };
    let late: Vec<_> = a.invoices.iter().filter(|i| i.days_late > 0).collect();
    let lines: Vec<String> = a
        .invoices
        .iter()
        .map(|i| {
            if english {
                let approved = if i.partially_approved { " (approved part)" } else { "" };
                format!(
                    "- invoice no. {} of {}, due {}, outstanding {}{approved}",
                    i.number,
                    fr_date(i.issue_date),
                    fr_date(i.due_date),
                    amount(i.dunned, a.currency)
                )
            } else {
                let approved = if i.partially_approved { " (part approuvée)" } else { "" };
                format!(
                    "- facture n° {} du {}, échéance {}, reste dû {}{approved}",
                    i.number,
                    fr_date(i.issue_date),
                    fr_date(i.due_date),
                    amount(i.dunned, a.currency)
                )
            }
        })
        .collect();
    // D441-5: 40 € per late invoice, not during a collective procedure (legal-rules A.1).
    let indemnity = Decimal::from(40 * late.len() as i64);
    let mut v = BTreeMap::new();
    v.insert("client".to_owned(), a.client_name.to_string());
    v.insert("societe".to_owned(), company.to_owned());
    v.insert("factures".to_owned(), lines.join("\n"));
    v.insert("montant_du".to_owned(), amount(a.amount, a.currency));
    v.insert("date_echeance".to_owned(), fr_date(a.reference_due));
    v.insert("jours_retard".to_owned(), days(a.days_late.max(0)));
    // The amounts of the penalties come with the legal module (issue 6 §3); until it is wired, the
    // letter states their legal basis, which is always true.
    v.insert(
        "penalites".to_owned(),
        if english {
            "at the rate set in our terms, failing which the ECB rate plus 10 points, art. L441-10 of the French \
             Commercial Code"
        } else {
            "au taux prévu à nos conditions, à défaut le taux de la BCE majoré de 10 points, art. L441-10 C. com."
        }
        .to_owned(),
    );
    let fixed = amount(indemnity, Currency::EUR);
    v.insert(
        "indemnite".to_owned(),
        if english {
            format!("{fixed} ({} late invoice(s) × €40)", late.len())
        } else {
            format!("{fixed} ({} facture(s) en retard × 40 €)", late.len())
        },
    );
    v.insert("date".to_owned(), fr_date(as_of));
    v.insert("delai".to_owned(), if english { MISE_EN_DEMEURE_DELAY_EN } else { MISE_EN_DEMEURE_DELAY }.to_owned());
    v
}

/// The template of an action: its family in the action's language (the client's), else in French.
fn template_for<'t>(a: &PlannedAction, templates: &'t [Template]) -> Result<&'t Template, ApiError> {
    templates
        .iter()
        .find(|t| *t.id == *a.template_id && t.language == a.language)
        .or_else(|| templates.iter().find(|t| *t.id == *a.template_id && t.language == "fr"))
        .ok_or_else(|| ApiError::invalid(format!("no template {:?} for the step {:?}", a.template_id, a.step_name)))
}

/// The text of a proposal outside the templates (claim declaration, injonction de payer): a plain
/// description for the person who validates it.
fn proposal_text(a: &PlannedAction, v: &BTreeMap<String, String>) -> (String, String) {
    let body = format!("{}\n{}\nMontant : {}", a.note, v["factures"], v["montant_du"]);
    (format!("{} — {}", a.step_name, a.client_name), body)
}

/// Subject and body of an action: its template rendered, or for a proposal outside the templates
/// (claim declaration, injonction de payer) a plain description for the person who validates it.
fn render(
    a: &PlannedAction,
    templates: &[Template],
    company: &str,
    as_of: NaiveDate,
) -> Result<(String, String), ApiError> {
    if a.template_id.is_empty() {
        return Ok(proposal_text(a, &values(a, company, as_of, "fr")));
    }
    let t = template_for(a, templates)?;
    let v = values(a, company, as_of, &t.language);
    let r = t.render(&v).map_err(|e| ApiError::invalid(format!("{} ({}): {e}", a.client_name, a.step_name)))?;
    Ok((r.subject, r.body))
}

// ---------------------------------------------------------------------------------------------
// Operations.
// ---------------------------------------------------------------------------------------------

pub(crate) fn scenarios_or_defaults(d: &Dossier) -> Result<(Vec<Scenario>, bool), ApiError> {
    let stored = store::scenarios(d)?;
    Ok(if stored.is_empty() { (vec![default_scenario()], true) } else { (stored, false) })
}

/// The dossier's templates completed by the defaults, by family with French (the reference
/// language, and the fallback of every other) first.
fn templates_or_defaults(d: &Dossier) -> Result<Vec<Template>, ApiError> {
    let mut stored = store::templates(d)?;
    for t in default_templates() {
        if !stored.iter().any(|s| s.id == t.id && s.language == t.language) {
            stored.push(t);
        }
    }
    stored.sort_by(|a, b| (&a.id, a.language != "fr", &a.language).cmp(&(&b.id, b.language != "fr", &b.language)));
    Ok(stored)
}

fn compute(d: &Dossier, as_of: NaiveDate) -> Result<(Plan, bool), ApiError> {
    let (scenarios, defaults) = scenarios_or_defaults(d)?;
    let anchored = scenarios.iter().flat_map(|s| s.steps.iter()).any(|st| st.anchor == Anchor::MadeAvailable);
    let snapshot = store::snapshot(d, as_of, engine::horizon_days(&scenarios), anchored)?;
    Ok((engine::plan(as_of, &snapshot, &scenarios), defaults))
}

/// Today's plan (read only: nothing is recorded).
pub fn dunning_plan(d: &Dossier, as_of: NaiveDate) -> Result<PlanView, ApiError> {
    let (plan, defaults) = compute(d, as_of)?;
    Ok(plan_view(plan, defaults))
}

/// The message an action of today's plan would record, filled with the same values and template as
/// [`dunning_run`] uses (what is missing is listed instead of failing). `client_id` must be the
/// action's client: a key of another client, or one no longer planned today (recorded by an earlier
/// run, paid since), is an error saying so.
pub fn dunning_preview(d: &Dossier, as_of: NaiveDate, client_id: i64, key: &str) -> Result<PreviewView, ApiError> {
    let (plan, _) = compute(d, as_of)?;
    let a = plan.actions.iter().find(|a| a.key == key && a.client_id.0 == client_id).ok_or_else(|| {
        ApiError::invalid(format!("action {key:?} of client {client_id} is not in the plan of {as_of}"))
    })?;
    let templates = templates_or_defaults(d)?;
    let company = d.company()?.name;
    let (template_id, language, subject, body, missing) = if a.template_id.is_empty() {
        let (subject, body) = proposal_text(a, &values(a, &company, as_of, "fr"));
        (String::new(), "fr".to_owned(), subject, body, Vec::new())
    } else {
        let t = template_for(a, &templates)?;
        let (r, missing) = t.preview(&values(a, &company, as_of, &t.language));
        (t.id.clone(), t.language.clone(), r.subject, r.body, missing)
    };
    Ok(PreviewView {
        key: a.key.clone(),
        client_id,
        client_name: a.client_name.to_string(),
        channel: a.channel.code().to_owned(),
        template_id,
        language,
        subject,
        body,
        missing_variables: missing,
    })
}

/// Records today's plan in the outbox (one transaction, an audit entry per action) with each
/// action's rendered text, and a phone task per call. Every template is rendered before anything is
/// written: an unknown or empty variable stops the run with an error naming it, and nothing is
/// recorded. Actions already recorded are not recorded again.
pub fn dunning_run(d: &mut Dossier, as_of: NaiveDate, now: NaiveDateTime) -> Result<RunReport, ApiError> {
    run(d, as_of, now, None)
}

/// Records only the selected actions of today's plan (see [`RunSelection`]), as [`dunning_run`]
/// records the whole plan: same texts, same keys, so a later run (selected or whole) never records
/// them twice. An empty selection is refused rather than taken as "everything".
pub fn dunning_run_selected(
    d: &mut Dossier,
    as_of: NaiveDate,
    now: NaiveDateTime,
    selection: &RunSelection,
) -> Result<RunReport, ApiError> {
    if selection.is_empty() {
        return Err(ApiError::invalid("no client or action selected: nothing to record"));
    }
    run(d, as_of, now, Some(selection))
}

fn run(
    d: &mut Dossier,
    as_of: NaiveDate,
    now: NaiveDateTime,
    selection: Option<&RunSelection>,
) -> Result<RunReport, ApiError> {
    let wrote_defaults = {
        let mut w = d.dunning_writer("system", now)?;
        let wrote = w.ensure_defaults(&[default_scenario()], &default_templates())?;
        w.commit()?;
        wrote
    };
    let (plan, _) = compute(d, as_of)?;
    let chosen: Vec<&PlannedAction> = match selection {
        None => plan.actions.iter().collect(),
        Some(sel) => plan.actions.iter().filter(|a| sel.takes(a)).collect(),
    };
    let not_planned: Vec<String> = match selection {
        None => Vec::new(),
        Some(sel) => sel.keys.iter().filter(|k| !plan.actions.iter().any(|a| a.key == **k)).cloned().collect(),
    };
    let templates = templates_or_defaults(d)?;
    let company = d.company()?.name;
    let mut rendered = Vec::with_capacity(chosen.len());
    for a in &chosen {
        rendered.push(render(a, &templates, &company, as_of)?);
    }
    let mut w = d.dunning_writer("system", now)?;
    let mut report = RunReport {
        as_of: as_of.to_string(),
        recorded: Vec::new(),
        // A selected run counts only its own actions found already recorded (below and
        // `not_planned`); the whole plan's count is the plan's.
        already_recorded: if selection.is_none() { plan.already_done as u64 } else { 0 },
        phone_tasks: 0,
        waiting_validation: 0,
        wrote_defaults,
        not_planned,
    };
    for (a, (subject, body)) in chosen.into_iter().zip(rendered) {
        let record = ActionRecord {
            key: a.key.clone(),
            kind: a.kind.code().to_owned(),
            client_id: a.client_id,
            scenario_id: a.scenario.as_ref().map(|s| s.0),
            step: a.step,
            level: a.level,
            channel: a.channel,
            tone: a.tone,
            template_id: a.template_id.to_string(),
            language: a.language.clone(),
            invoices: a.invoices.iter().map(|i| (i.invoice_id, i.number.to_string(), i.due_date, i.dunned)).collect(),
            currency: a.currency,
            amount: a.amount,
            subject: subject.clone(),
            body: body.clone(),
            needs_validation: a.needs_validation,
            planned_on: as_of,
        };
        let Some(id) = w.record_action(&record)? else {
            report.already_recorded += 1;
            continue;
        };
        if a.channel == Channel::PhoneTask {
            w.add_phone_task(Some(id), a.client_id, as_of, &subject, &body)?;
            report.phone_tasks += 1;
        }
        if a.needs_validation {
            report.waiting_validation += 1;
        }
        report.recorded.push(RecordedActionView {
            id,
            client_name: a.client_name.to_string(),
            channel: a.channel.code().to_owned(),
            state: if a.needs_validation { "planned" } else { "validated" }.to_owned(),
            subject,
            amount: money(a.amount),
        });
    }
    w.commit()?;
    Ok(report)
}

/// The dunning outbox, newest first (all states, or one), at most `limit` rows.
pub fn dunning_actions(d: &Dossier, state: Option<&str>, limit: u32) -> Result<Vec<OutboxActionView>, ApiError> {
    Ok(store::actions(d, state, limit)?
        .into_iter()
        .map(|r| OutboxActionView {
            id: r.id,
            kind: r.kind,
            client_id: r.client_id,
            client_name: r.client_name,
            level: r.level,
            channel: r.channel,
            tone: r.tone,
            currency: r.currency.code().to_owned(),
            amount: money(r.amount),
            subject: r.subject,
            body: r.body,
            needs_validation: r.needs_validation,
            state: r.state,
            outcome: r.outcome,
            planned_on: r.planned_on.to_string(),
        })
        .collect())
}

/// Changes an outbox action's state (`validated`, `sent`, `failed`, `cancelled`), with an outcome.
pub fn set_action_state(
    d: &mut Dossier,
    action: i64,
    state: &str,
    outcome: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if !["validated", "sent", "failed", "cancelled"].contains(&state) {
        return Err(ApiError::invalid(format!("{state:?}: expected validated, sent, failed or cancelled")));
    }
    let mut w = d.dunning_writer("user", now)?;
    w.set_action_state(action, state, outcome)?;
    w.commit()?;
    Ok(())
}

/// Records a promise to pay.
pub fn record_promise(d: &mut Dossier, p: &NewPromise, now: NaiveDateTime) -> Result<i64, ApiError> {
    let amount = decimal(&p.amount, "promised amount")?;
    if amount <= Decimal::ZERO {
        return Err(ApiError::invalid("a promised amount must be positive"));
    }
    let currency = match p.currency.as_deref() {
        Some(c) => Currency::parse(c).map_err(|e| ApiError::invalid(e.to_string()))?,
        None => Currency::EUR,
    };
    let channel = PromiseChannel::parse(&p.channel).ok_or_else(|| {
        ApiError::invalid(format!("{:?}: expected phone, email, letter, platform or other", p.channel))
    })?;
    let promised_for = iso(&p.promised_for, "promised date")?;
    let invoices: Vec<InvoiceId> = p.invoice_ids.iter().copied().map(InvoiceId).collect();
    let mut w = d.dunning_writer("user", now)?;
    let id = w.record_promise(ClientId(p.client_id), &invoices, now.date(), promised_for, amount, currency, channel)?;
    w.commit()?;
    Ok(id)
}

/// The promises made by `as_of`, with their state on that date and the kept rate of those due.
pub fn promises(d: &Dossier, as_of: NaiveDate) -> Result<PromisesView, ApiError> {
    let rows = store::promises(d, as_of)?;
    let (mut due, mut kept) = (0u64, 0u64);
    let promises = rows
        .into_iter()
        .map(|r| {
            let state = if r.paid_by_date >= r.amount {
                "kept"
            } else if as_of > r.promised_for {
                "broken"
            } else {
                "pending"
            };
            if as_of > r.promised_for || state == "kept" {
                due += 1;
                kept += u64::from(state == "kept");
            }
            PromiseView {
                id: r.id,
                client_id: r.client_id,
                client_name: r.client_name,
                made_on: r.made_on.to_string(),
                promised_for: r.promised_for.to_string(),
                amount: money(r.amount),
                currency: r.currency.code().to_owned(),
                channel: r.channel,
                paid: money(r.paid_by_date),
                state: state.to_owned(),
            }
        })
        .collect();
    let kept_rate = (due > 0).then(|| (Decimal::from(kept) / Decimal::from(due)).round_dp(4).to_string());
    Ok(PromisesView { as_of: as_of.to_string(), promises, due, kept, kept_rate })
}

/// The phone tasks (open only, or all).
pub fn phone_tasks(d: &Dossier, open_only: bool) -> Result<Vec<PhoneTaskView>, ApiError> {
    Ok(store::phone_tasks(d, open_only)?
        .into_iter()
        .map(|t| PhoneTaskView {
            id: t.id,
            action_id: t.action_id,
            client_id: t.client_id,
            client_name: t.client_name,
            due_on: t.due_on.to_string(),
            subject: t.subject,
            body: t.body,
            state: t.state,
            outcome: t.outcome,
        })
        .collect())
}

/// Closes a phone task with its outcome: a promise is recorded as a promise to pay on the task's
/// invoices, a dispute opens a dispute on them (both pause the next reminders); every outcome is
/// written on the action and in the audit journal, in one transaction.
pub fn record_phone_outcome(
    d: &mut Dossier,
    task: i64,
    outcome: &PhoneOutcomeInput,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let outcome = match outcome {
        PhoneOutcomeInput::Promise { date, amount } => {
            PhoneOutcome::Promise { date: iso(date, "promised date")?, amount: decimal(amount, "promised amount")? }
        }
        PhoneOutcomeInput::Dispute { note } => PhoneOutcome::Dispute { note: note.clone() },
        PhoneOutcomeInput::WrongContact => PhoneOutcome::WrongContact,
        PhoneOutcomeInput::NoAnswer => PhoneOutcome::NoAnswer,
    };
    let mut w = d.dunning_writer("user", now)?;
    let (client, action) = w
        .open_phone_task(task)?
        .ok_or_else(|| ApiError::invalid(format!("phone task {task} does not exist or is already done")))?;
    let (invoices, currency) = match action {
        Some(a) => w.action_invoices(a)?.unwrap_or((Vec::new(), Currency::EUR)),
        None => (Vec::new(), Currency::EUR),
    };
    match &outcome {
        PhoneOutcome::Promise { date, amount } => {
            let ids: Vec<InvoiceId> = invoices.iter().map(|(i, _)| *i).collect();
            w.record_promise(client, &ids, now.date(), *date, *amount, currency, PromiseChannel::Phone)?;
        }
        PhoneOutcome::Dispute { note } if !invoices.is_empty() => {
            w.open_dispute(client, &invoices, currency, now.date(), note)?;
        }
        _ => {}
    }
    w.record_phone_outcome(task, &outcome)?;
    w.commit()?;
    Ok(())
}

/// The scenarios (the defaults until the dossier has its own).
pub fn scenarios(d: &Dossier) -> Result<Vec<ScenarioDto>, ApiError> {
    Ok(scenarios_or_defaults(d)?.0.iter().map(scenario_dto).collect())
}

/// Creates (id 0) or replaces a scenario; every step's template must exist. Returns its id.
pub fn update_scenario(d: &mut Dossier, s: &ScenarioDto, now: NaiveDateTime) -> Result<i64, ApiError> {
    let scenario = scenario_from_dto(s)?;
    let templates = templates_or_defaults(d)?;
    for st in &scenario.steps {
        if !templates.iter().any(|t| t.id == st.template_id) {
            return Err(ApiError::invalid(format!("step {:?}: no template {:?}", st.name, st.template_id)));
        }
    }
    let mut w = d.dunning_writer("user", now)?;
    w.ensure_defaults(&[default_scenario()], &default_templates())?;
    let id = w.put_scenario(&scenario)?;
    w.commit()?;
    Ok(id.0)
}

/// The templates (stored ones, completed by the defaults).
pub fn templates(d: &Dossier) -> Result<Vec<TemplateDto>, ApiError> {
    Ok(templates_or_defaults(d)?.iter().map(template_dto).collect())
}

/// Creates or replaces a template after checking its variables (an unknown one is an error naming it).
pub fn update_template(d: &mut Dossier, t: &TemplateDto, now: NaiveDateTime) -> Result<(), ApiError> {
    let template = Template {
        id: t.id.trim().to_owned(),
        language: if t.language.trim().is_empty() { "fr".to_owned() } else { t.language.trim().to_owned() },
        tone: Tone::parse(&t.tone).ok_or_else(|| ApiError::invalid(format!("unknown tone {:?}", t.tone)))?,
        subject: t.subject.clone(),
        body: t.body.clone(),
    };
    if template.id.is_empty() {
        return Err(ApiError::invalid("a template needs an id"));
    }
    template.check().map_err(|e| ApiError::invalid(e.to_string()))?;
    let mut w = d.dunning_writer("user", now)?;
    w.ensure_defaults(&[default_scenario()], &default_templates())?;
    w.put_template(&template)?;
    w.commit()?;
    Ok(())
}

/// Pauses a client's dunning until a date (inclusive; `None`: until lifted), with a reason.
pub fn pause_client(
    d: &mut Dossier,
    client: i64,
    until: Option<NaiveDate>,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut w = d.dunning_writer("user", now)?;
    w.set_override(ClientId(client), Some(&ClientOverride::Pause { until, reason: reason.to_owned() }))?;
    w.commit()?;
    Ok(())
}

/// Makes a client follow a scenario whatever the filters say (`None`: back to the filters, and
/// lifts a pause).
pub fn set_client_scenario(
    d: &mut Dossier,
    client: i64,
    scenario: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let o = scenario.map(|s| ClientOverride::Scenario { scenario: ScenarioId(s) });
    let mut w = d.dunning_writer("user", now)?;
    w.set_override(ClientId(client), o.as_ref())?;
    w.commit()?;
    Ok(())
}

/// Records (or with `None` removes) a client's collective procedure: `safeguard`, `receivership`
/// or `liquidation`, with the date of the opening judgment. Dunning stops; a claim declaration is
/// proposed.
pub fn set_insolvency(
    d: &mut Dossier,
    client: i64,
    case: Option<(&str, NaiveDate)>,
    note: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let case = match case {
        Some((kind, on)) => {
            let kind = match kind {
                "safeguard" | "sauvegarde" => "safeguard",
                "receivership" | "redressement" => "receivership",
                "liquidation" => "liquidation",
                other => {
                    return Err(ApiError::invalid(format!(
                        "{other:?}: expected safeguard, receivership or liquidation"
                    )))
                }
            };
            Some(InsolvencyCase { kind: kind.to_owned(), judgment_on: on })
        }
        None => None,
    };
    let mut w = d.dunning_writer("user", now)?;
    w.set_insolvency(ClientId(client), case.as_ref(), note)?;
    w.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_in_iso() {
        for d in ["2026-11-23", "0999-01-09", "2024-02-29"] {
            assert_eq!(iso_date(d.parse().unwrap()), d);
        }
    }

    #[test]
    fn money_is_written_as_the_decimal_rounded_to_two_places() {
        for s in [
            "0",
            "0.00",
            "-0.00",
            "0.001",
            "0.005",
            "0.015",
            "1",
            "1.5",
            "1.50",
            "1.505",
            "1.515",
            "12.34567",
            "-12.3",
            "-0.004",
            "123456789.999",
            "1234567890123.45",
            "40",
            "99.99999",
            "0.10",
            "7.000",
        ] {
            let d: Decimal = s.parse().unwrap();
            assert_eq!(money(d), d.round_dp(2).to_string(), "{s}");
        }
        for units in [1i64, 99_999, 100_000, 123_456_789, -5, 1_000_000_000_000] {
            let d = Decimal::new(units, 5);
            assert_eq!(money(d), d.round_dp(2).to_string(), "{d}");
        }
    }

    #[test]
    fn amounts_are_written_the_english_way() {
        assert_eq!(format_en("1234.5".parse().unwrap(), Currency::EUR), "€1,234.50");
        assert_eq!(format_en("40".parse().unwrap(), Currency::EUR), "€40.00");
        assert_eq!(format_en("1234567.891".parse().unwrap(), Currency::EUR), "€1,234,567.89");
        assert_eq!(format_en("-12.3".parse().unwrap(), Currency::EUR), "-€12.30");
        assert_eq!(format_en("999.999".parse().unwrap(), Currency::parse("USD").unwrap()), "1,000.00 USD");
    }

    /// A reminder of a client whose language is English, for the rendering tests.
    fn english_reminder(template: &str) -> PlannedAction {
        let due: NaiveDate = "2026-10-01".parse().unwrap();
        PlannedAction {
            key: "reminder:7:1:2:70".into(),
            kind: encours_domain::dunning::ActionKind::Reminder,
            client_id: ClientId(7),
            client_name: Arc::from("Harbour Ltd"),
            language: "en".into(),
            scenario: Some((ScenarioId(1), Arc::from("Standard"))),
            step: Some(2),
            step_name: Arc::from("J+15"),
            level: 3,
            channel: Channel::Email,
            tone: Tone::Ferme,
            template_id: Arc::from(template),
            needs_validation: false,
            escalation: false,
            currency: Currency::EUR,
            invoices: vec![engine::PlannedInvoice {
                invoice_id: InvoiceId(70),
                number: Arc::from("F-2026-070"),
                issue_date: "2026-09-01".parse().unwrap(),
                due_date: due,
                outstanding: "1500.00".parse().unwrap(),
                dunned: "1500.00".parse().unwrap(),
                days_late: 53,
                partially_approved: false,
            }],
            amount: "1500.00".parse().unwrap(),
            reference_due: due,
            days_late: 53,
            note: String::new(),
        }
    }

    #[test]
    fn a_client_in_english_gets_the_english_template_filled_in_english() {
        let as_of: NaiveDate = "2026-11-23".parse().unwrap();
        let a = english_reminder("relance_ferme");
        let (subject, body) = render(&a, &default_templates(), "Encours Démo", as_of).unwrap();
        assert_eq!(subject, "Encours Démo: reminder, unpaid invoices");
        assert!(body.starts_with("Dear Sir or Madam,"), "{body}");
        assert!(
            body.contains("- invoice no. F-2026-070 of 01/09/2026, due 01/10/2026, outstanding €1,500.00"),
            "{body}"
        );
        assert!(body.contains("Amount due: €1,500.00, overdue for 53 days"), "{body}");
        assert!(body.contains("€40.00 (1 late invoice(s) × €40)"), "{body}");
        assert!(!body.contains("facture") && !body.contains("BCE"), "{body}");
        // The same action for a French client: the French template, in French.
        let fr = PlannedAction { language: "fr".into(), ..a.clone() };
        let (subject, body) = render(&fr, &default_templates(), "Encours Démo", as_of).unwrap();
        assert_eq!(subject, "Encours Démo : relance, factures impayées");
        assert!(body.contains("reste dû 1 500,00 €"), "{body}");
        // A family without an English template falls back to French, filled in French.
        let only_fr: Vec<Template> = default_templates().into_iter().filter(|t| t.language == "fr").collect();
        let (_, body) = render(&a, &only_fr, "Encours Démo", as_of).unwrap();
        assert!(body.contains("Montant dû : 1 500,00 €"), "{body}");
    }

    #[test]
    fn amounts_are_written_the_french_way() {
        assert_eq!(format_fr("1234.5".parse().unwrap(), Currency::EUR), "1 234,50 €");
        assert_eq!(format_fr("40".parse().unwrap(), Currency::EUR), "40,00 €");
        assert_eq!(format_fr("1234567.891".parse().unwrap(), Currency::EUR), "1 234 567,89 €");
        assert_eq!(format_fr("-12.3".parse().unwrap(), Currency::EUR), "-12,30 €");
    }
}
