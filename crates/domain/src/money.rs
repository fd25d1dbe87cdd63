//! Money: a decimal amount with its currency.
//!
//! Rules, each enforced by a type or a test:
//! - the amount is a [`Decimal`], never a float;
//! - adding or comparing two amounts of different currencies is an error ([`MoneyError::CurrencyMismatch`]);
//! - totals over several currencies are kept per currency ([`Totals`]), never summed together;
//! - rounding is explicit: [`Money::round`] rounds to the currency's minor unit, half away from zero
//!   (the commercial rounding used on French invoices); nothing rounds implicitly, and the scale of
//!   an amount read from a document is kept as written.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An ISO 4217 alphabetic currency code (three upper-case ASCII letters).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// The euro, the currency of almost every French receivable.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses a code, accepting lower case and surrounding white space ("eur " → EUR).
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let code = code.trim();
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::InvalidCurrency(code.to_owned()));
        }
        Ok(Currency([bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase(), bytes[2].to_ascii_uppercase()]))
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // The constructor only accepts ASCII letters, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Digits after the decimal point of the currency's minor unit (ISO 4217 exponent).
    /// Currencies not listed use 2, the common case.
    pub fn minor_unit_digits(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"CLP" | b"ISK" | b"XOF" | b"XAF" | b"XPF" | b"VND" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"TND" | b"JOD" | b"IQD" | b"LYD" => 3,
            _ => 2,
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// What can go wrong with money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Two amounts of different currencies were combined.
    #[error("cannot combine {left} and {right} amounts")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// A currency code that is not three letters.
    #[error("invalid currency code {0:?}")]
    InvalidCurrency(String),
    /// An amount that is not a decimal number.
    #[error("invalid amount {0:?}")]
    InvalidAmount(String),
    /// The result does not fit in a decimal.
    #[error("amount overflow")]
    Overflow,
}

/// An amount of money in one currency.
///
/// Serialised as `{"amount": "1234.50", "currency": "EUR"}`: the amount crosses every boundary
/// (JSON, IPC, SQL) as a decimal string or an exact integer, never as a float.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount, with the scale it was written with.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in a currency.
    pub const fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// An amount in euros.
    pub const fn eur(amount: Decimal) -> Money {
        Money::new(amount, Currency::EUR)
    }

    /// Zero in a currency.
    pub const fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency)
    }

    /// Parses a decimal string such as `"1436.5"` or `"-12.00"`, keeping the scale as written.
    /// A comma is not accepted as decimal mark: documents and IPC use the dot.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let trimmed = amount.trim();
        Decimal::from_str_exact(trimmed)
            .map(|a| Money::new(a, currency))
            .map_err(|_| MoneyError::InvalidAmount(trimmed.to_owned()))
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency })
        }
    }

    /// `self + other`; an error if the currencies differ or the sum overflows.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self.amount.checked_add(other.amount).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// `self - other`; an error if the currencies differ or the difference overflows.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self.amount.checked_sub(other.amount).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// The amount multiplied by a decimal factor (a rate, a share), unrounded.
    pub fn checked_mul(&self, factor: Decimal) -> Result<Money, MoneyError> {
        let amount = self.amount.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// The opposite amount.
    pub fn neg(&self) -> Money {
        Money::new(-self.amount, self.currency)
    }

    /// Compares two amounts of the same currency.
    pub fn checked_cmp(&self, other: &Money) -> Result<std::cmp::Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.amount.cmp(&other.amount))
    }

    /// Rounds to the currency's minor unit, half away from zero (0.005 → 0.01, -0.005 → -0.01),
    /// and sets the scale to exactly that many digits (12.5 → 12.50).
    pub fn round(&self) -> Money {
        let digits = self.currency.minor_unit_digits();
        let mut amount = self.amount.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
        amount.rescale(digits);
        Money::new(amount, self.currency)
    }

    /// True when the amount is zero, whatever its scale.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// True when the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// True when the amount is above zero.
    pub fn is_positive(&self) -> bool {
        self.amount.is_sign_positive() && !self.amount.is_zero()
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl fmt::Display for Money {
    /// Plain technical form, `1234.50 EUR`; the French display form belongs to the UI and documents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Totals kept per currency: the sum of a list of amounts that may mix currencies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals(BTreeMap<Currency, Decimal>);

impl Totals {
    /// No amount yet.
    pub fn new() -> Totals {
        Totals::default()
    }

    /// Adds an amount to the total of its currency.
    pub fn add(&mut self, money: &Money) -> Result<(), MoneyError> {
        let slot = self.0.entry(money.currency).or_insert(Decimal::ZERO);
        *slot = slot.checked_add(money.amount).ok_or(MoneyError::Overflow)?;
        Ok(())
    }

    /// The total in one currency (zero when no amount of that currency was added).
    pub fn get(&self, currency: Currency) -> Money {
        Money::new(self.0.get(&currency).copied().unwrap_or(Decimal::ZERO), currency)
    }

    /// The currencies present, in code order.
    pub fn currencies(&self) -> impl Iterator<Item = Currency> + '_ {
        self.0.keys().copied()
    }

    /// Every total, in currency-code order.
    pub fn iter(&self) -> impl Iterator<Item = Money> + '_ {
        self.0.iter().map(|(c, a)| Money::new(*a, *c))
    }

    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> FromIterator<&'a Money> for Result<Totals, MoneyError> {
    fn from_iter<I: IntoIterator<Item = &'a Money>>(iter: I) -> Self {
        let mut totals = Totals::new();
        for m in iter {
            totals.add(m)?;
        }
        Ok(totals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn mixing_currencies_is_an_error() {
        let a = Money::eur(dec!(10));
        let b = Money::new(dec!(10), usd());
        assert_eq!(
            a.checked_add(&b),
            Err(MoneyError::CurrencyMismatch { left: Currency::EUR, right: usd() }),
            "EUR + USD must be refused, not summed"
        );
        assert!(a.checked_sub(&b).is_err(), "EUR - USD must be refused");
        assert!(a.checked_cmp(&b).is_err(), "EUR and USD amounts are not comparable");
    }

    #[test]
    fn decimal_arithmetic_is_exact_and_keeps_scale() {
        let a = Money::parse("0.1", Currency::EUR).unwrap();
        let b = Money::parse("0.2", Currency::EUR).unwrap();
        assert_eq!(a.checked_add(&b).unwrap().amount.to_string(), "0.3", "no binary float drift");
        let c = Money::parse("135.00", Currency::EUR).unwrap();
        let d = Money::parse("27.00", Currency::EUR).unwrap();
        assert_eq!(c.checked_add(&d).unwrap().amount.to_string(), "162.00", "scale as written is kept");
    }

    #[test]
    fn rounding_is_half_away_from_zero_to_the_minor_unit() {
        let r = |s: &str| Money::parse(s, Currency::EUR).unwrap().round().amount.to_string();
        assert_eq!(r("0.005"), "0.01");
        assert_eq!(r("-0.005"), "-0.01");
        assert_eq!(r("0.004999"), "0.00");
        assert_eq!(r("12.5"), "12.50");
        assert_eq!(r("1436.12345"), "1436.12");
        let yen = Money::parse("1234.5", Currency::parse("jpy").unwrap()).unwrap();
        assert_eq!(yen.round().amount.to_string(), "1235", "JPY has no minor unit");
    }

    #[test]
    fn parse_refuses_what_is_not_a_decimal() {
        for bad in ["", "abc", "1,5", "1e3", "12.3.4", "NaN"] {
            assert!(Money::parse(bad, Currency::EUR).is_err(), "{bad:?} must not parse as money");
        }
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert_eq!(Currency::parse(" eur ").unwrap(), Currency::EUR);
    }

    #[test]
    fn totals_are_kept_per_currency() {
        let items = [Money::eur(dec!(10.50)), Money::new(dec!(3), usd()), Money::eur(dec!(-0.50))];
        let totals: Totals = items.iter().collect::<Result<Totals, _>>().unwrap();
        assert_eq!(totals.get(Currency::EUR).amount, dec!(10.00));
        assert_eq!(totals.get(usd()).amount, dec!(3));
        assert_eq!(totals.currencies().count(), 2);
        assert_eq!(totals.get(Currency::parse("GBP").unwrap()).amount, Decimal::ZERO);
    }

    #[test]
    fn money_serialises_its_amount_as_a_string() {
        let m = Money::parse("1481.40", Currency::EUR).unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"1481.40","currency":"EUR"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }

    fn amount() -> impl Strategy<Value = Decimal> {
        // Amounts up to ±10^12 with up to 5 decimals: every amount a ledger or a bank file holds.
        (-100_000_000_000_000_000i64..100_000_000_000_000_000i64, 0u32..=5).prop_map(|(m, s)| Decimal::new(m, s))
    }

    proptest! {
        #[test]
        fn addition_is_commutative_and_associative(a in amount(), b in amount(), c in amount()) {
            let (a, b, c) = (Money::eur(a), Money::eur(b), Money::eur(c));
            prop_assert_eq!(a.checked_add(&b).unwrap(), b.checked_add(&a).unwrap());
            let left = a.checked_add(&b).unwrap().checked_add(&c).unwrap();
            let right = a.checked_add(&b.checked_add(&c).unwrap()).unwrap();
            prop_assert_eq!(left.amount, right.amount);
        }

        #[test]
        fn subtraction_undoes_addition(a in amount(), b in amount()) {
            let (a, b) = (Money::eur(a), Money::eur(b));
            prop_assert_eq!(a.checked_add(&b).unwrap().checked_sub(&b).unwrap().amount, a.amount);
        }

        #[test]
        fn rounding_moves_at_most_half_a_cent(a in amount()) {
            let m = Money::eur(a);
            let r = m.round();
            prop_assert!((r.amount - m.amount).abs() <= Decimal::new(5, 3));
            prop_assert_eq!(r.amount.scale(), 2);
            prop_assert_eq!(r.round(), r, "rounding is idempotent");
            prop_assert_eq!(m.neg().round(), r.neg(), "rounding is symmetric around zero");
        }

        #[test]
        fn totals_equal_the_sum_per_currency(xs in proptest::collection::vec((amount(), any::<bool>()), 0..40)) {
            let usd = Currency::parse("USD").unwrap();
            let items: Vec<Money> = xs.iter().map(|(a, e)| Money::new(*a, if *e { Currency::EUR } else { usd })).collect();
            let totals = items.iter().collect::<Result<Totals, _>>().unwrap();
            let eur_sum: Decimal = xs.iter().filter(|x| x.1).map(|x| x.0).sum();
            let usd_sum: Decimal = xs.iter().filter(|x| !x.1).map(|x| x.0).sum();
            prop_assert_eq!(totals.get(Currency::EUR).amount, eur_sum);
            prop_assert_eq!(totals.get(usd).amount, usd_sum);
        }

        #[test]
        fn parse_and_display_round_trip(a in amount()) {
            let m = Money::eur(a);
            prop_assert_eq!(Money::parse(&m.amount.to_string(), Currency::EUR).unwrap(), m);
        }
    }
}
