//! `encours dispute`: a corpus 207 En litige opens a dispute (list, show); a dispute opened by
//! hand gets a file, a task and a note, is resolved, and exports as one PDF.

mod common;

use std::path::{Path, PathBuf};

use common::{encours, json, ok};

fn corpus() -> PathBuf {
    let p = std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    assert!(p.is_dir(), "the shared corpus must sit beside the repository at {}", p.display());
    p
}

fn corpus_file(rel: &str) -> String {
    corpus().join(rel).to_str().unwrap().to_owned()
}

#[test]
fn a_207_lists_as_a_dispute_and_one_opened_by_hand_is_documented_resolved_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("l.encours");
    ok(&encours(&d, &["init", "--siren", "552081317", "--name", "Litiges SAS"]));
    ok(&encours(&d, &["import", &corpus_file("facturx/UC4_F202500006_00-INV_20250701.pdf")]));
    ok(&encours(&d, &["import", &corpus_file("lifecycle/UC4_F202500006_04-CDV-207_En_litige.xml")]));

    let list = json(&d, &["dispute", "list", "--json"]);
    let first = &list["disputes"][0];
    assert_eq!(first["statusCode"], 207);
    assert_eq!(first["reason"], "vat");
    assert_eq!(first["reasonCode"], "TX_TVA_ERR");
    assert_eq!(first["actionCode"], "NIN");
    assert_eq!(list["kpis"]["total"]["open"], 1);
    let id = first["id"].as_i64().unwrap().to_string();
    let text = ok(&encours(&d, &["dispute", "show", &id]));
    assert!(text.contains("TX_TVA_ERR") && text.contains("[status] statut 207"), "{text}");

    // Resolve the platform's dispute (claim rejected), then open one by hand on the same invoice.
    ok(&encours(&d, &["dispute", "resolve", &id, "--outcome", "rejected", "--note", "taux justifié"]));
    let opened = json(
        &d,
        &[
            "dispute",
            "open",
            "--invoice",
            "F202500006",
            "--reason",
            "quantity",
            "--amount",
            "50",
            "--note",
            "manque",
            "--json",
        ],
    );
    let manual = opened["summary"]["id"].as_i64().unwrap().to_string();
    assert_eq!(opened["summary"]["disputed"], "50.00");

    let bad = encours(&d, &["dispute", "open", "--invoice", "F202500006", "--reason", "météo"]);
    assert_eq!(bad.status.code(), Some(2), "invalid input");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown dispute reason"));

    let photo = dir.path().join("palette.jpg");
    std::fs::write(&photo, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
    let attached = json(&d, &["dispute", "attach", &manual, photo.to_str().unwrap(), "--note", "photo", "--json"]);
    assert_eq!(attached["mediaType"], "image/jpeg");
    let evidence = attached["id"].as_i64().unwrap().to_string();
    let back = dir.path().join("back.jpg");
    ok(&encours(&d, &["dispute", "evidence", &evidence, "--out", back.to_str().unwrap()]));
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&photo).unwrap());

    ok(&encours(
        &d,
        &[
            "dispute",
            "task",
            &manual,
            "--title",
            "Relancer le transporteur",
            "--owner",
            "Claire",
            "--due",
            "2026-11-30",
        ],
    ));
    ok(&encours(&d, &["dispute", "note", &manual, "appel du client", "--kind", "call"]));
    let resolved = json(&d, &["dispute", "resolve", &manual, "--outcome", "rejected", "--json"]);
    assert_eq!(resolved["summary"]["state"], "resolved");
    let kinds: Vec<&str> =
        resolved["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["opened", "evidence", "task", "call", "resolved"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }

    let pdf = dir.path().join("litige.pdf");
    let out = ok(&encours(&d, &["dispute", "export", &manual, "--out", pdf.to_str().unwrap()]));
    assert!(out.contains("1 evidence file(s), 0 PDF appended"), "{out}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

    let open = json(&d, &["dispute", "list", "--state", "open", "--json"]);
    assert_eq!(open["disputes"].as_array().unwrap().len(), 0);
}
