//! Valid French identifiers built from random digits: SIREN and SIRET (Luhn), IBAN (RIB key and
//! ISO 13616 check digits). Every value goes through the domain parser before it is used, so a
//! mistake here fails loudly in the tests instead of slipping an invalid number into a demo.

use encours_domain::{Iban, Siren, Siret};

/// La Poste's SIREN, whose SIRETs follow another check rule: never generated.
const LA_POSTE_BODY: u64 = 35_600_000;

/// The Luhn check digit to append to `digits` (ASCII digits).
fn luhn_check_digit(digits: &[u8]) -> u8 {
    // The appended digit sits at position 0 from the right, so the last given digit is doubled.
    let mut sum = 0u32;
    for (i, b) in digits.iter().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0) + b'0'
}

/// Distinct SIRENs for every client, scattered over the number space.
///
/// An affine permutation of `0..SPAN` (the multiplier is prime to SPAN) maps client indices to
/// 8-digit bodies between 30000000 and 99999999: distinct without keeping a set of 50,000 numbers,
/// and random-looking because the multiplier and offset come from the seed.
pub(crate) struct SirenPlan {
    mul: u64,
    add: u64,
    avoid: u64,
}

const SPAN: u64 = 70_000_000;
const BASE: u64 = 30_000_000;

impl SirenPlan {
    /// `seller_body` is the seller's own SIREN body, which no client may share.
    pub(crate) fn new(seed_bits: u64, seller: &Siren) -> SirenPlan {
        // SPAN = 2^7 · 5^7 · 7: a multiplier that is odd and not a multiple of 5 or 7 is prime to it.
        let mut mul = 10_000_001 + (seed_bits % 50_000_000);
        while mul.is_multiple_of(2) || mul.is_multiple_of(5) || mul.is_multiple_of(7) {
            mul += 1;
        }
        SirenPlan { mul, add: (seed_bits >> 32) % SPAN, avoid: seller.number() / 10 }
    }

    /// The SIREN of client `index` (0-based).
    pub(crate) fn siren(&self, index: u64) -> Siren {
        let mut body = BASE + (index % SPAN * self.mul + self.add) % SPAN;
        if body == LA_POSTE_BODY || body == self.avoid {
            // Bodies below BASE are never produced by the permutation, so these stay distinct.
            body = BASE - 1 - u64::from(body == self.avoid);
        }
        siren_from_body(body)
    }
}

/// A SIREN from its 8-digit body, with the Luhn key appended.
pub(crate) fn siren_from_body(body: u64) -> Siren {
    let mut digits = format!("{body:08}").into_bytes();
    digits.push(luhn_check_digit(&digits));
    let text = String::from_utf8(digits).unwrap_or_default();
    Siren::parse(&text).expect("a SIREN with its computed Luhn key is valid")
}

/// The SIRET of an establishment: SIREN + 4-digit NIC stem + the digit that makes 14 digits Luhn-valid.
pub(crate) fn siret(siren: &Siren, nic_stem: u32) -> Siret {
    let mut digits = format!("{}{:04}", siren.as_str(), nic_stem % 10_000).into_bytes();
    digits.push(luhn_check_digit(&digits));
    let text = String::from_utf8(digits).unwrap_or_default();
    Siret::parse(&text).expect("a SIRET with its computed Luhn digit is valid")
}

/// A French IBAN from a bank code, a branch code and an 11-digit account number: the RIB key
/// (97 − (89·bank + 15·branch + 3·account) mod 97) and then the ISO 13616 check digits.
pub(crate) fn french_iban(bank: u32, branch: u32, account: u64) -> Iban {
    let (bank, branch, account) = (bank % 100_000, branch % 100_000, account % 100_000_000_000);
    let rib_key = 97 - (89 * u64::from(bank) + 15 * u64::from(branch) + 3 * account) % 97;
    let bban = format!("{bank:05}{branch:05}{account:011}{rib_key:02}");
    // ISO 13616: BBAN + "FR00" with letters as numbers (F = 15, R = 27), mod 97, check = 98 − rest.
    let rest = format!("{bban}152700").bytes().fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    let text = format!("FR{:02}{bban}", 98 - rest);
    Iban::parse(&text).expect("an IBAN with computed check digits is valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn check_digits_match_known_numbers() {
        assert_eq!(siren_from_body(55_208_131).as_str(), "552081317", "Danone's SIREN key");
        assert_eq!(siret(&siren_from_body(73_282_932), 7).as_str(), "73282932000074", "INSEE example SIRET");
    }

    #[test]
    fn sirens_are_distinct_and_never_la_poste_nor_the_seller() {
        let seller = Siren::parse("552081317").expect("valid seller SIREN");
        let plan = SirenPlan::new(0x1234_5678_9abc_def0, &seller);
        let mut seen = HashSet::new();
        for i in 0..60_000 {
            let s = plan.siren(i);
            assert_ne!(s.as_str(), "356000000", "La Poste's SIREN is never generated");
            assert_ne!(s, seller, "no client shares the seller's SIREN");
            assert!(seen.insert(s), "SIREN of client {i} is unique");
        }
    }

    #[test]
    fn ibans_pass_the_domain_parser() {
        let iban = french_iban(30004, 1234, 12_345_678_901);
        assert!(iban.as_str().starts_with("FR"), "French IBAN");
        assert_eq!(iban.as_str().len(), 27, "French IBANs have 27 characters");
        for (bank, branch, account) in [(20041, 1, 1), (30002, 99_999, 99_999_999_999), (10107, 500, 42)] {
            let i = french_iban(bank, branch, account);
            assert!(Iban::parse(i.as_str()).is_ok(), "{i} parses");
        }
    }
}
