//! The legal documents from the ledger (issue 7): each of the five documents generated for a
//! `--sample` client of a demo dossier, read back with pdftotext; the company profile on every one;
//! the contractual rate of an imported invoice's PMD note used for its penalties; clear errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::letters::{self, DocumentKind, LetterRequest, Target};
use encours_app::{CompanyProfileDto, DemoOptions, Dossier, ErrorCode, KeySource};
use encours_domain::legal::{late_penalties, LegalRates, PenaltyBasis};
use encours_domain::Money;
use encours_store::DossierKey;

fn keys() -> KeySource {
    KeySource::Environment(DossierKey::from_hex(&"c3".repeat(32)).unwrap())
}

/// A date the shipped rate tables cover (they end with 2026 H1).
fn june() -> NaiveDateTime {
    "2026-06-22T09:30:00".parse().unwrap()
}

fn corpus() -> PathBuf {
    std::env::var_os("ENCOURS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn demo(dir: &Path) -> Dossier {
    let path = dir.join("letters.encours");
    let mut d = encours_app::create_dossier(
        &path,
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys(),
        june(),
    )
    .unwrap();
    encours_app::generate_demo(&mut d, DemoOptions { seed: 11, clients: 60, invoices: 3_000 }, june(), &mut |_| {})
        .unwrap();
    d
}

/// The text of a PDF by pdftotext, with every kind of space removed (French typography puts
/// U+202F in amounts, letters group IBANs by four): what is left compares reliably.
fn compact_text(pdf_path: &Path) -> (String, String) {
    let out =
        Command::new("pdftotext").arg("-layout").arg(pdf_path).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext failed on {}", pdf_path.display());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}').collect();
    (text, compact)
}

/// "1234.50" → "1234,50" (how the letters print it, spaces removed).
fn french(amount: &str) -> String {
    amount.replace('.', ",")
}

fn generate(
    d: &Dossier,
    kind: &str,
    tone: Option<&str>,
    out: &Path,
) -> (encours_app::letters::GeneratedLetter, String, String) {
    let request =
        LetterRequest { kind: kind.into(), tone: tone.map(str::to_owned), sample: true, ..LetterRequest::default() };
    let g = letters::generate_letter(d, &request, june().date(), out).unwrap_or_else(|e| panic!("{kind}: {e:?}"));
    assert!(Path::new(&g.path).is_file(), "{kind}: saved at {}", g.path);
    let (text, compact) = compact_text(Path::new(&g.path));
    // The company's letterhead, from its profile: address, IBAN, signatory, town.
    for needle in ["12ruedesLumières", "69002Lyon", "CamilleMartin", "Lyon,le"] {
        assert!(compact.contains(needle), "{kind}: {needle:?} missing from:\n{text}");
    }
    assert!(compact.contains(&g.client_name.replace(' ', "")), "{kind}: the client's name is on it:\n{text}");
    (g, text, compact)
}

#[test]
fn the_five_documents_of_a_demo_dossier_carry_the_company_the_amounts_and_the_mandatory_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let out = dir.path().join("courrier");

    // Reminders: firm ones claim penalties and the €40 (L441-10, D441-5) and carry the IBAN.
    for tone in ["courtois", "ferme", "dernier_avis"] {
        let (g, text, compact) = generate(&d, "reminder", Some(tone), &out);
        assert!(compact.contains("FR7630006000011234567890189"), "{tone}: IBAN:\n{text}");
        assert!(compact.contains(&french(&g.amount)), "{tone}: amount {} in:\n{text}", g.amount);
        if tone != "courtois" {
            assert!(compact.contains("L441-10") && compact.contains("D441-5"), "{tone}:\n{text}");
        }
    }

    let (g, text, compact) = generate(&d, "demeure", None, &out);
    let lower = compact.to_lowercase();
    assert!(lower.contains("miseendemeure"), "{text}");
    for mention in ["1344", "L441-10", "D441-5", "FR7630006000011234567890189"] {
        assert!(compact.contains(mention), "mise en demeure lacks {mention}:\n{text}");
    }
    assert!(lower.contains("injonctiondepayer"), "the next step is named:\n{text}");
    assert!(compact.contains(&french(&g.amount)), "amount {}:\n{text}", g.amount);

    let (g, text, compact) = generate(&d, "statement", None, &out);
    assert!(compact.to_lowercase().contains("relevé"), "{text}");
    assert!(compact.contains(&french(&g.amount)), "balance {}:\n{text}", g.amount);

    let (g, text, compact) = generate(&d, "injonction", None, &out);
    let lower = compact.to_lowercase();
    for mention in ["12946", "bordereau", "pièce", "injonctiondepayer", "tribunaldecommerce"] {
        assert!(lower.contains(mention), "injonction lacks {mention}:\n{text}");
    }
    assert!(compact.contains(&french(&g.amount)), "principal {}:\n{text}", g.amount);
    assert!(lower.contains("historiquedesstatuts"), "the lifecycle history is an exhibit:\n{text}");

    let (g, text, compact) = generate(&d, "declaration", None, &out);
    let lower = compact.to_lowercase();
    assert!(lower.contains("déclarationdecréance"), "{text}");
    assert!(compact.contains("L622-24") || compact.contains("R622-24"), "{text}");
    assert!(compact.contains(&french(&g.amount)), "declared {}:\n{text}", g.amount);
    // The demo records the BODACC publication in the procedure's note: the deadline is publication
    // + 2 months, on a working day (R622-24, open-data §3.2).
    let case = encours_store::letters::insolvency(&d, g.client_id).unwrap().expect("a procedure");
    let published = letters::publication_date_in_note(&case.note).expect("the publication date in the note");
    assert!(published < june().date() && published > case.judgment_on, "{case:?}");
    let deadline = encours_documents::declaration_deadline(published, false);
    assert!(
        compact.contains(&encours_documents::format::date_long(deadline).replace(' ', "")),
        "deadline {deadline} in:\n{text}"
    );
}

#[test]
fn the_same_request_on_the_same_date_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let a = letters::render_document(&d, DocumentKind::MiseEnDemeure, &Target::Sample, june().date()).unwrap();
    let b = letters::render_document(&d, DocumentKind::MiseEnDemeure, &Target::Sample, june().date()).unwrap();
    assert_eq!(a.pdf, b.pdf);
    assert!(a.pdf.len() < 60_000, "{} bytes", a.pdf.len());
}

#[test]
fn documents_that_do_not_apply_or_lack_company_details_say_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    // A client picked for an injonction is not in procédure collective: no declaration for it.
    let client = letters::sample_client(&d, DocumentKind::Injonction, june().date()).unwrap();
    let e =
        letters::render_document(&d, DocumentKind::Declaration, &Target::Client(client), june().date()).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("procédure collective"), "{e:?}");
    // And the insolvent client is not sent a mise en demeure (L622-21).
    let insolvent = letters::sample_client(&d, DocumentKind::Declaration, june().date()).unwrap();
    let e = letters::render_document(&d, DocumentKind::MiseEnDemeure, &Target::Client(insolvent), june().date())
        .unwrap_err();
    assert!(e.message.contains("L622-21"), "{e:?}");
    let e = letters::render_document(
        &d,
        DocumentKind::Reminder(encours_documents::Tone::Ferme),
        &Target::Invoice("NOPE-1".into()),
        june().date(),
    )
    .unwrap_err();
    assert!(e.message.contains("NOPE-1"), "{e:?}");

    // A dossier whose company has no profile: every missing detail is named.
    let bare =
        encours_app::create_dossier(&dir.path().join("bare.encours"), "552081317", "ACME", &keys(), june()).unwrap();
    let e = letters::render_document(&bare, DocumentKind::Statement, &Target::Client(1), june().date()).unwrap_err();
    for field in ["address", "postcode", "city", "town", "signatory"] {
        assert!(e.message.contains(field), "{field} in {e:?}");
    }
}

#[test]
fn the_company_profile_is_validated_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut d =
        encours_app::create_dossier(&dir.path().join("p.encours"), "552081317", "ACME", &keys(), june()).unwrap();
    let mut p = CompanyProfileDto::default();
    p.set("iban", "FR76 3000 6000 0112 3456 7890 188").unwrap();
    let e = encours_app::update_company_profile(&mut d, &p, june()).unwrap_err();
    assert!(e.message.contains("IBAN"), "{e:?}");
    p.set("iban", "FR76 3000 6000 0112 3456 7890 189").unwrap();
    p.set("bic", "BNP").unwrap();
    assert!(encours_app::update_company_profile(&mut d, &p, june()).unwrap_err().message.contains("BIC"));
    p.set("bic", "bnpafrpp").unwrap();
    // The VAT number of another SIREN is refused; the right key is accepted.
    p.set("vat", "FR88100000009").unwrap();
    assert!(encours_app::update_company_profile(&mut d, &p, june()).unwrap_err().message.contains("SIREN"));
    let siren = encours_domain::Siren::parse("552081317").unwrap();
    p.set("vat", siren.vat_number().as_str()).unwrap();
    p.set("address", "1 place Bellecour|2e étage").unwrap();
    let saved = encours_app::update_company_profile(&mut d, &p, june()).unwrap();
    assert_eq!(saved.iban.as_deref(), Some("FR7630006000011234567890189"));
    assert_eq!(saved.bic.as_deref(), Some("BNPAFRPP"));
    assert_eq!(saved.address_lines, vec!["1 place Bellecour", "2e étage"]);
    assert_eq!((saved.name.as_str(), saved.siren.as_str()), ("ACME", "552081317"));
    assert!(d.audit_entries(5).unwrap().iter().any(|e| e.action == "company.profile"));
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    assert!(encours_app::set_company_logo(&mut d, Some(png), june()).unwrap().has_logo);
    assert!(encours_app::set_company_logo(&mut d, Some(b"GIF89a".to_vec()), june()).is_err());
    assert!(!encours_app::set_company_logo(&mut d, None, june()).unwrap().has_logo);
}

#[test]
fn penalties_run_at_the_contractual_rate_of_the_invoice_pmd_note() {
    // The corpus invoice F202500001 (seller SIREN 100000009) says in its PMD note: "calculée sur la
    // base de trois fois le taux d'intérêt légal"; it is due 2025-03-03 and was never paid.
    let dir = tempfile::tempdir().unwrap();
    let mut d = encours_app::create_dossier(
        &dir.path().join("pmd.encours"),
        encours_app::DEMO_COMPANY_SIREN,
        encours_app::DEMO_COMPANY_NAME,
        &keys(),
        june(),
    )
    .unwrap();
    encours_app::update_company_profile(&mut d, &encours_app::demo_company_profile(), june()).unwrap();
    let file = corpus().join("ubl/F202500001_INV_20250201_UBL.xml");
    let never = std::sync::atomic::AtomicBool::new(false);
    let report = encours_app::import_paths(&mut d, &[file], june(), &mut |_| {}, &never).unwrap();
    assert_eq!(report.imported, 1, "{report:?}");

    let as_of: NaiveDate = "2026-06-22".parse().unwrap();
    let doc = letters::render_document(
        &d,
        DocumentKind::Reminder(encours_documents::Tone::Ferme),
        &Target::Invoice("F202500001".into()),
        as_of,
    )
    .unwrap();
    let path = dir.path().join("pmd.pdf");
    std::fs::write(&path, &doc.pdf).unwrap();
    let (text, compact) = compact_text(&path);

    // The expected figure: 3 × the legal rate of each half-year, on 118.70 from 2025-03-04.
    let rates = LegalRates::defaults();
    let due: NaiveDate = "2025-03-03".parse().unwrap();
    let contractual = late_penalties(
        Money::eur("118.70".parse().unwrap()),
        due,
        as_of,
        PenaltyBasis::LegalRateMultiple(3.into()),
        &rates,
    )
    .unwrap();
    let default =
        late_penalties(Money::eur("118.70".parse().unwrap()), due, as_of, PenaltyBasis::LegalDefault, &rates).unwrap();
    assert_ne!(contractual.total, default.total, "the test must tell the two bases apart");
    let shown = |m: &Money| {
        encours_documents::format::money(m)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}')
            .collect::<String>()
    };
    assert!(
        compact.contains(&shown(&contractual.total)),
        "penalties {} (3 × legal rate) in:\n{text}",
        contractual.total
    );
    // H1 2026: 3 × 2.62 % = 7.86 %, not ECB + 10 = 12.15 %.
    assert!(compact.contains("7,86"), "{text}");
    assert!(!compact.contains("12,15"), "{text}");
}

#[test]
fn the_letters_of_todays_plan_are_generated_in_one_batch_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path());
    let plan = encours_app::dunning::dunning_plan(&d, june().date()).unwrap();
    let expected: std::collections::HashSet<(i64, &str)> = plan
        .actions
        .iter()
        .filter_map(|a| match (a.kind.as_str(), a.tone.as_str()) {
            ("reminder", "mise_en_demeure") => Some((a.client_id, "demeure")),
            ("reminder", _) => Some((a.client_id, "reminder")),
            ("payment_order", _) => Some((a.client_id, "injonction")),
            ("claim_declaration", _) => Some((a.client_id, "declaration")),
            _ => None,
        })
        .collect();
    assert!(!expected.is_empty(), "the demo plan has letters to write");
    let folder = dir.path().join("plan");
    let mut seen = Vec::new();
    let never = std::sync::atomic::AtomicBool::new(false);
    let report =
        letters::generate_plan_letters(&d, june().date(), &folder, &mut |p| seen.push((p.done, p.total)), &never)
            .unwrap();
    assert_eq!(report.generated.len() + report.failed.len(), expected.len(), "{report:?}");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let total = expected.len() as u64;
    assert_eq!(seen, (1..=total).map(|i| (i, total)).collect::<Vec<_>>(), "progress after each letter");
    for g in &report.generated {
        assert!(expected.contains(&(g.client_id, g.kind.as_str())), "{g:?}");
        let bytes = std::fs::read(&g.path).unwrap();
        assert!(bytes.starts_with(b"%PDF"), "{}", g.path);
        assert_eq!(bytes.len() as u64, g.bytes);
    }
}
