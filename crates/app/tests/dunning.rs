//! Dunning on the demo dossier: today's plan respects every pause rule (one test per rule, the
//! situation set up in the dossier when the demo lacks it), a second run records nothing, every
//! recorded action is in the audit journal, escalations wait for a person, phone outcomes and
//! promises pause the next reminders.

use std::path::Path;

use chrono::{Days, NaiveDate, NaiveDateTime};
use encours_app::dunning::{
    self, NewPromise, PhoneOutcomeInput, PlanView, PlannedActionView, ScenarioDto, TemplateDto,
};
use encours_app::{DemoOptions, ErrorCode, KeySource};
use encours_domain::{InvoiceId, LifecycleStatus, Money, Source, StatusAmount, StatusEvent};
use encours_store::DossierKey;
use rust_decimal::Decimal;

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn today() -> NaiveDate {
    now().date()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|_| panic!("{s:?} is a decimal string"))
}

fn demo(dir: &Path) -> encours_app::Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"62".repeat(32)).unwrap());
    let mut d = encours_app::create_dossier(
        &dir.join("demo.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        now(),
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 42, clients: 80, invoices: 4_000 }, now(), &mut |_| {})
        .unwrap();
    d
}

/// Adds a lifecycle status to an invoice's history, as the demo generator stores them.
fn add_status(d: &mut encours_app::Dossier, invoice: i64, code: u16, amounts: Vec<StatusAmount>) {
    let mut w = d.writer("test", now()).unwrap();
    w.status(&StatusEvent {
        invoice_id: InvoiceId(invoice),
        status: LifecycleStatus::from_code(code),
        at: now() - chrono::Duration::hours(1),
        reason_code: None,
        reason: None,
        action_code: None,
        action: None,
        amounts,
        source: Source::at(format!("test-{invoice}-{code}"), "status"),
    })
    .unwrap();
    w.commit("test", "test.status", serde_json::json!({})).unwrap();
}

/// A reminder of the plan whose client has at least two overdue invoices (so that pausing one
/// leaves the other dunned), and one of them.
fn reminder_with_two_invoices(p: &PlanView) -> (PlannedActionView, i64) {
    let a = p
        .actions
        .iter()
        .find(|a| a.kind == "reminder" && a.invoices.iter().filter(|i| i.days_late > 0).count() >= 2)
        .expect("a client with two overdue invoices in the demo plan")
        .clone();
    let invoice = a.invoices[0].invoice_id;
    (a, invoice)
}

fn dunned_anywhere(p: &PlanView, invoice: i64) -> bool {
    p.actions.iter().any(|a| a.invoices.iter().any(|i| i.invoice_id == invoice))
}

fn paused_reason(p: &PlanView, invoice: i64) -> Option<(String, String)> {
    p.paused.iter().find(|x| x.invoice_id == Some(invoice)).map(|x| (x.rule.clone(), x.reason.clone()))
}

#[test]
fn the_demo_plan_groups_per_client_follows_the_oldest_invoice_and_escalation_waits_for_a_person() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let p = dunning::dunning_plan(&d, today()).unwrap();
    assert!(p.default_scenarios, "no scenario stored before first use");
    assert!(p.actions.len() >= 10, "a demo portfolio has reminders to send: {}", p.actions.len());
    let mut clients: Vec<(i64, String)> =
        p.actions.iter().filter(|a| a.kind == "reminder").map(|a| (a.client_id, a.currency.clone())).collect();
    let n = clients.len();
    clients.sort();
    clients.dedup();
    assert_eq!(clients.len(), n, "one reminder per client and currency");
    for a in p.actions.iter().filter(|a| a.kind == "reminder") {
        let oldest = a.invoices.iter().map(|i| i.due_date.clone()).min().unwrap();
        assert_eq!(a.reference_due, oldest, "the level follows the oldest invoice: {}", a.client_name);
        let total: Decimal = a.invoices.iter().map(|i| dec(&i.dunned)).sum();
        assert_eq!(dec(&a.amount), total);
        if a.tone == "mise_en_demeure" {
            assert!(a.needs_validation && a.escalation, "{}", a.client_name);
            assert!(a.days_late >= 45);
        }
    }
    assert!(p.actions.iter().any(|a| a.tone == "mise_en_demeure"), "the demo has clients 45 days late");
    // The demo's own disputes and promises already hold invoices back.
    assert!(p.paused.iter().any(|x| x.rule == "dispute"), "{:?}", p.paused_by_rule);
}

#[test]
fn a_second_run_records_nothing_and_every_action_is_in_the_audit_journal() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let planned = dunning::dunning_plan(&d, today()).unwrap();
    let first = dunning::dunning_run(&mut d, today(), now()).unwrap();
    assert!(first.wrote_defaults);
    assert_eq!(first.recorded.len(), planned.actions.len());
    assert!(first.phone_tasks > 0, "the J+20 call step gives phone tasks");
    assert_eq!(
        first.waiting_validation as usize,
        planned.actions.iter().filter(|a| a.needs_validation).count(),
        "every escalation waits for a person"
    );
    let second = dunning::dunning_run(&mut d, today(), now()).unwrap();
    assert!(second.recorded.is_empty(), "{:?}", second.recorded);
    assert!(!second.wrote_defaults);
    assert_eq!(second.already_recorded as usize, first.recorded.len());
    let after = dunning::dunning_plan(&d, today()).unwrap();
    assert!(after.actions.is_empty(), "nothing left to plan today: {:?}", after.actions.first());

    // The outbox holds each action once, with its rendered text and its state.
    let outbox = dunning::dunning_actions(&d, None, 100_000).unwrap();
    assert_eq!(outbox.len(), first.recorded.len());
    for a in &outbox {
        assert!(!a.body.contains('{') && !a.subject.contains('{'), "{}", a.body);
        assert_eq!(a.state, if a.needs_validation { "planned" } else { "validated" });
    }
    // (A claim declaration has the formal tone too, but it is a proposal, not the scenario's letter.)
    let mise = outbox
        .iter()
        .find(|a| a.tone == "mise_en_demeure" && a.kind == "reminder")
        .expect("a mise en demeure proposed");
    assert!(mise.body.contains("mise en demeure") || mise.subject.contains("Mise en demeure"));
    assert_eq!(mise.channel, "lrar");

    // One audit entry per action, naming it.
    let journal = d.audit_entries(1_000_000).unwrap();
    let audited: Vec<String> =
        journal.iter().filter(|e| e.action == "dunning.action").filter_map(|e| e.entity_id.clone()).collect();
    assert_eq!(audited.len(), outbox.len());
    for a in &outbox {
        assert!(audited.contains(&a.id.to_string()), "action {} audited", a.id);
    }
    assert!(journal.iter().any(|e| e.action == "dunning.scenario"), "the defaults written on first use are audited");
    assert_eq!(dunning::scenarios(&d).unwrap().len(), 1);
}

#[test]
fn statuses_207_and_208_pause_their_invoice_and_the_client_is_dunned_for_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let (a, first) = reminder_with_two_invoices(&p);
    let second = a.invoices[1].invoice_id;
    add_status(&mut d, first, 207, vec![]);
    add_status(&mut d, second, 208, vec![]);
    let p = dunning::dunning_plan(&d, today()).unwrap();
    assert_eq!(paused_reason(&p, first), Some(("dispute".into(), "207 En litige".into())));
    assert_eq!(paused_reason(&p, second), Some(("dispute".into(), "208 Suspendue".into())));
    assert!(!dunned_anywhere(&p, first) && !dunned_anywhere(&p, second));
    if a.invoices.len() > 2 {
        assert!(p.actions.iter().any(|x| x.client_id == a.client_id), "the undisputed invoices are still dunned");
    }
}

#[test]
fn a_promise_pauses_until_its_date_and_a_broken_one_is_followed_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let (a, invoice) = reminder_with_two_invoices(&p);
    let promised_for = today().checked_add_days(Days::new(7)).unwrap();
    dunning::record_promise(
        &mut d,
        &NewPromise {
            client_id: a.client_id,
            invoice_ids: vec![],
            promised_for: promised_for.to_string(),
            amount: a.amount.clone(),
            currency: None,
            channel: "phone".into(),
        },
        now(),
    )
    .unwrap();
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let (rule, reason) = paused_reason(&p, invoice).unwrap();
    assert_eq!(rule, "promise");
    assert!(reason.contains(&promised_for.to_string()), "{reason}");
    assert!(!p.actions.iter().any(|x| x.client_id == a.client_id), "the whole account waits for the promise");

    // Three days after the promised date, nothing paid: a follow-up call, and the reminders resume.
    let later = promised_for.checked_add_days(Days::new(3)).unwrap();
    let p = dunning::dunning_plan(&d, later).unwrap();
    let mine: Vec<&PlannedActionView> = p.actions.iter().filter(|x| x.client_id == a.client_id).collect();
    assert!(mine.iter().any(|x| x.kind == "promise_follow_up" && x.channel == "phone"), "{mine:?}");
    assert!(mine.iter().any(|x| x.kind == "reminder"));
    let view = dunning::promises(&d, later).unwrap();
    let mine = view.promises.iter().find(|x| x.client_id == a.client_id && x.channel.as_deref() == Some("phone"));
    assert_eq!(mine.unwrap().state, "broken");
    assert!(view.due > 0 && view.kept_rate.is_some(), "the demo's promises give a kept rate");
}

#[test]
fn a_211_holds_its_invoice_until_the_payment_is_matched() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let (_, invoice) = reminder_with_two_invoices(&p);
    add_status(&mut d, invoice, 211, vec![]);
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let (rule, reason) = paused_reason(&p, invoice).unwrap();
    assert_eq!(rule, "payment_transmitted");
    assert!(reason.starts_with("211 Paiement transmis"), "{reason}");
    assert!(!dunned_anywhere(&p, invoice));
}

#[test]
fn a_collective_procedure_stops_all_reminders_and_proposes_a_claim_declaration() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let (a, _) = reminder_with_two_invoices(&p);
    let judgment = today().checked_sub_days(Days::new(10)).unwrap();
    dunning::set_insolvency(&mut d, a.client_id, Some(("redressement", judgment)), "BODACC", now()).unwrap();
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let mine: Vec<&PlannedActionView> = p.actions.iter().filter(|x| x.client_id == a.client_id).collect();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].kind, "claim_declaration");
    assert!(mine[0].needs_validation && mine[0].escalation);
    let held: Vec<_> = p.paused.iter().filter(|x| x.client_id == a.client_id).collect();
    assert!(held.len() >= a.invoices.len());
    assert!(held.iter().all(|x| x.rule == "insolvency"));
    // Recorded once: a second run does not propose it again.
    let first = dunning::dunning_run(&mut d, today(), now()).unwrap();
    assert!(first.recorded.iter().any(|r| r.client_name == a.client_name && r.state == "planned"));
    let p = dunning::dunning_plan(&d, today()).unwrap();
    assert!(!p.actions.iter().any(|x| x.client_id == a.client_id));
}

#[test]
fn refused_210_and_rejected_213_invoices_are_never_dunned() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let (a, first) = reminder_with_two_invoices(&p);
    let second = a.invoices[1].invoice_id;
    add_status(&mut d, first, 210, vec![]);
    add_status(&mut d, second, 213, vec![]);
    let p = dunning::dunning_plan(&d, today()).unwrap();
    assert_eq!(paused_reason(&p, first).unwrap().0, "not_collectable");
    assert!(paused_reason(&p, first).unwrap().1.starts_with("210 Refusée"));
    assert!(paused_reason(&p, second).unwrap().1.starts_with("213 Rejetée"));
    assert!(!dunned_anywhere(&p, first) && !dunned_anywhere(&p, second));
}

#[test]
fn a_206_duns_only_the_approved_part() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let (a, invoice) = reminder_with_two_invoices(&p);
    let open = dec(&a.invoices[0].outstanding);
    let not_approved = (open / Decimal::from(4)).round_dp(2);
    let mna = StatusAmount { type_code: "MNATTC".into(), amount: Money::eur(not_approved), vat_rate: None };
    add_status(&mut d, invoice, 206, vec![mna]);
    let p = dunning::dunning_plan(&d, today()).unwrap();
    let line = p
        .actions
        .iter()
        .flat_map(|x| x.invoices.iter())
        .find(|i| i.invoice_id == invoice)
        .expect("the approved part is still dunned");
    assert!(line.partially_approved);
    assert_eq!(dec(&line.dunned), open - not_approved);
    assert_eq!(dec(&line.outstanding), open);
}

#[test]
fn a_call_outcome_is_recorded_and_a_dispute_pauses_the_invoices_of_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    dunning::dunning_run(&mut d, today(), now()).unwrap();
    let tasks = dunning::phone_tasks(&d, true).unwrap();
    assert!(tasks.len() >= 2, "the demo plan has calls to make");
    let outbox = dunning::dunning_actions(&d, None, 100_000).unwrap();
    let call = outbox.iter().find(|a| Some(a.id) == tasks[0].action_id).unwrap().clone();
    dunning::record_phone_outcome(&mut d, tasks[0].id, &PhoneOutcomeInput::Dispute { note: "livraison".into() }, now())
        .unwrap();
    dunning::record_phone_outcome(&mut d, tasks[1].id, &PhoneOutcomeInput::NoAnswer, now()).unwrap();
    let e = dunning::record_phone_outcome(&mut d, tasks[1].id, &PhoneOutcomeInput::NoAnswer, now()).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput, "a task is closed once");
    assert_eq!(dunning::phone_tasks(&d, true).unwrap().len(), tasks.len() - 2);
    let outbox = dunning::dunning_actions(&d, None, 100_000).unwrap();
    let done = outbox.iter().find(|a| a.id == call.id).unwrap();
    assert_eq!((done.state.as_str(), done.outcome.as_deref()), ("sent", Some("dispute")));
    // The next plan holds the call's invoices back as disputed.
    let later = today().checked_add_days(Days::new(20)).unwrap();
    let p = dunning::dunning_plan(&d, later).unwrap();
    let held = p.paused.iter().filter(|x| x.client_id == call.client_id && x.rule == "dispute").count();
    assert!(held >= 1, "{:?}", p.paused_by_rule);
    let journal = d.audit_entries(100_000).unwrap();
    assert_eq!(journal.iter().filter(|e| e.action == "dunning.phone_outcome").count(), 2);
}

#[test]
fn templates_are_checked_and_scenarios_edited() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let mut t: TemplateDto = dunning::templates(&d).unwrap().into_iter().find(|t| t.id == "relance_ferme").unwrap();
    assert!(t.variables.contains(&"penalites".to_owned()));
    t.body.push_str("\n{montant_ttc}");
    let e = dunning::update_template(&mut d, &t, now()).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("{montant_ttc}"), "{}", e.message);
    t.body = "Reste dû : {montant_du}, {jours_retard} jours.".into();
    dunning::update_template(&mut d, &t, now()).unwrap();
    assert_eq!(dunning::templates(&d).unwrap().iter().find(|x| x.id == "relance_ferme").unwrap().body, t.body);

    // A scenario for large amounts, tried first: only two steps, the second a mise en demeure that
    // is forced to need validation.
    let mut s: ScenarioDto = dunning::scenarios(&d).unwrap().remove(0);
    s.id = 0;
    s.name = "Gros montants".into();
    s.priority = 1;
    s.min_amount = Some("20000".into());
    s.steps.retain(|x| x.offset_days == 1 || x.tone == "mise_en_demeure");
    for st in &mut s.steps {
        st.needs_validation = false;
    }
    let id = dunning::update_scenario(&mut d, &s, now()).unwrap();
    let stored = dunning::scenarios(&d).unwrap();
    assert_eq!(stored.len(), 2);
    let big = stored.iter().find(|x| x.id == id).unwrap();
    assert!(big.steps.iter().any(|x| x.tone == "mise_en_demeure" && x.needs_validation));
    let p = dunning::dunning_plan(&d, today()).unwrap();
    for a in p.actions.iter().filter(|a| a.kind == "reminder" && a.days_late > 0) {
        let big_client = dec(&a.amount) >= dec("20000");
        assert_eq!(a.scenario.as_deref() == Some("Gros montants"), big_client, "{} {}", a.client_name, a.amount);
    }
    let mut bad = s.clone();
    bad.steps[0].template_id = "inconnu".into();
    assert_eq!(dunning::update_scenario(&mut d, &bad, now()).unwrap_err().code, ErrorCode::InvalidInput);
}
