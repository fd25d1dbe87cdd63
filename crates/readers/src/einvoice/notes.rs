//! Late-payment terms from the French mandatory notes (legal-rules.md A.1.4, BR-FR-05): PMD
//! (penalties), PMT (the €40 recovery indemnity), AAB (discount or its absence), and from the
//! payment terms text (BT-20) when a note is missing.
//!
//! The parser reads what people write on invoices: "3 fois le taux d'intérêt légal", "taux de
//! pénalité 12,15 %", "taux BCE majoré de 10 points", "Indemnité forfaitaire pour frais de
//! recouvrement de 40 €", "Pas d'escompte pour paiement anticipé". It never guesses a rate: when no
//! figure or rule is recognised, the rate stays `None` and the text is kept.

use rust_decimal::Decimal;
use serde::Serialize;

use super::extract::{Note, Text};

/// How the contractual late-payment rate is expressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PenaltyRate {
    /// A fixed annual rate, in percent ("12,15 %").
    Fixed {
        /// The rate in percent.
        #[serde(with = "rust_decimal::serde::str")]
        percent: Decimal,
    },
    /// A multiple of the legal interest rate of the half-year ("3 fois le taux d'intérêt légal").
    LegalRateMultiple {
        /// The multiplier (3 for "trois fois").
        #[serde(with = "rust_decimal::serde::str")]
        times: Decimal,
    },
    /// The ECB refinancing rate plus points ("taux BCE majoré de 10 points", the L441-10 default).
    EcbPlus {
        /// Percentage points added.
        #[serde(with = "rust_decimal::serde::str")]
        points: Decimal,
    },
}

/// What the document says about late payment and early-payment discount.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PenaltyTerms {
    /// A fixed contractual annual penalty rate, in percent, when the text gives one.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub contractual_rate_percent: Option<Decimal>,
    /// The rate rule as written: fixed, a multiple of the legal rate, or ECB + points.
    pub rate: Option<PenaltyRate>,
    /// The text the penalty terms were read from (the PMD note, else the payment terms).
    pub rate_text: Option<String>,
    /// The €40 flat indemnity for recovery costs (D441-5) is mentioned.
    pub indemnity_40_mentioned: bool,
    /// The early-payment discount offered, as written (AAB note or payment terms).
    pub discount: Option<String>,
    /// The document states that no discount is granted for early payment.
    pub no_discount: bool,
}

/// Lower case, typographic apostrophes and non-breaking spaces made plain.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => out.push('\''),
            '\u{a0}' | '\u{202f}' | '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Reads the penalty terms again from notes and payment terms kept apart from their document (a
/// dossier keeps each invoice's notes, BG-1, and its payment terms text, BT-20): the same rules as
/// when the invoice is read, for invoices stored before their terms were kept.
/// `notes` are `(subject code, text)` pairs.
pub fn penalty_terms_from_texts(notes: &[(Option<&str>, &str)], payment_terms: &[&str]) -> PenaltyTerms {
    use super::extract::At;
    let notes: Vec<Note<'_>> = notes
        .iter()
        .map(|(subject, text)| Note { subject: subject.map(str::to_owned), text: (*text).to_owned(), at: At::Nowhere })
        .collect();
    let terms: Vec<Text<'_>> = payment_terms.iter().map(|t| Text { value: t, at: At::Nowhere }).collect();
    parse(&notes, &terms)
}

/// Reads the penalty terms from the notes (BG-1) and the payment terms texts (BT-20).
pub(crate) fn parse(notes: &[Note<'_>], payment_terms: &[Text<'_>]) -> PenaltyTerms {
    // Each text normalised once, beside its original: (text, normalised).
    let notes: Vec<(&Note<'_>, String)> = notes.iter().map(|n| (n, normalise(&n.text))).collect();
    let terms: Vec<(&str, String)> = payment_terms.iter().map(|t| (t.value, normalise(t.value))).collect();
    let with_subject = |code: &'static str| {
        notes.iter().filter(move |(n, _)| n.subject.as_deref() == Some(code)).map(|(n, norm)| (n.text.as_str(), norm))
    };
    let terms_texts = terms.iter().map(|(t, norm)| (*t, norm));
    let mut out = PenaltyTerms::default();

    // Penalty rate: the PMD note first, else any note or terms text that talks about penalties.
    let rate_sources: Vec<(&str, &String)> = with_subject("PMD")
        .chain(
            notes.iter().filter(|(n, _)| n.subject.as_deref() != Some("PMD")).map(|(n, norm)| (n.text.as_str(), norm)),
        )
        .chain(terms_texts.clone())
        .collect();
    let pmd_count = with_subject("PMD").count();
    for (i, (text, norm)) in rate_sources.iter().enumerate() {
        let is_pmd = i < pmd_count;
        if !is_pmd && !talks_about_penalties(norm) {
            continue;
        }
        let rate = rate_of(norm);
        if out.rate_text.is_none() || (rate.is_some() && out.rate.is_none()) {
            out.rate_text = Some(text.trim().to_owned());
            out.rate = rate;
        }
        if out.rate.is_some() {
            break;
        }
    }
    if let Some(PenaltyRate::Fixed { percent }) = out.rate {
        out.contractual_rate_percent = Some(percent);
    }

    // The €40 indemnity: the PMT note, or any text that mentions it.
    out.indemnity_40_mentioned =
        notes.iter().map(|(_, norm)| norm).chain(terms.iter().map(|(_, norm)| norm)).any(|n| mentions_40_indemnity(n));

    // Discount: the AAB note first, then the payment terms text.
    let discount_sources: Vec<(&str, &String)> = with_subject("AAB").chain(terms_texts).collect();
    let aab_count = with_subject("AAB").count();
    for (i, (text, norm)) in discount_sources.iter().enumerate() {
        let about_discount =
            ["escompte", "discount", "skonto", "remise pour paiement"].iter().any(|w| norm.contains(w));
        if refuses_discount(norm) {
            out.no_discount = true;
        } else if ((i < aab_count && !norm.trim().is_empty()) || (about_discount && norm.contains('%')))
            && out.discount.is_none()
        {
            out.discount = Some(text.trim().to_owned());
        }
    }
    out
}

fn talks_about_penalties(norm: &str) -> bool {
    [
        "pénalit",
        "penalit",
        "intérêts de retard",
        "interets de retard",
        "retard de paiement",
        "late payment",
        "verzugszins",
    ]
    .iter()
    .any(|w| norm.contains(w))
}

/// The rate rule in a normalised text.
fn rate_of(norm: &str) -> Option<PenaltyRate> {
    // "3 fois le taux d'intérêt légal", "trois fois le taux légal", "taux d'intérêt légal x 3".
    let legal_at = [
        "taux d'intérêt légal",
        "taux d'interet legal",
        "taux de l'intérêt légal",
        "taux légal",
        "taux legal",
        "intérêt légal",
        "interet legal",
    ]
    .iter()
    .find_map(|w| norm.find(w));
    if let Some(at) = legal_at {
        let before = &norm[..at];
        let times = multiplier_before(before).or_else(|| multiplier_after(&norm[at..])).unwrap_or(Decimal::ONE);
        return Some(PenaltyRate::LegalRateMultiple { times });
    }
    // "taux de la BCE majoré de 10 points", "taux de refinancement de la BCE + 10 points".
    let ecb = ["bce", "banque centrale européenne", "banque centrale europeenne", "refinancement", "ecb"]
        .iter()
        .any(|w| norm.contains(w));
    if ecb {
        if let Some(points) = number_before_word(norm, "point") {
            return Some(PenaltyRate::EcbPlus { points });
        }
    }
    // A fixed figure: "12,15 %", "10 % l'an", "taux annuel de 15%".
    percent(norm).map(|percent| PenaltyRate::Fixed { percent })
}

const NUMBER_WORDS: [(&str, i64); 6] = [("une", 1), ("deux", 2), ("trois", 3), ("quatre", 4), ("cinq", 5), ("un", 1)];

/// "… trois fois le " / "… 3 fois le " / "… 3x le " right before the legal-rate words.
fn multiplier_before(before: &str) -> Option<Decimal> {
    let words: Vec<&str> = before.split_whitespace().collect();
    let fois = words.iter().rposition(|w| *w == "fois" || *w == "x" || *w == "×")?;
    // Only the words between "fois" and the legal rate may be articles ("le", "du", "au").
    if words[fois + 1..].iter().any(|w| !matches!(*w, "le" | "du" | "au" | "de" | "l'" | "des")) {
        return None;
    }
    let n = words.get(fois.checked_sub(1)?)?;
    number_word(n)
}

/// "taux d'intérêt légal x 3" / "taux légal multiplié par 3".
fn multiplier_after(after: &str) -> Option<Decimal> {
    let words: Vec<&str> = after.split_whitespace().take(8).collect();
    let at = words.iter().position(|w| matches!(*w, "x" | "×" | "par"))?;
    number_word(words.get(at + 1)?)
}

fn number_word(w: &str) -> Option<Decimal> {
    let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != ',' && c != '.');
    let w = w.strip_suffix('x').unwrap_or(w);
    if let Some((_, n)) = NUMBER_WORDS.iter().find(|(word, _)| *word == w) {
        return Some(Decimal::from(*n));
    }
    french_decimal(w)
}

/// "12,15" or "12.15" → 12.15.
fn french_decimal(s: &str) -> Option<Decimal> {
    let s = s.trim_matches(|c: char| c == '.' || c == ',');
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b',' || b == b'.') {
        return None;
    }
    Decimal::from_str_exact(&s.replace(',', ".")).ok()
}

/// The number just before a word ("10 points" → 10).
fn number_before_word(norm: &str, word: &str) -> Option<Decimal> {
    let at = norm.find(word)?;
    french_decimal(trailing_number(&norm[..at]))
}

/// The run of digits, commas and dots at the end of a text (after trimming blanks).
fn trailing_number(text: &str) -> &str {
    let text = text.trim_end();
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == ',' || *c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &text[start..]
}

/// The first "N %" or "N pour cent" figure.
fn percent(norm: &str) -> Option<Decimal> {
    for marker in ["%", "pour cent", "pourcent"] {
        let mut from = 0;
        while let Some(rel) = norm[from..].find(marker) {
            let at = from + rel;
            if let Some(d) = french_decimal(trailing_number(&norm[..at])) {
                return Some(d);
            }
            from = at + marker.len();
        }
    }
    None
}

/// "40 €", "40,00 €", "40 euros", "40 EUR", "€ 40", "EUR 40", "quarante euros", together with a
/// word about the indemnity or recovery costs.
fn mentions_40_indemnity(norm: &str) -> bool {
    let about =
        ["indemnit", "recouvrement", "forfait", "recovery", "compensation", "frais"].iter().any(|w| norm.contains(w));
    if !about {
        return false;
    }
    if norm.contains("quarante euros") {
        return true;
    }
    let bytes = norm.as_bytes();
    let mut from = 0;
    while let Some(rel) = norm[from..].find("40") {
        let at = from + rel;
        from = at + 2;
        if at > 0 && (bytes[at - 1].is_ascii_digit() || bytes[at - 1] == b',' || bytes[at - 1] == b'.') {
            continue;
        }
        let mut after = &norm[at + 2..];
        for cents in [",00", ".00"] {
            after = after.strip_prefix(cents).unwrap_or(after);
        }
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let after = after.trim_start();
        if after.starts_with('€') || after.starts_with("eur") {
            return true;
        }
        let before = norm[..at].trim_end();
        if before.ends_with('€') || before.ends_with("eur") || before.ends_with("euros") {
            return true;
        }
    }
    false
}

/// "Pas d'escompte pour paiement anticipé", "ne donneront pas lieu à escompte", "escompte : néant".
fn refuses_discount(norm: &str) -> bool {
    let about = ["escompte", "discount", "skonto"].iter().any(|w| norm.contains(w));
    about
        && [
            "pas d'escompte",
            "aucun escompte",
            "sans escompte",
            "pas lieu à escompte",
            "pas lieu a escompte",
            "pas lieu à un escompte",
            "pas lieu à aucun escompte",
            "néant",
            "neant",
            "no discount",
            "not entitled",
            "kein skonto",
            "ohne skonto",
            "pas accordé",
            "n'est pas accordé",
            "n'est consenti",
            "aucune remise",
        ]
        .iter()
        .any(|w| norm.contains(w))
}

#[cfg(test)]
mod tests {
    use super::super::extract::At;
    use super::*;

    fn note(subject: &str, text: &str) -> Note<'static> {
        Note { subject: Some(subject.into()), text: text.into(), at: At::Nowhere }
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn three_times_the_legal_rate() {
        let t = parse(&[note("PMD", "Pénalités de retard : 3 fois le taux d'intérêt légal")], &[]);
        assert_eq!(t.rate, Some(PenaltyRate::LegalRateMultiple { times: dec("3") }));
        assert_eq!(t.contractual_rate_percent, None, "a multiple of the legal rate is not a fixed figure");
        let t = parse(
            &[note(
                "PMD",
                "Tout retard de paiement engendre une pénalité exigible à compter de la date d'échéance, calculée sur \
                 la base de trois fois le taux d'intérêt légal. ",
            )],
            &[],
        );
        assert_eq!(t.rate, Some(PenaltyRate::LegalRateMultiple { times: dec("3") }), "the AFNOR sample wording");
    }

    #[test]
    fn a_fixed_rate_with_a_french_decimal_comma() {
        let t = parse(&[note("PMD", "taux de pénalité 12,15 %")], &[]);
        assert_eq!(t.contractual_rate_percent, Some(dec("12.15")));
        assert_eq!(t.rate, Some(PenaltyRate::Fixed { percent: dec("12.15") }));
        assert_eq!(t.rate_text.as_deref(), Some("taux de pénalité 12,15 %"));
    }

    #[test]
    fn ecb_plus_points() {
        let t = parse(&[note("PMD", "Taux de refinancement de la BCE majoré de 10 points")], &[]);
        assert_eq!(t.rate, Some(PenaltyRate::EcbPlus { points: dec("10") }));
    }

    #[test]
    fn the_40_euro_indemnity() {
        for text in [
            "Indemnité forfaitaire pour frais de recouvrement de 40 €",
            "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €.",
            "indemnité forfaitaire de recouvrement : 40,00 EUR",
            "Frais de recouvrement : EUR 40",
            "indemnité forfaitaire de quarante euros",
        ] {
            assert!(parse(&[note("PMT", text)], &[]).indemnity_40_mentioned, "{text:?} mentions the €40 indemnity");
        }
        for text in
            ["Indemnité forfaitaire pour frais de recouvrement de 140 €", "40 € de remise", "Pénalités : 40,5 €"]
        {
            assert!(!parse(&[note("PMT", text)], &[]).indemnity_40_mentioned, "{text:?} is not the €40 indemnity");
        }
    }

    #[test]
    fn discounts_and_their_absence() {
        let t = parse(&[note("AAB", "Pas d'escompte pour paiement anticipé")], &[]);
        assert!(t.no_discount && t.discount.is_none(), "{t:?}");
        let t = parse(
            &[note("AAB", "Les réglements reçus avant la date d'échéance ne donneront pas lieu à escompte.")],
            &[],
        );
        assert!(t.no_discount, "the AFNOR sample wording refuses a discount");
        let t = parse(&[note("AAB", "Escompte de 2 % pour paiement sous 8 jours")], &[]);
        assert_eq!(t.discount.as_deref(), Some("Escompte de 2 % pour paiement sous 8 jours"));
        assert!(!t.no_discount);
        let terms = [Text { value: "Zahlbar innerhalb 30 Tagen netto, 3% Skonto innerhalb 10 Tagen", at: At::Nowhere }];
        let t = parse(&[], &terms);
        assert!(t.discount.is_some(), "a Skonto in the payment terms is a discount");
    }

    #[test]
    fn penalties_in_the_payment_terms_when_no_pmd_note() {
        let terms = [Text { value: "30 jours net. Pénalités de retard : 10 % l'an.", at: At::Nowhere }];
        let t = parse(&[], &terms);
        assert_eq!(t.contractual_rate_percent, Some(dec("10")));
        let terms = [Text { value: "PAIEMENT 30 JOURS NET", at: At::Nowhere }];
        assert_eq!(parse(&[], &terms), PenaltyTerms::default(), "no penalty wording, nothing parsed");
    }

    #[test]
    fn a_pmd_note_without_a_recognisable_rate_keeps_its_text() {
        let t = parse(&[note("PMD", "Pénalités selon nos CGV")], &[]);
        assert_eq!(t.rate, None);
        assert_eq!(t.rate_text.as_deref(), Some("Pénalités selon nos CGV"));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for text in ["", "%", "40", "€40", "fois", "fois taux légal", "x", "é%", "1,2,3 %", "points bce", "€"] {
            let _ = parse(&[note("PMD", text), note("PMT", text), note("AAB", text)], &[]);
        }
    }
}
