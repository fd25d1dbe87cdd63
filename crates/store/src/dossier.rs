//! Creating, opening and checking a dossier, and its audit journal.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::Siren;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::error::StoreError;
use crate::keys::{DossierKey, KeySource};
use crate::migrations::{migrate, SCHEMA_VERSION};

/// The first 16 bytes of a plain SQLite file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The company whose ledger the dossier holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Company {
    /// Its SIREN.
    pub siren: Siren,
    /// Its name.
    pub name: String,
    /// When the dossier was created.
    pub created_on: NaiveDate,
}

/// The result of [`Dossier::integrity`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntegrityReport {
    /// What `PRAGMA integrity_check` said ("ok" when sound).
    pub sqlite: Vec<String>,
    /// Rows whose foreign keys point nowhere.
    pub foreign_key_violations: u64,
    /// Invoices whose stored open amount disagrees with their allocations.
    pub ledger_mismatches: u64,
    /// Payments whose unallocated amount disagrees with their allocations.
    pub payment_mismatches: u64,
}

impl IntegrityReport {
    /// True when every check passed.
    pub fn is_ok(&self) -> bool {
        self.sqlite == ["ok"]
            && self.foreign_key_violations == 0
            && self.ledger_mismatches == 0
            && self.payment_mismatches == 0
    }

    /// "ok", or a one-line description of what failed.
    pub fn summary(&self) -> String {
        if self.is_ok() {
            return "ok".to_owned();
        }
        let mut parts = Vec::new();
        if self.sqlite != ["ok"] {
            parts.push(format!("sqlite: {}", self.sqlite.join("; ")));
        }
        if self.foreign_key_violations > 0 {
            parts.push(format!("{} broken references", self.foreign_key_violations));
        }
        if self.ledger_mismatches > 0 {
            parts.push(format!(
                "{} invoices whose open amount disagrees with their allocations",
                self.ledger_mismatches
            ));
        }
        if self.payment_mismatches > 0 {
            parts.push(format!(
                "{} payments whose unallocated amount disagrees with their allocations",
                self.payment_mismatches
            ));
        }
        parts.join(", ")
    }
}

/// One entry of the audit journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the journal.
    pub seq: i64,
    /// When.
    pub at: NaiveDateTime,
    /// Who (a user name, `cli`, `system`).
    pub actor: String,
    /// What was done (`dossier.create`, `demo.generate`, …).
    pub action: String,
    /// On what kind of record.
    pub entity: String,
    /// Which record, when one.
    pub entity_id: Option<String>,
    /// State before, as JSON, when the change modified something.
    pub before: Option<String>,
    /// State after, as JSON.
    pub after: Option<String>,
}

/// An open dossier.
pub struct Dossier {
    pub(crate) conn: Connection,
    path: PathBuf,
    id: String,
}

impl std::fmt::Debug for Dossier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dossier").field("path", &self.path).field("id", &self.id).finish()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_owned(), source }
}

/// Reads the dossier id: the hex of the 16-byte salt at the start of an SQLCipher file.
pub(crate) fn read_dossier_id(path: &Path) -> Result<String, StoreError> {
    let mut file = fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            StoreError::NotFound(path.to_owned())
        } else {
            StoreError::Io { path: path.to_owned(), source: e }
        }
    })?;
    let mut head = [0u8; 16];
    file.read_exact(&mut head).map_err(|_| StoreError::NotADossier {
        path: path.to_owned(),
        why: "the file is shorter than a dossier header".to_owned(),
    })?;
    if &head == SQLITE_MAGIC {
        return Err(StoreError::NotEncrypted(path.to_owned()));
    }
    Ok(hex::encode(head))
}

/// Opens a connection keyed with `key` and checks the key actually decrypts the file (a wrong key
/// is [`StoreError::CannotDecrypt`]); no other pragma. Dossiers and backups are opened this way.
pub(crate) fn keyed(path: &Path, key: &DossierKey, flags: OpenFlags) -> Result<Connection, StoreError> {
    // No per-connection mutex (SQLite's "multi-thread" mode): a `Connection` is `Send` but not
    // `Sync`, so Rust already guarantees one thread at a time uses it (a `Dossier` behind the shell's
    // `Mutex`), and SQLite's own lock/unlock around every step cost ~5 % of a large scan (the dunning
    // plan's profile). rusqlite's own default flags make the same choice.
    // Keying sets up SQLCipher's cipher context (salt, key schedule through the crypto provider).
    // Two CI runs, among hundreds, saw `PRAGMA key` fail with SQLCipher's generic "An error occurred
    // with PRAGMA key or rekey" while other test threads opened and closed dossiers; it never
    // reproduced in 150 local loops of the same tests. Keyings are therefore taken one at a time in
    // the process, and a keying that fails that way is retried on a fresh connection (a few times,
    // a few milliseconds apart) before the error reaches the caller. A wrong key is not this error:
    // it is found by the first read below and is never retried.
    static KEYING: Mutex<()> = Mutex::new(());
    let mut attempt = 0;
    let conn = loop {
        attempt += 1;
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        let _one_at_a_time = KEYING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // SQLCipher logs failed decryptions to stderr; the caller gets a typed error instead.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        // The raw-key form `x'…'` skips passphrase derivation: the key is already 256 random bits.
        match conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.pragma_hex().as_str())) {
            Ok(()) => {}
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::Unknown && attempt < 4 => {
                drop(conn);
                std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            Ok(_) => break conn,
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
                return Err(StoreError::CannotDecrypt(path.to_owned()));
            }
            Err(e) => return Err(e.into()),
        }
    };
    Ok(conn)
}

/// Opens a connection with the key and the dossier's pragmas; checks the key actually decrypts.
fn connect(path: &Path, key: &DossierKey, flags: OpenFlags) -> Result<Connection, StoreError> {
    let conn = keyed(path, key, flags)?;
    // WAL with synchronous = NORMAL: a commit is atomic and survives the process being killed; only
    // a power cut can roll back the very last commits (never corrupt the file). Importing thousands
    // of files, one transaction each, needs commits that do not each wait for the disk.
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")?;
    // Room for every statement an import repeats per file (about twenty): rusqlite keeps 16 by
    // default, and a statement pushed out is parsed again at its next use.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Opens the dossier `id` with the first of its candidate keys that decrypts it (its key, then the
/// key of an interrupted rotation, see [`crate::keys`]); a pending key that opens it is promoted.
fn open_with_any(path: &Path, id: &str, keys: &KeySource) -> Result<Connection, StoreError> {
    let mut last = None;
    for (i, key) in keys.candidates(path, id)?.iter().enumerate() {
        match connect(path, key, OpenFlags::SQLITE_OPEN_READ_WRITE) {
            Ok(conn) => {
                if i > 0 {
                    // The rotation re-encrypted the file but stopped before promoting its key.
                    keys.promote(id, key)?;
                }
                return Ok(conn);
            }
            Err(e @ StoreError::CannotDecrypt(_)) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| StoreError::CannotDecrypt(path.to_owned())))
}

impl Dossier {
    /// Creates a new dossier for a company at `path`.
    ///
    /// The file is built under a temporary name and renamed into place only once it is complete and
    /// its key is safely in the keyring: a failure leaves nothing half-written behind.
    pub fn create(
        path: &Path,
        siren: &Siren,
        name: &str,
        keys: &KeySource,
        now: NaiveDateTime,
    ) -> Result<Dossier, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("the company name is empty".to_owned()));
        }
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.to_owned()));
        }
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return Err(StoreError::Io {
                path: parent.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "folder does not exist"),
            });
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".creating");
        let tmp = PathBuf::from(tmp);
        let _ = fs::remove_file(&tmp);

        let key = keys.new_key()?;
        let result = (|| {
            let mut conn = connect(&tmp, &key, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
            // Rollback journal while building, so the whole file is in one place for the rename.
            conn.execute_batch("PRAGMA journal_mode = DELETE;")?;
            migrate(&mut conn, &tmp)?;
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO company (id, siren, name, created_on) VALUES (1, ?1, ?2, ?3)",
                params![siren.as_str(), name, now.date().to_string()],
            )?;
            let after = serde_json::json!({ "siren": siren.as_str(), "name": name, "schema": SCHEMA_VERSION });
            insert_audit(&tx, now, "system", "dossier.create", "company", Some("1"), None, Some(&after.to_string()))?;
            tx.commit()?;
            drop(conn);
            let id = read_dossier_id(&tmp)?;
            if key.salt.is_some_and(|salt| hex::encode(salt) != id) {
                return Err(StoreError::Invalid("SQLCipher did not take the salt the key was derived with".into()));
            }
            keys.remember(&id, &key)?;
            if let Err(e) = fs::rename(&tmp, path) {
                keys.forget(&id);
                return Err(io_err(path)(e));
            }
            Ok(())
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        // Opened with the key in hand (a passphrase is not derived a second time).
        let id = read_dossier_id(path)?;
        Dossier::ready(connect(path, &key, OpenFlags::SQLITE_OPEN_READ_WRITE)?, path, id)
    }

    /// Opens an existing dossier, applying pending migrations.
    pub fn open(path: &Path, keys: &KeySource) -> Result<Dossier, StoreError> {
        let id = read_dossier_id(path)?;
        let conn = open_with_any(path, &id, keys)?;
        Dossier::ready(conn, path, id)
    }

    /// Brings a keyed connection to an open dossier: pragmas, migrations, sealing, checks.
    fn ready(mut conn: Connection, path: &Path, id: String) -> Result<Dossier, StoreError> {
        // A larger WAL between checkpoints: fewer disk syncs when thousands of small units of work
        // commit in a row (imports); the WAL is truncated back at each checkpoint.
        // A page cache of 64 MiB (the default is 2 MiB): an import commits hundreds of files at once,
        // and a transaction larger than the cache spills pages to the WAL before it commits, some of
        // them to be rewritten by the next files.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 16384; PRAGMA cache_size = -65536;",
        )?;
        migrate(&mut conn, path)?;
        // Entries written before the journal was chained are sealed once, right after migration 0017.
        crate::audit::seal_legacy(&mut conn)?;
        let has_company: Option<i64> =
            conn.query_row("SELECT id FROM company WHERE id = 1", [], |r| r.get(0)).optional()?;
        if has_company.is_none() {
            return Err(StoreError::NotADossier { path: path.to_owned(), why: "it has no company".to_owned() });
        }
        Ok(Dossier { conn, path: path.to_owned(), id })
    }

    /// Re-encrypts the dossier under a new key from `target` (key rotation, or a move between the
    /// keyring and passphrase modes) and returns it reopened with that key; `current` is where its
    /// key comes from now. No data changes; the rotation is audited (`dossier.rekey`, modes only).
    ///
    /// Order, so that a crash at any point leaves a key that opens the file: the new key is staged
    /// (keyring: the pending entry), SQLCipher rewrites every page under it in one transaction,
    /// the file is reopened with it, and only then is it promoted and the old key removed. Copies
    /// and backups made before keep the old key.
    pub fn rekey(self, current: &KeySource, target: &KeySource, now: NaiveDateTime) -> Result<Dossier, StoreError> {
        let Dossier { conn, path, id } = self;
        let new_key = target.rotation_key(&id)?;
        // (Not for a passphrase: deriving it again costs what opening costs; a rotation to the same
        // passphrase re-encrypts under the same key, which is harmless.)
        if let (false, Ok(old)) = (current.is_passphrase(), current.candidates(&path, &id)) {
            if old.first().is_some_and(|k| k.same_as(&new_key)) {
                return Err(StoreError::Invalid("the new key is the current key".into()));
            }
        }
        target.stage(&id, &new_key)?;
        // One rollback-journal transaction rewrites every page (the WAL is folded in first, so no
        // page under the old key is left beside the file).
        let rekeyed = conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
            .and_then(|()| conn.execute_batch(&format!("PRAGMA rekey = \"x'{}'\";", new_key.pragma_hex().as_str())));
        drop(conn);
        if let Err(e) = rekeyed {
            target.unstage(&id);
            return Err(e.into());
        }
        // The new key must open the file before the old one is let go.
        let conn = connect(&path, &new_key, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        if read_dossier_id(&path)? != id {
            return Err(StoreError::Invalid("the dossier id changed while rekeying".into()));
        }
        target.promote(&id, &new_key)?;
        if !current.same_store(target) {
            current.forget(&id);
        }
        let mut d = Dossier::ready(conn, &path, id.clone())?;
        let before = serde_json::json!({ "mode": current.mode_name() }).to_string();
        let after = serde_json::json!({ "mode": target.mode_name() }).to_string();
        d.audit(now, "system", "dossier.rekey", "dossier", Some(&id), Some(&before), Some(&after))?;
        Ok(d)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The dossier id (hex of the file's salt; names its keyring entry).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The company.
    pub fn company(&self) -> Result<Company, StoreError> {
        let (siren, name, created): (String, String, String) =
            self.conn.query_row("SELECT siren, name, created_on FROM company WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        Ok(Company {
            siren: Siren::parse(&siren).map_err(|e| StoreError::Decode(e.to_string()))?,
            name,
            created_on: created.parse().map_err(|e: chrono::ParseError| StoreError::Decode(e.to_string()))?,
        })
    }

    /// Runs [`Dossier::integrity`] and records its result, dated `at`, for [`Dossier::last_integrity`].
    pub fn check_integrity(&mut self, at: NaiveDateTime) -> Result<IntegrityReport, StoreError> {
        let report = self.integrity()?;
        self.conn.execute(
            "INSERT INTO integrity_checks (at, ok, summary) VALUES (?1, ?2, ?3)",
            params![at.format("%Y-%m-%dT%H:%M:%S").to_string(), report.is_ok(), report.summary()],
        )?;
        Ok(report)
    }

    /// The last recorded integrity check: when, and "ok" or what it found.
    pub fn last_integrity(&self) -> Result<Option<(NaiveDateTime, String)>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row("SELECT at, summary FROM integrity_checks ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(row.and_then(|(at, summary)| at.parse().ok().map(|at| (at, summary))))
    }

    /// Checks the file (SQLite's own check, which reads and decrypts every page), the references,
    /// and the ledger's invariants: every invoice's open amount equals what its allocations leave,
    /// every payment's unallocated amount equals its amount minus its allocations. It reads the
    /// whole file: seconds on a large dossier (see BENCHMARKS.md).
    pub fn integrity(&self) -> Result<IntegrityReport, StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let sqlite = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        let mut fk = self.conn.prepare("PRAGMA foreign_key_check")?;
        let foreign_key_violations = fk.query_map([], |_| Ok(()))?.count() as u64;
        let ledger_mismatches: i64 = self.conn.query_row(
            "SELECT count(*) FROM invoices i
             LEFT JOIN (SELECT invoice_id, sum(amount) s FROM allocations GROUP BY invoice_id) a ON a.invoice_id = i.id
             LEFT JOIN (SELECT credit_note_id, sum(amount) s FROM allocations WHERE credit_note_id IS NOT NULL
                        GROUP BY credit_note_id) c ON c.credit_note_id = i.id
             LEFT JOIN writeoffs w ON w.invoice_id = i.id
             WHERE i.outstanding <> i.receivable - coalesce(a.s, 0) + coalesce(c.s, 0) - coalesce(w.amount, 0)",
            [],
            |r| r.get(0),
        )?;
        let payment_mismatches: i64 = self.conn.query_row(
            "SELECT count(*) FROM payments p
             LEFT JOIN (SELECT payment_id, sum(amount) s FROM allocations WHERE payment_id IS NOT NULL
                        GROUP BY payment_id) a ON a.payment_id = p.id
             WHERE p.unallocated <> p.amount - coalesce(a.s, 0)",
            [],
            |r| r.get(0),
        )?;
        Ok(IntegrityReport {
            sqlite,
            foreign_key_violations,
            ledger_mismatches: ledger_mismatches as u64,
            payment_mismatches: payment_mismatches as u64,
        })
    }

    /// Appends one entry to the audit journal, in its own transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn audit(
        &mut self,
        at: NaiveDateTime,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: Option<&str>,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        insert_audit(&tx, at, actor, action, entity, entity_id, before, after)?;
        tx.commit()?;
        Ok(())
    }

    /// An original file kept as evidence, found by its SHA-256, as stored: `(file name, media type,
    /// size of the original, encoding, stored bytes)`; the encoding says how the stored bytes hold
    /// the file (`None`: as they are; `zip`: a one-entry zip archive), see
    /// [`crate::LedgerWriter::document_encoded`].
    #[allow(clippy::type_complexity)]
    pub fn original(&self, sha256: &str) -> Result<Option<(String, String, u64, Option<String>, Vec<u8>)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT file_name, media_type, size, encoding, content FROM documents WHERE sha256 = ?1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?
            .map(|(name, media, size, encoding, content)| {
                (name, media, u64::try_from(size).unwrap_or(0), encoding, content)
            }))
    }

    /// Walks the audit journal's hash chain and says whether, and where, it is broken.
    pub fn verify_audit(&self) -> Result<crate::audit::ChainReport, StoreError> {
        crate::audit::verify(&self.conn)
    }

    /// The last `limit` entries of the audit journal, newest first.
    pub fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json
             FROM audit_log ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get::<_, String>(1)?.parse().unwrap_or_default(),
                actor: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                entity_id: r.get(5)?,
                before: r.get(6)?,
                after: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

/// Writes an audit entry inside the caller's transaction (chained: see [`crate::audit`]).
pub(crate) use crate::audit::insert_audit;
