//! Sync bookkeeping (migration 0013): which platform flows a dossier has taken, the cursor of each
//! platform account, and the journal of sync runs (legal-rules B.4 §5.3). The flow's content goes
//! through the ordinary import; this module only remembers the flow and moves the cursor, both in
//! one transaction, so the cursor never passes a flow the dossier does not know.

use chrono::NaiveDateTime;
use rusqlite::{params, OptionalExtension};

use crate::{Dossier, StoreError};

/// A flow taken from a platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedFlow<'a> {
    /// Platform account name.
    pub account: &'a str,
    /// The platform's flowId.
    pub flow_id: &'a str,
    /// Its `updatedAt`, RFC 3339.
    pub updated_at: &'a str,
    /// Its flowType.
    pub flow_type: &'a str,
    /// SHA-256 of its bytes.
    pub sha256: &'a str,
    /// What the import made of it (`imported`, `duplicate`, `failed`...).
    pub outcome: &'a str,
    /// The import's message.
    pub message: &'a str,
}

/// The cursor of an account (RFC 3339), `None` before its first sync.
pub fn sync_cursor(d: &Dossier, account: &str) -> Result<Option<String>, StoreError> {
    Ok(d.conn
        .prepare_cached("SELECT updated_at FROM sync_cursors WHERE account = ?1")?
        .query_row([account], |r| r.get(0))
        .optional()?)
}

/// True when the account's flow was taken already.
pub fn sync_has_flow(d: &Dossier, account: &str, flow_id: &str) -> Result<bool, StoreError> {
    Ok(d.conn
        .prepare_cached("SELECT 1 FROM sync_flows WHERE account = ?1 AND flow_id = ?2")?
        .query_row([account, flow_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Records a flow and sets the account's cursor, in one transaction. A flow already recorded is
/// refused (a second taking would be a bug upstream).
pub fn sync_record_flow(
    d: &mut Dossier,
    flow: &SyncedFlow<'_>,
    cursor: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let tx = d.conn.transaction()?;
    tx.prepare_cached(
        "INSERT INTO sync_flows (account, flow_id, updated_at, flow_type, sha256, outcome, message, synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        flow.account,
        flow.flow_id,
        flow.updated_at,
        flow.flow_type,
        flow.sha256,
        flow.outcome,
        flow.message,
        at.format("%Y-%m-%dT%H:%M:%S").to_string()
    ])?;
    put_cursor(&tx, flow.account, cursor)?;
    tx.commit()?;
    Ok(())
}

fn put_cursor(conn: &rusqlite::Connection, account: &str, cursor: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO sync_cursors (account, updated_at) VALUES (?1, ?2)
         ON CONFLICT(account) DO UPDATE SET updated_at = excluded.updated_at",
    )?
    .execute([account, cursor])?;
    Ok(())
}

/// Moves an account's cursor past flows known already or not to import.
pub fn sync_set_cursor(d: &mut Dossier, account: &str, cursor: &str) -> Result<(), StoreError> {
    put_cursor(&d.conn, account, cursor)
}

/// Flows recorded for an account, by outcome.
pub fn sync_flow_counts(d: &Dossier, account: &str) -> Result<Vec<(String, u64)>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT outcome, COUNT(*) FROM sync_flows WHERE account = ?1 GROUP BY outcome ORDER BY outcome",
    )?;
    let rows = stmt.query_map([account], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (outcome, n) = row?;
        out.push((outcome, u64::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}

/// One line of the sync journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRun<'a> {
    /// Account.
    pub account: &'a str,
    /// When the run started.
    pub started_at: NaiveDateTime,
    /// Flows stored.
    pub stored: u64,
    /// Flows known already.
    pub known: u64,
    /// Flows not ours to import.
    pub ignored: u64,
    /// The cursor at the end.
    pub cursor: Option<&'a str>,
    /// The error that ended the run, if any.
    pub error: Option<&'a str>,
}

/// Journals a run (issue 10: every sync run logged, counts and errors).
pub fn sync_log_run(d: &mut Dossier, run: &SyncRun<'_>) -> Result<(), StoreError> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    d.conn
        .prepare_cached(
            "INSERT INTO sync_runs (account, started_at, stored, known, ignored, cursor, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            run.account,
            run.started_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            n(run.stored),
            n(run.known),
            n(run.ignored),
            run.cursor,
            run.error
        ])?;
    Ok(())
}

/// Records that outbox message `outbox_id` is now the platform's flow `flow_id` (outcome
/// `uploaded`, its acknowledgement still to come) and marks the message sent, in one transaction:
/// a message is never marked sent without the flow that carries it being known.
pub fn sync_mark_uploaded(
    d: &mut Dossier,
    flow: &SyncedFlow<'_>,
    outbox_id: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let tx = d.conn.transaction()?;
    let stamp = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    tx.prepare_cached(
        "INSERT INTO sync_flows (account, flow_id, updated_at, flow_type, sha256, outcome, message, synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(account, flow_id) DO NOTHING",
    )?
    .execute(params![
        flow.account,
        flow.flow_id,
        flow.updated_at,
        flow.flow_type,
        flow.sha256,
        flow.outcome,
        flow.message,
        stamp
    ])?;
    tx.prepare_cached("UPDATE outbox SET state = 'sent', sent_at = ?2 WHERE id = ?1")?
        .execute(params![outbox_id, stamp])?;
    tx.commit()?;
    Ok(())
}

/// The flow ids of an account whose outcome is `outcome` (e.g. uploads waiting for their acknowledgement).
pub fn sync_flows_with_outcome(d: &Dossier, account: &str, outcome: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT flow_id FROM sync_flows WHERE account = ?1 AND outcome = ?2 ORDER BY synced_at, flow_id",
    )?;
    let rows = stmt.query_map([account, outcome], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Sets the outcome of a flow (an upload acknowledged or refused) with its message.
pub fn sync_set_outcome(
    d: &mut Dossier,
    account: &str,
    flow_id: &str,
    outcome: &str,
    message: &str,
) -> Result<(), StoreError> {
    d.conn
        .prepare_cached("UPDATE sync_flows SET outcome = ?3, message = ?4 WHERE account = ?1 AND flow_id = ?2")?
        .execute([account, flow_id, outcome, message])?;
    Ok(())
}
