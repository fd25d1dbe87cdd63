//! Client risk scoring, pure: features from the ledger, a sign-constrained logistic scorecard,
//! calibration, a 0–100 score with a grade and French reasons, a suggested credit limit, the
//! early-warning rules, and the honest backtest of scoring.md.
//!
//! # Where floats are allowed
//! Money is never a float: amounts arrive as `Decimal` in the input structs ([`features::LedgerInvoice`],
//! [`backtest::HistoryInvoice`]) and every sum, balance and limit stays a `Decimal`. Only the
//! *model* works in `f64`: features are ratios, logarithms, day counts and rates computed from the
//! `Decimal` sums (e.g. open balance ÷ monthly invoicing is divided in `Decimal`, then converted),
//! and weights, probabilities, AUC and Brier are `f64`. The suggested credit limit comes back to
//! `Decimal` by multiplying a `Decimal` base by a `Decimal` factor chosen from the grade.
//!
//! # No clock
//! Every function takes the scoring date; nothing here reads the clock. "Known at the scoring date"
//! means *strictly before it* (scoring.md §5, leakage checklist: `settled_date < scoring_date`).
//!
//! # Parts
//! - [`metrics`]: AUC (rank-based, ties counted one half), Brier, recall at an alert budget.
//! - [`logistic`]: the sign-constrained L2 logistic fit and Platt calibration.
//! - [`backtest`]: the time-split protocol of scoring.md §4 on payment histories (the IBM sample).
//! - [`features`]: a client's features from its ledger as of a date (collections-anchors e.1, e.4).
//! - [`scorecard`]: score, grade, reasons and credit limit of a client.
//! - [`warnings`]: the early-warning rules and their deduplication key.
//! - [`ledger_backtest`]: the dossier's own backtest of the client score (60 days overdue within 90).
//! - [`portfolio`]: a day's run over every client (scores and new alerts), and a dossier's
//!   history in the backtest's shape.
//!
//! # Shrinkage toward a prior
//! Clients with little history are pulled toward the portfolio: every rate is smoothed with a
//! pseudo-count of 3 invoices toward the portfolio's rate (scoring.md §5, cold start), and every
//! score says how many invoices it rests on.

pub mod backtest;
#[cfg(test)]
mod demo_check;
pub mod features;
pub mod ledger_backtest;
pub mod logistic;
pub mod metrics;
pub mod portfolio;
pub mod scorecard;
pub mod warnings;

/// What scoring inputs can be wrong about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoringError {
    /// Rows, labels and terms do not line up, or a value is not finite.
    #[error("scoring input: {0}")]
    Shape(String),
    /// A model needs both outcomes among its rows.
    #[error("{rows} rows hold only one outcome: nothing to learn or measure")]
    OneClass {
        /// How many rows there were.
        rows: usize,
    },
}

/// A count as a float, for rates and means. Counts here are far below 2^52, so nothing is lost.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn count(n: usize) -> f64 {
    n as f64
}
