//! Backups in every key mode (issue 12 §2): a snapshot is encrypted under a key of its own made by
//! the dossier's key source — a keyring entry under the backup's id, the headless key, or the
//! passphrase derived with the backup's own salt — so it checks and restores in each mode; the key
//! of a pruned backup leaves the keyring.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDateTime;
use encours_domain::Siren;
use encours_store::backup::{check_backup, forget_backup_key, restore_to, snapshot_to};
use encours_store::keys::{KdfParams, MemorySecrets, Passphrase};
use encours_store::{Dossier, DossierKey, KeySource, StoreError};
use zeroize::Zeroizing;

fn now() -> NaiveDateTime {
    "2026-11-24T09:00:00".parse().unwrap()
}

fn round_trip(dir: &Path, keys: &KeySource) {
    let path = dir.join("acme.encours");
    let mut d = Dossier::create(&path, &Siren::parse("552081317").unwrap(), "ACME Industrie", keys, now()).unwrap();
    for i in 0..50 {
        d.audit(now(), "claire", "client.note", "client", Some("1"), None, Some(&format!(r#"{{"n":{i}}}"#))).unwrap();
    }
    let backup = dir.join("acme.encours-backup");
    let info = snapshot_to(&d, keys, &backup).unwrap();
    assert_ne!(info.backup_id, d.id(), "a backup has its own salt and key");
    assert_eq!(info.counts["audit_log"], 51);
    assert!(matches!(snapshot_to(&d, keys, &backup), Err(StoreError::AlreadyExists(_))));
    let check = check_backup(&backup, keys).unwrap();
    assert!(check.is_ok(), "{check:?}");
    assert_eq!(check.info.counts, info.counts);

    let restored = dir.join("restored.encours");
    restore_to(&backup, keys, &restored).unwrap();
    let r = Dossier::open(&restored, keys).unwrap();
    assert_eq!(r.company().unwrap().name, "ACME Industrie");
    assert_eq!(r.audit_entries(1000).unwrap().len(), 51);
    assert!(r.verify_audit().unwrap().is_ok());
    assert!(matches!(restore_to(&backup, keys, &restored), Err(StoreError::AlreadyExists(_))));
}

#[test]
fn backups_restore_with_the_headless_key() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(dir.path(), &KeySource::Environment(DossierKey::from_hex(&"5a".repeat(32)).unwrap()));
}

#[test]
fn backups_restore_with_a_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeySource::Passphrase(Passphrase::with_params(
        Zeroizing::new("correct horse battery staple 42".to_owned()),
        KdfParams::new(1024, 1, 1),
    ));
    round_trip(dir.path(), &keys);
    // Another passphrase cannot read the backup.
    let other = KeySource::Passphrase(Passphrase::with_params(
        Zeroizing::new("another passphrase entirely 43".to_owned()),
        KdfParams::new(1024, 1, 1),
    ));
    let e = check_backup(&dir.path().join("acme.encours-backup"), &other).unwrap_err();
    assert!(e.to_string().contains("acme.encours-backup"), "{e}");
}

#[test]
fn backups_restore_with_a_keyring_and_a_pruned_backup_forgets_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::new());
    let keys = KeySource::Secrets(secrets.clone());
    round_trip(dir.path(), &keys);
    // Dossier, backup and restored copy: one entry each.
    assert_eq!(secrets.accounts().len(), 3, "{:?}", secrets.accounts());
    forget_backup_key(&dir.path().join("acme.encours-backup"), &keys);
    assert_eq!(secrets.accounts().len(), 2);
    assert!(matches!(
        check_backup(&dir.path().join("acme.encours-backup"), &keys),
        Err(StoreError::KeyNotFound { .. })
    ));
}

#[test]
fn a_snapshot_taken_while_another_connection_writes_is_one_consistent_state() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeySource::Environment(DossierKey::from_hex(&"6b".repeat(32)).unwrap());
    let path = dir.path().join("busy.encours");
    let d = Dossier::create(&path, &Siren::parse("552081317").unwrap(), "Busy SA", &keys, now()).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (path, keys, stop) = (path.clone(), keys.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut w = Dossier::open(&path, &keys).unwrap();
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 200 {
                w.audit(now(), "writer", "test.write", "dossier", None, None, Some(&format!(r#"{{"n":{n}}}"#)))
                    .unwrap();
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    let mut infos = Vec::new();
    for i in 0..5 {
        let backup = dir.path().join(format!("busy-{i}.encours-backup"));
        infos.push((backup.clone(), snapshot_to(&d, &keys, &backup).unwrap()));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    let first = infos.first().map(|(_, i)| i.counts["audit_log"]).unwrap();
    let mut previous = 0;
    for (backup, info) in infos {
        let check = check_backup(&backup, &keys).unwrap();
        assert!(check.is_ok(), "{check:?}");
        let restored = dir.path().join(format!("{}.restored", backup.display()));
        restore_to(&backup, &keys, &restored).unwrap();
        let r = Dossier::open(&restored, &keys).unwrap();
        // The journal of a snapshot is a whole prefix of the live one: it chains, and grows.
        assert!(r.verify_audit().unwrap().is_ok());
        let n = info.counts["audit_log"];
        assert_eq!(r.audit_entries(100_000).unwrap().len() as i64, n, "the counts describe the file");
        assert!(n >= previous, "snapshots taken later hold at least as much");
        previous = n;
    }
    assert!(previous > first, "the writer wrote between the snapshots ({first} then {previous} entries)");
    assert!(i64::from(written) + 1 > previous, "and went on after the last one");
}
