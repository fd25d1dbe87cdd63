//! Today's dunning plan: which reminder goes to which client, and why the others wait.
//!
//! [`plan`] is pure: the as-of date, the portfolio snapshot the store read (open invoices overdue or
//! soon due with their lifecycle statuses, open disputes, promises, collective procedures, per-client
//! overrides, actions already recorded) and the scenarios in; the [`Plan`] out.
//!
//! # Rules, in the order they are checked
//!
//! 1. **Per invoice** (legal-rules B.2, collections-anchors (f).1, replaying the invoice's status
//!    history through [`crate::lifecycle::InvoiceState`]): 210 Refusée / 213 Rejetée → never dunned
//!    (an internal credit note is due, not a reminder); 220 Annulée → never dunned; 207 En litige /
//!    208 Suspendue or an open dispute record → paused; 211 Paiement transmis → paused until the
//!    payment is matched (the stored collection state says the hold was released); 206 Approuvée
//!    partiellement → only the approved part is dunned.
//! 2. **Per client**: a collective procedure (procédure collective) → no reminder at all, a claim
//!    declaration is proposed instead (it needs a person); a per-client pause → nothing until its
//!    date; a pending promise to pay → its invoices (or the whole account) wait until the promised
//!    date; a broken promise (date passed, amount not paid) → a follow-up action.
//! 3. **Grouping and level**: reminders are grouped per client and currency; the level follows the
//!    oldest overdue invoice still dunned (collections-anchors (f) design hints). The step planned
//!    is the highest step whose date is reached; a step already recorded for the same client,
//!    scenario, step and oldest invoice is not planned again (idempotency, [`action_key`]).
//! 4. **Escalation is proposed, never automatic**: a mise en demeure always needs validation, and an
//!    injonction de payer is only proposed (CPC 1405, legal-rules A.5) once a mise en demeure was
//!    recorded and its deadline passed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use encours_domain::dunning::{
    action_key, shared_text, ActionKind, Anchor, Channel, ClientOverride, DunningClient, DunningItem, DunningSnapshot,
    PauseReason, RegisteredKind, Scenario, ScenarioId, Tone,
};
use encours_domain::{ClientId, Currency, InvoiceId, LifecycleStatus, Money};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use crate::lifecycle::InvoiceState;

/// Days after a recorded mise en demeure before an injonction de payer is proposed: the usual
/// deadline given in the letter (legal-rules A.3: "8 or 15 days are common").
pub const MISE_EN_DEMEURE_DEADLINE_DAYS: u64 = 15;

/// How far before the due date the store must read items: the earliest negative offset of any
/// step (at least one day, so that "due tomorrow" is always seen).
pub fn horizon_days(scenarios: &[Scenario]) -> u64 {
    scenarios
        .iter()
        .flat_map(|s| s.steps.iter())
        .map(|s| u64::from(s.offset_days.min(0).unsigned_abs()))
        .max()
        .unwrap_or(0)
        .max(1)
}

pub use encours_domain::id_hash::{IdHash, IdHasher};

fn ser_scenario<S: Serializer>(s: &Option<(ScenarioId, Arc<str>)>, ser: S) -> Result<S::Ok, S::Error> {
    s.as_ref().map(|(id, name)| (id, &**name)).serialize(ser)
}

fn ser_invoice<S: Serializer>(i: &Option<(InvoiceId, Arc<str>)>, ser: S) -> Result<S::Ok, S::Error> {
    i.as_ref().map(|(id, number)| (id, &**number)).serialize(ser)
}

/// An invoice in a planned action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedInvoice {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// BT-1 (shared with the snapshot).
    #[serde(serialize_with = "shared_text::serialize")]
    pub number: Arc<str>,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// BT-9.
    pub due_date: NaiveDate,
    /// Still open on it.
    pub outstanding: Decimal,
    /// The part dunned: the outstanding amount, or only the approved part after a 206.
    pub dunned: Decimal,
    /// Days past due on the as-of date (negative: not yet due).
    pub days_late: i64,
    /// A 206 Approuvée partiellement limits what is dunned.
    pub partially_approved: bool,
}

/// One action of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedAction {
    /// Idempotency key ([`action_key`]).
    pub key: String,
    /// What it is for.
    pub kind: ActionKind,
    /// The client.
    pub client_id: ClientId,
    /// Its name.
    #[serde(serialize_with = "shared_text::serialize")]
    pub client_name: Arc<str>,
    /// The language of the message.
    pub language: String,
    /// The scenario, for a reminder.
    #[serde(serialize_with = "ser_scenario")]
    pub scenario: Option<(ScenarioId, Arc<str>)>,
    /// The step's position in the scenario (0-based), for a reminder.
    pub step: Option<usize>,
    /// The step's name, or what the action is.
    #[serde(serialize_with = "shared_text::serialize")]
    pub step_name: Arc<str>,
    /// Reminder level (1-based step position; 0 for other actions).
    pub level: u32,
    /// Channel.
    pub channel: Channel,
    /// Tone.
    pub tone: Tone,
    /// Template family (empty for a proposal outside the templates).
    #[serde(serialize_with = "shared_text::serialize")]
    pub template_id: Arc<str>,
    /// A person must validate before anything is sent.
    pub needs_validation: bool,
    /// A mise en demeure, an injonction de payer or a claim declaration: a proposal, never automatic.
    pub escalation: bool,
    /// Currency.
    pub currency: Currency,
    /// The invoices it covers.
    pub invoices: Vec<PlannedInvoice>,
    /// Their total dunned amount.
    pub amount: Decimal,
    /// The due date the level follows (oldest overdue invoice; the upcoming one before the due date).
    pub reference_due: NaiveDate,
    /// Days past that date (negative before it).
    pub days_late: i64,
    /// Why this action, in plain words.
    pub note: String,
}

/// An invoice or a client with no reminder today, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Paused {
    /// The client.
    pub client_id: ClientId,
    /// Its name.
    #[serde(serialize_with = "shared_text::serialize")]
    pub client_name: Arc<str>,
    /// The invoice (none: the whole client).
    #[serde(serialize_with = "ser_invoice")]
    pub invoice: Option<(InvoiceId, Arc<str>)>,
    /// The amount held back.
    pub amount: Money,
    /// The rule.
    pub reason: PauseReason,
}

/// Today's plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The date planned for.
    pub as_of: NaiveDate,
    /// The actions, most days late first, then the largest amount.
    pub actions: Vec<PlannedAction>,
    /// What waits, with the rule.
    pub paused: Vec<Paused>,
    /// Actions that would have been planned but are already recorded (idempotency).
    pub already_done: usize,
}

/// What the plan decided for one invoice.
enum ItemVerdict {
    Dun { dunned: Decimal, partially_approved: bool, made_available: Option<NaiveDate> },
    Pause(PauseReason),
}

fn judge_item(item: &DunningItem, disputed: &HashSet<InvoiceId, IdHash>) -> ItemVerdict {
    if item.statuses.is_empty() {
        // Most overdue invoices predate the reform or never received a status: nothing to replay.
        return if disputed.contains(&item.invoice_id) {
            ItemVerdict::Pause(PauseReason::Dispute { status: None })
        } else {
            ItemVerdict::Dun { dunned: item.outstanding, partially_approved: false, made_available: None }
        };
    }
    let mut state = InvoiceState::new(Money::new(item.outstanding, item.currency));
    let mut history: Vec<_> = item.statuses.iter().collect();
    history.sort_by_key(|e| e.at);
    for e in history {
        state.apply(e);
    }
    if let Some((status, _)) = state.ended {
        return ItemVerdict::Pause(match status {
            LifecycleStatus::Annulee => PauseReason::Cancelled,
            other => PauseReason::NotCollectable { status: other.code() },
        });
    }
    if let Some(d) = state.dispute.as_ref().filter(|d| d.pauses_dunning) {
        return ItemVerdict::Pause(PauseReason::Dispute { status: Some(d.status.code()) });
    }
    if disputed.contains(&item.invoice_id) {
        return ItemVerdict::Pause(PauseReason::Dispute { status: None });
    }
    if let Some(at) = state.payment_announced_at {
        // The match of the payment releases the hold in the stored collection state (app::collect);
        // without a stored state, the 211 still holds while the invoice is open.
        let released = matches!(&item.stored_hold, Some(hold) if hold.as_deref() != Some("payment_transmitted"));
        if !released {
            return ItemVerdict::Pause(PauseReason::PaymentTransmitted { at });
        }
    }
    let mut dunned = item.outstanding;
    let mut partially_approved = false;
    if let Some(d) = state.dispute.as_ref().filter(|d| d.status == LifecycleStatus::ApprouveePartiellement) {
        if let Some(not_approved) = d.disputed.filter(|m| m.currency == item.currency) {
            dunned = (item.outstanding - not_approved.amount).max(Decimal::ZERO);
            partially_approved = true;
            if dunned.is_zero() {
                return ItemVerdict::Pause(PauseReason::Dispute { status: Some(206) });
            }
        }
    }
    ItemVerdict::Dun { dunned, partially_approved, made_available: state.made_available_at.map(|at| at.date()) }
}

struct Dunnable<'a> {
    item: &'a DunningItem,
    dunned: Decimal,
    partially_approved: bool,
    made_available: Option<NaiveDate>,
}

fn planned(d: &Dunnable<'_>, as_of: NaiveDate) -> PlannedInvoice {
    PlannedInvoice {
        invoice_id: d.item.invoice_id,
        number: Arc::clone(&d.item.number),
        issue_date: d.item.issue_date,
        due_date: d.item.due_date,
        outstanding: d.item.outstanding,
        dunned: d.dunned,
        days_late: (as_of - d.item.due_date).num_days(),
        partially_approved: d.partially_approved,
    }
}

fn plus(date: NaiveDate, days: i32) -> NaiveDate {
    if days >= 0 {
        date.checked_add_days(Days::new(u64::from(days.unsigned_abs()))).unwrap_or(date)
    } else {
        date.checked_sub_days(Days::new(u64::from(days.unsigned_abs()))).unwrap_or(date)
    }
}

/// A scenario's name, step names and template ids, shared by all its reminders.
struct SharedNames {
    scenario: Arc<str>,
    steps: Vec<Arc<str>>,
    templates: Vec<Arc<str>>,
}

impl SharedNames {
    fn of(s: &Scenario) -> SharedNames {
        SharedNames {
            scenario: Arc::from(s.name.as_str()),
            steps: s.steps.iter().map(|st| Arc::from(st.name.as_str())).collect(),
            templates: s.steps.iter().map(|st| Arc::from(st.template_id.as_str())).collect(),
        }
    }
}

/// `ordered`: the active scenarios with steps, by priority.
fn choose_scenario<'s>(
    scenarios: &'s [Scenario],
    ordered: &[&'s Scenario],
    client: &DunningClient,
    overdue: Decimal,
    over: Option<&ClientOverride>,
) -> Option<&'s Scenario> {
    if let Some(ClientOverride::Scenario { scenario }) = over {
        if let Some(s) = scenarios.iter().find(|s| s.id == *scenario && !s.steps.is_empty()) {
            return Some(s);
        }
    }
    ordered.iter().copied().find(|s| s.filter.matches(client, overdue))
}

/// Builds today's plan (see the module documentation for the rules).
pub fn plan(as_of: NaiveDate, snapshot: &DunningSnapshot, scenarios: &[Scenario]) -> Plan {
    let done: HashMap<&str, NaiveDate> = snapshot.history.iter().map(|a| (a.key.as_str(), a.on)).collect();
    let disputed: HashSet<InvoiceId, IdHash> =
        snapshot.disputes.iter().flat_map(|d| d.invoice_ids.iter().copied()).collect();
    // Every item's client is in the snapshot (foreign key); the fallback only keeps this total.
    let unknown = DunningClient {
        id: ClientId(0),
        name: Arc::from("(client inconnu)"),
        naf: None,
        risk_grade: None,
        language: "fr".to_owned(),
    };
    let client_of = |id: ClientId| snapshot.clients.get(&id).unwrap_or(&unknown);
    let mut ordered: Vec<&Scenario> = scenarios.iter().filter(|s| s.active && !s.steps.is_empty()).collect();
    ordered.sort_by_key(|s| (s.priority, s.id));

    let mut out = Plan { as_of, actions: Vec::new(), paused: Vec::new(), already_done: 0 };
    let push = |out: &mut Plan, a: PlannedAction| {
        if done.contains_key(a.key.as_str()) {
            out.already_done += 1;
        } else {
            out.actions.push(a);
        }
    };

    // Promises: pending ones pause their invoices (or the account); broken ones are followed up.
    let mut promised_invoices: HashMap<InvoiceId, (i64, NaiveDate), IdHash> = HashMap::default();
    let mut promised_clients: HashMap<ClientId, (i64, NaiveDate), IdHash> = HashMap::default();
    let mut broken = Vec::new();
    for p in &snapshot.promises {
        if p.made_on > as_of || p.paid_since >= p.amount {
            continue; // not made yet, or kept
        }
        if as_of <= p.promised_for {
            if p.invoice_ids.is_empty() {
                promised_clients.insert(p.client_id, (p.id, p.promised_for));
            }
            for i in &p.invoice_ids {
                promised_invoices.insert(*i, (p.id, p.promised_for));
            }
        } else {
            broken.push(p);
        }
    }

    // Per item verdicts, grouped per client and currency.
    let mut groups: BTreeMap<(ClientId, Currency), Vec<Dunnable<'_>>> = BTreeMap::new();
    let mut insolvent_items: BTreeMap<ClientId, Vec<&DunningItem>> = BTreeMap::new();
    for item in &snapshot.items {
        let client = item.client_id;
        let pause = |out: &mut Plan, reason: PauseReason| {
            out.paused.push(Paused {
                client_id: client,
                client_name: Arc::clone(&client_of(client).name),
                invoice: Some((item.invoice_id, Arc::clone(&item.number))),
                amount: Money::new(item.outstanding, item.currency),
                reason,
            })
        };
        if let Some(case) = snapshot.insolvencies.get(&client).filter(|c| c.judgment_on <= as_of) {
            pause(&mut out, PauseReason::Insolvency { kind: case.kind.clone(), since: case.judgment_on });
            insolvent_items.entry(client).or_default().push(item);
            continue;
        }
        if let Some(ClientOverride::Pause { until, reason }) = snapshot.overrides.get(&client) {
            if until.is_none_or(|u| as_of <= u) {
                pause(&mut out, PauseReason::ClientPaused { until: *until, reason: reason.clone() });
                continue;
            }
        }
        match judge_item(item, &disputed) {
            ItemVerdict::Pause(reason) => pause(&mut out, reason),
            ItemVerdict::Dun { dunned, partially_approved, made_available } => {
                let promise = promised_invoices.get(&item.invoice_id).or_else(|| promised_clients.get(&client));
                if let Some((promise_id, until)) = promise {
                    pause(&mut out, PauseReason::Promise { promise_id: *promise_id, until: *until });
                    continue;
                }
                groups.entry((client, item.currency)).or_default().push(Dunnable {
                    item,
                    dunned,
                    partially_approved,
                    made_available,
                });
            }
        }
    }

    // Collective procedures: one claim declaration proposed per client and judgment (no reminder).
    for (client_id, items) in &insolvent_items {
        let Some(case) = snapshot.insolvencies.get(client_id) else { continue };
        let client = client_of(*client_id);
        let Some(first) = items.first() else { continue };
        let currency = first.currency;
        let invoices: Vec<PlannedInvoice> = items
            .iter()
            .filter(|i| i.currency == currency)
            .map(|i| PlannedInvoice {
                invoice_id: i.invoice_id,
                number: Arc::clone(&i.number),
                issue_date: i.issue_date,
                due_date: i.due_date,
                outstanding: i.outstanding,
                dunned: i.outstanding,
                days_late: (as_of - i.due_date).num_days(),
                partially_approved: false,
            })
            .collect();
        let anchor = case.judgment_on.to_string().replace('-', "").parse::<i64>().unwrap_or(0);
        push(
            &mut out,
            PlannedAction {
                key: action_key(ActionKind::ClaimDeclaration, *client_id, None, 0, anchor),
                kind: ActionKind::ClaimDeclaration,
                client_id: *client_id,
                client_name: Arc::clone(&client.name),
                language: client.language.clone(),
                scenario: None,
                step: None,
                step_name: Arc::from(format!("déclaration de créance ({} du {})", case.kind, case.judgment_on)),
                level: 0,
                channel: Channel::RegisteredLetter(RegisteredKind::Lrar),
                tone: Tone::MiseEnDemeure,
                template_id: Arc::from(""),
                needs_validation: true,
                escalation: true,
                currency,
                amount: invoices.iter().map(|i| i.dunned).sum(),
                reference_due: invoices.iter().map(|i| i.due_date).min().unwrap_or(as_of),
                days_late: 0,
                invoices,
                note: "procédure collective : aucune relance ; déclarer la créance au mandataire judiciaire".to_owned(),
            },
        );
    }

    // Broken promises: one follow-up each, on what the client still owes.
    let mut first_group: HashMap<ClientId, (ClientId, Currency)> = HashMap::new();
    for key in groups.keys() {
        first_group.entry(key.0).or_insert(*key);
    }
    for p in broken {
        let client = client_of(p.client_id);
        let Some(key) = first_group.get(&p.client_id) else { continue };
        let Some(items) = groups.get(key) else { continue };
        let currency = &key.1;
        let covered: Vec<PlannedInvoice> = items
            .iter()
            .filter(|d| p.invoice_ids.is_empty() || p.invoice_ids.contains(&d.item.invoice_id))
            .map(|d| planned(d, as_of))
            .collect();
        if covered.is_empty() {
            continue;
        }
        push(
            &mut out,
            PlannedAction {
                key: action_key(ActionKind::PromiseFollowUp, p.client_id, None, 0, p.id),
                kind: ActionKind::PromiseFollowUp,
                client_id: p.client_id,
                client_name: Arc::clone(&client.name),
                language: client.language.clone(),
                scenario: None,
                step: None,
                step_name: Arc::from(format!("promesse du {} non tenue", p.promised_for)),
                level: 0,
                channel: Channel::PhoneTask,
                tone: Tone::Ferme,
                template_id: Arc::from("suivi_promesse"),
                needs_validation: false,
                escalation: false,
                currency: *currency,
                amount: covered.iter().map(|i| i.dunned).sum(),
                reference_due: p.promised_for,
                days_late: (as_of - p.promised_for).num_days(),
                invoices: covered,
                note: format!("promis {} pour le {}, payé {} depuis", p.amount, p.promised_for, p.paid_since),
            },
        );
    }

    // The names every reminder of a scenario shares, made once.
    let shared: HashMap<ScenarioId, SharedNames> = scenarios.iter().map(|s| (s.id, SharedNames::of(s))).collect();
    let empty_names = SharedNames { scenario: Arc::from(""), steps: Vec::new(), templates: Vec::new() };
    out.actions.reserve(groups.len());

    // Reminders per client and currency.
    for ((client_id, currency), items) in &groups {
        let client = client_of(*client_id);
        let overdue: Vec<&Dunnable<'_>> = items.iter().filter(|d| d.item.due_date < as_of).collect();
        let overdue_total: Decimal = overdue.iter().map(|d| d.dunned).sum();
        let Some(scenario) =
            choose_scenario(scenarios, &ordered, client, overdue_total, snapshot.overrides.get(client_id))
        else {
            continue;
        };
        let names = shared.get(&scenario.id).unwrap_or(&empty_names);
        let base = |step: usize, anchor: &Dunnable<'_>, invoices: Vec<PlannedInvoice>| {
            let s = &scenario.steps[step];
            let escalation = s.tone == Tone::MiseEnDemeure;
            PlannedAction {
                key: action_key(ActionKind::Reminder, *client_id, Some(scenario.id), step, anchor.item.invoice_id.0),
                kind: ActionKind::Reminder,
                client_id: *client_id,
                client_name: Arc::clone(&client.name),
                language: client.language.clone(),
                scenario: Some((scenario.id, Arc::clone(&names.scenario))),
                step: Some(step),
                step_name: names.steps.get(step).cloned().unwrap_or_else(|| Arc::from(s.name.as_str())),
                level: u32::try_from(step + 1).unwrap_or(u32::MAX),
                channel: s.channel,
                tone: s.tone,
                template_id: names.templates.get(step).cloned().unwrap_or_else(|| Arc::from(s.template_id.as_str())),
                // A mise en demeure is never sent without a person (issue 6: escalation is proposed).
                needs_validation: s.needs_validation || escalation,
                escalation,
                currency: *currency,
                amount: invoices.iter().map(|i| i.dunned).sum(),
                reference_due: anchor.item.due_date,
                days_late: (as_of - anchor.item.due_date).num_days(),
                invoices,
                note: String::new(),
            }
        };
        let Some(oldest) = overdue.iter().min_by_key(|d| (d.item.due_date, d.item.invoice_id)) else {
            // Nothing overdue: the courtesy step before the due date, for the next invoice due.
            let Some(next) = items.iter().min_by_key(|d| (d.item.due_date, d.item.invoice_id)) else { continue };
            let reached = scenario.steps.iter().enumerate().filter(|(_, s)| {
                s.offset_days < 0
                    && s.anchor != Anchor::PreviousStep
                    && plus(next.item.due_date, s.offset_days) <= as_of
            });
            if let Some((i, s)) = reached.max_by_key(|(_, s)| s.offset_days) {
                let window = plus(as_of, -s.offset_days);
                let invoices: Vec<PlannedInvoice> =
                    items.iter().filter(|d| d.item.due_date <= window).map(|d| planned(d, as_of)).collect();
                let mut a = base(i, next, invoices);
                a.note = format!("échéance le {}", next.item.due_date);
                push(&mut out, a);
            }
            continue;
        };
        // The highest step reached, counted from the oldest overdue invoice.
        let key_of =
            |i: usize| action_key(ActionKind::Reminder, *client_id, Some(scenario.id), i, oldest.item.invoice_id.0);
        let mut previous_done: Option<NaiveDate> = None;
        let mut reached: Option<usize> = None;
        for (i, s) in scenario.steps.iter().enumerate() {
            let date = match s.anchor {
                Anchor::DueDate => Some(plus(oldest.item.due_date, s.offset_days)),
                Anchor::MadeAvailable => {
                    Some(plus(oldest.made_available.unwrap_or(oldest.item.due_date), s.offset_days))
                }
                Anchor::PreviousStep => previous_done.map(|d| plus(d, s.offset_days)),
            };
            // Steps before the due date do not apply to an overdue invoice.
            if s.offset_days >= 0 && date.is_some_and(|d| d <= as_of) {
                reached = Some(i);
            }
            previous_done = if done.is_empty() { None } else { done.get(key_of(i).as_str()).copied() };
        }
        let Some(step) = reached else { continue };
        let invoices: Vec<PlannedInvoice> = overdue.iter().map(|d| planned(d, as_of)).collect();
        let mise_en_demeure_on = if scenario.steps[step].tone == Tone::MiseEnDemeure && !done.is_empty() {
            done.get(key_of(step).as_str()).copied()
        } else {
            None
        };
        // The injonction de payer proposed after a recorded mise en demeure whose deadline passed
        // lists the same invoices; only then are they copied.
        let payment_order = mise_en_demeure_on
            .filter(|sent| sent.checked_add_days(Days::new(MISE_EN_DEMEURE_DEADLINE_DAYS)).is_some_and(|d| d <= as_of))
            .map(|sent| (sent, invoices.clone()));
        let mut a = base(step, oldest, invoices);
        a.note = format!("niveau {} : la plus ancienne échue le {}", step + 1, oldest.item.due_date);
        push(&mut out, a);
        // After a recorded mise en demeure whose deadline passed: propose an injonction de payer.
        if let Some((sent, invoices)) = payment_order {
            let mut p = base(step, oldest, invoices);
            p.key = action_key(ActionKind::PaymentOrder, *client_id, Some(scenario.id), 0, oldest.item.invoice_id.0);
            p.kind = ActionKind::PaymentOrder;
            p.step_name = Arc::from("proposer une injonction de payer");
            p.channel = Channel::Letter;
            p.template_id = Arc::from("");
            p.needs_validation = true;
            p.escalation = true;
            p.note = format!("mise en demeure du {sent} restée sans paiement (CPC 1405)");
            push(&mut out, p);
        }
    }

    // Sorted through their positions, then moved once each: an action is a few hundred bytes, and
    // a sort moving tens of thousands of them back and forth cost more than the comparisons.
    let mut order: Vec<usize> = (0..out.actions.len()).collect();
    {
        let a = &out.actions;
        order.sort_by(|&i, &j| {
            let (x, y) = (&a[i], &a[j]);
            y.days_late.cmp(&x.days_late).then(y.amount.cmp(&x.amount)).then(x.key.cmp(&y.key))
        });
    }
    let mut slots: Vec<Option<PlannedAction>> = std::mem::take(&mut out.actions).into_iter().map(Some).collect();
    out.actions = order.iter().filter_map(|&i| slots.get_mut(i).and_then(Option::take)).collect();
    out.paused.sort_by(|a, b| a.client_id.cmp(&b.client_id).then(a.invoice.cmp(&b.invoice)));
    out
}

/// One client's part of today's plan: the actions and held-back items [`plan`] gives `client` on
/// `as_of`, and how many of its actions were already recorded.
///
/// A client's plan depends only on its own items (with their statuses), the disputes and promises
/// naming them, its promises, override and collective procedure, and the actions recorded under
/// its keys: grouping is per client and currency, every key names its client, and nothing planned
/// for one client looks at another's items. So `snapshot` need only hold the client's rows, which
/// the store's `dunning::client_snapshot` reads through the client's indexes instead of the whole
/// portfolio [`plan`] needs. The other clients' items of a wider snapshot are left out first (the
/// tests compare both against the whole plan).
pub fn plan_for_client(as_of: NaiveDate, snapshot: &DunningSnapshot, scenarios: &[Scenario], client: ClientId) -> Plan {
    if snapshot.items.iter().all(|i| i.client_id == client) {
        return plan(as_of, snapshot, scenarios);
    }
    let own = DunningSnapshot {
        items: snapshot.items.iter().filter(|i| i.client_id == client).cloned().collect(),
        clients: snapshot.clients.iter().filter(|(id, _)| **id == client).map(|(id, c)| (*id, c.clone())).collect(),
        disputes: snapshot.disputes.clone(),
        promises: snapshot.promises.clone(),
        insolvencies: snapshot.insolvencies.clone(),
        overrides: snapshot.overrides.clone(),
        history: snapshot.history.clone(),
    };
    plan(as_of, &own, scenarios)
}

#[cfg(test)]
mod tests;
