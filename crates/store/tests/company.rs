//! The company profile (migration 0010): kept, replaced, audited, logo capped.

use chrono::NaiveDateTime;
use encours_domain::Siren;
use encours_store::company::{self, Logo, LogoChange, MAX_LOGO_BYTES};
use encours_store::{Dossier, DossierKey, KeySource, StoreError};

fn keys() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"5a".repeat(32)).unwrap())
}

fn now() -> NaiveDateTime {
    "2026-11-23T10:00:00".parse().unwrap()
}

#[test]
fn the_profile_is_kept_replaced_and_every_change_is_audited_without_the_logo_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.encours");
    let mut d = Dossier::create(&path, &Siren::parse("552081317").unwrap(), "ACME", &keys(), now()).unwrap();
    assert!(company::profile(&d).unwrap().is_none());

    let first = serde_json::json!({ "town": "Lyon", "iban": "FR7630006000011234567890189" });
    let logo = Logo { media_type: "image/png".into(), bytes: vec![0x89, b'P', b'N', b'G', 1, 2, 3] };
    company::put_profile(&mut d, &first, &LogoChange::Set(logo.clone()), "user", now()).unwrap();
    let second = serde_json::json!({ "town": "Paris" });
    company::put_profile(&mut d, &second, &LogoChange::Keep, "user", now()).unwrap();

    let stored = company::profile(&d).unwrap().unwrap();
    assert_eq!(stored.profile, second);
    assert_eq!(stored.logo, Some(logo), "Keep leaves the logo");

    let journal = d.audit_entries(10).unwrap();
    let changes: Vec<_> = journal.iter().filter(|e| e.action == "company.profile").collect();
    assert_eq!(changes.len(), 2);
    let last = changes[0];
    assert!(last.before.as_deref().unwrap().contains("Lyon"), "{last:?}");
    assert!(last.after.as_deref().unwrap().contains("Paris"));
    assert!(last.after.as_deref().unwrap().contains(r#""size":7"#), "the logo is summarised: {last:?}");

    company::put_profile(&mut d, &second, &LogoChange::Remove, "user", now()).unwrap();
    assert_eq!(company::profile(&d).unwrap().unwrap().logo, None);
    drop(d);
    // Reopened: still there.
    let d = Dossier::open(&path, &keys()).unwrap();
    assert_eq!(company::profile(&d).unwrap().unwrap().profile, second);
}

#[test]
fn a_logo_too_large_or_not_an_image_is_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.encours");
    let mut d = Dossier::create(&path, &Siren::parse("552081317").unwrap(), "ACME", &keys(), now()).unwrap();
    let big = Logo { media_type: "image/png".into(), bytes: vec![0; MAX_LOGO_BYTES + 1] };
    let e = company::put_profile(&mut d, &serde_json::json!({}), &LogoChange::Set(big), "user", now()).unwrap_err();
    assert!(matches!(&e, StoreError::Invalid(m) if m.contains("KB")), "{e}");
    let gif = Logo { media_type: "image/gif".into(), bytes: vec![1] };
    let e = company::put_profile(&mut d, &serde_json::json!({}), &LogoChange::Set(gif), "user", now()).unwrap_err();
    assert!(e.to_string().contains("PNG or JPEG"), "{e}");
    assert!(company::profile(&d).unwrap().is_none());
}
