//! Sync with the platforms in the window (issue 10 §4): the platform accounts of Paramètres ›
//! Plateformes, the connection test, "Synchroniser maintenant" with progress and cancel, the status
//! panel, and the scheduled background sync.
//!
//! The schedule runs on a thread of its own ([`start_scheduler`]): every [`TICK`] it asks the
//! core which accounts are due at the clock's time (`encours_app::sync::due_accounts`, the time
//! passed in) and syncs them. It never waits for the dossier: when a command or a job holds it,
//! the tick is skipped and the next one tries again. One run at a time, whoever starts it: a
//! manual run while a scheduled one is going (or the reverse) is refused, not queued.
//!
//! Secrets are read from the OS keyring (or `ENCOURS_PA_SECRET` on a headless machine) on each
//! call; nothing of them stays in the shell.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use encours_app::sync::{self, ConnectionTest, PlatformAccount, SyncProgress, SyncStatus, SyncSummary};
use encours_app::ApiError;
use tauri::ipc::Channel;
use tauri::Manager;

use crate::{now, with_dossier, AppState};

/// How often the scheduler looks for due accounts (the shortest schedule is one minute).
const TICK: Duration = Duration::from_secs(30);

/// Outgoing messages shown in the status panel.
const QUEUE_LIMIT: u32 = 200;

/// The shell's sync state: one run at a time, its cancel flag, and the window's channel for the
/// progress of scheduled runs.
#[derive(Default)]
pub struct SyncState {
    running: Arc<AtomicBool>,
    cancel: Arc<AtomicBool>,
    watcher: Mutex<Option<Channel<SyncProgress>>>,
}

/// Clears the running flag when the run ends, however it ends.
struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl SyncState {
    /// Marks a run as started, or says one is going already.
    fn start(&self) -> Result<Running, ApiError> {
        if self.running.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            return Err(ApiError::invalid("a sync is already running: wait for it to finish or cancel it"));
        }
        self.cancel.store(false, Ordering::SeqCst);
        Ok(Running(Arc::clone(&self.running)))
    }
}

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

/// Syncs every enabled account (or `account`) now, with progress on `on_progress`; refused while
/// another run is going.
#[tauri::command]
pub async fn sync_now(
    state: tauri::State<'_, AppState>,
    sync_state: tauri::State<'_, SyncState>,
    account: Option<String>,
    on_progress: Channel<SyncProgress>,
) -> Result<SyncSummary, ApiError> {
    let running = sync_state.start()?;
    let cancel = Arc::clone(&sync_state.cancel);
    with_dossier(&state, move |d| {
        let _running = running;
        let progress = |p: SyncProgress| {
            // The window may have gone away; the sync goes on regardless.
            let _ = on_progress.send(p);
        };
        sync::sync_with_progress(
            d,
            sync::secret_store_from_env().as_ref(),
            account.as_deref(),
            now(),
            &progress,
            &cancel,
        )
    })
    .await
}

/// Gives the channel the progress of scheduled runs goes to (replacing the previous window's).
#[tauri::command]
pub fn sync_watch(sync_state: tauri::State<'_, SyncState>, on_progress: Channel<SyncProgress>) {
    *sync_state.watcher.lock().unwrap_or_else(PoisonError::into_inner) = Some(on_progress);
}

/// Asks the running sync to stop after the flow it is taking.
#[tauri::command]
pub fn cancel_sync(sync_state: tauri::State<'_, SyncState>) {
    sync_state.cancel.store(true, Ordering::SeqCst);
}

/// True while a sync runs (manual or scheduled).
#[tauri::command]
pub fn sync_running(sync_state: tauri::State<'_, SyncState>) -> bool {
    sync_state.running.load(Ordering::SeqCst)
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

/// One look at the schedule: syncs the due accounts of the open dossier, unless it is busy.
fn scheduled_tick(app: &tauri::AppHandle) -> Result<(), ApiError> {
    let state = app.state::<AppState>();
    let sync_state = app.state::<SyncState>();
    if sync_state.running.load(Ordering::SeqCst) {
        return Ok(());
    }
    // Never wait for the dossier: a command or a job holding it makes this tick pass.
    let Ok(mut guard) = state.dossier.try_lock() else { return Ok(()) };
    let Some(d) = guard.as_mut() else { return Ok(()) };
    let due = sync::due_accounts(d, now())?;
    if due.is_empty() {
        return Ok(());
    }
    let Ok(_running) = sync_state.start() else { return Ok(()) };
    let secrets = sync::secret_store_from_env();
    for name in due {
        if sync_state.cancel.load(Ordering::SeqCst) {
            break;
        }
        let tell = |p: SyncProgress| {
            if let Some(channel) = sync_state.watcher.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
                // The window may have gone away; the sync goes on regardless.
                let _ = channel.send(p);
            }
        };
        let result = sync::sync_with_progress(d, secrets.as_ref(), Some(&name), now(), &tell, &sync_state.cancel);
        if let Err(e) = result {
            // An account removed meanwhile, a keyring that fails: said, and the others still run.
            eprintln!("encours: scheduled sync of {name}: {}", e.message);
        }
    }
    Ok(())
}
