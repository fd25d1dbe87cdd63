//! Reversibility and personal data (issue 12 §2, §4): the open-format export of every table, the
//! right-of-access export of one client, anonymisation on request (irreversible, confirmed,
//! audited; totals and aging unchanged; the name gone from every text of the decrypted dossier),
//! and the retention policy (dry run lists, a run anonymises only clients with nothing open).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::rgpd;
use encours_app::{DemoOptions, ErrorCode, ExportFormat, KeySource};
use encours_store::rgpd::{all_text_values, for_each_row, Cell, ExportTable};
use encours_store::DossierKey;

fn at(s: &str) -> NaiveDateTime {
    s.parse().unwrap()
}

fn today() -> NaiveDate {
    "2026-11-23".parse().unwrap()
}

fn demo(dir: &Path) -> encours_app::Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"c3".repeat(32)).unwrap());
    let now = at("2026-11-23T09:30:00");
    let mut d = encours_app::create_dossier(
        &dir.join("demo.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        now,
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 11, clients: 30, invoices: 900 }, now, &mut |_| {}).unwrap();
    d
}

/// Per open item: (amount, outstanding, days overdue) — the aging, item by item.
fn aging(d: &encours_app::Dossier) -> BTreeMap<i64, (String, String, i64)> {
    let mut out = BTreeMap::new();
    encours_store::queries::for_each_open_item(d, today(), |r| {
        out.insert(r.invoice_id, (r.amount, r.outstanding, r.days_overdue));
        Ok(())
    })
    .unwrap();
    out
}

fn totals(d: &encours_app::Dossier) -> (String, String, u64, u64, u64) {
    let s = encours_app::summary(d, today()).unwrap();
    (s.open_balance, s.overdue_balance, s.open_items, s.overdue_items, s.invoices)
}

/// The client's personal strings as stored: name, address lines, contact names, e-mails, phones.
fn personal_strings(d: &encours_app::Dossier, client: i64) -> Vec<String> {
    let cols = encours_store::rgpd::columns(d, ExportTable::Clients).unwrap();
    let mut row = Vec::new();
    for_each_row(d, ExportTable::Clients, Some(client), |r| {
        row = r;
        Ok(())
    })
    .unwrap();
    let get = |name: &str| match &row[cols.iter().position(|c| c == name).unwrap()] {
        Cell::Text(t) => t.clone(),
        other => panic!("{name}: {other:?}"),
    };
    let mut out = vec![get("name")];
    let address: serde_json::Value = serde_json::from_str(&get("address")).unwrap();
    for l in address["lines"].as_array().unwrap() {
        out.push(l.as_str().unwrap().to_owned());
    }
    let contacts: serde_json::Value = serde_json::from_str(&get("contacts")).unwrap();
    for c in contacts.as_array().unwrap() {
        for k in ["name", "email", "phone"] {
            if let Some(v) = c[k].as_str() {
                out.push(v.to_owned());
            }
        }
    }
    out.retain(|s| s.len() >= 4);
    out
}

/// The client with the most open items (so totals and aging mean something).
fn busiest_open_client(d: &encours_app::Dossier) -> i64 {
    let mut counts: BTreeMap<i64, u32> = BTreeMap::new();
    encours_store::queries::for_each_open_item(d, today(), |r| {
        *counts.entry(r.client_id).or_default() += 1;
        Ok(())
    })
    .unwrap();
    counts.into_iter().max_by_key(|(_, n)| *n).unwrap().0
}

#[test]
fn anonymising_a_client_keeps_totals_and_aging_and_leaves_its_name_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let client = busiest_open_client(&d);
    let personal = personal_strings(&d, client);
    let name = personal[0].clone();
    assert!(personal.len() >= 3, "a name, an address line and a contact at least: {personal:?}");
    // A journal entry and a dispute-like note that name the client, as a user would write them.
    d.audit(
        at("2026-11-23T10:00:00"),
        "user",
        "client.note",
        "client",
        Some(&client.to_string()),
        None,
        Some(&serde_json::json!({ "text": format!("Appel de {name} : paiement la semaine prochaine") }).to_string()),
    )
    .unwrap();
    let before_totals = totals(&d);
    let before_aging = aging(&d);
    let found_before: usize = all_text_values(&d).unwrap().values().flatten().filter(|v| v.contains(&name)).count();
    assert!(found_before > 1, "the name is in the client row and the journal before");

    // Irreversible: refused without confirmation, and nothing changed.
    let e = rgpd::anonymise_client(&mut d, client, false, "user", at("2026-11-23T11:00:00")).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("irreversible"), "{}", e.message);
    assert_eq!(personal_strings(&d, client)[0], name);

    let r = rgpd::anonymise_client(&mut d, client, true, "user", at("2026-11-23T11:00:00")).unwrap();
    assert_eq!(r.clients, vec![(client, format!("ANON-{client:06}"))]);
    assert!(r.audit_entries_redacted >= 1, "the journal entry naming the client was redacted");

    assert_eq!(totals(&d), before_totals, "open and overdue totals unchanged");
    assert_eq!(aging(&d), before_aging, "every open item keeps its amount, balance and age");
    for (column, values) in all_text_values(&d).unwrap() {
        for v in values {
            for p in &personal {
                assert!(!v.contains(p.as_str()), "{p:?} still in {column}: {v:?}");
            }
        }
    }
    assert!(d.integrity().unwrap().is_ok());
    let chain = d.verify_audit().unwrap();
    assert!(chain.is_ok(), "the journal still chains after the redaction: {:?}", chain.broken);
    let last = d.audit_entries(1).unwrap().remove(0);
    assert_eq!((last.action.as_str(), last.entity_id.as_deref()), ("client.anonymise", Some(&*client.to_string())));
    assert!(!last.after.unwrap().contains(&name), "the journal records the anonymisation, not the data");

    // Stable pseudonym, once only.
    assert_eq!(personal_strings(&d, client)[0], format!("ANON-{client:06}"));
    let e = rgpd::anonymise_client(&mut d, client, true, "user", at("2026-11-23T12:00:00")).unwrap_err();
    assert!(e.message.contains("already anonymised"), "{}", e.message);
    let e = rgpd::anonymise_client(&mut d, 99_999, true, "user", at("2026-11-23T12:00:00")).unwrap_err();
    assert!(e.message.contains("99999"), "{}", e.message);
}

#[test]
fn the_access_export_holds_everything_about_one_client_and_nothing_about_others() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let client = busiest_open_client(&d);
    let name = personal_strings(&d, client)[0].clone();
    let file = dir.path().join("access.json");
    let r = rgpd::client_export(&d, client, &file, at("2026-11-23T10:00:00")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    assert_eq!(v["client_id"], client);
    assert_eq!(v["tables"]["clients"][0]["name"], name.as_str());
    let invoices = v["tables"]["invoices"].as_array().unwrap();
    let mut expected = 0;
    for_each_row(&d, ExportTable::Invoices, None, |row| {
        if row[1] == Cell::Integer(client) {
            expected += 1;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(invoices.len(), expected);
    assert!(expected > 0);
    for inv in invoices {
        assert_eq!(inv["client_id"], client);
        assert!(inv["grand_total"].is_string(), "amounts as decimal strings: {}", inv["grand_total"]);
        assert!(inv["currency"].is_string());
    }
    for table in ["payments", "disputes", "dunning_actions", "calls", "promises", "scores"] {
        for row in v["tables"][table].as_array().unwrap() {
            assert_eq!(row["client_id"], client, "{table}");
        }
    }
    assert!(r.rows.iter().any(|(t, n)| t == "allocations" && *n > 0));
    assert!(v["documents"].is_array());
    let e = rgpd::client_export(&d, 99_999, &dir.path().join("x.json"), at("2026-11-23T10:00:00")).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn retention_lists_then_anonymises_only_clients_with_nothing_open_past_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    // Today: the demo's history is recent, nobody is past 5 years + 1.
    let now = at("2026-11-23T10:00:00");
    let r = rgpd::retention_run(&mut d, today(), true, "system", now).unwrap();
    assert_eq!(r.years, 6);
    assert_eq!(r.cutoff, "2020-11-23");
    assert!(r.candidates.is_empty(), "{:?}", r.candidates);

    // Far ahead: every client without an open item is past the period.
    let later: NaiveDate = "2040-01-01".parse().unwrap();
    let open: std::collections::BTreeSet<i64> = {
        let mut s = std::collections::BTreeSet::new();
        encours_store::queries::for_each_open_item(&d, today(), |row| {
            s.insert(row.client_id);
            Ok(())
        })
        .unwrap();
        s
    };
    let before_totals = totals(&d);
    let dry = rgpd::retention_run(&mut d, later, true, "system", now).unwrap();
    assert!(dry.dry_run && dry.anonymised.is_none());
    assert!(!dry.candidates.is_empty(), "some demo clients have nothing open");
    assert!(dry.candidates.iter().all(|c| !open.contains(&c.client_id)), "a client with an open item is kept");
    assert!(dry.candidates.iter().all(|c| c.last_activity.as_str() < "2034-01-01"));
    assert_eq!(
        personal_strings(&d, dry.candidates[0].client_id)[0],
        dry.candidates[0].name,
        "a dry run changes nothing"
    );

    let run = rgpd::retention_run(&mut d, later, false, "system", now).unwrap();
    assert_eq!(run.candidates, dry.candidates);
    let done = run.anonymised.unwrap();
    assert_eq!(done.clients.len(), dry.candidates.len());
    assert_eq!(totals(&d), before_totals);
    assert!(d.verify_audit().unwrap().is_ok(), "the journal chains after a retention run");
    assert!(d.integrity().unwrap().is_ok());
    let after = rgpd::retention_run(&mut d, later, true, "system", now).unwrap();
    assert!(after.candidates.is_empty(), "anonymised clients are not selected again");

    // The margin is a setting.
    rgpd::set_retention_margin_years(&mut d, 3, now).unwrap();
    assert_eq!(rgpd::retention_run(&mut d, later, true, "system", now).unwrap().years, 8);
}

#[test]
fn the_reversibility_export_writes_every_table_in_csv_json_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let csv_dir = dir.path().join("csv");
    let r = encours_app::export_all(&d, ExportFormat::Csv, &csv_dir).unwrap();
    let rows: BTreeMap<String, u64> = r.rows.iter().cloned().collect();
    assert_eq!(rows["clients"], 30);
    assert_eq!(rows["invoices"], totals(&d).4);
    for table in [
        "clients",
        "invoices",
        "lifecycle_statuses",
        "payments",
        "allocations",
        "disputes",
        "dunning_actions",
        "audit_journal",
    ] {
        assert!(csv_dir.join(format!("{table}.csv")).is_file(), "{table}");
    }
    let text = fs::read_to_string(csv_dir.join("invoices.csv")).unwrap();
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    let header = text.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(header.starts_with("id;client_id;number;"), "{header}");
    let mut reader =
        csv::ReaderBuilder::new().delimiter(b';').from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let h = reader.headers().unwrap().clone();
    let total = h.iter().position(|c| c == "grand_total").unwrap();
    let currency = h.iter().position(|c| c == "currency").unwrap();
    let status = h.iter().position(|c| c == "last_status").unwrap();
    let mut n = 0;
    let mut with_status = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        let amount = rec.get(total).unwrap();
        assert!(amount.parse::<rust_decimal::Decimal>().is_ok() && amount.contains('.'), "decimal string: {amount}");
        assert_eq!(rec.get(currency).unwrap().len(), 3);
        with_status += usize::from(!rec.get(status).unwrap().is_empty());
        n += 1;
    }
    assert_eq!(n as u64, rows["invoices"]);
    assert!(with_status > 0, "lifecycle statuses travel with the invoices");
    assert!(!dir.path().join("csv").read_dir().unwrap().any(|e| e
        .unwrap()
        .path()
        .extension()
        .is_some_and(|x| x == "part")));

    let json_dir = dir.path().join("json");
    encours_app::export_all(&d, ExportFormat::Json, &json_dir).unwrap();
    let payments: serde_json::Value =
        serde_json::from_slice(&fs::read(json_dir.join("payments.json")).unwrap()).unwrap();
    let first = &payments.as_array().unwrap()[0];
    assert!(first["amount"].is_string() && first["id"].is_number(), "{first}");

    let xlsx_dir = dir.path().join("xlsx");
    let r = encours_app::export_all(&d, ExportFormat::Xlsx, &xlsx_dir).unwrap();
    let bytes = fs::read(xlsx_dir.join("encours-export.xlsx")).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let sheets =
        (0..zip.len()).filter(|i| zip.by_index(*i).unwrap().name().unwrap().starts_with("xl/worksheets/sheet")).count();
    assert_eq!(sheets, r.rows.len(), "one sheet per table");
}

#[test]
fn the_evidence_of_an_anonymised_client_is_replaced_and_its_name_leaves_the_files_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let list = encours_app::disputes::dispute_list(&d, &Default::default(), today()).unwrap();
    let dispute = list.disputes.first().expect("the demo has disputes").clone();
    let client = dispute.client_id;
    let name = personal_strings(&d, client)[0].clone();
    let content = format!("Courrier de {name} contestant la livraison");
    let file_name = format!("courrier {name}.txt");
    let ev = encours_app::disputes::attach_evidence(
        &mut d,
        dispute.id,
        &file_name,
        content.as_bytes(),
        &format!("reçu de {name}"),
        at("2026-11-23T10:00:00"),
    )
    .unwrap();
    encours_app::disputes::add_dispute_note(
        &mut d,
        dispute.id,
        "call",
        &format!("{name} rappellera"),
        at("2026-11-23T10:05:00"),
    )
    .unwrap();
    let r = rgpd::anonymise_client(&mut d, client, true, "user", at("2026-11-23T11:00:00")).unwrap();
    assert!(r.documents_blanked >= 1);
    let (view, bytes) = encours_app::disputes::evidence_content(&d, ev.id).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(&name));
    assert!(!view.file_name.contains(&name), "{}", view.file_name);
    for (column, values) in all_text_values(&d).unwrap() {
        assert!(values.iter().all(|v| !v.contains(&name)), "{name:?} still in {column}");
    }
    assert!(d.verify_audit().unwrap().is_ok());
}
