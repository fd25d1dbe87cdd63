//! The `encours` binary, run as a user runs it, on real encrypted dossiers.

mod common;

use common::encours;

use std::path::Path;
use std::process::{Command, Output};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn demo_then_status_json_on_an_encrypted_dossier() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("demo.encours");
    let demo = encours(&d, &["demo", "--clients", "40", "--invoices", "1500"]);
    assert!(demo.status.success(), "demo failed: {}", stderr(&demo));

    let status = encours(&d, &["status", "--json"]);
    assert!(status.status.success(), "status failed: {}", stderr(&status));
    let json: serde_json::Value = serde_json::from_str(&stdout(&status)).expect("status --json prints JSON");
    assert_eq!(json["clients"], 40);
    assert_eq!(json["invoices"], 1500);
    assert_eq!(json["integrity"], "ok");
    let open = json["open_balance"].as_str().expect("open_balance is a decimal string, not a number");
    let overdue = json["overdue_balance"].as_str().expect("overdue_balance is a decimal string");
    let open: rust_decimal::Decimal = open.parse().unwrap();
    let overdue: rust_decimal::Decimal = overdue.parse().unwrap();
    assert!(open > rust_decimal::Decimal::ZERO, "a demo portfolio has money open");
    assert!(overdue > rust_decimal::Decimal::ZERO && overdue < open, "part of it is overdue: {overdue} of {open}");
    assert_eq!(open.scale(), 2, "amounts are printed to the cent");

    // The file on disk: encrypted, no SQLite header, no client name in clear.
    let bytes = std::fs::read(&d).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"), "the dossier has no SQLite header");
    let export = encours(&d, &["export"]);
    assert!(export.status.success(), "export failed: {}", stderr(&export));
    let csv = stdout(&export);
    let first_client =
        csv.lines().nth(1).expect("a client row").split(',').nth(1).unwrap().trim_matches('"').to_owned();
    assert!(first_client.len() > 5, "a real client name: {first_client:?}");
    for name in [first_client.as_str(), "Atelier Démo Lumière"] {
        let needle = name.as_bytes();
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "{name:?} must not appear in clear in the file");
    }
    let wal = std::fs::read(dir.path().join("demo.encours-wal")).unwrap_or_default();
    let needle = first_client.as_bytes();
    assert!(!wal.windows(needle.len()).any(|w| w == needle), "nor in the write-ahead log");

    // The SQLite command-line tool cannot read it.
    let sqlite =
        Command::new("sqlite3").arg(&d).arg(".tables").output().expect("sqlite3 is installed (.ci/run installs it)");
    assert!(!sqlite.status.success(), "sqlite3 must fail on an encrypted dossier: {}", stdout(&sqlite));
    assert!(stderr(&sqlite).contains("not a database"), "sqlite3 says: {}", stderr(&sqlite));
}

#[test]
fn same_seed_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let status = |name: &str| {
        let d = dir.path().join(name);
        assert!(encours(&d, &["demo", "--seed", "7", "--clients", "15", "--invoices", "300"]).status.success());
        let s: serde_json::Value = serde_json::from_str(&stdout(&encours(&d, &["status", "--json"]))).unwrap();
        (s["open_balance"].clone(), s["overdue_balance"].clone(), s["clients"].clone())
    };
    assert_eq!(status("a.encours"), status("b.encours"), "the demo is deterministic for a seed and a date");
}

#[test]
fn export_writes_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("x.encours");
    assert!(encours(&d, &["demo", "--clients", "10", "--invoices", "200"]).status.success());
    let out = dir.path().join("export");
    let o = encours(&d, &["export", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let clients = std::fs::read_to_string(out.join("clients.csv")).unwrap();
    let items = std::fs::read_to_string(out.join("open-items.csv")).unwrap();
    assert!(clients.starts_with(
        "id,name,siren,siret,vat,naf,segment,owner,postcode,city,currency,open_balance,overdue_balance\n"
    ));
    assert_eq!(clients.lines().count(), 11, "header + 10 clients");
    assert!(items.starts_with("invoice_id,number,type_code,kind,client_id,client_name,issue_date,due_date,currency,amount,outstanding,days_overdue,last_status,source\n"));
    assert!(items.lines().count() > 1, "a demo has open items");
    assert!(items.contains("demo:seed=42"), "each open item names its source");
    let leftovers: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left: {leftovers:?}");
}

#[test]
fn init_creates_an_empty_dossier_and_refuses_a_bad_siren() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("acme.encours");
    let bad = encours(&d, &["init", "--siren", "552081318", "--name", "ACME"]);
    assert_eq!(bad.status.code(), Some(2), "invalid input exits with 2");
    assert!(stderr(&bad).contains("SIREN"), "the message names the problem: {}", stderr(&bad));
    assert!(!d.exists(), "nothing is written on a refused init");

    let ok = encours(&d, &["init", "--siren", "552 081 317", "--name", "ACME Industrie"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let s: serde_json::Value = serde_json::from_str(&stdout(&encours(&d, &["status", "--json"]))).unwrap();
    assert_eq!((s["clients"].as_u64(), s["open_balance"].as_str()), (Some(0), Some("0.00")));
    assert_eq!(s["company"]["siren"], "552081317");

    let again = encours(&d, &["init", "--siren", "552081317", "--name", "ACME"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
}

#[test]
fn errors_are_one_clear_line_with_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.encours");
    let o = encours(&missing, &["status"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.contains("nowhere.encours"), "names the file: {err}");

    // A dossier opened with another key.
    let d = dir.path().join("k.encours");
    assert!(encours(&d, &["init", "--siren", "552081317", "--name", "K"]).status.success());
    let other_key = Command::new(env!("CARGO_BIN_EXE_encours"))
        .args(["--dossier", d.to_str().unwrap(), "status"])
        .env("ENCOURS_KEY_HEX", "00".repeat(32))
        .output()
        .unwrap();
    assert_eq!(other_key.status.code(), Some(1));
    let err = stderr(&other_key);
    assert!(err.contains("cannot decrypt") && err.contains("k.encours"), "{err}");
    assert_eq!(err.lines().count(), 1, "SQLCipher's own logging is silenced: {err:?}");

    // A malformed key variable is an error, never a fallback.
    let bad_key = Command::new(env!("CARGO_BIN_EXE_encours"))
        .args(["--dossier", d.to_str().unwrap(), "status"])
        .env("ENCOURS_KEY_HEX", "abc")
        .output()
        .unwrap();
    assert!(!bad_key.status.success());
    assert!(stderr(&bad_key).contains("64 hexadecimal digits"), "{}", stderr(&bad_key));

    // The demo refuses a dossier that already has clients.
    let full = dir.path().join("full.encours");
    assert!(encours(&full, &["demo", "--clients", "3", "--invoices", "10"]).status.success());
    let twice = encours(&full, &["demo", "--clients", "3", "--invoices", "10"]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(stderr(&twice).contains("already has clients"), "{}", stderr(&twice));
}

#[test]
fn without_keyring_and_without_the_variable_the_error_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("nokey.encours");
    // No session bus and no ENCOURS_KEY_HEX: the Secret Service cannot be reached.
    let o = Command::new(env!("CARGO_BIN_EXE_encours"))
        .args(["--dossier", d.to_str().unwrap(), "init", "--siren", "552081317", "--name", "X"])
        .env_remove("ENCOURS_KEY_HEX")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/encours-test-bus")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert!(!o.status.success(), "no silent fallback to an unprotected key: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("keyring") && err.contains("ENCOURS_KEY_HEX"), "{err}");
    assert!(!d.exists(), "nothing written");
}

fn corpus_files(folder: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(folder);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| !p.ends_with(".tsv"))
        .collect();
    files.sort();
    files
}

fn inspect(kind: &str, files: &[String]) -> Vec<serde_json::Value> {
    let out =
        Command::new(env!("CARGO_BIN_EXE_encours")).args([kind, "inspect", "--json"]).args(files).output().unwrap();
    assert!(out.status.success(), "{kind} inspect: {}", stderr(&out));
    serde_json::from_str::<Vec<serde_json::Value>>(&stdout(&out)).expect("a JSON array")
}

#[test]
fn bank_and_lifecycle_inspect_print_one_object_per_file_in_argument_order_without_a_dossier() {
    for (kind, folder) in [("bank", "bank"), ("lifecycle", "lifecycle")] {
        let mut files = corpus_files(folder);
        files.reverse();
        let values = inspect(kind, &files);
        assert_eq!(values.len(), files.len());
        for (v, f) in values.iter().zip(&files) {
            assert_eq!(v["file"].as_str(), Some(f.as_str()), "file as given, in order");
            let name = Path::new(f).file_name().unwrap().to_string_lossy().into_owned();
            let truth_path =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/truth").join(format!("{name}.json"));
            let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(truth_path).unwrap()).unwrap();
            assert_eq!(v.get("error").is_some(), truth.get("error").is_some(), "{name}: {v}");
            if kind == "bank" && v.get("error").is_none() {
                let entries: usize =
                    v["statements"].as_array().unwrap().iter().map(|s| s["entries"].as_array().unwrap().len()).sum();
                // camt.054 truths list "reports" (notifications) where camt.053 ones list "statements".
                let truth_entries: usize = truth
                    .get("statements")
                    .or_else(|| truth.get("reports"))
                    .and_then(|s| s.as_array())
                    .map(|a| a.iter().map(|s| s["entries"].as_array().map_or(0, |e| e.len())).sum())
                    .unwrap_or(0);
                assert_eq!(entries, truth_entries, "{name}: as many entries as the truth");
            }
            if kind == "lifecycle" {
                let code = v["statuses"][0]["code"].as_str().unwrap();
                assert!(name.contains(&format!("CDV-{code}")), "{name}: status {code}");
            }
        }
    }
}
