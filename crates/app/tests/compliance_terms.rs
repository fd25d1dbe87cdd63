//! The compliance report's read of the year's invoices (terms check, sales) from two indexes
//! equals the sequential read of the table it replaced, on a generated portfolio with documents
//! outside the year, in another currency and over the legal ceiling; and its queries read their
//! indexes only.

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::{Dossier, KeySource};
use encours_domain::{ClientId, Currency, Invoice, InvoiceId, InvoiceTotals, Money, Source};
use encours_store::analytics::{self as store, InvoiceDates};
use encours_store::DossierKey;
use rust_decimal::Decimal;

fn keys() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"5a".repeat(32)).unwrap())
}

fn now() -> NaiveDateTime {
    "2026-11-30T10:00:00".parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// An invoice of `client` in `cur`, 1,200 incl. VAT.
fn invoice(id: i64, client: i64, cur: Currency, issued: &str, due: &str) -> Invoice {
    let m = Money::new(Decimal::new(1200, 0), cur);
    let ht = Money::new(Decimal::new(1000, 0), cur);
    Invoice::simple(
        InvoiceId(id),
        ClientId(client),
        format!("T-{id}"),
        380,
        (date(issued), date(due)),
        InvoiceTotals::simple(ht, m),
        Source::at("test.xml", format!("/Invoice[{id}]")),
    )
}

fn read(
    d: &Dossier,
    cur: Currency,
    from: NaiveDate,
    to: NaiveDate,
    scan: bool,
) -> Vec<(i64, i64, NaiveDate, NaiveDate, i64)> {
    let mut out = Vec::new();
    let push = |f: InvoiceDates| {
        out.push((f.id, f.client_id, f.issue_date, f.due_date, f.receivable));
        Ok(())
    };
    if scan {
        store::for_each_invoice_dated_scan(d, cur, from, to, push).unwrap();
    } else {
        store::for_each_invoice_dated(d, cur, from, to, push).unwrap();
    }
    out.sort_unstable();
    out
}

#[test]
fn the_years_invoices_from_the_indexes_equal_the_table_scan() {
    let dir = tempfile::tempdir().unwrap();
    let today = date("2026-11-24");
    let mut d =
        encours_app::create_dossier(&dir.path().join("t.encours"), "552081317", "Test SAS", &keys(), now()).unwrap();
    let demo = encours_app::DemoOptions { seed: 7, clients: 30, invoices: 1_500 };
    encours_app::generate_demo(&mut d, demo, today.and_hms_opt(10, 0, 0).unwrap(), &mut |_| {}).unwrap();
    // A client of the demo, and documents the demo does not make: over the 60-day ceiling, in
    // dollars, on the year's first and last days.
    let client = read(&d, Currency::EUR, date("2000-01-01"), today, true).first().expect("the demo has invoices").1;
    let usd = Currency::parse("USD").unwrap();
    let mut w = d.writer("test", now()).unwrap();
    for (id, cur, issued, due) in [
        (900_001, Currency::EUR, "2026-03-02", "2026-07-31"),
        (900_002, usd, "2026-04-01", "2026-05-01"),
        (900_003, Currency::EUR, "2025-11-25", "2025-12-25"),
        (900_004, Currency::EUR, "2026-11-24", "2027-03-31"),
        (900_005, Currency::EUR, "2025-11-24", "2025-12-24"),
    ] {
        w.invoice(&invoice(id, client, cur, issued, due)).unwrap();
    }
    w.commit("test", "extra", serde_json::json!({})).unwrap();

    let mut seen = 0;
    for (cur, from, to) in [
        (Currency::EUR, date("2025-11-25"), today),
        (Currency::EUR, date("2026-01-01"), date("2026-06-30")),
        (usd, date("2025-11-25"), today),
        (Currency::EUR, date("2030-01-01"), date("2030-12-31")),
    ] {
        let by_scan = read(&d, cur, from, to, true);
        assert_eq!(read(&d, cur, from, to, false), by_scan, "{cur} {from}..{to}");
        seen += by_scan.len();
    }
    let year = read(&d, Currency::EUR, date("2025-11-25"), today, false);
    assert!(year.len() > 100, "a year of the demo: {}", year.len());
    let ids: Vec<i64> = year.iter().map(|r| r.0).collect();
    assert!(ids.contains(&900_001) && ids.contains(&900_003) && ids.contains(&900_004));
    assert!(!ids.contains(&900_002) && !ids.contains(&900_005), "another currency, the day before the year");
    assert!(seen > year.len());

    // What the report reads instead: the count and sales of the year and the long terms, equal to
    // what the table scan gives.
    for (from, to) in [(date("2025-11-25"), today), (date("2026-01-01"), date("2026-06-30"))] {
        let scan = read(&d, Currency::EUR, from, to, true);
        let (checked, sales, mut long) =
            store::year_terms(&d, Currency::EUR, from, to, encours_app::analytics::SHORTEST_CEILING_DAYS).unwrap();
        assert_eq!(checked, scan.iter().filter(|f| f.4 > 0).count() as u64);
        assert_eq!(sales, scan.iter().map(|f| f.4).sum::<i64>());
        long.sort_by_key(|f| f.id);
        let long: Vec<_> = long.iter().map(|f| (f.id, f.client_id, f.issue_date, f.due_date, f.receivable)).collect();
        let expected: Vec<_> = scan.iter().copied().filter(|f| f.4 > 0 && (f.3 - f.2).num_days() > 60).collect();
        assert_eq!(long, expected, "{from}..{to}");
    }
    assert!(
        read(&d, Currency::EUR, date("2025-11-25"), today, true).iter().any(|f| (f.3 - f.2).num_days() > 60),
        "the demo has terms over 60 days (45 days end of month)"
    );
    // The whole report is unchanged by construction; one figure it takes from this read.
    let r = encours_app::analytics::compliance_report(&d, today, &Default::default()).unwrap();
    assert_eq!(r.invoices_checked, year.iter().filter(|f| f.4 > 0).count() as u64);
    assert!(r.terms_violations.iter().any(|v| v.number == "T-900001" && v.days_over > 0));
    assert!(r.terms_violations.iter().any(|v| v.number == "T-900004"));
}

#[test]
fn no_legal_ceiling_is_shorter_than_the_bound_the_report_filters_with() {
    // The report only checks invoices with terms longer than SHORTEST_CEILING_DAYS: every issue
    // date of four years (month ends, February, leap day) has its ceiling at least that far.
    let mut day = date("2024-01-01");
    while day <= date("2027-12-31") {
        let ceiling = encours_engines::analytics::compliance::latest_legal_due_date(day);
        assert!((ceiling - day).num_days() >= encours_app::analytics::SHORTEST_CEILING_DAYS, "{day}");
        assert_eq!(
            encours_engines::analytics::compliance::days_over_ceiling(day, day + chrono::Days::new(60)),
            None,
            "{day}"
        );
        day = day.succ_opt().unwrap();
    }
}
