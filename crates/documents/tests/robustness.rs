//! Whatever the letter holds, rendering gives a valid PDF or a clear error, never a panic; and the
//! text stays inside the page.

mod common;

use common::*;
use encours_documents::{render_letter, Delivery, DocumentError, Letter, LetterKind, Party, PaymentDetails, Tone};
use encours_domain::{Contact, Money, PostalAddress};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn long(word: &str, n: usize) -> String {
    vec![word; n].join(" ")
}

#[test]
fn very_long_names_and_texts_are_cut_or_wrapped_inside_the_margins() {
    let mut letter = mise_en_demeure(None);
    letter.creditor.name = long("Compagnie Générale des Établissements Œnologiques", 6);
    letter.debtor.name = "Société-Anonyme-Extraordinairement-Longue-Sans-Aucune-Espace-Pour-Couper".repeat(3);
    letter.debtor.address.lines = vec![long("Résidence", 30); 9];
    letter.debtor.address.city = long("Saint-Rémy-de-Provence", 4);
    letter.subject = long("Objet interminable", 40);
    letter.body = vec![long("Paragraphe", 400), "x".repeat(2000)];
    letter.reference = "R".repeat(300);
    letter.signature.title = Some(long("Directrice", 30));
    letter.invoices[0].number = "N".repeat(120);
    letter.delivery = Delivery::RegisteredPaper { tracking_number: Some("9".repeat(200)) };
    let pdf = render_letter(&letter).unwrap();
    assert!(lopdf::Document::load_mem(&pdf).is_ok());
    assert_clean_layout("long-names", &pdf);
    if let Some(text) = pdf_text("long-names", &pdf) {
        assert!(text.contains('…'), "over-long single-line fields are shortened with an ellipsis");
    }
    png_page1("long-names", &pdf);
}

#[test]
fn the_sample_letters_have_nothing_outside_the_margins_and_nothing_overlapping() {
    assert_clean_layout("clean-reminder", &render_letter(&reminder(Tone::Ferme)).unwrap());
    assert_clean_layout("clean-demeure", &render_letter(&mise_en_demeure(None)).unwrap());
    let mut sixty = mise_en_demeure(Some("1A 234 567 8901 2"));
    sixty.invoices = (0..60).map(|n| invoice(n, dec!(123456.78), dec!(0.01))).collect();
    assert_clean_layout("clean-sixty", &render_letter(&sixty).unwrap());
}

#[test]
fn empty_optional_fields_give_a_valid_letter() {
    let letter = Letter {
        creditor: Party { name: "A".to_owned(), ..Default::default() },
        letterhead: Default::default(),
        debtor: Party { name: "B".to_owned(), ..Default::default() },
        place: String::new(),
        reference: String::new(),
        subject: String::new(),
        body: Vec::new(),
        closing: Vec::new(),
        legal: None,
        payment: Some(PaymentDetails::default()),
        signature: Default::default(),
        delivery: Delivery::RegisteredPaper { tracking_number: Some("   ".to_owned()) },
        ..reminder(Tone::Courtois)
    };
    let pdf = render_letter(&letter).unwrap();
    assert_eq!(lopdf::Document::load_mem(&pdf).unwrap().get_pages().len(), 1);
    if let Some(text) = pdf_text("empty-fields", &pdf) {
        assert!(squeeze(&text).contains("Le 24 novembre 2026"), "no place: the date alone");
    }
    assert_clean_layout("empty-fields", &pdf);
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ a-zA-Zéèàçœ€«»'-]{0,40}",
        // Anything at all: control characters, CJK, emoji, right-to-left marks.
        any::<String>(),
        "[A-Za-z]{100,400}",
    ]
}

fn any_party() -> impl Strategy<Value = Party> {
    (any_text(), proptest::collection::vec(any_text(), 0..6), any_text(), any_text(), any_text(), any::<bool>())
        .prop_map(|(name, lines, postcode, city, country, with_contact)| Party {
            name,
            siren: None,
            address: PostalAddress { lines, postcode, city, country },
            contact: with_contact.then(|| Contact { name: "Jean".to_owned(), ..Default::default() }),
        })
}

fn any_amount() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000_000i64..1_000_000_000_000i64, 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_letter_renders_or_is_refused_without_panicking(
        creditor in any_party(),
        debtor in any_party(),
        subject in any_text(),
        body in proptest::collection::vec(any_text(), 0..4),
        numbers in proptest::collection::vec((any_text(), any_amount(), any_amount()), 0..70),
        days in -10_000i64..10_000,
        kind in 0u8..5,
        deadline in 0u32..100_000,
        tracking in proptest::option::of(any_text()),
    ) {
        let mut letter = reminder(Tone::Ferme);
        letter.creditor = creditor;
        letter.debtor = debtor;
        letter.subject = subject;
        letter.body = body;
        letter.invoices = numbers
            .into_iter()
            .enumerate()
            .map(|(i, (number, amount, paid))| {
                let mut row = invoice(i, amount, paid);
                row.number = number;
                row.days_late = days;
                row.open = Money::eur(amount);
                row
            })
            .collect();
        letter.kind = match kind {
            0 => LetterKind::Reminder { tone: Tone::Courtois },
            1 => LetterKind::Reminder { tone: Tone::DernierAvis },
            2 => LetterKind::MiseEnDemeure { deadline_days: deadline },
            3 => LetterKind::AccountStatement,
            _ => LetterKind::MiseEnDemeure { deadline_days: 8 },
        };
        if kind == 4 {
            letter.legal = Some(legal());
        }
        letter.delivery = Delivery::RegisteredPaper { tracking_number: tracking };
        match render_letter(&letter) {
            Ok(pdf) => {
                let doc = lopdf::Document::load_mem(&pdf);
                prop_assert!(doc.is_ok(), "the PDF does not parse");
                prop_assert!(!doc.unwrap().get_pages().is_empty());
            }
            Err(DocumentError::NoInvoices) => prop_assert!(letter.invoices.is_empty()),
            Err(DocumentError::MissingField(_)) => {
                prop_assert!(letter.creditor.name.trim().is_empty() || letter.debtor.name.trim().is_empty())
            }
            Err(DocumentError::Money(_)) => {}
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}

#[test]
fn the_other_documents_have_nothing_outside_the_margins_and_nothing_overlapping() {
    let mut dressed = reminder(Tone::Ferme);
    dressed.letterhead = letterhead();
    dressed.payment = Some(payment_with_rf());
    assert_clean_layout("clean-dressed-reminder", &render_letter(&dressed).unwrap());
    assert_clean_layout("clean-statement", &encours_documents::render_statement(&statement()).unwrap());
    assert_clean_layout("clean-declaration", &encours_documents::render_declaration(&declaration()).unwrap());
    // The dossier's own pages (the exhibit PDFs have their own layout).
    let mut dossier = injonction();
    dossier.exhibits.retain(|e| matches!(e.content, encours_documents::ExhibitContent::Text(_)));
    assert_clean_layout("clean-injonction", &encours_documents::render_injonction(&dossier).unwrap());
}

#[test]
fn a_logo_that_is_not_an_image_is_refused_clearly() {
    let mut letter = reminder(Tone::Ferme);
    letter.letterhead.logo = Some(b"GIF89a not supported".to_vec());
    assert!(matches!(render_letter(&letter), Err(DocumentError::Logo(_))));
    letter.letterhead.logo = Some(b"\x89PNG\r\n\x1a\ntruncated".to_vec());
    assert!(matches!(render_letter(&letter), Err(DocumentError::Logo(_))));
    letter.letterhead.logo = Some(vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00]);
    assert!(matches!(render_letter(&letter), Err(DocumentError::Logo(_))));
}

/// A 16 × 8 blue JPEG (ImageMagick, quality 80): a logo given as JPEG goes into the PDF as it is.
const JPEG: [u8; 286] = [
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x06, 0x04, 0x05, 0x06, 0x05, 0x04, 0x06, 0x06, 0x05, 0x06, 0x07, 0x07, 0x06,
    0x08, 0x0A, 0x10, 0x0A, 0x0A, 0x09, 0x09, 0x0A, 0x14, 0x0E, 0x0F, 0x0C, 0x10, 0x17, 0x14, 0x18, 0x18, 0x17, 0x14,
    0x16, 0x16, 0x1A, 0x1D, 0x25, 0x1F, 0x1A, 0x1B, 0x23, 0x1C, 0x16, 0x16, 0x20, 0x2C, 0x20, 0x23, 0x26, 0x27, 0x29,
    0x2A, 0x29, 0x19, 0x1F, 0x2D, 0x30, 0x2D, 0x28, 0x30, 0x25, 0x28, 0x29, 0x28, 0xFF, 0xDB, 0x00, 0x43, 0x01, 0x07,
    0x07, 0x07, 0x0A, 0x08, 0x0A, 0x13, 0x0A, 0x0A, 0x13, 0x28, 0x1A, 0x16, 0x1A, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
    0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
    0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
    0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00,
    0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xC4, 0x00, 0x15, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x01, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0xFF, 0xC4, 0x00,
    0x14, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00, 0x99, 0x80, 0x5A, 0x3C, 0xFF,
    0xD9,
];

#[test]
fn a_jpeg_logo_is_embedded_as_it_is() {
    let mut letter = reminder(Tone::Ferme);
    letter.letterhead.logo = Some(JPEG.to_vec());
    let pdf = render_letter(&letter).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let image = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .find(|s| s.dict.get(b"Subtype").ok().and_then(|t| t.as_name().ok()) == Some(b"Image".as_slice()))
        .expect("an image XObject");
    assert_eq!(image.dict.get(b"Filter").unwrap().as_name().unwrap(), b"DCTDecode");
    assert_eq!(image.dict.get(b"Width").unwrap().as_i64().unwrap(), 16);
    assert_eq!(image.dict.get(b"Height").unwrap().as_i64().unwrap(), 8);
    assert_eq!(image.content, JPEG.to_vec(), "the JPEG bytes unchanged");
}
