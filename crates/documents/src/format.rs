//! French typography for amounts, rates and dates.
//!
//! Thousands are grouped with U+202F (espace fine insécable), the decimal mark is a comma, and the
//! currency sign follows after U+00A0 (espace insécable): "1 234,56 €" — the form of the
//! Imprimerie nationale's Lexique des règles typographiques, also what CLDR gives for `fr-FR`.
//! Non-breaking spaces matter on paper: the line wrapper never splits "1 234,56 €".

use chrono::{Datelike, NaiveDate};
use encours_domain::Money;
use rust_decimal::Decimal;

/// Narrow no-break space (thousands separator, before "%").
pub const NARROW_NBSP: char = '\u{202F}';
/// No-break space (before the currency sign, inside « guillemets »).
pub const NBSP: char = '\u{00A0}';

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// Groups the digits of a non-negative integer string by three with U+202F.
fn group_thousands(digits: &str) -> String {
    let len = digits.chars().count();
    let mut out = String::with_capacity(len + len / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(NARROW_NBSP);
        }
        out.push(c);
    }
    out
}

/// A decimal with `digits` decimals, French style: "-1 234,50".
fn decimal_fr(value: Decimal, digits: u32) -> String {
    let mut v = value.round_dp_with_strategy(digits, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    v.rescale(digits);
    let negative = v.is_sign_negative() && !v.is_zero();
    let text = v.abs().to_string();
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group_thousands(int_part));
    if let Some(f) = frac_part {
        out.push(',');
        out.push_str(f);
    }
    out
}

/// An amount with its currency: "1 234,56 €" (EUR) or "1 234,56 USD"; rounded to the currency's
/// minor unit, half away from zero, like [`Money::round`].
pub fn money(m: &Money) -> String {
    let rounded = m.round();
    let sign = match m.currency.code() {
        "EUR" => "€",
        other => other,
    };
    format!("{}{NBSP}{sign}", decimal_fr(rounded.amount, m.currency.minor_unit_digits()))
}

/// A rate in percent with two decimals: "12,15 %".
pub fn percent(rate: Decimal) -> String {
    format!("{}{NARROW_NBSP}%", decimal_fr(rate, 2))
}

/// A date in words: "24 novembre 2026", "1er juillet 2026" (the French ordinal for the first day).
pub fn date_long(d: NaiveDate) -> String {
    let day = if d.day() == 1 { "1er".to_owned() } else { d.day().to_string() };
    let month = MONTHS.get(d.month0() as usize).copied().unwrap_or("");
    format!("{day} {month} {}", d.year())
}

/// A date in a table: "24/11/2026".
pub fn date_short(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A SIREN grouped by three: "552 100 554".
pub fn siren(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i.is_multiple_of(3) {
            out.push(NBSP);
        }
        out.push(c);
    }
    out
}

/// A count of days: "1 jour", "12 jours", "-3 jours".
pub fn days(n: i64) -> String {
    if n.abs() <= 1 {
        format!("{n}{NBSP}jour")
    } else {
        format!("{}{NBSP}jours", group_thousands_signed(n))
    }
}

fn group_thousands_signed(n: i64) -> String {
    let grouped = group_thousands(&n.unsigned_abs().to_string());
    if n < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// An integer grouped by thousands: "1 234".
pub fn integer(n: i64) -> String {
    group_thousands_signed(n)
}

/// Makes the spaces French punctuation wants unbreakable, so that a line never starts with ":" or
/// "»": "Objet : x" → "Objet\u{a0}: x", "« x »" → "«\u{a0}x\u{a0}»", " ;", " !", " ?" with
/// U+202F (the thin space typographers put there).
pub fn french_spacing(text: &str) -> String {
    text.replace(" :", "\u{a0}:")
        .replace(" ;", "\u{202f};")
        .replace(" !", "\u{202f}!")
        .replace(" ?", "\u{202f}?")
        .replace(" »", "\u{a0}»")
        .replace("« ", "«\u{a0}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use encours_domain::Currency;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_are_french() {
        assert_eq!(money(&Money::eur(dec!(1234.56))), "1\u{202f}234,56\u{a0}€");
        assert_eq!(money(&Money::eur(dec!(0))), "0,00\u{a0}€");
        assert_eq!(money(&Money::eur(dec!(999.999))), "1\u{202f}000,00\u{a0}€", "rounded half away from zero");
        assert_eq!(money(&Money::eur(dec!(-1234567.5))), "-1\u{202f}234\u{202f}567,50\u{a0}€");
        assert_eq!(money(&Money::eur(dec!(100))), "100,00\u{a0}€");
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(money(&Money::new(dec!(12.3), usd)), "12,30\u{a0}USD");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(money(&Money::new(dec!(1234.5), jpy)), "1\u{202f}235\u{a0}JPY");
    }

    #[test]
    fn rates_dates_and_days_are_french() {
        assert_eq!(percent(dec!(12.15)), "12,15\u{202f}%");
        assert_eq!(percent(dec!(3)), "3,00\u{202f}%");
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date_long(d(2026, 11, 24)), "24 novembre 2026");
        assert_eq!(date_long(d(2026, 7, 1)), "1er juillet 2026");
        assert_eq!(date_long(d(2026, 8, 15)), "15 août 2026");
        assert_eq!(date_short(d(2026, 1, 5)), "05/01/2026");
        assert_eq!(days(1), "1\u{a0}jour");
        assert_eq!(days(1234), "1\u{202f}234\u{a0}jours");
        assert_eq!(siren("552100554"), "552\u{a0}100\u{a0}554");
        assert_eq!(integer(-1234), "-1\u{202f}234");
    }

    #[test]
    fn punctuation_spaces_do_not_break() {
        assert_eq!(french_spacing("Objet : « relance » ?"), "Objet\u{a0}: «\u{a0}relance\u{a0}»\u{202f}?");
        assert_eq!(french_spacing("sans espace:"), "sans espace:");
    }
}
