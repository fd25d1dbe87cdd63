//! French and European identifiers, validated on construction.
//!
//! Rules (legal-rules.md B.6, checklist item 17):
//! - SIREN: 9 digits, Luhn.
//! - SIRET: 14 digits = SIREN + NIC, Luhn over the 14 digits; except La Poste (SIREN 356000000),
//!   whose SIRETs are valid when the sum of their 14 digits is a multiple of 5.
//! - French VAT number: `FR` + key + SIREN, key = (12 + 3 × (SIREN mod 97)) mod 97, two digits.
//!   Alphanumeric ("new style") keys exist but cannot be checked from the SIREN: they are accepted
//!   only when the SIREN part is valid and are marked as such.
//! - IBAN: ISO 13616, country code + 2 check digits + BBAN, mod 97 = 1; spaces are ignored.
//!
//! Input is accepted with spaces (and, for SIREN/SIRET, dots or dashes) as people and documents
//! write them; the stored form is compact.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Wrong number of characters.
    #[error("{kind} must have {expected} characters, found {found} in {input:?}")]
    Length {
        /// Which identifier.
        kind: &'static str,
        /// How many characters it must have.
        expected: usize,
        /// How many were found.
        found: usize,
        /// The input as given.
        input: String,
    },
    /// A character that is not allowed.
    #[error("{kind} contains an invalid character in {input:?}")]
    Character {
        /// Which identifier.
        kind: &'static str,
        /// The input as given.
        input: String,
    },
    /// The check digits do not match.
    #[error("{kind} {input:?} fails its check-digit test")]
    Checksum {
        /// Which identifier.
        kind: &'static str,
        /// The input as given.
        input: String,
    },
}

/// Keeps digits, dropping the separators people write (spaces, no-break spaces, dots, dashes).
fn compact_digits(input: &str, kind: &'static str) -> Result<String, IdError> {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '0'..='9' => out.push(c),
            ' ' | '\u{a0}' | '\u{202f}' | '.' | '-' | '\t' => {}
            _ => return Err(IdError::Character { kind, input: input.to_owned() }),
        }
    }
    Ok(out)
}

/// Luhn check over a string of ASCII digits.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

macro_rules! string_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The compact form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                $name::parse(&s)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                $name::parse(s)
            }
        }
    };
}

string_id!(
    /// SIREN: the 9-digit French company number (INSEE).
    Siren
);
string_id!(
    /// SIRET: the 14-digit French establishment number (SIREN + 5-digit NIC).
    Siret
);
string_id!(
    /// A French intra-EU VAT number, `FR` + 2-character key + SIREN.
    VatNumber
);
string_id!(
    /// An IBAN (ISO 13616), stored without spaces, upper case.
    Iban
);
string_id!(
    /// A NAF rév. 2 activity code as INSEE writes it, e.g. `62.01Z`.
    NafCode
);

/// SIREN of La Poste, whose SIRETs follow a different check rule (INSEE).
pub const LA_POSTE_SIREN: &str = "356000000";

impl Siren {
    /// Parses and checks a SIREN ("552 081 317" → 552081317).
    pub fn parse(input: &str) -> Result<Siren, IdError> {
        let digits = compact_digits(input, "SIREN")?;
        if digits.len() != 9 {
            return Err(IdError::Length { kind: "SIREN", expected: 9, found: digits.len(), input: input.to_owned() });
        }
        if !luhn_valid(&digits) {
            return Err(IdError::Checksum { kind: "SIREN", input: input.to_owned() });
        }
        Ok(Siren(digits))
    }

    /// The SIREN as a number, for key computations.
    pub fn number(&self) -> u64 {
        self.0.parse().unwrap_or(0)
    }

    /// The French VAT number computed from this SIREN (numeric key).
    pub fn vat_number(&self) -> VatNumber {
        VatNumber(format!("FR{:02}{}", vat_key(self.number()), self.0))
    }
}

/// The numeric key of a French VAT number: (12 + 3 × (SIREN mod 97)) mod 97.
pub fn vat_key(siren: u64) -> u64 {
    (12 + 3 * (siren % 97)) % 97
}

impl Siret {
    /// Parses and checks a SIRET, with the La Poste exception.
    pub fn parse(input: &str) -> Result<Siret, IdError> {
        let digits = compact_digits(input, "SIRET")?;
        if digits.len() != 14 {
            return Err(IdError::Length { kind: "SIRET", expected: 14, found: digits.len(), input: input.to_owned() });
        }
        let valid = if digits.starts_with(LA_POSTE_SIREN) {
            let sum: u32 = digits.bytes().map(|b| u32::from(b - b'0')).sum();
            sum.is_multiple_of(5) || luhn_valid(&digits)
        } else {
            luhn_valid(&digits)
        };
        if !valid {
            return Err(IdError::Checksum { kind: "SIRET", input: input.to_owned() });
        }
        Ok(Siret(digits))
    }

    /// The SIREN part (first nine digits). It is not re-checked: La Poste's SIREN is valid, and
    /// for any other SIRET a valid Luhn over 14 digits does not imply one over the first nine,
    /// which BR-FR-09 checks separately by comparing with the declared SIREN.
    pub fn siren_part(&self) -> &str {
        &self.0[..9]
    }

    /// The establishment number (last five digits).
    pub fn nic(&self) -> &str {
        &self.0[9..]
    }
}

impl VatNumber {
    /// Parses a French VAT number and checks its key against the SIREN.
    ///
    /// Numeric keys are checked; an alphanumeric key is accepted when the SIREN part is valid
    /// (see [`VatNumber::has_numeric_key`]). Only French numbers (prefix FR) are handled here.
    pub fn parse(input: &str) -> Result<VatNumber, IdError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace() && *c != '.' && *c != '-').collect();
        let compact = compact.to_ascii_uppercase();
        if compact.len() != 13 {
            return Err(IdError::Length {
                kind: "VAT number",
                expected: 13,
                found: compact.len(),
                input: input.to_owned(),
            });
        }
        // Only ASCII letters and digits: slicing by byte below is then on character boundaries.
        if !compact.starts_with("FR") || !compact.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(IdError::Character { kind: "VAT number", input: input.to_owned() });
        }
        let key = &compact[2..4];
        let siren = Siren::parse(&compact[4..])
            .map_err(|_| IdError::Checksum { kind: "VAT number", input: input.to_owned() })?;
        if !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(IdError::Character { kind: "VAT number", input: input.to_owned() });
        }
        if key.bytes().all(|b| b.is_ascii_digit()) && key.parse::<u64>().ok() != Some(vat_key(siren.number())) {
            return Err(IdError::Checksum { kind: "VAT number", input: input.to_owned() });
        }
        Ok(VatNumber(compact))
    }

    /// The SIREN inside the number.
    pub fn siren(&self) -> Siren {
        Siren(self.0[4..].to_owned())
    }

    /// False for the alphanumeric keys that cannot be checked from the SIREN.
    pub fn has_numeric_key(&self) -> bool {
        self.0[2..4].bytes().all(|b| b.is_ascii_digit())
    }
}

impl Iban {
    /// Parses an IBAN written with or without spaces and checks it (mod 97 = 1).
    pub fn parse(input: &str) -> Result<Iban, IdError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if compact.len() < 15 || compact.len() > 34 {
            return Err(IdError::Length { kind: "IBAN", expected: 27, found: compact.len(), input: input.to_owned() });
        }
        let b = compact.as_bytes();
        if !b[..2].iter().all(u8::is_ascii_uppercase)
            || !b[2..4].iter().all(u8::is_ascii_digit)
            || !b.iter().all(u8::is_ascii_alphanumeric)
        {
            return Err(IdError::Character { kind: "IBAN", input: input.to_owned() });
        }
        if compact.starts_with("FR") && compact.len() != 27 {
            return Err(IdError::Length { kind: "IBAN", expected: 27, found: compact.len(), input: input.to_owned() });
        }
        // Move the first four characters to the end, letters become 10..35, then mod 97 digit by digit.
        let mut rem: u32 = 0;
        for &c in b[4..].iter().chain(&b[..4]) {
            let v = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
            rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
        }
        if rem != 1 {
            return Err(IdError::Checksum { kind: "IBAN", input: input.to_owned() });
        }
        Ok(Iban(compact))
    }

    /// The ISO country code.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// Grouped by four as printed on letters: `FR76 3000 6000 0112 3456 7890 189`.
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + self.0.len() / 4);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }
}

impl NafCode {
    /// Parses a NAF rév. 2 code: two digits, a dot, two digits, a letter (`6201Z` is accepted too).
    pub fn parse(input: &str) -> Result<NafCode, IdError> {
        let compact: String = input.trim().to_ascii_uppercase().chars().filter(|c| *c != '.').collect();
        let b = compact.as_bytes();
        if b.len() != 5 {
            return Err(IdError::Length { kind: "NAF code", expected: 5, found: b.len(), input: input.to_owned() });
        }
        if !b[..4].iter().all(u8::is_ascii_digit) || !b[4].is_ascii_uppercase() {
            return Err(IdError::Character { kind: "NAF code", input: input.to_owned() });
        }
        Ok(NafCode(format!("{}.{}", &compact[..2], &compact[2..])))
    }

    /// The NAF division (first two digits), the usual grain for sector statistics.
    pub fn division(&self) -> &str {
        &self.0[..2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vectors of legal-rules.md B.6 and checklist item 17.
    #[test]
    fn vat_numbers_from_siren_match_the_afnor_vectors() {
        for (siren, vat) in [
            ("200000008", "FR37200000008"),
            ("100000009", "FR88100000009"),
            ("500000005", "FR78500000005"),
            ("552081317", "FR03552081317"),
        ] {
            let s = Siren::parse(siren).unwrap_or_else(|e| panic!("{siren} is a valid SIREN: {e}"));
            assert_eq!(s.vat_number().as_str(), vat, "VAT key of {siren}");
            assert!(VatNumber::parse(vat).is_ok(), "{vat} must be accepted");
        }
    }

    #[test]
    fn siret_vectors() {
        assert!(Siret::parse("73282932000074").is_ok(), "valid by Luhn");
        assert!(Siret::parse("35600000049837").is_ok(), "La Poste: digit sum 45, multiple of 5");
        assert!(Siret::parse("35600000000048").is_ok(), "La Poste head office passes ordinary Luhn");
        assert!(matches!(Siret::parse("12345678912345"), Err(IdError::Checksum { .. })), "invalid vector");
        assert!(Siren::parse(LA_POSTE_SIREN).is_ok(), "La Poste's SIREN passes Luhn");
        let s = Siret::parse("732 829 320 00074").unwrap();
        assert_eq!(s.siren_part(), "732829320");
        assert_eq!(s.nic(), "00074");
    }

    #[test]
    fn siren_refusals_say_why() {
        assert!(matches!(Siren::parse("55208131"), Err(IdError::Length { found: 8, .. })));
        assert!(matches!(Siren::parse("552081318"), Err(IdError::Checksum { .. })));
        assert!(matches!(Siren::parse("55208131A"), Err(IdError::Character { .. })));
        assert_eq!(Siren::parse("552 081 317").unwrap().as_str(), "552081317");
    }

    #[test]
    fn vat_number_with_a_wrong_key_is_refused() {
        assert!(matches!(VatNumber::parse("FR04552081317"), Err(IdError::Checksum { .. })));
        assert!(VatNumber::parse("fr 03 552 081 317").is_ok(), "spaces and lower case are tolerated");
        let alpha = VatNumber::parse("FRA1552081317").unwrap();
        assert!(!alpha.has_numeric_key(), "alphanumeric keys are kept but marked");
        assert_eq!(alpha.siren().as_str(), "552081317");
    }

    #[test]
    fn non_ascii_input_is_refused_not_a_panic() {
        // 13 bytes but not 13 characters: must not slice inside a character.
        assert!(VatNumber::parse("FRaé5520813").is_err());
        assert!(VatNumber::parse("FR€552081317").is_err());
        assert!(Iban::parse("FR76 3000 6000 0112 3456 7890 18é").is_err());
        assert!(NafCode::parse("62.0é").is_err());
        assert!(Siren::parse("55208131é").is_err());
        assert!(Siret::parse("7328293200007é").is_err());
    }

    #[test]
    fn iban_mod_97() {
        assert!(Iban::parse("FR76 3000 6000 0112 3456 7890 189").is_ok());
        assert!(Iban::parse("DE89370400440532013000").is_ok());
        assert!(Iban::parse("GB82 WEST 1234 5698 7654 32").is_ok());
        assert!(matches!(Iban::parse("FR76 3000 6000 0112 3456 7890 188"), Err(IdError::Checksum { .. })));
        assert!(matches!(Iban::parse("FR76 3000"), Err(IdError::Length { .. })));
        assert_eq!(Iban::parse("fr7630006000011234567890189").unwrap().grouped(), "FR76 3000 6000 0112 3456 7890 189");
    }

    #[test]
    fn naf_codes() {
        assert_eq!(NafCode::parse("6201Z").unwrap().as_str(), "62.01Z");
        assert_eq!(NafCode::parse("47.11f").unwrap().division(), "47");
        assert!(NafCode::parse("62.01").is_err());
    }

    #[test]
    fn identifiers_deserialise_through_validation() {
        let ok: Result<Siren, _> = serde_json_like("552081317");
        assert!(ok.is_ok());
        let bad: Result<Siren, _> = serde_json_like("552081318");
        assert!(bad.is_err(), "an invalid SIREN in JSON must not deserialise");
    }

    fn serde_json_like<T: TryFrom<String>>(s: &str) -> Result<T, T::Error> {
        T::try_from(s.to_owned())
    }
}
