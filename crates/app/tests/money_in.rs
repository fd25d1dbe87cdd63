//! Money in, on the real corpus: bank statements, lifecycle messages and FEC files imported into
//! an encrypted dossier, recognised by their content.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use chrono::NaiveDateTime;
use encours_app::{ImportOutcome, ImportReport, KeySource};
use encours_domain::InvoiceId;
use encours_store::money_in::{self, MatchState};
use encours_store::DossierKey;

fn corpus() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(p.is_dir(), "the shared corpus must sit beside the repository at {}", p.display());
    p
}

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn dossier(dir: &Path) -> encours_app::Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"42".repeat(32)).unwrap());
    encours_app::create_dossier(&dir.join("d.encours"), "552081317", "ACME", &keys, now()).unwrap()
}

fn import(d: &mut encours_app::Dossier, paths: &[PathBuf]) -> ImportReport {
    let cancel = AtomicBool::new(false);
    encours_app::import_paths(d, paths, now(), &mut |_| {}, &cancel).unwrap()
}

fn name(file: &str) -> &str {
    file.rsplit('/').next().unwrap()
}

#[test]
fn every_corpus_bank_file_is_recognised_and_its_credits_become_payments_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    let report = import(&mut d, &[corpus().join("bank")]);
    for f in &report.files {
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(corpus().join("truth").join(format!("{}.json", name(&f.file)))).unwrap(),
        )
        .unwrap();
        if truth.get("error").is_some() {
            assert_eq!(f.outcome, ImportOutcome::Failed, "{}: the truth refuses it: {}", f.file, f.message);
            assert!(f.message.contains(name(&f.file)), "the message names the file: {}", f.message);
        } else {
            assert_eq!(f.outcome, ImportOutcome::Imported, "{}: {}", f.file, f.message);
            assert!(f.message.contains("credit line(s) recorded as payments"), "{}", f.message);
        }
    }
    let payments = money_in::bank_payments(&d, None).unwrap();
    assert!(payments.len() > 10, "credits of the corpus statements are payments: {}", payments.len());
    assert!(payments.iter().all(|p| p.state == MatchState::Unmatched && p.amount.is_positive()));
    assert!(payments.iter().all(|p| !p.source.is_empty()), "each payment keeps its file and place");

    // The same files again: nothing new.
    let again = import(&mut d, &[corpus().join("bank")]);
    assert!(again.files.iter().all(|f| f.outcome != ImportOutcome::Imported), "{:#?}", again.files);
    assert_eq!(money_in::bank_payments(&d, None).unwrap().len(), payments.len());
}

#[test]
fn lifecycle_statuses_attach_to_their_invoice_in_any_order_and_apply_their_effects() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    // Statuses first: they wait for their invoice.
    let lifecycle = import(&mut d, &[corpus().join("lifecycle")]);
    assert_eq!(lifecycle.failed, 0, "{:#?}", lifecycle.files);
    assert!(lifecycle.files.iter().any(|f| f.message.contains("waiting for their invoice")));
    // Then the invoices: UC1 (200 → 212), UC2 (213 Rejetée), UC4 (207 En litige, then 220).
    let invoices = import(
        &mut d,
        &[
            corpus().join("cii/UC1_F202500003_00-INV_20250701_CII.xml"),
            corpus().join("facturx/UC2_F202500004_00-INV_20250701.pdf"),
            corpus().join("facturx/UC4_F202500006_00-INV_20250701.pdf"),
        ],
    );
    assert_eq!(invoices.imported, 3, "{:#?}", invoices.files);

    let find = |number: &str| -> InvoiceId {
        let mut found = None;
        encours_store::queries::for_each_open_item(&d, now().date(), |r| {
            if r.number == number {
                found = Some(InvoiceId(r.invoice_id));
            }
            Ok(())
        })
        .unwrap();
        found.unwrap_or_else(|| panic!("{number} is open"))
    };
    let uc1 = find("F202500003");
    let history: Vec<u16> = money_in::status_history(&d, uc1).unwrap().iter().map(|h| h.0).collect();
    for code in [200, 202, 203, 204, 205, 211, 212] {
        assert!(history.contains(&code), "UC1 has status {code}: {history:?}");
    }
    let state = money_in::collection_state(&d, uc1).unwrap();
    assert!(state.made_available_on.is_some(), "203 recorded: {state:?}");
    assert_eq!(state.dunning_hold.as_deref(), Some("payment_transmitted"), "211 holds dunning until matched");

    let uc2 = find("F202500004");
    let state = money_in::collection_state(&d, uc2).unwrap();
    assert!(state.not_collectable, "213 Rejetée: not collectable");
    assert!(state.proposed_credit_note.is_some(), "an internal credit note is proposed");

    let uc4 = find("F202500006");
    let state = money_in::collection_state(&d, uc4).unwrap();
    assert!(state.closed, "220 Annulée closes it");
    assert!(state.disputed_amount.is_some(), "207 opened a dispute first");

    // Importing the statuses again changes nothing.
    let again = import(&mut d, &[corpus().join("lifecycle")]);
    assert_eq!(again.imported, 0, "{:#?}", again.files);
    assert_eq!(money_in::status_history(&d, uc1).unwrap().len(), history.len());
}

#[test]
fn the_four_fec_files_rebuild_open_items_equal_to_each_client_411_balance() {
    for file in std::fs::read_dir(corpus().join("fec")).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_some_and(|e| e == "tsv") {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut d = dossier(dir.path());
        let report = import(&mut d, std::slice::from_ref(&path));
        let line = &report.files[0];
        assert_eq!(line.outcome, ImportOutcome::Imported, "{}: {}", line.file, line.message);
        assert!(line.message.contains("equal its 411 balance"), "{}", line.message);
        let checks = encours_app::fec_balance_check(&d, &path).unwrap();
        assert!(!checks.is_empty());
        for (client, ledger, file) in checks {
            assert_eq!(ledger.amount, file.amount, "{}: {client}", path.display());
        }
        let again = import(&mut d, &[path]);
        assert_eq!(again.files[0].outcome, ImportOutcome::Duplicate);
    }
}
