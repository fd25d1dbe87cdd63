//! Key performance indicators of a receivables ledger (collections-anchors.md (d)).
//!
//! Notation of the anchor: `AR` the open receivables at a date (tax included, French practice
//! [K3]), `S_m` the credit sales of month `m` (tax included), `d_m` its calendar days.

use rust_decimal::{Decimal, RoundingStrategy};

/// One month of sales for the countback, newest first: its days (the days elapsed for a month
/// still in progress) and its sales, tax included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthSales {
    /// Calendar days of the month counted (`d_m`).
    pub days: u32,
    /// Credit sales of the month (`S_m`), invoices minus credit notes.
    pub sales: Decimal,
}

/// DSO by the countback / exhaustion method ("méthode par épuisement du CA"):
/// `R = AR; for m = current month, going back: if R ≥ S_m { DSO += d_m; R −= S_m } else
/// { DSO += d_m × R / S_m; stop }` (anchor (d), [K1][K2]).
///
/// Stops at a month with zero or negative sales, as Oracle HFM does (the days counted so far are
/// the answer), and when the months run out (the receivables are older than the history: the
/// result is then a lower bound). A receivable total of zero or less is 0 days. `None` without
/// any month.
pub fn dso_countback(ar: Decimal, months_newest_first: &[MonthSales]) -> Option<Decimal> {
    if months_newest_first.is_empty() {
        return None;
    }
    let mut rest = ar;
    let mut dso = Decimal::ZERO;
    if rest <= Decimal::ZERO {
        return Some(dso);
    }
    for m in months_newest_first {
        if m.sales <= Decimal::ZERO {
            break;
        }
        let days = Decimal::from(m.days);
        if rest >= m.sales {
            dso += days;
            rest -= m.sales;
            if rest.is_zero() {
                break;
            }
        } else {
            dso += days * rest / m.sales;
            break;
        }
    }
    Some(dso)
}

/// DSO by the simple method ("méthode comptable"): `AR / Σ S × days of the period` (anchor (d),
/// [K3]). `None` when the period's sales are not positive.
pub fn dso_simple(ar: Decimal, sales: Decimal, days: u32) -> Option<Decimal> {
    if sales <= Decimal::ZERO {
        return None;
    }
    Some(ar / sales * Decimal::from(days))
}

/// Overdue DSO, or average days delinquent in the anchor's sense: `DSO − BPDSO`, where the best
/// possible DSO is the same DSO with the receivables replaced by the part not yet due (anchor (d),
/// [K4][K5]; JD Edwards' "Delinquent DSO" [K7]).
pub fn overdue_dso(dso: Decimal, best_possible_dso: Decimal) -> Decimal {
    dso - best_possible_dso
}

/// Collection effectiveness index, percent:
/// `(AR_begin + S − AR_end) / (AR_begin + S − AR_end_current) × 100` (anchor (d), [K6]).
///
/// Encours uses the full sales of the period for `S` (the anchor's second convention, 79.6 % in
/// its example); the first convention is this function called with `S / N`. `None` when the
/// denominator is not positive.
pub fn cei(ar_begin: Decimal, sales: Decimal, ar_end: Decimal, ar_end_current: Decimal) -> Option<Decimal> {
    let denominator = ar_begin + sales - ar_end_current;
    if denominator <= Decimal::ZERO {
        return None;
    }
    Some((ar_begin + sales - ar_end) / denominator * Decimal::ONE_HUNDRED)
}

/// `part / whole × 100`; `None` when `whole` is not positive.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole <= Decimal::ZERO {
        return None;
    }
    Some(part / whole * Decimal::ONE_HUNDRED)
}

/// Bad-debt ratio, percent: `(write-offs − recoveries) / credit sales` over the period (anchor (d),
/// [UP7]). `None` when sales are not positive.
pub fn bad_debt_ratio(write_offs: Decimal, recoveries: Decimal, sales: Decimal) -> Option<Decimal> {
    percent(write_offs - recoveries, sales)
}

/// A weighted mean `Σ w·x / Σ w` kept as its two sums, so that it can be accumulated in one pass
/// and merged across groups.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WeightedMean {
    /// `Σ w·x`.
    pub weighted: Decimal,
    /// `Σ w`.
    pub weight: Decimal,
}

impl WeightedMean {
    /// Adds the value `x` with weight `w`.
    pub fn add(&mut self, x: Decimal, w: Decimal) {
        self.weighted += x * w;
        self.weight += w;
    }

    /// Adds another accumulator.
    pub fn merge(&mut self, other: &WeightedMean) {
        self.weighted += other.weighted;
        self.weight += other.weight;
    }

    /// The mean; `None` when the total weight is not positive.
    pub fn mean(&self) -> Option<Decimal> {
        if self.weight <= Decimal::ZERO {
            return None;
        }
        Some(self.weighted / self.weight)
    }
}

/// Rounds days or a percentage to one decimal for display, half away from zero (73.714… → 73.7).
pub fn round1(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
}

/// Rounds to two decimals (cents, or a percentage of sales), half away from zero.
pub fn round2(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn months(list: &[(u32, Decimal)]) -> Vec<MonthSales> {
        list.iter().map(|&(days, sales)| MonthSales { days, sales }).collect()
    }

    #[test]
    fn countback_example_1_gives_73_7_days() {
        // Anchor (d), example 1 [K2]: AR 212,000; sales 100k, 80k, 70k; 30 + 30 + 30 × 32/70.
        let m = months(&[(30, dec!(100000)), (30, dec!(80000)), (30, dec!(70000))]);
        let dso = dso_countback(dec!(212000), &m).unwrap();
        assert_eq!(round1(dso), dec!(73.7));
        assert_eq!(dso, dec!(60) + dec!(30) * dec!(32000) / dec!(70000), "exactly 60 + 30 × 32/70");
    }

    #[test]
    fn countback_example_2_the_oracle_exhaustion() {
        // Anchor (d), example 2 [K1]: Sep 2,500 / Aug 1,750 / Jul 2,250 / Jun 2,500 / May 2,000 /
        // Apr 2,250 with 30/31/31/30/31/30 days. The anchor prints "debtors 12,000" and the sum
        // 30+31+31+30+31+(2000/2250)×30 = 179.7: that sum is the countback of 13,000 (2,000 left
        // for April). Of 12,000, 1,000 is left for April: 166.3 days. Both are checked so that the
        // discrepancy in the source stays visible.
        let m = months(&[
            (30, dec!(2500)),
            (31, dec!(1750)),
            (31, dec!(2250)),
            (30, dec!(2500)),
            (31, dec!(2000)),
            (30, dec!(2250)),
        ]);
        assert_eq!(round1(dso_countback(dec!(13000), &m).unwrap()), dec!(179.7));
        assert_eq!(round1(dso_countback(dec!(12000), &m).unwrap()), dec!(166.3));
    }

    #[test]
    fn countback_stops_at_a_month_without_sales_and_when_history_runs_out() {
        let m = months(&[(30, dec!(100)), (31, dec!(0)), (30, dec!(100))]);
        assert_eq!(dso_countback(dec!(150), &m), Some(dec!(30)), "stops at the empty month");
        let m = months(&[(30, dec!(100)), (31, dec!(100))]);
        assert_eq!(dso_countback(dec!(500), &m), Some(dec!(61)), "a lower bound: history exhausted");
        assert_eq!(dso_countback(dec!(200), &m), Some(dec!(61)), "exactly two months");
        assert_eq!(dso_countback(dec!(-5), &m), Some(dec!(0)));
        assert_eq!(dso_countback(dec!(5), &[]), None);
    }

    #[test]
    fn simple_dso_best_possible_and_overdue_give_45_12_33() {
        // Anchor (d) [K4]: AR 15,000, current 4,000, sales 10,000 over 30 days → 45, 12, 33.
        let dso = dso_simple(dec!(15000), dec!(10000), 30).unwrap();
        let best = dso_simple(dec!(4000), dec!(10000), 30).unwrap();
        assert_eq!(dso, dec!(45));
        assert_eq!(best, dec!(12));
        assert_eq!(overdue_dso(dso, best), dec!(33));
        assert_eq!(dso_simple(dec!(1), dec!(0), 30), None);
    }

    #[test]
    fn cei_gives_55_9_with_monthly_sales_and_79_6_with_full_sales() {
        // Anchor (d) [K6]: over 3 months, AR_begin 6,200, S 10,890, AR_end 6,340, current 3,590.
        let full = cei(dec!(6200), dec!(10890), dec!(6340), dec!(3590)).unwrap();
        assert_eq!(round1(full), dec!(79.6));
        let monthly = cei(dec!(6200), dec!(10890) / dec!(3), dec!(6340), dec!(3590)).unwrap();
        assert_eq!(round1(monthly), dec!(55.9));
        assert_eq!(cei(dec!(0), dec!(0), dec!(0), dec!(0)), None);
    }

    #[test]
    fn ratios_and_means() {
        assert_eq!(percent(dec!(1), dec!(8)), Some(dec!(12.5)));
        assert_eq!(percent(dec!(1), dec!(0)), None);
        assert_eq!(bad_debt_ratio(dec!(300), dec!(100), dec!(10000)), Some(dec!(2)));
        let mut m = WeightedMean::default();
        m.add(dec!(10), dec!(100));
        m.add(dec!(40), dec!(300));
        assert_eq!(m.mean(), Some(dec!(32.5)));
        assert_eq!(WeightedMean::default().mean(), None);
        assert_eq!(round1(dec!(0.05)), dec!(0.1));
        assert_eq!(round1(dec!(-0.05)), dec!(-0.1));
        assert_eq!(round2(dec!(2.345)), dec!(2.35));
    }
}
