//! `encours audit verify|log`, `encours key rotate|status` and passphrase mode, run as a script would.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{encours, json, ok, KEY, TODAY};

fn init(dossier: &Path) {
    ok(&encours(dossier, &["init", "--siren", "552081317", "--name", "ACME Industrie"]));
}

/// `encours --dossier D ARGS…` with the given environment (no ENCOURS_KEY_HEX unless given).
fn run_with(dossier: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_encours"));
    c.arg("--dossier").arg(dossier).args(["--today", TODAY]).args(args).env_remove("ENCOURS_KEY_HEX");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the encours binary runs")
}

#[test]
fn audit_verify_reports_ok_and_the_log_lists_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("acme.encours");
    init(&d);
    let v = json(&d, &["audit", "verify", "--json"]);
    assert_eq!(v["ok"], true);
    assert_eq!(v["entries"], 1);
    let head = format!("{}:{}", v["headSeq"], v["headHash"].as_str().unwrap());
    let text = ok(&encours(&d, &["audit", "verify", "--expect", &head]));
    assert!(text.contains("ok: 1 entries chain"), "{text}");
    let log = json(&d, &["audit", "log", "--json"]);
    assert_eq!(log[0]["action"], "dossier.create");
    assert!(ok(&encours(&d, &["audit", "log"])).contains("dossier.create"));
}

#[cfg(not(windows))]
#[test]
fn audit_verify_says_where_an_edited_row_breaks_the_chain_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("acme.encours");
    init(&d);
    // A few more journal entries: re-keying to another headless key and back writes them.
    let other = "ab".repeat(32);
    ok(&run_with(&d, &[("ENCOURS_KEY_HEX", KEY), ("NEW", &other)], &["key", "rotate", "--new-key-env", "NEW"]));
    ok(&run_with(&d, &[("ENCOURS_KEY_HEX", &other), ("NEW", KEY)], &["key", "rotate", "--new-key-env", "NEW"]));
    assert_eq!(json(&d, &["audit", "verify", "--json"])["entries"], 3);
    let conn = rusqlite::Connection::open(&d).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{KEY}'\"; DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET actor = 'mallory' WHERE seq = 2;"
    ))
    .unwrap();
    drop(conn);
    let o = encours(&d, &["audit", "verify", "--json"]);
    assert_eq!(o.status.code(), Some(1), "a broken journal is a failure");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["breakKind"], "edited");
    assert_eq!(v["breakSeq"], 2);
    assert_eq!(v["verified"], 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("entry 2 was edited"));
}

#[test]
fn a_headless_key_rotates_and_the_old_key_no_longer_opens() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("acme.encours");
    init(&d);
    let new = "5c".repeat(32);
    let o =
        run_with(&d, &[("ENCOURS_KEY_HEX", KEY), ("NEW_KEY", &new)], &["key", "rotate", "--new-key-env", "NEW_KEY"]);
    assert!(ok(&o).contains("environment → environment"));
    let old = encours(&d, &["status", "--quick"]);
    assert!(!old.status.success());
    assert!(String::from_utf8_lossy(&old.stderr).contains("cannot decrypt"));
    let s = ok(&run_with(&d, &[("ENCOURS_KEY_HEX", &new)], &["status", "--json"]));
    assert!(s.contains("ACME Industrie"));
    // Without the new key variable the rotation explains what it needs.
    let o = run_with(&d, &[("ENCOURS_KEY_HEX", &new)], &["key", "rotate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--new-key-env"));
}

#[test]
fn a_passphrase_dossier_is_opened_from_an_environment_variable_or_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("acme.encours");
    let pass = [("ENCOURS_PASS", "un cheval blanc au galop")];
    ok(&run_with(
        &d,
        &pass,
        &["--passphrase-env", "ENCOURS_PASS", "init", "--siren", "552081317", "--name", "ACME Industrie"],
    ));
    let s = ok(&run_with(&d, &pass, &["--passphrase-env", "ENCOURS_PASS", "key", "status"]));
    assert!(s.contains("key from the passphrase"), "{s}");
    // A wrong passphrase, and the headless key, open nothing.
    let wrong =
        run_with(&d, &[("ENCOURS_PASS", "un cheval blanc au pas")], &["--passphrase-env", "ENCOURS_PASS", "status"]);
    assert!(!wrong.status.success());
    assert!(!encours(&d, &["status", "--quick"]).status.success());
    // Standard input: the current passphrase, then the new one.
    let mut child = Command::new(env!("CARGO_BIN_EXE_encours"))
        .arg("--dossier")
        .arg(&d)
        .args(["--passphrase-stdin", "key", "rotate", "--new-passphrase-stdin"])
        .env_remove("ENCOURS_KEY_HEX")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"un cheval blanc au galop\ndeux chevaux noirs au pas\n").unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert!(ok(&o).contains("passphrase → passphrase"));
    let new = [("ENCOURS_PASS", "deux chevaux noirs au pas")];
    assert!(ok(&run_with(&d, &new, &["--passphrase-env", "ENCOURS_PASS", "status"])).contains("ACME Industrie"));
    // To a headless key, and the journal says so.
    let o = run_with(
        &d,
        &[("ENCOURS_PASS", "deux chevaux noirs au pas"), ("NEW_KEY", KEY)],
        &["--passphrase-env", "ENCOURS_PASS", "key", "rotate", "--to", "environment", "--new-key-env", "NEW_KEY"],
    );
    assert!(ok(&o).contains("passphrase → environment"));
    let log = json(&d, &["audit", "log", "--json", "--limit", "1"]);
    assert_eq!(log[0]["action"], "dossier.rekey");
    assert_eq!(log[0]["after"], r#"{"mode":"environment"}"#);
    assert_eq!(json(&d, &["audit", "verify", "--json"])["ok"], true);
}
