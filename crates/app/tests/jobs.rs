//! Long jobs through the register (issue 11 §4) on real dossiers: a job cancelled mid-way stops at
//! the next item, keeps what it committed and nothing half-written, and says "cancelled after k of
//! n"; the register answers (list, cancel) while a job works on another thread; letters are whole
//! PDFs; a rescoring reports every client.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use encours_app::jobs::{self, JobEnd, JobKind, JobReport, JobRunner, JobState};
use encours_app::{DemoOptions, Dossier, ImportReport, KeySource};
use encours_store::DossierKey;

fn keys() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"5a".repeat(32)).unwrap())
}

/// A date the shipped rate tables cover (the letters need one).
fn now() -> NaiveDateTime {
    "2026-06-22T09:30:00".parse().unwrap()
}

fn corpus() -> PathBuf {
    let p = std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    assert!(p.is_dir(), "the shared corpus must sit beside the repository at {}", p.display());
    p
}

fn invoices() -> Vec<PathBuf> {
    vec![corpus().join("facturx"), corpus().join("cii")]
}

fn dossier(dir: &Path, name: &str) -> Dossier {
    encours_app::create_dossier(&dir.join(name), "552081317", "ACME", &keys(), now()).unwrap()
}

fn invoices_in(d: &Dossier) -> u64 {
    encours_app::summary(d, now().date()).unwrap().invoices
}

fn import_report(end: &Option<JobReport>) -> &ImportReport {
    match end {
        Some(JobReport::Import(r)) => r,
        other => panic!("not an import report: {other:?}"),
    }
}

#[test]
fn an_import_cancelled_mid_way_keeps_the_files_committed_leaves_the_rest_untouched_and_says_how_far_it_went() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path(), "cancel.encours");
    let runner = Arc::new(JobRunner::new(jobs::KEEP_FINISHED));
    // The user presses "Annuler" when the bar shows the 6th file.
    let pressed = Arc::new(Mutex::new(None::<u64>));
    let (canceller, at) = (Arc::downgrade(&runner), Arc::clone(&pressed));
    runner.set_listener(move |v| {
        // Only the first import: the second one goes to its end.
        if v.id == 1 && v.state == JobState::Running && v.progress.done == 5 && !v.cancel_requested {
            if let Some(runner) = canceller.upgrade() {
                *at.lock().unwrap() = Some(v.progress.done);
                runner.cancel(v.id).unwrap();
            }
        }
    });
    let ctx = runner.start(JobKind::Import, "cancel.encours", "Import", now()).unwrap();
    let end = jobs::run_import(&mut d, &invoices(), now(), &ctx);
    let view = ctx.finish(end, now());

    assert_eq!(*pressed.lock().unwrap(), Some(5), "the cancel was pressed during the import");
    assert_eq!(view.state, JobState::Cancelled, "{view:?}");
    let (k, n) = (view.progress.done, view.progress.total);
    // The file being handled when "Annuler" was pressed is finished, then the import stops.
    assert_eq!(k, 6, "cancelled after the file in hand: {k} of {n}");
    assert!(n > 80, "the two folders hold {n} files");
    let report = import_report(&view.report);
    assert!(report.cancelled);
    assert_eq!(report.files.len() as u64, k, "one report line per file handled, none for the rest");
    // Nothing half-written: what the report calls imported is exactly what the dossier holds.
    assert_eq!(invoices_in(&d), u64::from(report.imported));
    assert!(report.imported > 0);

    // The rest was untouched: importing everything again stores each of the other invoices once,
    // finds the first ones as duplicates, and ends where one uncancelled import ends.
    let ctx = runner.start(JobKind::Import, "cancel.encours", "Import", now()).unwrap();
    let end = jobs::run_import(&mut d, &invoices(), now(), &ctx);
    let again = ctx.finish(end, now());
    assert_eq!(again.state, JobState::Done, "{:?}", again.error);
    assert_eq!((again.progress.done, again.progress.total), (n, n));
    let second = import_report(&again.report);
    assert!(second.duplicates >= report.imported, "{} duplicates for {} imported", second.duplicates, report.imported);

    let mut whole = dossier(dir.path(), "whole.encours");
    let full = encours_app::import_paths(&mut whole, &invoices(), now(), &mut |_| {}, &AtomicBool::new(false)).unwrap();
    assert_eq!(invoices_in(&d), invoices_in(&whole), "the cancelled then resumed import equals one whole import");
    assert_eq!(u64::from(report.imported + second.imported), u64::from(full.imported));

    // Both runs are in the "what happened" list, newest first.
    let states: Vec<JobState> = runner.list().iter().map(|v| v.state).collect();
    assert_eq!(states, [JobState::Done, JobState::Cancelled]);
}

#[test]
fn the_register_answers_while_a_job_works_and_a_second_job_of_the_kind_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path(), "busy.encours");
    let runner = Arc::new(JobRunner::new(jobs::KEEP_FINISHED));
    // The work is held at its 3rd file until the test has looked at the register.
    let (reached, wait_reached) = mpsc::channel::<()>();
    let (resume, wait_resume) = mpsc::channel::<()>();
    let wait_resume = Mutex::new(wait_resume);
    let held = AtomicBool::new(false);
    runner.set_listener(move |v| {
        if v.progress.done == 2 && !held.swap(true, Ordering::SeqCst) {
            reached.send(()).unwrap();
            wait_resume.lock().unwrap().recv().unwrap();
        }
    });
    let ctx = runner.start(JobKind::Import, "busy.encours", "Import", now()).unwrap();
    let id = ctx.id();
    let worker = std::thread::spawn(move || {
        let end = jobs::run_import(&mut d, &invoices(), now(), &ctx);
        (ctx.finish(end, now()), d)
    });
    wait_reached.recv_timeout(Duration::from_secs(60)).expect("the import reached its 3rd file");

    // The window's calls come back at once while the work holds the dossier.
    let asked = Instant::now();
    let running = runner.list();
    assert_eq!(running.len(), 1);
    assert_eq!((running[0].state, running[0].progress.done), (JobState::Running, 2));
    let refused = runner.start(JobKind::Import, "busy.encours", "Import 2", now()).unwrap_err();
    assert!(refused.message.contains("déjà en cours"), "{}", refused.message);
    assert!(runner.cancel(id).unwrap().cancel_requested);
    assert!(asked.elapsed() < Duration::from_secs(1), "the register answered in {:?}", asked.elapsed());
    resume.send(()).unwrap();

    let (view, d) = worker.join().unwrap();
    assert_eq!(view.state, JobState::Cancelled);
    assert_eq!(view.progress.done, 3, "stopped after the file in hand");
    assert_eq!(invoices_in(&d), u64::from(import_report(&view.report).imported));
}

fn demo(dir: &Path) -> Dossier {
    let mut d = encours_app::create_dossier(
        &dir.join("letters.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys(),
        now(),
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 11, clients: 60, invoices: 3_000 }, now(), &mut |_| {})
        .unwrap();
    d
}

#[test]
fn a_letters_job_writes_whole_pdfs_with_progress_and_a_cancel_before_it_starts_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let runner = Arc::new(JobRunner::new(jobs::KEEP_FINISHED));

    let cancelled_folder = dir.path().join("plan-cancelled");
    let ctx = runner.start(JobKind::Letters, "letters", "Courriers", now()).unwrap();
    runner.cancel(ctx.id()).unwrap();
    let end = jobs::run_letters(&d, now().date(), &cancelled_folder, &ctx);
    assert_eq!(end, Ok(JobEnd::Cancelled(None)));
    let view = ctx.finish(end, now());
    assert_eq!((view.state, view.progress.done, view.report.is_none()), (JobState::Cancelled, 0, true));
    assert!(!cancelled_folder.exists(), "nothing written");

    let folder = dir.path().join("plan");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    runner.set_listener(move |v| sink.lock().unwrap().push(v.progress.done));
    let ctx = runner.start(JobKind::Letters, "letters", "Courriers", now()).unwrap();
    let end = jobs::run_letters(&d, now().date(), &folder, &ctx);
    let view = ctx.finish(end, now());
    assert_eq!(view.state, JobState::Done, "{:?}", view.error);
    let Some(JobReport::Letters(report)) = &view.report else { panic!("{view:?}") };
    assert!(!report.generated.is_empty(), "the demo plan has letters");
    let n = (report.generated.len() + report.failed.len()) as u64;
    assert_eq!((view.progress.done, view.progress.total), (n, n));
    let seen = seen.lock().unwrap().clone();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]) && seen.len() as u64 > n, "progress after each letter: {seen:?}");
    // Whole PDFs only: each is renamed into place once written, no temporary file is left.
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(path.extension().and_then(|e| e.to_str()), Some("pdf"), "{}", path.display());
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"%PDF") && bytes.trim_ascii_end().ends_with(b"%%EOF"), "{}", path.display());
    }
}

#[test]
fn a_letters_job_cancelled_mid_batch_keeps_the_whole_pdfs_it_saved_and_says_how_far_it_went() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let runner = Arc::new(JobRunner::new(jobs::KEEP_FINISHED));
    // The cancel is pressed from the progress of the second document, as the tray's button would.
    let canceller = Arc::downgrade(&runner);
    runner.set_listener(move |v| {
        if v.progress.done == 2 && !v.cancel_requested {
            if let Some(r) = canceller.upgrade() {
                r.cancel(v.id).unwrap();
            }
        }
    });
    let folder = dir.path().join("plan");
    let ctx = runner.start(JobKind::Letters, "letters", "Courriers", now()).unwrap();
    let end = jobs::run_letters(&d, now().date(), &folder, &ctx);
    let view = ctx.finish(end, now());
    assert_eq!(view.state, JobState::Cancelled, "{view:?}");
    let Some(JobReport::Letters(report)) = &view.report else { panic!("{view:?}") };
    assert!(report.cancelled);
    assert!(view.progress.total > 2, "the demo plan has more than two letters: {view:?}");
    assert_eq!((report.generated.len() + report.failed.len(), view.progress.done), (2, 2), "stopped after the second");
    let files: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), report.generated.len(), "{files:?}");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"%PDF") && bytes.trim_ascii_end().ends_with(b"%%EOF"), "{}", path.display());
    }
}

#[test]
fn a_rescoring_job_reports_every_client_read_and_a_cancelled_one_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let runner = Arc::new(JobRunner::new(jobs::KEEP_FINISHED));
    // "Annuler" pressed as the run starts reading the ledgers (its first progress, after the start).
    let canceller = Arc::downgrade(&runner);
    let events = std::sync::atomic::AtomicUsize::new(0);
    runner.set_listener(move |v| {
        let nth = events.fetch_add(1, Ordering::SeqCst);
        if v.id == 1 && nth == 1 && v.state == JobState::Running && !v.cancel_requested {
            if let Some(runner) = canceller.upgrade() {
                runner.cancel(v.id).unwrap();
            }
        }
    });
    let ctx = runner.start(JobKind::Rescoring, "letters", "Notation", now()).unwrap();
    let end = jobs::run_rescoring(&mut d, Some(&keys()), now().date(), now(), &ctx);
    assert_eq!(end, Ok(JobEnd::Cancelled(None)));
    let view = ctx.finish(end, now());
    assert_eq!(view.state, JobState::Cancelled);
    // Nothing was written: the day is still to be scored.
    let today =
        encours_app::scoring::run_if_due(&mut d, None, now().date(), now(), &|_| {}, &AtomicBool::new(false)).unwrap();
    assert!(today.is_some(), "a cancelled run leaves no score of the day");

    let ctx = runner.start(JobKind::Rescoring, "letters", "Notation", now()).unwrap();
    let end = jobs::run_rescoring(&mut d, Some(&keys()), now().date(), now(), &ctx);
    let view = ctx.finish(end, now());
    assert_eq!(view.state, JobState::Done, "{:?}", view.error);
    let Some(JobReport::Rescoring(report)) = &view.report else { panic!("{view:?}") };
    assert_eq!(report.clients_scored + report.clients_without_history, 60);
    assert_eq!(view.progress.done, view.progress.total);
    assert!(view.progress.total > 0);
}

#[test]
fn the_daily_rescoring_job_scores_the_day_once_then_says_it_was_already_done() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let runner = Arc::new(JobRunner::new(jobs::KEEP_FINISHED));
    let ctx = runner.start(JobKind::Rescoring, "daily", "Notation", now()).unwrap();
    let end = jobs::run_rescoring_if_due(&mut d, Some(&keys()), now().date(), now(), &ctx);
    let first = ctx.finish(end, now());
    assert_eq!(first.state, JobState::Done, "{:?}", first.error);
    let Some(JobReport::Rescoring(report)) = &first.report else { panic!("{first:?}") };
    assert_eq!(report.clients_scored + report.clients_without_history, 60);
    assert!(first.progress.total > 0 && first.progress.done == first.progress.total);

    // Opened again the same day: nothing is computed, the job says the day is scored.
    let ctx = runner.start(JobKind::Rescoring, "daily", "Notation", now()).unwrap();
    let end = jobs::run_rescoring_if_due(&mut d, Some(&keys()), now().date(), now(), &ctx);
    let second = ctx.finish(end, now());
    assert_eq!(second.state, JobState::Done, "{:?}", second.error);
    let Some(JobReport::RescoringSkipped(skipped)) = &second.report else { panic!("{second:?}") };
    assert_eq!(skipped.as_of, "2026-06-22");
    assert_eq!(second.progress.total, 0, "no client read");

    // The next day is due again.
    let tomorrow = now() + chrono::Duration::days(1);
    let ctx = runner.start(JobKind::Rescoring, "daily", "Notation", tomorrow).unwrap();
    let end = jobs::run_rescoring_if_due(&mut d, Some(&keys()), tomorrow.date(), tomorrow, &ctx);
    let third = ctx.finish(end, tomorrow);
    assert!(matches!(third.report, Some(JobReport::Rescoring(_))), "{third:?}");
}
