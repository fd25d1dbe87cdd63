//! Invoice amounts in integer cents, and their conversion to EN 16931 totals.
//!
//! Everything is computed in cents with integer arithmetic, so the totals are consistent to the
//! cent by construction: per VAT rate, tax = taxable × rate rounded half away from zero
//! (BR-CO-17); tax total = Σ tax (BR-CO-14); basis = Σ taxable = line total (BR-CO-13, no
//! allowances or charges); grand total = basis + tax (BR-CO-15); due = grand total (BR-CO-16,
//! nothing prepaid, no rounding amount).

use encours_domain::{InvoiceTotals, Money, VatBreakdown};
use rust_decimal::Decimal;

/// VAT rates in basis points (1/100 of a percent): 20 %, 10 %, 5.5 %.
pub(crate) const STANDARD: u16 = 2000;
pub(crate) const INTERMEDIATE: u16 = 1000;
pub(crate) const REDUCED: u16 = 550;

/// The amounts of a document: up to two VAT rates, each with its taxable base and its tax.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Amounts {
    /// `(rate in basis points, taxable cents, tax cents)`; only the first `len` are used.
    lines: [(u16, i64, i64); 2],
    len: usize,
}

/// Tax of a taxable base at a rate, rounded half away from zero to the cent (bases are positive).
fn tax_of(taxable: i64, rate_bp: u16) -> i64 {
    (taxable * i64::from(rate_bp) + 5_000).div_euclid(10_000)
}

/// Cents as a `Money` in euros with two decimals.
pub(crate) fn eur(cents: i64) -> Money {
    Money::eur(Decimal::new(cents, 2))
}

impl Amounts {
    /// Amounts with one or two `(rate, taxable cents)` parts; the tax is computed.
    pub(crate) fn new(parts: &[(u16, i64)]) -> Amounts {
        let mut a = Amounts::default();
        for &(rate, taxable) in parts.iter().take(2) {
            a.lines[a.len] = (rate, taxable, tax_of(taxable, rate));
            a.len += 1;
        }
        a
    }

    /// The `(rate, taxable, tax)` parts.
    pub(crate) fn parts(&self) -> &[(u16, i64, i64)] {
        &self.lines[..self.len]
    }

    /// Σ taxable (BT-109).
    pub(crate) fn taxable(&self) -> i64 {
        self.parts().iter().map(|p| p.1).sum()
    }

    /// Σ tax (BT-110).
    pub(crate) fn tax(&self) -> i64 {
        self.parts().iter().map(|p| p.2).sum()
    }

    /// Grand total with VAT (BT-112), which is also the amount due.
    pub(crate) fn total(&self) -> i64 {
        self.taxable() + self.tax()
    }

    /// A share (in per mille) of these amounts, rate by rate, for a partial credit note. The tax is
    /// recomputed on each reduced base, so the share's total never exceeds the original total.
    /// A share too small to leave a cent falls back to the whole document.
    pub(crate) fn share(&self, per_mille: i64) -> Amounts {
        let per_mille = per_mille.clamp(1, 1000);
        let mut a = Amounts::default();
        for &(rate, taxable, _) in self.parts() {
            a.lines[a.len] = (rate, taxable * per_mille / 1000, 0);
            a.lines[a.len].2 = tax_of(a.lines[a.len].1, rate);
            a.len += 1;
        }
        if a.taxable() <= 0 {
            *self
        } else {
            a
        }
    }

    /// Splits `cents` (part of the total) across the VAT rates in proportion to each rate's total
    /// with VAT: the MEN amounts of a 212 Encaissée status. The last rate takes the remainder so the
    /// parts sum exactly to `cents`.
    pub(crate) fn split_by_rate(&self, cents: i64, out: &mut [(u16, i64); 2]) -> usize {
        let total = i128::from(self.total().max(1));
        let mut given = 0;
        for (i, &(rate, taxable, tax)) in self.parts().iter().enumerate() {
            let part = if i + 1 == self.len {
                cents - given
            } else {
                i64::try_from(i128::from(cents) * i128::from(taxable + tax) / total).unwrap_or(0)
            };
            out[i] = (rate, part);
            given += part;
        }
        self.len
    }

    /// Writes the EN 16931 totals (BG-22).
    pub(crate) fn write_totals(&self, t: &mut InvoiceTotals) {
        let (basis, tax) = (eur(self.taxable()), eur(self.tax()));
        t.line_total = basis;
        t.allowance_total = None;
        t.charge_total = None;
        t.tax_basis_total = basis;
        t.tax_total = Some(tax);
        t.grand_total = eur(self.total());
        t.prepaid = None;
        t.rounding = None;
        t.due_payable = t.grand_total;
    }

    /// Writes the VAT breakdown (BG-23), reusing the entries already in `v` (and parked in
    /// `spare`) so that a stream of invoices does not allocate a category string per invoice.
    pub(crate) fn write_breakdown(&self, v: &mut Vec<VatBreakdown>, spare: &mut Vec<VatBreakdown>) {
        while v.len() > self.len {
            if let Some(b) = v.pop() {
                spare.push(b);
            }
        }
        while v.len() < self.len {
            v.push(spare.pop().unwrap_or_else(|| VatBreakdown {
                category: "S".to_owned(),
                rate: None,
                taxable_amount: eur(0),
                tax_amount: eur(0),
                exemption_reason: None,
            }));
        }
        for (b, &(rate, taxable, tax)) in v.iter_mut().zip(self.parts()) {
            b.rate = Some(rate_percent(rate));
            b.taxable_amount = eur(taxable);
            b.tax_amount = eur(tax);
        }
    }
}

/// A rate in basis points as a percentage with two decimals (550 → 5.50).
pub(crate) fn rate_percent(rate_bp: u16) -> Decimal {
    Decimal::new(i64::from(rate_bp), 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn tax_rounds_half_away_from_zero_per_rate() {
        let a = Amounts::new(&[(REDUCED, 100)]);
        assert_eq!(a.tax(), 6, "1.00 € at 5.5 % is 0.055 €, rounded to 0.06 €");
        let b = Amounts::new(&[(STANDARD, 123_456), (INTERMEDIATE, 7_005)]);
        assert_eq!(b.parts()[0].2, 24_691, "1 234.56 × 20 % = 246.912 → 246.91");
        assert_eq!(b.parts()[1].2, 701, "70.05 × 10 % = 7.005 → 7.01");
        assert_eq!(b.total(), 123_456 + 7_005 + 24_691 + 701, "grand total = bases + taxes");
    }

    #[test]
    fn totals_are_consistent_to_the_cent() {
        let a = Amounts::new(&[(STANDARD, 600_000), (INTERMEDIATE, 400_000)]);
        let mut t = InvoiceTotals {
            line_total: eur(0),
            allowance_total: None,
            charge_total: None,
            tax_basis_total: eur(0),
            tax_total: None,
            grand_total: eur(0),
            prepaid: None,
            rounding: None,
            due_payable: eur(0),
        };
        a.write_totals(&mut t);
        assert_eq!(t.grand_total.amount, dec!(11600.00), "the 1 160 € example of XP Z12-014, ×10");
        assert_eq!(t.due_payable, t.grand_total, "nothing prepaid");
        let (mut v, mut spare) = (Vec::new(), Vec::new());
        a.write_breakdown(&mut v, &mut spare);
        assert_eq!(v.len(), 2, "one breakdown line per rate");
        assert_eq!(v[1].rate, Some(dec!(10.00)), "10 % written with two decimals");
        Amounts::new(&[(REDUCED, 1)]).write_breakdown(&mut v, &mut spare);
        assert_eq!((v.len(), spare.len()), (1, 1), "the unused line is parked, not dropped");
    }

    #[test]
    fn shares_never_exceed_the_whole() {
        let a = Amounts::new(&[(STANDARD, 99_999), (REDUCED, 33_333)]);
        for pm in [1, 7, 100, 333, 999, 1000] {
            let s = a.share(pm);
            assert!(s.total() <= a.total() && s.total() > 0, "share {pm}‰ is positive and at most the total");
        }
        assert_eq!(a.share(1000), a, "1000‰ is the whole document");
        let mut men = [(0, 0); 2];
        let n = a.split_by_rate(50_000, &mut men);
        assert_eq!(men[..n].iter().map(|m| m.1).sum::<i64>(), 50_000, "MEN parts sum to the collected amount");
    }
}
