//! The open items behind the dashboard's figures, on the demo dossier: each list adds up to the
//! figure it is behind — every aged-balance bucket, the overdue figure, the open items total, a
//! client's balance — today and on past dates, and lists its items in the promised order.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::analytics::{self, AnalyticsOptions};
use encours_app::items::{self, OpenItemsFilter, OpenItemsView, MAX_OPEN_ITEMS};
use encours_app::{DemoOptions, ErrorCode, KeySource};
use encours_engines::analytics::aging::AgingBuckets;
use encours_store::DossierKey;
use rust_decimal::Decimal;

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|_| panic!("{s:?} is a decimal string"))
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

/// The items are in the listing order, and as many as asked (or as there are).
fn check_order(v: &OpenItemsView, limit: u32) {
    assert_eq!(v.items.len() as u64, v.count.min(u64::from(limit)), "{:?}", v.filter);
    for pair in v.items.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let ordered =
            a.days_past_due > b.days_past_due || (a.days_past_due == b.days_past_due && dec(&a.open) >= dec(&b.open));
        assert!(ordered, "{} then {}: most days past due first, then the largest amount", a.number, b.number);
    }
    for i in &v.items {
        assert_eq!(dec(&i.open).scale(), 2, "amounts to the cent: {}", i.open);
        assert_eq!(i.currency, "EUR");
        let due = date(&i.due_date);
        assert_eq!((date(&v.as_of) - due).num_days(), i.days_past_due, "{}", i.number);
    }
}

#[test]
fn every_list_adds_up_to_the_figure_it_is_behind_today_and_on_past_dates() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let buckets = AgingBuckets::default();
    for on in [date("2026-11-23"), date("2026-09-30"), date("2026-03-31")] {
        let aging = analytics::aging_report(&d, on, &AnalyticsOptions::default()).unwrap();
        let dashboard = analytics::dashboard(&d, on).unwrap();
        let total = &aging.by_client.total;
        assert!(total.items > 100, "a portfolio with open items on {on}");

        // Each bucket of the aged balance: the list's total is the bucket, its count adds up to
        // the items of the aged balance.
        let mut counted = 0;
        for (index, amount) in total.buckets.iter().enumerate() {
            let filter = items::bucket_filter(&buckets, index).unwrap();
            let v = items::open_items(&d, on, &filter, 50).unwrap();
            assert_eq!(&v.total, amount, "bucket {index} on {on}");
            assert_eq!(v.as_of, on.to_string());
            check_order(&v, 50);
            let bucket = &aging.by_client.buckets[index];
            for i in &v.items {
                let late = i.days_past_due;
                let inside = match (bucket.min_days, bucket.max_days) {
                    (None, _) => late <= 0,
                    (Some(min), max) => late >= i64::from(min) && max.is_none_or(|m| late <= i64::from(m)),
                };
                assert!(inside, "{} ({late} days) in bucket {}", i.number, bucket.label);
            }
            counted += v.count;
        }
        assert_eq!(counted, total.items, "every open item is in one bucket on {on}");

        // The headline figures.
        let overdue = items::open_items(&d, on, &OpenItemsFilter::Overdue, 200).unwrap();
        assert_eq!(overdue.total, dashboard.key_figures.overdue, "overdue on {on}");
        assert_eq!(overdue.total, total.overdue);
        assert!(overdue.items.iter().all(|i| i.days_past_due > 0));
        check_order(&overdue, 200);
        let all = items::open_items(&d, on, &OpenItemsFilter::All, 0).unwrap();
        assert_eq!(all.total, dashboard.key_figures.open_items_total, "open items on {on}");
        assert_eq!(all.count, total.items);
        assert!(all.items.is_empty(), "a limit of 0 lists nothing and still counts");

        // A client: its row of the aged balance by client (the largest and a small one).
        for row in [aging.by_client.rows.first().unwrap(), aging.by_client.rows.last().unwrap()] {
            let client: i64 = row.key.parse().unwrap();
            let v = items::open_items(&d, on, &OpenItemsFilter::Client { client_id: client }, MAX_OPEN_ITEMS).unwrap();
            assert_eq!((v.total.as_str(), v.count), (row.total.as_str(), row.items), "client {client} on {on}");
            assert!(v.items.iter().all(|i| i.client_id == client && i.client_name == row.label));
            check_order(&v, MAX_OPEN_ITEMS);
        }

        // A forecast week: the items falling due in it, and only them.
        let week = &dashboard.forecast.weeks[0];
        let filter = OpenItemsFilter::DueBetween { from: week.starts.clone(), to: week.ends.clone() };
        let v = items::open_items(&d, on, &filter, MAX_OPEN_ITEMS).unwrap();
        let (from, to) = (date(&week.starts), date(&week.ends));
        assert!(v.items.iter().all(|i| (from..=to).contains(&date(&i.due_date))));
        let everything = items::open_items(&d, on, &OpenItemsFilter::All, MAX_OPEN_ITEMS).unwrap();
        let due: Vec<&str> = everything
            .items
            .iter()
            .filter(|i| (from..=to).contains(&date(&i.due_date)))
            .map(|i| i.number.as_str())
            .collect();
        let mut listed: Vec<&str> = v.items.iter().map(|i| i.number.as_str()).collect();
        let mut due = due;
        listed.sort_unstable();
        due.sort_unstable();
        assert_eq!(listed, due, "week {} on {on}", week.week);
        let sum: Decimal = v.items.iter().map(|i| dec(&i.open)).sum();
        assert_eq!(sum, dec(&v.total), "every item of the week is listed: the listed amounts add up to the total");
    }
}

#[test]
fn a_past_date_lists_the_open_amounts_of_that_date() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let today = items::open_items(&d, date("2026-11-23"), &OpenItemsFilter::All, MAX_OPEN_ITEMS).unwrap();
    let before = items::open_items(&d, date("2026-06-30"), &OpenItemsFilter::All, MAX_OPEN_ITEMS).unwrap();
    assert!(before.items.iter().all(|i| date(&i.issue_date) <= date("2026-06-30")), "nothing issued later");
    // Invoices open in June and paid (at least in part) since: listed then, with more open.
    let now_open: std::collections::HashMap<i64, Decimal> =
        today.items.iter().map(|i| (i.invoice_id, dec(&i.open))).collect();
    let paid_since = before
        .items
        .iter()
        .filter(|i| dec(&i.open) > Decimal::ZERO)
        .filter(|i| now_open.get(&i.invoice_id).is_none_or(|o| *o < dec(&i.open)))
        .count();
    assert!(paid_since > 10, "{paid_since} items of 30 June were paid since, so the past list differs");
}

#[test]
fn filters_are_checked_and_cross_the_boundary_as_camel_case_json() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeySource::Environment(DossierKey::from_hex(&"62".repeat(32)).unwrap());
    let d = encours_app::create_dossier(&dir.path().join("e.encours"), "552081317", "Vide SAS", &keys, now()).unwrap();
    let on = date("2026-11-23");
    let empty = items::open_items(&d, on, &OpenItemsFilter::All, 10).unwrap();
    assert_eq!((empty.count, empty.total.as_str(), empty.items.len()), (0, "0.00", 0));

    let bad_date = OpenItemsFilter::DueBetween { from: "2026-13-01".into(), to: "2026-12-31".into() };
    assert_eq!(items::open_items(&d, on, &bad_date, 10).unwrap_err().code, ErrorCode::InvalidInput);
    let reversed = OpenItemsFilter::DueBetween { from: "2026-12-31".into(), to: "2026-12-01".into() };
    assert_eq!(items::open_items(&d, on, &reversed, 10).unwrap_err().code, ErrorCode::InvalidInput);
    let bad_bucket = OpenItemsFilter::Bucket { min_days: Some(60), max_days: Some(30) };
    assert_eq!(items::open_items(&d, on, &bad_bucket, 10).unwrap_err().code, ErrorCode::InvalidInput);
    assert!(items::bucket_filter(&AgingBuckets::default(), 5).is_err(), "five buckets: 0 to 4");
    assert_eq!(
        items::bucket_filter(&AgingBuckets::default(), 4).unwrap(),
        OpenItemsFilter::Bucket { min_days: Some(91), max_days: None }
    );
    assert_eq!(
        items::bucket_filter(&AgingBuckets::default(), 0).unwrap(),
        OpenItemsFilter::Bucket { min_days: None, max_days: None }
    );

    let json = serde_json::to_value(OpenItemsFilter::Bucket { min_days: Some(91), max_days: None }).unwrap();
    assert_eq!(json, serde_json::json!({ "kind": "bucket", "minDays": 91, "maxDays": null }));
    let json = serde_json::to_value(OpenItemsFilter::Client { client_id: 7 }).unwrap();
    assert_eq!(json, serde_json::json!({ "kind": "client", "clientId": 7 }));
    let parsed: OpenItemsFilter =
        serde_json::from_value(serde_json::json!({ "kind": "dueBetween", "from": "2026-11-23", "to": "2026-11-29" }))
            .unwrap();
    assert_eq!(parsed, OpenItemsFilter::DueBetween { from: "2026-11-23".into(), to: "2026-11-29".into() });
    let view = serde_json::to_value(&empty).unwrap();
    assert_eq!(view["total"], "0.00", "money is a decimal string");
    assert_eq!(view["asOf"], "2026-11-23");
    assert_eq!(view["filter"], serde_json::json!({ "kind": "all" }));
}
