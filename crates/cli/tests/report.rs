//! `encours report`, run as a user runs it on a demo dossier.

mod common;

use common::{encours, ok, TODAY};
use rust_decimal::Decimal;

#[test]
fn every_report_prints_writes_csv_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("r.encours");
    ok(&encours(&d, &["demo", "--clients", "30", "--invoices", "1500"]));

    // Text.
    let text = ok(&encours(&d, &["report", "aging"]));
    assert!(text.contains("== aging-by-client =="), "{text}");
    assert!(text.contains("== aging-by-owner =="));
    assert!(text.contains("Non échu"));

    // JSON: the aged balance's total equals the summary's open items, and an earlier date differs.
    let json: serde_json::Value = serde_json::from_str(&ok(&encours(&d, &["report", "aging", "--json"]))).unwrap();
    assert_eq!(json["asOf"], TODAY);
    let status: serde_json::Value = serde_json::from_str(&ok(&encours(&d, &["status", "--json", "--quick"]))).unwrap();
    assert_eq!(json["byClient"]["netBalance"], status["open_balance"], "net balance = the summary's open balance");
    let before: serde_json::Value =
        serde_json::from_str(&ok(&encours(&d, &["report", "aging", "--as-of", "2026-06-30", "--json"]))).unwrap();
    assert_eq!(before["asOf"], "2026-06-30");
    assert_ne!(before["byClient"]["total"], json["byClient"]["total"]);

    for report in ["dso", "forecast", "compliance"] {
        let v: serde_json::Value = serde_json::from_str(&ok(&encours(&d, &["report", report, "--json"]))).unwrap();
        assert_eq!(v["asOf"], TODAY, "{report}");
    }
    let dso: serde_json::Value = serde_json::from_str(&ok(&encours(&d, &["report", "dso", "--json"]))).unwrap();
    assert_eq!(dso["months"].as_array().unwrap().len(), 24);
    let forecast: serde_json::Value =
        serde_json::from_str(&ok(&encours(&d, &["report", "forecast", "--json"]))).unwrap();
    assert_eq!(forecast["weeks"].as_array().unwrap().len(), 13);

    // CSV: one file per table, no temporary file left.
    let csv = dir.path().join("aging.csv");
    let out = ok(&encours(&d, &["report", "aging", "--buckets", "30,60,90,120", "--csv", csv.to_str().unwrap()]));
    assert_eq!(out.lines().count(), 4, "{out}");
    let by_client = std::fs::read_to_string(&csv).unwrap();
    assert!(by_client.starts_with("key,label,items,Non échu,1–30 j,31–60 j,61–90 j,91–120 j,> 120 j,total,"));
    assert!(dir.path().join("aging-aging-by-owner.csv").exists());

    // XLSX with the compliance tables and a declared liquidation.
    let xlsx = dir.path().join("compliance.xlsx");
    let out = ok(&encours(
        &d,
        &["report", "compliance", "--insolvent", "3:liquidation:2026-10-01", "--xlsx", xlsx.to_str().unwrap()],
    ));
    assert!(out.contains("4 sheets"), "{out}");
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Bad input: one line, exit 2.
    let bad = encours(&d, &["report", "aging", "--buckets", "60,30"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = encours(&d, &["report", "compliance", "--insolvent", "x"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("CLIENT:KIND:DATE"));
}

/// `encours writeoff`: the invoice's open amount leaves the aged balance on the date, the
/// compliance report lists it with its VAT (CGI 272), the bad-debt ratio's note names the amount,
/// the audit journal records it, and a second write-off of the same invoice is refused.
#[test]
fn a_write_off_leaves_the_open_balance_and_shows_in_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("w.encours");
    ok(&encours(&d, &["demo", "--clients", "30", "--invoices", "1500"]));
    let items = common::json(&d, &["items", "--overdue", "--json"]);
    let item = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] != "credit_note" && i["number"].as_str().is_some_and(|n| !n.is_empty()))
        .cloned()
        .expect("an overdue invoice");
    let number = item["number"].as_str().unwrap();
    let aging = common::json(&d, &["report", "aging", "--json"]);
    let open = |v: &serde_json::Value| v["byClient"]["total"]["total"].as_str().unwrap().parse::<Decimal>().unwrap();

    let w = common::json(
        &d,
        &["writeoff", number, "--date", TODAY, "--reason", "Clôture pour insuffisance d'actif", "--json"],
    );
    assert_eq!(w["number"], number);
    assert_eq!(w["writtenOn"], TODAY);
    let amount = w["amount"].as_str().unwrap();
    let after = common::json(&d, &["report", "aging", "--json"]);
    assert_eq!(open(&aging) - open(&after), amount.parse::<Decimal>().unwrap());

    let compliance = common::json(&d, &["report", "compliance", "--json"]);
    let listed = compliance["irrecoverable"].as_array().unwrap();
    assert!(listed.iter().any(|i| i["number"] == number && i["vat"] == w["vat"]), "{listed:?}");
    let dashboard = common::json(&d, &["report", "dso", "--json"]);
    let notes = dashboard["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n.as_str().unwrap().contains(&format!("({amount} €)"))), "{notes:?}");
    assert!(dashboard["keyFigures"]["badDebtPercent"].is_string());

    let again = encours(&d, &["writeoff", number, "--date", TODAY, "--reason", "encore"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing is open"), "{again:?}");
    let unknown = encours(&d, &["writeoff", "NOPE-1", "--reason", "x"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no invoice numbered"), "{unknown:?}");
}
