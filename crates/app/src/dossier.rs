//! Creating, opening and summarising dossiers.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{Currency, Siren};
use encours_store::{queries, Dossier, KeySource};

use crate::dto::{DossierSummary, KeyMode};
use crate::error::ApiError;

/// Where keys come from, as chosen by the environment (`ENCOURS_KEY_HEX` or the OS keyring).
pub fn key_source() -> Result<(KeySource, KeyMode), ApiError> {
    let keys = KeySource::from_env()?;
    let mode = match keys.mode() {
        encours_store::KeyMode::Keyring => KeyMode::Keyring,
        encours_store::KeyMode::Environment => KeyMode::Environment,
    };
    Ok((keys, mode))
}

/// Creates an empty dossier for the company identified by `siren`.
pub fn create_dossier(
    path: &Path,
    siren: &str,
    name: &str,
    keys: &KeySource,
    now: NaiveDateTime,
) -> Result<Dossier, ApiError> {
    let siren = Siren::parse(siren).map_err(|e| ApiError::invalid(format!("SIREN: {e}")))?;
    if name.trim().is_empty() {
        return Err(ApiError::invalid("the company name is empty"));
    }
    Ok(Dossier::create(path, &siren, name, keys, now)?)
}

/// Opens an existing dossier.
pub fn open_dossier(path: &Path, keys: &KeySource) -> Result<Dossier, ApiError> {
    Ok(Dossier::open(path, keys)?)
}

/// Runs a full integrity check (it reads the whole file) and records it; returns "ok" or what it found.
pub fn check_integrity(dossier: &mut Dossier, now: NaiveDateTime) -> Result<String, ApiError> {
    Ok(dossier.check_integrity(now)?.summary())
}

/// The dossier's front page as of a date. It is fast on any size of ledger: the integrity line is
/// the last recorded check (see [`check_integrity`]).
pub fn summary(dossier: &Dossier, as_of: NaiveDate) -> Result<DossierSummary, ApiError> {
    let company = dossier.company()?;
    let s = queries::summary(dossier, as_of)?;
    let (integrity, integrity_checked_at) = match dossier.last_integrity()? {
        Some((at, result)) => (result, Some(at.format("%Y-%m-%dT%H:%M:%S").to_string())),
        None => ("not checked yet".to_owned(), None),
    };
    let eur = |t: &encours_domain::Totals| {
        let mut m = t.get(Currency::EUR).round();
        m.amount.rescale(2);
        m.amount.to_string()
    };
    let mut other_currencies = Vec::new();
    for m in s.open_balance.iter().filter(|m| m.currency != Currency::EUR) {
        other_currencies.push(format!("{} {}", m.currency, m.round().amount));
    }
    Ok(DossierSummary {
        path: dossier.path().display().to_string(),
        company_name: company.name,
        company_siren: company.siren.to_string(),
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        clients: s.clients,
        invoices: s.invoices,
        open_items: s.open_items,
        open_balance: eur(&s.open_balance),
        overdue_balance: eur(&s.overdue_balance),
        overdue_items: s.overdue_items,
        other_currencies,
        integrity,
        integrity_checked_at,
    })
}

/// Deletes a dossier file and its WAL companions (used to undo a creation whose next step failed).
pub fn remove_dossier_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(p));
    }
}
