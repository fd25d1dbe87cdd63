//! `encours settings` and the send side of dunning, run as a user runs them: settings are checked,
//! stored in the dossier without secrets, and shown back.

use std::path::Path;
use std::process::{Command, Output};

const KEY: &str = "5b4b5c6d7e8f90a13a4b5c6d7e8f90a13a4b5c6d7e8f90a13a4b5c6d7e8f90a2";

fn encours(dossier: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_encours"))
        .arg("--dossier")
        .arg(dossier)
        .args(["--today", "2026-11-23"])
        .args(args)
        .env("ENCOURS_KEY_HEX", KEY)
        .env_remove("ENCOURS_SMTP_PASSWORD")
        .output()
        .expect("the encours binary runs")
}

#[test]
fn smtp_settings_are_checked_stored_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("s.encours");
    let init = encours(&d, &["init", "--siren", "100000009", "--name", "Atelier Test SAS"]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));

    // Clear text is refused for a remote host only when sending; a bad mode is refused at once.
    let bad = encours(&d, &["settings", "smtp", "--host", "smtp.example.fr", "--security", "ssl3", "--from", "a@b.fr"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected starttls, tls or plain-local"));

    let set = encours(
        &d,
        &["settings", "smtp", "--host", "127.0.0.1", "--security", "plain-local", "--from", "relances@test.fr"],
    );
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    let out = String::from_utf8_lossy(&set.stdout);
    assert!(out.contains("SMTP: 127.0.0.1:25 (plain-local), no authentication"), "{out}");

    let show = encours(&d, &["settings", "show", "--json"]);
    assert!(show.status.success(), "{}", String::from_utf8_lossy(&show.stderr));
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["smtp"]["host"], "127.0.0.1");
    assert_eq!(v["smtp"]["port"], 25, "the default port of the mode");
    assert_eq!(v["smtp"]["fromAddress"], "relances@test.fr");
    assert_eq!(v["smtp"]["hasPassword"], false);
    assert!(v["sms"].is_null());
}
