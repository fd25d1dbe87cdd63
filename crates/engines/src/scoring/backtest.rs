//! The honest backtest of scoring.md §4: a strict time split with point-in-time features, the
//! scorecard against the naive "customer's past late rate", on invoice payment histories.
//!
//! Protocol (followed exactly; the figures to beat are in scoring.md §4):
//! - **Train** on invoices issued before the cutoff whose label is observable at the cutoff: settled
//!   strictly before it, or still open and already more than the threshold past due (a known
//!   positive). Censored rows are dropped.
//! - **Test** on every invoice issued from the cutoff to the end of the window (settled later, so
//!   its label is known to the backtest, never to the features).
//! - **Features** of an invoice are computed at its issue date t from the customer's invoices
//!   settled strictly before t and the customer's items open at t — never from the invoice's own
//!   settlement, days late or dispute ([`invoice_facts`]; the self-check test perturbs them).
//! - Priors (pseudo-count 3 toward the training rate), standardisation and missing-value means are
//!   fitted on training rows only; the penalty (λ = 10) and the terms are fixed in advance.
//! - Metrics: AUC, Brier and recall at a 10 % alert budget; the naive score is the customer's
//!   smoothed past rate of the same target, on the same rows.
//! - Calibration: Platt scaling on the training rows of the last six months before the cutoff
//!   (the most recent observable slice; the base rate drifts). It keeps the ranking.
//!
//! The main split is 2013-07-01 (test to 2013-12-02 in the IBM file); the rolling-origin backtest
//! uses the quarterly cutoffs 2012-10-01 … 2013-10-01, each tested on the next three months.

use chrono::{Months, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;

use super::logistic::{self, LogisticFit, Platt, Sign};
use super::metrics;
use super::{count, ScoringError};

/// One invoice of a payment history, as the backtest needs it: plain data any source can fill
/// (the IBM sample through `encours_readers::ibm_ar`, a dossier's ledger later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryInvoice {
    /// The customer's key.
    pub customer: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Amount including VAT (a `Decimal`; it enters the model only as a logarithm).
    pub amount: Decimal,
    /// The day it was fully paid, if it was.
    pub settled_date: Option<NaiveDate>,
    /// Sent electronically (e-invoice or paperless bill) rather than on paper.
    pub electronic: bool,
    /// Disputed at some point (an outcome: never a feature of the invoice itself).
    pub disputed: bool,
}

impl HistoryInvoice {
    /// Days paid beyond the due date (0 when on time), once settled.
    pub fn days_late(&self) -> Option<i64> {
        self.settled_date.map(|s| (s - self.due_date).num_days().max(0))
    }
}

/// What is known about an invoice's customer on the invoice's issue date, from the customer's
/// other invoices only: the raw counts the scorecard's terms are built from.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct InvoiceFacts {
    /// Invoices of the customer settled strictly before the issue date.
    pub settled: u32,
    /// … of which paid late (more than 0 days beyond terms).
    pub late: u32,
    /// … of which paid more than 10 days beyond terms.
    pub late_over_10: u32,
    /// Mean days from issue to payment over them (`None` without history).
    pub mean_days_to_settle: Option<f64>,
    /// Settled invoices sent through the same channel (electronic or paper) as this one.
    pub settled_same_channel: u32,
    /// … of which paid late.
    pub late_same_channel: u32,
    /// Days the oldest overdue open item of the customer is past due at the issue date (0 if none).
    pub max_days_overdue: i64,
    /// Natural logarithm of the amount (0 for a non-positive amount).
    pub log_amount: f64,
    /// This invoice is electronic.
    pub electronic: bool,
}

/// Point-in-time facts of every invoice, in the order given. An invoice's own settlement, delay
/// and dispute never enter its own facts (only settlements strictly before its issue date count).
pub fn invoice_facts(invoices: &[HistoryInvoice]) -> Vec<InvoiceFacts> {
    let mut by_customer: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (i, inv) in invoices.iter().enumerate() {
        by_customer.entry(inv.customer.as_str()).or_default().push(i);
    }
    invoices
        .iter()
        .enumerate()
        .map(|(i, inv)| {
            let t = inv.issue_date;
            let mut f = InvoiceFacts {
                electronic: inv.electronic,
                log_amount: inv.amount.to_f64().filter(|a| *a > 0.0).map_or(0.0, f64::ln),
                ..InvoiceFacts::default()
            };
            let mut days_to_settle = 0i64;
            for &k in by_customer.get(inv.customer.as_str()).map(Vec::as_slice).unwrap_or_default() {
                if k == i {
                    continue;
                }
                let other = &invoices[k];
                match other.settled_date {
                    Some(s) if s < t => {
                        let dl = (s - other.due_date).num_days().max(0);
                        f.settled += 1;
                        f.late += u32::from(dl > 0);
                        f.late_over_10 += u32::from(dl > 10);
                        days_to_settle += (s - other.issue_date).num_days();
                        if other.electronic == inv.electronic {
                            f.settled_same_channel += 1;
                            f.late_same_channel += u32::from(dl > 0);
                        }
                    }
                    // Open at t: issued before t, not settled before t.
                    _ if other.issue_date < t && other.due_date < t => {
                        f.max_days_overdue = f.max_days_overdue.max((t - other.due_date).num_days());
                    }
                    _ => {}
                }
            }
            if f.settled > 0 {
                f.mean_days_to_settle = Some(day_count(days_to_settle) / f64::from(f.settled));
            }
            f
        })
        .collect()
}

fn day_count(days: i64) -> f64 {
    // Day counts are far below 2^31; saturate instead of wrapping on absurd input.
    f64::from(i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX }))
}

/// Which outcome is predicted: paid more than `threshold_days` beyond terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The name printed in reports (`paid_late`, `late_over_10_days`).
    pub name: &'static str,
    /// Days beyond terms that must be exceeded.
    pub threshold_days: i64,
}

/// The targets of scoring.md §4 ("more than 30 days late" has 8 invoices in the IBM file and
/// cannot be evaluated).
pub const TARGETS: [Target; 2] =
    [Target { name: "paid_late", threshold_days: 0 }, Target { name: "late_over_10_days", threshold_days: 10 }];

/// The pseudo-count of the Bayesian smoothing of rates (scoring.md §5, cold start: 3–5).
pub const PSEUDO_COUNT: f64 = 3.0;
/// The L2 penalty on standardised weights, fixed in advance.
pub const L2: f64 = 10.0;
/// The alert budget the recall is measured at.
pub const ALERT_RATE: f64 = 0.10;
/// Cap on the days overdue term (a capped continuous value, scoring.md §5).
pub const MAX_DAYS_OVERDUE_CAP: f64 = 60.0;

/// The scorecard's terms on a payment history: name, direction, and the reason shown in French.
pub const TERMS: [(&str, Sign, &str); 7] = [
    ("late_rate", Sign::RaisesRisk, "paie souvent en retard"),
    ("late_over_10_rate", Sign::RaisesRisk, "retards de plus de 10 jours fréquents"),
    ("mean_days_to_settle", Sign::RaisesRisk, "délai de paiement moyen long"),
    ("electronic", Sign::LowersRisk, "facture envoyée sur papier"),
    ("max_days_overdue", Sign::RaisesRisk, "une facture déjà échue reste impayée"),
    ("log_amount", Sign::RaisesRisk, "montant élevé"),
    ("late_rate_same_channel", Sign::RaisesRisk, "paie en retard par ce canal d'envoi"),
];

/// What the fold's training rows set: priors and the value used where a customer has no history.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Priors {
    late: f64,
    late_over_10: f64,
    mean_days_to_settle: f64,
}

fn smoothed(hits: u32, n: u32, prior: f64) -> f64 {
    (f64::from(hits) + PSEUDO_COUNT * prior) / (f64::from(n) + PSEUDO_COUNT)
}

fn row(f: &InvoiceFacts, p: &Priors) -> Vec<f64> {
    vec![
        smoothed(f.late, f.settled, p.late),
        smoothed(f.late_over_10, f.settled, p.late_over_10),
        f.mean_days_to_settle.unwrap_or(p.mean_days_to_settle),
        if f.electronic { 1.0 } else { 0.0 },
        day_count(f.max_days_overdue).clamp(0.0, MAX_DAYS_OVERDUE_CAP),
        f.log_amount,
        smoothed(f.late_same_channel, f.settled_same_channel, p.late),
    ]
}

/// The naive score: the customer's smoothed past rate of the target itself.
fn naive(f: &InvoiceFacts, target: Target, p: &Priors) -> f64 {
    if target.threshold_days >= 10 {
        smoothed(f.late_over_10, f.settled, p.late_over_10)
    } else {
        smoothed(f.late, f.settled, p.late)
    }
}

/// One term's fitted weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermWeight {
    /// The term.
    pub name: String,
    /// Log-odds per standard deviation (0: the term could not hold its sign and gives no reason).
    pub weight: f64,
}

/// The figures of one target on one split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    /// `paid_late`, `late_over_10_days`.
    pub name: String,
    /// AUC of the scorecard on the test rows.
    pub auc: f64,
    /// Brier score of the calibrated scorecard.
    pub brier: f64,
    /// Recall of the scorecard at a 10 % alert budget.
    pub recall_at_10pct: f64,
    /// AUC of the naive "past late rate" score on the same rows.
    pub naive_auc: f64,
    /// Brier score of the naive rate taken as a probability.
    pub naive_brier: f64,
    /// Recall of the naive score at the same budget.
    pub naive_recall_at_10pct: f64,
    /// The best recall the budget allows: min(1, k / positives).
    pub recall_ceiling: f64,
    /// Brier score before calibration.
    pub brier_uncalibrated: f64,
    /// Mean calibrated probability on the test rows (calibration in the large).
    pub mean_predicted: f64,
    /// Share of positives among the test rows.
    pub test_rate: f64,
    /// Test rows.
    pub n_test: usize,
    /// Positive test rows.
    pub test_positives: usize,
    /// Training rows (label observable at the cutoff).
    pub n_train: usize,
    /// Training rows dropped because their label was censored at the cutoff.
    pub n_censored: usize,
    /// The fitted scorecard's weights.
    pub terms: Vec<TermWeight>,
    /// Platt calibration fitted on the recent training slice.
    pub calibration: Platt,
}

/// One fold of the rolling-origin backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldResult {
    /// The fold's cutoff.
    pub cutoff: NaiveDate,
    /// The target.
    pub name: String,
    /// Scorecard AUC.
    pub auc: f64,
    /// Naive AUC.
    pub naive_auc: f64,
    /// Scorecard recall at 10 %.
    pub recall_at_10pct: f64,
    /// Naive recall at 10 %.
    pub naive_recall_at_10pct: f64,
    /// Test rows.
    pub n_test: usize,
}

/// The mean over the rolling folds of one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollingMean {
    /// The target.
    pub name: String,
    /// Folds averaged.
    pub folds: usize,
    /// Mean scorecard AUC.
    pub auc: f64,
    /// Mean naive AUC.
    pub naive_auc: f64,
    /// Mean scorecard recall at 10 %.
    pub recall_at_10pct: f64,
    /// Mean naive recall at 10 %.
    pub naive_recall_at_10pct: f64,
}

/// The whole backtest: the main split, then the rolling folds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    /// The main split's cutoff.
    pub cutoff: NaiveDate,
    /// The first day after the main split's test window.
    pub test_end: NaiveDate,
    /// One entry per target on the main split.
    pub targets: Vec<TargetResult>,
    /// Every fold of the rolling-origin backtest, target by target.
    pub rolling: Vec<FoldResult>,
    /// The mean of the folds, per target (scoring.md §4 reports these means).
    pub rolling_means: Vec<RollingMean>,
    /// Warnings scoring.md §5 asks for (too few test rows or positives).
    pub warnings: Vec<String>,
}

/// Runs one target on one split.
pub fn evaluate(
    invoices: &[HistoryInvoice],
    facts: &[InvoiceFacts],
    cutoff: NaiveDate,
    test_end: NaiveDate,
    target: Target,
) -> Result<TargetResult, ScoringError> {
    if invoices.len() != facts.len() {
        return Err(ScoringError::Shape("one facts row per invoice".into()));
    }
    let thr = target.threshold_days;
    // Training rows and their label as observable at the cutoff.
    let before: Vec<usize> = (0..invoices.len()).filter(|&i| invoices[i].issue_date < cutoff).collect();
    let train: Vec<(usize, bool)> =
        before.iter().filter_map(|&i| observable_label(&invoices[i], cutoff, thr).map(|y| (i, y))).collect();
    let censored = before.len() - train.len();
    let test: Vec<(usize, bool)> = invoices
        .iter()
        .enumerate()
        .filter(|(_, v)| v.issue_date >= cutoff && v.issue_date < test_end)
        .filter_map(|(i, v)| v.days_late().map(|d| (i, d > thr)))
        .collect();
    if train.is_empty() || test.is_empty() {
        return Err(ScoringError::Shape(format!("no training or test rows at cutoff {cutoff}")));
    }
    // Each prior is the rate of its own outcome over the rows where that outcome is observable.
    let prior = |t: i64| {
        let seen: Vec<bool> = before.iter().filter_map(|&i| observable_label(&invoices[i], cutoff, t)).collect();
        if seen.is_empty() {
            0.0
        } else {
            count(seen.iter().filter(|&&y| y).count()) / count(seen.len())
        }
    };
    let dts: Vec<f64> = train.iter().filter_map(|(i, _)| facts[*i].mean_days_to_settle).collect();
    let priors = Priors {
        late: prior(0),
        late_over_10: prior(10),
        mean_days_to_settle: if dts.is_empty() { 0.0 } else { dts.iter().sum::<f64>() / count(dts.len()) },
    };
    let x_train: Vec<Vec<f64>> = train.iter().map(|(i, _)| row(&facts[*i], &priors)).collect();
    let y_train: Vec<bool> = train.iter().map(|(_, y)| *y).collect();
    let signs: Vec<Sign> = TERMS.iter().map(|t| t.1).collect();
    let fit: LogisticFit = logistic::fit(&x_train, &y_train, &signs, L2)?;
    // Platt on the last six months of observable training rows.
    let recent_from = cutoff.checked_sub_months(Months::new(6)).unwrap_or(cutoff);
    let (recent_logits, recent_labels): (Vec<f64>, Vec<bool>) = train
        .iter()
        .zip(&x_train)
        .filter(|((i, _), _)| invoices[*i].issue_date >= recent_from)
        .map(|((_, y), x)| (fit.logit(x), *y))
        .unzip();
    let platt = Platt::fit(&recent_logits, &recent_labels);

    let y_test: Vec<bool> = test.iter().map(|(_, y)| *y).collect();
    let logits: Vec<f64> = test.iter().map(|(i, _)| fit.logit(&row(&facts[*i], &priors))).collect();
    let calibrated: Vec<f64> = logits.iter().map(|&l| platt.probability(l)).collect();
    let raw: Vec<f64> = logits.iter().map(|&l| logistic::sigmoid(l)).collect();
    let naive_scores: Vec<f64> = test.iter().map(|(i, _)| naive(&facts[*i], target, &priors)).collect();
    let one_class = || ScoringError::OneClass { rows: y_test.len() };
    let positives = y_test.iter().filter(|&&y| y).count();
    Ok(TargetResult {
        name: target.name.to_string(),
        auc: metrics::auc(&calibrated, &y_test).ok_or_else(one_class)?,
        brier: metrics::brier(&calibrated, &y_test).ok_or_else(one_class)?,
        recall_at_10pct: metrics::recall_at(&calibrated, &y_test, ALERT_RATE).ok_or_else(one_class)?,
        naive_auc: metrics::auc(&naive_scores, &y_test).ok_or_else(one_class)?,
        naive_brier: metrics::brier(&naive_scores, &y_test).ok_or_else(one_class)?,
        naive_recall_at_10pct: metrics::recall_at(&naive_scores, &y_test, ALERT_RATE).ok_or_else(one_class)?,
        recall_ceiling: metrics::recall_ceiling(y_test.len(), positives, ALERT_RATE).ok_or_else(one_class)?,
        brier_uncalibrated: metrics::brier(&raw, &y_test).ok_or_else(one_class)?,
        mean_predicted: calibrated.iter().sum::<f64>() / count(calibrated.len()),
        test_rate: count(positives) / count(y_test.len()),
        n_test: y_test.len(),
        test_positives: positives,
        n_train: train.len(),
        n_censored: censored,
        terms: TERMS.iter().zip(&fit.weights).map(|(t, w)| TermWeight { name: t.0.to_string(), weight: *w }).collect(),
        calibration: platt,
    })
}

/// The label of "more than `threshold` days late" as known on `cutoff`: settled strictly before it,
/// or still open and already more than the threshold past due (a known positive); else censored.
pub fn observable_label(inv: &HistoryInvoice, cutoff: NaiveDate, threshold: i64) -> Option<bool> {
    match inv.settled_date {
        Some(s) if s < cutoff => Some((s - inv.due_date).num_days() > threshold),
        _ if (cutoff - inv.due_date).num_days() > threshold => Some(true),
        _ => None,
    }
}

/// The main split of scoring.md §4.
pub fn main_cutoff() -> NaiveDate {
    NaiveDate::from_ymd_opt(2013, 7, 1).unwrap_or(NaiveDate::MIN)
}

/// The rolling-origin cutoffs of scoring.md §4.
pub fn rolling_cutoffs() -> Vec<NaiveDate> {
    [(2012, 10), (2013, 1), (2013, 4), (2013, 7), (2013, 10)]
        .iter()
        .filter_map(|&(y, m)| NaiveDate::from_ymd_opt(y, m, 1))
        .collect()
}

/// The whole protocol: the main split (cutoff, test to the end of the history) for every target,
/// then the rolling folds (each tested on the three months after its cutoff).
pub fn run(invoices: &[HistoryInvoice], cutoff: NaiveDate) -> Result<BacktestReport, ScoringError> {
    let facts = invoice_facts(invoices);
    let test_end = invoices.iter().map(|v| v.issue_date).max().and_then(|d| d.succ_opt()).unwrap_or(cutoff);
    let mut targets = Vec::new();
    let mut warnings = Vec::new();
    for t in TARGETS {
        let r = evaluate(invoices, &facts, cutoff, test_end, t)?;
        if r.n_test < 300 || r.test_positives < 30 {
            warnings.push(format!(
                "{}: {} test invoices and {} positives: the confidence interval is wider than the differences between models",
                r.name, r.n_test, r.test_positives
            ));
        }
        targets.push(r);
    }
    let mut rolling = Vec::new();
    for c in rolling_cutoffs() {
        let end = c.checked_add_months(Months::new(3)).unwrap_or(c);
        for t in TARGETS {
            // A fold without both classes or without history is skipped, not an error.
            if let Ok(r) = evaluate(invoices, &facts, c, end, t) {
                rolling.push(FoldResult {
                    cutoff: c,
                    name: r.name,
                    auc: r.auc,
                    naive_auc: r.naive_auc,
                    recall_at_10pct: r.recall_at_10pct,
                    naive_recall_at_10pct: r.naive_recall_at_10pct,
                    n_test: r.n_test,
                });
            }
        }
    }
    let rolling_means = TARGETS
        .iter()
        .filter_map(|t| {
            let folds: Vec<&FoldResult> = rolling.iter().filter(|f| f.name == t.name).collect();
            let n = count(folds.len());
            let mean = |g: fn(&FoldResult) -> f64| folds.iter().map(|f| g(f)).sum::<f64>() / n;
            (!folds.is_empty()).then(|| RollingMean {
                name: t.name.to_string(),
                folds: folds.len(),
                auc: mean(|f| f.auc),
                naive_auc: mean(|f| f.naive_auc),
                recall_at_10pct: mean(|f| f.recall_at_10pct),
                naive_recall_at_10pct: mean(|f| f.naive_recall_at_10pct),
            })
        })
        .collect();
    Ok(BacktestReport { cutoff, test_end, targets, rolling, rolling_means, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// The IBM sample: `ENCOURS_DATA`, else `../shared/data` beside the repository. Fails, never skips.
    fn ibm() -> Vec<HistoryInvoice> {
        let dir = std::env::var_os("ENCOURS_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
        let path = dir.join("WA_Fn-UseC_-Accounts-Receivable.csv");
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (see /work/shared/data/README.md)", path.display()));
        encours_readers::ibm_ar::read("ibm", &bytes)
            .unwrap()
            .into_iter()
            .map(|r| HistoryInvoice {
                customer: r.customer_id,
                issue_date: r.invoice_date,
                due_date: r.due_date,
                amount: r.amount,
                settled_date: r.settled_date,
                electronic: r.electronic,
                disputed: r.disputed,
            })
            .collect()
    }

    #[test]
    fn ibm_main_split_reproduces_the_protocol_and_beats_the_bar() {
        let inv = ibm();
        assert_eq!(inv.len(), 2466);
        let r = run(&inv, main_cutoff()).unwrap();
        eprintln!("{}", serde_json::to_string_pretty(&r).unwrap());
        let late = &r.targets[0];
        let over10 = &r.targets[1];
        // scoring.md §4: 536 test invoices, 151 and 46 positives; 1,861 and 1,848 training rows.
        assert_eq!((late.n_test, late.test_positives, late.n_train, late.n_censored), (536, 151, 1861, 69));
        assert_eq!((over10.n_test, over10.test_positives, over10.n_train, over10.n_censored), (536, 46, 1848, 82));
        assert!((late.naive_auc - 0.851).abs() < 0.002, "{}", late.naive_auc);
        assert!((over10.naive_auc - 0.887).abs() < 0.002, "{}", over10.naive_auc);
        assert!(late.auc >= 0.866, "{}", late.auc);
        assert!(over10.recall_at_10pct >= 0.54, "{}", over10.recall_at_10pct);
        // Rolling origin: five folds per target; on average the scorecard beats the naive score.
        for m in &r.rolling_means {
            assert_eq!(m.folds, 5);
            assert!(m.auc > m.naive_auc, "{m:?}");
        }
    }

    /// scoring.md §4 self-check: rewriting an invoice's own outcome (settled the same day, or a
    /// year later) and flipping its dispute flag never changes its own features.
    #[test]
    fn an_invoice_own_outcome_never_enters_its_features() {
        let inv = ibm();
        let base = invoice_facts(&inv);
        for k in (0..inv.len()).step_by(41).take(60) {
            for variant in 0..2 {
                let mut changed = inv.clone();
                let v = &mut changed[k];
                v.settled_date =
                    Some(if variant == 0 { v.issue_date } else { v.issue_date + chrono::Duration::days(365) });
                v.disputed = !v.disputed;
                assert_eq!(invoice_facts(&changed)[k], base[k], "invoice {k}");
            }
        }
    }

    #[test]
    fn a_known_positive_open_at_the_cutoff_is_kept_and_a_censored_one_dropped() {
        let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2013, m, d).unwrap();
        let open = HistoryInvoice {
            customer: "c".into(),
            issue_date: day(5, 1),
            due_date: day(5, 31),
            amount: Decimal::from(10),
            settled_date: None,
            electronic: false,
            disputed: false,
        };
        assert_eq!(observable_label(&open, day(7, 1), 0), Some(true)); // 31 days past due
        assert_eq!(observable_label(&open, day(7, 1), 30), Some(true));
        assert_eq!(observable_label(&open, day(7, 1), 31), None);
        let paid = HistoryInvoice { settled_date: Some(day(6, 5)), ..open };
        assert_eq!(observable_label(&paid, day(7, 1), 0), Some(true));
        assert_eq!(observable_label(&paid, day(7, 1), 10), Some(false));
        assert_eq!(observable_label(&paid, day(6, 5), 10), None); // paid on the cutoff: not yet known
    }
}
