//! Personal data (issue 12 §4, RGPD): everything about one client (art. 15, right of access),
//! anonymising one client on request (art. 17), and the retention policy that anonymises clients
//! with nothing open and no activity for longer than the prescription period plus a margin.
//!
//! Anonymisation replaces personal data by stable pseudonyms (`ANON-000042`, from the client's id)
//! and keeps every amount, date, code and link: the ledger, the aged balance and the analytics add
//! up exactly as before. It is irreversible, so it asks for an explicit confirmation, and it is
//! audited (the journal records that it happened, never the data it removed).

use std::io::Write;
use std::path::Path;

use chrono::{Months, NaiveDate, NaiveDateTime};
use encours_store::backup::{set_setting, setting};
use encours_store::rgpd::{self, AnonymiseReason, ExportTable};
use encours_store::Dossier;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::export::{write_file_atomically, write_table_json};

/// The prescription period of claims between merchants: 5 years (L110-4 C. com., legal-rules A.4).
pub const PRESCRIPTION_YEARS: u32 = 5;
/// Years kept beyond the prescription when the dossier sets none (setting `retention.margin_years`).
pub const DEFAULT_MARGIN_YEARS: u32 = 1;

/// What `client_export` wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ClientExportReport {
    /// The JSON file.
    pub path: String,
    /// Rows per table.
    #[ts(type = "Array<[string, number]>")]
    pub rows: Vec<(String, u64)>,
}

/// What an anonymisation did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AnonymiseReport {
    /// The clients anonymised: id and pseudonym.
    #[ts(type = "Array<[number, string]>")]
    pub clients: Vec<(i64, String)>,
    /// Text values rewritten across the dossier.
    #[ts(type = "number")]
    pub values_rewritten: u64,
    /// Original files and evidence replaced by a placeholder.
    #[ts(type = "number")]
    pub documents_blanked: u64,
    /// Audit entries whose text named a client and was redacted.
    #[ts(type = "number")]
    pub audit_entries_redacted: u64,
}

/// A client the retention policy selects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RetentionCandidateDto {
    /// Its id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Its name (before anonymisation).
    pub name: String,
    /// The last day anything happened with it.
    pub last_activity: String,
}

/// What `retention_run` found and did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RetentionReport {
    /// The as-of date.
    pub as_of: String,
    /// Clients whose last activity is before this date are selected.
    pub cutoff: String,
    /// Prescription + margin, in years.
    pub years: u32,
    /// True when nothing was changed.
    pub dry_run: bool,
    /// The clients selected.
    pub candidates: Vec<RetentionCandidateDto>,
    /// What the anonymisation did (None on a dry run or when nobody was selected).
    pub anonymised: Option<AnonymiseReport>,
}

fn not_found(client: i64) -> ApiError {
    ApiError::invalid(format!("no client {client} in this dossier"))
}

/// Writes everything the dossier holds about one client as one JSON document (right of access):
/// identity, invoices with their statuses, payments, allocations, disputes and their events,
/// promises, letters and reminders with their text, calls, notes, scores and alerts, the audit
/// entries that mention it, and the list of its original files (name, type, size, SHA-256).
pub fn client_export(
    dossier: &Dossier,
    client: i64,
    to: &Path,
    now: NaiveDateTime,
) -> Result<ClientExportReport, ApiError> {
    if !rgpd::client_exists(dossier, client)? {
        return Err(not_found(client));
    }
    let anonymised = rgpd::anonymisation(dossier, client)?
        .map(|(at, reason, pseudonym)| serde_json::json!({ "at": at, "reason": reason, "pseudonym": pseudonym }));
    let rows = write_file_atomically(to, |f| {
        let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", to.display()));
        let head = serde_json::json!({
            "generated_at": now.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "client_id": client,
            "anonymised": anonymised,
            "note": "Export RGPD (droit d'accès, art. 15) : toutes les données du dossier concernant ce client. \
                     Montants en chaînes décimales avec leur devise, dates ISO 8601.",
        });
        // One object written piece by piece: the tables stream, however long.
        let head = serde_json::to_string(&head).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        f.write_all(head.trim_end_matches('}').as_bytes()).map_err(io)?;
        f.write_all(b",\"tables\":{").map_err(io)?;
        let mut rows = Vec::new();
        for (i, table) in ExportTable::CLIENT.iter().enumerate() {
            if i > 0 {
                f.write_all(b",").map_err(io)?;
            }
            write!(f, "\n\"{}\":", table.name()).map_err(io)?;
            let n = write_table_json(dossier, *table, Some(client), f)?;
            rows.push((table.name().to_owned(), n));
        }
        f.write_all(b"},\n\"documents\":").map_err(io)?;
        let docs = rgpd::client_documents(dossier, client)?;
        serde_json::to_writer(&mut *f, &docs).map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
        f.write_all(b"}\n").map_err(io)?;
        Ok(rows)
    })?;
    Ok(ClientExportReport { path: to.display().to_string(), rows })
}

fn report(o: rgpd::AnonymiseOutcome) -> AnonymiseReport {
    AnonymiseReport {
        clients: o.clients,
        values_rewritten: o.values_rewritten,
        documents_blanked: o.documents_blanked,
        audit_entries_redacted: o.audit_entries_redacted,
    }
}

/// Anonymises one client on request. Irreversible: refused unless `confirm` is true. See the
/// module documentation for what changes and what stays.
pub fn anonymise_client(
    dossier: &mut Dossier,
    client: i64,
    confirm: bool,
    actor: &str,
    now: NaiveDateTime,
) -> Result<AnonymiseReport, ApiError> {
    if !rgpd::client_exists(dossier, client)? {
        return Err(not_found(client));
    }
    if !confirm {
        return Err(ApiError::invalid(format!(
            "anonymising client {client} is irreversible: its name, address, contacts, notes and documents are \
             replaced for good; confirm explicitly (--confirm) after a backup if in doubt"
        )));
    }
    Ok(report(rgpd::anonymise_clients(dossier, &[client], AnonymiseReason::Request, actor, now)?))
}

/// The retention margin in years beyond the prescription (setting `retention.margin_years`).
pub fn retention_margin_years(dossier: &Dossier) -> Result<u32, ApiError> {
    Ok(setting(dossier, "retention.margin_years")?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_MARGIN_YEARS))
}

/// Sets the retention margin (audited).
pub fn set_retention_margin_years(dossier: &mut Dossier, years: u32, now: NaiveDateTime) -> Result<(), ApiError> {
    set_setting(dossier, "retention.margin_years", &years.to_string(), "user", now)?;
    Ok(())
}

/// The first day still kept on `as_of`: clients whose last activity is before it may go.
pub fn retention_cutoff(as_of: NaiveDate, years: u32) -> Result<NaiveDate, ApiError> {
    as_of
        .checked_sub_months(Months::new(years.saturating_mul(12)))
        .ok_or_else(|| ApiError::invalid(format!("{as_of} minus {years} years is out of range")))
}

/// The retention policy as of a date: selects the clients with nothing open and no activity for
/// more than the prescription (5 years) plus the margin, and anonymises them unless `dry_run`.
pub fn retention_run(
    dossier: &mut Dossier,
    as_of: NaiveDate,
    dry_run: bool,
    actor: &str,
    now: NaiveDateTime,
) -> Result<RetentionReport, ApiError> {
    let years = PRESCRIPTION_YEARS + retention_margin_years(dossier)?;
    let cutoff = retention_cutoff(as_of, years)?;
    let candidates = rgpd::retention_candidates(dossier, cutoff)?;
    let anonymised = if dry_run || candidates.is_empty() {
        None
    } else {
        let ids: Vec<i64> = candidates.iter().map(|c| c.client_id).collect();
        Some(report(rgpd::anonymise_clients(dossier, &ids, AnonymiseReason::Retention, actor, now)?))
    };
    Ok(RetentionReport {
        as_of: as_of.to_string(),
        cutoff: cutoff.to_string(),
        years,
        dry_run,
        candidates: candidates
            .into_iter()
            .map(|c| RetentionCandidateDto {
                client_id: c.client_id,
                name: c.name,
                last_activity: c.last_activity.to_string(),
            })
            .collect(),
        anonymised,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_the_prescription_plus_the_margin_before_the_date() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(retention_cutoff(d("2026-11-24"), 6).unwrap(), d("2020-11-24"));
        assert_eq!(retention_cutoff(d("2028-02-29"), 5).unwrap(), d("2023-02-28"));
    }
}
