//! The audit journal's hash chain.
//!
//! Every entry of `audit_log` stores `prev_hash` (the `hash` of the entry before it, 32 zero bytes
//! for the first) and `hash = SHA-256(prev_hash ‖ canonical encoding of its fields)`. The triggers of
//! migration 0001 already refuse updates and deletes through SQL; the chain makes what the triggers
//! cannot stop — someone with the key dropping them, or editing the file — visible afterwards:
//! [`verify`] walks the journal in `seq` order and says where it breaks.
//!
//! The canonical encoding is a fixed domain tag followed by each field (`at`, `actor`, `action`,
//! `entity`, `entity_id`, `before_json`, `after_json`) as a presence byte (0 = NULL, 1 = present),
//! a big-endian `u64` byte length and the UTF-8 bytes: no two different rows encode the same, and
//! no separator inside a JSON value can shift a field boundary. `seq` is not hashed: the order of
//! the chain is the order of `seq`, and a renumbered row shows as a gap or a broken link.
//!
//! What the chain cannot do on its own: someone with the key and this description can rewrite the
//! whole chain from the point they changed, or cut its tail. [`verify`] therefore reports the head
//! (last `seq` and `hash`); a head written down elsewhere (a backup, a report, an e-mail) can be
//! checked later with [`ChainReport::contains`]: a rewritten or truncated chain no longer holds it.

use chrono::NaiveDateTime;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::StoreError;

/// The domain tag at the start of every hashed encoding (version 1 of the encoding).
const DOMAIN: &[u8] = b"encours.audit.v1\0";

/// The `prev_hash` of the first entry.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// The fields of one entry that the hash covers, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fields<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// `SHA-256(prev ‖ encoding(fields))`.
pub(crate) fn entry_hash(prev: &[u8], f: &Fields<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(prev);
    for field in [Some(f.at), Some(f.actor), Some(f.action), Some(f.entity), f.entity_id, f.before, f.after] {
        match field {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    h.finalize().into()
}

/// The hash of the last entry (the chain's head), or [`GENESIS`] for an empty journal.
fn head_hash(conn: &Connection) -> Result<Vec<u8>, StoreError> {
    let head: Option<Option<Vec<u8>>> = conn
        .prepare_cached("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    // An unsealed head (only possible if someone wrote around the API) is chained from as if it
    // were the genesis: `verify` reports that row anyway.
    Ok(head.flatten().unwrap_or_else(|| GENESIS.to_vec()))
}

/// Writes an audit entry inside the caller's transaction, so the change and its record commit
/// together or not at all; the entry is chained to the one before it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_audit(
    conn: &Connection,
    at: NaiveDateTime,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(), StoreError> {
    let at = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    // The head is read in the writer's transaction (the write lock is held or taken by the insert
    // below; a concurrent writer's commit makes this transaction fail with SQLITE_BUSY rather than
    // fork the chain).
    let prev = head_hash(conn)?;
    let hash = entry_hash(&prev, &Fields { at: &at, actor, action, entity, entity_id, before, after });
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![at, actor, action, entity, entity_id, before, after, prev, &hash[..]])?;
    Ok(())
}

/// Seals the entries written before the chain existed (migration 0017 adds the columns; SQL has no
/// SHA-256, so the hashes are computed here, right after the migration, in `seq` order).
///
/// Only a journal whose every entry is unsealed is sealed: once one entry carries a hash, an
/// unsealed entry can only have been written around the API, and sealing it would hide exactly
/// what [`verify`] is for.
pub(crate) fn seal_legacy(conn: &mut Connection) -> Result<u64, StoreError> {
    // Sealing goes in seq order in one transaction: a sealed first entry means the journal is sealed
    // (one indexed read at every open, not a scan).
    let first: Option<Option<Vec<u8>>> =
        conn.query_row("SELECT hash FROM audit_log ORDER BY seq LIMIT 1", [], |r| r.get(0)).optional()?;
    match first {
        None | Some(Some(_)) => return Ok(0),
        Some(None) => {}
    }
    let sealed: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM audit_log WHERE hash IS NOT NULL)", [], |r| r.get(0))?;
    if sealed {
        return Ok(0);
    }
    let tx = conn.transaction()?;
    let mut n = 0u64;
    {
        let mut read = tx.prepare(
            "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json FROM audit_log ORDER BY seq",
        )?;
        let mut write = tx.prepare("UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE seq = ?3")?;
        let mut rows = read.query([])?;
        let mut prev = GENESIS.to_vec();
        while let Some(r) = rows.next()? {
            let row = Row::read(r)?;
            let hash = entry_hash(&prev, &row.fields());
            write.execute(params![prev, &hash[..], row.seq])?;
            prev = hash.to_vec();
            n += 1;
        }
    }
    tx.commit()?;
    Ok(n)
}

/// One stored row, as read for verification.
struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
    prev_hash: Option<Vec<u8>>,
    hash: Option<Vec<u8>>,
}

impl Row {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        let column_count = r.as_ref().column_count();
        Ok(Row {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            entity: r.get(4)?,
            entity_id: r.get(5)?,
            before: r.get(6)?,
            after: r.get(7)?,
            prev_hash: if column_count > 8 { r.get(8)? } else { None },
            hash: if column_count > 9 { r.get(9)? } else { None },
        })
    }

    fn fields(&self) -> Fields<'_> {
        Fields {
            at: &self.at,
            actor: &self.actor,
            action: &self.action,
            entity: &self.entity,
            entity_id: self.entity_id.as_deref(),
            before: self.before.as_deref(),
            after: self.after.as_deref(),
        }
    }

    /// True when the row's content hashes, from its own stored `prev_hash`, to its stored `hash`.
    fn self_consistent(&self) -> bool {
        match (&self.prev_hash, &self.hash) {
            (Some(p), Some(h)) => entry_hash(p, &self.fields())[..] == h[..],
            _ => false,
        }
    }
}

/// How the chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ChainBreak {
    /// The entry's content no longer matches its hash: it was edited after it was written.
    Edited {
        /// The edited entry.
        seq: i64,
    },
    /// Entries are missing after `after` (the next one left is `next`): deleted.
    Deleted {
        /// The last entry before the hole (0 when the journal's start is missing).
        after: i64,
        /// The first entry after the hole.
        next: i64,
    },
    /// The entry was not written by Encours: it has no hash, or the entry after it links past it
    /// to the one before.
    Inserted {
        /// The inserted entry.
        seq: i64,
    },
    /// The entry does not link to the one before it, for a reason the chain cannot tell (several
    /// changes at once, or a rewritten chain).
    Mismatch {
        /// The first entry that does not link.
        seq: i64,
    },
}

impl ChainBreak {
    /// The `seq` where the journal stops being trustworthy.
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Edited { seq } | ChainBreak::Inserted { seq } | ChainBreak::Mismatch { seq } => *seq,
            ChainBreak::Deleted { next, .. } => *next,
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Edited { seq } => write!(f, "entry {seq} was edited (its content no longer matches its hash)"),
            ChainBreak::Deleted { after, next } => {
                write!(f, "entries were deleted after entry {after} (the next entry left is {next})")
            }
            ChainBreak::Inserted { seq } => write!(f, "entry {seq} was inserted outside Encours"),
            ChainBreak::Mismatch { seq } => {
                write!(f, "entry {seq} does not link to the entry before it (edited, deleted or inserted entries)")
            }
        }
    }
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Entries read.
    pub entries: u64,
    /// Entries verified before the first break (all of them when the chain is intact).
    pub verified: u64,
    /// The last entry's `seq` (0 for an empty journal).
    pub head_seq: i64,
    /// The last entry's hash, lower-case hex (empty for an empty journal or an unsealed head).
    pub head_hash: String,
    /// The first break, if any.
    pub broken: Option<ChainBreak>,
    /// Every `(seq, hash)` — kept only to answer [`ChainReport::contains`]; not serialised.
    #[serde(skip)]
    hashes: Vec<(i64, [u8; 32])>,
}

impl ChainReport {
    /// True when the whole journal chains.
    pub fn is_ok(&self) -> bool {
        self.broken.is_none()
    }

    /// True when the journal still holds the entry `seq` with the hash `hash_hex`, as recorded from
    /// an earlier [`verify`] (a head noted elsewhere): false when the chain was rewritten or cut.
    pub fn contains(&self, seq: i64, hash_hex: &str) -> bool {
        let mut wanted = [0u8; 32];
        if hex::decode_to_slice(hash_hex.trim(), &mut wanted).is_err() {
            return false;
        }
        self.hashes
            .binary_search_by_key(&seq, |(s, _)| *s)
            .is_ok_and(|i| self.hashes.get(i).is_some_and(|(_, h)| *h == wanted))
    }
}

/// Walks the whole journal in `seq` order and checks every link (see the module documentation).
/// Streams the entries once, holding one ahead (to tell an insertion from an edit): linear time,
/// and memory of 40 bytes per entry (the hashes kept for [`ChainReport::contains`]).
pub fn verify(conn: &Connection) -> Result<ChainReport, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut report = ChainReport {
        entries: 0,
        verified: 0,
        head_seq: 0,
        head_hash: String::new(),
        broken: None,
        hashes: Vec::new(),
    };
    let mut last_seq = 0i64;
    let mut last_hash = GENESIS.to_vec();
    let mut pending: Option<Row> = None;
    loop {
        let next = match rows.next()? {
            Some(r) => Some(Row::read(r)?),
            None => None,
        };
        if let Some(row) = pending.take() {
            if report.broken.is_none() {
                match check(&row, next.as_ref(), last_seq, &last_hash) {
                    Some(b) => report.broken = Some(b),
                    None => {
                        last_seq = row.seq;
                        last_hash = row.hash.unwrap_or_default();
                        report.verified += 1;
                    }
                }
            }
        }
        let Some(n) = next else { break };
        // The rest is still counted after a break: the head is what a later check compares with.
        report.entries += 1;
        report.head_seq = n.seq;
        report.head_hash = n.hash.as_ref().map(hex::encode).unwrap_or_default();
        if let Some(h) = n.hash.as_deref().and_then(|h| <[u8; 32]>::try_from(h).ok()) {
            report.hashes.push((n.seq, h));
        }
        pending = Some(n);
    }
    Ok(report)
}

/// The break at `row`, given the last verified entry, or `None` when `row` chains.
fn check(row: &Row, next: Option<&Row>, last_seq: i64, last_hash: &[u8]) -> Option<ChainBreak> {
    // The entry after `row` links straight to the last verified one: `row` sits between them.
    let next_skips_row = || next.is_some_and(|n| n.prev_hash.as_deref() == Some(last_hash) && n.self_consistent());
    let (Some(prev), Some(_)) = (&row.prev_hash, &row.hash) else {
        return Some(ChainBreak::Inserted { seq: row.seq });
    };
    if row.seq != last_seq + 1 {
        return Some(ChainBreak::Deleted { after: last_seq, next: row.seq });
    }
    let links = prev[..] == last_hash[..];
    let consistent = row.self_consistent();
    match (links, consistent) {
        (true, true) => None,
        // Linked, but its content was changed under its hash.
        (true, false) => Some(if next_skips_row() {
            ChainBreak::Inserted { seq: row.seq }
        } else {
            ChainBreak::Edited { seq: row.seq }
        }),
        // A sound entry that links to something else: what it linked to is gone (entries deleted
        // and the following ones renumbered), unless the next entry links past it.
        (false, true) => Some(if next_skips_row() {
            ChainBreak::Inserted { seq: row.seq }
        } else {
            ChainBreak::Deleted { after: last_seq, next: row.seq }
        }),
        (false, false) => Some(if next_skips_row() {
            ChainBreak::Inserted { seq: row.seq }
        } else {
            ChainBreak::Mismatch { seq: row.seq }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(actor: &'a str, after: Option<&'a str>) -> Fields<'a> {
        Fields { at: "2026-11-24T10:00:00", actor, action: "a", entity: "e", entity_id: None, before: None, after }
    }

    #[test]
    fn the_encoding_separates_fields() {
        // Moving bytes from one field to the next, or NULL against empty, changes the hash.
        let a = entry_hash(&GENESIS, &fields("ab", Some("c")));
        let b = entry_hash(&GENESIS, &fields("a", Some("bc")));
        assert_ne!(a, b);
        assert_ne!(entry_hash(&GENESIS, &fields("a", None)), entry_hash(&GENESIS, &fields("a", Some(""))));
        assert_ne!(entry_hash(&GENESIS, &fields("a", None)), entry_hash(&[1u8; 32], &fields("a", None)));
    }
}
