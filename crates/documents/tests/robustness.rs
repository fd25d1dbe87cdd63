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
