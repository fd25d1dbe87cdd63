//! Rate tables kept in the dossier (migration 0009): the ECB and legal-interest tables late-payment
//! penalties are computed with, once the user has imported a newer one than the tables shipped
//! with Encours. The store keeps the CSV text as imported; the domain parses and checks it
//! (`encours_domain::legal::RateTable`) before the application hands it here.

use chrono::NaiveDateTime;
use rusqlite::{params, OptionalExtension};

use crate::dossier::insert_audit;
use crate::{Dossier, StoreError};

/// A rate table as the dossier keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRateTable {
    /// `ecb_mro` or `legal_interest`.
    pub name: String,
    /// The CSV text, as imported.
    pub csv: String,
    /// Where it came from (the file name the user gave).
    pub source: String,
    /// When it was imported.
    pub updated_at: String,
}

fn check_name(name: &str) -> Result<(), StoreError> {
    if matches!(name, "ecb_mro" | "legal_interest") {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("{name:?} is not a rate table (ecb_mro or legal_interest)")))
    }
}

/// The dossier's own version of a rate table, if one was imported.
pub fn rate_table(d: &Dossier, name: &str) -> Result<Option<StoredRateTable>, StoreError> {
    check_name(name)?;
    Ok(d.conn
        .prepare_cached("SELECT name, csv, source, updated_at FROM rate_tables WHERE name = ?1")?
        .query_row([name], |r| {
            Ok(StoredRateTable { name: r.get(0)?, csv: r.get(1)?, source: r.get(2)?, updated_at: r.get(3)? })
        })
        .optional()?)
}

/// Keeps `csv` as the dossier's `name` table (replacing an earlier import), with an audit entry
/// holding the text before and after: a penalty computed later can always be traced to its rates.
pub fn put_rate_table(
    d: &mut Dossier,
    name: &str,
    csv: &str,
    source: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    check_name(name)?;
    let tx = d.conn.transaction()?;
    let before: Option<String> =
        tx.prepare_cached("SELECT csv FROM rate_tables WHERE name = ?1")?.query_row([name], |r| r.get(0)).optional()?;
    tx.prepare_cached(
        "INSERT INTO rate_tables (name, csv, source, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET csv = excluded.csv, source = excluded.source, updated_at = excluded.updated_at",
    )?
    .execute(params![name, csv, source, at.format("%Y-%m-%dT%H:%M:%S").to_string()])?;
    let json = |text: &str| serde_json::json!({ "source": source, "csv": text }).to_string();
    let before = before.map(|b| serde_json::json!({ "csv": b }).to_string());
    insert_audit(&tx, at, actor, "rates.import", "rate_table", Some(name), before.as_deref(), Some(&json(csv)))?;
    tx.commit()?;
    Ok(())
}
