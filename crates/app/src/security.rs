//! Keys, lock and the audit chain, for the shell and the CLI (issue 12).
//!
//! - **Lock**: [`lock`] closes the open dossier (SQLCipher wipes its key schedule when the
//!   connection closes) and keeps only its path in a [`LockState`]; [`unlock`] reopens it with the
//!   keyring key or a passphrase. Nothing about the key is kept while locked.
//! - **Key rotation**: [`rotate_key`] re-encrypts the dossier under a new key (same mode, or a move
//!   between the keyring and a passphrase) without losing data; see `encours_store::Dossier::rekey`.
//! - **Passphrase mode**: [`passphrase_keys`]; the passphrase is wiped from memory when dropped.
//! - **Audit chain**: [`verify_audit`] walks the journal's hash chain; [`audit_log`] lists it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::NaiveDateTime;
use encours_store::audit::ChainReport;
use encours_store::keys::Passphrase;
pub use encours_store::keys::Zeroizing;
use encours_store::{AuditEntry, Dossier, KeySource};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};

/// Passphrase mode with the default Argon2id parameters (64 MiB, 3 passes, 1 lane).
pub fn passphrase_keys(passphrase: Zeroizing<String>) -> KeySource {
    KeySource::Passphrase(Passphrase::new(passphrase))
}

/// Headless mode with a key given as 64 hexadecimal digits (as `ENCOURS_KEY_HEX`).
pub fn headless_keys(hex_digits: &str) -> Result<KeySource, ApiError> {
    Ok(KeySource::Environment(encours_store::DossierKey::from_hex(hex_digits)?))
}

/// Re-encrypts `dossier` under a key from `target` (`current`: where its key comes from now) and
/// returns it reopened; audited as `dossier.rekey`.
pub fn rotate_key(
    dossier: Dossier,
    current: &KeySource,
    target: &KeySource,
    now: NaiveDateTime,
) -> Result<Dossier, ApiError> {
    Ok(dossier.rekey(current, target, now)?)
}

/// The result of an audit-chain check, as the CLI prints it and the UI would show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditVerifyView {
    /// True when every entry chains.
    pub ok: bool,
    /// Entries in the journal.
    pub entries: u64,
    /// Entries proven before the first break.
    pub verified: u64,
    /// The last entry's number.
    pub head_seq: i64,
    /// The last entry's hash (hex): note it elsewhere to detect a rewritten or truncated journal later.
    pub head_hash: String,
    /// Where the chain breaks (`edited`, `deleted`, `inserted`, `mismatch`), if it does.
    pub break_kind: Option<String>,
    /// The entry where the journal stops being trustworthy.
    pub break_seq: Option<i64>,
    /// The break in plain words.
    pub message: String,
    /// When an earlier head was given to check: whether the journal still holds it.
    pub expected_head_found: Option<bool>,
}

impl AuditVerifyView {
    fn from_report(r: &ChainReport, expected: Option<(i64, &str)>) -> AuditVerifyView {
        use encours_store::audit::ChainBreak;
        let expected_head_found = expected.map(|(seq, hash)| r.contains(seq, hash));
        let message = match (&r.broken, expected_head_found) {
            (Some(b), _) => format!("broken: {b}"),
            (None, Some(false)) => {
                "the chain is consistent but no longer holds the head noted earlier: rewritten or truncated".to_owned()
            }
            (None, _) => format!("ok: {} entries chain", r.entries),
        };
        AuditVerifyView {
            ok: r.is_ok() && expected_head_found != Some(false),
            entries: r.entries,
            verified: r.verified,
            head_seq: r.head_seq,
            head_hash: r.head_hash.clone(),
            break_kind: r.broken.as_ref().map(|b| {
                match b {
                    ChainBreak::Edited { .. } => "edited",
                    ChainBreak::Deleted { .. } => "deleted",
                    ChainBreak::Inserted { .. } => "inserted",
                    ChainBreak::Mismatch { .. } => "mismatch",
                }
                .to_owned()
            }),
            break_seq: r.broken.as_ref().map(|b| b.seq()),
            message,
            expected_head_found,
        }
    }
}

/// Walks the audit journal's hash chain. `expected_head`: a `(seq, hash hex)` noted from an earlier
/// check, which the journal must still hold. A broken chain is a result (`ok: false`), not an error.
pub fn verify_audit(dossier: &Dossier, expected_head: Option<(i64, &str)>) -> Result<AuditVerifyView, ApiError> {
    Ok(AuditVerifyView::from_report(&dossier.verify_audit()?, expected_head))
}

/// Parses a head noted as `SEQ:HASH`.
pub fn parse_head(s: &str) -> Result<(i64, String), ApiError> {
    let (seq, hash) = s.split_once(':').ok_or_else(|| ApiError::invalid(format!("{s:?}: expected SEQ:HASH")))?;
    let seq = seq.trim().parse().map_err(|_| ApiError::invalid(format!("{seq:?} is not an entry number")))?;
    let hash = hash.trim();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::invalid("the hash must be 64 hexadecimal digits"));
    }
    Ok((seq, hash.to_ascii_lowercase()))
}

/// The last `limit` entries of the audit journal, newest first.
pub fn audit_log(dossier: &Dossier, limit: u32) -> Result<Vec<AuditEntry>, ApiError> {
    Ok(dossier.audit_entries(limit)?)
}

/// What the shell keeps while the dossier is locked: its path, nothing else.
#[derive(Debug, Default)]
pub struct LockState(Mutex<Option<PathBuf>>);

impl LockState {
    /// The locked dossier's path, if one is locked.
    pub fn locked(&self) -> Option<PathBuf> {
        self.0.lock().map(|g| g.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }
}

/// Locks: closes the open dossier (`slot` becomes empty; the connection's key schedule is wiped by
/// SQLCipher) and remembers its path in `state`. Locking with no dossier open leaves an earlier lock.
pub fn lock(slot: &mut Option<Dossier>, state: &LockState) -> Option<PathBuf> {
    let path = slot.take().map(|d| d.path().to_owned());
    let mut locked = state.0.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = &path {
        *locked = Some(p.clone());
    }
    locked.clone()
}

/// Unlocks: reopens the locked dossier with `keys`, or with `passphrase` when one is given
/// (passphrase mode); the lock is lifted only when it opens. A wrong key or passphrase is
/// [`ErrorCode::WrongKey`] and the dossier stays locked.
pub fn unlock(state: &LockState, keys: &KeySource, passphrase: Option<Zeroizing<String>>) -> Result<Dossier, ApiError> {
    let path = state.locked().ok_or_else(|| ApiError::new(ErrorCode::NoDossierOpen, "no dossier is locked"))?;
    let dossier = open_with(&path, keys, passphrase)?;
    *state.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    Ok(dossier)
}

/// Opens `path` with `keys`, or with a passphrase when one is given.
pub fn open_with(path: &Path, keys: &KeySource, passphrase: Option<Zeroizing<String>>) -> Result<Dossier, ApiError> {
    match passphrase {
        Some(p) => Ok(Dossier::open(path, &passphrase_keys(p))?),
        None => Ok(Dossier::open(path, keys)?),
    }
}
