//! Every kind of letter rendered and read back: its text (pdftotext), its pages (lopdf), its
//! first page as an image (pdftoppm, PNGs left under target/documents-tests for a human look).

mod common;

use common::*;
use encours_documents::{render_letter, Delivery, DocumentError, LetterKind, Tone};
use rust_decimal_macros::dec;

fn page_count(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).expect("the PDF parses with lopdf").get_pages().len()
}

#[test]
fn a_firm_reminder_shows_parties_invoices_amounts_and_the_penalty_mention() {
    let pdf = render_letter(&reminder(Tone::Ferme)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(page_count(&pdf), 1);
    let Some(text) = pdf_text("reminder-ferme", &pdf) else { return };
    let flat = squeeze(&text);
    for expected in [
        "Atelier Lumière & Fils SARL",
        "SIREN 732 829 320",
        "Bœuf & Cœur Restauration SAS",
        "À l'attention de Mme Françoise Lœwy",
        "13290 AIX-EN-PROVENCE",
        "Lyon, le 24 novembre 2026",
        "Nos réf. : REL-2026-0042",
        "Votre SIREN : 404 833 048",
        "Objet : Factures échues restant à régler",
        "FA-2026-01000 01/07/2026 31/07/2026 116 j 1 234,56 € 0,00 € 1 234,56 € 1 234,56 €",
        "FA-2026-01014 15/07/2026 14/08/2026 102 j 18 450,00 € 5 000,00 € 13 450,00 € 14 684,56 €",
        "Total (3 factures) 19 780,66 € 5 000,00 € 14 780,66 €",
        "article L441-10 du Code de commerce",
        "indemnité forfaitaire pour frais de recouvrement de 40,00 € par facture",
        "IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP : 14 780,66 €, en rappelant la référence REL-2026-0042",
        "Pour Atelier Lumière & Fils SARL",
        "Responsable du recouvrement",
        "Page 1/1",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!flat.contains("MISE EN DEMEURE"), "a reminder is not a mise en demeure");
    assert!(!flat.contains("recommandée"), "an ordinary letter has no registered-mail mention");
}

#[test]
fn a_courteous_reminder_has_no_legal_threat_and_a_last_notice_has_the_mention() {
    let courtois =
        squeeze(&pdf_text("reminder-courtois", &render_letter(&reminder(Tone::Courtois)).unwrap()).unwrap_or_default());
    let dernier = squeeze(
        &pdf_text("reminder-dernier-avis", &render_letter(&reminder(Tone::DernierAvis)).unwrap()).unwrap_or_default(),
    );
    if courtois.is_empty() {
        return;
    }
    assert!(courtois.contains("14 780,66 €") && !courtois.contains("L441-10"), "{courtois}");
    assert!(dernier.contains("L441-10") && dernier.contains("D441-5"), "{dernier}");
}

#[test]
fn a_mise_en_demeure_carries_every_element_of_legal_rules_a3() {
    let letter = mise_en_demeure(Some("1A 234 567 8901 2"));
    let pdf = render_letter(&letter).unwrap();
    let Some(text) = pdf_text("mise-en-demeure", &pdf) else { return };
    let flat = squeeze(&text);
    // 14 780,66 + 47,67 + 456,67 + 3 × 40 = 15 405,00
    for expected in [
        "Lettre recommandée avec accusé de réception n° 1A 234 567 8901 2",
        "MISE EN DEMEURE",
        "SIREN 732 829 320",
        "Votre SIREN : 404 833 048",
        "Décompte des sommes dues",
        "FA-2026-01014 15/08/2026 24/11/2026 102 13 450,00 € 12,15 % 456,67 €",
        "Principal restant dû 14 780,66 €",
        "Pénalités de retard (L441-10) 504,34 €",
        "Indemnités forfaitaires (D441-5) : 3 × 40,00 € 120,00 €",
        "Total réclamé 15 405,00 €",
        "nous vous mettons en demeure de nous régler, dans un délai de 8 jours à compter de la réception de ce courrier, la somme de 15 405,00 €",
        "articles 1344 et 1344-1 du Code civil",
        "article 1231-6 du Code civil",
        "article L441-10 du Code de commerce",
        "article D441-5 du Code de commerce",
        "requête en injonction de payer (articles 1405 et suivants du Code de procédure civile)",
        "Hélène Dupré",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let png = png_page1("mise-en-demeure", &pdf);
    if let Some(png) = png {
        eprintln!("page 1: {}", png.display());
    }
}

#[test]
fn a_registered_letter_without_its_number_yet_has_the_mention_and_a_blank() {
    let pdf = render_letter(&mise_en_demeure(None)).unwrap();
    let Some(text) = pdf_text("mise-en-demeure-blank", &pdf) else { return };
    let line =
        text.lines().find(|l| l.contains("Lettre recommandée avec accusé de réception n°")).expect("the LRAR mention");
    assert!(line.trim_end().ends_with("n°"), "no number yet: the line ends on the blank to fill: {line:?}");
    png_page1("mise-en-demeure-blank", &pdf);
}

#[test]
fn an_electronic_registered_letter_says_so() {
    let letter = encours_documents::Letter { delivery: Delivery::RegisteredElectronic, ..mise_en_demeure(None) };
    let text = pdf_text("mise-en-demeure-lre", &render_letter(&letter).unwrap());
    if let Some(text) = text {
        assert!(squeeze(&text).contains("Lettre recommandée électronique (article L100 du Code des postes"), "{text}");
    }
}

#[test]
fn an_account_statement_shows_the_balance_and_may_be_empty() {
    let letter = encours_documents::Letter { kind: LetterKind::AccountStatement, ..reminder(Tone::Courtois) };
    let pdf = render_letter(&letter).unwrap();
    if let Some(text) = pdf_text("statement", &pdf) {
        let flat = squeeze(&text);
        assert!(
            flat.contains("RELEVÉ DE COMPTE") && flat.contains("Solde restant dû au 24 novembre 2026 : 14 780,66 €"),
            "{text}"
        );
    }
    let empty = encours_documents::Letter { invoices: Vec::new(), ..letter };
    let pdf = render_letter(&empty).unwrap();
    if let Some(text) = pdf_text("statement-empty", &pdf) {
        assert!(
            squeeze(&text)
                .contains("Aucune facture ouverte à cette date. Solde restant dû au 24 novembre 2026 : 0,00 €"),
            "{text}"
        );
    }
}

#[test]
fn legal_interest_rows_are_printed_and_added() {
    let mut letter = mise_en_demeure(Some("1A 234 567 8901 2"));
    if let Some(legal) = letter.legal.as_mut() {
        legal.interest.push(interest_row());
    }
    let text = pdf_text("mise-en-demeure-interest", &render_letter(&letter).unwrap());
    if let Some(text) = text {
        let flat = squeeze(&text);
        assert!(flat.contains("FA-2026-01040 01/10/2026 24/11/2026 55 96,10 € 2,62 % 0,38 €"), "{text}");
        assert!(flat.contains("Total réclamé 15 405,38 €"), "{text}");
    }
}

#[test]
fn sixty_invoices_flow_onto_more_pages_with_the_header_repeated() {
    let mut letter = mise_en_demeure(Some("1A 234 567 8901 2"));
    letter.invoices = (0..60).map(|n| invoice(n, dec!(1000.00) + rust_decimal::Decimal::from(n), dec!(0))).collect();
    let pdf = render_letter(&letter).unwrap();
    let pages = page_count(&pdf);
    assert!(pages > 1, "60 invoices cannot fit on one page, got {pages}");
    let Some(text) = pdf_text("sixty-invoices", &pdf) else { return };
    for n in 0..60 {
        let number = format!("FA-2026-{:05}", 1000 + n);
        assert!(text.contains(&number), "invoice {number} is missing");
    }
    let page_texts: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert_eq!(page_texts.len(), pages);
    for (i, page) in page_texts.iter().enumerate() {
        assert!(plain(page).contains(&format!("Page {}/{pages}", i + 1)), "page {} has no page number", i + 1);
    }
    // The table continues on page 2 under a repeated header row.
    let page2 = plain(page_texts[1]);
    assert!(page2.contains("N° de facture") && page2.contains("Reste dû"), "no repeated header:\n{page2}");
    assert!(page2.contains("(suite)"), "no running header on page 2");
    // 60 × 1 000 + (0 + … + 59) = 61 770
    assert!(squeeze(&text).contains("Total (60 factures) 61 770,00 € 0,00 € 61 770,00 €"), "{text}");
    png_page1("sixty-invoices", &pdf);
}

#[test]
fn page_one_of_each_letter_renders_to_png() {
    for (name, letter) in [
        ("png-reminder", reminder(Tone::Ferme)),
        ("png-mise-en-demeure", mise_en_demeure(None)),
        ("png-statement", encours_documents::Letter { kind: LetterKind::AccountStatement, ..reminder(Tone::Courtois) }),
    ] {
        let pdf = render_letter(&letter).unwrap();
        png_page1(name, &pdf);
    }
}

#[test]
fn metadata_come_from_the_letter_and_the_bytes_are_reproducible() {
    let letter = mise_en_demeure(Some("1A 234 567 8901 2"));
    let a = render_letter(&letter).unwrap();
    let b = render_letter(&letter).unwrap();
    assert!(a == b, "the same letter must give the same bytes");
    let doc = lopdf::Document::load_mem(&a).unwrap();
    let info_ref = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info_ref).unwrap();
    let text = |k: &[u8]| lopdf::decode_text_string(info.get(k).unwrap()).unwrap();
    assert_eq!(text(b"Author"), "Atelier Lumière & Fils SARL");
    assert_eq!(text(b"Title"), "Mise en demeure de payer — factures impayées");
    let created = info.get(b"CreationDate").unwrap().as_str().unwrap();
    assert!(created.starts_with(b"D:20261124"), "creation date from the letter: {}", String::from_utf8_lossy(created));
    // Written by printpdf; its random trailer /ID is replaced by a hash of the file (the same
    // for the same bytes, another for another letter), never left as the placeholder.
    assert_eq!(text(b"Producer"), "Encours (printpdf 0.12)");
    let id = |pdf: &[u8]| {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let ids = doc.trailer.get(b"ID").unwrap().as_array().unwrap().clone();
        ids.iter().map(|o| o.as_str().unwrap().to_vec()).collect::<Vec<_>>()
    };
    let ids = id(&a);
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0].len(), 16, "16 bytes: {:?}", ids[0]);
    assert!(ids[0] != [0xEE; 16], "the placeholder was replaced");
    assert_eq!(doc.catalog().unwrap().get(b"Lang").unwrap().as_str().unwrap(), b"fr-FR");
    let other = encours_documents::Letter { reference: "MED-2026-0008".to_owned(), ..letter };
    let other = render_letter(&other).unwrap();
    assert!(other != a, "another letter, other bytes");
    assert!(id(&other) != ids, "another letter, another /ID");
}

#[test]
fn letters_about_nothing_or_nobody_are_refused_clearly() {
    let none = encours_documents::Letter { invoices: Vec::new(), ..reminder(Tone::Ferme) };
    assert_eq!(render_letter(&none), Err(DocumentError::NoInvoices));
    let nobody = encours_documents::Letter { debtor: Default::default(), ..reminder(Tone::Ferme) };
    assert_eq!(render_letter(&nobody), Err(DocumentError::MissingField("debtor name")));
    let mut mixed = reminder(Tone::Ferme);
    mixed.invoices[1].open = encours_domain::Money::new(dec!(1), encours_domain::Currency::parse("USD").unwrap());
    assert!(matches!(render_letter(&mixed), Err(DocumentError::Money(_))), "EUR and USD are not added up");
}

#[test]
fn a_breakdown_from_the_domain_legal_math_prints_one_line_per_half_year_and_its_exact_total() {
    use encours_domain::legal::{
        late_penalties, legal_interest, recovery_indemnity, CollectiveProceedings, CreditorKind, DebtorKind,
        LegalRates, PenaltyBasis,
    };
    use encours_domain::Money;
    // Due 10 Dec 2025, unpaid on 5 Feb 2026 (the last day the shipped rate tables cover): the delay
    // spans H2 2025 and H1 2026, both at ECB 2.15 + 10 = 12.15 % (legal-rules A.1.8).
    let rates = LegalRates::defaults();
    let as_of = d(2026, 2, 5);
    let row = encours_documents::InvoiceRow {
        number: "FA-2025-0917".to_owned(),
        issue_date: d(2025, 11, 10),
        due_date: d(2025, 12, 10),
        days_late: (as_of - d(2025, 12, 10)).num_days(),
        amount_incl_vat: Money::eur(dec!(24000.00)),
        paid: Money::eur(dec!(0)),
        open: Money::eur(dec!(24000.00)),
    };
    let penalties =
        late_penalties(row.amount_incl_vat, row.due_date, as_of, PenaltyBasis::LegalDefault, &rates).unwrap();
    assert_eq!(penalties.lines.len(), 2, "one line per half-year");
    let indemnity = recovery_indemnity(row.due_date, as_of, DebtorKind::Professional, CollectiveProceedings::None);
    let interest =
        legal_interest(Money::eur(dec!(1000.00)), d(2026, 1, 5), as_of, CreditorKind::Professional, &rates).unwrap();
    let mut legal = encours_documents::LegalBreakdown::new(Money::eur(dec!(40)));
    legal.add_penalties(&row.number, &penalties).unwrap();
    legal.add_indemnity(&indemnity);
    legal.add_interest("Avoir contesté", &interest).unwrap();
    let mut letter = mise_en_demeure(None);
    letter.date = as_of;
    letter.invoices = vec![row];
    letter.legal = Some(legal);
    let pdf = render_letter(&letter).unwrap();
    let Some(text) = pdf_text("mise-en-demeure-domain-math", &pdf) else { return };
    let flat = squeeze(&text);
    for line in &penalties.lines {
        let expected = format!(
            "FA-2025-0917 {} {} {} 24 000,00 € 12,15 % {}",
            line.from.format("%d/%m/%Y"),
            line.to.format("%d/%m/%Y"),
            line.days,
            plain(&encours_documents::format::money(&line.amount))
        );
        assert!(flat.contains(&expected), "missing {expected:?} in:\n{text}");
    }
    let total = penalties.total.checked_add(&Money::eur(dec!(40))).unwrap().checked_add(&interest.total).unwrap();
    let total = total.checked_add(&Money::eur(dec!(24000.00))).unwrap();
    let expected = format!("Total réclamé {}", plain(&encours_documents::format::money(&total)));
    assert!(flat.contains(&expected), "missing {expected:?} in:\n{text}");
    assert!(flat.contains("Indemnités forfaitaires (D441-5) : 1 × 40,00 € 40,00 €"), "{text}");
    png_page1("mise-en-demeure-domain-math", &pdf);
}

#[test]
fn the_text_of_a_firm_reminder_is_the_snapshot() {
    let pdf = render_letter(&reminder(Tone::Ferme)).unwrap();
    let path = out_dir().join("snapshot-reminder.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if !have("pdftotext") {
        return;
    }
    // Reading order (no -layout): what a screen reader or a copy-paste gets, less dependent on the
    // poppler version's column spacing than the layout mode.
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<String> =
        plain(&text).lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty() && l != "\u{c}").collect();
    insta::assert_snapshot!("reminder_ferme_text", lines.join("\n"));
}
