//! The desktop shell: window, state and IPC commands. Each command is a thin call into
//! `encours-app`; the clock is read here and passed down.

mod jobs;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use encours_app::analytics::DashboardView;
use encours_app::dispatch::{self, SendReport, SendSelection};
use encours_app::disputes::{
    self, DisputeFilter, DisputeListView, DisputeView, EvidenceContentView, EvidenceView, NewDisputeInput, ResolveInput,
};
use encours_app::dunning::{
    self, NewPromise, OutboxActionView, PhoneOutcomeInput, PhoneTaskView, PlanView, PreviewView, PromisesView,
    RunReport, RunSelection, ScenarioDto, TemplateDto,
};
use encours_app::items::{OpenItemsFilter, OpenItemsView};
use encours_app::letters::{self, GeneratedLetter, LetterRequest};
use encours_app::matching::{self, BankLineView, MatchRunReport, ReconciliationView};
use encours_app::{ApiError, AppInfo, CompanyProfileDto, Dossier, DossierSummary, ErrorCode, KeyMode};
use tauri::Manager;

mod directory;
mod opendata;
mod preopen;
mod settings;
mod sync;
mod writeoff;

/// What the shell holds between commands.
struct AppState {
    /// The open dossier, if any (shared with background jobs).
    dossier: Arc<Mutex<Option<Dossier>>>,
    /// Where keys come from; an error here is reported by every command that needs a key.
    keys: Result<(encours_app::KeySource, KeyMode), ApiError>,
    /// The passphrase key source the open dossier was opened or created with (passphrase mode), so
    /// that its backups are passphrase-encrypted too and need no keyring; None: `keys`. Dropped
    /// (the passphrase wiped) when the dossier is closed or locked.
    opened_with: Mutex<Option<encours_app::KeySource>>,
    /// Where the demo dossier lives.
    demo_path: PathBuf,
    /// What the command line asked to open: `--demo`, or a dossier path.
    open_on_start: Option<String>,
    /// That dossier being opened while the window starts (see `preopen`); taken by the first command
    /// that needs it.
    preopen: Mutex<Option<preopen::Preopen>>,
}

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, e.to_string())
}

impl AppState {
    fn keys(&self) -> Result<&encours_app::KeySource, ApiError> {
        self.keys.as_ref().map(|(k, _)| k).map_err(Clone::clone)
    }

    /// The keys to open or create a dossier with: the passphrase's (passphrase mode, Argon2id; the
    /// keyring is not needed at all, and they are also what `install` keeps as `opened_with`) or the
    /// keyring's.
    fn keys_for(
        &self,
        passphrase: Option<String>,
    ) -> Result<(encours_app::KeySource, Option<encours_app::KeySource>), ApiError> {
        match passphrase {
            Some(p) => {
                let keys = encours_app::security::passphrase_keys(encours_app::security::Zeroizing::new(p));
                Ok((keys.clone(), Some(keys)))
            }
            None => Ok((self.keys()?.clone(), None)),
        }
    }

    /// The keys a backup of the open dossier is made with: its passphrase in passphrase mode.
    fn backup_keys(&self) -> Result<encours_app::KeySource, ApiError> {
        match self.opened_with.lock().map_err(internal)?.as_ref() {
            Some(k) => Ok(k.clone()),
            None => self.keys().cloned(),
        }
    }

    /// The dossier opened at launch, when it is `path`; waits for the opening to finish. Any other
    /// opening still pending is dropped: the window chose another dossier.
    fn preopened(&self, path: &Path) -> Option<Result<Dossier, ApiError>> {
        let pending = self.preopen.lock().ok()?.take()?;
        pending.is_for(path).then(|| pending.wait())
    }

    /// Installs the dossier opened at launch, if one is pending, opened, and no dossier is open yet;
    /// its summary. A failed opening is dropped: the window then opens the dossier itself and shows
    /// why it cannot. The slot stays locked until the dossier is installed, so that a second caller
    /// finds it open.
    fn settle_preopen(&self) -> Option<DossierSummary> {
        let mut slot = self.preopen.lock().ok()?;
        let pending = slot.take()?;
        if self.dossier.lock().ok()?.is_some() {
            return None;
        }
        self.install(pending.wait().ok()?, None).ok()
    }

    /// Makes `dossier` the open one; `opened_with`: its passphrase key source in passphrase mode.
    fn install(
        &self,
        mut dossier: Dossier,
        opened_with: Option<encours_app::KeySource>,
    ) -> Result<DossierSummary, ApiError> {
        if dossier.last_integrity()?.is_none() {
            // Never checked (a dossier from before the check was recorded): check once now.
            encours_app::check_integrity(&mut dossier, now())?;
        }
        let summary = encours_app::summary(&dossier, now().date())?;
        *self.dossier.lock().map_err(internal)? = Some(dossier);
        *self.opened_with.lock().map_err(internal)? = opened_with;
        Ok(summary)
    }
}

#[tauri::command]
fn app_info(state: tauri::State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        demo_path: state.demo_path.display().to_string(),
        key_mode: state.keys.as_ref().map(|(_, m)| *m).unwrap_or(KeyMode::Keyring),
        open_on_start: state.open_on_start.clone(),
    }
}

/// Creates a dossier under the keyring key, or under `passphrase` (passphrase mode, Argon2id) when
/// one is given: then the keyring is not needed at all. The passphrase is wiped when dropped.
#[tauri::command]
async fn create_dossier(
    state: tauri::State<'_, AppState>,
    path: String,
    siren: String,
    name: String,
    passphrase: Option<String>,
) -> Result<DossierSummary, ApiError> {
    let path = PathBuf::from(path);
    // Another dossier than the one named on the command line: that opening is dropped.
    drop(state.preopened(&path));
    // The core refuses a passphrase under 12 characters (`Passphrase::check_strength`).
    let (keys, opened_with) = state.keys_for(passphrase)?;
    state.install(encours_app::create_dossier(&path, &siren, &name, &keys, now())?, opened_with)
}

/// Opens a dossier with the keyring key, or with `passphrase` (passphrase mode) when one is given;
/// a wrong passphrase is `WrongKey`. With a passphrase the keyring is not needed at all.
#[tauri::command]
async fn open_dossier(
    state: tauri::State<'_, AppState>,
    path: String,
    passphrase: Option<String>,
) -> Result<DossierSummary, ApiError> {
    let path = PathBuf::from(path);
    // Opened at launch under the keyring's key; with a passphrase, opened again under it.
    if let (Some(Ok(dossier)), None) = (state.preopened(&path), &passphrase) {
        return state.install(dossier, None);
    }
    let (keys, opened_with) = state.keys_for(passphrase)?;
    state.install(encours_app::open_dossier(&path, &keys)?, opened_with)
}

#[tauri::command]
async fn open_demo(state: tauri::State<'_, AppState>) -> Result<DossierSummary, ApiError> {
    let keys = state.keys()?.clone();
    let path = state.demo_path.clone();
    if let Some(Ok(dossier)) = state.preopened(&path) {
        return state.install(dossier, None);
    }
    // Generating the demo takes a few seconds: keep it off the async workers.
    let dossier = tauri::async_runtime::spawn_blocking(move || encours_app::open_or_create_demo(&path, &keys, now()))
        .await
        .map_err(internal)??;
    state.install(dossier, None)
}

#[tauri::command]
async fn dossier_summary(state: tauri::State<'_, AppState>) -> Result<DossierSummary, ApiError> {
    // The window's first question at start: the dossier the command line named, opened meanwhile.
    if let Some(summary) = state.settle_preopen() {
        return Ok(summary);
    }
    let guard = state.dossier.lock().map_err(internal)?;
    let dossier = guard.as_ref().ok_or_else(|| ApiError::new(ErrorCode::NoDossierOpen, "no dossier is open"))?;
    encours_app::summary(dossier, now().date())
}

/// Runs `f` on the open dossier off the UI thread (matching reads every open item).
async fn with_dossier<T: Send + 'static>(
    state: &tauri::State<'_, AppState>,
    f: impl FnOnce(&mut encours_app::Dossier) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let dossier = Arc::clone(&state.dossier);
    tauri::async_runtime::spawn_blocking(move || {
        let mut guard = dossier.lock().map_err(internal)?;
        let d = guard.as_mut().ok_or_else(|| ApiError::new(ErrorCode::NoDossierOpen, "no dossier is open"))?;
        f(d)
    })
    .await
    .map_err(internal)?
}

#[tauri::command]
async fn dashboard(state: tauri::State<'_, AppState>) -> Result<DashboardView, ApiError> {
    with_dossier(&state, |d| encours_app::analytics::dashboard(d, now().date())).await
}

/// The open items behind a figure of the dashboard, as of the dashboard's date (`as_of`, ISO; the
/// UI passes the date of the view it shows, so the list adds up to the figure even across
/// midnight; default today).
#[tauri::command]
async fn open_items(
    state: tauri::State<'_, AppState>,
    as_of: Option<String>,
    filter: OpenItemsFilter,
    limit: u32,
) -> Result<OpenItemsView, ApiError> {
    let as_of = match as_of {
        Some(s) => s.parse().map_err(|_| ApiError::invalid(format!("{s:?} is not a date (YYYY-MM-DD)")))?,
        None => now().date(),
    };
    with_dossier(&state, move |d| encours_app::items::open_items(d, as_of, &filter, limit)).await
}

#[tauri::command]
async fn reconciliation(state: tauri::State<'_, AppState>, all: bool) -> Result<ReconciliationView, ApiError> {
    with_dossier(&state, move |d| matching::reconciliation(d, now().date(), all)).await
}

#[tauri::command]
async fn run_matching(state: tauri::State<'_, AppState>) -> Result<MatchRunReport, ApiError> {
    with_dossier(&state, |d| {
        let now = now();
        matching::run_matching(d, now.date(), now, true)
    })
    .await
}

#[tauri::command]
async fn accept_proposal(
    state: tauri::State<'_, AppState>,
    payment_id: i64,
    key: String,
) -> Result<BankLineView, ApiError> {
    with_dossier(&state, move |d| {
        let now = now();
        matching::accept_proposal(d, payment_id, &key, now.date(), now)
    })
    .await
}

#[tauri::command]
async fn manual_match(
    state: tauri::State<'_, AppState>,
    payment_id: i64,
    numbers: Vec<String>,
) -> Result<BankLineView, ApiError> {
    with_dossier(&state, move |d| {
        let now = now();
        matching::manual_match(d, payment_id, &numbers, now.date(), now)
    })
    .await
}

#[tauri::command]
async fn reject_proposal(
    state: tauri::State<'_, AppState>,
    payment_id: i64,
    key: String,
) -> Result<BankLineView, ApiError> {
    with_dossier(&state, move |d| matching::reject_proposal(d, payment_id, &key, now())).await
}

#[tauri::command]
async fn unmatch_payment(state: tauri::State<'_, AppState>, payment_id: i64) -> Result<BankLineView, ApiError> {
    with_dossier(&state, move |d| matching::unmatch_payment(d, payment_id, now())).await
}

#[tauri::command]
async fn ignore_payment(state: tauri::State<'_, AppState>, payment_id: i64) -> Result<BankLineView, ApiError> {
    with_dossier(&state, move |d| matching::ignore_payment(d, payment_id, now())).await
}

/// Parses an ISO date from the UI, or today when absent.
fn date_or_today(s: Option<String>) -> Result<chrono::NaiveDate, ApiError> {
    match s {
        Some(s) => s.parse().map_err(|_| ApiError::invalid(format!("{s:?} is not a date (YYYY-MM-DD)"))),
        None => Ok(now().date()),
    }
}

/// Today's dunning plan (read only).
#[tauri::command]
async fn dunning_plan(state: tauri::State<'_, AppState>) -> Result<PlanView, ApiError> {
    with_dossier(&state, |d| dunning::dunning_plan(d, now().date())).await
}

/// Records today's whole plan in the outbox (idempotent: a second run records nothing new).
#[tauri::command]
async fn dunning_run(state: tauri::State<'_, AppState>) -> Result<RunReport, ApiError> {
    with_dossier(&state, |d| {
        let now = now();
        dunning::dunning_run(d, now.date(), now)
    })
    .await
}

/// Records only the selected clients' and actions' part of today's plan (idempotent too).
#[tauri::command]
async fn dunning_run_selected(
    state: tauri::State<'_, AppState>,
    selection: RunSelection,
) -> Result<RunReport, ApiError> {
    with_dossier(&state, move |d| {
        let now = now();
        dunning::dunning_run_selected(d, now.date(), now, &selection)
    })
    .await
}

/// The message one action of today's plan would record, filled in (what is missing listed).
#[tauri::command]
async fn dunning_preview(
    state: tauri::State<'_, AppState>,
    client_id: i64,
    key: String,
) -> Result<PreviewView, ApiError> {
    with_dossier(&state, move |d| dunning::dunning_preview(d, now().date(), client_id, &key)).await
}

/// Sends the outbox: emails (with their letter) and SMS through the dossier's channel settings;
/// letters and registered letters are saved as PDFs to print in `courrier-a-imprimer` beside the
/// dossier file (each named in the report). Nothing already sent goes twice.
#[tauri::command]
async fn send_outbox(state: tauri::State<'_, AppState>) -> Result<SendReport, ApiError> {
    with_dossier(&state, |d| {
        let now = now();
        let letters = d.path().parent().map(|folder| folder.join("courrier-a-imprimer"));
        dispatch::send_outbox(d, now.date(), now, &SendSelection::default(), letters.as_deref())
    })
    .await
}

/// The dunning outbox (all states or one), newest first.
#[tauri::command]
async fn dunning_actions(
    state: tauri::State<'_, AppState>,
    action_state: Option<String>,
    limit: u32,
) -> Result<Vec<OutboxActionView>, ApiError> {
    with_dossier(&state, move |d| dunning::dunning_actions(d, action_state.as_deref(), limit)).await
}

/// Changes an outbox action's state (`validated`, `sent`, `failed`, `cancelled`).
#[tauri::command]
async fn set_action_state(
    state: tauri::State<'_, AppState>,
    action: i64,
    action_state: String,
    outcome: Option<String>,
) -> Result<(), ApiError> {
    with_dossier(&state, move |d| dunning::set_action_state(d, action, &action_state, outcome.as_deref(), now())).await
}

/// Records a promise to pay; resolves with its id.
#[tauri::command]
async fn record_promise(state: tauri::State<'_, AppState>, promise: NewPromise) -> Result<i64, ApiError> {
    with_dossier(&state, move |d| dunning::record_promise(d, &promise, now())).await
}

/// The promises with their state as of `as_of` (default today) and the kept rate.
#[tauri::command]
async fn promises(state: tauri::State<'_, AppState>, as_of: Option<String>) -> Result<PromisesView, ApiError> {
    let as_of = date_or_today(as_of)?;
    with_dossier(&state, move |d| dunning::promises(d, as_of)).await
}

/// The phone tasks (open only, or all).
#[tauri::command]
async fn phone_tasks(state: tauri::State<'_, AppState>, open_only: bool) -> Result<Vec<PhoneTaskView>, ApiError> {
    with_dossier(&state, move |d| dunning::phone_tasks(d, open_only)).await
}

/// Closes a phone task with what the call gave.
#[tauri::command]
async fn record_phone_outcome(
    state: tauri::State<'_, AppState>,
    task: i64,
    outcome: PhoneOutcomeInput,
) -> Result<(), ApiError> {
    with_dossier(&state, move |d| dunning::record_phone_outcome(d, task, &outcome, now())).await
}

/// The dunning scenarios.
#[tauri::command]
async fn scenarios(state: tauri::State<'_, AppState>) -> Result<Vec<ScenarioDto>, ApiError> {
    with_dossier(&state, |d| dunning::scenarios(d)).await
}

/// Creates (id 0) or replaces a scenario; resolves with its id.
#[tauri::command]
async fn update_scenario(state: tauri::State<'_, AppState>, scenario: ScenarioDto) -> Result<i64, ApiError> {
    with_dossier(&state, move |d| dunning::update_scenario(d, &scenario, now())).await
}

/// The dunning templates.
#[tauri::command]
async fn templates(state: tauri::State<'_, AppState>) -> Result<Vec<TemplateDto>, ApiError> {
    with_dossier(&state, |d| dunning::templates(d)).await
}

/// Creates or replaces a template (an unknown variable is refused, naming it).
#[tauri::command]
async fn update_template(state: tauri::State<'_, AppState>, template: TemplateDto) -> Result<(), ApiError> {
    with_dossier(&state, move |d| dunning::update_template(d, &template, now())).await
}

/// Pauses a client's dunning until `until` (ISO, inclusive; absent: until lifted).
#[tauri::command]
async fn pause_client(
    state: tauri::State<'_, AppState>,
    client: i64,
    until: Option<String>,
    reason: String,
) -> Result<(), ApiError> {
    let until = until.map(|u| date_or_today(Some(u))).transpose()?;
    with_dossier(&state, move |d| dunning::pause_client(d, client, until, &reason, now())).await
}

/// Makes a client follow a scenario (absent: back to the filters, lifting a pause).
#[tauri::command]
async fn set_client_scenario(
    state: tauri::State<'_, AppState>,
    client: i64,
    scenario: Option<i64>,
) -> Result<(), ApiError> {
    with_dossier(&state, move |d| dunning::set_client_scenario(d, client, scenario, now())).await
}

/// Records (`kind` + `judgment_on`) or removes (both absent) a client's collective procedure.
#[tauri::command]
async fn set_insolvency(
    state: tauri::State<'_, AppState>,
    client: i64,
    kind: Option<String>,
    judgment_on: Option<String>,
    note: String,
) -> Result<(), ApiError> {
    let case = match (kind, judgment_on) {
        (Some(k), Some(on)) => Some((k, date_or_today(Some(on))?)),
        (None, None) => None,
        _ => return Err(ApiError::invalid("a collective procedure needs both its kind and its judgment date")),
    };
    with_dossier(&state, move |d| {
        dunning::set_insolvency(d, client, case.as_ref().map(|(k, on)| (k.as_str(), *on)), &note, now())
    })
    .await
}

/// The company's letterhead profile.
#[tauri::command]
async fn company_profile(state: tauri::State<'_, AppState>) -> Result<CompanyProfileDto, ApiError> {
    with_dossier(&state, |d| encours_app::company_profile(d)).await
}

/// Checks and saves the company's letterhead profile (audited); resolves with it as saved.
#[tauri::command]
async fn update_company_profile(
    state: tauri::State<'_, AppState>,
    profile: CompanyProfileDto,
) -> Result<CompanyProfileDto, ApiError> {
    with_dossier(&state, move |d| encours_app::update_company_profile(d, &profile, now())).await
}

/// Sets (PNG or JPEG bytes) or removes (null) the letterhead logo.
#[tauri::command]
async fn set_company_logo(
    state: tauri::State<'_, AppState>,
    bytes: Option<Vec<u8>>,
) -> Result<CompanyProfileDto, ApiError> {
    with_dossier(&state, move |d| encours_app::set_company_logo(d, bytes, now())).await
}

/// Where the letters of a dossier are saved: `courriers/` beside the dossier file.
fn letters_folder(d: &encours_app::Dossier) -> PathBuf {
    d.path().parent().map_or_else(|| PathBuf::from("courriers"), |folder| folder.join("courriers"))
}

/// Generates one document as of today into the dossier's `courriers/` folder; resolves with where
/// it went.
#[tauri::command]
async fn generate_letter(
    state: tauri::State<'_, AppState>,
    request: LetterRequest,
) -> Result<GeneratedLetter, ApiError> {
    with_dossier(&state, move |d| {
        let folder = letters_folder(d);
        letters::generate_letter(d, &request, now().date(), &folder)
    })
    .await
}

/// Opens a generated PDF with the system's viewer (xdg-open, open, or the Windows shell). Only
/// existing `.pdf` files are opened.
#[tauri::command]
fn open_document(path: String) -> Result<(), ApiError> {
    let p = PathBuf::from(&path);
    if !p.is_file() || !p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")) {
        return Err(ApiError::invalid(format!("{path}: not a PDF file")));
    }
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("explorer");
        c.arg("/open,");
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(&p)
        .spawn()
        .map(|_| ())
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("no program to open {path}: {e}")))
}

#[tauri::command]
fn close_dossier(state: tauri::State<'_, AppState>) -> Result<(), ApiError> {
    *state.dossier.lock().map_err(internal)? = None;
    *state.opened_with.lock().map_err(internal)? = None;
    Ok(())
}

/// Locks the app (issue 12): closes the open dossier and keeps only its path; returns that path.
/// Async (off the main thread): it waits for a running import or job to release the dossier.
#[tauri::command]
async fn lock_dossier(
    state: tauri::State<'_, AppState>,
    lock: tauri::State<'_, encours_app::security::LockState>,
) -> Result<Option<String>, ApiError> {
    let mut slot = state.dossier.lock().map_err(internal)?;
    let locked = encours_app::security::lock(&mut slot, &lock).map(|p| p.display().to_string());
    // Nothing about the key is kept while locked: the passphrase goes with the dossier.
    *state.opened_with.lock().map_err(internal)? = None;
    Ok(locked)
}

/// Reopens the locked dossier with the keyring key, or with `passphrase` (passphrase mode).
#[tauri::command]
async fn unlock_dossier(
    state: tauri::State<'_, AppState>,
    lock: tauri::State<'_, encours_app::security::LockState>,
    passphrase: Option<String>,
) -> Result<DossierSummary, ApiError> {
    // With a passphrase the keyring is not needed at all (a machine without one).
    let (keys, opened_with) = state.keys_for(passphrase)?;
    state.install(encours_app::security::unlock(&lock, &keys, None)?, opened_with)
}

/// `encours-desktop --demo` opens the demo; `encours-desktop PATH` opens a dossier.
fn open_on_start(args: impl Iterator<Item = String>) -> Option<String> {
    let mut choice = None;
    for a in args {
        if a == "--demo" {
            choice = Some("demo".to_owned());
        } else if !a.starts_with('-') {
            choice = Some(a);
        }
    }
    choice
}

/// The disputes that pass the filter, with the KPIs (as of today).
#[tauri::command]
async fn dispute_list(state: tauri::State<'_, AppState>, filter: DisputeFilter) -> Result<DisputeListView, ApiError> {
    with_dossier(&state, move |d| disputes::dispute_list(d, &filter, now().date())).await
}

/// One dispute's dossier.
#[tauri::command]
async fn dispute_view(state: tauri::State<'_, AppState>, id: i64) -> Result<DisputeView, ApiError> {
    with_dossier(&state, move |d| disputes::dispute(d, id, now().date())).await
}

/// Opens a dispute by hand; resolves with its id.
#[tauri::command]
async fn open_dispute(state: tauri::State<'_, AppState>, input: NewDisputeInput) -> Result<i64, ApiError> {
    with_dossier(&state, move |d| disputes::open_dispute(d, &input, now())).await
}

/// Attaches a file (its name and bytes, read by the window) to a dispute.
#[tauri::command]
async fn attach_dispute_evidence(
    state: tauri::State<'_, AppState>,
    id: i64,
    file_name: String,
    bytes: Vec<u8>,
    note: String,
) -> Result<EvidenceView, ApiError> {
    with_dossier(&state, move |d| disputes::attach_evidence(d, id, &file_name, &bytes, &note, now())).await
}

/// Attaches a file given by its path (dropped on the window, or typed) to a dispute.
#[tauri::command]
async fn attach_dispute_evidence_path(
    state: tauri::State<'_, AppState>,
    id: i64,
    path: String,
    note: String,
) -> Result<EvidenceView, ApiError> {
    with_dossier(&state, move |d| disputes::attach_evidence_file(d, id, std::path::Path::new(&path), &note, now()))
        .await
}

/// An attached file with its bytes, to show it.
#[tauri::command]
async fn dispute_evidence(
    state: tauri::State<'_, AppState>,
    evidence_id: i64,
) -> Result<EvidenceContentView, ApiError> {
    with_dossier(&state, move |d| {
        let (evidence, bytes) = disputes::evidence_content(d, evidence_id)?;
        Ok(EvidenceContentView { evidence, bytes })
    })
    .await
}

/// The folder beside the dossier where dispute exports go.
fn dispute_folder(d: &Dossier) -> Result<PathBuf, ApiError> {
    let folder = d.path().parent().map(|p| p.join("litiges")).unwrap_or_else(|| PathBuf::from("litiges"));
    std::fs::create_dir_all(&folder).map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", folder.display())))?;
    Ok(folder)
}

/// Writes an attached file to the `litiges` folder beside the dossier; resolves with its path.
#[tauri::command]
async fn export_dispute_evidence(state: tauri::State<'_, AppState>, evidence_id: i64) -> Result<String, ApiError> {
    with_dossier(&state, move |d| {
        let folder = dispute_folder(d)?;
        Ok(disputes::export_evidence(d, evidence_id, &folder)?.display().to_string())
    })
    .await
}

/// Writes the dispute as one PDF (its evidence appended) to the `litiges` folder beside the
/// dossier; resolves with its path.
#[tauri::command]
async fn export_dispute(state: tauri::State<'_, AppState>, id: i64) -> Result<String, ApiError> {
    with_dossier(&state, move |d| {
        let folder = dispute_folder(d)?;
        Ok(disputes::export_dispute_pdf(d, id, &folder, now().date())?.0.display().to_string())
    })
    .await
}

/// Adds a task to a dispute; resolves with its id.
#[tauri::command]
async fn add_dispute_task(
    state: tauri::State<'_, AppState>,
    id: i64,
    title: String,
    owner: String,
    due_on: String,
) -> Result<i64, ApiError> {
    with_dossier(&state, move |d| disputes::add_dispute_task(d, id, &title, &owner, &due_on, now())).await
}

/// Sets a dispute task's state (`todo`, `done`, `cancelled`).
#[tauri::command]
async fn set_dispute_task_state(
    state: tauri::State<'_, AppState>,
    task_id: i64,
    task_state: String,
) -> Result<(), ApiError> {
    with_dossier(&state, move |d| disputes::set_dispute_task_state(d, task_id, &task_state, now())).await
}

/// Adds a note, call or decision to a dispute's timeline.
#[tauri::command]
async fn add_dispute_note(
    state: tauri::State<'_, AppState>,
    id: i64,
    kind: String,
    text: String,
) -> Result<(), ApiError> {
    with_dossier(&state, move |d| disputes::add_dispute_note(d, id, &kind, &text, now())).await
}

/// Resolves a dispute.
#[tauri::command]
async fn resolve_dispute(state: tauri::State<'_, AppState>, id: i64, input: ResolveInput) -> Result<(), ApiError> {
    with_dossier(&state, move |d| disputes::resolve_dispute(d, id, &input, now())).await
}

/// Rescores every client on a date (default today) and records the new alerts (issue 9).
#[tauri::command]
async fn score_run(
    state: tauri::State<'_, AppState>,
    as_of: Option<String>,
) -> Result<encours_app::scoring::ScoreRunReport, ApiError> {
    let as_of = date_or_today(as_of)?;
    with_dossier(&state, move |d| encours_app::scoring::score_run(d, as_of, now(), &mut |_| {})).await
}

/// A client's score, reasons, suggested limit and history.
#[tauri::command]
async fn score_show(
    state: tauri::State<'_, AppState>,
    client_id: i64,
    as_of: Option<String>,
) -> Result<encours_app::scoring::ClientScoreView, ApiError> {
    let as_of = date_or_today(as_of)?;
    with_dossier(&state, move |d| encours_app::scoring::score_show(d, client_id, as_of)).await
}

/// The risk alerts, optionally of one state (`open`, `acknowledged`, `snoozed`).
#[tauri::command]
async fn score_alerts(
    state: tauri::State<'_, AppState>,
    alert_state: Option<String>,
) -> Result<Vec<encours_app::scoring::RiskAlertView>, ApiError> {
    with_dossier(&state, move |d| encours_app::scoring::score_alerts(d, alert_state.as_deref())).await
}

/// Acknowledges a risk alert.
#[tauri::command]
async fn acknowledge_alert(state: tauri::State<'_, AppState>, id: i64) -> Result<(), ApiError> {
    with_dossier(&state, move |d| encours_app::scoring::acknowledge_alert(d, id, now())).await
}

/// Snoozes a risk alert until a date.
#[tauri::command]
async fn snooze_alert(state: tauri::State<'_, AppState>, id: i64, until: String) -> Result<(), ApiError> {
    let until = date_or_today(Some(until))?;
    with_dossier(&state, move |d| encours_app::scoring::snooze_alert(d, id, until, now())).await
}

/// Takes an encrypted backup of the open dossier now (issue 12), into `dir` or the policy's folder.
#[tauri::command]
async fn backup_create(
    state: tauri::State<'_, AppState>,
    dir: Option<String>,
) -> Result<encours_app::backup::BackupReport, ApiError> {
    let keys = state.backup_keys()?;
    with_dossier(&state, move |d| {
        encours_app::backup::create_backup(d, &keys, dir.as_deref().map(std::path::Path::new), now())
    })
    .await
}

/// The scheduled backup: the UI calls it when a dossier is opened and once a day; one is taken only
/// when the newest is older than the policy's period (None otherwise).
#[tauri::command]
async fn backup_if_due(
    state: tauri::State<'_, AppState>,
) -> Result<Option<encours_app::backup::BackupReport>, ApiError> {
    let keys = state.backup_keys()?;
    with_dossier(&state, move |d| {
        let policy = encours_app::backup::backup_policy(d)?;
        encours_app::backup::backup_if_due(d, &keys, now(), &policy)
    })
    .await
}

/// The open dossier's backups, newest first.
#[tauri::command]
async fn backup_list(state: tauri::State<'_, AppState>) -> Result<Vec<encours_app::backup::BackupEntry>, ApiError> {
    with_dossier(&state, |d| {
        let policy = encours_app::backup::backup_policy(d)?;
        encours_app::backup::list_backups(d.path(), policy.dir.as_deref().map(std::path::Path::new))
    })
    .await
}

/// The open dossier's backup policy (generations kept, days between scheduled backups, folder).
#[tauri::command]
async fn backup_policy(state: tauri::State<'_, AppState>) -> Result<encours_app::backup::BackupPolicy, ApiError> {
    with_dossier(&state, |d| encours_app::backup::backup_policy(d)).await
}

/// Changes the backup policy (checked and audited by the core); resolves with the policy as saved.
#[tauri::command]
async fn set_backup_policy(
    state: tauri::State<'_, AppState>,
    policy: encours_app::backup::BackupPolicy,
) -> Result<encours_app::backup::BackupPolicy, ApiError> {
    with_dossier(&state, move |d| {
        encours_app::backup::set_backup_policy(d, &policy, now())?;
        encours_app::backup::backup_policy(d)
    })
    .await
}

/// Restores a backup as a new dossier at `to` (checked first; never overwrites). Needs no open dossier.
#[tauri::command]
async fn backup_restore(
    state: tauri::State<'_, AppState>,
    file: String,
    to: String,
) -> Result<encours_app::backup::RestoreReport, ApiError> {
    let keys = state.keys()?.clone();
    tauri::async_runtime::spawn_blocking(move || {
        encours_app::backup::restore_backup(&PathBuf::from(file), &keys, &PathBuf::from(to))
    })
    .await
    .map_err(internal)?
}

/// Writes everything about one client to a JSON file (RGPD right of access).
#[tauri::command]
async fn client_export(
    state: tauri::State<'_, AppState>,
    client_id: i64,
    to: String,
) -> Result<encours_app::rgpd::ClientExportReport, ApiError> {
    with_dossier(&state, move |d| encours_app::rgpd::client_export(d, client_id, &PathBuf::from(to), now())).await
}

/// Anonymises one client (irreversible: `confirm` must be true).
#[tauri::command]
async fn client_anonymise(
    state: tauri::State<'_, AppState>,
    client_id: i64,
    confirm: bool,
) -> Result<encours_app::rgpd::AnonymiseReport, ApiError> {
    with_dossier(&state, move |d| encours_app::rgpd::anonymise_client(d, client_id, confirm, "user", now())).await
}

/// Every client with its figures as of today (issue 11 portfolio).
#[tauri::command]
async fn portfolio(state: tauri::State<'_, AppState>) -> Result<encours_app::portfolio::PortfolioView, ApiError> {
    with_dossier(&state, |d| encours_app::portfolio::portfolio(d, now().date())).await
}

/// A client's 360° page as of today.
#[tauri::command]
async fn client_page(
    state: tauri::State<'_, AppState>,
    client_id: i64,
) -> Result<encours_app::portfolio::ClientPageView, ApiError> {
    with_dossier(&state, move |d| encours_app::portfolio::client_page(d, client_id, now().date())).await
}

/// Adds a call note or a note to a client's timeline; resolves with its id.
#[tauri::command]
async fn add_client_note(
    state: tauri::State<'_, AppState>,
    client_id: i64,
    note: encours_app::portfolio::ClientNoteInput,
) -> Result<i64, ApiError> {
    with_dossier(&state, move |d| encours_app::portfolio::add_client_note(d, client_id, &note, now())).await
}

/// The client's part of today's dunning plan (next reminder, items held back).
#[tauri::command]
async fn client_plan(
    state: tauri::State<'_, AppState>,
    client_id: i64,
) -> Result<encours_app::portfolio::ClientPlanView, ApiError> {
    with_dossier(&state, move |d| encours_app::portfolio::client_plan(d, client_id, now().date())).await
}

/// The command palette's search: clients by SIREN or name, invoices by number.
#[tauri::command]
async fn palette_search(
    state: tauri::State<'_, AppState>,
    query: String,
    limit: u32,
) -> Result<encours_app::portfolio::PaletteResults, ApiError> {
    with_dossier(&state, move |d| encours_app::portfolio::palette_search(d, &query, limit)).await
}

/// Starts the desktop application.
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let data_dir = app.path().app_data_dir().map_err(|e| Box::new(e) as Box<dyn std::error::Error>)?;
            let keys = encours_app::key_source();
            let demo_path = data_dir.join("demo.encours");
            let open_on_start = open_on_start(std::env::args().skip(1));
            // The named dossier starts opening now, while the window starts (see `preopen`): only
            // an existing file under the keyring's key (a passphrase is typed in the window; the
            // demo is generated there with its progress when it does not exist yet).
            let preopen = match (&keys, open_on_start.as_deref()) {
                (Ok((k, _)), Some(choice)) => {
                    let path = if choice == "demo" { demo_path.clone() } else { PathBuf::from(choice) };
                    path.is_file().then(|| preopen::Preopen::start(path, k.clone(), now().date())).flatten()
                }
                _ => None,
            };
            app.manage(AppState {
                dossier: Arc::new(Mutex::new(None)),
                keys,
                opened_with: Mutex::new(None),
                demo_path,
                open_on_start,
                preopen: Mutex::new(preopen),
            });
            app.manage(encours_app::security::LockState::default());
            app.manage(jobs::JobsState::new());
            sync::start_scheduler(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            app_info,
            jobs::jobs_watch,
            jobs::jobs_list,
            jobs::job_cancel,
            sync::platform_accounts,
            sync::add_platform_account,
            sync::update_platform_account,
            sync::delete_platform_account,
            sync::test_platform_connection,
            sync::sync_status,
            directory::directory_lookup,
            directory::client_routing,
            jobs::job_import,
            jobs::job_letters,
            jobs::job_rescoring,
            jobs::job_sync,
            create_dossier,
            open_dossier,
            open_demo,
            dossier_summary,
            close_dossier,
            lock_dossier,
            unlock_dossier,
            dashboard,
            open_items,
            reconciliation,
            run_matching,
            accept_proposal,
            manual_match,
            reject_proposal,
            unmatch_payment,
            ignore_payment,
            dunning_plan,
            dunning_run,
            dunning_run_selected,
            dunning_preview,
            send_outbox,
            dunning_actions,
            set_action_state,
            record_promise,
            promises,
            phone_tasks,
            record_phone_outcome,
            scenarios,
            update_scenario,
            templates,
            update_template,
            pause_client,
            set_client_scenario,
            set_insolvency,
            company_profile,
            update_company_profile,
            set_company_logo,
            generate_letter,
            open_document,
            dispute_list,
            dispute_view,
            open_dispute,
            attach_dispute_evidence,
            attach_dispute_evidence_path,
            dispute_evidence,
            export_dispute_evidence,
            export_dispute,
            add_dispute_task,
            set_dispute_task_state,
            add_dispute_note,
            resolve_dispute,
            score_run,
            score_show,
            score_alerts,
            acknowledge_alert,
            backup_create,
            backup_if_due,
            backup_list,
            backup_policy,
            set_backup_policy,
            backup_restore,
            client_export,
            client_anonymise,
            portfolio,
            client_page,
            add_client_note,
            client_plan,
            writeoff::write_off_invoice,
            writeoff::client_write_offs,
            palette_search,
            snooze_alert,
            settings::smtp_settings,
            settings::update_smtp_settings,
            settings::sms_settings,
            settings::update_sms_settings,
            settings::send_test_email,
            settings::rates_overview,
            settings::import_rate_table,
            settings::alert_delivery_settings,
            settings::update_alert_delivery_settings,
            settings::send_test_alert,
            opendata::client_external,
            opendata::opendata_refresh_client
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Encours application");
}
