//! `encours report`, run as a user runs it on a demo dossier.

mod common;

use common::{encours, ok, TODAY};

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
