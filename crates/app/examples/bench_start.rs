//! What the desktop app does between its start and the dashboard, timed step by step on a dossier
//! (issue 11: cold start to an interactive dashboard < 1 s on 2,000,000 invoices): open the
//! dossier (keys, schema check), its summary (the header's figures), today's dashboard as the
//! window asks for it (materialised for the ledger version, computed when the ledger changed).
//!
//! ```sh
//! ENCOURS_KEY_HEX=$(cat /tmp/p2m_key.hex) cargo run --release -p encours-app --example bench_start -- /tmp/h1_2m.encours 2026-11-24 5
//! ```
//! Each run opens the dossier afresh (the operating system's page cache stays warm, as on a
//! machine where the app was used that day).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/bench2m.encours".to_owned()));
    let as_of: NaiveDate =
        args.next().and_then(|a| a.parse().ok()).unwrap_or(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let (keys, _) = encours_app::key_source().expect("a key source (ENCOURS_KEY_HEX or the keyring)");
    println!("run | open | summary | dashboard | total (ms)");
    for run in 1..=runs {
        let t0 = Instant::now();
        let d = encours_app::open_dossier(&path, &keys).expect("the dossier opens");
        let t1 = Instant::now();
        let s = encours_app::summary(&d, as_of).expect("summary");
        let t2 = Instant::now();
        let view = encours_app::analytics::dashboard(&d, as_of).expect("dashboard");
        let t3 = Instant::now();
        println!("{run} | {} | {} | {} | {}", ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t3 - t0));
        // Then the first client page the window opens from the dashboard (its first use of the
        // client page's statements in this connection), and the same page again.
        let t4 = Instant::now();
        encours_app::portfolio::client_page(&d, 1, as_of).expect("client page");
        let t5 = Instant::now();
        encours_app::portfolio::client_page(&d, 1, as_of).expect("client page");
        let t6 = Instant::now();
        encours_app::portfolio::client_page(&d, 2, as_of).expect("client page");
        println!(
            "    client page 1: first {} ms, again {} ms; client 2 {} ms",
            ms(t5 - t4),
            ms(t6 - t5),
            ms(t6.elapsed())
        );
        if run == runs {
            println!("{} invoices, {} clients; dashboard as of {}", s.invoices, s.clients, view.as_of);
        }
    }
}
