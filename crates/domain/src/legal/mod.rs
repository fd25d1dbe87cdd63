//! French late-payment law, computed: L441-10 penalties, the €40 recovery indemnity, legal interest
//! from a mise en demeure, and the limitation period (prescription). Sources: legal-rules.md A.1–A.4
//! and its checklist (items 3–9).
//!
//! Choices, each where legal-rules leaves room:
//! - **Rates are data.** The ECB MRO and legal interest rates come from [`RateTable`]s parsed from
//!   CSV text (defaults in `assets/rates/`); a date the tables do not cover is an error
//!   ([`LegalError::MissingRate`]), never a guess (checklist 4).
//! - **Day counting.** Interest accrues for each day after the start date up to and including the
//!   end date: penalties from the day after the due date to the payment date (L441-10 II), so
//!   paying on the due date costs nothing and paying the next day costs one day.
//! - **365-day basis, split by half-year** — both \[U\] in legal-rules A.1.5: each day bears the rate
//!   of the half-year it falls in, and a year counts 365 days even when it has 366 (so the whole of
//!   2024 yields 366/365 of the annual rate).
//! - **Rounding** once, on the total, to the cent, half away from zero ([`crate::Money::round`]):
//!   legal-rules checklist 5 "round to the cent only on the final amount" \[U\]. The total is computed
//!   from the exact sum of the lines; each line also shows its own amount rounded to the cent, for
//!   display, so the rounded lines may differ from the total by up to half a cent per line.
//! - **The half-year's rate holds for the whole half-year**: the ECB MRO in force on 1 January or
//!   1 July (L441-10 II, legal-rules A.1.6), even when the ECB changes it mid-half-year. The other
//!   reading, freezing the rate of the half-year the delay started in (public procurement, A.1.5),
//!   is not offered.
//! - **Partial payments** lower the base the day after they are made ([`late_penalties_on_balance`],
//!   checklist 5).
//! - **The 3 × legal rate floor** applies to a contractual rate only; the default rate (ECB + 10)
//!   applies as it is even when it is lower (legal-rules A.1.8: in H1 2024, 14.50 % < 15.21 %). A
//!   contractual rate below the floor is replaced by the floor — legal-rules' reading, \[U\].
//!
//! - **Legal interest** ([`legal_interest`]) and L441-10 penalties are separate computations; the
//!   caller must not charge both for the same days (legal-rules A.3, \[U\]).
//! - **Prescription** ([`prescription_end`]) follows A.4: interruptions restart a full period,
//!   suspensions push the end back, a pending court claim stops the clock, nothing revives a
//!   time-barred debt, and a mise en demeure interrupts nothing.
//!
//! Everything here is pure: dates and amounts are parameters, nothing reads the clock.

mod indemnity;
mod interest;
mod prescription;
mod rates;

use std::fmt;

use chrono::{Datelike, NaiveDate};

pub use indemnity::{recovery_indemnity, CollectiveProceedings, DebtorKind, IndemnityReason, RecoveryIndemnity};
pub use interest::{
    late_penalties, late_penalties_on_balance, legal_interest, InterestBreakdown, InterestLine, PenaltyBasis,
    PenaltyBreakdown, RateReason,
};
pub use prescription::{
    prescription_end, prescription_end_with, prescription_start, CourtClaimOutcome, IgnoredInterruption, IgnoredWhy,
    Interruption, InterruptionKind, PrescriptionPeriod, PrescriptionStatus, Suspension,
};
pub use rates::{
    CreditorKind, LegalRates, RateRow, RateTable, ECB_MRO_COLUMN, LEGAL_INDIVIDUAL_COLUMN, LEGAL_PROFESSIONAL_COLUMN,
};

/// What can go wrong in the legal math.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegalError {
    /// A rate table's text is malformed.
    #[error("rate table, line {line}: {message}")]
    RateTableSyntax {
        /// 1-based line number in the text.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A rate column the computation needs is absent from the table.
    #[error("the rate table has no column {column:?}")]
    UnknownRateColumn {
        /// The column looked for.
        column: String,
    },
    /// A legal interest row does not start on 1 January or 1 July.
    #[error("legal interest rates are set per half-year: a row starts on {date}, not on 1 January or 1 July")]
    NotAHalfYearStart {
        /// The row's date.
        date: NaiveDate,
    },
    /// The table has no rate for the date: the rate must be entered before computing.
    #[error(
        "no {column} rate for {date}: the table covers {} to {covered_until}; add the published rate to the table",
        covered_from.map_or_else(|| "nothing".to_owned(), |d| d.to_string())
    )]
    MissingRate {
        /// The rate column.
        column: String,
        /// The date a rate was needed for.
        date: NaiveDate,
        /// First date of the table, if any.
        covered_from: Option<NaiveDate>,
        /// Last date of the table.
        covered_until: NaiveDate,
    },
    /// A negative amount or rate where only a positive one makes sense.
    #[error("{0}")]
    InvalidInput(String),
    /// Two amounts of different currencies were combined.
    #[error("cannot combine {left} and {right} amounts")]
    CurrencyMismatch {
        /// The first currency.
        left: crate::Currency,
        /// The other.
        right: crate::Currency,
    },
    /// A figure does not fit in a decimal.
    #[error("amount overflow in the interest computation")]
    Overflow,
}

/// A half-year, the period for which the L441-10 default rate and the legal interest rate are set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct HalfYear {
    /// The calendar year.
    pub year: i32,
    /// 1 (January–June) or 2 (July–December).
    pub half: u8,
}

impl HalfYear {
    /// The half-year a day falls in.
    pub fn of(date: NaiveDate) -> HalfYear {
        HalfYear { year: date.year(), half: if date.month() <= 6 { 1 } else { 2 } }
    }

    /// Its first day: 1 January or 1 July.
    pub fn start(self) -> NaiveDate {
        let month = if self.half == 1 { 1 } else { 7 };
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day: 30 June or 31 December.
    pub fn end(self) -> NaiveDate {
        let (month, day) = if self.half == 1 { (6, 30) } else { (12, 31) };
        NaiveDate::from_ymd_opt(self.year, month, day).unwrap_or(NaiveDate::MAX)
    }

    /// The following half-year.
    pub fn next(self) -> HalfYear {
        if self.half == 1 {
            HalfYear { year: self.year, half: 2 }
        } else {
            HalfYear { year: self.year + 1, half: 1 }
        }
    }
}

impl fmt::Display for HalfYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-H{}", self.year, self.half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn half_years_run_january_to_june_and_july_to_december() {
        assert_eq!(HalfYear::of(d(2024, 6, 30)), HalfYear { year: 2024, half: 1 });
        assert_eq!(HalfYear::of(d(2024, 7, 1)), HalfYear { year: 2024, half: 2 });
        assert_eq!(HalfYear::of(d(2024, 7, 1)).start(), d(2024, 7, 1));
        assert_eq!(HalfYear::of(d(2024, 12, 31)).next(), HalfYear { year: 2025, half: 1 });
        assert_eq!(HalfYear { year: 2025, half: 2 }.to_string(), "2025-H2");
        assert_eq!(HalfYear::of(d(2024, 2, 29)).end(), d(2024, 6, 30));
    }
}
