//! Long jobs in the window (issue 11 §4): one command per kind starts a job and answers at once
//! with its id; the work runs on a blocking thread (`spawn_blocking`), so the window never waits
//! for it. The register is `encours_app::jobs::JobRunner`; every change of a job is pushed to the
//! window through the channel `jobs_watch` gave (throttled: one progress message per job every
//! [`PROGRESS_EVERY`]; a change of state, a cancel request, the total becoming known and the last
//! item go at once, so the window always sees how many items there are and the end), and
//! `jobs_list` reads them all again.
//!
//! The scope of the "one job of a kind at a time" rule is the window's open dossier: the shell
//! holds one dossier, and it cannot be closed or switched while a job holds it (closing waits for
//! the dossier's lock), so the open dossier is the same for every job that runs at one time.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use encours_app::jobs::{self, EventThrottle, JobContext, JobEnd, JobKind, JobRunner, JobView};
use encours_app::{ApiError, Dossier, ErrorCode};
use tauri::ipc::Channel;

use crate::{date_or_today, internal, letters_folder, now, AppState};

/// Shortest time between two progress messages of one job to the window.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The scope of every job of the window (module doc).
const OPEN_DOSSIER: &str = "open dossier";

/// What the shell keeps about jobs.
pub struct JobsState {
    runner: Arc<JobRunner>,
    watcher: Arc<Mutex<Option<Channel<JobView>>>>,
}

impl Default for JobsState {
    fn default() -> JobsState {
        JobsState::new()
    }
}

impl JobsState {
    /// A register that keeps the last [`jobs::KEEP_FINISHED`] finished jobs and pushes every change
    /// to the window's channel once `jobs_watch` has given one.
    pub fn new() -> JobsState {
        let runner = Arc::new(JobRunner::new(jobs::KEEP_FINISHED));
        let watcher: Arc<Mutex<Option<Channel<JobView>>>> = Arc::new(Mutex::new(None));
        let throttle = Mutex::new(EventThrottle::new(PROGRESS_EVERY));
        let to_window = Arc::clone(&watcher);
        runner.set_listener(move |view| {
            let due = throttle.lock().unwrap_or_else(PoisonError::into_inner).should_send(view, Instant::now());
            if !due {
                return;
            }
            if let Some(channel) = to_window.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
                // The window may have gone away; the job goes on regardless.
                let _ = channel.send(view.clone());
            }
        });
        JobsState { runner, watcher }
    }

    /// True while a job of `kind` runs (on the open dossier: the only scope of the window).
    pub(crate) fn is_running(&self, kind: JobKind) -> bool {
        self.runner.list().iter().any(|j| j.kind == kind && j.state == jobs::JobState::Running)
    }

    /// Starts a job of `kind` and runs `work` on the open dossier on a blocking thread; the job as
    /// it starts. Refused at once when no dossier is open, or while a job of that kind runs. Other
    /// shell modules (the sync schedule) start their runs here too, so that the window sees them
    /// and the one-per-kind rule holds for them as well.
    pub(crate) fn spawn(
        &self,
        app: &AppState,
        kind: JobKind,
        label: String,
        work: impl FnOnce(&mut Dossier, &JobContext) -> Result<JobEnd, ApiError> + Send + 'static,
    ) -> Result<JobView, ApiError> {
        // A dossier busy with another command or job is open; only an idle one can be seen closed.
        if let Ok(slot) = app.dossier.try_lock() {
            if slot.is_none() {
                return Err(ApiError::new(ErrorCode::NoDossierOpen, "no dossier is open"));
            }
        }
        let ctx = self.runner.start(kind, OPEN_DOSSIER, label, now())?;
        let view = ctx.view().ok_or_else(|| internal("the job ended before it started"))?;
        let dossier = Arc::clone(&app.dossier);
        tauri::async_runtime::spawn_blocking(move || {
            let outcome = (|| {
                // Waits while another job or command holds the dossier; the job shows as running.
                let mut guard = dossier.lock().map_err(internal)?;
                let d = guard.as_mut().ok_or_else(|| ApiError::new(ErrorCode::NoDossierOpen, "no dossier is open"))?;
                work(d, &ctx)
            })();
            ctx.finish(outcome, now());
        });
        Ok(view)
    }
}

/// Gives the channel every change of every job is pushed to (replacing the previous window's);
/// resolves with the jobs as they are now.
#[tauri::command]
pub fn jobs_watch(jobs: tauri::State<'_, JobsState>, on_event: Channel<JobView>) -> Vec<JobView> {
    *jobs.watcher.lock().unwrap_or_else(PoisonError::into_inner) = Some(on_event);
    jobs.runner.list()
}

/// The running jobs (oldest first), then the recent finished ones (newest first).
#[tauri::command]
pub fn jobs_list(jobs: tauri::State<'_, JobsState>) -> Vec<JobView> {
    jobs.runner.list()
}

/// Asks job `id` to stop at its next item; resolves with the job as it now is.
#[tauri::command]
pub fn job_cancel(jobs: tauri::State<'_, JobsState>, id: u64) -> Result<JobView, ApiError> {
    jobs.runner.cancel(id)
}

/// Starts importing files, folders and zip archives into the open dossier; resolves with the job.
#[tauri::command]
pub fn job_import(
    app: tauri::State<'_, AppState>,
    jobs: tauri::State<'_, JobsState>,
    paths: Vec<String>,
) -> Result<JobView, ApiError> {
    if paths.is_empty() {
        return Err(ApiError::invalid("nothing to import: choose files or a folder"));
    }
    let label = match paths.as_slice() {
        [one] => format!("Import de {}", short_name(one)),
        many => format!("Import de {} éléments", many.len()),
    };
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    jobs.spawn(&app, JobKind::Import, label, move |d, ctx| jobs::run_import(d, &paths, now(), ctx))
}

/// Starts generating every document of today's plan into `courriers/plan-DATE/`; resolves with the job.
#[tauri::command]
pub fn job_letters(app: tauri::State<'_, AppState>, jobs: tauri::State<'_, JobsState>) -> Result<JobView, ApiError> {
    let today = now().date();
    let label = format!("Courriers du plan du {}", today.format("%d/%m/%Y"));
    jobs.spawn(&app, JobKind::Letters, label, move |d, ctx| {
        let folder = letters_folder(d).join(format!("plan-{today}"));
        jobs::run_letters(d, today, &folder, ctx)
    })
}

/// Starts rescoring every client on a date (default today); resolves with the job. `if_due`: the
/// daily run the window starts when a dossier opens — it scores only if the day is not scored yet
/// (otherwise the job ends at once with a "skipped" report).
#[tauri::command]
pub fn job_rescoring(
    app: tauri::State<'_, AppState>,
    jobs: tauri::State<'_, JobsState>,
    as_of: Option<String>,
    if_due: Option<bool>,
) -> Result<JobView, ApiError> {
    let as_of = date_or_today(as_of)?;
    let if_due = if_due.unwrap_or(false);
    let label = if if_due {
        format!("Notation quotidienne des clients du {}", as_of.format("%d/%m/%Y"))
    } else {
        format!("Notation des clients au {}", as_of.format("%d/%m/%Y"))
    };
    // The ledgers are read on a second connection opened with the keyring's key; a passphrase
    // dossier's key is not handed to it (the run reads on the dossier's own connection then).
    let keys = match app.opened_with.lock().map_err(internal)?.as_ref() {
        Some(_) => None,
        None => app.keys().ok().cloned(),
    };
    jobs.spawn(&app, JobKind::Rescoring, label, move |d, ctx| {
        if if_due {
            jobs::run_rescoring_if_due(d, keys.as_ref(), as_of, now(), ctx)
        } else {
            jobs::run_rescoring(d, keys.as_ref(), as_of, now(), ctx)
        }
    })
}

/// Starts syncing every enabled platform account (or `account`) now; resolves with the job.
#[tauri::command]
pub fn job_sync(
    app: tauri::State<'_, AppState>,
    jobs: tauri::State<'_, JobsState>,
    account: Option<String>,
) -> Result<JobView, ApiError> {
    let label = match &account {
        Some(name) => format!("Synchronisation de {name}"),
        None => "Synchronisation des plateformes".to_owned(),
    };
    jobs.spawn(&app, JobKind::Sync, label, move |d, ctx| {
        let secrets = encours_app::sync::secret_store_from_env();
        jobs::run_sync(d, secrets.as_ref(), account.as_deref(), now(), ctx)
    })
}

/// The last part of a path, for a label.
fn short_name(path: &str) -> &str {
    path.trim_end_matches(['/', '\\']).rsplit(['/', '\\']).next().unwrap_or(path)
}
