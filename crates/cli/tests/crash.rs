//! Crash-safety harness (issue 12 §5; issue 10 "the sync killed with SIGKILL at random points and
//! restarted ends in the same dossier as an uninterrupted run, with no duplicate").
//!
//! The real `encours` binary runs one of four operations on a copy of a prepared dossier — the
//! import of the corpus (e-invoices, bank statements, CDAR messages, FEC), the matching run
//! (`match --auto` after a simulated bank statement), a sync against `encours pa-serve`, the dunning
//! run — and is killed once or several times at a random moment of its run (SIGKILL from this
//! process, the delay drawn from a seeded RNG within the uninterrupted run's duration). A third of
//! the kills are crash points instead (`ENCOURS_CRASH_AT=<point>:<n>`, `abort()` the n-th time the
//! process passes the point, see `encours_store::sync::crash_point`): `commit` and `dunning.commit`
//! (a unit of work written, audit entry included, not committed), `sync.imported` (a flow's import
//! committed, its outcome not settled: the window issue 10 is about) and `sync.downloaded`. After
//! every kill:
//! - `encours status --json` passes: SQLite's `PRAGMA integrity_check`, the foreign keys and the
//!   ledger's invariants ("integrity": "ok");
//! - nothing committed is lost: what a second connection saw committed just before the kill (and
//!   after the previous kill) is still there;
//! - the kill is classified from the WAL left behind: frames of a transaction written but not
//!   committed mean the kill landed mid-commit.
//!
//! Then the operation is run again to completion and the dossier's digest (status figures, the
//! clients and open-items exports, the aged balance, the reconciliation view, the dunning outbox, the
//! flows taken per account with their outcome) must equal the digest of an uninterrupted run.
//!
//! `CRASH_RUNS=N` (default 8, spread over the four operations) sets the number of killed runs;
//! `CRASH_SEED` replays a seed (printed at the start); `CRASH_OPS=sync` (or a comma list) runs only
//! some operations. The documented long runs:
//! `CRASH_RUNS=100 cargo test -p encours-cli --test crash -- --nocapture` (issue 12 §5) and
//! `CRASH_OPS=sync CRASH_RUNS=20 cargo test -p encours-cli --test crash -- --nocapture` (issue 10).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use common::{KEY, TODAY};
use rust_decimal::Decimal;

/// The platform account of the sync runs.
const ACCOUNT: &str = "crash";
/// Flows the local platform serves.
const FLOWS: usize = 500;

/// splitmix64: small, seedable, good enough to draw delays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn seed() -> u64 {
    if let Some(s) = std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()) {
        return s;
    }
    // A fresh seed per run without reading the clock: std's randomly keyed hasher.
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

fn corpus() -> PathBuf {
    std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// The binary under test: this build's, or `CRASH_BIN` (a copy, so that a long run is not
/// disturbed by a rebuild of the shared target directory).
fn bin() -> PathBuf {
    std::env::var_os("CRASH_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_encours")), PathBuf::from)
}

/// `encours --dossier D --today TODAY ARGS…` with the headless key.
fn cli(dossier: &Path, args: &[String], env: &[(String, String)]) -> Command {
    let mut c = Command::new(bin());
    c.arg("--dossier").arg(dossier).args(["--today", TODAY]).args(args).env("ENCOURS_KEY_HEX", KEY);
    c.env_remove("ENCOURS_CRASH_AT");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn run_ok(dossier: &Path, args: &[String], env: &[(String, String)]) -> String {
    let out = cli(dossier, args, env).output().expect("the encours binary runs");
    assert!(
        out.status.success(),
        "encours {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// The in-process reader's keys (the same headless key as the children's).
fn keys() -> encours_app::KeySource {
    static SET: Once = Once::new();
    // Set once, before any reader opens a dossier, to the value every child gets as well.
    SET.call_once(|| std::env::set_var("ENCOURS_KEY_HEX", KEY));
    encours_app::KeySource::from_env().expect("headless key")
}

fn today() -> chrono::NaiveDate {
    TODAY.parse().expect("date")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Import,
    Match,
    Sync,
    Dunning,
}

/// One operation ready to be run on copies of its base dossier.
struct Setup {
    op: Op,
    base: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// The digest of an uninterrupted run.
    reference: Digest,
    /// How long the uninterrupted run took.
    duration: Duration,
    /// The local platform (`encours pa-serve`) of a sync, stopped when dropped.
    _server: Option<common::Served>,
}

type Digest = BTreeMap<&'static str, String>;

fn prepare(op: Op, dir: &Path) -> Setup {
    let base = dir.join(format!("{op:?}-base.encours"));
    let c = corpus();
    let mut server = None;
    let mut env = Vec::new();
    let args = match op {
        Op::Import | Op::Sync => {
            run_ok(&base, &strings(&["init", "--siren", "732829320", "--name", "ENCOURS DEMO SAS"]), &[]);
            if op == Op::Import {
                let mut args = strings(&["import"]);
                for sub in ["facturx", "cii", "ubl", "bank", "lifecycle", "fec"] {
                    args.push(c.join(sub).display().to_string());
                }
                args
            } else {
                let flows = FLOWS.to_string();
                let s = common::Served::start(
                    &bin(),
                    &["--today", TODAY, "pa-serve", "--port", "0", "--generate", &flows, "--seed", "12"],
                );
                env.push(("ENCOURS_PA_SECRET".to_owned(), "secret".to_owned()));
                let args = strings(&["sync", "--account", ACCOUNT, "--base-url", &s.url]);
                server = Some(s);
                args
            }
        }
        Op::Match | Op::Dunning => {
            run_ok(&base, &strings(&["demo", "--seed", "5", "--clients", "200", "--invoices", "12000"]), &[]);
            if op == Op::Match {
                let statement = dir.join("statement.xml");
                let out = statement.display().to_string();
                run_ok(&base, &strings(&["bank", "simulate", "--out", &out, "--payments", "1200", "--seed", "9"]), &[]);
                run_ok(&base, &strings(&["import", &out]), &[]);
                strings(&["match", "--auto"])
            } else {
                strings(&["dunning", "run"])
            }
        }
    };
    let work = dir.join(format!("{op:?}-reference.encours"));
    copy_dossier(&base, &work);
    let started = Instant::now();
    run_ok(&work, &args, &env);
    let duration = started.elapsed();
    let reference = digest(op, &work, &env);
    println!("{op:?}: an uninterrupted run takes {} ms", duration.as_millis());
    Setup { op, base, args, env, reference, duration, _server: server }
}

fn copy_dossier(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(sidecar(to, suffix));
    }
    std::fs::copy(from, to).expect("copy the dossier");
    assert!(!sidecar(from, "-wal").exists(), "the base dossier was closed cleanly");
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// What the dossier holds, in a form two runs can be compared by: everything but times and paths.
fn digest(op: Op, path: &Path, env: &[(String, String)]) -> Digest {
    let mut d = Digest::new();
    let status: serde_json::Value =
        serde_json::from_str(&run_ok(path, &strings(&["status", "--json"]), env)).expect("status JSON");
    assert_eq!(status["integrity"], "ok", "integrity check of {}: {status}", path.display());
    let mut figures = status.clone();
    if let Some(o) = figures.as_object_mut() {
        o.remove("path");
        o.remove("integrity_checked_at");
    }
    d.insert("status", figures.to_string());
    let out = path.with_extension("export");
    run_ok(path, &strings(&["export", "--out", &out.display().to_string()]), env);
    for name in ["clients.csv", "open-items.csv"] {
        let text = std::fs::read_to_string(out.join(name)).expect("export");
        d.insert(if name == "clients.csv" { "clients.csv" } else { "open-items.csv" }, text);
    }
    d.insert("aging", run_ok(path, &strings(&["report", "aging", "--json"]), env));
    let dossier = encours_app::open_dossier(path, &keys()).expect("open");
    if matches!(op, Op::Match | Op::Import) {
        let view = encours_app::matching::reconciliation(&dossier, today(), true).expect("reconciliation");
        d.insert("reconciliation", serde_json::to_string(&view).expect("JSON"));
    }
    if op == Op::Dunning {
        let actions = encours_app::dunning::dunning_actions(&dossier, None, u32::MAX).expect("outbox");
        let mut rows: Vec<String> = actions
            .iter()
            .map(|a| {
                format!(
                    "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
                    a.client_id,
                    a.kind,
                    a.level,
                    a.channel,
                    a.tone,
                    a.amount,
                    a.needs_validation,
                    a.state,
                    a.subject,
                    a.body
                )
            })
            .collect();
        rows.sort();
        d.insert("dunning", rows.join("\n"));
    }
    if op == Op::Sync {
        let flows = encours_app::sync::synced_flows(&dossier, ACCOUNT).expect("flows");
        d.insert("flows", flows.iter().map(|(f, o)| format!("{f} {o}\n")).collect());
    }
    d
}

/// What a reader sees committed: counters that only grow (or only shrink) and ids that stay.
#[derive(Debug, Default)]
struct Committed {
    growing: Vec<(&'static str, i128)>,
    ids: BTreeSet<String>,
}

impl Committed {
    /// Everything `earlier` saw is still there.
    fn check_covers(&self, earlier: &Committed) -> Result<(), String> {
        for ((name, before), (_, now)) in earlier.growing.iter().zip(&self.growing) {
            if now < before {
                return Err(format!("{name} went back from {before} to {now}"));
            }
        }
        if let Some(lost) = earlier.ids.difference(&self.ids).next() {
            return Err(format!("{lost} was committed and is gone"));
        }
        Ok(())
    }
}

fn observe(op: Op, path: &Path) -> Result<Committed, String> {
    let d = encours_app::open_dossier(path, &keys()).map_err(|e| e.to_string())?;
    let s = encours_app::summary(&d, today()).map_err(|e| e.to_string())?;
    let cents = |v: &str| v.parse::<Decimal>().map(|m| (m * Decimal::from(100)).mantissa()).unwrap_or(0);
    let mut c = Committed::default();
    c.growing.push(("clients", i128::from(s.clients)));
    c.growing.push(("invoices", i128::from(s.invoices)));
    match op {
        // Matching only allocates: the open balance only goes down (counted negated to grow).
        Op::Match => c.growing.push(("minus the open balance", -cents(&s.open_balance))),
        Op::Dunning => {
            for a in encours_app::dunning::dunning_actions(&d, None, u32::MAX).map_err(|e| e.to_string())? {
                c.ids.insert(format!("action {} of client {} level {}", a.id, a.client_id, a.level));
            }
        }
        Op::Sync => {
            for (flow, _) in encours_app::sync::synced_flows(&d, ACCOUNT).map_err(|e| e.to_string())? {
                c.ids.insert(format!("flow {flow}"));
            }
        }
        Op::Import => {}
    }
    Ok(c)
}

/// What a kill left in the WAL: `(commit frames, frames after the last commit frame)`. Commit
/// frames are transactions committed only to the WAL (not yet checkpointed into the file): the
/// reopening must replay them. Frames after the last commit are the pages of a transaction that
/// was being written when the process died (mid-commit, or a spill of a large transaction): the
/// reopening must ignore them. SQLite's WAL format; SQLCipher encrypts the pages, not the frame
/// headers. `None` without a WAL.
fn wal_state(dossier: &Path) -> Option<(usize, usize)> {
    let mut bytes = Vec::new();
    std::fs::File::open(sidecar(dossier, "-wal")).ok()?.read_to_end(&mut bytes).ok()?;
    let be =
        |b: &[u8], at: usize| -> u32 { b.get(at..at + 4).map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]])) };
    let magic = be(&bytes, 0);
    if magic & !1 != 0x377f_0682 {
        return Some((0, 0));
    }
    let big_endian = magic & 1 == 1;
    let word = |b: &[u8], at: usize| -> u32 {
        let s = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if big_endian {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        }
    };
    let checksum = |mut s: (u32, u32), data: &[u8]| {
        for i in (0..data.len()).step_by(8) {
            s.0 = s.0.wrapping_add(word(data, i)).wrapping_add(s.1);
            s.1 = s.1.wrapping_add(word(data, i + 4)).wrapping_add(s.0);
        }
        s
    };
    let page = be(&bytes, 8) as usize;
    let (salt1, salt2) = (be(&bytes, 16), be(&bytes, 20));
    let mut sum = checksum((0, 0), bytes.get(..24)?);
    if sum != (be(&bytes, 24), be(&bytes, 28)) {
        return Some((0, 0));
    }
    let (mut at, mut commits, mut since_commit) = (32usize, 0usize, 0usize);
    while at + 24 + page <= bytes.len() {
        let header = &bytes[at..at + 24];
        if be(header, 8) != salt1 || be(header, 12) != salt2 {
            break;
        }
        sum = checksum(checksum(sum, &header[..8]), &bytes[at + 24..at + 24 + page]);
        if sum != (be(header, 16), be(header, 20)) {
            break;
        }
        if be(header, 4) != 0 {
            commits += 1;
            since_commit = 0;
        } else {
            since_commit += 1;
        }
        at += 24 + page;
    }
    Some((commits, since_commit))
}

#[derive(Debug, Default)]
struct Figures {
    runs: usize,
    kills: usize,
    /// The process was still running when killed (the others had finished already).
    landed: usize,
    /// Of which SIGKILLs from this process at a random moment.
    signals: usize,
    /// Of which crash points inside a unit of work written but not committed (`abort()`).
    before_commit: usize,
    /// Of which the sync's crash points (a flow downloaded; a flow imported, not settled).
    sync_points: usize,
    /// Kills after which the WAL held a transaction's frames with no commit frame: the process
    /// died while a transaction was being written to the file (mid-commit, or a spill).
    mid_commit: usize,
    /// Kills after which committed transactions were in the WAL only (replayed at reopening).
    wal_only_commits: usize,
    /// Observations of a second connection just before a kill.
    observed: usize,
}

/// One killed-and-resumed run; returns its figures.
fn killed_run(s: &Setup, dir: &Path, rng: &mut Rng, run: usize, f: &mut Figures) {
    let work = dir.join(format!("{:?}-run{run}.encours", s.op));
    copy_dossier(&s.base, &work);
    let mut seen = observe(s.op, &work).expect("the base dossier opens");
    let kills = 1 + rng.below(3) as usize;
    for k in 0..kills {
        let mut env = s.env.clone();
        // A third of the kills are crash points: inside a unit of work, written and not committed.
        let point = if rng.below(3) == 0 {
            let points = crash_points(s.op);
            let (name, most) = points[rng.below(points.len() as u64) as usize];
            // Later kills of a run find less left to do.
            let n = 1 + rng.below(most / (k as u64 + 1));
            env.push(("ENCOURS_CRASH_AT".to_owned(), format!("{name}:{n}")));
            Some(name)
        } else {
            None
        };
        let mut child: Child =
            cli(&work, &s.args, &env).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn");
        let landed = if point.is_some() {
            let status = child.wait().expect("wait");
            !status.success()
        } else {
            let budget = s.duration.as_micros() as u64 / (k as u64 + 1);
            let delay = Duration::from_micros(rng.below(budget.max(1)));
            std::thread::sleep(delay);
            // What a second connection sees committed now must survive the kill.
            if child.try_wait().expect("try_wait").is_none() {
                if let Ok(c) = observe(s.op, &work) {
                    seen = c;
                    f.observed += 1;
                }
            }
            let running = child.try_wait().expect("try_wait").is_none();
            let _ = child.kill();
            let _ = child.wait();
            running
        };
        f.kills += 1;
        let wal = wal_state(&work);
        if std::env::var_os("CRASH_DEBUG").is_some() {
            println!("{:?} run {run} kill {k}: point {point:?}, landed {landed}, WAL (commits, tail) {wal:?}", s.op);
        }
        if landed {
            f.landed += 1;
            let (commits, tail) = wal.unwrap_or((0, 0));
            f.mid_commit += usize::from(tail > 0);
            f.wal_only_commits += usize::from(commits > 0);
            match point {
                Some("commit" | "dunning.commit") => f.before_commit += 1,
                Some(_) => f.sync_points += 1,
                None => f.signals += 1,
            }
        }
        // Integrity (SQLite's check, foreign keys, the ledger's invariants), and nothing lost.
        let status: serde_json::Value =
            serde_json::from_str(&run_ok(&work, &strings(&["status", "--json"]), &[])).expect("status JSON");
        assert_eq!(status["integrity"], "ok", "run {run} kill {k} of {:?}: {status}", s.op);
        let now = observe(s.op, &work).expect("the dossier opens after the kill");
        if let Err(e) = now.check_covers(&seen) {
            panic!("run {run} kill {k} of {:?}: {e}", s.op);
        }
        seen = now;
    }
    // Resumed to completion: the same dossier as an uninterrupted run.
    run_ok(&work, &s.args, &s.env);
    let got = digest(s.op, &work, &s.env);
    for (part, want) in &s.reference {
        let have = got.get(part).map(String::as_str).unwrap_or("");
        if have != want {
            let at = have.chars().zip(want.chars()).take_while(|(a, b)| a == b).count();
            let from = at.saturating_sub(80);
            let show = |t: &str| t.chars().skip(from).take(240).collect::<String>();
            panic!(
                "run {run} of {:?} resumed after {kills} kill(s): {part} differs from an uninterrupted run\n\
                 resumed:       …{}\nuninterrupted: …{}",
                s.op,
                show(have),
                show(want)
            );
        }
    }
    f.runs += 1;
    let _ = std::fs::remove_file(&work);
    let _ = std::fs::remove_dir_all(work.with_extension("export"));
}

/// The crash points an operation passes, with how many times at most a run passes them (a
/// draw beyond what the run does lets it finish: counted as a kill that did not land).
fn crash_points(op: Op) -> &'static [(&'static str, u64)] {
    match op {
        Op::Import => &[("commit", 24)],
        Op::Match => &[("commit", 1)],
        Op::Sync => &[("sync.imported", FLOWS as u64 / 2), ("sync.downloaded", FLOWS as u64 / 2), ("commit", 250)],
        Op::Dunning => &[("dunning.commit", 2)],
    }
}

fn runs() -> usize {
    std::env::var("CRASH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(8)
}

/// The harness over the four operations (`CRASH_RUNS` runs in all, the default a short sample).
#[test]
fn killed_imports_matchings_syncs_and_dunning_runs_resume_to_the_uninterrupted_state() {
    let seed = seed();
    let total = runs();
    println!("crash harness: seed {seed} (CRASH_SEED={seed} replays it), {total} killed runs");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut all = Figures::default();
    // CRASH_OPS=sync (or import,match,…) runs only those operations.
    let only = std::env::var("CRASH_OPS").unwrap_or_default().to_lowercase();
    let ops: Vec<Op> = [Op::Import, Op::Match, Op::Sync, Op::Dunning]
        .into_iter()
        .filter(|op| only.is_empty() || only.split(',').any(|o| o.trim() == format!("{op:?}").to_lowercase()))
        .collect();
    for (i, op) in ops.iter().copied().enumerate() {
        let n = total / ops.len() + usize::from(i < total % ops.len());
        if n == 0 {
            continue;
        }
        let setup = prepare(op, dir.path());
        let mut f = Figures::default();
        for run in 0..n {
            killed_run(&setup, dir.path(), &mut rng, run, &mut f);
        }
        println!("{op:?}: {f:?}");
        assert!(f.landed > 0, "{op:?}: no kill landed while the operation ran: {f:?}");
        all.runs += f.runs;
        all.kills += f.kills;
        all.landed += f.landed;
        all.signals += f.signals;
        all.before_commit += f.before_commit;
        all.sync_points += f.sync_points;
        all.mid_commit += f.mid_commit;
        all.wal_only_commits += f.wal_only_commits;
        all.observed += f.observed;
    }
    println!("crash harness: {all:?} in {} s (seed {seed})", started.elapsed().as_secs());
    assert_eq!(all.runs, total, "every run resumed to the uninterrupted state");
}
