//! The client page's write-off (issue 5 §3, legal-rules A.7, CGI 272): an irrecoverable invoice's
//! open amount leaves the ledger on a date the user chooses, for a reason the user gives. Each
//! command is a thin call into `encours_app::analytics::writeoff`; the date comes from the window
//! (today by default there) and the time stamped on the audit entry from the shell's clock.

use chrono::NaiveDate;
use encours_app::analytics::writeoff::{self, WriteOffView};
use encours_app::ApiError;

use super::{now, with_dossier, AppState};

/// Parses the ISO date the window sends (`YYYY-MM-DD`).
fn iso_date(on: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(on.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("{on:?} is not a date (YYYY-MM-DD)")))
}

/// Writes off what is still open on the invoice on `on` (ISO date), for `reason`; the core refuses
/// a credit note, a settled or already written-off invoice, a date before the invoice or a payment
/// applied to it, and an empty reason. Nothing undoes a write-off (neither the app nor the CLI).
#[tauri::command]
pub async fn write_off_invoice(
    state: tauri::State<'_, AppState>,
    invoice_id: i64,
    on: String,
    reason: String,
) -> Result<WriteOffView, ApiError> {
    let on = iso_date(&on)?;
    with_dossier(&state, move |d| writeoff::write_off(d, invoice_id, on, &reason, "user", now())).await
}

/// The client's write-offs, by date (the client page marks those invoices "Passée en perte"). The
/// write-offs table holds only write-offs, so reading all of them and keeping the client's is cheap.
#[tauri::command]
pub async fn client_write_offs(
    state: tauri::State<'_, AppState>,
    client_id: i64,
) -> Result<Vec<WriteOffView>, ApiError> {
    with_dossier(&state, move |d| {
        // Bounds with four-digit years: the dates are compared as ISO text.
        let (from, to) = (NaiveDate::from_ymd_opt(1, 1, 1), NaiveDate::from_ymd_opt(9999, 12, 31));
        let (Some(from), Some(to)) = (from, to) else { return Ok(Vec::new()) };
        let all = writeoff::write_offs(d, from, to)?;
        Ok(all.into_iter().filter(|w| w.client_id == client_id).collect())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iso_dates_and_refuses_the_rest() {
        assert_eq!(iso_date(" 2026-11-24 ").ok(), NaiveDate::from_ymd_opt(2026, 11, 24));
        assert!(iso_date("24/11/2026").is_err());
        assert!(iso_date("").is_err());
    }
}
