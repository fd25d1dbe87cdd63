//! The dossier's own backtest of the client score (issue 9, scope 5; scoring.md §5 "honest
//! evaluation on the user's own ledger"), pure: the app reads the ledgers, this does the rest.
//!
//! Target (scoring.md §5, the client-level early warning): *one of the client's invoices becomes
//! more than 60 days overdue within the next 90 days* — an invoice crosses its 61st day past due
//! in `(c, c + 90]` while still unpaid.
//!
//! Protocol: monthly cutoffs `c`. At each, every client with an invoice issued in the 12 months
//! before `c` gives a row: its [`ClientFeatures`] as of `c` (strictly before it) and the label.
//! The scorecard is fitted on the rows whose 90-day window closed before the test period starts
//! (so no label used in training reaches into the test period), calibrated on the most recent of
//! them, and tested on the rows of the test period's cutoffs. The naive score is the client's
//! smoothed past late rate. Too few rows or positives come back as a warning, never as a figure
//! passed off as meaningful.

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::Serialize;

use super::backtest::{TargetResult, TermWeight, ALERT_RATE, L2};
use super::count;
use super::features::{client_features, settled_on, ClientFeatures, ClientLedger, DocumentKind};
use super::logistic::Platt;
use super::metrics;
use super::portfolio::portfolio_late_rate;
use super::scorecard::{Scorecard, Term};
use super::ScoringError;

/// The target's name in reports.
pub const TARGET: &str = "over_60_days_within_90_days";
/// Days past due an invoice must exceed.
pub const OVERDUE_DAYS: i64 = 60;
/// The horizon of the label.
pub const HORIZON_DAYS: i64 = 90;

/// The dossier backtest's report: the same shape as the IBM one, one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerBacktest {
    /// The first cutoff of the test period.
    pub test_from: NaiveDate,
    /// The last cutoff tested.
    pub test_to: NaiveDate,
    /// One entry (the client-level target).
    pub targets: Vec<TargetResult>,
    /// Too few rows or positives, etc.
    pub warnings: Vec<String>,
}

/// The label of a client at cutoff `c` (module doc).
pub fn label(ledger: &ClientLedger, c: NaiveDate) -> bool {
    ledger.invoices.iter().filter(|i| i.kind == DocumentKind::Invoice).any(|i| {
        let crossing = i.due_date + Duration::days(OVERDUE_DAYS + 1);
        crossing > c && crossing <= c + Duration::days(HORIZON_DAYS) && settled_on(i, crossing).is_none()
    })
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Rows at one cutoff: active clients' features and labels.
fn rows_at(ledgers: &[ClientLedger], c: NaiveDate) -> Vec<(ClientFeatures, bool)> {
    let prior = portfolio_late_rate(ledgers, c);
    let from = c.checked_sub_months(Months::new(12)).unwrap_or(NaiveDate::MIN);
    ledgers
        .iter()
        .filter(|l| l.invoices.iter().any(|i| i.issue_date >= from && i.issue_date < c))
        .map(|l| (client_features(l, c, prior), label(l, c)))
        .collect()
}

/// Monthly cutoffs from 6 months after the first invoice to the last whose 90-day window has
/// closed by `as_of`.
fn cutoffs(ledgers: &[ClientLedger], as_of: NaiveDate) -> Result<Vec<NaiveDate>, ScoringError> {
    let first = ledgers.iter().flat_map(|l| &l.invoices).map(|i| i.issue_date).min();
    let Some(first) = first else {
        return Err(ScoringError::Shape("the dossier has no invoice".into()));
    };
    let start = first_of_month(first.checked_add_months(Months::new(7)).unwrap_or(first));
    let last = first_of_month(as_of - Duration::days(HORIZON_DAYS));
    let mut out = Vec::new();
    let mut c = start;
    while c <= last {
        out.push(c);
        c = c.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX);
    }
    Ok(out)
}

fn row_values(f: &ClientFeatures) -> Vec<f64> {
    Term::ALL.iter().map(|t| t.value(f)).collect()
}

/// Fits the scorecard on dated rows and calibrates it on the rows of the last three cutoffs.
fn fit_rows(train: &[(NaiveDate, ClientFeatures, bool)]) -> Result<Scorecard, ScoringError> {
    let rows: Vec<(ClientFeatures, bool)> = train.iter().map(|(_, f, y)| (f.clone(), *y)).collect();
    let card = Scorecard::fit(&Term::ALL, &rows, L2)?;
    let recent_from = train.iter().map(|r| r.0).max().and_then(|d| d.checked_sub_months(Months::new(2)));
    let (logits, labels): (Vec<f64>, Vec<bool>) = train
        .iter()
        .filter(|r| recent_from.is_some_and(|from| r.0 >= from))
        .map(|(_, f, y)| (card.fit.logit(&row_values(f)), *y))
        .unzip();
    Ok(card.calibrated(Platt::fit(&logits, &labels)))
}

/// The scorecard to score with on `as_of`: fitted on every window of the dossier's history that
/// has closed by then (scoring.md §5: ship it only if [`run`] shows it beats the naive score).
pub fn fit(ledgers: &[ClientLedger], as_of: NaiveDate) -> Result<Scorecard, ScoringError> {
    let mut train = Vec::new();
    for c in cutoffs(ledgers, as_of)? {
        train.extend(rows_at(ledgers, c).into_iter().map(|(f, y)| (c, f, y)));
    }
    fit_rows(&train)
}

/// Runs the backtest over the monthly cutoffs of [`cutoffs`]; the last `test_months` of them are
/// the test period.
pub fn run(ledgers: &[ClientLedger], as_of: NaiveDate, test_months: u32) -> Result<LedgerBacktest, ScoringError> {
    let cutoffs = cutoffs(ledgers, as_of)?;
    let last = cutoffs.last().copied().unwrap_or(as_of);
    let test_from = cutoffs
        .len()
        .checked_sub(usize::try_from(test_months).unwrap_or(usize::MAX))
        .and_then(|k| cutoffs.get(k).copied())
        .ok_or_else(|| ScoringError::Shape(format!("history too short for {test_months} test months")))?;
    let mut train: Vec<(NaiveDate, ClientFeatures, bool)> = Vec::new();
    let mut test: Vec<(ClientFeatures, bool)> = Vec::new();
    for &c in &cutoffs {
        let rows = rows_at(ledgers, c);
        if c >= test_from {
            test.extend(rows);
        } else if c + Duration::days(HORIZON_DAYS) <= test_from {
            // Only windows closed before the test period: no training label looks into it.
            train.extend(rows.into_iter().map(|(f, y)| (c, f, y)));
        }
    }
    let card = fit_rows(&train)?;

    let y: Vec<bool> = test.iter().map(|r| r.1).collect();
    let raw: Vec<f64> = test.iter().map(|(f, _)| super::logistic::sigmoid(card.fit.logit(&row_values(f)))).collect();
    let p: Vec<f64> = test.iter().map(|(f, _)| card.calibration.probability(card.fit.logit(&row_values(f)))).collect();
    let naive: Vec<f64> = test.iter().map(|(f, _)| f.smoothed_late_rate).collect();
    let positives = y.iter().filter(|&&v| v).count();
    let one_class = || ScoringError::OneClass { rows: y.len() };
    let mut warnings = Vec::new();
    if y.len() < 300 || positives < 30 {
        warnings.push(format!(
            "{TARGET}: {} test rows and {positives} positives: the confidence interval is wider than the differences between models",
            y.len()
        ));
    }
    let result = TargetResult {
        name: TARGET.to_string(),
        auc: metrics::auc(&p, &y).ok_or_else(one_class)?,
        brier: metrics::brier(&p, &y).ok_or_else(one_class)?,
        recall_at_10pct: metrics::recall_at(&p, &y, ALERT_RATE).ok_or_else(one_class)?,
        naive_auc: metrics::auc(&naive, &y).ok_or_else(one_class)?,
        naive_brier: metrics::brier(&naive, &y).ok_or_else(one_class)?,
        naive_recall_at_10pct: metrics::recall_at(&naive, &y, ALERT_RATE).ok_or_else(one_class)?,
        recall_ceiling: metrics::recall_ceiling(y.len(), positives, ALERT_RATE).ok_or_else(one_class)?,
        brier_uncalibrated: metrics::brier(&raw, &y).ok_or_else(one_class)?,
        mean_predicted: p.iter().sum::<f64>() / count(p.len().max(1)),
        test_rate: count(positives) / count(y.len().max(1)),
        n_test: y.len(),
        test_positives: positives,
        n_train: train.len(),
        n_censored: 0,
        terms: card
            .terms
            .iter()
            .zip(&card.fit.weights)
            .map(|(t, w)| TermWeight { name: format!("{t:?}"), weight: *w })
            .collect(),
        calibration: card.calibration,
    };
    Ok(LedgerBacktest { test_from, test_to: last, targets: vec![result], warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::features::tests::{d, invoice};
    use rust_decimal_macros::dec;

    #[test]
    fn the_label_is_an_invoice_crossing_sixty_days_unpaid_within_ninety() {
        // Due 31 Jan; crosses day 61 on 2 April.
        let mut l = ClientLedger { client_id: "c".into(), ..ClientLedger::default() };
        l.invoices.push(invoice("a", d(2026, 1, 1), dec!(100), &[]));
        assert!(label(&l, d(2026, 1, 3))); // 2 April ≤ 3 Jan + 90
        assert!(!label(&l, d(2025, 12, 31))); // 2 April > 31 Dec + 90 = 31 March
        assert!(!label(&l, d(2026, 4, 2))); // already crossed: not "becomes"
                                            // Paid on 1 April, the day before it would cross.
        l.invoices[0].payments.push(crate::scoring::features::LedgerPayment {
            date: d(2026, 4, 1),
            amount: dec!(100),
            from_credit_note: false,
        });
        assert!(!label(&l, d(2026, 1, 3)));
    }
}
