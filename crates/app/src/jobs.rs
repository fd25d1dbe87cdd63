//! Long jobs (issue 11 §4): import, sync, rescoring and batch letters run in the background with
//! progress, can be cancelled, and report what happened.
//!
//! The [`JobRunner`] is the register of jobs, with no thread, no clock and no Tauri type: the
//! caller (the desktop shell, a test) starts a job with [`JobRunner::start`], which hands back a
//! [`JobContext`], runs the work on a thread of its own with that context, and ends it with
//! [`JobContext::finish`], passing the time read from its clock. The work reports its progress
//! through the context and checks [`JobContext::is_cancelled`] between items: a cancel is a request
//! honoured at the next item boundary, so what was committed stays and nothing is half-written
//! (each item is its own unit of work: a file's savepoint in an import, a PDF written under a
//! temporary name then renamed).
//!
//! Rules the runner keeps:
//! - at most one job of a kind per scope (a dossier) at a time: a second import while one runs is
//!   refused with a message that says so, and the running one is left alone;
//! - the last [`JobRunner::new`]`(keep)` finished jobs are kept, newest first, for the "what
//!   happened" list (a job's report is there until it is pushed out);
//! - every change (start, progress, cancel request, end) is told to the listener, if one is set,
//!   outside the runner's lock (a slow listener never holds up another job).
//!
//! The `run_*` functions are the jobs over the `encours-app` functions that do the work.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{NaiveDate, NaiveDateTime};
use encours_store::Dossier;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::import::{ImportProgress, ImportReport};
use crate::letters::{LetterBatchReport, LetterProgress};
use crate::scoring::{ScoreRunReport, ScoringProgress};
use crate::sync::{SyncProgress, SyncSummary};

/// Finished jobs the shell keeps for the "what happened" list.
pub const KEEP_FINISHED: usize = 20;

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum JobKind {
    /// Importing files, folders and archives.
    Import,
    /// Fetching the platform's new flows.
    Sync,
    /// Rescoring every client.
    Rescoring,
    /// Generating the letters of today's dunning plan.
    Letters,
}

impl JobKind {
    /// The job's name in French, for a message or a label.
    pub fn label_fr(self) -> &'static str {
        match self {
            JobKind::Import => "Import",
            JobKind::Sync => "Synchronisation",
            JobKind::Rescoring => "Notation des clients",
            JobKind::Letters => "Courriers du plan",
        }
    }
}

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum JobState {
    /// Started and not yet ended (possibly waiting for the dossier another job holds).
    Running,
    /// Ended normally; the report says what it did.
    Done,
    /// Ended on an error; `error` says why (what was committed before it stays).
    Failed,
    /// Stopped at the user's request; `progress` says how far it went.
    Cancelled,
}

/// How far a job is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobProgress {
    /// Items done so far.
    #[ts(type = "number")]
    pub done: u64,
    /// Items in all; 0 while not known yet.
    #[ts(type = "number")]
    pub total: u64,
    /// The item being handled (a file, a client), or empty.
    pub current: String,
}

/// What a job did: the report of the function it ran.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(tag = "kind", content = "report", rename_all = "camelCase")]
#[ts(export)]
pub enum JobReport {
    /// An import's report (one line per file).
    Import(ImportReport),
    /// A sync's report (every account's run, the upload).
    Sync(SyncSummary),
    /// A scoring run's report.
    Rescoring(ScoreRunReport),
    /// A letters batch's report.
    Letters(LetterBatchReport),
    /// The daily rescoring found the day already scored and did nothing.
    RescoringSkipped(RescoringSkipped),
}

/// The daily rescoring's answer when the portfolio already holds scores of the day (issue 9: one
/// run a day): nothing was computed nor written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RescoringSkipped {
    /// The day already scored (ISO date).
    pub as_of: String,
}

impl JobReport {
    /// True when the report itself says the work stopped before the end at the user's request.
    fn stopped_early(&self) -> bool {
        match self {
            JobReport::Import(r) => r.cancelled,
            JobReport::Sync(s) => s.cancelled,
            JobReport::Letters(r) => r.cancelled,
            JobReport::Rescoring(_) | JobReport::RescoringSkipped(_) => false,
        }
    }
}

/// How a job's work ended, as its function says.
#[derive(Clone, Debug, PartialEq)]
pub enum JobEnd {
    /// It went to the end.
    Finished(JobReport),
    /// It stopped at a cancel request: with the report of what it did, or none when it stopped
    /// before doing anything.
    Cancelled(Option<JobReport>),
}

impl JobEnd {
    /// `Cancelled` when the report says the work stopped early, `Finished` otherwise.
    pub fn from_report(report: JobReport) -> JobEnd {
        if report.stopped_early() {
            JobEnd::Cancelled(Some(report))
        } else {
            JobEnd::Finished(report)
        }
    }
}

/// One job as the UI sees it.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobView {
    /// The job's id (unique in the runner's life).
    #[ts(type = "number")]
    pub id: u64,
    /// What it does.
    pub kind: JobKind,
    /// What it works on, in French (`Import de 3 éléments`, `Courriers du plan du 24/11/2026`).
    pub label: String,
    /// Where it is.
    pub state: JobState,
    /// How far it went.
    pub progress: JobProgress,
    /// When it started (ISO local time, from the caller's clock).
    pub started_at: String,
    /// When it ended (ISO local time), once it has.
    pub finished_at: Option<String>,
    /// True once the user asked it to stop.
    pub cancel_requested: bool,
    /// What it did, once ended (a cancelled job keeps the report of what it did before).
    pub report: Option<JobReport>,
    /// Why it failed.
    pub error: Option<ApiError>,
}

/// A running job in the register.
struct Running {
    view: JobView,
    scope: String,
    cancel: Arc<AtomicBool>,
}

#[derive(Default)]
struct Register {
    next_id: u64,
    running: Vec<Running>,
    /// Newest first.
    finished: VecDeque<JobView>,
}

type Listener = Arc<dyn Fn(&JobView) + Send + Sync>;

/// The register of long jobs (module doc).
pub struct JobRunner {
    register: Mutex<Register>,
    keep_finished: usize,
    listener: Mutex<Option<Listener>>,
}

impl std::fmt::Debug for JobRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRunner").field("jobs", &self.list().len()).finish_non_exhaustive()
    }
}

impl JobRunner {
    /// A runner that keeps the last `keep_finished` finished jobs.
    pub fn new(keep_finished: usize) -> JobRunner {
        JobRunner { register: Mutex::new(Register::default()), keep_finished, listener: Mutex::new(None) }
    }

    /// Sets the function told of every change of every job (replacing the previous one).
    pub fn set_listener(&self, listener: impl Fn(&JobView) + Send + Sync + 'static) {
        *self.listener.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(listener));
    }

    fn register(&self) -> std::sync::MutexGuard<'_, Register> {
        // A panic while holding the lock leaves the register consistent (every change is one
        // assignment), so a poisoned lock is used as it is rather than failing every later call.
        self.register.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn tell(&self, view: &JobView) {
        let listener = self.listener.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(listener) = listener {
            listener(view);
        }
    }

    /// Registers a new running job of `kind` on `scope` (a dossier: its path, or any name that
    /// tells dossiers apart), started at `started_at`. Refused while a job of the same kind runs
    /// on the same scope.
    pub fn start(
        self: &Arc<Self>,
        kind: JobKind,
        scope: &str,
        label: impl Into<String>,
        started_at: NaiveDateTime,
    ) -> Result<JobContext, ApiError> {
        let (view, cancel) = {
            let mut reg = self.register();
            if let Some(other) = reg.running.iter().find(|r| r.view.kind == kind && r.scope == scope) {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "{} déjà en cours ({}, job {}) : attendez sa fin ou annulez-le avant d'en lancer un autre",
                        kind.label_fr(),
                        other.view.label,
                        other.view.id
                    ),
                ));
            }
            reg.next_id += 1;
            let view = JobView {
                id: reg.next_id,
                kind,
                label: label.into(),
                state: JobState::Running,
                progress: JobProgress::default(),
                started_at: started_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                finished_at: None,
                cancel_requested: false,
                report: None,
                error: None,
            };
            let cancel = Arc::new(AtomicBool::new(false));
            reg.running.push(Running { view: view.clone(), scope: scope.to_owned(), cancel: Arc::clone(&cancel) });
            (view, cancel)
        };
        self.tell(&view);
        Ok(JobContext { runner: Arc::clone(self), id: view.id, cancel, ended: false })
    }

    /// Asks job `id` to stop at its next item boundary; the job as it now is. A job already ended
    /// is returned as it ended (a cancel that comes too late changes nothing).
    pub fn cancel(&self, id: u64) -> Result<JobView, ApiError> {
        let view = {
            let mut reg = self.register();
            if let Some(r) = reg.running.iter_mut().find(|r| r.view.id == id) {
                r.cancel.store(true, Ordering::Relaxed);
                r.view.cancel_requested = true;
                r.view.clone()
            } else if let Some(v) = reg.finished.iter().find(|v| v.id == id) {
                return Ok(v.clone());
            } else {
                return Err(ApiError::invalid(format!("no job {id} (it may have left the list of recent jobs)")));
            }
        };
        self.tell(&view);
        Ok(view)
    }

    /// Every job: the running ones (oldest first), then the finished ones (newest first).
    pub fn list(&self) -> Vec<JobView> {
        let reg = self.register();
        reg.running.iter().map(|r| r.view.clone()).chain(reg.finished.iter().cloned()).collect()
    }

    /// Job `id`, while it is running or among the kept finished jobs.
    pub fn get(&self, id: u64) -> Option<JobView> {
        let reg = self.register();
        reg.running.iter().map(|r| &r.view).chain(reg.finished.iter()).find(|v| v.id == id).cloned()
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut JobView)) {
        let view = {
            let mut reg = self.register();
            let Some(r) = reg.running.iter_mut().find(|r| r.view.id == id) else { return };
            change(&mut r.view);
            r.view.clone()
        };
        self.tell(&view);
    }

    fn end(&self, id: u64, finish: impl FnOnce(&mut JobView)) -> Option<JobView> {
        let view = {
            let mut reg = self.register();
            let at = reg.running.iter().position(|r| r.view.id == id)?;
            let mut view = reg.running.remove(at).view;
            finish(&mut view);
            reg.finished.push_front(view.clone());
            reg.finished.truncate(self.keep_finished);
            view
        };
        self.tell(&view);
        Some(view)
    }
}

/// A running job's handle, given to the work: progress, cancel flag, end. Dropped without
/// [`JobContext::finish`] (the work panicked), the job is recorded as failed.
pub struct JobContext {
    runner: Arc<JobRunner>,
    id: u64,
    cancel: Arc<AtomicBool>,
    ended: bool,
}

impl std::fmt::Debug for JobContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext").field("id", &self.id).finish_non_exhaustive()
    }
}

impl JobContext {
    /// The job's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The job as it now is.
    pub fn view(&self) -> Option<JobView> {
        self.runner.get(self.id)
    }

    /// Records how far the job is: `done` of `total` items (0: not known yet), `current` the item
    /// being handled.
    pub fn progress(&self, done: u64, total: u64, current: &str) {
        self.runner.update(self.id, |v| {
            v.progress.done = done;
            v.progress.total = total;
            if v.progress.current != current {
                current.clone_into(&mut v.progress.current);
            }
        });
    }

    /// True once the user asked the job to stop: the work checks it between items.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The cancel flag itself, for a function that takes an `&AtomicBool`.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }

    /// Ends the job at `finished_at` with what its work returned: done (with its report),
    /// cancelled (with the report of what it did, if any) or failed (with the error). The job as
    /// it ended.
    pub fn finish(mut self, outcome: Result<JobEnd, ApiError>, finished_at: NaiveDateTime) -> JobView {
        self.ended = true;
        let at = finished_at.format("%Y-%m-%dT%H:%M:%S").to_string();
        let view = self.runner.end(self.id, |v| {
            v.finished_at = Some(at);
            v.progress.current.clear();
            match outcome {
                Ok(JobEnd::Finished(report)) => {
                    v.state = JobState::Done;
                    v.report = Some(report);
                }
                Ok(JobEnd::Cancelled(report)) => {
                    v.state = JobState::Cancelled;
                    v.report = report;
                }
                Err(e) => {
                    v.state = JobState::Failed;
                    v.error = Some(e);
                }
            }
        });
        // `end` finds the job: only this context ends it, and it is consumed here.
        view.unwrap_or_else(|| JobView {
            id: self.id,
            kind: JobKind::Import,
            label: String::new(),
            state: JobState::Failed,
            progress: JobProgress::default(),
            started_at: String::new(),
            finished_at: None,
            cancel_requested: false,
            report: None,
            error: Some(ApiError::new(ErrorCode::Internal, format!("job {} was not running", self.id))),
        })
    }
}

impl Drop for JobContext {
    fn drop(&mut self) {
        if !self.ended {
            // No clock here: the end time stays unknown rather than invented.
            self.runner.end(self.id, |v| {
                v.state = JobState::Failed;
                v.error = Some(ApiError::new(ErrorCode::Internal, "the job stopped unexpectedly"));
            });
        }
    }
}

/// Which job changes to pass on to a window: every change of state, of the cancel request or of
/// the total (so the window always learns how many items there are), the last item, and otherwise
/// at most one progress message per job every `every` — an import tells of every file, which would
/// be thousands of messages a second to draw for nothing.
#[derive(Debug)]
pub struct EventThrottle {
    every: std::time::Duration,
    /// Per running job: when its last message went, and the state, cancel request and total it had.
    sent: std::collections::HashMap<u64, (std::time::Instant, JobState, bool, u64)>,
}

impl EventThrottle {
    /// At most one progress message per job every `every`.
    pub fn new(every: std::time::Duration) -> EventThrottle {
        EventThrottle { every, sent: std::collections::HashMap::new() }
    }

    /// True when `view`, seen at `at` (the caller's monotonic clock), should go to the window.
    pub fn should_send(&mut self, view: &JobView, at: std::time::Instant) -> bool {
        let due = match self.sent.get(&view.id) {
            Some((last, state, cancel, total)) => {
                *state != view.state
                    || *cancel != view.cancel_requested
                    || *total != view.progress.total
                    || (view.progress.total > 0 && view.progress.done == view.progress.total)
                    || at.saturating_duration_since(*last) >= self.every
            }
            None => true,
        };
        if due {
            if view.state == JobState::Running {
                self.sent.insert(view.id, (at, view.state, view.cancel_requested, view.progress.total));
            } else {
                self.sent.remove(&view.id);
            }
        }
        due
    }
}

/// The import job: [`crate::import_paths`] with its progress and the job's cancel flag. A cancel
/// stops after the file being handled; the files already committed stay, the rest are not read.
pub fn run_import(
    d: &mut Dossier,
    paths: &[PathBuf],
    now: NaiveDateTime,
    ctx: &JobContext,
) -> Result<JobEnd, ApiError> {
    if ctx.is_cancelled() {
        return Ok(JobEnd::Cancelled(None));
    }
    let mut total = 0u64;
    let mut progress = |p: &ImportProgress| {
        total = u64::from(p.total);
        // The import's last message says "all done" even after a cancel; the real count is set below.
        if !(ctx.is_cancelled() && p.current.is_empty()) {
            ctx.progress(u64::from(p.done), total, &p.current);
        }
    };
    let report = crate::import_paths(d, paths, now, &mut progress, ctx.cancel_flag())?;
    if report.cancelled {
        ctx.progress(report.files.len() as u64, total, "");
    }
    Ok(JobEnd::from_report(JobReport::Import(report)))
}

/// The batch letters job: the documents of the dunning plan of `as_of` into `folder`, with its
/// progress. Each PDF is written under a temporary name and renamed, so none is ever half-written.
///
/// A cancel is honoured before the batch starts and between documents (the ones saved are kept).
pub fn run_letters(d: &Dossier, as_of: NaiveDate, folder: &Path, ctx: &JobContext) -> Result<JobEnd, ApiError> {
    if ctx.is_cancelled() {
        return Ok(JobEnd::Cancelled(None));
    }
    let mut progress = |p: &LetterProgress| ctx.progress(p.done, p.total, &p.client_name);
    let report = crate::letters::generate_plan_letters(d, as_of, folder, &mut progress, ctx.cancel_flag())?;
    Ok(JobEnd::from_report(JobReport::Letters(report)))
}

/// The rescoring job: [`crate::scoring::rescore`] on `as_of`, the clients as its progress
/// (`keys`: the key source the dossier was opened with, unless a passphrase — then the ledgers
/// are read on two connections). A cancel stops the run between clients and writes nothing: every
/// score and alert of a run commits in one transaction, so the job ends cancelled with no report.
pub fn run_rescoring(
    d: &mut Dossier,
    keys: Option<&encours_store::KeySource>,
    as_of: NaiveDate,
    now: NaiveDateTime,
    ctx: &JobContext,
) -> Result<JobEnd, ApiError> {
    if ctx.is_cancelled() {
        return Ok(JobEnd::Cancelled(None));
    }
    let progress = |p: ScoringProgress| ctx.progress(p.done as u64, p.total as u64, "");
    match crate::scoring::rescore(d, keys, as_of, now, &progress, ctx.cancel_flag())? {
        Some(report) => Ok(JobEnd::from_report(JobReport::Rescoring(report))),
        None => Ok(JobEnd::Cancelled(None)),
    }
}

/// The daily rescoring job (issue 9: the whole portfolio rescored once a day in the background):
/// [`crate::scoring::run_if_due`] on `today`, with [`run_rescoring`]'s progress and cancel. When the
/// dossier already holds scores of `today` the job ends done with [`JobReport::RescoringSkipped`],
/// so opening a dossier several times a day costs one run only.
pub fn run_rescoring_if_due(
    d: &mut Dossier,
    keys: Option<&encours_store::KeySource>,
    today: NaiveDate,
    now: NaiveDateTime,
    ctx: &JobContext,
) -> Result<JobEnd, ApiError> {
    if ctx.is_cancelled() {
        return Ok(JobEnd::Cancelled(None));
    }
    let progress = |p: ScoringProgress| ctx.progress(p.done as u64, p.total as u64, "");
    match crate::scoring::run_if_due(d, keys, today, now, &progress, ctx.cancel_flag())? {
        Some(report) => Ok(JobEnd::from_report(JobReport::Rescoring(report))),
        // `run_if_due` answers `None` both for "already scored" and for a cancelled run (which
        // wrote nothing); the cancel flag tells them apart.
        None if ctx.is_cancelled() => Ok(JobEnd::Cancelled(None)),
        None => Ok(JobEnd::Finished(JobReport::RescoringSkipped(RescoringSkipped { as_of: today.to_string() }))),
    }
}

/// The sync job: [`crate::sync::sync_with_progress`] of every enabled account (or `only`), the
/// accounts as its progress and the flow counts as its current item. A cancel stops after the
/// flow being taken: each flow and the cursor's advance commit together, so nothing is half-taken.
pub fn run_sync(
    d: &mut Dossier,
    secrets: &dyn encours_store::keys::SecretStore,
    only: Option<&str>,
    now: NaiveDateTime,
    ctx: &JobContext,
) -> Result<JobEnd, ApiError> {
    if ctx.is_cancelled() {
        return Ok(JobEnd::Cancelled(None));
    }
    let progress = |p: SyncProgress| {
        let current = if p.account.is_empty() {
            String::new()
        } else {
            format!("{} : {} flux, {} importé(s)", p.account, p.downloaded, p.imported)
        };
        ctx.progress(u64::from(p.accounts_done), u64::from(p.accounts_total), &current);
    };
    let summary = crate::sync::sync_with_progress(d, secrets, only, now, &progress, ctx.cancel_flag())?;
    Ok(JobEnd::from_report(JobReport::Sync(summary)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        s.parse().unwrap()
    }

    fn letters_report(n: usize) -> JobReport {
        JobReport::Letters(LetterBatchReport {
            as_of: "2026-11-24".into(),
            folder: "courriers".into(),
            generated: Vec::new(),
            failed: vec!["x".into(); n],
            cancelled: false,
        })
    }

    #[test]
    fn progress_is_recorded_and_told_to_the_listener() {
        let runner = Arc::new(JobRunner::new(5));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        runner.set_listener(move |v| sink.lock().unwrap().push((v.state, v.progress.done)));
        let ctx = runner.start(JobKind::Letters, "d", "Courriers", at("2026-11-24T10:00:00")).unwrap();
        ctx.progress(3, 10, "ACME");
        let v = runner.get(ctx.id()).unwrap();
        assert_eq!(
            (v.state, v.progress.done, v.progress.total, v.progress.current.as_str()),
            (JobState::Running, 3, 10, "ACME")
        );
        let end = ctx.finish(Ok(JobEnd::Finished(letters_report(1))), at("2026-11-24T10:00:05"));
        assert_eq!(end.state, JobState::Done);
        assert_eq!(end.finished_at.as_deref(), Some("2026-11-24T10:00:05"));
        assert_eq!(end.started_at, "2026-11-24T10:00:00");
        assert_eq!(*seen.lock().unwrap(), vec![(JobState::Running, 0), (JobState::Running, 3), (JobState::Done, 3)]);
    }

    #[test]
    fn a_cancel_sets_the_flag_and_the_end_is_cancelled_with_how_far_it_went() {
        let runner = Arc::new(JobRunner::new(5));
        let ctx = runner.start(JobKind::Import, "d", "Import", at("2026-11-24T10:00:00")).unwrap();
        ctx.progress(40, 120, "a.xml");
        assert!(!ctx.is_cancelled());
        let v = runner.cancel(ctx.id()).unwrap();
        assert!(v.cancel_requested && ctx.is_cancelled());
        let end = ctx.finish(Ok(JobEnd::Cancelled(None)), at("2026-11-24T10:00:01"));
        assert_eq!((end.state, end.progress.done, end.progress.total), (JobState::Cancelled, 40, 120));
        // A cancel after the end changes nothing.
        assert_eq!(runner.cancel(end.id).unwrap(), end);
        assert!(runner.cancel(999).is_err());
    }

    #[test]
    fn one_job_of_a_kind_per_dossier_at_a_time() {
        let runner = Arc::new(JobRunner::new(5));
        let first = runner.start(JobKind::Import, "a", "Import 1", at("2026-11-24T10:00:00")).unwrap();
        let refused = runner.start(JobKind::Import, "a", "Import 2", at("2026-11-24T10:00:01")).unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(refused.message.contains("Import déjà en cours"), "{}", refused.message);
        // Another kind, or another dossier, may run.
        let letters = runner.start(JobKind::Letters, "a", "Courriers", at("2026-11-24T10:00:01")).unwrap();
        let other = runner.start(JobKind::Import, "b", "Import b", at("2026-11-24T10:00:01")).unwrap();
        assert_eq!(runner.list().len(), 3);
        first.finish(Ok(JobEnd::Finished(JobReport::Import(ImportReport::default()))), at("2026-11-24T10:00:02"));
        // Once the first has ended, the next import of that dossier starts.
        let again = runner.start(JobKind::Import, "a", "Import 3", at("2026-11-24T10:00:03")).unwrap();
        assert!(again.id() > other.id() && other.id() > letters.id());
    }

    #[test]
    fn a_failure_is_captured_and_a_dropped_context_fails_the_job() {
        let runner = Arc::new(JobRunner::new(5));
        let ctx = runner.start(JobKind::Rescoring, "d", "Notation", at("2026-11-24T10:00:00")).unwrap();
        let end = ctx.finish(Err(ApiError::new(ErrorCode::Storage, "disk full")), at("2026-11-24T10:00:01"));
        assert_eq!(end.state, JobState::Failed);
        assert_eq!(end.error, Some(ApiError::new(ErrorCode::Storage, "disk full")));
        let ctx = runner.start(JobKind::Rescoring, "d", "Notation", at("2026-11-24T10:00:02")).unwrap();
        let id = ctx.id();
        drop(ctx);
        let v = runner.get(id).unwrap();
        assert_eq!((v.state, v.error.map(|e| e.code)), (JobState::Failed, Some(ErrorCode::Internal)));
    }

    #[test]
    fn the_last_n_finished_jobs_are_kept_newest_first_with_their_report() {
        let runner = Arc::new(JobRunner::new(2));
        for n in 1..=3 {
            let ctx = runner.start(JobKind::Letters, "d", format!("Lot {n}"), at("2026-11-24T10:00:00")).unwrap();
            ctx.finish(Ok(JobEnd::Finished(letters_report(n))), at("2026-11-24T10:00:01"));
        }
        let running = runner.start(JobKind::Import, "d", "Import", at("2026-11-24T10:00:02")).unwrap();
        let labels: Vec<String> = runner.list().into_iter().map(|v| v.label).collect();
        assert_eq!(labels, ["Import", "Lot 3", "Lot 2"]);
        let Some(JobReport::Letters(r)) = runner.list()[1].report.clone() else { panic!("no letters report") };
        assert_eq!(r.failed.len(), 3);
        assert!(runner.get(1).is_none(), "the oldest is pushed out");
        drop(running);
    }

    #[test]
    fn the_throttle_passes_changes_of_state_total_and_cancel_and_one_progress_per_period() {
        let runner = Arc::new(JobRunner::new(5));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let t0 = std::time::Instant::now();
        let clock = Arc::new(Mutex::new(t0));
        let tick = Arc::clone(&clock);
        let throttle = Mutex::new(EventThrottle::new(std::time::Duration::from_millis(100)));
        runner.set_listener(move |v| {
            if throttle.lock().unwrap().should_send(v, *tick.lock().unwrap()) {
                sink.lock().unwrap().push((v.state, v.progress.done, v.progress.total, v.cancel_requested));
            }
        });
        let time = |ms: u64| *clock.lock().unwrap() = t0 + std::time::Duration::from_millis(ms);
        let ctx = runner.start(JobKind::Import, "d", "Import", at("2026-11-24T10:00:00")).unwrap();
        time(10);
        ctx.progress(0, 50, "a"); // the total becomes known: sent
        time(20);
        ctx.progress(1, 50, "b"); // within 100 ms: held
        time(130);
        ctx.progress(2, 50, "c"); // a period later: sent
        time(140);
        runner.cancel(ctx.id()).unwrap(); // the cancel request: sent
        time(150);
        ctx.progress(3, 50, "d"); // held
        ctx.progress(50, 50, ""); // the last item: sent
        ctx.finish(Ok(JobEnd::Cancelled(None)), at("2026-11-24T10:00:01")); // the end: sent
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                (JobState::Running, 0, 0, false),
                (JobState::Running, 0, 50, false),
                (JobState::Running, 2, 50, false),
                (JobState::Running, 2, 50, true),
                (JobState::Running, 50, 50, true),
                (JobState::Cancelled, 50, 50, true),
            ]
        );
    }

    #[test]
    fn a_report_that_says_it_stopped_early_ends_the_job_cancelled() {
        let report = ImportReport { cancelled: true, ..ImportReport::default() };
        assert!(matches!(JobEnd::from_report(JobReport::Import(report)), JobEnd::Cancelled(Some(_))));
        let sync = JobReport::Sync(SyncSummary { cancelled: true, ..SyncSummary::default() });
        assert!(matches!(JobEnd::from_report(sync), JobEnd::Cancelled(Some(_))));
        assert!(matches!(JobEnd::from_report(letters_report(0)), JobEnd::Finished(_)));
    }
}
