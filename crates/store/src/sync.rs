//! Sync bookkeeping (migration 0013): which platform flows a dossier has taken, the cursor of each
//! platform account, and the journal of sync runs (legal-rules B.4 §5.3). The flow's content goes
//! through the ordinary import; this module only remembers the flow and moves the cursor, both in
//! one transaction, so the cursor never passes a flow the dossier does not know.
//!
//! A flow the import stores is recorded *in the import's own transaction* (issue 10: "resume after
//! a crash with no loss and no duplicate"). Every import unit of work, whatever the file (e-invoice,
//! CDAR message, bank statement, FEC), starts by keeping the original in `documents` under its
//! SHA-256 — the row that makes a second import of the same bytes a duplicate. [`sync_arm_flow`]
//! puts the flow and its cursor in a per-connection TEMP table and a TEMP trigger on that insert
//! copies them into `sync_flows` and `sync_cursors`: the flow's record, the cursor and the ledger
//! change commit together or roll back together (a dropped savepoint or unit of work takes the
//! trigger's rows with it). [`sync_settle_flow`] then writes the import's outcome and message, or
//! records a flow the import did not store (a duplicate, a file the readers refused: nothing of the
//! ledger to keep in step with). The import code stays the one every file goes through; nothing of
//! the sync leaks into it.

use chrono::NaiveDateTime;
use rusqlite::{params, OptionalExtension};

use crate::{Dossier, StoreError};

/// Test-only crash points (the crash harness, `crates/cli/tests/crash.rs`; issue 12 §5): with
/// `ENCOURS_CRASH_AT=<point>:<n>` in the environment (read once per process), the n-th passage
/// (1-based) through `<point>` aborts the process — no destructor, no rollback, no flush, as a
/// SIGKILL or a power cut of the process would. Without the variable a crash point costs one
/// atomic load. Points: `commit` (a `LedgerWriter` unit of work fully written, audit entry
/// included, before its COMMIT), `dunning.commit` (the same for a `DunningWriter`),
/// `sync.downloaded` and `sync.imported` (in `encours_app::sync`).
pub fn crash_point(point: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static AT: OnceLock<Option<(String, u64)>> = OnceLock::new();
    static PASSED: AtomicU64 = AtomicU64::new(0);
    let at = AT.get_or_init(|| {
        let v = std::env::var("ENCOURS_CRASH_AT").ok()?;
        let (name, n) = v.rsplit_once(':')?;
        Some((name.to_owned(), n.parse().ok()?))
    });
    if let Some((name, n)) = at {
        if name == point && PASSED.fetch_add(1, Ordering::SeqCst) + 1 == *n {
            std::process::abort();
        }
    }
}

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

fn put_cursor(conn: &rusqlite::Connection, account: &str, cursor: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO sync_cursors (account, updated_at) VALUES (?1, ?2)
         ON CONFLICT(account) DO UPDATE SET updated_at = excluded.updated_at",
    )?
    .execute([account, cursor])?;
    Ok(())
}

/// The TEMP objects of [`sync_arm_flow`]: they live in the connection's temporary schema, never
/// in the dossier file. `documents.sha256` is unique, so the trigger fires at most once per arming.
const ARM_SQL: &str = "
CREATE TEMP TABLE IF NOT EXISTS sync_armed (
    account TEXT NOT NULL, flow_id TEXT NOT NULL, updated_at TEXT NOT NULL, flow_type TEXT NOT NULL,
    sha256 TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL, synced_at TEXT NOT NULL,
    cursor TEXT NOT NULL
);
CREATE TEMP TRIGGER IF NOT EXISTS sync_take_armed_flow AFTER INSERT ON main.documents
WHEN NEW.sha256 IN (SELECT sha256 FROM sync_armed)
BEGIN
    INSERT INTO sync_flows (account, flow_id, updated_at, flow_type, sha256, outcome, message, synced_at)
        SELECT account, flow_id, updated_at, flow_type, sha256, outcome, message, synced_at
        FROM sync_armed WHERE sha256 = NEW.sha256;
    INSERT INTO sync_cursors (account, updated_at)
        SELECT account, cursor FROM sync_armed WHERE sha256 = NEW.sha256
        ON CONFLICT(account) DO UPDATE SET updated_at = excluded.updated_at;
END;
";

/// Arms the recording of `flow` (with the account's cursor moved to `cursor`) inside whatever
/// transaction next stores a document with the flow's SHA-256 — the import of that very flow.
/// `flow.outcome` and `flow.message` are what the record says if the process dies before
/// [`sync_settle_flow`] (the import stored the file: `imported`). Replaces any earlier arming.
pub fn sync_arm_flow(d: &Dossier, flow: &SyncedFlow<'_>, cursor: &str, at: NaiveDateTime) -> Result<(), StoreError> {
    d.conn.execute_batch(ARM_SQL)?;
    d.conn.prepare_cached("DELETE FROM temp.sync_armed")?.execute([])?;
    d.conn
        .prepare_cached(
            "INSERT INTO temp.sync_armed
             (account, flow_id, updated_at, flow_type, sha256, outcome, message, synced_at, cursor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            flow.account,
            flow.flow_id,
            flow.updated_at,
            flow.flow_type,
            flow.sha256,
            flow.outcome,
            flow.message,
            at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            cursor
        ])?;
    Ok(())
}

/// Forgets the armed flow (the import failed with a storage error: nothing was stored).
pub fn sync_disarm(d: &Dossier) -> Result<(), StoreError> {
    d.conn.execute_batch(ARM_SQL)?;
    d.conn.execute_batch("DELETE FROM temp.sync_armed")?;
    Ok(())
}

/// Ends the taking of an armed flow, in one transaction: when the import's transaction recorded it
/// already, its outcome and message become the import's (the cursor moved with the import);
/// otherwise (nothing stored: a duplicate, a refused file) the flow is recorded and the cursor set
/// now. Returns true when the flow was recorded with the import.
pub fn sync_settle_flow(
    d: &mut Dossier,
    flow: &SyncedFlow<'_>,
    cursor: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    // Also settles a flow that was never armed (the TEMP objects exist once per connection).
    d.conn.execute_batch(ARM_SQL)?;
    let tx = d.conn.transaction()?;
    tx.prepare_cached("DELETE FROM temp.sync_armed")?.execute([])?;
    let with_import = tx
        .prepare_cached("UPDATE sync_flows SET outcome = ?3, message = ?4 WHERE account = ?1 AND flow_id = ?2")?
        .execute([flow.account, flow.flow_id, flow.outcome, flow.message])?
        > 0;
    if !with_import {
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
    }
    tx.commit()?;
    Ok(with_import)
}

/// The flows recorded for an account: `(flowId, outcome)` in flowId order (tests and reports:
/// each flow taken once, with what the import made of it).
pub fn sync_flows(d: &Dossier, account: &str) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt =
        d.conn.prepare_cached("SELECT flow_id, outcome FROM sync_flows WHERE account = ?1 ORDER BY flow_id")?;
    let rows = stmt.query_map([account], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
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

/// The dossier setting that holds the platform accounts (JSON, without any secret: the secrets are
/// in the OS keyring). One `dossier_settings` row (migration 0016) rather than a table of their own:
/// a handful of accounts, read and written whole, audited like every setting.
pub const ACCOUNTS_SETTING: &str = "sync.accounts";

/// The platform accounts as stored (JSON text), `None` before the first account.
pub fn sync_accounts_json(d: &Dossier) -> Result<Option<String>, StoreError> {
    crate::backup::setting(d, ACCOUNTS_SETTING)
}

/// Replaces the stored platform accounts (JSON text), with its audit entry.
pub fn put_sync_accounts_json(d: &mut Dossier, json: &str, actor: &str, at: NaiveDateTime) -> Result<(), StoreError> {
    crate::backup::set_setting(d, ACCOUNTS_SETTING, json, actor, at)
}

/// A line of the sync journal, as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRunRow {
    /// Account.
    pub account: String,
    /// When the run started (`YYYY-MM-DDTHH:MM:SS`).
    pub started_at: String,
    /// Flows stored.
    pub stored: u64,
    /// Flows known already.
    pub known: u64,
    /// Flows not ours to import.
    pub ignored: u64,
    /// The cursor at the end.
    pub cursor: Option<String>,
    /// The error that ended the run, if any.
    pub error: Option<String>,
}

/// The last run of each account that ever ran, by account name.
pub fn sync_last_runs(d: &Dossier) -> Result<Vec<SyncRunRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT account, started_at, stored, known, ignored, cursor, error FROM sync_runs
         WHERE id IN (SELECT MAX(id) FROM sync_runs GROUP BY account) ORDER BY account",
    )?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let rows = stmt.query_map([], |r| {
        Ok(SyncRunRow {
            account: r.get(0)?,
            started_at: r.get(1)?,
            stored: n(r.get(2)?),
            known: n(r.get(3)?),
            ignored: n(r.get(4)?),
            cursor: r.get(5)?,
            error: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One of our flows sent to a platform (`uploaded`, `acknowledged` or `refused`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRow {
    /// The account it went through.
    pub account: String,
    /// The platform's flowId.
    pub flow_id: String,
    /// SHA-256 of the bytes sent (the outbox message's payload).
    pub sha256: String,
    /// `uploaded`, `acknowledged` or `refused`.
    pub outcome: String,
    /// The platform's reasons for a refusal.
    pub message: String,
    /// When it was sent.
    pub synced_at: String,
}

/// Every upload recorded, oldest first.
pub fn sync_uploads(d: &Dossier) -> Result<Vec<UploadRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT account, flow_id, sha256, outcome, message, synced_at FROM sync_flows
         WHERE outcome IN ('uploaded', 'acknowledged', 'refused') ORDER BY synced_at, flow_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(UploadRow {
            account: r.get(0)?,
            flow_id: r.get(1)?,
            sha256: r.get(2)?,
            outcome: r.get(3)?,
            message: r.get(4)?,
            synced_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A message of the outbox meant for the platform (kinds `cdar…`: 212 Encaissée, 209 Complétée…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingRow {
    /// Outbox id.
    pub id: i64,
    /// `cdar212`…
    pub kind: String,
    /// When it was queued.
    pub created_at: String,
    /// `queued` or `sent`.
    pub state: String,
    /// When it was sent.
    pub sent_at: Option<String>,
    /// The message (its SHA-256 links it to the upload's record).
    pub payload: String,
}

/// The platform messages of the outbox, newest first, at most `limit`.
pub fn sync_outgoing(d: &Dossier, limit: u32) -> Result<Vec<OutgoingRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, kind, created_at, state, sent_at, payload FROM outbox WHERE kind LIKE 'cdar%'
         ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(OutgoingRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            created_at: r.get(2)?,
            state: r.get(3)?,
            sent_at: r.get(4)?,
            payload: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{DossierKey, KeySource};
    use encours_domain::Siren;

    fn at() -> NaiveDateTime {
        "2026-11-24T10:00:00".parse().unwrap()
    }

    fn flow<'a>(flow_id: &'a str, sha: &'a str) -> SyncedFlow<'a> {
        SyncedFlow {
            account: "pa",
            flow_id,
            updated_at: "2026-11-24T09:00:00+00:00",
            flow_type: "CustomerInvoice",
            sha256: sha,
            outcome: "imported",
            message: "",
        }
    }

    fn dossier(dir: &std::path::Path) -> Dossier {
        let keys = KeySource::Environment(DossierKey::from_hex(&"2b".repeat(32)).unwrap());
        Dossier::create(&dir.join("d.encours"), &Siren::parse("552081317").unwrap(), "ACME", &keys, at()).unwrap()
    }

    #[test]
    fn an_armed_flow_is_recorded_with_the_import_that_stores_it_and_rolled_back_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = dossier(dir.path());

        // A unit of work that stores the flow's file but is dropped: neither the file nor the flow
        // nor the cursor remain.
        sync_arm_flow(&d, &flow("f1", "aa"), "2026-11-24T09:00:00+00:00", at()).unwrap();
        {
            let mut w = d.writer("test", at()).unwrap();
            w.document("aa", "a.xml", "application/xml", b"<a/>").unwrap();
        }
        assert!(!sync_has_flow(&d, "pa", "f1").unwrap());
        assert_eq!(sync_cursor(&d, "pa").unwrap(), None);

        // Committed: the flow and the cursor come with it, before any settling.
        {
            let mut w = d.writer("test", at()).unwrap();
            w.document("zz", "other.xml", "application/xml", b"<z/>").unwrap();
            w.document("aa", "a.xml", "application/xml", b"<a/>").unwrap();
            w.commit("test", "test.import", serde_json::json!({})).unwrap();
        }
        assert_eq!(sync_flows(&d, "pa").unwrap(), vec![("f1".to_owned(), "imported".to_owned())]);
        assert_eq!(sync_cursor(&d, "pa").unwrap().as_deref(), Some("2026-11-24T09:00:00+00:00"));
        let mut settled = flow("f1", "aa");
        settled.outcome = "duplicate";
        assert!(sync_settle_flow(&mut d, &settled, "2026-11-24T09:00:00+00:00", at()).unwrap());
        assert_eq!(sync_flows(&d, "pa").unwrap(), vec![("f1".to_owned(), "duplicate".to_owned())]);

        // A flow whose file is not stored (a duplicate file) is recorded by the settling itself,
        // and the armed row is gone: a later document with its hash records nothing.
        sync_arm_flow(&d, &flow("f2", "bb"), "2026-11-24T09:30:00+00:00", at()).unwrap();
        assert!(!sync_settle_flow(&mut d, &flow("f2", "bb"), "2026-11-24T09:30:00+00:00", at()).unwrap());
        assert_eq!(sync_cursor(&d, "pa").unwrap().as_deref(), Some("2026-11-24T09:30:00+00:00"));
        {
            let mut w = d.writer("test", at()).unwrap();
            w.document("bb", "b.xml", "application/xml", b"<b/>").unwrap();
            w.commit("test", "test.import", serde_json::json!({})).unwrap();
        }
        assert_eq!(sync_flows(&d, "pa").unwrap().len(), 2);
        sync_arm_flow(&d, &flow("f3", "cc"), "2026-11-24T10:00:00+00:00", at()).unwrap();
        sync_disarm(&d).unwrap();
        {
            let mut w = d.writer("test", at()).unwrap();
            w.document("cc", "c.xml", "application/xml", b"<c/>").unwrap();
            w.commit("test", "test.import", serde_json::json!({})).unwrap();
        }
        assert!(!sync_has_flow(&d, "pa", "f3").unwrap());
    }
}
