//! The dossier against real SQLCipher files on disk.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{
    Allocation, AllocationFrom, AllocationId, Client, ClientId, Currency, Invoice, InvoiceId, InvoiceKind,
    InvoiceTotals, Money, Payment, PaymentId, PaymentTerms, PostalAddress, Siren, Source,
};
use encours_store::{queries, Dossier, DossierKey, KeySource, StoreError};
use rust_decimal_macros::dec;

fn key(n: u8) -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&format!("{n:02x}").repeat(32)).unwrap())
}

fn now() -> NaiveDateTime {
    "2026-11-23T10:00:00".parse().unwrap()
}

fn siren() -> Siren {
    Siren::parse("552081317").unwrap()
}

fn client(id: i64, name: &str) -> Client {
    Client {
        id: ClientId(id),
        name: name.to_owned(),
        siren: Some(Siren::parse("732829320").unwrap()),
        siret: None,
        vat: None,
        legal_form: Some("SAS".into()),
        naf: None,
        segment: "PME".into(),
        owner: "Claire Dubois".into(),
        address: PostalAddress {
            lines: vec!["1 rue de la Paix".into()],
            postcode: "75002".into(),
            city: "Paris".into(),
            country: "FR".into(),
        },
        contacts: vec![],
        terms: PaymentTerms::Net { days: 30 },
        currency: Currency::EUR,
        since: "2020-01-01".parse().unwrap(),
        is_individual: false,
        source: Source::at("test", format!("client {id}")),
    }
}

fn invoice(id: i64, client: i64, amount: rust_decimal::Decimal, due: &str, kind: InvoiceKind) -> Invoice {
    let m = Money::eur(amount);
    Invoice {
        kind,
        seller_siren: Some(siren()),
        ..Invoice::simple(
            InvoiceId(id),
            ClientId(client),
            format!("F-{id}"),
            if kind == InvoiceKind::CreditNote { 381 } else { 380 },
            ("2026-09-01".parse().unwrap(), due.parse().unwrap()),
            InvoiceTotals::simple(m, m),
            Source::at("test-file.xml", format!("/Invoice[{id}]")),
        )
    }
}

fn payment(id: i64, client: i64, amount: rust_decimal::Decimal) -> Payment {
    Payment {
        id: PaymentId(id),
        client_id: Some(ClientId(client)),
        booked_on: "2026-10-15".parse().unwrap(),
        value_date: None,
        amount: Money::eur(amount),
        payer_name: Some("VIR ACME".into()),
        payer_iban: None,
        remittance: Some("F-1".into()),
        bank_reference: None,
        source: Source::at("statement.xml", "Ntry[1]"),
    }
}

fn alloc(id: i64, invoice: i64, from: AllocationFrom, amount: rust_decimal::Decimal) -> Allocation {
    Allocation {
        id: AllocationId(id),
        invoice_id: InvoiceId(invoice),
        from,
        amount: Money::eur(amount),
        applied_on: "2026-10-15".parse().unwrap(),
    }
}

fn create(dir: &Path) -> Dossier {
    Dossier::create(&dir.join("acme.encours"), &siren(), "ACME Industrie", &key(7), now()).unwrap()
}

#[test]
fn the_file_is_encrypted_and_reopens_with_its_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.encours");
    {
        let mut d = create(dir.path());
        let mut w = d.writer("test", now()).unwrap();
        w.client(&client(1, "Boulangerie Très Secrète")).unwrap();
        w.commit("test", "test.load", serde_json::json!({})).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"), "an encrypted file has no SQLite header");
    let needle = "Boulangerie".as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle), "no client name in clear");
    assert!(!bytes.windows(4).any(|w| w == b"ACME"), "no company name in clear");

    let d = Dossier::open(&path, &key(7)).unwrap();
    assert_eq!(d.company().unwrap().name, "ACME Industrie");
    assert_eq!(d.id().len(), 32, "the id is the hex of the 16-byte salt");
    drop(d);
    match Dossier::open(&path, &key(8)) {
        Err(StoreError::CannotDecrypt(p)) => assert_eq!(p, path, "the error names the file"),
        other => panic!("a wrong key must not open the dossier: {other:?}"),
    }
}

#[test]
fn creation_refuses_to_overwrite_and_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    create(dir.path());
    let again = Dossier::create(&dir.path().join("acme.encours"), &siren(), "Other", &key(7), now());
    assert!(matches!(again, Err(StoreError::AlreadyExists(_))), "never overwrite a dossier");
    let missing_dir = dir.path().join("no/such/folder/x.encours");
    assert!(matches!(Dossier::create(&missing_dir, &siren(), "X", &key(7), now()), Err(StoreError::Io { .. })));
    let empty_name = Dossier::create(&dir.path().join("y.encours"), &siren(), "  ", &key(7), now());
    assert!(matches!(empty_name, Err(StoreError::Invalid(_))));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "only the first dossier exists, no temporary files: {leftovers:?}");
}

#[test]
fn foreign_files_are_refused_with_a_clear_reason() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    rusqlite::Connection::open(&plain).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    assert!(matches!(Dossier::open(&plain, &key(1)), Err(StoreError::NotEncrypted(_))));
    let short = dir.path().join("short.encours");
    std::fs::write(&short, b"hello").unwrap();
    assert!(matches!(Dossier::open(&short, &key(1)), Err(StoreError::NotADossier { .. })));
    let junk = dir.path().join("junk.encours");
    std::fs::write(&junk, vec![0x5a; 8192]).unwrap();
    assert!(matches!(Dossier::open(&junk, &key(1)), Err(StoreError::CannotDecrypt(_))));
    assert!(matches!(Dossier::open(&dir.path().join("none.encours"), &key(1)), Err(StoreError::NotFound(_))));
}

#[test]
fn allocations_keep_open_amounts_consistent_and_refuse_over_settlement() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = create(dir.path());
    let mut w = d.writer("test", now()).unwrap();
    w.client(&client(1, "Client A")).unwrap();
    w.invoice(&invoice(1, 1, dec!(1200.00), "2026-10-01", InvoiceKind::Invoice)).unwrap();
    w.invoice(&invoice(2, 1, dec!(300.00), "2026-12-31", InvoiceKind::Invoice)).unwrap();
    w.invoice(&invoice(3, 1, dec!(100.00), "2026-10-01", InvoiceKind::CreditNote)).unwrap();
    w.payment(&payment(1, 1, dec!(700.00))).unwrap();
    w.allocation(&alloc(1, 1, AllocationFrom::Payment(PaymentId(1)), dec!(600.00))).unwrap();
    w.allocation(&alloc(2, 1, AllocationFrom::CreditNote(InvoiceId(3)), dec!(100.00))).unwrap();
    let over = w.allocation(&alloc(3, 1, AllocationFrom::Payment(PaymentId(1)), dec!(600.00)));
    assert!(matches!(over, Err(StoreError::Invalid(_))), "500 left open, 100 left on the payment: 600 is too much");
    let counts = w.commit("test", "test.load", serde_json::json!({"file": "x"})).unwrap();
    assert_eq!(counts.allocations, 2);

    let s = queries::summary(&d, "2026-11-23".parse().unwrap()).unwrap();
    // Open: 500 on F-1, 300 on F-2, credit note fully used, 100 of the payment unallocated.
    assert_eq!(s.open_balance.get(Currency::EUR).amount, dec!(700.00));
    assert_eq!(s.overdue_balance.get(Currency::EUR).amount, dec!(500.00), "only F-1 is past due");
    assert_eq!((s.clients, s.invoices, s.open_items, s.overdue_items), (1, 3, 2, 1));
    assert!(d.integrity().unwrap().is_ok(), "{}", d.integrity().unwrap().summary());

    let mut items = vec![];
    queries::for_each_open_item(&d, "2026-11-23".parse().unwrap(), |r| {
        items.push(r);
        Ok(())
    })
    .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!((items[0].number.as_str(), items[0].outstanding.as_str(), items[0].days_overdue), ("F-1", "500.00", 53));
    assert_eq!(items[0].source, "test-file.xml / /Invoice[1]", "every record keeps its source");
}

#[test]
fn a_unit_of_work_not_committed_leaves_the_dossier_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = create(dir.path());
    {
        let mut w = d.writer("test", now()).unwrap();
        w.client(&client(1, "Client A")).unwrap();
        // A reference to a client that does not exist fails; the writer is then dropped.
        assert!(w.invoice(&invoice(1, 99, dec!(10), "2026-10-01", InvoiceKind::Invoice)).is_err());
    }
    let s = queries::summary(&d, "2026-11-23".parse().unwrap()).unwrap();
    assert_eq!(s.clients, 0, "the failed unit of work was rolled back whole");
    let journal = d.audit_entries(10).unwrap();
    assert_eq!(journal.len(), 1, "only the creation is journaled");
    assert_eq!(journal[0].action, "dossier.create");
}

#[test]
fn the_audit_journal_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.encours");
    let mut d = create(dir.path());
    d.audit(
        now(),
        "claire",
        "client.update",
        "client",
        Some("1"),
        Some(r#"{"segment":"PME"}"#),
        Some(r#"{"segment":"TPE"}"#),
    )
    .unwrap();
    drop(d);
    // Go around the API with the key, as an attacker with the key would, and try to rewrite history.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "07".repeat(32))).unwrap();
    let upd = conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", []);
    assert!(upd.is_err(), "updates of the journal are refused");
    let del = conn.execute("DELETE FROM audit_log", []);
    assert!(del.is_err(), "deletes of the journal are refused");
    drop(conn);
    let d = Dossier::open(&path, &key(7)).unwrap();
    let journal = d.audit_entries(10).unwrap();
    assert_eq!(journal[0].actor, "claire");
    assert_eq!(journal[0].before.as_deref(), Some(r#"{"segment":"PME"}"#), "before → after is kept");
}

#[test]
fn a_dossier_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.encours");
    drop(create(dir.path()));
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\"; PRAGMA user_version = 999;", "07".repeat(32))).unwrap();
    drop(conn);
    assert!(matches!(Dossier::open(&path, &key(7)), Err(StoreError::SchemaTooNew { found: 999, .. })));
}

#[test]
fn integrity_detects_an_open_amount_edited_behind_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.encours");
    {
        let mut d = create(dir.path());
        let mut w = d.writer("test", now()).unwrap();
        w.client(&client(1, "Client A")).unwrap();
        w.invoice(&invoice(1, 1, dec!(50), "2026-10-01", InvoiceKind::Invoice)).unwrap();
        w.commit("test", "test.load", serde_json::json!({})).unwrap();
        assert!(d.integrity().unwrap().is_ok());
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\"; UPDATE invoices SET outstanding = 1;", "07".repeat(32)))
        .unwrap();
    drop(conn);
    let d = Dossier::open(&path, &key(7)).unwrap();
    let report = d.integrity().unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.ledger_mismatches, 1);
    assert!(report.summary().contains("1 invoices whose open amount disagrees"), "{}", report.summary());
}

#[test]
fn money_never_leaves_the_store_rounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = create(dir.path());
    let mut w = d.writer("test", now()).unwrap();
    w.client(&client(1, "Client A")).unwrap();
    w.invoice(&invoice(1, 1, dec!(0.10), "2026-10-01", InvoiceKind::Invoice)).unwrap();
    w.invoice(&invoice(2, 1, dec!(0.20), "2026-10-01", InvoiceKind::Invoice)).unwrap();
    let too_precise = invoice(3, 1, dec!(0.123456), "2026-10-01", InvoiceKind::Invoice);
    assert!(matches!(w.invoice(&too_precise), Err(StoreError::AmountOutOfRange(_))), "refused, not rounded");
    w.commit("test", "test.load", serde_json::json!({})).unwrap();
    let s = queries::summary(&d, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).unwrap();
    assert_eq!(s.open_balance.get(Currency::EUR).amount.to_string(), "0.30");
}

#[test]
fn integrity_results_are_recorded_and_notes_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = create(dir.path());
    assert_eq!(d.last_integrity().unwrap(), None, "never checked yet");
    let mut w = d.writer("test", now()).unwrap();
    w.client(&client(1, "Client A")).unwrap();
    let note =
        encours_domain::InvoiceNote { subject: Some("PMT".into()), text: "Indemnité forfaitaire : 40 €".into() };
    for id in 1..=3 {
        let mut i = invoice(id, 1, dec!(10), "2026-10-01", InvoiceKind::Invoice);
        i.notes = vec![note.clone()];
        w.invoice(&i).unwrap();
    }
    w.commit("test", "test.load", serde_json::json!({})).unwrap();
    let report = d.check_integrity(now()).unwrap();
    assert!(report.is_ok());
    assert_eq!(d.last_integrity().unwrap(), Some((now(), "ok".to_owned())));
    let conn = rusqlite::Connection::open(dir.path().join("acme.encours")).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "07".repeat(32))).unwrap();
    let sets: i64 = conn.query_row("SELECT count(*) FROM note_sets", [], |r| r.get(0)).unwrap();
    assert_eq!(sets, 1, "three invoices with the same notes share one stored note set");
}
