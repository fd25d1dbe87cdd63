//! The client page's "Consulter l'annuaire" (issue 10 §5): a client's receiving platform and
//! routing from the platform's Directory Service, and the last answer kept in the dossier.
//!
//! The platform is called without holding the dossier: the account, its secret (keyring, or
//! `ENCOURS_PA_SECRET` headless) and the SIREN are read first, the answer is kept after, so a slow
//! platform never blocks the other commands.

use encours_app::directory::{self, DirectoryEntryView};
use encours_app::{sync, ApiError, ErrorCode};

use crate::{now, with_dossier, AppState};

/// Looks the client's SIREN up with `account` (default: the first enabled account) and keeps the answer.
#[tauri::command]
pub async fn directory_lookup(
    state: tauri::State<'_, AppState>,
    client_id: i64,
    account: Option<String>,
) -> Result<DirectoryEntryView, ApiError> {
    let (account, secret, siren) = with_dossier(&state, move |d| {
        directory::prepare_client_lookup(d, sync::secret_store_from_env().as_ref(), client_id, account.as_deref())
    })
    .await?;
    let at = now();
    let view = tauri::async_runtime::spawn_blocking(move || directory::directory_lookup(&account, &secret, &siren, at))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    let kept = view.clone();
    with_dossier(&state, move |d| directory::keep_client_routing(d, client_id, &kept, at)).await?;
    Ok(view)
}

/// The last directory answer kept for the client, if any.
#[tauri::command]
pub async fn client_routing(
    state: tauri::State<'_, AppState>,
    client_id: i64,
) -> Result<Option<DirectoryEntryView>, ApiError> {
    with_dossier(&state, move |d| directory::client_routing(d, client_id)).await
}
