//! Encrypted backups of a dossier, their generations and their restoration (issue 12 §2).
//!
//! A backup is `<dossier file name>-<YYYYMMDD-HHMMSS>.encours-backup` — an SQLCipher file holding
//! the whole dossier, evidence files included (they live in its `documents` table) — with a
//! manifest beside it, `….encours-backup.manifest.json`: when, which schema, how many rows per
//! table, size and SHA-256 of the file. The manifest is in clear and holds no personal data (row
//! counts and hashes only). Both are written under a temporary name, synced and renamed, so a crash
//! never leaves a backup that looks complete. By default backups go to `<dossier>.backups/` beside
//! the dossier; the newest `keep` generations stay (setting `backup.keep`, default 7), older ones are
//! deleted after each successful backup, with their key.
//!
//! Restoring never overwrites anything: the target must not exist. The file's size and SHA-256 are
//! compared with its manifest, SQLCipher checks every page's HMAC, SQLite checks the b-trees, and
//! the row counts must equal the manifest's before the copy is built and renamed into place.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use encours_store::{backup as store, Dossier, KeySource};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};

/// The manifest format this version writes.
pub const MANIFEST_FORMAT: &str = "encours-backup/1";
/// A backup file's extension.
pub const BACKUP_EXTENSION: &str = "encours-backup";
/// Generations kept when the dossier sets none.
pub const DEFAULT_KEEP: u32 = 7;
/// Days between scheduled backups when the dossier sets none.
pub const DEFAULT_EVERY_DAYS: u32 = 1;

/// What a backup holds, written beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BackupManifest {
    /// `encours-backup/1`.
    pub format: String,
    /// When the snapshot was taken (local time, ISO).
    pub created_at: String,
    /// The backup file's name (in the same folder as the manifest).
    pub file: String,
    /// Its size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// The dossier's schema version in the backup.
    #[ts(type = "number")]
    pub schema_version: i64,
    /// Rows per table.
    #[ts(type = "Record<string, number>")]
    pub counts: BTreeMap<String, i64>,
    /// The id of the dossier it was taken from.
    pub dossier_id: String,
}

/// A backup found in a folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct BackupEntry {
    /// The backup file.
    pub path: String,
    /// Its manifest, when readable.
    pub manifest: Option<BackupManifest>,
    /// Why it cannot be trusted as is (no manifest, size differs), if so.
    pub problem: Option<String>,
}

/// What `create_backup` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct BackupReport {
    /// The new backup file.
    pub path: String,
    /// Its manifest.
    pub manifest: BackupManifest,
    /// Older generations deleted.
    pub pruned: Vec<String>,
}

/// What `restore_backup` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RestoreReport {
    /// The restored dossier.
    pub path: String,
    /// The backup it came from.
    pub from: String,
    /// When that backup was taken.
    pub created_at: String,
    /// Rows per table, as checked against the manifest.
    #[ts(type = "Record<string, number>")]
    pub counts: BTreeMap<String, i64>,
}

/// When and where backups are made, and how many are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BackupPolicy {
    /// Generations kept (at least 1).
    pub keep: u32,
    /// A scheduled backup is due when the newest is at least this many days old.
    pub every_days: u32,
    /// The folder; None: `<dossier>.backups` beside the dossier.
    pub dir: Option<String>,
}

impl Default for BackupPolicy {
    fn default() -> Self {
        BackupPolicy { keep: DEFAULT_KEEP, every_days: DEFAULT_EVERY_DAYS, dir: None }
    }
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> ApiError + '_ {
    move |e| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()))
}

/// The default folder of a dossier's backups: `<dossier file name>.backups` beside it.
pub fn default_backup_dir(dossier_path: &Path) -> PathBuf {
    let mut name = dossier_path.file_name().map(|n| n.to_owned()).unwrap_or_else(|| "dossier".into());
    name.push(".backups");
    dossier_path.with_file_name(name)
}

fn dossier_stem(dossier_path: &Path) -> String {
    dossier_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "dossier".to_owned())
}

fn manifest_path(backup: &Path) -> PathBuf {
    let mut p = backup.as_os_str().to_owned();
    p.push(".manifest.json");
    PathBuf::from(p)
}

/// The dossier's backup policy (settings `backup.keep`, `backup.every_days`, `backup.dir`).
pub fn backup_policy(dossier: &Dossier) -> Result<BackupPolicy, ApiError> {
    let mut p = BackupPolicy::default();
    if let Some(v) = store::setting(dossier, "backup.keep")?.and_then(|v| v.parse().ok()) {
        p.keep = v;
    }
    if let Some(v) = store::setting(dossier, "backup.every_days")?.and_then(|v| v.parse().ok()) {
        p.every_days = v;
    }
    p.dir = store::setting(dossier, "backup.dir")?.filter(|d| !d.is_empty());
    Ok(p)
}

/// Changes the backup policy (each setting audited).
pub fn set_backup_policy(dossier: &mut Dossier, policy: &BackupPolicy, now: NaiveDateTime) -> Result<(), ApiError> {
    if policy.keep == 0 {
        return Err(ApiError::invalid("backup generations to keep: at least 1"));
    }
    if policy.every_days == 0 {
        return Err(ApiError::invalid("days between scheduled backups: at least 1"));
    }
    store::set_setting(dossier, "backup.keep", &policy.keep.to_string(), "user", now)?;
    store::set_setting(dossier, "backup.every_days", &policy.every_days.to_string(), "user", now)?;
    store::set_setting(dossier, "backup.dir", policy.dir.as_deref().unwrap_or(""), "user", now)?;
    Ok(())
}

fn sha256_file(path: &Path) -> Result<(u64, String), ApiError> {
    let mut f = fs::File::open(path).map_err(io_at(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io_at(path))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok((size, h.finalize().iter().map(|b| format!("{b:02x}")).collect()))
}

fn sync_dir(dir: &Path) {
    // Makes the renames durable; not every platform can open a folder, and that is not an error.
    let _ = fs::File::open(dir).and_then(|d| d.sync_all());
}

/// Writes `bytes` to `path` under a temporary name, synced, then renamed into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_at(path)(e));
    }
    Ok(())
}

/// Takes a backup now, into `dir` or the policy's folder, then deletes the generations beyond the
/// policy's `keep` (only after the new one is complete).
pub fn create_backup(
    dossier: &Dossier,
    keys: &KeySource,
    dir: Option<&Path>,
    now: NaiveDateTime,
) -> Result<BackupReport, ApiError> {
    let policy = backup_policy(dossier)?;
    let dir = match (dir, policy.dir.as_deref()) {
        (Some(d), _) => d.to_owned(),
        (None, Some(d)) => PathBuf::from(d),
        (None, None) => default_backup_dir(dossier.path()),
    };
    fs::create_dir_all(&dir).map_err(io_at(&dir))?;
    let stem = dossier_stem(dossier.path());
    let stamp = now.format("%Y%m%d-%H%M%S");
    let mut path = dir.join(format!("{stem}-{stamp}.{BACKUP_EXTENSION}"));
    let mut n = 2;
    while path.exists() || manifest_path(&path).exists() {
        path = dir.join(format!("{stem}-{stamp}-{n}.{BACKUP_EXTENSION}"));
        n += 1;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let _ = fs::remove_file(&tmp);
    let info = store::snapshot_to(dossier, keys, &tmp)?;
    let finish = || -> Result<BackupManifest, ApiError> {
        let (size, sha256) = sha256_file(&tmp)?;
        let manifest = BackupManifest {
            format: MANIFEST_FORMAT.to_owned(),
            created_at: now.format("%Y-%m-%dT%H:%M:%S").to_string(),
            file: path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
            size,
            sha256,
            schema_version: info.schema_version,
            counts: info.counts.clone(),
            dossier_id: dossier.id().to_owned(),
        };
        fs::rename(&tmp, &path).map_err(io_at(&path))?;
        let json =
            serde_json::to_vec_pretty(&manifest).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        write_atomically(&manifest_path(&path), &json)?;
        sync_dir(&dir);
        Ok(manifest)
    };
    let manifest = match finish() {
        Ok(m) => m,
        Err(e) => {
            // The key is forgotten through whichever of the two names the file still has.
            store::forget_backup_key(&tmp, keys);
            store::forget_backup_key(&path, keys);
            let _ = fs::remove_file(&tmp);
            let _ = fs::remove_file(&path);
            return Err(e);
        }
    };
    let pruned = prune(&dir, &stem, policy.keep.max(1), keys)?;
    Ok(BackupReport { path: path.display().to_string(), manifest, pruned })
}

/// This dossier's backups in a folder (by file name), newest first.
fn generations(dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ApiError> {
    let mut found = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(io_at(dir)(e)),
    };
    let prefix = format!("{stem}-");
    let suffix = format!(".{BACKUP_EXTENSION}");
    for entry in entries {
        let entry = entry.map_err(io_at(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(&suffix) {
            found.push(entry.path());
        }
    }
    // The timestamp in the name sorts as text; a same-second suffix (-2, -3) sorts after its first.
    found.sort_by_key(|p| std::cmp::Reverse(sort_key(p)));
    Ok(found)
}

fn sort_key(p: &Path) -> (String, u32) {
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let base = name.trim_end_matches(&format!(".{BACKUP_EXTENSION}")).to_owned();
    // `<stem>-YYYYMMDD-HHMMSS[-n]`
    let parts: Vec<&str> = base.rsplitn(2, '-').collect();
    match parts.as_slice() {
        [n, rest] if n.len() < 4 && n.chars().all(|c| c.is_ascii_digit()) => {
            ((*rest).to_owned(), n.parse().unwrap_or(0))
        }
        _ => (base, 0),
    }
}

fn prune(dir: &Path, stem: &str, keep: u32, keys: &KeySource) -> Result<Vec<String>, ApiError> {
    let mut pruned = Vec::new();
    for old in generations(dir, stem)?.into_iter().skip(keep as usize) {
        store::forget_backup_key(&old, keys);
        fs::remove_file(&old).map_err(io_at(&old))?;
        let _ = fs::remove_file(manifest_path(&old));
        pruned.push(old.display().to_string());
    }
    if !pruned.is_empty() {
        sync_dir(dir);
    }
    Ok(pruned)
}

fn read_manifest(backup: &Path) -> Result<BackupManifest, String> {
    let path = manifest_path(backup);
    let bytes = fs::read(&path).map_err(|e| format!("no readable manifest {} ({e})", path.display()))?;
    let m: BackupManifest =
        serde_json::from_slice(&bytes).map_err(|e| format!("the manifest {} is not valid ({e})", path.display()))?;
    if m.format != MANIFEST_FORMAT {
        return Err(format!("the manifest {} has format {:?}, not {MANIFEST_FORMAT}", path.display(), m.format));
    }
    Ok(m)
}

/// Lists the backups of the dossier at `dossier_path` in `dir` (default: the policy's folder when
/// the dossier is given open, else `<dossier>.backups`), newest first, with what is wrong with any.
/// Only the size is checked here; the SHA-256 and the content are checked at restore.
pub fn list_backups(dossier_path: &Path, dir: Option<&Path>) -> Result<Vec<BackupEntry>, ApiError> {
    let dir = dir.map(Path::to_owned).unwrap_or_else(|| default_backup_dir(dossier_path));
    let mut out = Vec::new();
    for path in generations(&dir, &dossier_stem(dossier_path))? {
        let (manifest, problem) = match read_manifest(&path) {
            Ok(m) => {
                let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                let problem = (size != m.size).then(|| {
                    format!("{} is {size} bytes, its manifest says {}: truncated or altered", path.display(), m.size)
                });
                (Some(m), problem)
            }
            Err(why) => (None, Some(why)),
        };
        out.push(BackupEntry { path: path.display().to_string(), manifest, problem });
    }
    Ok(out)
}

/// Restores the backup `file` as a new dossier at `to` after checking it (see the module doc).
/// Refused, naming the file and the problem, when `to` exists or the backup does not check out.
pub fn restore_backup(file: &Path, keys: &KeySource, to: &Path) -> Result<RestoreReport, ApiError> {
    if to.exists() {
        return Err(ApiError::new(
            ErrorCode::DossierExists,
            format!("{} already exists: a restore never overwrites a dossier; choose a new path", to.display()),
        ));
    }
    if !file.is_file() {
        return Err(ApiError::new(ErrorCode::DossierNotFound, format!("no backup at {}", file.display())));
    }
    let damaged = |why: String| {
        ApiError::new(ErrorCode::NotADossier, format!("backup {} refused: {why}; nothing was restored", file.display()))
    };
    let manifest = read_manifest(file).map_err(damaged)?;
    let (size, sha256) = sha256_file(file)?;
    if size != manifest.size {
        return Err(damaged(format!("it is {size} bytes, its manifest says {} (truncated or altered)", manifest.size)));
    }
    if sha256 != manifest.sha256 {
        return Err(damaged("its SHA-256 differs from its manifest (the file was altered or damaged)".to_owned()));
    }
    let check = store::check_backup(file, keys).map_err(|e| damaged(e.to_string()))?;
    if !check.is_ok() {
        let mut problems = check.cipher_errors.clone();
        if check.sqlite != ["ok"] {
            problems.extend(check.sqlite.iter().cloned());
        }
        return Err(damaged(format!("integrity check failed: {}", problems.join("; "))));
    }
    if check.info.counts != manifest.counts {
        let differing: Vec<String> = manifest
            .counts
            .iter()
            .filter(|(t, n)| check.info.counts.get(*t) != Some(n))
            .map(|(t, n)| format!("{t}: {} instead of {n}", check.info.counts.get(t).copied().unwrap_or(0)))
            .collect();
        return Err(damaged(format!("its row counts differ from its manifest ({})", differing.join(", "))));
    }
    store::restore_to(file, keys, to)?;
    // The restored dossier opens (migrations bring an older backup up to date).
    let dossier = Dossier::open(to, keys)?;
    drop(dossier);
    Ok(RestoreReport {
        path: to.display().to_string(),
        from: file.display().to_string(),
        created_at: manifest.created_at,
        counts: manifest.counts,
    })
}

/// Whether a scheduled backup is due on `today`, the newest being from `last` (pure: the date is
/// given). Due when there is none, or the newest is `every_days` days old or more.
pub fn is_backup_due(last: Option<NaiveDate>, today: NaiveDate, every_days: u32) -> bool {
    match last {
        None => true,
        Some(last) => (today - last).num_days() >= i64::from(every_days.max(1)),
    }
}

/// The scheduled backup the shell calls when a dossier is opened and once a day: takes one when
/// [`is_backup_due`] says so (newest generation in the policy's folder), else nothing.
pub fn backup_if_due(
    dossier: &Dossier,
    keys: &KeySource,
    now: NaiveDateTime,
    policy: &BackupPolicy,
) -> Result<Option<BackupReport>, ApiError> {
    let dir = policy.dir.as_deref().map(PathBuf::from).unwrap_or_else(|| default_backup_dir(dossier.path()));
    let last = list_backups(dossier.path(), Some(&dir))?
        .into_iter()
        .filter(|b| b.problem.is_none())
        .filter_map(|b| b.manifest)
        .filter_map(|m| m.created_at.get(..10).and_then(|d| d.parse::<NaiveDate>().ok()))
        .max();
    if !is_backup_due(last, now.date(), policy.every_days) {
        return Ok(None);
    }
    create_backup(dossier, keys, Some(&dir), now).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_is_due_when_none_exists_or_the_newest_is_old_enough() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(is_backup_due(None, d("2026-11-24"), 1));
        assert!(!is_backup_due(Some(d("2026-11-24")), d("2026-11-24"), 1));
        assert!(is_backup_due(Some(d("2026-11-23")), d("2026-11-24"), 1));
        assert!(!is_backup_due(Some(d("2026-11-20")), d("2026-11-24"), 7));
        assert!(is_backup_due(Some(d("2026-11-17")), d("2026-11-24"), 7));
    }

    #[test]
    fn generations_sort_newest_first_with_same_second_suffixes() {
        let mut v = [
            PathBuf::from("/b/d.encours-20261123-100000.encours-backup"),
            PathBuf::from("/b/d.encours-20261124-100000-2.encours-backup"),
            PathBuf::from("/b/d.encours-20261124-100000.encours-backup"),
        ];
        v.sort_by_key(|p| std::cmp::Reverse(sort_key(p)));
        assert!(v[0].ends_with("d.encours-20261124-100000-2.encours-backup"));
        assert!(v[2].ends_with("d.encours-20261123-100000.encours-backup"));
    }
}
