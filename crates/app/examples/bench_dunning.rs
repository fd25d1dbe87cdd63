//! Today's dunning plan timed on a large dossier.
//!
//! ```sh
//! cargo build --release --bin encours
//! export ENCOURS_KEY_HEX=$(openssl rand -hex 32)
//! target/release/encours --dossier /tmp/bench2m.encours --today 2026-11-23 demo --clients 50000 --invoices 2000000
//! cargo run --release -p encours-app --example bench_dunning -- /tmp/bench2m.encours 2026-11-23 21
//! ```
//!
//! Opens the dossier (applying migrations the first time, timed apart), computes the plan RUNS
//! times and prints the median, minimum and maximum, then the parts (snapshot read, engine) once,
//! and the plan's size. Nothing is written to the dossier. Timings are the only floats here (printing).
//!
//! With `ENCOURS_BENCH_JSON=FILE`, the last plan is also written to FILE as the JSON of
//! `encours dunning plan --json`, so that a change can be checked to plan exactly the same thing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use encours_app::dunning;
use encours_domain::dunning::default_scenario;
use encours_engines::dunning as engine;
use encours_store::dunning as store;

mod common;
use common::ms;

/// The CPU time this thread has run so far (Linux `/proc/thread-self/schedstat`, first field in
/// nanoseconds), or `None` elsewhere. On a machine shared with other jobs the wall time of a run
/// includes the time it waited for a core; its CPU time does not.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/bench2m.encours".to_owned()));
    let as_of: NaiveDate =
        args.next().and_then(|a| a.parse().ok()).unwrap_or(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(21).max(1);

    let (keys, _) = encours_app::key_source().expect("a key source (ENCOURS_KEY_HEX or the keyring)");
    let started = Instant::now();
    let d = encours_app::open_dossier(&path, &keys).expect("the dossier opens");
    println!("open (migrations on first open) {}", ms(started.elapsed()));

    let mut times = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    let mut frees = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        // The previous run's plan is freed before the clock starts, and timed apart: a caller frees
        // the plan after using it (the shell after sending it to the window).
        let freeing = Instant::now();
        drop(last.take());
        frees.push(freeing.elapsed());
        let (started, cpu_started) = (Instant::now(), thread_cpu());
        last = Some(dunning::dunning_plan(&d, as_of).expect("plan"));
        times.push(started.elapsed());
        if let (Some(a), Some(b)) = (cpu_started, thread_cpu()) {
            cpu.push(b.saturating_sub(a));
        }
    }
    times.sort();
    cpu.sort();
    frees.sort();
    println!(
        "dunning plan x{runs}: median {}, min {}, max {}",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
    if !cpu.is_empty() {
        println!(
            "  CPU time of the plan's thread: median {}, min {}, max {}",
            ms(cpu[cpu.len() / 2]),
            ms(cpu[0]),
            ms(cpu[cpu.len() - 1])
        );
    }
    println!("  freeing a plan afterwards: median {}", ms(frees[frees.len() / 2]));
    let scenarios = vec![default_scenario()];
    let started = Instant::now();
    let snapshot = store::snapshot(&d, as_of, engine::horizon_days(&scenarios), false).expect("snapshot");
    println!(
        "  snapshot read {} ({} items, {} clients, {} disputes, {} promises, {} recorded actions)",
        ms(started.elapsed()),
        snapshot.items.len(),
        snapshot.clients.len(),
        snapshot.disputes.len(),
        snapshot.promises.len(),
        snapshot.history.len()
    );
    let started = Instant::now();
    let plan = engine::plan(as_of, &snapshot, &scenarios);
    println!("  engine {}", ms(started.elapsed()));
    let view = last.expect("at least one run");
    if let Some(file) = std::env::var_os("ENCOURS_BENCH_JSON") {
        let json = serde_json::to_string_pretty(&view).expect("the plan serialises");
        std::fs::write(&file, json + "\n").expect("the JSON file is written");
    }
    println!(
        "plan of {as_of}: {} actions ({} needing validation), {} items held back {:?}",
        plan.actions.len(),
        view.actions.iter().filter(|a| a.needs_validation).count(),
        view.paused.len(),
        view.paused_by_rule.iter().map(|c| format!("{} {}", c.rule, c.items)).collect::<Vec<_>>()
    );
}
