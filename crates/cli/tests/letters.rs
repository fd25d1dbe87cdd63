//! `encours letter KIND --sample --out FILE` on a demo dossier, as a user runs it: each of the five
//! documents is written, and its text (pdftotext) carries the company's address and IBAN, the
//! amount the command printed and the document's mandatory mentions; `encours settings company`
//! shows and changes the letterhead, refusing a wrong IBAN.

mod common;

use std::path::Path;
use std::process::Command;

use common::{encours_on, ok};

/// A date the shipped rate tables cover (they end with 2026 H1).
const JUNE: &str = "2026-06-22";

fn compact_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext").arg(pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}').collect()
}

#[test]
fn each_document_is_generated_for_a_sample_client_with_the_company_the_amount_and_its_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("l.encours");
    ok(&encours_on(&d, JUNE, &["demo", "--clients", "40", "--invoices", "2000"]));
    let cases: [(&str, &[&str]); 5] = [
        ("reminder", &["L441-10", "D441-5"]),
        ("demeure", &["1344", "L441-10", "D441-5"]),
        ("statement", &["elevé"]),
        ("injonction", &["12946", "ordereau"]),
        ("declaration", &["622-2"]),
    ];
    for (kind, mentions) in cases {
        let out = dir.path().join(format!("{kind}.pdf"));
        let json = ok(&encours_on(
            &d,
            JUNE,
            &["letter", kind, "--sample", "--out", out.to_str().unwrap(), "--as-of", JUNE, "--json"],
        ));
        let g: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(g["path"], out.to_str().unwrap());
        let text = compact_text(&out);
        for needle in ["12ruedesLumières", "69002Lyon", "CamilleMartin"] {
            assert!(text.contains(needle), "{kind}: {needle} missing:\n{text}");
        }
        // The documents that ask the client to pay carry the bank details (the court request and
        // the declaration to the mandataire do not).
        if matches!(kind, "reminder" | "demeure" | "statement") {
            assert!(text.contains("FR7630006000011234567890189"), "{kind}: IBAN missing:\n{text}");
        }
        let amount = g["amount"].as_str().unwrap().replace('.', ",");
        assert!(text.contains(&amount), "{kind}: amount {amount} missing:\n{text}");
        for m in mentions {
            assert!(text.contains(m), "{kind}: mention {m} missing:\n{text}");
        }
    }
}

#[test]
fn company_settings_show_change_and_refuse_a_wrong_iban_and_letters_name_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("c.encours");
    ok(&encours_on(&d, JUNE, &["init", "--siren", "552081317", "--name", "ACME"]));
    let shown = ok(&encours_on(&d, JUNE, &["settings", "company"]));
    assert!(shown.contains("missing for letters"), "{shown}");

    let bad = encours_on(&d, JUNE, &["settings", "company", "--set", "iban=FR7630006000011234567890188"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("IBAN"));

    let set = ok(&encours_on(
        &d,
        JUNE,
        &[
            "settings",
            "company",
            "--set",
            "address=5 quai Perrache",
            "--set",
            "postcode=69002",
            "--set",
            "city=Lyon",
            "--set",
            "iban=FR76 3000 6000 0112 3456 7890 189",
            "--set",
            "signatory=Jeanne Petit",
            "--set",
            "town=Lyon",
        ],
    ));
    assert!(set.contains("FR7630006000011234567890189") && !set.contains("missing for letters"), "{set}");
    // The SMTP and SMS settings still answer under `settings`.
    ok(&encours_on(&d, JUNE, &["settings", "show"]));

    // No client: the letter says what does not apply.
    let none = encours_on(&d, JUNE, &["letter", "statement", "--client", "1", "--out", "x.pdf"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no client 1"), "{}", String::from_utf8_lossy(&none.stderr));
}
