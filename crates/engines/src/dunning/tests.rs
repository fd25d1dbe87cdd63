use chrono::NaiveDateTime;
use encours_domain::dunning::{
    default_scenario, ActionDone, DunningClient, InsolvencyCase, OpenDispute, PromiseFact, SegmentFilter,
};
use encours_domain::{Source, StatusAmount, StatusEvent};
use rust_decimal_macros::dec;

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    format!("{s}T10:00:00").parse().unwrap()
}

fn status(invoice: i64, code: u16, on: &str, amounts: Vec<StatusAmount>) -> StatusEvent {
    StatusEvent {
        invoice_id: InvoiceId(invoice),
        status: LifecycleStatus::from_code(code),
        at: at(on),
        reason_code: None,
        reason: None,
        action_code: None,
        action: None,
        amounts,
        source: Source::at("test", "status"),
    }
}

fn item(id: i64, client: i64, due: &str, open: Decimal) -> DunningItem {
    DunningItem {
        invoice_id: InvoiceId(id),
        client_id: ClientId(client),
        number: format!("F{id}").into(),
        issue_date: d("2026-09-01"),
        due_date: d(due),
        currency: Currency::EUR,
        outstanding: open,
        statuses: vec![],
        stored_hold: None,
    }
}

fn snapshot(items: Vec<DunningItem>) -> DunningSnapshot {
    let mut s = DunningSnapshot { items, ..Default::default() };
    for i in &s.items {
        s.clients.insert(
            i.client_id,
            DunningClient {
                id: i.client_id,
                name: format!("Client {}", i.client_id.0).into(),
                naf: None,
                risk_grade: None,
                language: "fr".into(),
            },
        );
    }
    s
}

const AS_OF: &str = "2026-11-23";

fn run(s: &DunningSnapshot) -> Plan {
    plan(d(AS_OF), s, &[default_scenario()])
}

#[test]
fn the_level_follows_the_oldest_overdue_invoice_and_reminders_are_grouped_per_client() {
    // 20 and 3 days late: one action at the J+20 step (phone), covering both invoices.
    let s = snapshot(vec![item(1, 1, "2026-11-03", dec!(100)), item(2, 1, "2026-11-20", dec!(50))]);
    let p = run(&s);
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert_eq!((a.level, a.channel, a.days_late), (4, Channel::PhoneTask, 20));
    assert_eq!(a.amount, dec!(150));
    assert_eq!(a.invoices.len(), 2);
    assert_eq!(a.reference_due, d("2026-11-03"));
    // 50 days late: the mise en demeure, proposed and needing validation.
    let s = snapshot(vec![item(1, 1, "2026-10-04", dec!(100))]);
    let a = &run(&s).actions[0];
    assert_eq!(a.tone, Tone::MiseEnDemeure);
    assert!(a.needs_validation && a.escalation);
    assert_eq!(a.channel, Channel::RegisteredLetter(RegisteredKind::Lrar));
}

#[test]
fn a_courtesy_reminder_goes_five_days_before_the_due_date_and_not_earlier() {
    let p = run(&snapshot(vec![item(1, 1, "2026-11-28", dec!(10))]));
    assert_eq!(p.actions.len(), 1);
    assert_eq!(p.actions[0].level, 1);
    assert_eq!(p.actions[0].days_late, -5);
    assert!(run(&snapshot(vec![item(1, 1, "2026-11-29", dec!(10))])).actions.is_empty());
}

#[test]
fn an_action_already_recorded_is_not_planned_again_and_the_next_step_comes_in_its_time() {
    let mut s = snapshot(vec![item(1, 1, "2026-11-03", dec!(100))]);
    let first = run(&s);
    assert_eq!(first.actions.len(), 1);
    s.history = first.actions.iter().map(|a| ActionDone { key: a.key.clone(), on: d(AS_OF) }).collect();
    let second = run(&s);
    assert!(second.actions.is_empty(), "{:#?}", second.actions);
    assert_eq!(second.already_done, 1);
    // Ten days later the J+30 letter is due: a new action.
    let later = plan(d("2026-12-03"), &s, &[default_scenario()]);
    assert_eq!(later.actions.len(), 1);
    assert_eq!(later.actions[0].channel, Channel::Letter);
}

#[test]
fn the_injonction_de_payer_is_proposed_only_after_a_recorded_mise_en_demeure_and_its_deadline() {
    let mut s = snapshot(vec![item(1, 1, "2026-09-01", dec!(100))]);
    let first = run(&s);
    assert_eq!(first.actions.len(), 1);
    assert_eq!(first.actions[0].tone, Tone::MiseEnDemeure);
    s.history = vec![ActionDone { key: first.actions[0].key.clone(), on: d("2026-11-10") }];
    let p = run(&s);
    assert_eq!(p.actions.len(), 0, "deadline of the mise en demeure not passed yet: {:#?}", p.actions);
    s.history[0].on = d("2026-11-01");
    let p = run(&s);
    assert_eq!(p.actions.len(), 1);
    assert_eq!(p.actions[0].kind, ActionKind::PaymentOrder);
    assert!(p.actions[0].needs_validation);
}

#[test]
fn disputes_207_208_and_dispute_records_pause_the_invoice_only() {
    let mut a = item(1, 1, "2026-11-01", dec!(100));
    a.statuses = vec![status(1, 207, "2026-11-05", vec![])];
    let mut b = item(2, 2, "2026-11-01", dec!(100));
    b.statuses = vec![status(2, 208, "2026-11-05", vec![])];
    let c = item(3, 3, "2026-11-01", dec!(100));
    let e = item(4, 3, "2026-11-10", dec!(30));
    let mut s = snapshot(vec![a, b, c, e]);
    s.disputes = vec![OpenDispute {
        id: 9,
        client_id: ClientId(3),
        invoice_ids: vec![InvoiceId(3)],
        opened_on: d("2026-11-02"),
    }];
    let p = run(&s);
    let reasons: Vec<_> = p.paused.iter().map(|x| (x.invoice.as_ref().unwrap().0 .0, x.reason.clone())).collect();
    assert!(reasons.contains(&(1, PauseReason::Dispute { status: Some(207) })));
    assert!(reasons.contains(&(2, PauseReason::Dispute { status: Some(208) })));
    assert!(reasons.contains(&(3, PauseReason::Dispute { status: None })));
    // Client 3 is still dunned for its undisputed invoice, at its own level (13 days late: J+1).
    assert_eq!(p.actions.len(), 1);
    assert_eq!(p.actions[0].invoices.iter().map(|i| i.invoice_id.0).collect::<Vec<_>>(), vec![4]);
    assert_eq!(p.actions[0].level, 2);
    // A 209 Complétée after the 207 resumes dunning.
    let mut s2 = s.clone();
    s2.items[0].statuses.push(status(1, 209, "2026-11-10", vec![]));
    assert!(run(&s2).actions.iter().any(|a| a.client_id == ClientId(1)));
}

#[test]
fn refused_rejected_and_cancelled_invoices_are_never_dunned() {
    let mut items = Vec::new();
    for (id, code) in [(1, 210), (2, 213), (3, 220)] {
        let mut i = item(id, id, "2026-10-01", dec!(100));
        i.statuses = vec![status(id, code, "2026-10-05", vec![])];
        items.push(i);
    }
    let p = run(&snapshot(items));
    assert!(p.actions.is_empty());
    let reasons: Vec<_> = p.paused.iter().map(|x| x.reason.clone()).collect();
    assert_eq!(
        reasons,
        vec![
            PauseReason::NotCollectable { status: 210 },
            PauseReason::NotCollectable { status: 213 },
            PauseReason::Cancelled
        ]
    );
}

#[test]
fn a_211_holds_until_the_payment_is_matched() {
    let mut i = item(1, 1, "2026-11-01", dec!(100));
    i.statuses = vec![status(1, 211, "2026-11-20", vec![])];
    let p = run(&snapshot(vec![i.clone()]));
    assert!(p.actions.is_empty());
    assert!(matches!(p.paused[0].reason, PauseReason::PaymentTransmitted { .. }));
    i.stored_hold = Some(Some("payment_transmitted".into()));
    assert!(run(&snapshot(vec![i.clone()])).actions.is_empty());
    // The match released the hold, and something is still open: dunned again.
    i.stored_hold = Some(None);
    assert_eq!(run(&snapshot(vec![i])).actions.len(), 1);
}

#[test]
fn a_206_duns_only_the_approved_part() {
    let mut i = item(1, 1, "2026-11-01", dec!(1200));
    let mna = StatusAmount { type_code: "MNATTC".into(), amount: Money::eur(dec!(300)), vat_rate: None };
    i.statuses = vec![status(1, 206, "2026-11-05", vec![mna])];
    let p = run(&snapshot(vec![i]));
    assert_eq!(p.actions.len(), 1, "{:#?}", p);
    assert_eq!(p.actions[0].amount, dec!(900));
    assert!(p.actions[0].invoices[0].partially_approved);
}

#[test]
fn a_pending_promise_pauses_until_its_date_and_a_broken_one_is_followed_up() {
    let mut s = snapshot(vec![item(1, 1, "2026-11-01", dec!(100)), item(2, 1, "2026-11-02", dec!(50))]);
    s.promises = vec![PromiseFact {
        id: 5,
        client_id: ClientId(1),
        invoice_ids: vec![],
        made_on: d("2026-11-15"),
        promised_for: d("2026-11-25"),
        amount: dec!(150),
        paid_since: dec!(0),
    }];
    let p = run(&s);
    assert!(p.actions.is_empty());
    assert_eq!(p.paused.len(), 2);
    assert!(p.paused.iter().all(|x| x.reason == PauseReason::Promise { promise_id: 5, until: d("2026-11-25") }));
    // After the date, not paid: a follow-up, and the reminders resume.
    let later = plan(d("2026-11-27"), &s, &[default_scenario()]);
    let kinds: Vec<_> = later.actions.iter().map(|a| a.kind).collect();
    assert!(kinds.contains(&ActionKind::PromiseFollowUp), "{kinds:?}");
    assert!(kinds.contains(&ActionKind::Reminder), "{kinds:?}");
    // Kept: no follow-up.
    s.promises[0].paid_since = dec!(150);
    let kept = plan(d("2026-11-27"), &s, &[default_scenario()]);
    assert!(!kept.actions.iter().any(|a| a.kind == ActionKind::PromiseFollowUp));
}

#[test]
fn a_collective_procedure_stops_every_reminder_and_proposes_a_claim_declaration() {
    let mut s = snapshot(vec![item(1, 1, "2026-10-01", dec!(100)), item(2, 1, "2026-11-26", dec!(40))]);
    s.insolvencies.insert(ClientId(1), InsolvencyCase { kind: "receivership".into(), judgment_on: d("2026-11-10") });
    let p = run(&s);
    assert_eq!(p.actions.len(), 1);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::ClaimDeclaration);
    assert!(a.needs_validation && a.escalation);
    assert_eq!(a.amount, dec!(140));
    assert!(p.paused.iter().all(|x| matches!(x.reason, PauseReason::Insolvency { .. })));
}

#[test]
fn overrides_pause_a_client_or_choose_its_scenario_and_filters_choose_by_amount() {
    let mut s = snapshot(vec![item(1, 1, "2026-11-03", dec!(100)), item(2, 2, "2026-11-03", dec!(100_000))]);
    s.overrides.insert(ClientId(1), ClientOverride::Pause { until: Some(d("2026-11-30")), reason: "accord".into() });
    let mut big = default_scenario();
    big.id = ScenarioId(2);
    big.name = "Grands montants".into();
    big.priority = 10;
    big.filter = SegmentFilter { min_amount: Some(dec!(50_000)), ..Default::default() };
    big.steps.truncate(2);
    let p = plan(d(AS_OF), &s, &[default_scenario(), big]);
    assert_eq!(p.actions.len(), 1);
    assert_eq!(p.actions[0].client_id, ClientId(2));
    assert_eq!(&*p.actions[0].scenario.as_ref().unwrap().1, "Grands montants");
    assert!(matches!(&p.paused[0].reason, PauseReason::ClientPaused { reason, .. } if reason == "accord"));
}

/// An action key names its client second (`kind:client:…`, [`action_key`]).
fn keyed_to(key: &str, client: ClientId) -> bool {
    key.split(':').nth(1) == Some(client.0.to_string().as_str())
}

#[test]
fn a_client_plan_is_the_client_part_of_the_whole_plan() {
    // Seven clients, each under another rule: reminders at two levels, a recorded step, an open
    // dispute, a broken and a pending promise, a collective procedure, a pause.
    let mut s = snapshot(vec![
        item(1, 1, "2026-11-03", dec!(100)),
        item(2, 1, "2026-11-20", dec!(50)),
        item(3, 2, "2026-10-01", dec!(300)),
        item(4, 3, "2026-11-10", dec!(80)),
        item(5, 3, "2026-11-12", dec!(20)),
        item(6, 4, "2026-10-20", dec!(70)),
        item(7, 5, "2026-11-01", dec!(90)),
        item(8, 6, "2026-11-02", dec!(60)),
        item(9, 7, "2026-11-24", dec!(40)),
    ]);
    s.disputes = vec![OpenDispute {
        id: 1,
        client_id: ClientId(3),
        invoice_ids: vec![InvoiceId(4)],
        opened_on: d("2026-11-15"),
    }];
    let promise = |id: i64, client: i64, promised_for: &str| PromiseFact {
        id,
        client_id: ClientId(client),
        invoice_ids: vec![],
        made_on: d("2026-11-01"),
        promised_for: d(promised_for),
        amount: dec!(70),
        paid_since: dec!(0),
    };
    s.promises = vec![promise(1, 4, "2026-11-15"), promise(2, 6, "2026-11-30")];
    s.insolvencies.insert(ClientId(5), InsolvencyCase { kind: "redressement".into(), judgment_on: d("2026-11-10") });
    s.overrides.insert(ClientId(2), ClientOverride::Pause { until: Some(d("2026-12-31")), reason: "accord".into() });
    let whole = run(&s);
    s.history = vec![ActionDone { key: whole.actions[0].key.clone(), on: d("2026-11-20") }];
    let whole = run(&s);
    assert_eq!(whole.already_done, 1);
    let rules: HashSet<_> = whole.paused.iter().map(|p| std::mem::discriminant(&p.reason)).collect();
    assert!(rules.len() >= 4, "disputes, promise, procedure, pause: {:#?}", whole.paused);
    assert!(whole.actions.iter().any(|a| a.kind == ActionKind::PromiseFollowUp));
    assert!(whole.actions.iter().any(|a| a.kind == ActionKind::ClaimDeclaration));

    for client in 1..=8 {
        let client = ClientId(client);
        let expected_actions: Vec<_> = whole.actions.iter().filter(|a| a.client_id == client).cloned().collect();
        let expected_paused: Vec<_> = whole.paused.iter().filter(|p| p.client_id == client).cloned().collect();
        // From the whole snapshot, and from one holding only the client's rows (as the store reads).
        let own = DunningSnapshot {
            items: s.items.iter().filter(|i| i.client_id == client).cloned().collect(),
            clients: s.clients.iter().filter(|(id, _)| **id == client).map(|(id, c)| (*id, c.clone())).collect(),
            disputes: s.disputes.iter().filter(|x| x.client_id == client).cloned().collect(),
            promises: s.promises.iter().filter(|p| p.client_id == client).cloned().collect(),
            insolvencies: s
                .insolvencies
                .iter()
                .filter(|(id, _)| **id == client)
                .map(|(id, c)| (*id, c.clone()))
                .collect(),
            overrides: s.overrides.iter().filter(|(id, _)| **id == client).map(|(id, o)| (*id, o.clone())).collect(),
            history: s.history.iter().filter(|h| keyed_to(&h.key, client)).cloned().collect(),
        };
        for (what, snap) in [("whole snapshot", &s), ("client's rows", &own)] {
            let mine = plan_for_client(d(AS_OF), snap, &[default_scenario()], client);
            assert_eq!(mine.actions, expected_actions, "client {} from the {what}", client.0);
            assert_eq!(mine.paused, expected_paused, "client {} from the {what}", client.0);
            let recorded = usize::from(s.history.iter().any(|h| keyed_to(&h.key, client)));
            assert_eq!(mine.already_done, recorded, "client {} from the {what}", client.0);
        }
    }
}
