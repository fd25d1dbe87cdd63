//! The commands of the client page's external data panel (issue 9 §4): SIRENE facts and BODACC
//! notices of one client, and their refresh. Each is a thin call into `encours_app::opendata`; the
//! clock is read here. `ENCOURS_OPENDATA_URL` points both services at another base URL (the replay
//! server of `encours opendata-serve`, for the demo and the end-to-end tests).

use encours_app::opendata::{self, ClientExternalView, RefreshOptions, RefreshReport};
use encours_app::{ApiError, ErrorCode};

use super::{now, with_dossier, AppState};

/// What the dossier knows of the client from SIRENE and the BODACC (no network).
#[tauri::command]
pub async fn client_external(
    state: tauri::State<'_, AppState>,
    client_id: i64,
) -> Result<ClientExternalView, ApiError> {
    with_dossier(&state, move |d| opendata::client_external(d, client_id)).await
}

/// Fetches the client's SIRENE facts and BODACC notices (the cache answers when the services cannot
/// be reached, and the report says so), and acts on a procédure collective: dunning stopped, the
/// declaration deadline, the task and the letter. The network is asked with the dossier unlocked
/// (timeouts and retries can take a while); reading the plan and storing the answers lock it.
#[tauri::command]
pub async fn opendata_refresh_client(
    state: tauri::State<'_, AppState>,
    client_id: i64,
) -> Result<RefreshReport, ApiError> {
    let base = std::env::var("ENCOURS_OPENDATA_URL").ok().filter(|u| !u.trim().is_empty());
    let options = RefreshOptions {
        client: Some(client_id),
        sirene_base_url: base.clone(),
        bodacc_base_url: base,
        ..RefreshOptions::default()
    };
    let plan = with_dossier(&state, move |d| opendata::plan_refresh(d, Some(client_id))).await?;
    let (plan, fetched, options) = tauri::async_runtime::spawn_blocking(move || {
        let fetched = opendata::fetch(&plan, &options);
        (plan, fetched, options)
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let fetched = fetched?;
    with_dossier(&state, move |d| opendata::apply_refresh(d, &plan, fetched, &options, now())).await
}
