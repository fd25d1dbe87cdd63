//! Dashboard timing on a large dossier.
//!
//! ```sh
//! cargo build --release --bin encours
//! export ENCOURS_KEY_HEX=$(openssl rand -hex 32)
//! target/release/encours --dossier /tmp/bench2m.encours --today 2026-11-23 demo --clients 50000 --invoices 2000000
//! cargo run --release -p encours-app --example bench_dashboard -- /tmp/bench2m.encours 2026-11-23 21
//! ```
//!
//! Opens the dossier (applying migrations the first time, timed apart), computes the whole
//! dashboard (aged balance, key figures and DSO series, 13-week forecast, top 20 exposures,
//! alerts) RUNS times and prints the median, minimum and maximum, then one timing of each report
//! and of the parts the dashboard reads. Timings are the only floats here (printing).

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use encours_app::analytics::{self, AnalyticsOptions};
use encours_store::analytics as store;

mod common;
use common::{ms, timed};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/bench2m.encours".to_owned()));
    let as_of: NaiveDate =
        args.next().and_then(|a| a.parse().ok()).unwrap_or(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(21);
    // `dashboard` as a fourth argument: only the computed dashboard (for profiling).
    let only_dashboard = args.next().as_deref() == Some("dashboard");

    let (keys, _) = encours_app::key_source().expect("a key source (ENCOURS_KEY_HEX or the keyring)");
    let started = Instant::now();
    let d = encours_app::open_dossier(&path, &keys).expect("the dossier opens");
    println!("open (migrations on first open) {}", ms(started.elapsed()));
    let s = encours_app::summary(&d, as_of).expect("summary");
    println!("{} invoices, {} clients, {} open items, as of {as_of}", s.invoices, s.clients, s.open_items);

    let median = |label: &str, f: &dyn Fn() -> analytics::DashboardView| {
        let mut times = Vec::with_capacity(runs);
        let mut last = None;
        for _ in 0..runs {
            let started = Instant::now();
            last = Some(f());
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "{label} x{runs}: median {}, min {}, max {}",
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1])
        );
        last.expect("at least one run")
    };
    // From the ledger every time (nothing materialised is read or written): on the ledger's own
    // day from the aggregates kept by triggers (migration 0019), else in one pass over the items.
    println!("  the date is the ledger's own day: {}", store::is_current(&d, as_of).expect("last event"));
    let computed =
        median("dashboard computed from the ledger", &|| analytics::compute_dashboard(&d, as_of).expect("dashboard"));
    let one_pass = median("dashboard computed in one pass over the items", &|| {
        analytics::compute_dashboard_one_pass(&d, as_of).expect("dashboard")
    });
    assert_eq!(computed, one_pass, "the dashboard from the aggregates equals the one-pass one");
    println!("  the dashboard from the aggregates equals the one-pass one");
    // The reference computation (decimals, through the engines) gives the same figures.
    let reference = median("dashboard computed the reference way", &|| {
        analytics::compute_dashboard_reference(&d, as_of).expect("dashboard")
    });
    assert_eq!(computed, reference, "the dashboard equals the reference one");
    println!("  the dashboard equals the reference one");
    if only_dashboard {
        return;
    }
    // As the app asks for it: the first request of the date materialises it for the ledger version.
    let started = Instant::now();
    let first = analytics::dashboard(&d, as_of).expect("dashboard");
    println!("dashboard first request of the date (computes and materialises) {}", ms(started.elapsed()));
    let view = median("dashboard materialised (same date, ledger unchanged)", &|| {
        analytics::dashboard(&d, as_of).expect("dashboard")
    });
    // What the app does at start: open the dossier, ask for today's dashboard (stored for this
    // ledger version after the first request; computed when the ledger changed since).
    let started = Instant::now();
    let again = encours_app::open_dossier(&path, &keys).expect("the dossier opens");
    let at_start = analytics::dashboard(&again, as_of).expect("dashboard");
    println!("open + dashboard, as the app at start (stored view) {}", ms(started.elapsed()));
    let started = Instant::now();
    let again = encours_app::open_dossier(&path, &keys).expect("the dossier opens");
    let fresh = analytics::compute_dashboard(&again, as_of).expect("dashboard");
    println!("open + dashboard computed (ledger changed since the last view) {}", ms(started.elapsed()));
    assert_eq!(at_start, fresh);
    drop(again);
    assert_eq!(first, computed, "the materialised dashboard is the computed one");
    assert_eq!(view, computed, "the materialised dashboard reads back equal");
    let k = &view.key_figures;
    println!(
        "  net balance {} EUR, overdue {} ({} %), DSO countback {} d, simple {} d, best possible {} d, CEI {} %",
        k.net_balance,
        k.overdue,
        k.overdue_percent.as_deref().unwrap_or("-"),
        k.dso_countback.as_deref().unwrap_or("-"),
        k.dso_simple.as_deref().unwrap_or("-"),
        k.best_possible_dso.as_deref().unwrap_or("-"),
        k.cei_percent.as_deref().unwrap_or("-"),
    );
    println!(
        "  forecast 13 weeks {} EUR, top exposure {} ({} EUR), {} DSO points, {} alerts",
        view.forecast.total_expected,
        view.top_exposures.first().map(|e| e.name.as_str()).unwrap_or("-"),
        view.top_exposures.first().map(|e| e.balance.as_str()).unwrap_or("-"),
        view.dso_series.len(),
        view.alerts.len()
    );

    println!("parts (one run each):");
    let mut n = 0u64;
    let path = timed("open items as of the date", || {
        store::for_each_item_as_of(&d, as_of, |_| {
            n += 1;
            Ok(())
        })
        .expect("items")
    });
    println!("    ({n} items, {path:?})");
    timed("unapplied cash", || store::unapplied_as_of(&d, as_of).expect("unapplied"));
    timed("client attributes", || store::client_attributes(&d).expect("clients"));
    timed("payment habits", || store::payment_habits(&d, as_of).expect("habits"));
    timed("flows", || store::flows_until(&d, as_of).expect("flows"));
    timed("disputes open", || store::disputes_open_at(&d, as_of).expect("disputes"));
    timed("stopped invoices", || store::stopped_invoices(&d, as_of).expect("stopped"));
    timed("aggregates: open by segment and due date", || store::today::open_by_due(&d).expect("open"));
    timed("aggregates: open by habit and due date", || {
        store::today::open_by_habit(&d, encours_domain::Currency::EUR).expect("habits")
    });
    timed("aggregates: top 20 net balances", || {
        store::today::top_net_balances(&d, encours_domain::Currency::EUR, 20).expect("top")
    });
    timed("aggregates: portfolio habit", || store::today::portfolio_habit(&d).expect("portfolio"));

    println!("reports (one run each):");
    let options = AnalyticsOptions::default();
    timed("aging report (4 groupings)", || analytics::aging_report(&d, as_of, &options).expect("aging"));
    timed("dso report", || analytics::dso_report(&d, as_of).expect("dso"));
    timed("forecast report", || analytics::forecast_report(&d, as_of).expect("forecast"));
    timed("compliance report (a year of invoices)", || {
        analytics::compliance_report(&d, as_of, &options).expect("compliance")
    });
    let month_ago = as_of - chrono::Days::new(30);
    timed("aging report 30 days back (rewind)", || analytics::aging_report(&d, month_ago, &options).expect("aging"));
    let year_ago = as_of - chrono::Days::new(365);
    timed("aging report a year back (replay)", || analytics::aging_report(&d, year_ago, &options).expect("aging"));
}
