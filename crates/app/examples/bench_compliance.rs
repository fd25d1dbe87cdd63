//! The compliance report (`encours report compliance`) on a large dossier, timed: the whole report
//! RUNS times (median, min, max) and, once, each of its reads apart, to see where the time goes.
//! Read-only: the report writes nothing (the open applies pending migrations, like the CLI's).
//!
//! ```sh
//! export ENCOURS_KEY_HEX=$(cat /tmp/p2m_key.hex)
//! cargo run --release -p encours-app --example bench_compliance -- /tmp/h1_2m.encours 2026-11-24 5
//! ```
//!
//! Timings are the only floats (printing). The load average is printed at the start and the end.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use encours_domain::Currency;
use encours_store::analytics as store;

mod common;
use common::{load, ms, timed};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().expect("usage: bench_compliance DOSSIER AS_OF [RUNS]"));
    let as_of: NaiveDate = args.next().expect("AS_OF").parse().expect("AS_OF is YYYY-MM-DD");
    let runs: usize = args.next().map(|r| r.parse().expect("RUNS is a number")).unwrap_or(5);
    println!("load average at start: {}", load());
    let (keys, _) = encours_app::key_source().expect("a key source (ENCOURS_KEY_HEX or the keyring)");
    let d = encours_app::open_dossier(&path, &keys).expect("the dossier opens");
    let options = encours_app::analytics::AnalyticsOptions::default();

    println!("phases (once, cold then warm as they come):");
    let year_starts = as_of.checked_sub_months(chrono::Months::new(12)).and_then(|d| d.succ_opt()).unwrap_or(as_of);
    let mut open = 0usize;
    timed("open items as of the date", || {
        store::for_each_item_as_of(&d, as_of, |_| {
            open += 1;
            Ok(())
        })
        .expect("items")
    });
    timed("clients", || store::client_attributes(&d).map(|c| c.len()).unwrap_or(0));
    let mut year = Vec::new();
    timed("the year's invoices (dates, amount)", || {
        store::for_each_invoice_dated(&d, Currency::EUR, year_starts, as_of, |f| {
            year.push(f.id);
            Ok(())
        })
        .expect("year")
    });
    timed("the year's invoices, table scan (before)", || {
        store::for_each_invoice_dated_scan(&d, Currency::EUR, year_starts, as_of, |_| Ok(())).expect("year")
    });
    let sample: Vec<i64> = year.iter().copied().step_by(100).collect();
    timed(&format!("facts of {} invoices by id", sample.len()), || {
        for id in &sample {
            store::invoice_facts(&d, *id).expect("facts");
        }
    });
    let disputed: HashSet<i64> = timed("disputes open", || {
        store::disputes_open_at(&d, as_of).expect("disputes").into_iter().flat_map(|r| r.invoice_ids).collect()
    });
    println!("  ({open} open items, {} invoices in the year, {} disputed)", year.len(), disputed.len());

    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let r = encours_app::analytics::compliance_report(&d, as_of, &options).expect("the report");
        times.push(t.elapsed());
        size = serde_json::to_string(&r).map(|s| s.len()).unwrap_or(0);
    }
    times.sort();
    println!(
        "compliance_report x{runs}: median {} (min {}, max {}), {size} bytes of JSON",
        ms(times[runs / 2]),
        ms(times[0]),
        ms(times[runs - 1])
    );
    println!("load average at end: {}", load());
}
