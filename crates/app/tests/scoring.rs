//! The dossier's scoring on the demo portfolio: the read model knows only what was dated on or
//! before its date and gives every document once; a day's run is idempotent, alerts are raised once
//! across days, the history grows by one point per scoring date, and the alert workflow is audited.

use std::collections::HashSet;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::scoring;
use encours_app::{DemoOptions, KeySource};
use encours_store::scoring::for_each_client_ledger;
use encours_store::{DossierKey, StoreError};
use rust_decimal::Decimal;

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn demo(dir: &Path) -> encours_app::Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"61".repeat(32)).unwrap());
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

struct Read {
    clients: usize,
    documents: usize,
    ids: HashSet<i64>,
    latest: Option<NaiveDate>,
}

fn read(d: &encours_app::Dossier, as_of: NaiveDate) -> Read {
    let mut r = Read { clients: 0, documents: 0, ids: HashSet::new(), latest: None };
    let mut previous_client = 0;
    for_each_client_ledger(d, as_of, |l| {
        assert!(l.client_id > previous_client, "clients in id order, each once");
        previous_client = l.client_id;
        r.clients += 1;
        for doc in &l.documents {
            r.documents += 1;
            assert!(r.ids.insert(doc.id), "document {} given twice", doc.id);
            assert!(doc.amount > Decimal::ZERO);
            let applied: Decimal = doc.allocations.iter().map(|a| a.amount).sum();
            assert!(applied <= doc.amount, "document {}: {applied} applied to {}", doc.id, doc.amount);
            let dates = std::iter::once(doc.issue_date)
                .chain(doc.allocations.iter().map(|a| a.date))
                .chain(doc.statuses.iter().map(|s| s.1));
            for day in dates {
                r.latest = r.latest.max(Some(day));
            }
            assert!(doc.allocations.windows(2).all(|w| w[0].date <= w[1].date));
            assert!(doc.statuses.windows(2).all(|w| w[0].1 <= w[1].1));
        }
        for p in &l.broken_promises {
            r.latest = r.latest.max(Some(*p));
        }
        Ok::<(), StoreError>(())
    })
    .unwrap();
    r
}

#[test]
fn the_read_model_knows_only_what_was_dated_on_or_before_its_date() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let all = read(&d, date("2030-01-01"));
    assert_eq!(all.clients, 80);
    assert_eq!(all.documents, 4_000, "every invoice and credit note, once");

    let past = read(&d, date("2026-03-31"));
    assert_eq!(past.clients, 80, "clients without documents yet are still given");
    assert!(past.documents > 1_000 && past.documents < 4_000, "{}", past.documents);
    assert!(past.latest.unwrap() <= date("2026-03-31"), "{:?}", past.latest);
    assert!(past.ids.is_subset(&all.ids));
}

#[test]
fn runs_are_idempotent_alerts_come_once_and_the_workflow_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let mut progress = 0;
    let first = scoring::score_run(&mut d, date("2026-10-23"), now(), &mut |n| progress = n).unwrap();
    assert_eq!(progress, 80);
    assert!(first.model_refitted);
    let again = scoring::score_run(&mut d, date("2026-10-23"), now(), &mut |_| {}).unwrap();
    assert_eq!(again.replaced, first.clients_scored);
    assert_eq!(again.new_alerts, 0);
    assert!(!again.model_refitted);

    let next = scoring::score_run(&mut d, date("2026-11-23"), now(), &mut |_| {}).unwrap();
    assert_eq!(next.replaced, 0);
    assert!(next.model_refitted, "the fit is 31 days old: refitted");
    let alerts = scoring::score_alerts(&d, None).unwrap();
    assert_eq!(alerts.len(), first.new_alerts + next.new_alerts);
    let keys: HashSet<&str> = alerts.iter().map(|a| a.dedupe_key.as_str()).collect();
    assert_eq!(keys.len(), alerts.len());

    // A client scored on both dates has a history of two points.
    let id = alerts.first().map_or(1, |a| a.client_id);
    let view = scoring::score_show(&d, id, date("2026-11-23")).unwrap();
    assert_eq!(view.history.len(), 2);
    assert_eq!(view.scored_on, "2026-11-23");
    assert!(view.reasons.len() <= 3);
    assert!(view.suggested_limit.parse::<Decimal>().is_ok());
    let earlier = scoring::score_show(&d, id, date("2026-11-01")).unwrap();
    assert_eq!(earlier.scored_on, "2026-10-23");

    if let Some(a) = alerts.first() {
        scoring::acknowledge_alert(&mut d, a.id, now()).unwrap();
        assert_eq!(scoring::score_alerts(&d, Some("acknowledged")).unwrap().len(), 1);
        assert!(scoring::snooze_alert(&mut d, a.id, date("2026-11-01"), now()).is_err(), "a past date");
        scoring::snooze_alert(&mut d, a.id, date("2026-12-15"), now()).unwrap();
        let snoozed = scoring::score_alerts(&d, Some("snoozed")).unwrap();
        assert_eq!(snoozed[0].snoozed_until.as_deref(), Some("2026-12-15"));
        let journal = d.audit_entries(10).unwrap();
        assert!(journal.iter().filter(|e| e.action == "score.alert").count() >= 2);
    }
    assert!(scoring::acknowledge_alert(&mut d, 999_999, now()).is_err());
    assert!(scoring::score_alerts(&d, Some("closed")).is_err());
    let journal = d.audit_entries(50).unwrap();
    assert_eq!(journal.iter().filter(|e| e.action == "score.run").count(), 3);
}
