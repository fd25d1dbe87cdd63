//! The ISO 11649 structured creditor reference ("RF reference") Encours prints on its letters so
//! that a payment can be matched to its invoice without reading free text.
//!
//! Layout (ISO 11649): `RF`, two check digits, then 1 to 21 letters or digits, 25 characters at
//! most. The check is the IBAN one (ISO 7064 mod 97-10): move the first four characters to the
//! end, replace each letter by two digits (A = 10 … Z = 35) and the remainder modulo 97 must be 1.
//! Check digits are therefore always 02 to 98; `RF00`, `RF01` and `RF99` never come out of a
//! correct computation and are refused. People and banks write the reference in groups of four
//! (`RF18 5390 0754 7034`), in either case: parsing accepts both, the stored form is compact and
//! upper case, [`fmt::Display`] prints the groups.
//!
//! Why a structured reference: a SEPA credit transfer carries it unchanged in
//! `RmtInf/Strd/CdtrRefInf/Ref` (camt.053 and camt.054), and its check digits make a typing error
//! detectable, which free text never is. It is the strongest evidence the lettrage has.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::invoice::InvoiceId;

/// The most characters of the reference part (after `RF` and the check digits).
pub const MAX_BODY_LEN: usize = 21;

/// Why a creditor reference was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditorRefError {
    /// Shorter than `RF` + 2 check digits + 1 character, or longer than 25 characters.
    #[error("an RF creditor reference has 5 to 25 characters, found {found} in {input:?}")]
    Length {
        /// How many characters were found (spaces removed).
        found: usize,
        /// The input as given.
        input: String,
    },
    /// Does not start with `RF` followed by two digits.
    #[error("{input:?} does not start with RF and two check digits")]
    Prefix {
        /// The input as given.
        input: String,
    },
    /// A character other than an ASCII letter, a digit or a space.
    #[error("an RF creditor reference holds only letters and digits, not {input:?}")]
    Character {
        /// The input as given.
        input: String,
    },
    /// The check digits do not match the reference.
    #[error("{input:?} fails its ISO 11649 check digits")]
    Checksum {
        /// The input as given.
        input: String,
    },
}

/// An ISO 11649 creditor reference, valid by construction, stored compact and upper case
/// (`RF18539007547034`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditorRef(String);

/// `value mod 97` of a string of ASCII upper-case letters and digits, letters counting as two
/// digits (A = 10 … Z = 35), computed digit by digit so that no length overflows.
fn mod97(chars: impl Iterator<Item = u8>) -> u32 {
    let mut rem = 0u32;
    for c in chars {
        let v = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem
}

impl CreditorRef {
    /// Parses a reference as written on paper or in a bank file: spaces (ordinary, no-break,
    /// narrow no-break, tabs) are ignored and lower case is accepted (`rf18 5390 0754 7034`).
    pub fn parse(input: &str) -> Result<CreditorRef, CreditorRefError> {
        let mut compact = String::with_capacity(25);
        for c in input.chars() {
            match c {
                ' ' | '\u{a0}' | '\u{202f}' | '\t' => {}
                c if c.is_ascii_alphanumeric() => compact.push(c.to_ascii_uppercase()),
                _ => return Err(CreditorRefError::Character { input: input.to_owned() }),
            }
        }
        if compact.len() < 5 || compact.len() > 4 + MAX_BODY_LEN {
            return Err(CreditorRefError::Length { found: compact.len(), input: input.to_owned() });
        }
        // Only ASCII from here on: byte slicing is on character boundaries.
        let b = compact.as_bytes();
        if &b[..2] != b"RF" || !b[2..4].iter().all(u8::is_ascii_digit) {
            return Err(CreditorRefError::Prefix { input: input.to_owned() });
        }
        let check = &compact[2..4];
        if matches!(check, "00" | "01" | "99") || mod97(b[4..].iter().chain(&b[..4]).copied()) != 1 {
            return Err(CreditorRefError::Checksum { input: input.to_owned() });
        }
        Ok(CreditorRef(compact))
    }

    /// Builds the reference of a body (1 to 21 letters or digits, case and spaces as for
    /// [`CreditorRef::parse`]) by computing its check digits: `539007547034` → `RF18539007547034`.
    pub fn from_body(body: &str) -> Result<CreditorRef, CreditorRefError> {
        let mut compact = String::with_capacity(4 + MAX_BODY_LEN);
        compact.push_str("RF00");
        for c in body.chars() {
            match c {
                ' ' | '\u{a0}' | '\u{202f}' | '\t' => {}
                c if c.is_ascii_alphanumeric() => compact.push(c.to_ascii_uppercase()),
                _ => return Err(CreditorRefError::Character { input: body.to_owned() }),
            }
        }
        let len = compact.len() - 4;
        if len == 0 || len > MAX_BODY_LEN {
            return Err(CreditorRefError::Length { found: compact.len(), input: body.to_owned() });
        }
        Ok(CreditorRef::with_check_digits(compact))
    }

    /// Replaces the `00` placeholder of `RF00` + body (upper-case ASCII letters and digits) by the
    /// check digits: with "00" in their place the remainder r gives check digits 98 - r.
    fn with_check_digits(mut compact: String) -> CreditorRef {
        let b = compact.as_bytes();
        let check = 98 - mod97(b[4..].iter().chain(&b[..4]).copied());
        compact.replace_range(2..4, &format!("{check:02}"));
        CreditorRef(compact)
    }

    /// The reference Encours prints on its letters and payment slips for an invoice.
    ///
    /// The body is the invoice number (BT-1) reduced to its ASCII letters and digits, upper case
    /// (`F2026-000123` → `RF86F2026000123`): the payer, the bank and the credit manager can read
    /// the invoice number in it, and the matching engine finds the invoice from the reference
    /// alone even when the reference was not recorded. A number whose reduced form is empty or
    /// longer than the 21 characters ISO 11649 allows cannot be used as is; the body is then `ID`
    /// followed by the ledger's invoice id (`RF…ID48213`), which is unique in the dossier but only
    /// as long as the dossier lives, so it is the fallback and not the rule. Two numbers that
    /// differ only by separators (`F-12` and `F/12`) give the same reference; within one seller's
    /// numbering they are the same number, and the matching engine treats a reference that names
    /// several open items as ambiguous rather than guessing.
    pub fn for_invoice(number: &str, id: InvoiceId) -> CreditorRef {
        let mut compact = String::with_capacity(4 + MAX_BODY_LEN);
        compact.push_str("RF00");
        compact.extend(number.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()));
        if compact.len() == 4 || compact.len() > 4 + MAX_BODY_LEN {
            // "ID" + at most 19 digits (an i64) is at most 21 characters: always a valid body.
            compact.truncate(4);
            compact.push_str("ID");
            compact.push_str(&id.0.unsigned_abs().to_string());
        }
        CreditorRef::with_check_digits(compact)
    }

    /// The compact form, `RF18539007547034`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reference part, after `RF` and the check digits (`539007547034`).
    pub fn body(&self) -> &str {
        &self.0[4..]
    }

    /// The check digits (`18`).
    pub fn check_digits(&self) -> &str {
        &self.0[2..4]
    }
}

impl fmt::Display for CreditorRef {
    /// In groups of four, as printed on letters: `RF18 5390 0754 7034`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, chunk) in self.0.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            // The compact form is ASCII, so every chunk is valid UTF-8.
            f.write_str(std::str::from_utf8(chunk).unwrap_or_default())?;
        }
        Ok(())
    }
}

impl fmt::Debug for CreditorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditorRef({})", self.0)
    }
}

impl From<CreditorRef> for String {
    fn from(r: CreditorRef) -> String {
        r.0
    }
}

impl TryFrom<String> for CreditorRef {
    type Error = CreditorRefError;
    fn try_from(s: String) -> Result<Self, CreditorRefError> {
        CreditorRef::parse(&s)
    }
}

impl std::str::FromStr for CreditorRef {
    type Err = CreditorRefError;
    fn from_str(s: &str) -> Result<Self, CreditorRefError> {
        CreditorRef::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iso_11649_example_is_valid_in_every_written_form() {
        // The example of ISO 11649 (and of the EPC's guidance on the structured reference).
        for written in ["RF18539007547034", "RF18 5390 0754 7034", "rf18 5390 0754 7034", "RF18\u{a0}5390\t0754 7034"] {
            let r = CreditorRef::parse(written).unwrap_or_else(|e| panic!("{written:?} is valid: {e}"));
            assert_eq!(r.as_str(), "RF18539007547034", "compact form of {written:?}");
            assert_eq!(r.body(), "539007547034");
            assert_eq!(r.check_digits(), "18");
        }
        // Leading zeros do not change the value, hence not the check digits; 25 characters is the maximum.
        assert!(CreditorRef::parse("RF18000000000539007547034").is_ok());
    }

    #[test]
    fn invalid_references_are_refused_with_the_reason() {
        assert!(matches!(CreditorRef::parse("RF19539007547034"), Err(CreditorRefError::Checksum { .. })));
        assert!(matches!(CreditorRef::parse("RF18539007547035"), Err(CreditorRefError::Checksum { .. })));
        assert!(matches!(CreditorRef::parse("RF71 4"), Err(CreditorRefError::Checksum { .. })));
        assert!(matches!(CreditorRef::parse("RF18"), Err(CreditorRefError::Length { found: 4, .. })));
        assert!(matches!(
            CreditorRef::parse("RF18 0000 0000 0053 9007 5470 34"),
            Err(CreditorRefError::Length { found: 26, .. })
        ));
        assert!(matches!(CreditorRef::parse("FR18539007547034"), Err(CreditorRefError::Prefix { .. })));
        assert!(matches!(CreditorRef::parse("RFA8539007547034"), Err(CreditorRefError::Prefix { .. })));
        assert!(matches!(CreditorRef::parse("RF18-5390-0754-7034"), Err(CreditorRefError::Character { .. })));
        assert!(matches!(CreditorRef::parse("RF18 5390 0754 703é"), Err(CreditorRefError::Character { .. })));
        assert!(CreditorRef::parse("").is_err());
    }

    #[test]
    fn check_digits_00_01_and_99_are_never_valid() {
        // 99 ≡ 2 (mod 97): a body whose correct check digits are 02 would also pass the bare
        // mod-97 test with 99. ISO 11649 only produces 02 to 98.
        let two = (0..10_000)
            .map(|n| CreditorRef::from_body(&n.to_string()).unwrap())
            .find(|r| r.check_digits() == "02")
            .expect("some small number has check digits 02");
        let with_99 = format!("RF99{}", two.body());
        assert!(matches!(CreditorRef::parse(&with_99), Err(CreditorRefError::Checksum { .. })), "{with_99}");
        for r in (0..2_000).map(|n| CreditorRef::from_body(&format!("X{n}")).unwrap()) {
            let check: u32 = r.check_digits().parse().unwrap();
            assert!((2..=98).contains(&check), "{r:?}");
        }
    }

    #[test]
    fn from_body_computes_the_check_digits() {
        assert_eq!(CreditorRef::from_body("539007547034").unwrap().as_str(), "RF18539007547034");
        assert_eq!(CreditorRef::from_body("5390 0754 7034").unwrap().as_str(), "RF18539007547034");
        assert_eq!(CreditorRef::from_body("f2026000123").unwrap().as_str(), "RF86F2026000123");
        assert_eq!(CreditorRef::from_body("1").unwrap().as_str(), "RF741");
        assert_eq!(CreditorRef::from_body("ABCDEFGHIJKLMNOPQRSTU").unwrap().as_str(), "RF95ABCDEFGHIJKLMNOPQRSTU");
        assert!(matches!(CreditorRef::from_body(""), Err(CreditorRefError::Length { .. })));
        assert!(matches!(CreditorRef::from_body("ABCDEFGHIJKLMNOPQRSTUV"), Err(CreditorRefError::Length { .. })));
        assert!(matches!(CreditorRef::from_body("F2026-1"), Err(CreditorRefError::Character { .. })));
        for body in ["A", "ZZZZ", "000", "F2026000124", "ID9223372036854775807"] {
            let r = CreditorRef::from_body(body).unwrap();
            assert_eq!(CreditorRef::parse(&r.to_string()), Ok(r.clone()), "{body} round-trips through its display");
        }
    }

    #[test]
    fn invoices_get_their_number_as_reference_or_their_id_when_it_does_not_fit() {
        let r = CreditorRef::for_invoice("F2026-000123", InvoiceId(7));
        assert_eq!(r.as_str(), "RF86F2026000123");
        assert_eq!(r.to_string(), "RF86 F202 6000 123");
        assert_eq!(CreditorRef::for_invoice("f 2026/000123", InvoiceId(8)), r, "separators and case do not matter");
        let long = CreditorRef::for_invoice("CONTRAT-2026-DIRECTION-REGIONALE-0042", InvoiceId(48_213));
        assert_eq!(long.body(), "ID48213", "too long for ISO 11649: the ledger id");
        let empty = CreditorRef::for_invoice("—", InvoiceId(5));
        assert_eq!(empty.body(), "ID5", "nothing usable in the number: the ledger id");
        assert!(CreditorRef::for_invoice("X", InvoiceId(i64::MAX)).as_str().starts_with("RF"));
        let max = CreditorRef::for_invoice("", InvoiceId(i64::MAX));
        assert_eq!(max.body(), "ID9223372036854775807", "the largest id still fits in 21 characters");
        assert!(CreditorRef::parse(max.as_str()).is_ok());
    }

    #[test]
    fn display_groups_by_four_and_serde_goes_through_validation() {
        let r = CreditorRef::parse("RF18000000000539007547034").unwrap();
        assert_eq!(r.to_string(), "RF18 0000 0000 0539 0075 4703 4");
        assert!(CreditorRef::try_from(String::from("RF19539007547034")).is_err());
        assert_eq!(String::from(r.clone()), "RF18000000000539007547034");
        assert_eq!("RF18 5390 0754 7034".parse::<CreditorRef>().unwrap().as_str(), "RF18539007547034");
    }
}
