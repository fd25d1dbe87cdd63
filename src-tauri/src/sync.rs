//! Sync with the platforms in the window (issue 10 §4): the platform accounts of Paramètres ›
//! Plateformes, the connection test, the status panel, and the scheduled background sync.
//! "Synchroniser maintenant" is a job (`job_sync` in [`crate::jobs`]), with its progress and cancel.
//!
//! The schedule runs on a thread of its own ([`start_scheduler`]): every [`TICK`] it asks the
//! core which accounts are due at the clock's time (`encours_app::sync::due_accounts`, the time
//! passed in) and starts the first one's sync as a job of the shell's register, so a scheduled run
//! shows in the window's tray like a manual one and can be cancelled there; the other due accounts
//! follow on the next ticks. It never waits for the dossier: when a command or a job holds it, the
//! tick is skipped and the next one tries again. One sync job at a time, whoever starts it (the
//! register's rule): a manual run while a scheduled one is going (or the reverse) is refused, not
//! queued, and a tick that finds one running passes.
//!
//! Secrets are read from the OS keyring (or `ENCOURS_PA_SECRET` on a headless machine) on each
//! call; nothing of them stays in the shell.

use std::time::Duration;

use encours_app::jobs::{self, JobKind};
use encours_app::sync::{self, ConnectionTest, PlatformAccount, SyncStatus};
use encours_app::{ApiError, ErrorCode};
use tauri::Manager;

use crate::jobs::JobsState;
use crate::{now, with_dossier, AppState};

/// How often the scheduler looks for due accounts (the shortest schedule is one minute).
const TICK: Duration = Duration::from_secs(30);

/// Outgoing messages shown in the status panel.
const QUEUE_LIMIT: u32 = 200;

/// The dossier's platform accounts, each saying whether the keyring holds its secret.
#[tauri::command]
pub async fn platform_accounts(state: tauri::State<'_, AppState>) -> Result<Vec<PlatformAccount>, ApiError> {
    with_dossier(&state, |d| sync::list_accounts(d, sync::secret_store_from_env().as_ref())).await
}

/// Adds an account; the secret goes to the keyring only.
#[tauri::command]
pub async fn add_platform_account(
    state: tauri::State<'_, AppState>,
    account: PlatformAccount,
    secret: String,
) -> Result<PlatformAccount, ApiError> {
    with_dossier(&state, move |d| {
        sync::add_account(d, sync::secret_store_from_env().as_ref(), &account, &secret, now())
    })
    .await
}

/// Changes an account (found by name); a secret, when given, replaces the keyring's.
#[tauri::command]
pub async fn update_platform_account(
    state: tauri::State<'_, AppState>,
    account: PlatformAccount,
    secret: Option<String>,
) -> Result<PlatformAccount, ApiError> {
    with_dossier(&state, move |d| {
        sync::update_account(d, sync::secret_store_from_env().as_ref(), &account, secret.as_deref(), now())
    })
    .await
}

/// Removes an account and its keyring entry.
#[tauri::command]
pub async fn delete_platform_account(state: tauri::State<'_, AppState>, name: String) -> Result<(), ApiError> {
    with_dossier(&state, move |d| sync::delete_account(d, sync::secret_store_from_env().as_ref(), &name, now())).await
}

/// Tests an account as typed in the form (`secret`: the typed one, or none for the keyring's).
#[tauri::command]
pub async fn test_platform_connection(
    state: tauri::State<'_, AppState>,
    account: PlatformAccount,
    secret: Option<String>,
) -> Result<ConnectionTest, ApiError> {
    with_dossier(&state, move |d| {
        sync::test_connection(d, sync::secret_store_from_env().as_ref(), &account, secret.as_deref(), now())
    })
    .await
}

/// The status panel: accounts with their last and next run, the outgoing queue.
#[tauri::command]
pub async fn sync_status(state: tauri::State<'_, AppState>) -> Result<SyncStatus, ApiError> {
    with_dossier(&state, |d| sync::sync_status(d, now(), QUEUE_LIMIT)).await
}

/// Starts the background schedule (see the module documentation).
pub fn start_scheduler(app: tauri::AppHandle) {
    let spawned = std::thread::Builder::new().name("encours-sync-schedule".into()).spawn(move || loop {
        std::thread::sleep(TICK);
        if let Err(e) = scheduled_tick(&app) {
            // No window to tell from here; the run's own errors are journaled in the dossier.
            eprintln!("encours: scheduled sync: {}", e.message);
        }
    });
    if let Err(e) = spawned {
        eprintln!("encours: the sync schedule could not start: {e}");
    }
}

/// One look at the schedule: starts the sync of the first due account of the open dossier as a
/// job (the others follow on the next ticks), unless a sync job runs or the dossier is busy.
fn scheduled_tick(app: &tauri::AppHandle) -> Result<(), ApiError> {
    let state = app.state::<AppState>();
    let jobs_state = app.state::<JobsState>();
    if jobs_state.is_running(JobKind::Sync) {
        return Ok(());
    }
    let name = {
        // Never wait for the dossier: a command or a job holding it makes this tick pass. The lock
        // is released before the job starts (the job takes it again on its own thread).
        let Ok(mut guard) = state.dossier.try_lock() else { return Ok(()) };
        let Some(d) = guard.as_mut() else { return Ok(()) };
        let Some(name) = sync::due_accounts(d, now())?.into_iter().next() else { return Ok(()) };
        name
    };
    let label = format!("Synchronisation planifiée de {name}");
    let started = jobs_state.spawn(&state, JobKind::Sync, label, move |d, ctx| {
        let secrets = sync::secret_store_from_env();
        jobs::run_sync(d, secrets.as_ref(), Some(&name), now(), ctx)
    });
    match started {
        // Refused because a sync started meanwhile (one at a time), or the dossier was closed
        // meanwhile: this tick passes, the next one looks again.
        Err(e) if matches!(e.code, ErrorCode::InvalidInput | ErrorCode::NoDossierOpen) => Ok(()),
        other => other.map(|_| ()),
    }
}
