//! The portfolio and the client page on a large dossier, timed.
//!
//! ```sh
//! export ENCOURS_KEY_HEX=$(cat /tmp/p2m_key.hex)
//! target/release/encours --dossier /tmp/p2m.encours --today 2026-11-23 demo --clients 50000 --invoices 2000000
//! cargo run --release -p encours-app --example bench_portfolio -- /tmp/p2m.encours 2026-11-23 5
//! ```
//!
//! Prints: the open (migrations the first time), RUNS portfolio reads (store query, then the DTO and
//! its JSON as the shell serialises it) with median/min/max, then the client page of 200 clients
//! spread over the ids (the largest client included) with median, 95th percentile and max, the
//! client's next step (`client_plan`, from the client's rows) against today's whole plan kept to the
//! client, and the palette search. Timings are the only floats (printing).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

mod common;
use common::ms;

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    let p = |q: usize| v[(v.len() - 1) * q / 100];
    format!("median {}, p95 {}, min {}, max {} ({} runs)", ms(p(50)), ms(p(95)), ms(v[0]), ms(p(100)), v.len())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/p2m.encours".to_owned()));
    let as_of: NaiveDate =
        args.next().and_then(|a| a.parse().ok()).unwrap_or(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);

    let (keys, _) = encours_app::key_source().expect("a key source (ENCOURS_KEY_HEX or the keyring)");
    let started = Instant::now();
    let d = encours_app::open_dossier(&path, &keys).expect("the dossier opens");
    println!("open: {}", ms(started.elapsed()));

    let mut store_times = Vec::new();
    let mut view_times = Vec::new();
    let mut json_bytes = 0;
    let mut rows = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = encours_store::portfolio::portfolio(&d, as_of).expect("portfolio");
        store_times.push(t.elapsed());
        let t = Instant::now();
        let v = encours_app::portfolio::read_portfolio(&d, as_of).expect("portfolio view");
        let json = serde_json::to_string(&v).expect("json");
        view_times.push(t.elapsed());
        json_bytes = json.len();
        rows = r;
    }
    println!("portfolio store query ({} clients): {}", rows.len(), stats(store_times));
    println!("portfolio view + JSON ({} bytes): {}", json_bytes, stats(view_times));
    encours_app::portfolio::portfolio(&d, as_of).expect("portfolio, cached");
    let mut cached = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let v = encours_app::portfolio::portfolio(&d, as_of).expect("portfolio, cached");
        serde_json::to_string(&v).expect("json");
        cached.push(t.elapsed());
    }
    println!("portfolio again, same ledger version (cached view + JSON): {}", stats(cached));

    let largest = rows.iter().max_by_key(|r| r.open_items).map(|r| r.client_id).unwrap_or(1);
    let step = (rows.len() / 200).max(1);
    let mut ids: Vec<i64> = rows.iter().step_by(step).map(|r| r.client_id).collect();
    ids.push(largest);
    let mut store_times = Vec::new();
    let mut page_times = Vec::new();
    for id in &ids {
        let t = Instant::now();
        encours_store::portfolio::client_360(&d, *id).expect("client_360");
        store_times.push(t.elapsed());
        let t = Instant::now();
        encours_app::portfolio::client_page(&d, *id, as_of).expect("client page");
        page_times.push(t.elapsed());
    }
    let t = Instant::now();
    encours_store::portfolio::client_360(&d, largest).expect("client_360");
    println!("client_360 of the client with the most open items ({largest}): {}", ms(t.elapsed()));
    println!("client_360 store query: {}", stats(store_times));
    println!("client_page (with score): {}", stats(page_times));

    // The client page's next step: the client's part of today's plan, from the client's own rows
    // (`client_plan`), against the whole portfolio's plan kept to the client (what it was before),
    // on 40 of the clients above (the largest included); both must give the same actions.
    let plan_ids: Vec<i64> = ids.iter().step_by((ids.len() / 40).max(1)).copied().chain([largest]).collect();
    let mut per_client = Vec::new();
    let mut whole = Vec::new();
    let mut actions = 0;
    for id in &plan_ids {
        let t = Instant::now();
        let mine = encours_app::portfolio::client_plan(&d, *id, as_of).expect("client plan");
        per_client.push(t.elapsed());
        let t = Instant::now();
        let plan = encours_app::dunning::dunning_plan(&d, as_of).expect("whole plan");
        let expected: Vec<_> = plan.actions.into_iter().filter(|a| a.client_id == *id).collect();
        whole.push(t.elapsed());
        assert_eq!(mine.actions, expected, "client {id}: the per-client plan differs from the whole plan");
        actions += mine.actions.len();
    }
    println!(
        "client_plan, the client's rows only ({actions} actions, same as the whole plan's): {}",
        stats(per_client)
    );
    println!("client_plan as it was, today's whole plan kept to the client: {}", stats(whole));

    let mut search = Vec::new();
    for q in ["dupont", "SARL", "3", "FA-2026", "zzz"] {
        let t = Instant::now();
        encours_app::portfolio::palette_search(&d, q, 8).expect("search");
        search.push(t.elapsed());
    }
    println!("palette search: {}", stats(search));
}
