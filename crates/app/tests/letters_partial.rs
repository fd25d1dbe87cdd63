//! The legal documents after a partial agreement without a credit note (issue 8 §6, legal-rules
//! B.2): the corpus invoice F202500006 is disputed by its 207, then the client agrees to pay all
//! but 250 €. The mise en demeure and the injonction de payer claim the accepted part only (the
//! principal, the penalties on it, one €40) and say the 250 € were given up by the agreement; the
//! relevé de compte still shows the invoice's whole open amount and the agreed part; what the
//! documents claim is what today's dunning plan duns.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::disputes::{resolve_dispute, ResolveInput};
use encours_app::letters::{self, DocumentKind, Target};
use encours_app::{Dossier, KeySource};
use encours_documents::Tone;
use encours_domain::legal::{late_penalties, LegalRates};
use encours_domain::Money;
use encours_store::DossierKey;
use rust_decimal::Decimal;

const NUMBER: &str = "F202500006";

/// A date the shipped rate tables cover (they end with 2026 H1).
fn june() -> NaiveDateTime {
    "2026-06-22T09:30:00".parse().unwrap()
}

fn corpus() -> PathBuf {
    std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// The text of a PDF by pdftotext, every kind of space removed.
fn compact_text(pdf: &[u8], dir: &Path, name: &str) -> (String, String) {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext failed on {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}').collect();
    (text, compact)
}

/// An amount as the documents print it, spaces removed ("1 234,50 €" → "1234,50€").
fn shown(amount: Decimal) -> String {
    encours_documents::format::money(&Money::eur(amount))
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}')
        .collect()
}

/// The dossier with F202500006 disputed by its 207; returns it, the dispute and the open amount.
fn disputed_invoice(dir: &Path) -> (Dossier, i64, Decimal) {
    let keys = KeySource::Environment(DossierKey::from_hex(&"5d".repeat(32)).unwrap());
    let mut d = encours_app::create_dossier(
        &dir.join("partial.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        june(),
    )
    .unwrap();
    encours_app::update_company_profile(&mut d, &encours_app::demo_company_profile(), june()).unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    for f in ["facturx/UC4_F202500006_00-INV_20250701.pdf", "lifecycle/UC4_F202500006_04-CDV-207_En_litige.xml"] {
        let r = encours_app::import_paths(&mut d, &[corpus().join(f)], june(), &mut |_| {}, &cancel).unwrap();
        assert_eq!(r.imported, 1, "{:#?}", r.files);
    }
    let disputes = encours_store::disputes::all(&d).unwrap();
    assert_eq!(disputes.len(), 1, "the 207 opened a dispute");
    let id = disputes[0].id;
    let open = encours_store::disputes::get(&d, id).unwrap().unwrap().invoices[0].outstanding;
    (d, id, open)
}

#[test]
fn after_a_partial_agreement_the_documents_claim_only_the_accepted_part_and_name_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (mut d, dispute, open) = disputed_invoice(dir.path());
    let as_of: NaiveDate = june().date();
    let target = Target::Invoice(NUMBER.into());

    // While the dispute is open, nothing is demanded on the invoice.
    let e = letters::render_document(&d, DocumentKind::MiseEnDemeure, &target, as_of).unwrap_err();
    assert!(e.message.contains("no overdue invoice"), "{e:?}");

    let refused = Decimal::from(250);
    let accepted = open - refused;
    assert!(accepted > Decimal::ZERO, "open {open}");
    let input = ResolveInput {
        outcome: "partial".into(),
        accepted_amount: Some(accepted.to_string()),
        ..ResolveInput::default()
    };
    resolve_dispute(&mut d, dispute, &input, june()).unwrap();
    let agreed_on = format!("abandonnésparaccorddu{}", as_of.format("%d/%m/%Y"));

    // The mise en demeure: the accepted part, the penalties on it alone, one €40.
    let demeure = letters::render_document(&d, DocumentKind::MiseEnDemeure, &target, as_of).unwrap();
    assert_eq!(demeure.amount, Money::eur(accepted), "{:?}", demeure.notes);
    assert_eq!(demeure.invoices, 1);
    assert!(
        demeure.notes.iter().any(|n| n.contains(NUMBER) && n.contains("abandonnés par accord")),
        "{:?}",
        demeure.notes
    );
    let (text, compact) = compact_text(&demeure.pdf, dir.path(), "demeure");
    assert!(compact.contains(&format!("Principalrestantdû{}", shown(accepted))), "principal {accepted}:\n{text}");
    assert!(compact.contains(&format!("dont{}{agreed_on}", shown(refused))), "the refused part is named:\n{text}");
    let id = encours_store::disputes::invoices_by_number(&d, NUMBER).unwrap()[0].0;
    let basis = letters::penalty_bases(&d, &[id]).unwrap()[&id];
    let due = encours_store::letters::client_documents(&d, demeure.client_id, as_of)
        .unwrap()
        .into_iter()
        .find(|x| x.number == NUMBER)
        .unwrap()
        .due_date;
    let rates = LegalRates::defaults();
    let on_accepted = late_penalties(Money::eur(accepted), due, as_of, basis, &rates).unwrap().total;
    let on_open = late_penalties(Money::eur(open), due, as_of, basis, &rates).unwrap().total;
    assert_ne!(on_accepted, on_open, "the test must tell the two bases apart");
    assert!(compact.contains(&shown(on_accepted.amount)), "penalties {on_accepted} on the accepted part:\n{text}");
    assert!(!compact.contains(&shown(on_open.amount)), "no penalties on the whole invoice ({on_open}):\n{text}");
    let with_40 = accepted + on_accepted.amount.round_dp(2) + Decimal::from(40);
    assert!(compact.contains(&shown(with_40)), "total claimed {with_40}:\n{text}");

    // A reminder claims the same.
    let reminder = letters::render_document(&d, DocumentKind::Reminder(Tone::Ferme), &target, as_of).unwrap();
    assert_eq!(reminder.amount, Money::eur(accepted));

    // The injonction de payer: the principal of the décompte and of the Cerfa is the accepted part.
    let injonction = letters::render_document(&d, DocumentKind::Injonction, &target, as_of).unwrap();
    assert_eq!(injonction.amount, Money::eur(accepted));
    let (text, compact) = compact_text(&injonction.pdf, dir.path(), "injonction");
    assert!(compact.contains(&shown(accepted)), "principal {accepted}:\n{text}");
    assert!(compact.contains(&shown(on_accepted.amount)), "penalties {on_accepted}:\n{text}");
    assert!(!compact.contains(&shown(on_open.amount)), "no penalties on the whole invoice ({on_open}):\n{text}");
    assert!(compact.contains(&format!("dont{}{agreed_on}", shown(refused))), "the refused part is named:\n{text}");
    assert!(compact.contains("accordpartiel(litigen°"), "the agreement is in the history exhibit:\n{text}");

    // The relevé de compte: the whole open amount stays on the account, the agreed part is said.
    let statement =
        letters::render_document(&d, DocumentKind::Statement, &Target::Client(demeure.client_id), as_of).unwrap();
    assert_eq!(statement.amount, Money::eur(open), "the account still has it all open");
    let (text, compact) = compact_text(&statement.pdf, dir.path(), "statement");
    assert!(compact.contains(&shown(open)), "open {open}:\n{text}");
    assert!(compact.contains(&format!("partieacceptéerestantdue:{}", shown(accepted))), "accepted part:\n{text}");
    assert!(compact.contains(&format!("dont{}{agreed_on}", shown(refused))), "{text}");

    // What the documents claim is what today's plan duns.
    let plan = encours_app::dunning::dunning_plan(&d, as_of).unwrap();
    let line = plan.actions.iter().flat_map(|a| a.invoices.iter()).find(|i| i.number.as_ref() == NUMBER).unwrap();
    assert_eq!(line.dunned.parse::<Decimal>().unwrap(), accepted, "{line:?}");

    // A receivership opened that day: the declaration declares the accepted part and the penalties
    // on it up to the judgment, and says why.
    let client = demeure.client_id;
    encours_app::dunning::set_insolvency(&mut d, client, Some(("receivership", as_of)), "", june()).unwrap();
    let declaration = letters::render_document(&d, DocumentKind::Declaration, &Target::Client(client), as_of).unwrap();
    let penalties = declaration.amount.amount - accepted;
    assert!((penalties - on_accepted.amount).abs() < Decimal::new(1, 2), "{declaration:?} vs {on_accepted}");
    let (text, compact) = compact_text(&declaration.pdf, dir.path(), "declaration");
    assert!(compact.contains(&shown(accepted)), "declared {accepted}:\n{text}");
    assert!(compact.contains(&format!("dont{}{agreed_on}", shown(refused))), "{text}");
}

/// Books a payment of `amount` on the invoice on `on`.
fn pay(d: &mut Dossier, amount: Decimal, on: NaiveDate) {
    use encours_domain::{Allocation, AllocationFrom, ClientId, InvoiceId, Payment, Source};
    let (invoice, client, _) = encours_store::disputes::invoices_by_number(d, NUMBER).unwrap()[0].clone();
    let invoice: InvoiceId = invoice;
    let client: ClientId = client;
    let mut w = d.writer("test", june()).unwrap();
    let payment = w.next_payment_id().unwrap();
    w.payment(&Payment {
        id: payment,
        client_id: Some(client),
        booked_on: on,
        value_date: None,
        amount: Money::eur(amount),
        payer_name: None,
        payer_iban: None,
        remittance: None,
        bank_reference: None,
        source: Source::at("test", "payment"),
    })
    .unwrap();
    let allocation = w.next_allocation_id().unwrap();
    w.allocation(&Allocation {
        id: allocation,
        invoice_id: invoice,
        from: AllocationFrom::Payment(payment),
        amount: Money::eur(amount),
        applied_on: on,
    })
    .unwrap();
    w.commit("test", "test.pay", serde_json::json!({})).unwrap();
}

#[test]
fn a_payment_lowers_the_accepted_part_and_once_it_is_paid_the_given_up_rest_is_never_demanded() {
    let dir = tempfile::tempdir().unwrap();
    let (mut d, dispute, open) = disputed_invoice(dir.path());
    let as_of: NaiveDate = june().date();
    let target = Target::Invoice(NUMBER.into());
    let refused = Decimal::from(250);
    let accepted = open - refused;
    let input = ResolveInput {
        outcome: "partial".into(),
        accepted_amount: Some(accepted.to_string()),
        ..ResolveInput::default()
    };
    resolve_dispute(&mut d, dispute, &input, june()).unwrap();

    // 100 € paid: the letter claims the accepted part less them, the rest still given up.
    let first = Decimal::from(100);
    pay(&mut d, first, as_of - chrono::Days::new(10));
    let demeure = letters::render_document(&d, DocumentKind::MiseEnDemeure, &target, as_of).unwrap();
    assert_eq!(demeure.amount, Money::eur(accepted - first), "{:?}", demeure.notes);

    // The accepted part paid in full: no document demands the 250 € given up.
    pay(&mut d, accepted - first, as_of - chrono::Days::new(5));
    for kind in [DocumentKind::MiseEnDemeure, DocumentKind::Injonction, DocumentKind::Reminder(Tone::DernierAvis)] {
        let e = letters::render_document(&d, kind, &target, as_of).unwrap_err();
        assert!(e.message.contains("no overdue invoice"), "{kind:?}: {e:?}");
    }
    // The statement still shows the 250 € open on the account, and why they are not asked for.
    let client = encours_store::disputes::invoices_by_number(&d, NUMBER).unwrap()[0].1 .0;
    let statement = letters::render_document(&d, DocumentKind::Statement, &Target::Client(client), as_of).unwrap();
    assert_eq!(statement.amount, Money::eur(refused));
    let (text, compact) = compact_text(&statement.pdf, dir.path(), "statement");
    assert!(compact.contains(&format!("partieacceptéerestantdue:{}", shown(Decimal::ZERO))), "{text}");
    assert!(compact.contains(&format!("dont{}abandonnésparaccord", shown(refused))), "{text}");
}

#[test]
fn after_a_platform_206_the_documents_claim_the_approved_part_and_name_the_contested_one() {
    use encours_domain::{LifecycleStatus, Source, StatusAmount, StatusEvent};
    let dir = tempfile::tempdir().unwrap();
    let keys = KeySource::Environment(DossierKey::from_hex(&"5e".repeat(32)).unwrap());
    let mut d = encours_app::create_dossier(
        &dir.path().join("s206.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys,
        june(),
    )
    .unwrap();
    encours_app::update_company_profile(&mut d, &encours_app::demo_company_profile(), june()).unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let file = corpus().join("facturx/UC4_F202500006_00-INV_20250701.pdf");
    let r = encours_app::import_paths(&mut d, &[file], june(), &mut |_| {}, &cancel).unwrap();
    assert_eq!(r.imported, 1, "{:#?}", r.files);
    let (invoice, client, _) = encours_store::disputes::invoices_by_number(&d, NUMBER).unwrap()[0].clone();
    let as_of = june().date();
    let before = letters::render_document(&d, DocumentKind::MiseEnDemeure, &Target::Client(client.0), as_of).unwrap();
    // The buyer approves all but 3,000 € on the platform (206 with MNATTC, legal-rules B.2).
    let contested = Decimal::from(3000);
    let mut w = d.writer("test", june()).unwrap();
    w.status(&StatusEvent {
        invoice_id: invoice,
        status: LifecycleStatus::ApprouveePartiellement,
        at: "2025-08-20T10:00:00".parse().unwrap(),
        reason_code: None,
        reason: Some("quantités livrées inférieures".into()),
        action_code: None,
        action: None,
        amounts: vec![StatusAmount { type_code: "MNATTC".into(), amount: Money::eur(contested), vat_rate: None }],
        source: Source::at("test", "206"),
    })
    .unwrap();
    w.commit("test", "test.status", serde_json::json!({})).unwrap();

    let after = letters::render_document(&d, DocumentKind::MiseEnDemeure, &Target::Client(client.0), as_of).unwrap();
    assert_eq!(after.amount.amount, before.amount.amount - contested, "{:?}", after.notes);
    let (text, compact) = compact_text(&after.pdf, dir.path(), "demeure206");
    assert!(compact.contains(&format!("Principalrestantdû{}", shown(after.amount.amount))), "{text}");
    assert!(compact.contains(&format!("dont{}contestés(statut206", shown(contested))), "{text}");
    // The plan duns the same.
    let plan = encours_app::dunning::dunning_plan(&d, as_of).unwrap();
    let line = plan.actions.iter().flat_map(|a| a.invoices.iter()).find(|i| i.number.as_ref() == NUMBER).unwrap();
    assert_eq!(line.dunned.parse::<Decimal>().unwrap(), after.amount.amount, "{line:?}");
}
