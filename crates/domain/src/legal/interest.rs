//! Late-payment penalties (Code de commerce L441-10 II) and legal interest (Code civil 1231-6,
//! 1344-1): simple interest, day by day, split by half-year (legal-rules A.1.5, checklist 5 and 7).

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::{CreditorKind, HalfYear, LegalError, LegalRates};
use crate::Money;

/// Days of the year the annual rate is spread over: 365, even in a leap year (legal-rules A.1.5,
/// [U]: "the common convention; no text fixes it").
const DAY_COUNT_BASIS: i64 = 365;

/// Where the penalty rate comes from.
///
/// The readers crate reads the invoice's PMD note (BR-FR-05, legal-rules A.1.4) into a fixed rate,
/// a multiple of the legal rate or ECB + points (`encours_readers` `PenaltyRate`); each maps to one
/// variant here. With no stipulation the L441-10 default applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// Why a line bears its rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// set (L441-10 II); the floor applies instead (legal-rules A.1.8 reading, [U]).
    FlooredAtThreeTimesLegal,
    /// The legal interest rate for this kind of creditor (Code civil 1231-6, legal-rules A.3).
    LegalInterest(CreditorKind),
}

/// One segment of the computation: days within one half-year on one outstanding amount.
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
/// end date. Do not add this to L441-10 penalties for the same days (legal-rules A.3, [U]): the
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
