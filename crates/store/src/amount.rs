//! Exact integer storage of amounts.
//!
//! Amounts are stored as `i64` counts of 10^-5 currency units: exact, summable by SQLite without
//! floats, and wide enough for ISO 20022 bank amounts (up to 5 decimals) and for ±92 trillion.
//! An amount that does not fit is refused, never rounded.

use rust_decimal::Decimal;

use crate::error::StoreError;

/// Decimal digits kept in storage.
pub const AMOUNT_SCALE: u32 = 5;

/// The stored integer of an amount; an error when it has more than 5 decimals or is too large.
pub fn to_units(amount: Decimal) -> Result<i64, StoreError> {
    let scaled = amount
        .checked_mul(Decimal::from(10i64.pow(AMOUNT_SCALE)))
        .ok_or_else(|| StoreError::AmountOutOfRange(amount.to_string()))?;
    if !scaled.fract().is_zero() {
        return Err(StoreError::AmountOutOfRange(amount.to_string()));
    }
    i64::try_from(scaled.trunc()).map_err(|_| StoreError::AmountOutOfRange(amount.to_string()))
}

/// The amount of a stored integer, with at least two decimals ("1234.5" reads back as "1234.50").
pub fn from_units(units: i64) -> Decimal {
    let mut d = Decimal::new(units, AMOUNT_SCALE).normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn round_trip() {
        for d in [dec!(0), dec!(1436.5), dec!(-12.00), dec!(0.12345), dec!(999999999.99)] {
            assert_eq!(from_units(to_units(d).unwrap()), d, "{d} must read back equal");
        }
        assert_eq!(from_units(to_units(dec!(1436.5)).unwrap()).to_string(), "1436.50");
        assert_eq!(from_units(to_units(dec!(0.12345)).unwrap()).to_string(), "0.12345");
    }

    #[test]
    fn refuses_what_it_cannot_store_exactly() {
        assert!(to_units(dec!(0.123456)).is_err(), "6 decimals would be rounded");
        assert!(to_units(dec!(100000000000000)).is_err(), "10^14 does not fit in i64 at scale 5");
    }
}
