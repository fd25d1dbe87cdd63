//! Zones of an FEC line: amounts, dates, and the names of the header (open-data §1.3, §1.6;
//! A47 A-1 XII 2° to 4°).

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Largest number of integer digits accepted in an amount (after leading zeros). 15 digits are
/// a thousand billion euros, beyond any ledger; the cap keeps every sum of a file far from the
/// limits of [`Decimal`], so that no addition anywhere can overflow.
const MAX_INTEGER_DIGITS: usize = 15;
/// Largest number of decimals accepted in an amount, for the same reason (FEC amounts have 2).
const MAX_DECIMALS: usize = 6;

/// An amount read from a numeric zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Amount {
    /// The value, with the scale as written (`0000000069,60` → 69.60).
    pub value: Decimal,
    /// A `.` was used as decimal mark instead of the comma of XII 2° (accepted, with a warning).
    pub dot: bool,
}

/// Parses a numeric zone: comma decimal mark, optional leading zeros (fixed-width zones are
/// zero-padded), a sign as first or last character, no thousands separator (XII 2°). An empty
/// zone is zero, as the DGFiP validator reads it. The error says what is wrong, in words.
pub(super) fn amount(zone: &str) -> Result<Amount, String> {
    let t = zone.trim();
    if t.is_empty() {
        return Ok(Amount { value: Decimal::ZERO, dot: false });
    }
    let (negative, body) = if let Some(rest) = t.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = t.strip_prefix('+') {
        (false, rest)
    } else if let Some(rest) = t.strip_suffix('-') {
        (true, rest)
    } else if let Some(rest) = t.strip_suffix('+') {
        (false, rest)
    } else {
        (false, t)
    };
    if body.chars().any(|c| c == ' ' || c == '\u{a0}' || c == '\'' || c == '\u{202f}') {
        return Err(format!("the amount {t:?} has a space or quote inside: thousands separators are not allowed"));
    }
    let marks = body.chars().filter(|c| *c == ',' || *c == '.').count();
    if marks > 1 {
        return Err(format!("the amount {t:?} has several separators: thousands separators are not allowed"));
    }
    let dot = body.contains('.');
    let (int, frac) = body.split_once([',', '.']).unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(format!("the amount {t:?} has no digit"));
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the amount {t:?} is not a number"));
    }
    let int = int.trim_start_matches('0');
    if int.len() > MAX_INTEGER_DIGITS {
        return Err(format!("the amount {t:?} is too large for an accounting amount"));
    }
    if frac.len() > MAX_DECIMALS {
        return Err(format!("the amount {t:?} has more than {MAX_DECIMALS} decimals"));
    }
    let mut mantissa: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        // At most 21 digits: no overflow of i128 is possible.
        mantissa = mantissa * 10 + i128::from(b - b'0');
    }
    if negative {
        mantissa = -mantissa;
    }
    let scale = u32::try_from(frac.len()).unwrap_or(0);
    let value =
        Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| format!("the amount {t:?} is out of range"))?;
    Ok(Amount { value, dot })
}

/// A date read from a date zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Date {
    /// The date.
    pub value: NaiveDate,
    /// Written in another form than `AAAAMMJJ` (XII 4°) that the DGFiP validator also accepts
    /// (`AAAA-MM-JJ`, `JJ/MM/AAAA`, with an optional time): read, with a warning.
    pub lenient: bool,
}

/// Parses a date zone. `Ok(None)` for an empty zone; an error names the problem.
pub(super) fn date(zone: &str) -> Result<Option<Date>, String> {
    let t = zone.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("the date {t:?} is not a date (AAAAMMJJ expected)");
    // A time may follow the date (`20230101 00:00:00`, `2023-01-01T00:00:00`): keep the date.
    let (day_part, has_time) = match t.split_once([' ', 'T']) {
        Some((d, _)) => (d, true),
        None => (t, false),
    };
    let b = day_part.as_bytes();
    let num = |s: &[u8]| -> Option<u32> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        s.iter().try_fold(0u32, |n, d| n.checked_mul(10)?.checked_add(u32::from(d - b'0')))
    };
    let ymd = |y: &[u8], m: &[u8], d: &[u8]| -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(i32::try_from(num(y)?).ok()?, num(m)?, num(d)?)
    };
    let is_sep = |c: u8| matches!(c, b'/' | b'-' | b'.');
    let value = match b.len() {
        8 if b.iter().all(u8::is_ascii_digit) => {
            let (y, rest) = b.split_at(4);
            let (m, d) = rest.split_at(2);
            return ymd(y, m, d).map(|value| Some(Date { value, lenient: has_time })).ok_or_else(bad);
        }
        10 => match (b.get(4), b.get(7), b.get(2), b.get(5)) {
            (Some(&s1), Some(&s2), _, _) if is_sep(s1) && s1 == s2 => {
                ymd(b.get(0..4).unwrap_or_default(), b.get(5..7).unwrap_or_default(), b.get(8..10).unwrap_or_default())
            }
            (_, _, Some(&s1), Some(&s2)) if is_sep(s1) && s1 == s2 => {
                ymd(b.get(6..10).unwrap_or_default(), b.get(3..5).unwrap_or_default(), b.get(0..2).unwrap_or_default())
            }
            _ => None,
        },
        _ => None,
    };
    value.map(|value| Some(Date { value, lenient: true })).ok_or_else(bad)
}

/// The column of a header name, compared case-insensitively and ignoring spaces, `_` and `-`
/// (`MontantDevise`, `Montantdevise` and `Montant_Devise` are the same column; open-data §1.6).
pub(super) fn normalised_name(name: &str) -> String {
    name.trim().chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> String {
        amount(s).map(|x| x.value.to_string()).unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn amounts_with_comma_padding_and_signs() {
        assert_eq!(a("0000000069,60"), "69.60", "zero-padded fixed-width zone");
        assert_eq!(a("13500,00"), "13500.00");
        assert_eq!(a("  0,00 "), "0.00");
        assert_eq!(a(""), "0", "an empty zone is zero");
        assert_eq!(a("-12,5"), "-12.5");
        assert_eq!(a("12,50-"), "-12.50", "sign on the right");
        assert_eq!(a("+7"), "7");
        assert_eq!(a(",5"), "0.5");
        assert_eq!(a("0000"), "0");
        let dot = amount("1234.56").unwrap();
        assert_eq!((dot.value.to_string().as_str(), dot.dot), ("1234.56", true), "dot accepted and flagged");
        assert!(a("1 234,56").contains("thousands"), "{}", a("1 234,56"));
        assert!(a("1.234,56").contains("thousands"));
        assert!(a("1,234,56").contains("thousands"));
        assert!(a("12a").contains("not a number"));
        assert!(a("--1").contains("not a number"));
        assert!(a(",").contains("no digit"));
        assert!(a("1234567890123456,00").contains("too large"));
        assert_eq!(a("000000000000000000001,00"), "1.00", "leading zeros do not count");
        assert!(a("1,1234567").contains("decimals"));
    }

    fn d(s: &str) -> String {
        match date(s) {
            Ok(Some(x)) => format!("{}{}", x.value, if x.lenient { " lenient" } else { "" }),
            Ok(None) => "none".to_owned(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn dates_aaaammjj_and_the_lenient_forms() {
        assert_eq!(d("20230109"), "2023-01-09");
        assert_eq!(d("        "), "none");
        assert_eq!(d("2023-01-09"), "2023-01-09 lenient");
        assert_eq!(d("09/01/2023"), "2023-01-09 lenient");
        assert_eq!(d("09.01.2023 12:00:00"), "2023-01-09 lenient");
        assert_eq!(d("20230109 00:00:00"), "2023-01-09 lenient");
        assert!(d("20230230").starts_with("error"), "30 February");
        assert!(d("2023/01-09").starts_with("error"), "mixed separators");
        assert!(d("9/1/2023").starts_with("error"));
        assert!(d("2023").starts_with("error"));
        assert!(d("é2023-01-0").starts_with("error"), "non-ASCII never panics");
    }

    #[test]
    fn header_names_ignore_case_and_punctuation() {
        assert_eq!(normalised_name(" MontantDevise "), "montantdevise");
        assert_eq!(normalised_name("Montant_devise"), "montantdevise");
        assert_eq!(normalised_name("\u{feff}JournalCode"), "journalcode", "a BOM left on the name");
    }
}
