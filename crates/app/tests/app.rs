//! The application surface end to end on real dossiers (headless keys).

use chrono::NaiveDateTime;
use encours_app::{DemoOptions, ErrorCode, KeySource};
use encours_store::DossierKey;
use rust_decimal::Decimal;

fn keys(byte: u8) -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&format!("{byte:02x}").repeat(32)).unwrap())
}

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

#[test]
fn the_summary_agrees_with_the_exports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.encours");
    let mut d = encours_app::create_dossier(&path, "552081317", "ACME", &keys(1), now()).unwrap();
    let options = DemoOptions { seed: 3, clients: 25, invoices: 900 };
    let report = encours_app::generate_demo(&mut d, options, now(), &mut |_| {}).unwrap();
    assert_eq!((report.clients, report.invoices), (25, 900));

    assert_eq!(encours_app::summary(&d, now().date()).unwrap().integrity, "not checked yet");
    assert_eq!(encours_app::check_integrity(&mut d, now()).unwrap(), "ok");
    let s = encours_app::summary(&d, now().date()).unwrap();
    assert_eq!(s.integrity, "ok");
    assert_eq!(s.integrity_checked_at.as_deref(), Some("2026-11-23T09:30:00"));
    assert_eq!((s.clients, s.invoices), (25, 900));

    // Σ of the clients' balances in the export = the dossier's open balance, to the cent.
    let mut csv = Vec::new();
    encours_app::export_clients_csv(&d, now().date(), &mut csv).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (open_col, overdue_col) = (col("open_balance"), col("overdue_balance"));
    let (mut open, mut overdue) = (Decimal::ZERO, Decimal::ZERO);
    for r in reader.records() {
        let r = r.unwrap();
        open += r[open_col].parse::<Decimal>().unwrap();
        overdue += r[overdue_col].parse::<Decimal>().unwrap();
    }
    assert_eq!(open.to_string(), s.open_balance, "clients' balances add up to the open balance");
    assert_eq!(overdue.to_string(), s.overdue_balance, "and their overdue parts to the overdue balance");

    // The open items export lists exactly the open items.
    let mut items = Vec::new();
    let n = encours_app::export_open_items_csv(&d, now().date(), &mut items).unwrap();
    assert_eq!(n, s.open_items);
}

#[test]
fn the_demo_dossier_is_created_once_then_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/folder/demo.encours");
    let first = encours_app::open_or_create_demo(&path, &keys(2), now()).unwrap();
    let a = encours_app::summary(&first, now().date()).unwrap();
    drop(first);
    let second = encours_app::open_or_create_demo(&path, &keys(2), now()).unwrap();
    let b = encours_app::summary(&second, now().date()).unwrap();
    assert_eq!(a, b, "the second call opens the same dossier instead of generating another");
    assert_eq!(a.company_name, encours_app::DEMO_COMPANY_NAME);
    assert_eq!(a.clients, u64::from(DemoOptions::default().clients));

    let mut d = second;
    let again = encours_app::generate_demo(&mut d, DemoOptions::default(), now(), &mut |_| {});
    assert_eq!(again.unwrap_err().code, ErrorCode::InvalidInput, "no demo on top of a ledger");
}

#[test]
fn errors_carry_codes_the_ui_can_map() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.encours");
    let bad_siren = encours_app::create_dossier(&path, "123", "X", &keys(1), now()).unwrap_err();
    assert_eq!(bad_siren.code, ErrorCode::InvalidInput);
    drop(encours_app::create_dossier(&path, "552081317", "X", &keys(1), now()).unwrap());
    assert_eq!(encours_app::open_dossier(&path, &keys(9)).unwrap_err().code, ErrorCode::WrongKey);
    let exists = encours_app::create_dossier(&path, "552081317", "X", &keys(1), now()).unwrap_err();
    assert_eq!(exists.code, ErrorCode::DossierExists);
    let missing = encours_app::open_dossier(&dir.path().join("none.encours"), &keys(1)).unwrap_err();
    assert_eq!(missing.code, ErrorCode::DossierNotFound);
    assert!(missing.message.contains("none.encours"), "the message names the file: {}", missing.message);
}
