//! Encrypted snapshots of a dossier (backups) and their restoration (issue 12 §2).
//!
//! A backup is a complete SQLCipher file: the ledger, the settings, the audit journal and every
//! original file kept as evidence (invoice PDFs and XMLs, bank statements, dispute evidence — all in
//! the `documents` table, so one file holds everything). It is written with SQLite's online backup
//! API in a single step, which holds a read transaction on the dossier for the copy: the snapshot is
//! consistent even while the application keeps writing (writers are not blocked under WAL; they
//! simply are not part of the copy). The copy is encrypted under a key of its own, made the way a
//! new dossier's is (the backup API works encrypted → encrypted with different keys, stack-recipe
//! §5): a random key remembered in the keyring under the backup's id, the `ENCOURS_KEY_HEX` key in
//! headless mode, or the passphrase derived with the backup's own salt. So a backup opens wherever
//! the same key source is available, a later rotation of the dossier's key leaves it readable, and
//! its key is forgotten when the backup is pruned. A restored dossier gets a new key the same way.
//!
//! Hashing, manifests, naming, generations and atomic renames are the application's business
//! (`encours-app::backup`); this module only knows SQL: copy, verify, count, restore.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::dossier::Dossier;
use crate::error::StoreError;
use crate::keys::{DossierKey, KeySource};

/// What a snapshot or a verified backup holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The backup file's own id (hex of its salt; names its key).
    pub backup_id: String,
    /// The schema version (`PRAGMA user_version`).
    pub schema_version: i64,
    /// Rows per table, every table of the file.
    pub counts: BTreeMap<String, i64>,
}

/// The result of checking a backup file before it is restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupCheck {
    /// What the file holds.
    pub info: SnapshotInfo,
    /// What `PRAGMA cipher_integrity_check` reported (empty when every page's HMAC is sound).
    pub cipher_errors: Vec<String>,
    /// What `PRAGMA integrity_check` reported (`["ok"]` when sound).
    pub sqlite: Vec<String>,
}

impl BackupCheck {
    /// True when both checks passed.
    pub fn is_ok(&self) -> bool {
        self.cipher_errors.is_empty() && self.sqlite == ["ok"]
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_owned(), source }
}

/// Opens `path` keyed with `key` (the dossier's own keying, see `dossier::keyed`); a backup whose
/// first page does not read back as a database is one this key cannot decrypt.
fn keyed(path: &Path, key: &DossierKey, flags: OpenFlags) -> Result<Connection, StoreError> {
    crate::dossier::keyed(path, key, flags).map_err(|e| match e {
        StoreError::Sql(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DatabaseCorrupt => {
            StoreError::CannotDecrypt(path.to_owned())
        }
        e => e,
    })
}

/// Rows per table of every table in the file (the manifest's counts, compared again at restore).
pub(crate) fn table_counts(conn: &Connection) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    let mut counts = BTreeMap::new();
    for name in names {
        let n: i64 =
            conn.query_row(&format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\"")), [], |r| r.get(0))?;
        counts.insert(name, n);
    }
    Ok(counts)
}

/// Copies the whole of `from` into the new file `to` (keyed with `key`) in one step, leaves it in
/// rollback-journal mode (one self-contained file) and syncs it to disk.
fn copy_into(from: &Connection, to: &Path, key: &DossierKey) -> Result<Connection, StoreError> {
    let mut dest = keyed(to, key, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
    {
        let backup = rusqlite::backup::Backup::new(from, &mut dest)?;
        // One step of every page (-1): the source's read transaction spans the whole copy, so the
        // snapshot is one consistent state of the dossier, whatever is written meanwhile.
        match backup.step(-1)? {
            rusqlite::backup::StepResult::Done => {}
            other => {
                return Err(StoreError::Invalid(format!("the snapshot did not complete in one step ({other:?})")));
            }
        }
    }
    // The copied header says WAL (the dossier's mode); a backup is one file, without -wal/-shm.
    dest.execute_batch("PRAGMA journal_mode = DELETE;")?;
    Ok(dest)
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    fs::File::open(path).and_then(|f| f.sync_all()).map_err(io(path))
}

/// Writes a consistent encrypted snapshot of `dossier` to `dest`, a new file (an existing one is
/// refused). The file is complete and synced to disk when this returns; its key is remembered under
/// its own id. On failure nothing is left at `dest`.
pub fn snapshot_to(dossier: &Dossier, keys: &KeySource, dest: &Path) -> Result<SnapshotInfo, StoreError> {
    if dest.exists() {
        return Err(StoreError::AlreadyExists(dest.to_owned()));
    }
    let key = keys.new_key()?;
    let result = (|| {
        let copy = copy_into(&dossier.conn, dest, &key)?;
        let schema_version: i64 = copy.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let counts = table_counts(&copy)?;
        drop(copy);
        sync_file(dest)?;
        let backup_id = crate::dossier::read_dossier_id(dest)?;
        keys.remember(&backup_id, &key)?;
        Ok(SnapshotInfo { backup_id, schema_version, counts })
    })();
    if result.is_err() {
        let _ = fs::remove_file(dest);
    }
    result
}

/// Opens a backup file read-only and checks it: every page's HMAC (`cipher_integrity_check`), the
/// b-trees (`integrity_check`), and what it holds. A file that cannot be decrypted or read at all is
/// an error naming it.
pub fn check_backup(path: &Path, keys: &KeySource) -> Result<BackupCheck, StoreError> {
    let id = crate::dossier::read_dossier_id(path)?;
    let key = keys.key_for(path, &id)?;
    let conn = keyed(path, &key, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| damaged(path, e))?;
    let read = || -> Result<BackupCheck, StoreError> {
        let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
        let cipher_errors = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let sqlite = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        let schema_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let counts = table_counts(&conn)?;
        Ok(BackupCheck { info: SnapshotInfo { backup_id: id.clone(), schema_version, counts }, cipher_errors, sqlite })
    };
    read().map_err(|e| damaged(path, e))
}

/// A database error while reading a backup is reported as a damaged file, naming it.
fn damaged(path: &Path, e: StoreError) -> StoreError {
    match e {
        StoreError::Sql(inner) => StoreError::NotADossier {
            path: path.to_owned(),
            why: format!("the backup is damaged or truncated ({inner})"),
        },
        StoreError::CannotDecrypt(p) => StoreError::NotADossier {
            path: p,
            why: "the backup cannot be decrypted: damaged, truncated, or made with another key".to_owned(),
        },
        other => other,
    }
}

/// Restores a (checked) backup as a new dossier at `dest`: refused when anything exists there. The
/// copy is built under `dest` + `.restoring`, synced, given its own id (its key remembered), and
/// renamed into place only when complete.
pub fn restore_to(backup: &Path, keys: &KeySource, dest: &Path) -> Result<PathBuf, StoreError> {
    if dest.exists() {
        return Err(StoreError::AlreadyExists(dest.to_owned()));
    }
    let id = crate::dossier::read_dossier_id(backup)?;
    let key = keys.key_for(backup, &id)?;
    let source = keyed(backup, &key, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| damaged(backup, e))?;
    // The restored dossier's own key (its id differs from the backup's).
    let key = keys.new_key()?;
    let mut tmp = dest.as_os_str().to_owned();
    tmp.push(".restoring");
    let tmp = PathBuf::from(tmp);
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let copy = copy_into(&source, &tmp, &key).map_err(|e| damaged(backup, e))?;
        drop(copy);
        sync_file(&tmp)?;
        let new_id = crate::dossier::read_dossier_id(&tmp)?;
        keys.remember(&new_id, &key)?;
        if let Err(e) = fs::rename(&tmp, dest) {
            keys.forget(&new_id);
            return Err(io(dest)(e));
        }
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            // The rename itself reaches the disk with the folder.
            let _ = fs::File::open(parent).and_then(|d| d.sync_all());
        }
        Ok(dest.to_owned())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Forgets the key of a backup file that is being deleted (pruned generations). The file's id is
/// read from its header; a file that cannot be read has nothing to forget.
pub fn forget_backup_key(path: &Path, keys: &KeySource) {
    if let Ok(id) = crate::dossier::read_dossier_id(path) {
        keys.forget(&id);
    }
}

/// Reads a dossier setting (`dossier_settings`, migration 0016).
pub fn setting(dossier: &Dossier, key: &str) -> Result<Option<String>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(dossier.conn.query_row("SELECT value FROM dossier_settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// Writes a dossier setting, with its audit entry, in one transaction.
pub fn set_setting(
    dossier: &mut Dossier,
    key: &str,
    value: &str,
    actor: &str,
    at: chrono::NaiveDateTime,
) -> Result<(), StoreError> {
    use rusqlite::OptionalExtension;
    let tx = dossier.conn.transaction()?;
    let before: Option<String> =
        tx.query_row("SELECT value FROM dossier_settings WHERE key = ?1", [key], |r| r.get(0)).optional()?;
    let at_text = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    tx.execute(
        "INSERT INTO dossier_settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        rusqlite::params![key, value, at_text],
    )?;
    let before = before.map(|b| serde_json::json!({ "value": b }).to_string());
    let after = serde_json::json!({ "value": value }).to_string();
    crate::dossier::insert_audit(
        &tx,
        at,
        actor,
        "settings.set",
        "setting",
        Some(key),
        before.as_deref(),
        Some(&after),
    )?;
    tx.commit()?;
    Ok(())
}
