//! Versioned schema migrations, applied in order inside one transaction each.
//! The version is SQLite's `user_version`. Migrations are never edited once released: a change is a
//! new file.

use std::path::Path;

use rusqlite::Connection;

use crate::error::StoreError;

/// The migrations, in order; index + 1 is the schema version each one produces.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_documents.sql"),
    include_str!("../migrations/0003_compact.sql"),
    include_str!("../migrations/0004_money_in.sql"),
    include_str!("../migrations/0005_analytics.sql"),
    include_str!("../migrations/0006_document_encoding.sql"),
    include_str!("../migrations/0007_dunning.sql"),
    include_str!("../migrations/0008_channels.sql"),
    include_str!("../migrations/0009_rate_tables.sql"),
    include_str!("../migrations/0010_company_profile.sql"),
    include_str!("../migrations/0011_disputes.sql"),
    include_str!("../migrations/0012_scoring.sql"),
    include_str!("../migrations/0013_sync.sql"),
    include_str!("../migrations/0014_scoring_indexes.sql"),
    include_str!("../migrations/0015_client_page.sql"),
    include_str!("../migrations/0016_settings_rgpd.sql"),
    include_str!("../migrations/0017_audit_chain.sql"),
    include_str!("../migrations/0018_alert_delivery.sql"),
    include_str!("../migrations/0019_dashboard_aggregates.sql"),
    include_str!("../migrations/0020_opendata.sql"),
    include_str!("../migrations/0021_ledger_counts.sql"),
    include_str!("../migrations/0022_scoring_days.sql"),
    include_str!("../migrations/0023_scoring_packs.sql"),
    include_str!("../migrations/0024_scores_by_day.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to [`SCHEMA_VERSION`]; refuses a dossier from a newer version.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew { path: path.to_owned(), found: current, supported: SCHEMA_VERSION });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(current).unwrap_or(0)) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
