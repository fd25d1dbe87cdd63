//! The commands of Paramètres (issue 11 §5): SMTP and SMS settings with their secrets (to the OS
//! keyring, never back to the UI), the test email, the rate tables, and the alert delivery settings
//! with a test alert. Each is a thin call into `encours-app`; the clock is read here.

use encours_app::alert_delivery::{self, AlertDeliverySettingsDto};
use encours_app::dispatch::{self, SmsSettingsDto, SmtpSettingsDto};
use encours_app::settings::{self, RateTableInfo, RatesOverview, TestAlertReport, TestEmailReport};
use encours_app::ApiError;

use super::{internal, now, with_dossier, AppState};

/// A secret typed in the form: absent or empty means "keep the one in the keyring".
fn secret(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

/// The dossier's SMTP settings (no password; `hasPassword` says whether the keyring holds one).
#[tauri::command]
pub async fn smtp_settings(state: tauri::State<'_, AppState>) -> Result<Option<SmtpSettingsDto>, ApiError> {
    with_dossier(&state, |d| dispatch::smtp_settings(d)).await
}

/// Checks and saves the SMTP settings; `password`, when given, goes to the keyring. Resolves with
/// the settings as saved.
#[tauri::command]
pub async fn update_smtp_settings(
    state: tauri::State<'_, AppState>,
    settings: SmtpSettingsDto,
    password: Option<String>,
) -> Result<Option<SmtpSettingsDto>, ApiError> {
    with_dossier(&state, move |d| {
        dispatch::update_smtp_settings(d, &settings, secret(password).as_deref(), now())?;
        dispatch::smtp_settings(d)
    })
    .await
}

/// The dossier's SMS provider settings (no key; `hasKey` says whether the keyring holds one).
#[tauri::command]
pub async fn sms_settings(state: tauri::State<'_, AppState>) -> Result<Option<SmsSettingsDto>, ApiError> {
    with_dossier(&state, |d| dispatch::sms_settings(d)).await
}

/// Checks and saves the SMS provider settings; `apiKey`, when given, goes to the keyring.
#[tauri::command]
pub async fn update_sms_settings(
    state: tauri::State<'_, AppState>,
    settings: SmsSettingsDto,
    api_key: Option<String>,
) -> Result<Option<SmsSettingsDto>, ApiError> {
    with_dossier(&state, move |d| {
        dispatch::update_sms_settings(d, &settings, secret(api_key).as_deref(), now())?;
        dispatch::sms_settings(d)
    })
    .await
}

/// Sends a test email to `to` with the saved SMTP settings; a refusal is in the report. The
/// settings are read under the dossier, the email is sent after it is released.
#[tauri::command]
pub async fn send_test_email(state: tauri::State<'_, AppState>, to: String) -> Result<TestEmailReport, ApiError> {
    let prepared = with_dossier(&state, move |d| settings::prepare_test_email(d, &to, now())).await?;
    tauri::async_runtime::spawn_blocking(move || prepared.send()).await.map_err(internal)
}

/// The rate tables in force and the rates of each half-year, as of today.
#[tauri::command]
pub async fn rates_overview(state: tauri::State<'_, AppState>) -> Result<RatesOverview, ApiError> {
    with_dossier(&state, |d| settings::rates_overview(d, now().date())).await
}

/// Imports a rate table from its CSV text (`file`: the name it is recorded under).
#[tauri::command]
pub async fn import_rate_table(
    state: tauri::State<'_, AppState>,
    file: String,
    text: String,
) -> Result<RateTableInfo, ApiError> {
    with_dossier(&state, move |d| {
        let view = encours_app::rates::import_rate_table(d, &file, &text, now())?;
        Ok(RateTableInfo {
            name: view.name,
            origin: view.origin,
            source: view.source,
            covered_from: view.covered_from.map(|x| x.to_string()),
            covered_until: view.covered_until.to_string(),
            rows: u32::try_from(view.rows).unwrap_or(u32::MAX),
        })
    })
    .await
}

/// The alert delivery settings (no webhook secret; `hasWebhookSecret` says whether one is kept).
#[tauri::command]
pub async fn alert_delivery_settings(
    state: tauri::State<'_, AppState>,
) -> Result<Option<AlertDeliverySettingsDto>, ApiError> {
    with_dossier(&state, |d| alert_delivery::alert_delivery_settings(d)).await
}

/// Checks and saves the alert delivery settings; `webhookSecret`, when given, goes to the keyring.
#[tauri::command]
pub async fn update_alert_delivery_settings(
    state: tauri::State<'_, AppState>,
    settings: AlertDeliverySettingsDto,
    webhook_secret: Option<String>,
) -> Result<Option<AlertDeliverySettingsDto>, ApiError> {
    with_dossier(&state, move |d| {
        alert_delivery::update_alert_delivery_settings(d, &settings, secret(webhook_secret).as_deref(), now())?;
        alert_delivery::alert_delivery_settings(d)
    })
    .await
}

/// Sends a test alert on each configured channel (nothing is recorded as delivered); read under
/// the dossier, sent after it is released (a webhook's retries take seconds).
#[tauri::command]
pub async fn send_test_alert(state: tauri::State<'_, AppState>) -> Result<TestAlertReport, ApiError> {
    // The delivery id only needs to be unique per test: the shell's clock (lib.rs reads it) is enough.
    let at = now();
    let unix_time = at.and_utc().timestamp();
    let prepared = with_dossier(&state, move |d| settings::prepare_test_alert(d, at, unix_time)).await?;
    tauri::async_runtime::spawn_blocking(move || prepared.send()).await.map_err(internal)
}
