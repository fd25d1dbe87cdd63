//! The client page's next step (`portfolio::client_plan`) is planned from the client's own rows
//! only; this checks that it is exactly the client's part of the whole portfolio's plan
//! (`dunning::dunning_plan`), for every client of the demo dossier, on dates that reach every rule:
//! today with the demo's disputes, promises, lifecycle holds and collective procedures, plus a
//! paused client and a client under a chosen scenario; then, after a recorded run, later dates
//! where recorded steps are not planned again, steps anchored on them come due and a mise en demeure
//! past its deadline turns into a proposed injonction de payer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Days, NaiveDate, NaiveDateTime};
use encours_app::dunning::{self, PlanView};
use encours_app::{portfolio, DemoOptions, KeySource};
use encours_store::DossierKey;

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn today() -> NaiveDate {
    now().date()
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

/// Compares, for every client of the dossier, the per-client plan with the whole plan's part for
/// that client; returns the action kinds and pause rules the whole plan had, to show what was
/// covered.
fn every_client_agrees(d: &encours_app::Dossier, as_of: NaiveDate) -> (BTreeMap<String, usize>, BTreeSet<String>) {
    let whole: PlanView = dunning::dunning_plan(d, as_of).unwrap();
    let clients: Vec<i64> = portfolio::portfolio(d, today()).unwrap().rows.iter().map(|r| r.client_id).collect();
    assert!(clients.len() >= 80, "every client of the demo: {}", clients.len());
    let (mut actions, mut paused) = (0, 0);
    for &client in &clients {
        let mine = portfolio::client_plan(d, client, as_of).unwrap();
        let expected_actions: Vec<_> = whole.actions.iter().filter(|a| a.client_id == client).cloned().collect();
        let expected_paused: Vec<_> = whole.paused.iter().filter(|p| p.client_id == client).cloned().collect();
        assert_eq!(mine.as_of, whole.as_of);
        assert_eq!(mine.actions, expected_actions, "client {client} on {as_of}: actions");
        assert_eq!(mine.paused, expected_paused, "client {client} on {as_of}: held back");
        actions += mine.actions.len();
        paused += mine.paused.len();
    }
    // Every action and held-back item of the whole plan belongs to one of the clients compared.
    assert_eq!(actions, whole.actions.len(), "{as_of}: actions");
    assert_eq!(paused, whole.paused.len(), "{as_of}: held back");
    let mut kinds = BTreeMap::new();
    for a in &whole.actions {
        *kinds.entry(a.kind.clone()).or_default() += 1;
    }
    (kinds, whole.paused.iter().map(|p| p.rule.clone()).collect())
}

#[test]
fn each_client_plan_is_its_part_of_the_whole_plan() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let (kinds, rules) = every_client_agrees(&d, today());
    assert!(kinds.get("reminder").is_some_and(|n| *n > 10), "{kinds:?}");
    assert!(kinds.contains_key("promise_follow_up"), "the demo has broken promises: {kinds:?}");
    assert!(rules.contains("dispute"), "the demo holds disputed items back: {rules:?}");

    // A client paused, another in a collective procedure.
    let plan = dunning::dunning_plan(&d, today()).unwrap();
    let reminded: Vec<i64> = plan
        .actions
        .iter()
        .filter(|a| a.kind == "reminder")
        .map(|a| a.client_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    dunning::pause_client(&mut d, reminded[0], Some(today() + Days::new(20)), "accord de paiement", now()).unwrap();
    let on = today() - Days::new(30);
    dunning::set_insolvency(&mut d, reminded[1], Some(("receivership", on)), "jugement du tribunal", now()).unwrap();
    let (kinds, rules) = every_client_agrees(&d, today());
    assert!(kinds.contains_key("claim_declaration"), "{kinds:?}");
    for rule in ["dispute", "client_paused", "insolvency"] {
        assert!(rules.contains(rule), "items held back for {rule}: {rules:?}");
    }

    // Record today's plan, then plan later days: recorded steps are not planned again, steps
    // anchored on a recorded one and the injonction de payer after a mise en demeure come due.
    dunning::dunning_run(&mut d, today(), now()).unwrap();
    let mut seen = BTreeMap::new();
    for days in [0, 8, 16, 30, 45] {
        let (kinds, _) = every_client_agrees(&d, today() + Days::new(days));
        for (k, n) in kinds {
            *seen.entry(k).or_insert(0) += n;
        }
    }
    assert!(seen.contains_key("payment_order"), "an injonction de payer was proposed on a later day: {seen:?}");
}
