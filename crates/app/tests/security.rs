//! Lock and unlock, key rotation and the audit check through the app surface.

use std::sync::Arc;

use chrono::NaiveDateTime;
use encours_app::security::{self, LockState, Zeroizing};
use encours_app::{ErrorCode, KeySource};
use encours_store::keys::{KdfParams, MemorySecrets, Passphrase};

fn now() -> NaiveDateTime {
    "2026-11-24T10:00:00".parse().unwrap()
}

fn small_passphrase(s: &str) -> KeySource {
    KeySource::Passphrase(Passphrase::with_params(Zeroizing::new(s.to_owned()), KdfParams::new(1024, 1, 1)))
}

#[test]
fn locking_closes_the_dossier_and_unlocking_reopens_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.encours");
    let keys = KeySource::Secrets(Arc::new(MemorySecrets::new()));
    let d = encours_app::create_dossier(&path, "552081317", "ACME", &keys, now()).unwrap();
    let state = LockState::default();
    let mut slot = Some(d);
    assert_eq!(security::lock(&mut slot, &state), Some(path.clone()));
    assert!(slot.is_none(), "the dossier is closed");
    assert_eq!(state.locked(), Some(path.clone()));
    // Locking again (inactivity after a manual lock) keeps the lock.
    assert_eq!(security::lock(&mut slot, &state), Some(path.clone()));

    let d = security::unlock(&state, &keys, None).unwrap();
    assert_eq!(d.company().unwrap().name, "ACME");
    assert_eq!(state.locked(), None);
    let e = security::unlock(&state, &keys, None).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoDossierOpen);
}

#[test]
fn a_wrong_passphrase_leaves_the_dossier_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.encours");
    let pass = small_passphrase("correct horse battery staple");
    let d = encours_app::create_dossier(&path, "552081317", "ACME", &pass, now()).unwrap();
    let state = LockState::default();
    let mut slot = Some(d);
    security::lock(&mut slot, &state);
    // (`unlock` with a passphrase string uses the default Argon2id parameters; the small test
    // parameters are given as the key source instead.)
    let wrong = small_passphrase("correct horse battery stapler");
    let e = security::unlock(&state, &wrong, None).unwrap_err();
    assert_eq!(e.code, ErrorCode::WrongKey);
    assert_eq!(state.locked(), Some(path.clone()), "still locked");
    assert!(security::unlock(&state, &pass, None).is_ok());
}

#[test]
fn rotation_and_audit_check_through_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.encours");
    let secrets = Arc::new(MemorySecrets::new());
    let keys = KeySource::Secrets(secrets.clone());
    let d = encours_app::create_dossier(&path, "552081317", "ACME", &keys, now()).unwrap();
    let first = security::verify_audit(&d, None).unwrap();
    assert!(first.ok);
    assert_eq!((first.entries, first.head_seq), (1, 1));
    let d = security::rotate_key(d, &keys, &keys, now()).unwrap();
    let v = security::verify_audit(&d, Some((first.head_seq, &first.head_hash))).unwrap();
    assert!(v.ok, "{}", v.message);
    assert_eq!(v.expected_head_found, Some(true));
    assert_eq!(v.entries, 2);
    let v = security::verify_audit(&d, Some((1, &"ab".repeat(32)))).unwrap();
    assert!(!v.ok, "a head the journal does not hold fails the check");
    assert_eq!(security::audit_log(&d, 10).unwrap()[0].action, "dossier.rekey");
    assert!(security::parse_head("3:abc").is_err());
    assert_eq!(security::parse_head(&format!("3:{}", "AB".repeat(32))).unwrap(), (3, "ab".repeat(32)));
}
