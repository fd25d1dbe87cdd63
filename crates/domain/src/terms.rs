//! Payment terms and how they turn an invoice date into a due date.
//!
//! French rules (legal-rules.md A.1.1, A.2): without agreement, 30 days after receipt of goods or
//! performance; agreed terms at most 60 days after the invoice date, or 45 days end of month.
//! "45 days end of month" is computed by default as the end of the invoice month + 45 days
//! (method (a) of A.2, the one the 2008 debates point to); the other reading is
//! [`PaymentTerms::DaysThenEndOfMonth`]. The legal-ceiling checks belong to the analytics.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// How the due date follows from the invoice date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentTerms {
    /// Payable on receipt of the invoice (due date = invoice date).
    OnReceipt,
    /// N days net after the invoice date ("30 jours nets").
    Net {
        /// Days after the invoice date.
        days: u16,
    },
    /// End of the invoice month, then N days ("45 jours fin de mois", method (a)).
    EndOfMonthThenDays {
        /// Days after the end of the invoice month.
        days: u16,
    },
    /// N days after the invoice date, then to the end of that month (method (b)).
    DaysThenEndOfMonth {
        /// Days after the invoice date.
        days: u16,
    },
}

impl Default for PaymentTerms {
    /// The legal default without agreement: 30 days (L441-10 I).
    fn default() -> PaymentTerms {
        PaymentTerms::Net { days: 30 }
    }
}

fn end_of_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|first| first.pred_opt()).unwrap_or(d)
}

impl PaymentTerms {
    /// The due date of an invoice issued on `invoice_date` (saturating at the calendar's end).
    pub fn due_date(&self, invoice_date: NaiveDate) -> NaiveDate {
        let plus = |d: NaiveDate, n: u16| d.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX);
        match *self {
            PaymentTerms::OnReceipt => invoice_date,
            PaymentTerms::Net { days } => plus(invoice_date, days),
            PaymentTerms::EndOfMonthThenDays { days } => plus(end_of_month(invoice_date), days),
            PaymentTerms::DaysThenEndOfMonth { days } => end_of_month(plus(invoice_date, days)),
        }
    }

    /// A short French label, as printed on letters ("30 jours nets", "45 jours fin de mois").
    pub fn label_fr(&self) -> String {
        match *self {
            PaymentTerms::OnReceipt => "à réception".to_owned(),
            PaymentTerms::Net { days } => format!("{days} jours nets"),
            PaymentTerms::EndOfMonthThenDays { days } => format!("{days} jours fin de mois"),
            PaymentTerms::DaysThenEndOfMonth { days } => format!("{days} jours, fin de mois"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn due_dates() {
        assert_eq!(PaymentTerms::OnReceipt.due_date(d("2026-01-15")), d("2026-01-15"));
        assert_eq!(PaymentTerms::Net { days: 30 }.due_date(d("2026-01-15")), d("2026-02-14"));
        assert_eq!(PaymentTerms::Net { days: 60 }.due_date(d("2026-12-31")), d("2027-03-01"));
        // 45 days end of month, method (a): 31 Jan + 45 days = 17 March.
        assert_eq!(PaymentTerms::EndOfMonthThenDays { days: 45 }.due_date(d("2026-01-10")), d("2026-03-17"));
        // Method (b): 10 Jan + 45 days = 24 Feb, then end of February.
        assert_eq!(PaymentTerms::DaysThenEndOfMonth { days: 45 }.due_date(d("2026-01-10")), d("2026-02-28"));
        assert_eq!(
            PaymentTerms::DaysThenEndOfMonth { days: 45 }.due_date(d("2028-01-10")),
            d("2028-02-29"),
            "leap year"
        );
        assert_eq!(PaymentTerms::default(), PaymentTerms::Net { days: 30 });
    }
}
