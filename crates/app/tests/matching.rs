//! Automatic lettrage on the demo dossier: generated bank statements (RF references, invoice
//! numbers in free text, grouped and partial payments, payments without reference, noise) are
//! imported as a camt.053 file and matched; the result is compared with what each entry really is.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use chrono::NaiveDateTime;
use encours_app::{DemoOptions, KeySource};
use encours_store::money_in::{self, MatchState};
use encours_store::DossierKey;
use rust_decimal::Decimal;

fn now() -> NaiveDateTime {
    "2026-11-23T09:30:00".parse().unwrap()
}

fn demo(dir: &Path) -> encours_app::Dossier {
    let keys = KeySource::Environment(DossierKey::from_hex(&"42".repeat(32)).unwrap());
    let mut d = encours_app::create_dossier(
        &dir.join("demo.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        now(),
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 42, clients: 120, invoices: 6_000 }, now(), &mut |_| {})
        .unwrap();
    d
}

#[test]
fn on_the_demo_dossier_95_percent_of_payments_are_matched_automatically_and_none_wrongly() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let statement = encours_app::simulate::simulate_statement(&d, 7, 600, now().date()).unwrap();
    let file = dir.path().join("releve.xml");
    std::fs::write(&file, &statement.camt).unwrap();

    // The statement is imported like any file: recognised by its content.
    let cancel = AtomicBool::new(false);
    let report = encours_app::import_paths(&mut d, &[file], now(), &mut |_| {}, &cancel).unwrap();
    assert_eq!(report.imported, 1, "{:#?}", report.files);

    // A dry run announces what the automatic run then applies.
    let dry = encours_app::matching::run_matching(&mut d, now().date(), now(), false).unwrap();
    let run = encours_app::matching::run_matching(&mut d, now().date(), now(), true).unwrap();
    assert_eq!(dry.auto_matched, run.auto_matched);

    let truth: HashMap<&str, _> = statement.entries.iter().map(|e| (e.bank_ref.as_str(), e)).collect();
    let (mut payments, mut auto, mut wrong, mut noise_auto) = (0usize, 0usize, Vec::new(), 0usize);
    for row in money_in::bank_payments(&d, None).unwrap() {
        let entry = truth[row.bank_reference.as_deref().expect("the bank reference is kept")];
        let allocated: BTreeMap<i64, Decimal> = money_in::payment_allocations(&d, row.payment)
            .unwrap()
            .into_iter()
            .map(|(i, _, m)| (i.0, m.amount))
            .collect();
        if !entry.truth.kind.is_payment() {
            if row.state == MatchState::Auto {
                noise_auto += 1;
            }
            continue;
        }
        payments += 1;
        if row.state != MatchState::Auto {
            continue;
        }
        auto += 1;
        let expected: BTreeMap<i64, Decimal> =
            entry.truth.allocations.iter().filter(|(_, m)| m.is_positive()).map(|(i, m)| (i.0, m.amount)).collect();
        if allocated != expected || row.client != entry.truth.client {
            wrong.push(format!("{}: {:?} expected {:?} ({:?})", row.payment.0, allocated, expected, entry.truth.kind));
        }
    }
    let share = auto * 1000 / payments.max(1);
    println!(
        "{payments} client payments, {auto} matched automatically ({}.{}%), {} wrong",
        share / 10,
        share % 10,
        wrong.len()
    );
    assert!(payments >= 400, "enough payments to measure: {payments}");
    assert!(wrong.is_empty(), "wrong automatic matches: {wrong:#?}");
    assert_eq!(noise_auto, 0, "a credit that pays no invoice is never matched automatically");
    assert!(auto * 100 >= payments * 95, "{auto} of {payments} matched automatically");

    // The ledger stays consistent and the run is in the audit journal.
    let integrity = d.integrity().unwrap();
    assert!(integrity.is_ok(), "{}", integrity.summary());
    let audit = d.audit_entries(5).unwrap();
    assert!(audit.iter().any(|a| a.action == "match.auto"), "{audit:#?}");
}

#[test]
fn accept_reject_unmatch_and_set_aside_are_audited_and_keep_the_ledger_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = demo(dir.path());
    let statement = encours_app::simulate::simulate_statement(&d, 11, 80, now().date()).unwrap();
    let file = dir.path().join("releve.xml");
    std::fs::write(&file, &statement.camt).unwrap();
    let cancel = AtomicBool::new(false);
    encours_app::import_paths(&mut d, &[file], now(), &mut |_| {}, &cancel).unwrap();
    let today = now().date();

    let view = encours_app::matching::reconciliation(&d, today, false).unwrap();
    assert!(view.unmatched > 0);
    let with_proposal = view.lines.iter().find(|l| !l.proposals.is_empty()).expect("a line with a proposal");
    let payment = with_proposal.payment_id;
    let key = with_proposal.proposals[0].key.clone();
    let before = encours_app::summary(&d, today).unwrap().open_balance;

    // Reject: the proposal is not offered again.
    let line = encours_app::matching::reject_proposal(&mut d, payment, &key, now()).unwrap();
    assert!(line.proposals.iter().all(|p| p.key != key));
    assert!(encours_app::matching::accept_proposal(&mut d, payment, &key, today, now()).is_err());

    // Accept another line's best proposal: manual, allocated, the balance falls by what it applies.
    let other = view.lines.iter().find(|l| l.payment_id != payment && !l.proposals.is_empty()).unwrap();
    let accepted =
        encours_app::matching::accept_proposal(&mut d, other.payment_id, &other.proposals[0].key, today, now())
            .unwrap();
    assert_eq!(accepted.state, "manual");
    assert!(!accepted.allocations.is_empty());
    let applied: Decimal = accepted.allocations.iter().map(|a| a.amount.parse::<Decimal>().unwrap()).sum();
    let after = encours_app::summary(&d, today).unwrap().open_balance;
    assert_eq!(before.parse::<Decimal>().unwrap() - applied, after.parse::<Decimal>().unwrap());

    // Unmatch: back to unmatched, the balance is what it was.
    let undone = encours_app::matching::unmatch_payment(&mut d, other.payment_id, now()).unwrap();
    assert_eq!(undone.state, "unmatched");
    assert!(undone.allocations.is_empty());
    assert_eq!(encours_app::summary(&d, today).unwrap().open_balance, before);

    // Match it by hand to the same invoices, named by their numbers: the same allocations.
    let numbers: Vec<String> = accepted.allocations.iter().map(|a| a.number.clone()).collect();
    let by_hand = encours_app::matching::manual_match(&mut d, other.payment_id, &numbers, today, now()).unwrap();
    assert_eq!(by_hand.state, "manual");
    let amounts = |l: &encours_app::matching::BankLineView| {
        let mut v: Vec<(String, String)> = l.allocations.iter().map(|a| (a.number.clone(), a.amount.clone())).collect();
        v.sort();
        v
    };
    assert_eq!(amounts(&by_hand), amounts(&accepted));
    assert!(encours_app::matching::manual_match(&mut d, payment, &["NO-SUCH-NUMBER".to_owned()], today, now()).is_err());

    // Set aside, then back.
    let ignored = encours_app::matching::ignore_payment(&mut d, payment, now()).unwrap();
    assert_eq!(ignored.state, "ignored");
    let back = encours_app::matching::unmatch_payment(&mut d, payment, now()).unwrap();
    assert_eq!(back.state, "unmatched");

    let actions: Vec<String> = d.audit_entries(20).unwrap().into_iter().map(|a| a.action).collect();
    for action in ["match.reject", "match.accept", "match.unmatch", "match.manual", "match.ignore"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited: {actions:?}");
    }
    let integrity = d.integrity().unwrap();
    assert!(integrity.is_ok(), "{}", integrity.summary());
}
