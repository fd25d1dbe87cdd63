//! Late-payment penalties (Code de commerce L441-10 II) and legal interest (Code civil 1231-6,
//! 1344-1): simple interest, day by day, split by half-year (legal-rules A.1.5, checklist 5 and 7).

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::{CreditorKind, HalfYear, LegalError, LegalRates};
use crate::Money;

/// Days of the year the annual rate is spread over: 365, even in a leap year (legal-rules A.1.5,
/// \[U\]: "the common convention; no text fixes it").
const DAY_COUNT_BASIS: i64 = 365;

/// Where the penalty rate comes from.
///
/// The readers crate reads the invoice's PMD note (BR-FR-05, legal-rules A.1.4) into a fixed rate,
/// a multiple of the legal rate or ECB + points (`encours_readers` `PenaltyRate`); each maps to one
/// variant here. With no stipulation the L441-10 default applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyBasis {
    /// A fixed annual rate set by the contract or the CGV, in percent ("12,15 %" → 12.15).
    Contractual(Decimal),
    /// A contractual multiple of the professional legal rate of each half-year ("3 fois le taux
    /// d'intérêt légal" → 3).
    LegalRateMultiple(Decimal),
    /// A contractual ECB MRO rate plus points, the MRO being the one in force on the first day of
    /// each half-year ("taux BCE majoré de 10 points" → 10).
    EcbPlus(Decimal),
    /// Nothing stipulated: ECB MRO in force on 1 January / 1 July + 10 points (L441-10 II).
    LegalDefault,
}

impl PenaltyBasis {
    /// The basis from a fixed contractual rate read from the invoice, if any (the readers'
    /// `PenaltyTerms::contractual_rate_percent`): the rate when there is one, else the L441-10
    /// default.
    pub fn from_contractual_percent(percent: Option<Decimal>) -> PenaltyBasis {
        percent.map_or(PenaltyBasis::LegalDefault, PenaltyBasis::Contractual)
    }
}

/// Why a line bears its rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateReason {
    /// The contractual fixed rate, at or above the floor.
    Contractual,
    /// The contractual multiple of the legal rate, at or above the floor.
    ContractualLegalMultiple,
    /// The contractual ECB + points, at or above the floor.
    ContractualEcbPlus,
    /// The L441-10 default: ECB MRO on the half-year's first day + 10 points (legal-rules A.1.6).
    EcbPlusTen,
    /// The contractual rate was below 3 × the legal rate of the half-year, which a contract may not
    /// set (L441-10 II); the floor applies instead (legal-rules A.1.8 reading, \[U\]).
    FlooredAtThreeTimesLegal,
    /// The legal interest rate for this kind of creditor (Code civil 1231-6, legal-rules A.3).
    LegalInterest(CreditorKind),
}

/// One segment of the computation: days within one half-year on one outstanding amount.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InterestLine {
    /// The half-year whose rate applies.
    pub half_year: HalfYear,
    /// First day counted.
    pub from: NaiveDate,
    /// Last day counted (inclusive).
    pub to: NaiveDate,
    /// Days counted: `to − from + 1`.
    pub days: i64,
    /// The amount interest runs on during these days (incl. VAT for penalties, legal-rules A.1.5).
    pub base: Money,
    /// The annual rate applied, in percent.
    pub rate_percent: Decimal,
    /// Why that rate.
    pub reason: RateReason,
    /// `base × rate / 100 × days / 365`, rounded to the cent (display only: the total is computed
    /// from the exact figures, legal-rules checklist 5).
    pub amount: Money,
}

/// The result of a penalty or legal interest computation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InterestBreakdown {
    /// One line per half-year (and per outstanding amount when payments change it), in date order.
    /// Empty when no day is counted.
    pub lines: Vec<InterestLine>,
    /// Days counted in all.
    pub days: i64,
    /// The exact sum of the lines, unrounded.
    pub exact_total: Money,
    /// The amount owed: the exact total rounded to the cent, half away from zero.
    pub total: Money,
}

/// The L441-10 penalty breakdown (same shape as legal interest).
pub type PenaltyBreakdown = InterestBreakdown;

/// Late-payment penalties on an invoice (Code de commerce L441-10 II, legal-rules A.1 and checklist
/// 3–5): simple interest on `amount_incl_vat`, for each day from the day after `due` up to and
/// including `paid_or_as_of`, at the rate of the half-year each day falls in, on a 365-day basis.
///
/// Paid on or before the due date: no line and a zero total. The rate per half-year follows
/// `basis`; a contractual rate is floored at 3 × the professional legal rate of the half-year, the
/// default rate (ECB + 10) is not (see the module documentation). A half-year the rate tables do not
/// cover is an error naming the missing rate.
pub fn late_penalties(
    amount_incl_vat: Money,
    due: NaiveDate,
    paid_or_as_of: NaiveDate,
    basis: PenaltyBasis,
    rates: &LegalRates,
) -> Result<PenaltyBreakdown, LegalError> {
    late_penalties_on_balance(amount_incl_vat, due, paid_or_as_of, &[], basis, rates)
}

/// Late-payment penalties on the balance outstanding day by day (legal-rules checklist 5: "for
/// partial payments, compute on the outstanding balance day by day").
///
/// `payments` are (date, amount) pairs in the invoice's currency, in any order. A payment stops the
/// interest on its amount after its date: the payment day itself still counts, as for a full
/// payment (paid the day after the due date = one day of penalties). Payments on or before the due
/// date reduce the base from the start. The balance never goes below zero.
pub fn late_penalties_on_balance(
    amount_incl_vat: Money,
    due: NaiveDate,
    paid_or_as_of: NaiveDate,
    payments: &[(NaiveDate, Money)],
    basis: PenaltyBasis,
    rates: &LegalRates,
) -> Result<PenaltyBreakdown, LegalError> {
    match basis {
        PenaltyBasis::Contractual(r) | PenaltyBasis::LegalRateMultiple(r) | PenaltyBasis::EcbPlus(r)
            if r.is_sign_negative() && !r.is_zero() =>
        {
            return Err(LegalError::InvalidInput(format!("a contractual penalty figure cannot be negative ({r})")));
        }
        _ => {}
    }
    let rate_of = |half_year: HalfYear| -> Result<(Decimal, RateReason), LegalError> {
        let (contractual, reason) = match basis {
            PenaltyBasis::LegalDefault => return Ok((rates.default_penalty_rate(half_year)?, RateReason::EcbPlusTen)),
            PenaltyBasis::Contractual(percent) => (percent, RateReason::Contractual),
            PenaltyBasis::LegalRateMultiple(times) => {
                (times * rates.legal_rate(half_year, CreditorKind::Professional)?, RateReason::ContractualLegalMultiple)
            }
            PenaltyBasis::EcbPlus(points) => (rates.ecb_mro(half_year)? + points, RateReason::ContractualEcbPlus),
        };
        // L441-10 II: a contract "ne peut toutefois fixer un taux inférieur à trois fois le taux
        // d'intérêt légal" (legal-rules A.1.1, checklist 4).
        let floor = rates.contractual_floor(half_year)?;
        Ok(if contractual < floor { (floor, RateReason::FlooredAtThreeTimesLegal) } else { (contractual, reason) })
    };
    accrue(amount_incl_vat, due, paid_or_as_of, payments, rate_of)
}

/// Legal interest from a mise en demeure (Code civil 1231-6 and 1344-1, legal-rules A.3 and
/// checklist 7): simple interest on `amount` at the legal rate of each half-year for the creditor's
/// kind, for each day after `mise_en_demeure` up to and including `until`, on a 365-day basis.
///
/// "À compter de la mise en demeure": counting the days after the notice up to the end date gives
/// `until − mise_en_demeure` days, the same count as starting on the notice day and excluding the
/// end date. Do not add this to L441-10 penalties for the same days (legal-rules A.3, \[U\]): the
/// caller picks one or the other for a period.
pub fn legal_interest(
    amount: Money,
    mise_en_demeure: NaiveDate,
    until: NaiveDate,
    creditor: CreditorKind,
    rates: &LegalRates,
) -> Result<InterestBreakdown, LegalError> {
    let rate_of = |half_year| Ok((rates.legal_rate(half_year, creditor)?, RateReason::LegalInterest(creditor)));
    accrue(amount, mise_en_demeure, until, &[], rate_of)
}

/// Simple interest for the days in `(after, through]`, split at half-year boundaries and at the
/// days the balance changes, each line at the rate `rate_of` gives for its half-year.
fn accrue(
    amount: Money,
    after: NaiveDate,
    through: NaiveDate,
    payments: &[(NaiveDate, Money)],
    rate_of: impl Fn(HalfYear) -> Result<(Decimal, RateReason), LegalError>,
) -> Result<InterestBreakdown, LegalError> {
    if amount.is_negative() {
        return Err(LegalError::InvalidInput(format!("interest runs on a positive amount, not {amount}")));
    }
    let mut payments: Vec<(NaiveDate, Money)> = payments.to_vec();
    for (_, paid) in &payments {
        if paid.currency != amount.currency {
            return Err(LegalError::CurrencyMismatch { left: amount.currency, right: paid.currency });
        }
        if paid.is_negative() {
            return Err(LegalError::InvalidInput(format!("a payment cannot be negative ({paid})")));
        }
    }
    payments.sort_by_key(|(date, _)| *date);

    let next_day = |d: NaiveDate| d.checked_add_days(Days::new(1)).ok_or(LegalError::Overflow);
    let mut lines = Vec::new();
    let mut numerator = Decimal::ZERO; // Σ base × rate × days, exact; divided once by 36 500.
    let mut balance = amount.amount;
    let mut pending = payments.iter().peekable();
    // Payments made on or before the first counted day's eve reduce the base from the start.
    while let Some((_, paid)) = pending.next_if(|(date, _)| *date <= after) {
        balance = (balance - paid.amount).max(Decimal::ZERO);
    }
    let mut day = next_day(after)?;
    while day <= through && balance > Decimal::ZERO {
        let half_year = HalfYear::of(day);
        // The segment ends at the half-year's end, the end date, or the next payment day
        // (inclusive: the payment day still bears interest on the amount it pays).
        let mut to = half_year.end().min(through);
        if let Some((paid_on, _)) = pending.peek() {
            to = to.min(*paid_on);
        }
        let days = (to - day).num_days() + 1;
        let (rate_percent, reason) = rate_of(half_year)?;
        let line_numerator = balance
            .checked_mul(rate_percent)
            .and_then(|x| x.checked_mul(Decimal::from(days)))
            .ok_or(LegalError::Overflow)?;
        numerator = numerator.checked_add(line_numerator).ok_or(LegalError::Overflow)?;
        lines.push(InterestLine {
            half_year,
            from: day,
            to,
            days,
            base: Money::new(balance, amount.currency),
            rate_percent,
            reason,
            amount: Money::new(per_day_basis(line_numerator)?, amount.currency).round(),
        });
        while let Some((_, paid)) = pending.next_if(|(date, _)| *date <= to) {
            balance = (balance - paid.amount).max(Decimal::ZERO);
        }
        day = next_day(to)?;
    }
    let exact_total = Money::new(per_day_basis(numerator)?, amount.currency);
    Ok(InterestBreakdown { days: lines.iter().map(|l| l.days).sum(), lines, total: exact_total.round(), exact_total })
}

/// `base × rate% × days` → amount: divided by 100 (percent) and by the 365-day basis.
fn per_day_basis(numerator: Decimal) -> Result<Decimal, LegalError> {
    numerator.checked_div(Decimal::from(100 * DAY_COUNT_BASIS)).ok_or(LegalError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legal::RateTable;
    use crate::Currency;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn eur(amount: Decimal) -> Money {
        Money::eur(amount)
    }

    /// Tables with one constant ECB rate and one constant legal rate from 2000 to 2040, to check
    /// the splitting alone.
    fn constant_rates(mro: Decimal, legal: Decimal) -> LegalRates {
        let ecb =
            RateTable::parse(&format!("effective_date,mro_percent\n2000-01-01,{mro}\ncovered_until,2040-12-31\n"))
                .unwrap();
        let legal = RateTable::parse(&format!(
            "effective_date,professional_percent,individual_percent\n2000-01-01,{legal},{legal}\ncovered_until,2040-12-31\n"
        ))
        .unwrap();
        LegalRates::new(ecb, legal).unwrap()
    }

    #[test]
    fn penalties_start_the_day_after_the_due_date() {
        let rates = LegalRates::defaults();
        let due = d(2025, 3, 31);
        let on_due = late_penalties(eur(dec!(1000)), due, due, PenaltyBasis::LegalDefault, &rates).unwrap();
        assert!(on_due.lines.is_empty());
        assert_eq!((on_due.days, on_due.total), (0, eur(dec!(0.00))));
        let next = late_penalties(eur(dec!(1000)), due, d(2025, 4, 1), PenaltyBasis::LegalDefault, &rates).unwrap();
        assert_eq!(next.days, 1);
        assert_eq!(next.lines[0].from, d(2025, 4, 1));
        // 1000 × 13.15 % / 365 = 0.36027… → 0.36
        assert_eq!(next.total, eur(dec!(0.36)));
    }

    #[test]
    fn the_invoice_rate_or_the_default() {
        assert_eq!(PenaltyBasis::from_contractual_percent(Some(dec!(12.15))), PenaltyBasis::Contractual(dec!(12.15)));
        assert_eq!(PenaltyBasis::from_contractual_percent(None), PenaltyBasis::LegalDefault);
    }

    #[test]
    fn bad_inputs_are_refused() {
        let rates = LegalRates::defaults();
        let (due, paid) = (d(2025, 3, 31), d(2025, 4, 30));
        let negative = late_penalties(eur(dec!(-1)), due, paid, PenaltyBasis::LegalDefault, &rates);
        assert!(matches!(negative, Err(LegalError::InvalidInput(_))));
        let negative_rate = late_penalties(eur(dec!(1)), due, paid, PenaltyBasis::Contractual(dec!(-5)), &rates);
        assert!(matches!(negative_rate, Err(LegalError::InvalidInput(_))));
        let usd = Money::new(dec!(10), Currency::parse("USD").unwrap());
        let mixed =
            late_penalties_on_balance(eur(dec!(100)), due, paid, &[(paid, usd)], PenaltyBasis::LegalDefault, &rates);
        assert!(matches!(mixed, Err(LegalError::CurrencyMismatch { .. })));
    }

    #[test]
    fn payments_reduce_the_base_after_their_day() {
        let rates = constant_rates(dec!(2), dec!(1));
        let due = d(2025, 1, 31);
        let payments =
            [(d(2025, 1, 10), eur(dec!(100))), (d(2025, 2, 10), eur(dec!(400))), (d(2025, 2, 20), eur(dec!(900)))];
        let b = late_penalties_on_balance(
            eur(dec!(1000)),
            due,
            d(2025, 3, 31),
            &payments,
            PenaltyBasis::LegalDefault,
            &rates,
        )
        .unwrap();
        let summary: Vec<(NaiveDate, NaiveDate, Decimal)> =
            b.lines.iter().map(|l| (l.from, l.to, l.base.amount)).collect();
        // Paid before the due date: 900 from the start; 400 more after 10 February; the rest after
        // 20 February, when the balance reaches zero (900 paid on 500 due: never below zero).
        assert_eq!(
            summary,
            vec![(d(2025, 2, 1), d(2025, 2, 10), dec!(900)), (d(2025, 2, 11), d(2025, 2, 20), dec!(500))]
        );
        assert_eq!(b.days, 20);
        // (900 × 12 × 10 + 500 × 12 × 10) / 36 500 = 4.6027… → 4.60
        assert_eq!(b.total, eur(dec!(4.60)));
    }

    #[test]
    fn a_contractual_rate_is_floored_but_the_default_is_not() {
        let rates = constant_rates(dec!(1), dec!(5));
        let (due, paid) = (d(2025, 1, 31), d(2025, 2, 28));
        let default = late_penalties(eur(dec!(1000)), due, paid, PenaltyBasis::LegalDefault, &rates).unwrap();
        assert_eq!((default.lines[0].rate_percent, default.lines[0].reason), (dec!(11), RateReason::EcbPlusTen));
        let low = late_penalties(eur(dec!(1000)), due, paid, PenaltyBasis::Contractual(dec!(11)), &rates).unwrap();
        assert_eq!((low.lines[0].rate_percent, low.lines[0].reason), (dec!(15), RateReason::FlooredAtThreeTimesLegal));
        let high = late_penalties(eur(dec!(1000)), due, paid, PenaltyBasis::Contractual(dec!(15)), &rates).unwrap();
        assert_eq!((high.lines[0].rate_percent, high.lines[0].reason), (dec!(15), RateReason::Contractual));
    }

    #[test]
    fn a_breakdown_crosses_boundaries_as_decimal_strings() {
        let b = late_penalties(
            eur(dec!(2400)),
            d(2025, 9, 30),
            d(2025, 10, 1),
            PenaltyBasis::LegalDefault,
            &LegalRates::defaults(),
        )
        .unwrap();
        let json = serde_json::to_value(&b).unwrap();
        assert_eq!(json["total"]["amount"], "0.80");
        assert_eq!(json["lines"][0]["rate_percent"], "12.15", "a rate is never a float either");
        assert_eq!(json["lines"][0]["reason"], "ecb_plus_ten");
        let back: InterestBreakdown = serde_json::from_value(json).unwrap();
        assert_eq!(back, b);
    }

    fn date_in(from: NaiveDate, span_days: u64) -> impl Strategy<Value = NaiveDate> {
        (0..span_days).prop_map(move |n| from.checked_add_days(Days::new(n)).unwrap())
    }

    proptest! {
        /// With one rate everywhere, splitting by half-year must give exactly the single-rate
        /// figure `amount × rate × days / 36 500`, and the segments must tile the late days.
        #[test]
        fn the_half_year_split_equals_a_single_rate_computation(
            cents in 0i64..10_000_000_000,
            mro in (0i64..800).prop_map(|n| Decimal::new(n, 2)),
            due in date_in(d(2001, 1, 1), 10_000),
            late in 0u64..4_000,
        ) {
            let amount = eur(Decimal::new(cents, 2));
            let paid = due.checked_add_days(Days::new(late)).unwrap();
            let rates = constant_rates(mro, dec!(1));
            let b = late_penalties(amount, due, paid, PenaltyBasis::LegalDefault, &rates).unwrap();
            let rate = mro + Decimal::TEN;
            let single = eur(amount.amount * rate * Decimal::from(late) / Decimal::from(36_500)).round();
            prop_assert_eq!(b.total, single);
            prop_assert_eq!(b.days, i64::try_from(late).unwrap());
            let mut next = due.succ_opt().unwrap();
            for line in &b.lines {
                prop_assert_eq!(line.from, next, "segments are contiguous");
                prop_assert_eq!(HalfYear::of(line.from), HalfYear::of(line.to), "a segment stays in one half-year");
                prop_assert_eq!(line.days, (line.to - line.from).num_days() + 1);
                next = line.to.succ_opt().unwrap();
            }
        }

        /// The same with the real tables and a contractual rate above every floor they give.
        #[test]
        fn a_constant_contractual_rate_splits_without_changing_the_total(
            cents in 0i64..1_000_000_000,
            percent in (1600i64..4000).prop_map(|n| Decimal::new(n, 2)),
            due in date_in(d(2023, 12, 31), 500),
            late in 0u64..400,
        ) {
            let amount = eur(Decimal::new(cents, 2));
            let paid = due.checked_add_days(Days::new(late)).unwrap();
            let b = late_penalties(amount, due, paid, PenaltyBasis::Contractual(percent), &LegalRates::defaults()).unwrap();
            let single = eur(amount.amount * percent * Decimal::from(late) / Decimal::from(36_500)).round();
            prop_assert_eq!(b.total, single);
            prop_assert!(b.lines.iter().all(|l| l.reason == RateReason::Contractual));
        }
    }
}
