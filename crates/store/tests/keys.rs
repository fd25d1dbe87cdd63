//! Key rotation and passphrase mode against real SQLCipher files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDateTime;
use encours_domain::Siren;
use encours_store::keys::{KdfParams, MemorySecrets, Passphrase, SecretStore};
use encours_store::{queries, Dossier, DossierKey, KeySource, StoreError};
use zeroize::Zeroizing;

fn now() -> NaiveDateTime {
    "2026-11-24T10:00:00".parse().unwrap()
}

fn env_key(n: u8) -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&format!("{n:02x}").repeat(32)).unwrap())
}

fn passphrase(s: &str) -> KeySource {
    // Small Argon2id parameters: the derivation itself is tested in the unit tests; here the file.
    KeySource::Passphrase(Passphrase::with_params(Zeroizing::new(s.to_owned()), KdfParams::new(1024, 1, 1)))
}

/// A dossier with a journal long enough to span many pages.
fn create(dir: &Path, keys: &KeySource) -> PathBuf {
    let path = dir.join("acme.encours");
    let mut d = Dossier::create(&path, &Siren::parse("552081317").unwrap(), "ACME Industrie", keys, now()).unwrap();
    for i in 0..400 {
        let after = format!(r#"{{"note":"{}"}}"#, "x".repeat(200 + i));
        d.audit(now(), "claire", "client.note", "client", Some("1"), None, Some(&after)).unwrap();
    }
    path
}

/// What the data looks like, without the rotation's own journal entry.
/// The company name, the ledger summary and the journal's `(seq, action, after)`.
type Contents = (String, queries::LedgerSummary, Vec<(i64, String, Option<String>)>);

fn contents(d: &Dossier) -> Contents {
    let entries = d.audit_entries(10_000).unwrap();
    let entries =
        entries.into_iter().filter(|e| e.action != "dossier.rekey").map(|e| (e.seq, e.action, e.after)).collect();
    (d.company().unwrap().name, queries::summary(d, now().date()).unwrap(), entries)
}

fn stored_key(secrets: &MemorySecrets, account: &str) -> Option<KeySource> {
    secrets.get(account).unwrap().map(|hex| KeySource::Environment(DossierKey::from_hex(&hex).unwrap()))
}

#[test]
fn rotating_in_the_keyring_keeps_the_data_and_retires_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::new());
    let keys = KeySource::Secrets(secrets.clone());
    let path = create(dir.path(), &keys);
    let d = Dossier::open(&path, &keys).unwrap();
    let id = d.id().to_owned();
    let before = contents(&d);
    let old = stored_key(&secrets, &format!("dossier-{id}")).unwrap();

    let d = d.rekey(&keys, &keys, now()).unwrap();
    assert_eq!(d.id(), id, "the dossier keeps its id (its salt)");
    assert_eq!(contents(&d), before, "data identical after the rotation");
    assert!(d.integrity().unwrap().is_ok());
    let journal = d.audit_entries(1).unwrap();
    assert_eq!(journal[0].action, "dossier.rekey");
    assert_eq!(journal[0].after.as_deref(), Some(r#"{"mode":"keyring"}"#), "modes only, never a key");
    assert!(d.verify_audit().unwrap().is_ok());
    drop(d);

    assert_eq!(secrets.accounts(), [format!("dossier-{id}")], "no pending key left");
    assert!(matches!(Dossier::open(&path, &old), Err(StoreError::CannotDecrypt(_))), "the old key opens nothing");
    assert_eq!(contents(&Dossier::open(&path, &keys).unwrap()), before);
}

#[test]
fn a_rotation_interrupted_after_the_file_changed_opens_with_the_pending_key() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::new());
    let keys = KeySource::Secrets(secrets.clone());
    let path = create(dir.path(), &keys);
    let d = Dossier::open(&path, &keys).unwrap();
    let id = d.id().to_owned();
    let before = contents(&d);
    drop(d);
    // What a crash between the re-encryption and the promotion leaves: the file under the new key,
    // the new key only under the pending name, the old one still under the main name.
    let old_hex = secrets.get(&format!("dossier-{id}")).unwrap().unwrap();
    let new_hex = "5a".repeat(32);
    secrets.set(&format!("dossier-{id}.pending"), &new_hex).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\"; PRAGMA journal_mode = DELETE; PRAGMA rekey = \"x'{new_hex}'\";",
        old_hex.as_str()
    ))
    .unwrap();
    drop(conn);

    let d = Dossier::open(&path, &keys).unwrap();
    assert_eq!(contents(&d), before);
    drop(d);
    assert_eq!(secrets.accounts(), [format!("dossier-{id}")], "the pending key was promoted");
    assert_eq!(secrets.get(&format!("dossier-{id}")).unwrap().unwrap().as_str(), new_hex);
}

#[test]
fn a_rotation_interrupted_before_the_file_changed_opens_with_the_main_key() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::new());
    let keys = KeySource::Secrets(secrets.clone());
    let path = create(dir.path(), &keys);
    let id = Dossier::open(&path, &keys).unwrap().id().to_owned();
    secrets.set(&format!("dossier-{id}.pending"), &"5a".repeat(32)).unwrap();
    let d = Dossier::open(&path, &keys).unwrap();
    assert_eq!(d.company().unwrap().name, "ACME Industrie");
    // The next rotation replaces the stale pending key and leaves one entry.
    drop(d.rekey(&keys, &keys, now()).unwrap());
    assert_eq!(secrets.accounts(), [format!("dossier-{id}")]);
}

#[test]
fn a_passphrase_dossier_opens_with_its_passphrase_only() {
    let dir = tempfile::tempdir().unwrap();
    let pass = passphrase("correct horse battery staple");
    let path = create(dir.path(), &pass);
    let d = Dossier::open(&path, &pass).unwrap();
    assert_eq!(d.company().unwrap().name, "ACME Industrie");
    drop(d);
    assert!(matches!(
        Dossier::open(&path, &passphrase("correct horse battery stapler")),
        Err(StoreError::CannotDecrypt(_))
    ));
    // The same passphrase with other parameters is another key.
    let other = KeySource::Passphrase(Passphrase::with_params(
        Zeroizing::new("correct horse battery staple".to_owned()),
        KdfParams::new(2048, 1, 1),
    ));
    assert!(matches!(Dossier::open(&path, &other), Err(StoreError::CannotDecrypt(_))));
    // A short passphrase is refused for a new dossier.
    let short = Dossier::create(
        &dir.path().join("b.encours"),
        &Siren::parse("552081317").unwrap(),
        "B",
        &passphrase("short"),
        now(),
    );
    assert!(matches!(short, Err(StoreError::Invalid(_))));
    assert!(!dir.path().join("b.encours").exists());
}

#[test]
fn a_dossier_moves_between_the_keyring_and_a_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::new());
    let keyring = KeySource::Secrets(secrets.clone());
    let path = create(dir.path(), &keyring);
    let d = Dossier::open(&path, &keyring).unwrap();
    let before = contents(&d);

    let pass = passphrase("un cheval blanc au galop");
    let d = d.rekey(&keyring, &pass, now()).unwrap();
    assert_eq!(contents(&d), before);
    drop(d);
    assert!(secrets.accounts().is_empty(), "the keyring no longer holds a key for it");
    assert!(Dossier::open(&path, &keyring).is_err());
    let d = Dossier::open(&path, &pass).unwrap();

    // A new passphrase.
    let pass2 = passphrase("deux chevaux noirs au pas");
    let d = d.rekey(&pass, &pass2, now()).unwrap();
    drop(d);
    assert!(matches!(Dossier::open(&path, &pass), Err(StoreError::CannotDecrypt(_))));

    // Back to the keyring.
    let d = Dossier::open(&path, &pass2).unwrap().rekey(&pass2, &keyring, now()).unwrap();
    assert_eq!(contents(&d), before);
    let modes: Vec<_> = d
        .audit_entries(3)
        .unwrap()
        .into_iter()
        .filter_map(|e| (e.action == "dossier.rekey").then_some(e.after))
        .collect();
    assert_eq!(modes.len(), 3);
    drop(d);
    assert!(matches!(Dossier::open(&path, &pass2), Err(StoreError::CannotDecrypt(_))));
    assert_eq!(contents(&Dossier::open(&path, &keyring).unwrap()), before);
}

#[test]
fn a_headless_key_rotates_to_another_and_not_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = create(dir.path(), &env_key(7));
    let d = Dossier::open(&path, &env_key(7)).unwrap();
    let before = contents(&d);
    let d = match d.rekey(&env_key(7), &env_key(7), now()) {
        Err(StoreError::Invalid(m)) => {
            assert!(m.contains("current key"));
            Dossier::open(&path, &env_key(7)).unwrap()
        }
        other => panic!("rotating to the same key must be refused: {other:?}"),
    };
    drop(d.rekey(&env_key(7), &env_key(8), now()).unwrap());
    assert!(matches!(Dossier::open(&path, &env_key(7)), Err(StoreError::CannotDecrypt(_))));
    assert_eq!(contents(&Dossier::open(&path, &env_key(8)).unwrap()), before);
}
