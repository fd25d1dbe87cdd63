//! The daily rescoring of a large dossier, timed: read every client's ledger, score, write.
//!
//! ```sh
//! export ENCOURS_KEY_HEX=$(cat /tmp/dun_key.hex)
//! cp /tmp/dun2m.encours /tmp/score2m.encours   # the run writes scores and alerts: work on a copy
//! cargo run --release -p encours-app --example bench_scoring -- /tmp/score2m.encours 2026-11-23 5
//! ```
//!
//! Prints: the open (migrations the first time), the read model alone with every pack forgotten
//! (the tables read whole, on one connection then on three, every ledger built and dropped), the
//! first run (which reads the tables whole, packs every client, and fits the scorecard on a sample
//! of clients the first time), the read model from the packs, then RUNS reruns of the same date with
//! nothing changed, and RUNS reruns after a day's changes (a tenth of the clients' packs forgotten
//! before each: what the triggers do when their rows change) — read + score + write, the stored fit
//! reused: the daily job, `scoring::rescore` with the key source, two scoring threads — then RUNS
//! daily runs on the days after the date, each after a tenth of the clients changed; each series
//! with its median, min and max, wall and process CPU time and phases, and a digest of the date's
//! scores (to compare two versions of the code on the same file). Timings are the only floats
//! (printing). The machine's load average is printed at the start and the end.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use encours_store::scoring as store;

mod common;
use common::{load, ms, process_cpu};

/// SHA-256 over every score stored for the day, in client order.
fn digest(d: &encours_app::Dossier, day: NaiveDate) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for s in store::scores_of_day(d, day).expect("the scores read") {
        h.update(
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{}\n",
                s.client_id,
                s.score,
                s.grade,
                s.probability_bp,
                s.reasons_json,
                s.suggested_limit,
                s.limit_rule,
                s.invoices_scored,
                s.external_json
            )
            .as_bytes(),
        );
    }
    format!("{:x}", h.finalize())
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
    println!("open (migrations on first open) {}; load {}", ms(started.elapsed()), load());
    println!("scores stored for {as_of} before the runs: digest {}", digest(&d, as_of));

    // The whole-table read first: every pack forgotten (the state of a dossier before its first run).
    let forgotten = store::forget_packs(&mut d, None).expect("the packs forgotten");
    println!("packs forgotten: {forgotten}");
    for helper in [None, Some(&keys), Some(&keys)] {
        read_model(&d, as_of, helper);
    }

    let no = std::sync::atomic::AtomicBool::new(false);
    let started = Instant::now();
    let r = encours_app::scoring::rescore(&mut d, Some(&keys), as_of, now, &|_| {}, &no)
        .expect("the first run")
        .expect("not cancelled");
    println!(
        "first run {} (the tables read whole, every client packed; model {} on {}, refitted {}: {}); {} clients \
         scored, {} new alerts",
        ms(started.elapsed()),
        r.model,
        r.model_fitted_on,
        r.model_refitted,
        r.model_note,
        r.clients_scored,
        r.new_alerts
    );
    read_model(&d, as_of, Some(&keys));

    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        times.push(rerun(&mut d, &keys, as_of, now, &format!("rerun {i}, nothing changed")));
    }
    summary("rescoring, nothing changed since the last run", &mut times);

    // A day's changes: a tenth of the clients have new rows (their packs deleted by the triggers;
    // here forgotten, which the read cannot tell apart), a different tenth each run.
    let ids: Vec<i64> = {
        let s = store::LedgerSnapshot::read(&d, as_of, None).expect("the ledgers read");
        (0..s.len()).filter_map(|k| s.client_id(k)).collect()
    };
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let changed: Vec<i64> = ids.iter().copied().skip(i).step_by(10).collect();
        store::forget_packs(&mut d, Some(&changed)).expect("packs forgotten");
        times.push(rerun(&mut d, &keys, as_of, now, &format!("rerun {i}, {} clients changed", changed.len())));
    }
    summary("rescoring, a tenth of the clients changed since the last run", &mut times);

    // The daily job itself: each run a new day (its scores added to the history, the day before's
    // read for the score-drop rule), after a day in which a tenth of the clients changed.
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let day = as_of + chrono::Days::new(u64::try_from(i).unwrap_or(0) + 1);
        let changed: Vec<i64> = ids.iter().copied().skip(i + 5).step_by(10).collect();
        store::forget_packs(&mut d, Some(&changed)).expect("packs forgotten");
        let now = day.and_hms_opt(6, 0, 0).unwrap_or(now);
        times.push(rerun(&mut d, &keys, day, now, &format!("{day}, {} clients changed", changed.len())));
    }
    summary("daily run: a new day, a tenth of the clients changed since the day before", &mut times);
    println!("scores stored for {as_of} after the runs: digest {}", digest(&d, as_of));
}

fn summary(what: &str, times: &mut [Duration]) {
    times.sort();
    let n = times.len();
    println!(
        "{what} (read + score + write), {n} runs: median {}, min {}, max {}; load {}",
        ms(times[n / 2]),
        ms(times[0]),
        ms(times[n - 1]),
        load()
    );
}

/// Reads the read model and builds every ledger, timed.
fn read_model(d: &encours_app::Dossier, as_of: NaiveDate, keys: Option<&encours_app::KeySource>) {
    let (started, cpu) = (Instant::now(), process_cpu());
    let snapshot = store::LedgerSnapshot::read(d, as_of, keys).expect("the ledgers read");
    let read = started.elapsed();
    let (mut clients, mut docs, mut allocs, mut statuses) = (0usize, 0usize, 0usize, 0usize);
    for i in 0..snapshot.len() {
        let l = snapshot.ledger(i).expect("a client");
        clients += 1;
        docs += l.documents.len();
        allocs += l.documents.iter().map(|x| x.allocations.len()).sum::<usize>();
        statuses += l.documents.iter().map(|x| x.statuses.len()).sum::<usize>();
    }
    let cpu = process_cpu().zip(cpu).map(|(a, b)| ms(a - b)).unwrap_or_default();
    let how = match (snapshot.read_from_tables(), snapshot.was_parallel()) {
        (0, _) => "every client from its pack".to_owned(),
        (_, true) => "the tables whole, three connections".to_owned(),
        (n, false) if n == snapshot.len() => "the tables whole, one connection".to_owned(),
        (n, false) => format!("{n} clients from the tables, the others from their packs"),
    };
    println!(
        "read model ({how}): {clients} clients, {docs} documents, {allocs} allocations, {statuses} statuses: read {}, \
         read + every ledger built {} (cpu {cpu})",
        ms(read),
        ms(started.elapsed())
    );
}

/// One rerun of the day, timed, with its phases from the run's own progress calls: `{0, 0}` when
/// the read starts, the first call with a total once the ledgers are read (after 1,000 clients'
/// features: ~2 % of them), `{total, total}` when every client's features are computed; then
/// score, alerts, write (and the packs of the clients read from the tables).
fn rerun(
    d: &mut encours_app::Dossier,
    keys: &encours_app::KeySource,
    as_of: NaiveDate,
    now: chrono::NaiveDateTime,
    label: &str,
) -> Duration {
    let no = std::sync::atomic::AtomicBool::new(false);
    let marks: std::cell::RefCell<[Option<Instant>; 3]> = std::cell::RefCell::new([None; 3]);
    let mark = |p: encours_app::scoring::ScoringProgress| {
        let mut m = marks.borrow_mut();
        let slot = if p.total == 0 {
            0
        } else if p.done < p.total {
            1
        } else {
            2
        };
        if m[slot].is_none() {
            m[slot] = Some(Instant::now());
        }
    };
    let (started, cpu) = (Instant::now(), process_cpu());
    let r =
        encours_app::scoring::rescore(d, Some(keys), as_of, now, &mark, &no).expect("a rerun").expect("not cancelled");
    let wall = started.elapsed();
    let cpu = process_cpu().zip(cpu).map(|(a, b)| ms(a - b)).unwrap_or_default();
    let m = *marks.borrow();
    let phases = match m {
        [Some(a), Some(b), Some(c)] => format!(
            "; before the read {}, read {}, features {}, score + alerts + write {}",
            ms(a - started),
            ms(b - a),
            ms(c - b),
            ms(started + wall - c)
        ),
        _ => String::new(),
    };
    println!(
        "{label}: {} (cpu {cpu}); {} scored, {} replaced, {} new alerts{phases}",
        ms(wall),
        r.clients_scored,
        r.replaced,
        r.new_alerts
    );
    wall
}
