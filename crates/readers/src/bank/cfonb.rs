//! CFONB 120: the French "relevé de comptes" in 120-character fixed records (CFONB brochure
//! "Relevé de comptes sur support informatique", 120-character format).
//!
//! Records: `01` old balance (opens a statement), `04` movement, `05` complement of the preceding
//! `04` (qualifier in columns 46-48: `LIB`, `RCN`, `LCC`, `NPY`, `REF`…), `07` new balance (closes
//! it). Records come one per line, or back to back without any line separator. Amounts are 14
//! characters whose last one carries the sign ("overpunch": `{` `A`-`I` positive 0-9, `}` `J`-`R`
//! negative 0-9), with the number of decimals in column 20.

use std::borrow::Cow;

use chrono::NaiveDate;
use encours_domain::{Currency, Money, Source};
use rust_decimal::Decimal;

use super::{BankEntry, BankError, BankFile, Complement, Diagnostic, Level, Statement};

const RECORD: usize = 120;

/// One record with its 1-based line number (or record number when there are no line separators).
struct Record<'a> {
    line: usize,
    bytes: Cow<'a, [u8]>,
}

impl Record<'_> {
    /// Columns `from..=to`, 1-based as in the CFONB brochure.
    fn cols(&self, from: usize, to: usize) -> &[u8] {
        self.bytes.get(from - 1..to).unwrap_or_default()
    }

    fn text(&self, from: usize, to: usize) -> String {
        let b = self.cols(from, to);
        match std::str::from_utf8(b) {
            Ok(s) => s.to_owned(),
            // CFONB files are single-byte (ASCII, often Latin-1 accents).
            Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(b).0.into_owned(),
        }
    }

    fn at(&self) -> String {
        format!("line {}", self.line)
    }
}

fn records(file: &str, body: &[u8], diagnostics: &mut Vec<Diagnostic>) -> Result<Vec<Record<'static>>, BankError> {
    let mut out = Vec::new();
    if body.contains(&b'\n') || body.contains(&b'\r') {
        let mut short = 0usize;
        for (i, raw) in body.split(|b| *b == b'\n').enumerate() {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.iter().all(|b| *b == b' ' || *b == b'\r' || *b == b'\x1a') {
                continue; // blank lines between blocks, an end-of-file mark
            }
            if line.len() > RECORD {
                return Err(BankError::at(
                    file,
                    format!("line {}", i + 1),
                    format!("the record is {} characters long, a CFONB 120 record has 120", line.len()),
                ));
            }
            let mut bytes = line.to_vec();
            if bytes.len() < RECORD {
                // Editors strip trailing spaces; the missing columns are blank.
                short += 1;
                bytes.resize(RECORD, b' ');
            }
            out.push(Record { line: i + 1, bytes: Cow::Owned(bytes) });
        }
        if short > 0 {
            diagnostics.push(Diagnostic {
                level: Level::Info,
                rule: "CFONB-LENGTH".to_owned(),
                message: format!("{short} record(s) shorter than 120 characters were padded with spaces"),
                path: String::new(),
            });
        }
    } else {
        if !body.len().is_multiple_of(RECORD) {
            return Err(BankError::file(
                file,
                format!(
                    "no line separators and a length of {} bytes, not a multiple of 120: not a CFONB 120 file",
                    body.len()
                ),
            ));
        }
        for (i, chunk) in body.chunks(RECORD).enumerate() {
            out.push(Record { line: i + 1, bytes: Cow::Owned(chunk.to_vec()) });
        }
    }
    Ok(out)
}

/// A signed amount: 14 characters, the last an overpunched digit, `decimals` implied.
fn amount(digits: &[u8], decimals: u32) -> Option<Decimal> {
    let (last, head) = digits.split_last()?;
    if !head.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (digit, negative) = match *last {
        b'{' => (0, false),
        b'A'..=b'I' => (last - b'A' + 1, false),
        b'}' => (0, true),
        b'J'..=b'R' => (last - b'J' + 1, true),
        b'0'..=b'9' => (last - b'0', false),
        _ => return None,
    };
    let mut n: i64 = 0;
    for d in head {
        n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    n = n.checked_mul(10)?.checked_add(i64::from(digit))?;
    if negative {
        n = -n;
    }
    Decimal::try_from_i128_with_scale(i128::from(n), decimals).ok()
}

fn date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    let yy = i32::try_from(n(4)).ok()?;
    // Two-digit years: 80-99 are the 1900s, the rest the 2000s.
    let year = if yy >= 80 { 1900 + yy } else { 2000 + yy };
    NaiveDate::from_ymd_opt(year, n(2), n(0))
}

fn money(file: &str, r: &Record<'_>) -> Result<Money, BankError> {
    let ccy = r.text(17, 19);
    let currency = Currency::parse(&ccy).map_err(|_| {
        BankError::at(file, r.at(), format!("the currency {ccy:?} (columns 17-19) is not an ISO 4217 code"))
    })?;
    let decimals = match r.cols(20, 20) {
        [d @ b'0'..=b'9'] => u32::from(d - b'0'),
        _ => return Err(BankError::at(file, r.at(), "column 20 (number of decimals) is not a digit")),
    };
    let raw = r.cols(91, 104);
    let value = amount(raw, decimals).ok_or_else(|| {
        BankError::at(
            file,
            r.at(),
            format!("the amount {:?} (columns 91-104) is not a CFONB signed amount", String::from_utf8_lossy(raw)),
        )
    })?;
    Ok(Money::new(value, currency))
}

fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

pub(super) fn read(file: &str, body: &[u8]) -> Result<BankFile, BankError> {
    let mut diagnostics = Vec::new();
    let recs = records(file, body, &mut diagnostics)?;
    let mut statements: Vec<Statement> = Vec::new();
    let mut open: Option<Statement> = None;
    let warn = |d: &mut Vec<Diagnostic>, rule: &str, msg: String, at: String| {
        d.push(Diagnostic { level: Level::Warning, rule: rule.to_owned(), message: msg, path: at })
    };
    for r in &recs {
        let code = r.cols(1, 2);
        match code {
            b"01" => {
                if let Some(st) = open.take() {
                    warn(
                        &mut diagnostics,
                        "CFONB-NO-07",
                        "a statement ends without its new balance (07)".into(),
                        r.at(),
                    );
                    statements.push(st);
                }
                let balance = money(file, r)?;
                let account = r.text(22, 32).trim().to_owned();
                open = Some(Statement {
                    id: format!("{} {} {}", r.text(3, 7).trim(), r.text(12, 16).trim(), account),
                    account_iban: None,
                    account_other: Some(account).filter(|a| !a.is_empty()),
                    currency: Some(balance.currency),
                    opening_balance: Some(balance),
                    closing_balance: None,
                    entries: Vec::new(),
                    source: Source::at(file, r.at()),
                });
            }
            b"04" => {
                let Some(st) = open.as_mut() else {
                    return Err(BankError::at(file, r.at(), "a movement (04) comes before any old balance (01)"));
                };
                let signed = money(file, r)?;
                let booking = date(r.cols(35, 40));
                if booking.is_none() {
                    warn(
                        &mut diagnostics,
                        "CFONB-DATE",
                        "the booking date (columns 35-40) is not a DDMMYY date".into(),
                        r.at(),
                    );
                }
                st.entries.push(BankEntry {
                    amount: Money::new(signed.amount.abs(), signed.currency),
                    credit: !signed.is_negative(),
                    reversal: false,
                    status: None,
                    booking_date: booking,
                    value_date: date(r.cols(43, 48)),
                    reference: opt(r.text(105, 120)),
                    label: opt(r.text(49, 79)),
                    remittance: Vec::new(),
                    structured_refs: Vec::new(),
                    payer_name: None,
                    payer_iban: None,
                    payer_account: None,
                    end_to_end_id: None,
                    transactions: Vec::new(),
                    complements: Vec::new(),
                    source: Source::at(file, r.at()),
                });
            }
            b"05" => {
                let Some(e) = open.as_mut().and_then(|st| st.entries.last_mut()) else {
                    warn(
                        &mut diagnostics,
                        "CFONB-05-WITHOUT-04",
                        "a complement record (05) does not follow a movement (04); ignored".into(),
                        r.at(),
                    );
                    continue;
                };
                let qualifier = r.text(46, 48);
                let info = r.text(49, 118).trim().to_owned();
                match qualifier.as_str() {
                    // Free remittance text and the creditor's references (invoice numbers).
                    "LIB" | "LCC" | "LC2" | "LCS" | "RCN" if !info.is_empty() => e.remittance.push(info.clone()),
                    "NPY" if e.payer_name.is_none() && !info.is_empty() => e.payer_name = Some(info.clone()),
                    _ => {}
                }
                e.complements.push(Complement { qualifier, info });
            }
            b"07" => {
                let Some(mut st) = open.take() else {
                    return Err(BankError::at(file, r.at(), "a new balance (07) comes before any old balance (01)"));
                };
                st.closing_balance = Some(money(file, r)?);
                // The movements must take the old balance to the new one.
                if let Some(message) = st.balance_mismatch() {
                    warn(&mut diagnostics, "CFONB-BALANCE", message, r.at());
                }
                statements.push(st);
            }
            other => {
                return Err(BankError::at(
                    file,
                    r.at(),
                    format!(
                        "record type '{}' unknown (CFONB 120 has 01, 04, 05 and 07)",
                        String::from_utf8_lossy(other)
                    ),
                ))
            }
        }
    }
    if let Some(st) = open.take() {
        warn(&mut diagnostics, "CFONB-NO-07", "the last statement has no new balance (07)".into(), String::new());
        statements.push(st);
    }
    if statements.is_empty() {
        return Err(BankError::file(file, "no CFONB 120 record at all"));
    }
    Ok(BankFile { format: "cfonb120", message_type: String::new(), message_id: None, statements, diagnostics })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overpunched_amounts() {
        assert_eq!(amount(b"0000000000322J", 2).unwrap().to_string(), "-32.21");
        assert_eq!(amount(b"0000000001904}", 2).unwrap().to_string(), "-190.40");
        assert_eq!(amount(b"0000000010401G", 2).unwrap().to_string(), "1040.17");
        assert_eq!(amount(b"0000000000000{", 2).unwrap().to_string(), "0.00");
        assert!(amount(b"00000000 0000{", 2).is_none());
        assert!(amount(b"0000000000000X", 2).is_none());
    }

    #[test]
    fn dates_are_ddmmyy() {
        assert_eq!(date(b"160519"), NaiveDate::from_ymd_opt(2019, 5, 16));
        assert_eq!(date(b"310299"), None);
        assert_eq!(date(b"1605"), None);
    }
}
