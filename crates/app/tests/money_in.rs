//! Money in, on the real corpus: bank statements, lifecycle messages and FEC files imported into
//! an encrypted dossier, recognised by their content.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use chrono::{NaiveDateTime, TimeZone, Utc};
use encours_app::{ImportOutcome, ImportReport, KeySource};
use encours_domain::InvoiceId;
use encours_store::money_in::{self, MatchState};
use encours_store::DossierKey;
use encours_sync::server::{Platform, PlatformConfig};

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

/// A camt.053 with one credit: `amount` from `payer`, remittance `text`.
fn camt053(amount: &str, payer: &str, text: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>TEST-212</MsgId><CreDtTm>2026-11-20T08:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-1</Id>
      <CreDtTm>2026-11-20T08:00:00</CreDtTm>
      <Acct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Ntry>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-19</Dt></BookgDt>
        <ValDt><Dt>2026-11-19</Dt></ValDt>
        <AcctSvcrRef>BANK-REF-1</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>"#
    )
}

#[test]
fn matching_a_payment_of_a_services_invoice_releases_the_211_hold_and_queues_a_212_with_men_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = dossier(dir.path());
    // UC1: services (BT-23 S1), 12,000.00 due, statuses up to 211 Paiement transmis.
    let invoices = import(&mut d, &[corpus().join("cii/UC1_F202500003_00-INV_20250701_CII.xml")]);
    assert_eq!(invoices.imported, 1, "{:#?}", invoices.files);
    let mut statuses: Vec<PathBuf> = std::fs::read_dir(corpus().join("lifecycle"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("UC1_") && !n.contains("212") && !n.contains("POUR_PPF")
        })
        .collect();
    statuses.sort();
    import(&mut d, &statuses);
    let mut invoice = None;
    encours_store::queries::for_each_open_item(&d, now().date(), |r| {
        invoice = Some(InvoiceId(r.invoice_id));
        Ok(())
    })
    .unwrap();
    let invoice = invoice.unwrap();
    assert_eq!(money_in::collection_state(&d, invoice).unwrap().dunning_hold.as_deref(), Some("payment_transmitted"));

    let file = dir.path().join("releve.xml");
    std::fs::write(&file, camt053("12000.00", "LE CLIENT SAS", "VIREMENT FACTURE F202500003")).unwrap();
    assert_eq!(import(&mut d, &[file]).imported, 1);
    let run = encours_app::matching::run_matching(&mut d, now().date(), now(), true).unwrap();
    assert_eq!(run.auto_matched, 1, "{run:#?}");

    let state = money_in::collection_state(&d, invoice).unwrap();
    assert_eq!(state.dunning_hold, None, "the matched payment releases the 211 hold");
    let outbox = money_in::outbox(&d).unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:#?}");
    assert_eq!(outbox[0].kind, "cdar212");
    assert_eq!(outbox[0].state, "queued");
    let message = encours_readers::lifecycle::read_cdar_bytes("outbox.xml", outbox[0].payload.as_bytes()).unwrap();
    let ack = &message.acknowledgements[0];
    assert_eq!(ack.status.code(), 212);
    assert_eq!(ack.invoice_number, "F202500003");
    let men: Vec<_> = ack.amounts.iter().filter(|a| a.type_code == "MEN").collect();
    assert!(!men.is_empty(), "one MEN amount per VAT rate (BR-FR-CDV-14)");
    let total: rust_decimal::Decimal = men.iter().map(|a| a.amount.amount).sum();
    assert_eq!(total, rust_decimal::Decimal::new(1_200_000, 2));
    assert!(men.iter().all(|a| a.vat_rate.is_some()), "each with its VAT rate");

    // Issue 10: this 212 goes up to the platform (the local one, in-process) and is acknowledged.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let config = PlatformConfig::new(Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap());
    let platform = rt.block_on(Platform::new(config).start(([127, 0, 0, 1], 0).into())).unwrap();
    let base = platform.base_url();
    let account = encours_app::sync::PlatformAccount::new("pa", &base, &format!("{base}/oauth/token"), "encours");
    let sent = encours_app::sync::upload_outbox(&mut d, &account, "secret", now()).unwrap();
    assert_eq!((sent.uploaded, sent.acknowledged), (1, 1), "{sent:?}");
    assert!(sent.refused.is_empty(), "{sent:?}");
    assert!(money_in::outbox(&d).unwrap().iter().all(|r| r.state == "sent"));
    rt.block_on(platform.stop());
}
