//! The audit journal's hash chain: tampering done around the API, with the key, is found and located.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use encours_domain::Siren;
use encours_store::audit::ChainBreak;
use encours_store::{Dossier, DossierKey, KeySource};

fn key() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"07".repeat(32)).unwrap())
}

fn now() -> NaiveDateTime {
    "2026-11-24T10:00:00".parse().unwrap()
}

/// A dossier whose journal holds `n` entries (the creation plus `n - 1` changes).
fn dossier_with(dir: &Path, n: i64) -> PathBuf {
    let path = dir.join("acme.encours");
    let mut d = Dossier::create(&path, &Siren::parse("552081317").unwrap(), "ACME Industrie", &key(), now()).unwrap();
    for i in 2..=n {
        let after = format!(r#"{{"segment":"S{i}"}}"#);
        d.audit(now(), "claire", "client.update", "client", Some("1"), None, Some(&after)).unwrap();
    }
    path
}

/// A raw connection with the key and the journal's triggers dropped: what an attacker with the key
/// can do.
fn attacker(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "07".repeat(32))).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_sealed;",
    )
    .unwrap();
    conn
}

fn verify(path: &Path) -> encours_store::audit::ChainReport {
    Dossier::open(path, &key()).unwrap().verify_audit().unwrap()
}

#[test]
fn an_untouched_journal_verifies_and_grows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dossier_with(dir.path(), 5);
    let r = verify(&path);
    assert!(r.is_ok(), "{:?}", r.broken);
    assert_eq!((r.entries, r.verified, r.head_seq), (5, 5, 5));
    assert_eq!(r.head_hash.len(), 64);
    let head = r.head_hash.clone();
    // A unit of work through the ledger writer chains too.
    let mut d = Dossier::open(&path, &key()).unwrap();
    let w = d.writer("test", now()).unwrap();
    w.commit("claire", "test.load", serde_json::json!({ "n": 1 })).unwrap();
    let r = d.verify_audit().unwrap();
    assert!(r.is_ok());
    assert_eq!(r.head_seq, 6);
    assert!(r.contains(5, &head), "an earlier head stays in the chain");
    assert!(!r.contains(5, &"0".repeat(64)));
}

#[test]
fn an_edited_entry_is_found_at_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let path = dossier_with(dir.path(), 6);
    attacker(&path).execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4", []).unwrap();
    let r = verify(&path);
    assert_eq!(r.broken, Some(ChainBreak::Edited { seq: 4 }));
    assert_eq!(r.verified, 3, "entries 1-3 are still proven");
}

#[test]
fn an_edited_json_value_is_found_at_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let path = dossier_with(dir.path(), 5);
    let conn = attacker(&path);
    conn.execute("UPDATE audit_log SET after_json = '{\"segment\":\"X\"}' WHERE seq = 3", []).unwrap();
    drop(conn);
    let r = verify(&path);
    assert_eq!(r.broken.as_ref().map(ChainBreak::seq), Some(3));
    assert_eq!(r.broken, Some(ChainBreak::Edited { seq: 3 }));
}

#[test]
fn a_deleted_entry_is_found_after_the_last_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dossier_with(dir.path(), 6);
    attacker(&path).execute("DELETE FROM audit_log WHERE seq = 3", []).unwrap();
    let r = verify(&path);
    assert_eq!(r.broken, Some(ChainBreak::Deleted { after: 2, next: 4 }));

    // Deleted and the following entries renumbered to hide the hole: the link still breaks there.
    let dir = tempfile::tempdir().unwrap();
    let path = dossier_with(dir.path(), 6);
    let conn = attacker(&path);
    conn.execute_batch(
        "DELETE FROM audit_log WHERE seq = 3;
         UPDATE audit_log SET seq = seq - 1 WHERE seq > 3;",
    )
    .unwrap();
    drop(conn);
    let r = verify(&path);
    assert_eq!(r.broken, Some(ChainBreak::Deleted { after: 2, next: 3 }));
}

#[test]
fn an_inserted_entry_is_found_at_its_seq() {
    // Appended without a hash.
    let dir = tempfile::tempdir().unwrap();
    let path = dossier_with(dir.path(), 4);
    attacker(&path)
        .execute(
            "INSERT INTO audit_log (at, actor, action, entity) VALUES ('2026-11-24T11:00:00', 'mallory', 'x', 'y')",
            [],
        )
        .unwrap();
    assert_eq!(verify(&path).broken, Some(ChainBreak::Inserted { seq: 5 }));

    // Slipped in the middle with a copied hash, the later entries renumbered to make room.
    let dir = tempfile::tempdir().unwrap();
    let path = dossier_with(dir.path(), 5);
    let conn = attacker(&path);
    conn.execute_batch(
        "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3;
         UPDATE audit_log SET seq = seq - 99 WHERE seq >= 103;
         INSERT INTO audit_log (seq, at, actor, action, entity, prev_hash, hash)
           SELECT 3, '2026-11-24T11:00:00', 'mallory', 'payment.delete', 'payment', hash, hash
           FROM audit_log WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let r = verify(&path);
    assert_eq!(r.entries, 6);
    assert_eq!(r.broken, Some(ChainBreak::Inserted { seq: 3 }));
}

#[test]
fn the_journal_stays_append_only_through_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dossier_with(dir.path(), 2);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "07".repeat(32))).unwrap();
    assert!(conn.execute("UPDATE audit_log SET hash = NULL WHERE seq = 2", []).is_err());
    assert!(conn.execute("UPDATE audit_log SET prev_hash = hash WHERE seq = 2", []).is_err());
    assert!(
        conn.execute("INSERT INTO audit_log (at, actor, action, entity) VALUES ('x', 'y', 'z', 'w')", []).is_err(),
        "an unchained entry is refused"
    );
    drop(conn);
    assert!(verify(&path).is_ok());
}

#[test]
fn a_journal_written_before_the_chain_is_sealed_once_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dossier_with(dir.path(), 3);
    // Back to what a dossier looked like before migration 0017: no hashes.
    let conn = attacker(&path);
    conn.execute_batch("UPDATE audit_log SET prev_hash = NULL, hash = NULL; PRAGMA user_version = 16;").unwrap();
    drop(conn);
    let conn = attacker_without_drop(&path);
    conn.execute_batch(
        "ALTER TABLE audit_log DROP COLUMN prev_hash; ALTER TABLE audit_log DROP COLUMN hash;
         CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
         BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;
         CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
         BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;",
    )
    .unwrap();
    drop(conn);
    let r = verify(&path);
    assert!(r.is_ok(), "{:?}", r.broken);
    assert_eq!(r.entries, 3);
    // Sealed once: an entry later stripped of its hash is not sealed again but reported.
    let conn = attacker(&path);
    conn.execute("UPDATE audit_log SET prev_hash = NULL, hash = NULL WHERE seq = 3", []).unwrap();
    drop(conn);
    assert_eq!(verify(&path).broken, Some(ChainBreak::Inserted { seq: 3 }));
}

fn attacker_without_drop(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "07".repeat(32))).unwrap();
    conn
}
