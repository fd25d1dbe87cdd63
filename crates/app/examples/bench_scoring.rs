//! The daily rescoring of a large dossier, timed: read every client's ledger, score, write.
//!
//! ```sh
//! export ENCOURS_KEY_HEX=$(cat /tmp/dun_key.hex)
//! cp /tmp/dun2m.encours /tmp/score2m.encours   # the run writes scores and alerts: work on a copy
//! cargo run --release -p encours-app --example bench_scoring -- /tmp/score2m.encours 2026-11-23 5
//! ```
//!
//! Prints: the open (migrations the first time), the read model alone (every ledger streamed and
//! dropped), the first run (which fits the scorecard on a sample of clients and stores it), then
//! RUNS reruns of the same date (read + score + write, the stored fit reused: the daily job) with
//! their median, min and max, wall and thread CPU time. Timings are the only floats (printing).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use encours_store::scoring as store;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The CPU time this thread has run so far (Linux schedstat, nanoseconds), or `None` elsewhere.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/score2m.encours".to_owned()));
    let as_of: NaiveDate =
        args.next().and_then(|a| a.parse().ok()).unwrap_or(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    let now = as_of.and_hms_opt(6, 0, 0).unwrap();

    let (keys, _) = encours_app::key_source().expect("a key source (ENCOURS_KEY_HEX or the keyring)");
    let started = Instant::now();
    let mut d = encours_app::open_dossier(&path, &keys).expect("the dossier opens");
    println!("open (migrations on first open) {}", ms(started.elapsed()));

    for _ in 0..2 {
        let (started, cpu) = (Instant::now(), thread_cpu());
        let (mut clients, mut docs, mut allocs, mut statuses) = (0usize, 0usize, 0usize, 0usize);
        store::for_each_client_ledger(&d, as_of, |l| {
            clients += 1;
            docs += l.documents.len();
            allocs += l.documents.iter().map(|x| x.allocations.len()).sum::<usize>();
            statuses += l.documents.iter().map(|x| x.statuses.len()).sum::<usize>();
            Ok::<(), encours_store::StoreError>(())
        })
        .expect("the ledgers stream");
        let cpu = thread_cpu().zip(cpu).map(|(a, b)| ms(a - b)).unwrap_or_default();
        println!(
            "read model: {clients} clients, {docs} documents, {allocs} allocations, {statuses} statuses in {} (cpu {cpu})",
            ms(started.elapsed())
        );
    }

    let started = Instant::now();
    let r = encours_app::scoring::score_run(&mut d, as_of, now, &mut |_| {}).expect("the first run");
    println!(
        "first run {} (model {} on {}, refitted {}: {}); {} clients scored, {} new alerts",
        ms(started.elapsed()),
        r.model,
        r.model_fitted_on,
        r.model_refitted,
        r.model_note,
        r.clients_scored,
        r.new_alerts
    );

    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let (started, cpu) = (Instant::now(), thread_cpu());
        let r = encours_app::scoring::score_run(&mut d, as_of, now, &mut |_| {}).expect("a rerun");
        let wall = started.elapsed();
        let cpu = thread_cpu().zip(cpu).map(|(a, b)| ms(a - b)).unwrap_or_default();
        println!(
            "rerun {i}: {} (cpu {cpu}); {} scored, {} replaced, {} new alerts",
            ms(wall),
            r.clients_scored,
            r.replaced,
            r.new_alerts
        );
        times.push(wall);
    }
    times.sort();
    println!(
        "rescoring (read + score + write), {runs} runs: median {}, min {}, max {}",
        ms(times[runs / 2]),
        ms(times[0]),
        ms(times[runs - 1])
    );
}
