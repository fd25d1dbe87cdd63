//! Client risk scoring, the application side (issue 9).
//!
//! For now: the backtest of the scoring pipeline on the IBM accounts-receivable sample
//! (`encours score backtest --ibm-csv FILE`), with the protocol of scoring.md §4 implemented in
//! `encours_engines::scoring::backtest`. The dossier's own backtest, the daily rescoring job and the
//! alerts need the store's read model of each client's ledger (`ClientLedger`) and are not wired yet.

use std::path::Path;

use encours_engines::scoring::backtest::{self, HistoryInvoice};
use encours_readers::ibm_ar;

use crate::{ApiError, ErrorCode};

pub use encours_engines::scoring::backtest::{BacktestReport, FoldResult, RollingMean, TargetResult, TermWeight};

/// Runs the scoring backtest on the IBM sample at `path` (main split 2013-07-01, then the rolling
/// quarterly folds). A file that cannot be read names itself and the line.
pub fn backtest_ibm_csv(path: &Path) -> Result<BacktestReport, ApiError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ApiError::new(ErrorCode::Io, format!("{name}: {e}")))?;
    let records = ibm_ar::read(&name, &bytes).map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let history: Vec<HistoryInvoice> = records
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
        .collect();
    backtest::run(&history, backtest::main_cutoff())
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("{name}: {e}")))
}

/// The report as text: one line per target of the main split, then the rolling folds.
pub fn backtest_text(r: &BacktestReport) -> String {
    let mut out = format!(
        "Backtest: trained on what was known on {}, tested on invoices issued {} .. {}\n",
        r.cutoff,
        r.cutoff,
        r.test_end.pred_opt().unwrap_or(r.test_end)
    );
    out.push_str(&format!(
        "{:<20} {:>7} {:>7} {:>11} {:>9} {:>11} {:>7}\n",
        "target", "auc", "brier", "recall@10%", "naive_auc", "naive_rec", "n_test"
    ));
    for t in &r.targets {
        out.push_str(&format!(
            "{:<20} {:>7.3} {:>7.4} {:>11.3} {:>9.3} {:>11.3} {:>7}\n",
            t.name, t.auc, t.brier, t.recall_at_10pct, t.naive_auc, t.naive_recall_at_10pct, t.n_test
        ));
    }
    out.push_str("Rolling quarterly folds:\n");
    for f in &r.rolling {
        out.push_str(&format!(
            "  {} {:<20} auc {:.3} (naive {:.3})  recall@10% {:.3} (naive {:.3})  n_test {}\n",
            f.cutoff, f.name, f.auc, f.naive_auc, f.recall_at_10pct, f.naive_recall_at_10pct, f.n_test
        ));
    }
    for m in &r.rolling_means {
        out.push_str(&format!(
            "  mean of {} folds, {:<20} auc {:.3} (naive {:.3})  recall@10% {:.3} (naive {:.3})\n",
            m.folds, m.name, m.auc, m.naive_auc, m.recall_at_10pct, m.naive_recall_at_10pct
        ));
    }
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}
