//! `encours backup`, `export all`, `client export|anonymise`, `retention run` run as a script
//! would run them (issue 12 §2, §4).

mod common;

use std::path::Path;
use std::process::Command;

use common::{encours, json, ok, KEY};

fn demo(dir: &Path) -> std::path::PathBuf {
    let d = dir.join("d.encours");
    ok(&encours(&d, &["demo", "--clients", "20", "--invoices", "400"]));
    d
}

#[test]
fn backup_create_list_restore_and_a_refused_damaged_backup() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let created = json(&d, &["backup", "create", "--json"]);
    let file = created["path"].as_str().unwrap().to_owned();
    assert_eq!(created["manifest"]["counts"]["clients"], 20);
    let list = json(&d, &["backup", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["path"], file.as_str());

    // Restore needs no --dossier and never overwrites.
    let restore = |to: &Path, from: &str| {
        Command::new(env!("CARGO_BIN_EXE_encours"))
            .args(["backup", "restore", from, "--to"])
            .arg(to)
            .env("ENCOURS_KEY_HEX", KEY)
            .output()
            .unwrap()
    };
    let target = dir.path().join("back.encours");
    assert!(ok(&restore(&target, &file)).contains("restored"));
    let status = json(&target, &["status", "--json"]);
    assert_eq!(status["clients"], 20);
    assert_eq!(status["integrity"], "ok");
    let again = restore(&target, &file);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));

    // A truncated copy (with its manifest) is refused, naming the file.
    let bytes = std::fs::read(&file).unwrap();
    let cut = dir.path().join("cut.encours-backup");
    std::fs::write(&cut, &bytes[..bytes.len() - 4096]).unwrap();
    std::fs::copy(format!("{file}.manifest.json"), format!("{}.manifest.json", cut.display())).unwrap();
    let o = restore(&dir.path().join("cut.encours"), cut.to_str().unwrap());
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cut.encours-backup") && err.contains("truncated"), "{err}");
}

#[test]
fn export_all_client_export_anonymise_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let out = dir.path().join("export");
    let text = ok(&encours(&d, &["export", "all", "--format", "csv", "--to", out.to_str().unwrap()]));
    assert!(text.contains("clients              20"), "{text}");
    let clients = std::fs::read_to_string(out.join("clients.csv")).unwrap();
    assert!(clients.trim_start_matches('\u{feff}').starts_with("id;name;siren;"));
    // The existing export still works beside it.
    assert!(ok(&encours(&d, &["export", "--out", dir.path().join("old").to_str().unwrap()])).contains("20 clients"));

    let access = dir.path().join("c2.json");
    ok(&encours(&d, &["client", "export", "2", "--to", access.to_str().unwrap()]));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&access).unwrap()).unwrap();
    let name = v["tables"]["clients"][0]["name"].as_str().unwrap().to_owned();

    let refused = encours(&d, &["client", "anonymise", "2"]);
    assert_eq!(refused.status.code(), Some(2), "without --confirm: refused as invalid input");
    assert!(ok(&encours(&d, &["client", "anonymise", "2", "--confirm"])).contains("ANON-000002"));
    let v = json(&d, &["retention", "run", "--as-of", "2040-01-01", "--dry-run", "--json"]);
    assert_eq!(v["years"], 6);
    assert!(v["candidates"].as_array().unwrap().iter().all(|c| c["client_id"] != 2), "already anonymised");
    ok(&encours(&d, &["client", "export", "2", "--to", access.to_str().unwrap()]));
    let text = std::fs::read_to_string(&access).unwrap();
    assert!(!text.contains(&name), "the access export after anonymisation no longer names {name}");
}

#[test]
fn the_backup_policy_and_the_scheduled_backup_and_the_retention_margin() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let folder = dir.path().join("vault");
    let text =
        ok(&encours(&d, &["backup", "policy", "--keep", "2", "--every-days", "7", "--dir", folder.to_str().unwrap()]));
    assert!(text.contains("keep 2 generations, a backup every 7 days"), "{text}");
    // Due (none yet), then not due the same week, then due a week later; two generations kept.
    assert!(ok(&common::encours_on(&d, "2026-11-23", &["backup", "auto"])).contains("backup "));
    assert!(ok(&common::encours_on(&d, "2026-11-26", &["backup", "auto"])).contains("no backup due"));
    assert!(ok(&common::encours_on(&d, "2026-11-30", &["backup", "auto"])).contains("backup "));
    let third = ok(&common::encours_on(&d, "2026-12-07", &["backup", "auto"]));
    assert!(third.contains("pruned"), "{third}");
    assert_eq!(json(&d, &["backup", "list", "--json"]).as_array().unwrap().len(), 2);
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 4, "two backups and their manifests");

    assert!(ok(&encours(&d, &["retention", "margin", "2"])).contains("5 years of prescription + 2 years"));
    assert_eq!(json(&d, &["retention", "run", "--dry-run", "--json"])["years"], 7);
}
