//! Client risk scoring, the application side (issue 9).
//!
//! - `score_run`: the daily rescoring of the whole portfolio. The store streams each client's ledger
//!   as known on the date (`encours_store::scoring::for_each_client_ledger`); each is turned into the
//!   engine's `ClientLedger`, its features and monthly delays computed and the ledger dropped, so the
//!   2-million-invoice dossier never sits in memory as engine structs. The portfolio's late rate (the
//!   prior every client's rate is shrunk toward) is only known at the end of the stream, and it enters
//!   one feature only (`smoothed_late_rate`), which is put in afterwards. Then every client is scored,
//!   the early-warning rules run (score drop against the client's previous stored score) and the
//!   scores and the alerts whose dedupe key is new are written in one audited transaction.
//! - The scorecard: the engine's recommendation (`ledger_backtest::fit`, refitted every 4 weeks as the
//!   demo check does; the expert prior when the history does not allow a fit). A fit replays every
//!   monthly cutoff of the history, so on a large dossier it runs on a deterministic sample of clients
//!   (every k-th client, about `FIT_SAMPLE_DOCUMENTS` documents) and is kept in the dossier
//!   (`scoring_models`): a day's run reuses the last fit younger than `REFIT_DAYS`.
//! - `score_show`, `score_alerts`, `acknowledge_alert`, `snooze_alert`: the read side and the alert
//!   workflow; `score_backtest`: the dossier's own backtest (`ledger_backtest::run`, 6 test months).
//! - `backtest_ibm_csv`: the same protocol family on the IBM accounts-receivable sample.
//! - Sending the live alerts out by email and signed webhook, once per alert and channel:
//!   `crate::alert_delivery::deliver_alerts` (`encours score run --deliver`).

use std::path::Path;

use encours_engines::scoring::backtest::{self, HistoryInvoice};
use encours_readers::ibm_ar;

use crate::{ApiError, ErrorCode};

pub use encours_engines::scoring::backtest::{BacktestReport, FoldResult, RollingMean, TargetResult, TermWeight};

/// Runs the scoring backtest on the IBM sample at `path` (main split 2013-07-01, then the rolling
/// quarterly folds). A file that cannot be read names itself and the line.
pub fn backtest_ibm_csv(path: &Path) -> Result<BacktestReport, ApiError> {
    let name = path.display().to_string();
    let bytes = crate::import::read_file_capped(path, encours_readers::limits::MAX_IBM_FILE_BYTES)?;
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

// ---------------------------------------------------------------------------------------------
// The dossier's scoring.
// ---------------------------------------------------------------------------------------------

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{Duration, Months, NaiveDate, NaiveDateTime};
use encours_engines::scoring::features::{
    client_features, monthly_delays, settled_on, smoothed_late_rate, ClientFeatures, ClientLedger, CollectiveProcedure,
    DocumentKind, ExternalFacts, LedgerInvoice, LedgerPayment, LedgerStatus, MonthlyDelay, ProcedureKind,
};
use encours_engines::scoring::ledger_backtest;
use encours_engines::scoring::portfolio::{DEFAULT_LATE_RATE, MONTHS_OF_DELAYS};
use encours_engines::scoring::scorecard::{Grade, Scorecard};
use encours_engines::scoring::warnings::{early_warnings, not_yet_raised, WarningInput};
use encours_store::scoring::{self as store, NewAlert, StoredClientLedger, StoredScore};
use encours_store::{Dossier, KeySource};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Days a fitted scorecard is used before the next run refits it (the demo check refits every 4 weeks).
pub const REFIT_DAYS: i64 = 28;
/// About how many documents a fit (or a backtest) reads; a larger dossier is sampled by client.
pub const FIT_SAMPLE_DOCUMENTS: u64 = 150_000;
/// Test months of the dossier backtest.
pub const BACKTEST_TEST_MONTHS: u32 = 6;
const ACTOR: &str = "user";

/// What a scoring run did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScoreRunReport {
    /// The scoring date.
    pub as_of: String,
    /// Clients scored (those with a document issued before the date).
    #[ts(type = "number")]
    pub clients_scored: usize,
    /// Clients without any document yet (not scored).
    #[ts(type = "number")]
    pub clients_without_history: usize,
    /// Scores of that date replaced by this run (a rerun of the same date).
    #[ts(type = "number")]
    pub replaced: usize,
    /// Alerts newly raised.
    #[ts(type = "number")]
    pub new_alerts: usize,
    /// Alerts the rules raised again but already recorded (left as they were).
    #[ts(type = "number")]
    pub known_alerts: usize,
    /// `fit` (fitted on the dossier's history) or `prior` (the expert prior).
    pub model: String,
    /// The day the scorecard was fitted.
    pub model_fitted_on: String,
    /// Fitted by this run (rather than reused).
    pub model_refitted: bool,
    /// Why the prior is used, when it is.
    pub model_note: String,
    /// The portfolio's late rate every client's is shrunk toward, in basis points.
    pub portfolio_late_rate_bp: u32,
    /// Clients per grade, A to E.
    pub grades: Vec<GradeCount>,
}

/// How many clients have a grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GradeCount {
    /// A–E.
    pub grade: String,
    /// Clients.
    #[ts(type = "number")]
    pub clients: usize,
}

/// One reason behind a score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScoreReasonView {
    /// The scorecard term.
    pub term: String,
    /// The French phrase.
    pub text: String,
}

/// One point of a client's score history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScorePointView {
    /// Scoring date.
    pub date: String,
    /// 0–100.
    pub score: u8,
    /// A–E.
    pub grade: String,
}

/// A client's current score and its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientScoreView {
    /// The client.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Its name.
    pub client_name: String,
    /// The date of the score shown (the latest on or before the date asked).
    pub scored_on: String,
    /// 0–100, higher is safer.
    pub score: u8,
    /// A–E.
    pub grade: String,
    /// Calibrated probability that an invoice goes more than 60 days overdue within 90 days, in basis points.
    pub probability_bp: u32,
    /// The (up to) three reasons that raise the risk most, in French.
    pub reasons: Vec<ScoreReasonView>,
    /// Suggested credit limit, a decimal string in euros.
    pub suggested_limit: String,
    /// Why that limit, in French.
    pub limit_rule: String,
    /// How many invoices the score rests on.
    pub invoices_scored: u32,
    /// What is known from outside the ledger (shown beside the score, never inside it).
    pub external_notes: Vec<String>,
    /// Every stored score up to that date, oldest first.
    pub history: Vec<ScorePointView>,
    /// The client's alerts.
    pub alerts: Vec<RiskAlertView>,
}

/// One alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RiskAlertView {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// The client.
    #[ts(type = "number")]
    pub client_id: i64,
    /// The client's name.
    pub client_name: String,
    /// The rule (`delays_lengthening`, `beyond_habit`, `repeated_incidents`, `promise_after_partial`,
    /// `falling_activity`, `dispute_jump`, `score_drop`, `collective_procedure`, `ceased_activity`).
    pub rule: String,
    /// The deduplication key.
    pub dedupe_key: String,
    /// The day it was raised.
    pub raised_on: String,
    /// What happened, in French.
    pub details: String,
    /// `open`, `acknowledged` or `snoozed`.
    pub state: String,
    /// Until when it is snoozed.
    pub snoozed_until: Option<String>,
}

/// One target of the dossier backtest (the IBM report's shape).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BacktestTargetView {
    /// The target's name.
    pub name: String,
    /// AUC of the calibrated score.
    pub auc: f64,
    /// Brier score.
    pub brier: f64,
    /// Recall when the riskiest 10 % are alerted.
    pub recall_at_10pct: f64,
    /// AUC of the naive "past late rate" score.
    pub naive_auc: f64,
    /// Brier of the naive score.
    pub naive_brier: f64,
    /// Recall at 10 % of the naive score.
    pub naive_recall_at_10pct: f64,
    /// Test rows.
    #[ts(type = "number")]
    pub n_test: usize,
    /// Positives among them.
    #[ts(type = "number")]
    pub test_positives: usize,
    /// Training rows.
    #[ts(type = "number")]
    pub n_train: usize,
}

/// The dossier's own backtest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DossierBacktestView {
    /// The date the history is read as of.
    pub as_of: String,
    /// First cutoff of the test period.
    pub test_from: String,
    /// Last cutoff tested.
    pub test_to: String,
    /// Clients in the history read (every k-th on a large dossier).
    #[ts(type = "number")]
    pub clients: usize,
    /// 1 when every client was read, k when every k-th was.
    #[ts(type = "number")]
    pub sample_stride: u64,
    /// One entry per target.
    pub targets: Vec<BacktestTargetView>,
    /// Too few rows or positives, sampling, etc.
    pub warnings: Vec<String>,
}

fn store_err(e: encours_store::StoreError) -> ApiError {
    ApiError::from(e)
}

fn procedure_kind(kind: &str) -> Option<ProcedureKind> {
    match kind {
        "safeguard" | "sauvegarde" => Some(ProcedureKind::Sauvegarde),
        "receivership" | "redressement" => Some(ProcedureKind::Redressement),
        "liquidation" => Some(ProcedureKind::Liquidation),
        _ => None,
    }
}

/// The engine's view of a stored ledger.
fn to_engine(l: StoredClientLedger) -> ClientLedger {
    ClientLedger {
        client_id: l.client_id.to_string(),
        invoices: l
            .documents
            .into_iter()
            .map(|doc| LedgerInvoice {
                id: doc.id.to_string(),
                kind: if doc.credit_note { DocumentKind::CreditNote } else { DocumentKind::Invoice },
                issue_date: doc.issue_date,
                due_date: doc.due_date,
                amount: doc.amount,
                electronic: doc.electronic,
                payments: doc
                    .allocations
                    .into_iter()
                    .map(|a| LedgerPayment { date: a.date, amount: a.amount, from_credit_note: a.from_credit_note })
                    .collect(),
                statuses: doc.statuses.into_iter().map(|(code, date)| LedgerStatus { code, date }).collect(),
            })
            .collect(),
        broken_promises: l.broken_promises,
        promises_made: l.promises_made,
        external: ExternalFacts {
            legal_form: l.legal_form,
            naf: l.naf,
            collective_procedure: l.collective_procedure.and_then(|(kind, judgment_date)| {
                procedure_kind(&kind).map(|kind| CollectiveProcedure { kind, judgment_date })
            }),
            ..ExternalFacts::default()
        },
    }
}

/// (settled in the 12 months before `as_of`, of which late): the counts behind the portfolio's late
/// rate and the client's smoothed rate (the same invoices `client_features` counts).
fn late_counts(l: &ClientLedger, as_of: NaiveDate) -> (u32, u32) {
    let from = as_of.checked_sub_months(Months::new(12)).unwrap_or(NaiveDate::MIN);
    let (mut n, mut late) = (0u32, 0u32);
    for inv in l.invoices.iter().filter(|i| i.kind == DocumentKind::Invoice && i.issue_date < as_of) {
        if !inv.payments.iter().any(|p| p.date >= from && p.date < as_of) {
            continue;
        }
        if let Some(on) = settled_on(inv, as_of).filter(|d| *d >= from) {
            n += 1;
            late += u32::from(on > inv.due_date);
        }
    }
    (n, late)
}

/// What the stream keeps of a client until the portfolio's rate is known.
struct Draft {
    client_id: i64,
    features: ClientFeatures,
    monthly: Vec<MonthlyDelay>,
    habit: Option<encours_engines::scoring::features::HabitBreak>,
    signals: Option<encours_engines::scoring::warnings::PaymentSignals>,
    external: ExternalFacts,
    settled: u32,
    late: u32,
}

fn stride_for(d: &Dossier, as_of: NaiveDate) -> Result<u64, ApiError> {
    let n = store::document_count(d, as_of).map_err(store_err)?;
    Ok(n.div_ceil(FIT_SAMPLE_DOCUMENTS).max(1))
}

/// Reads every ledger of the dossier (every `stride`-th client) as the engine wants them.
fn sampled_ledgers(d: &Dossier, as_of: NaiveDate, stride: u64) -> Result<Vec<ClientLedger>, ApiError> {
    let mut out = Vec::new();
    let mut i = 0u64;
    store::for_each_client_ledger(d, as_of, |l| {
        if i.is_multiple_of(stride) && !l.documents.is_empty() {
            out.push(to_engine(l));
        }
        i += 1;
        Ok::<(), ApiError>(())
    })?;
    Ok(out)
}

fn grade_str(g: Grade) -> String {
    format!("{g:?}")
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn basis_points(p: f64) -> u32 {
    // A probability or rate in [0, 1] to basis points, for display and storage (no float in the file).
    (p.clamp(0.0, 1.0) * 10_000.0).round() as u32
}

/// The scorecard to score with on `as_of`: the stored one if fitted less than [`REFIT_DAYS`] ago,
/// else a new fit (on a sample of clients for a large dossier), else the prior; a new one is stored.
fn scorecard_for(d: &mut Dossier, as_of: NaiveDate) -> Result<(Scorecard, String, NaiveDate, bool, String), ApiError> {
    if let Some((on, origin, json)) = store::latest_model(d, as_of).map_err(store_err)? {
        if on + Duration::days(REFIT_DAYS) > as_of {
            if let Ok(card) = serde_json::from_str::<Scorecard>(&json) {
                return Ok((card, origin, on, false, String::new()));
            }
        }
    }
    let stride = stride_for(d, as_of)?;
    let sample = sampled_ledgers(d, as_of, stride)?;
    let (card, origin, note) = match ledger_backtest::fit(&sample, as_of) {
        Ok(card) => (card, "fit", format!("fitted on {} clients (every {stride})", sample.len())),
        Err(e) => (Scorecard::prior(), "prior", format!("no fit on the dossier's history: {e}")),
    };
    let json = serde_json::to_string(&card).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    store::put_model(d, as_of, origin, &json, &note).map_err(store_err)?;
    Ok((card, origin.to_string(), as_of, true, note))
}

/// How far a scoring run is: clients whose features are computed, of all the dossier's clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScoringProgress {
    /// Clients done.
    #[ts(type = "number")]
    pub done: usize,
    /// Clients in all (0 while the ledgers are being read).
    #[ts(type = "number")]
    pub total: usize,
}

/// Rescores every client on `as_of` and records the scores and the new alerts (module doc).
/// `progress` is called with the clients read so far, every 1,000 clients and at the end.
/// One connection and one thread: [`rescore`] is the same run on two of each.
pub fn score_run(
    d: &mut Dossier,
    as_of: NaiveDate,
    now: NaiveDateTime,
    progress: &mut dyn FnMut(usize),
) -> Result<ScoreRunReport, ApiError> {
    let cancel = AtomicBool::new(false);
    let progress = std::cell::RefCell::new(progress);
    let report = run(
        d,
        None,
        as_of,
        now,
        2,
        &|p: ScoringProgress| {
            if p.total > 0 {
                (progress.borrow_mut())(p.done);
            }
        },
        &cancel,
    )?;
    report.ok_or_else(|| ApiError::new(ErrorCode::Internal, "a run that cannot be cancelled was cancelled"))
}

/// Rescores every client on `as_of`, whether or not the date was scored already (a rerun replaces
/// that date's scores), and records the scores and the new alerts — or, when `cancel` is set before
/// the write, nothing at all (`Ok(None)`): every score and alert of a run commits in one transaction.
///
/// `keys`: the key source the dossier was opened with. Given (and not a passphrase), the ledgers
/// are read on two connections at once (`LedgerSnapshot::read`); `None` reads on the dossier's
/// own. The clients' features are computed on two threads either way. The stored result is the
/// same as [`score_run`]'s, row for row (tests/scoring.rs). `progress` is called from the calling
/// thread only: `{done: 0, total: 0}` when the read starts, then every 1,000 clients, then
/// `{done: total, total}`.
pub fn rescore(
    d: &mut Dossier,
    keys: Option<&KeySource>,
    as_of: NaiveDate,
    now: NaiveDateTime,
    progress: &dyn Fn(ScoringProgress),
    cancel: &AtomicBool,
) -> Result<Option<ScoreRunReport>, ApiError> {
    run(d, keys, as_of, now, 2, progress, cancel)
}

/// The daily rescoring, for a background job: scores every client on `today` unless the dossier
/// already holds scores of `today` (then `Ok(None)`, nothing done), with [`rescore`]'s progress and
/// cancellation (a cancelled run also gives `Ok(None)` and writes nothing; the caller knows it
/// asked). `now` dates the audit entry; the clock is the caller's.
///
/// ```ignore
/// let cancel = AtomicBool::new(false);
/// match scoring::run_if_due(&mut d, Some(&keys), today, now, &|p| eprintln!("{}/{}", p.done, p.total), &cancel)? {
///     Some(report) => println!("{} clients scored", report.clients_scored),
///     None => println!("already scored today, or cancelled"),
/// }
/// ```
pub fn run_if_due(
    d: &mut Dossier,
    keys: Option<&KeySource>,
    today: NaiveDate,
    now: NaiveDateTime,
    progress: &dyn Fn(ScoringProgress),
    cancel: &AtomicBool,
) -> Result<Option<ScoreRunReport>, ApiError> {
    if store::has_scores_of(d, today).map_err(store_err)? {
        return Ok(None);
    }
    rescore(d, keys, today, now, progress, cancel)
}

/// What one client gives the run: its draft, or `None` when it has no document before the date.
/// `facts`: the dossier's stored SIRENE facts by client ([`encours_store::opendata::all_company_facts`]),
/// applied to the client's external facts so the `ceased_activity` warning fires from them.
/// `buffers`: the thread's ledger and spare documents, reused from client to client.
fn draft_of(
    snapshot: &store::LedgerSnapshot,
    i: usize,
    as_of: NaiveDate,
    facts: &HashMap<i64, encours_store::opendata::CompanyFactsRow>,
    buffers: &mut LedgerBuffers,
) -> Option<Draft> {
    let client_id = snapshot.client_id(i)?;
    let ledger = buffers.fill(snapshot, i, client_id);
    if let Some(f) = facts.get(&client_id) {
        crate::opendata::apply_company_facts(&mut ledger.external, f);
    }
    if !ledger.invoices.iter().any(|i| i.issue_date < as_of) {
        return None;
    }
    let (settled, late) = late_counts(ledger, as_of);
    let habit = encours_engines::scoring::features::habit_break(ledger, as_of);
    Some(Draft {
        client_id,
        features: client_features(ledger, as_of, DEFAULT_LATE_RATE),
        monthly: monthly_delays(ledger, as_of, MONTHS_OF_DELAYS),
        signals: encours_engines::scoring::warnings::payment_signals(ledger, as_of, habit.as_ref()),
        habit,
        external: std::mem::take(&mut ledger.external),
        settled,
        late,
    })
}

/// One thread's engine ledger, filled client after client from the snapshot's rows (what
/// `to_engine(snapshot.ledger(i))` gives, field for field) without building the store's ledger
/// first: a rescoring of 2 million documents otherwise allocates and frees some 8 million small
/// strings and vectors (two per document and table, twice). A document's vectors and id string
/// keep their capacity for the next client; documents beyond the current client's count wait in
/// `spare`.
#[derive(Default)]
struct LedgerBuffers {
    ledger: ClientLedger,
    spare: Vec<LedgerInvoice>,
}

impl LedgerBuffers {
    fn fill(&mut self, snapshot: &store::LedgerSnapshot, i: usize, client_id: i64) -> &mut ClientLedger {
        use std::fmt::Write as _;
        let l = &mut self.ledger;
        l.client_id.clear();
        let _ = write!(l.client_id, "{client_id}");
        let mut n = 0usize;
        for doc in snapshot.documents(i) {
            if n == l.invoices.len() {
                l.invoices.push(self.spare.pop().unwrap_or_else(|| LedgerInvoice {
                    id: String::new(),
                    kind: DocumentKind::Invoice,
                    issue_date: doc.issue_date,
                    due_date: doc.due_date,
                    amount: doc.amount,
                    electronic: doc.electronic,
                    payments: Vec::new(),
                    statuses: Vec::new(),
                }));
            }
            let Some(inv) = l.invoices.get_mut(n) else { break };
            inv.id.clear();
            let _ = write!(inv.id, "{}", doc.id);
            inv.kind = if doc.credit_note { DocumentKind::CreditNote } else { DocumentKind::Invoice };
            inv.issue_date = doc.issue_date;
            inv.due_date = doc.due_date;
            inv.amount = doc.amount;
            inv.electronic = doc.electronic;
            inv.payments.clear();
            inv.payments.extend(doc.allocations().map(|a| LedgerPayment {
                date: a.date,
                amount: a.amount,
                from_credit_note: a.from_credit_note,
            }));
            inv.statuses.clear();
            inv.statuses.extend(doc.statuses().map(|(code, date)| LedgerStatus { code, date }));
            n += 1;
        }
        self.spare.extend(l.invoices.drain(n..));
        l.broken_promises.clear();
        l.broken_promises.extend_from_slice(snapshot.broken_promises(i));
        l.promises_made.clear();
        l.promises_made.extend_from_slice(snapshot.promises_made(i));
        let (legal_form, naf) = snapshot.legal_form_and_naf(i);
        l.external = ExternalFacts {
            legal_form: legal_form.map(str::to_owned),
            naf: naf.map(str::to_owned),
            collective_procedure: snapshot.collective_procedure(i).and_then(|(kind, judgment_date)| {
                procedure_kind(kind).map(|kind| CollectiveProcedure { kind, judgment_date })
            }),
            ..ExternalFacts::default()
        };
        l
    }
}

/// Drafts of the clients `range`, in order, and how many had no history; stops early (returning
/// what it has) when `cancel` is set. `tick` is called after each client.
fn drafts_of(
    snapshot: &store::LedgerSnapshot,
    range: std::ops::Range<usize>,
    as_of: NaiveDate,
    facts: &HashMap<i64, encours_store::opendata::CompanyFactsRow>,
    cancel: &AtomicBool,
    tick: &mut dyn FnMut(),
) -> (Vec<Draft>, usize) {
    let mut drafts = Vec::with_capacity(range.len());
    let mut without_history = 0usize;
    let mut buffers = LedgerBuffers::default();
    for i in range {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        match draft_of(snapshot, i, as_of, facts, &mut buffers) {
            Some(draft) => drafts.push(draft),
            None => without_history += 1,
        }
        tick();
    }
    (drafts, without_history)
}

/// The client where the first `threads - 1` cuts fall so each part has about as many documents.
fn split_points(snapshot: &store::LedgerSnapshot, threads: usize) -> Vec<usize> {
    let total: usize = (0..snapshot.len()).map(|i| snapshot.documents_of(i)).sum();
    let mut cuts = Vec::new();
    let mut acc = 0usize;
    for i in 0..snapshot.len() {
        if cuts.len() + 1 >= threads {
            break;
        }
        acc += snapshot.documents_of(i);
        if acc * threads >= total * (cuts.len() + 1) {
            cuts.push(i + 1);
        }
    }
    cuts
}

/// What scoring the drafts needs besides them.
struct ScoringContext<'a> {
    as_of: NaiveDate,
    /// The portfolio's late rate.
    prior: f64,
    card: &'a Scorecard,
    previous: &'a HashMap<i64, u8>,
    before_previous: &'a HashMap<i64, u8>,
    raised: &'a HashSet<String>,
}

type Scored = (Vec<StoredScore>, Vec<NewAlert>, std::collections::BTreeMap<Grade, usize>);

/// Scores the drafts in order: the rows to store, the alerts not raised before, clients per grade.
fn score_drafts(drafts: Vec<Draft>, ctx: &ScoringContext<'_>) -> Scored {
    let (as_of, prior, card, previous, before_previous, raised) =
        (ctx.as_of, ctx.prior, ctx.card, ctx.previous, ctx.before_previous, ctx.raised);
    let mut scores = Vec::with_capacity(drafts.len());
    let mut alerts = Vec::new();
    let mut grades: std::collections::BTreeMap<Grade, usize> = std::collections::BTreeMap::new();
    for mut c in drafts {
        c.features.smoothed_late_rate = smoothed_late_rate(c.late, c.settled, prior);
        let s = card.score(&c.features, &c.external);
        *grades.entry(s.grade).or_default() += 1;
        let input = WarningInput {
            client_id: c.client_id.to_string(),
            as_of,
            monthly: c.monthly,
            features: c.features,
            score_now: Some(s.score),
            score_before: before_previous.get(&c.client_id).copied(),
            score_between: previous.get(&c.client_id).copied(),
            external: c.external,
            habit: c.habit,
            signals: c.signals,
        };
        for a in not_yet_raised(early_warnings(&input), raised) {
            alerts.push(NewAlert {
                client_id: c.client_id,
                rule: serde_json::to_value(a.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                dedupe_key: a.key,
                raised_on: a.raised_on,
                details: a.message,
            });
        }
        let reasons: Vec<serde_json::Value> =
            s.reasons.iter().map(|r| serde_json::json!({ "term": format!("{:?}", r.term), "text": r.text })).collect();
        scores.push(StoredScore {
            client_id: c.client_id,
            scored_on: as_of,
            score: s.score,
            grade: grade_str(s.grade),
            probability_bp: basis_points(s.probability),
            reasons_json: serde_json::Value::Array(reasons).to_string(),
            suggested_limit: s.suggested_limit.round_dp(2),
            limit_rule: s.limit_rule,
            invoices_scored: s.invoices_scored,
            external_json: serde_json::to_string(&s.external_notes).unwrap_or_else(|_| "[]".into()),
        });
    }
    (scores, alerts, grades)
}

fn run(
    d: &mut Dossier,
    keys: Option<&KeySource>,
    as_of: NaiveDate,
    now: NaiveDateTime,
    threads: usize,
    progress: &dyn Fn(ScoringProgress),
    cancel: &AtomicBool,
) -> Result<Option<ScoreRunReport>, ApiError> {
    let (card, model, fitted_on, refitted, note) = scorecard_for(d, as_of)?;
    // The score-drop rule compares with the previous run's scores only when that run used this
    // same scorecard: a refit in between moves every client's score at once (a young fit on a
    // short history can swing a client by 50 points), and such a move says nothing about the
    // client. After a refit the rule waits for the next run, scored by the same card.
    let previous_day = store::previous_scoring_date(d, as_of).map_err(store_err)?;
    let same_card = previous_day.is_some_and(|prev| prev >= fitted_on);
    let previous = if same_card { store::previous_scores(d, as_of).map_err(store_err)? } else { HashMap::new() };
    // The drop is measured from the run before the previous one and must hold in the previous one
    // (warnings::score_drop): both by this same scorecard, else the rule waits.
    let before_previous = match previous_day {
        Some(prev) if same_card => {
            let day = store::previous_scoring_date(d, prev).map_err(store_err)?;
            if day.is_some_and(|p| p >= fitted_on) {
                store::previous_scores(d, prev).map_err(store_err)?
            } else {
                HashMap::new()
            }
        }
        _ => HashMap::new(),
    };
    let raised: HashSet<String> = store::alert_keys(d).map_err(store_err)?.into_iter().collect();

    // SIRENE facts read once per run (issue 9 §1: company age, legal form, ceased activity).
    let facts = encours_store::opendata::all_company_facts(d).map_err(store_err)?;
    progress(ScoringProgress { done: 0, total: 0 });
    let snapshot = store::LedgerSnapshot::read(d, as_of, keys).map_err(store_err)?;
    let total = snapshot.len();
    // Features per client on `threads` threads, each over a contiguous range of clients with about
    // as many documents; the parts are joined in client order, so the run is the same whatever
    // the number of threads (the portfolio's rate is summed in that order).
    let done = AtomicUsize::new(0);
    let cuts = split_points(&snapshot, threads.max(1));
    let mut bounds = vec![0usize];
    bounds.extend(cuts);
    bounds.push(total);
    let ranges: Vec<std::ops::Range<usize>> = bounds.windows(2).map(|w| w[0]..w[1].max(w[0])).collect();
    let parts: Vec<(Vec<Draft>, usize)> = std::thread::scope(|s| {
        let (first, rest) = ranges.split_first().map_or((0..0, &[][..]), |(f, r)| (f.clone(), r));
        let handles: Vec<_> = rest
            .iter()
            .map(|r| {
                let (snapshot, done, r, facts) = (&snapshot, &done, r.clone(), &facts);
                s.spawn(move || {
                    drafts_of(snapshot, r, as_of, facts, cancel, &mut || {
                        done.fetch_add(1, Ordering::Relaxed);
                    })
                })
            })
            .collect();
        let mut mine = 0usize;
        let first = drafts_of(&snapshot, first, as_of, &facts, cancel, &mut || {
            done.fetch_add(1, Ordering::Relaxed);
            mine += 1;
            if mine.is_multiple_of(1000) {
                progress(ScoringProgress { done: done.load(Ordering::Relaxed), total });
            }
        });
        let mut parts = vec![first];
        for h in handles {
            parts.push(h.join().unwrap_or_default());
        }
        parts
    });
    if cancel.load(Ordering::Relaxed) {
        return Ok(None);
    }
    if parts.iter().map(|(d, w)| d.len() + w).sum::<usize>() != total {
        return Err(ApiError::new(ErrorCode::Internal, "a scoring thread stopped before its last client"));
    }
    progress(ScoringProgress { done: total, total });
    let without_history: usize = parts.iter().map(|p| p.1).sum();
    let drafts: Vec<Draft> = parts.into_iter().flat_map(|p| p.0).collect();

    let (n, late) = drafts.iter().fold((0u64, 0u64), |(n, l), c| (n + u64::from(c.settled), l + u64::from(c.late)));
    #[allow(clippy::cast_precision_loss)]
    let prior = if n == 0 { DEFAULT_LATE_RATE } else { late as f64 / n as f64 };

    // Scores, alerts and the rows to store, on two threads over the two halves of the drafts,
    // joined in client order (the same rows and alerts, in the same order, as one loop).
    let ctx = ScoringContext {
        as_of,
        prior,
        card: &card,
        previous: &previous,
        before_previous: &before_previous,
        raised: &raised,
    };
    let mut drafts = drafts;
    let second = drafts.split_off(drafts.len() / 2);
    let ((mut scores, mut alerts, mut grades), rest) = std::thread::scope(|s| {
        let other = s.spawn(|| score_drafts(second, &ctx));
        let mine = score_drafts(drafts, &ctx);
        (mine, other.join())
    });
    let (scores2, alerts2, grades2) =
        rest.map_err(|_| ApiError::new(ErrorCode::Internal, "a scoring thread stopped before its last client"))?;
    scores.extend(scores2);
    alerts.extend(alerts2);
    for (g, n) in grades2 {
        *grades.entry(g).or_default() += n;
    }
    let grades: Vec<GradeCount> = [Grade::A, Grade::B, Grade::C, Grade::D, Grade::E]
        .into_iter()
        .map(|g| GradeCount { grade: grade_str(g), clients: grades.get(&g).copied().unwrap_or(0) })
        .collect();
    let mut report = ScoreRunReport {
        as_of: as_of.to_string(),
        clients_scored: scores.len(),
        clients_without_history: without_history,
        replaced: 0,
        new_alerts: 0,
        known_alerts: 0,
        model,
        model_fitted_on: fitted_on.to_string(),
        model_refitted: refitted,
        model_note: note,
        portfolio_late_rate_bp: basis_points(prior),
        grades,
    };
    let summary = serde_json::to_string(&report).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    if cancel.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let w = store::write_run(d, as_of, &scores, &alerts, &summary, ACTOR, now).map_err(store_err)?;
    // The clients read from the tables are packed for the next run (store::scoring, "Packs").
    snapshot.save_packs(d).map_err(store_err)?;
    report.replaced = w.replaced;
    report.new_alerts = w.new_alerts;
    report.known_alerts = w.known_alerts;
    Ok(Some(report))
}

fn alert_view(a: store::StoredAlert) -> RiskAlertView {
    RiskAlertView {
        id: a.id,
        client_id: a.client_id,
        client_name: a.client_name,
        rule: a.rule,
        dedupe_key: a.dedupe_key,
        raised_on: a.raised_on.to_string(),
        details: a.details,
        state: a.state,
        snoozed_until: a.snoozed_until.map(|d| d.to_string()),
    }
}

/// A client's latest score on or before `as_of`, its reasons and history, and its alerts.
pub fn score_show(d: &Dossier, client_id: i64, as_of: NaiveDate) -> Result<ClientScoreView, ApiError> {
    let name = store::client_name(d, client_id)
        .map_err(store_err)?
        .ok_or_else(|| ApiError::invalid(format!("no client {client_id} in this dossier")))?;
    let history = store::client_scores(d, client_id, as_of).map_err(store_err)?;
    let Some(last) = history.last().cloned() else {
        return Err(ApiError::invalid(format!(
            "client {client_id} ({name}) has no score on or before {as_of}: run `encours score run` first"
        )));
    };
    let reasons: Vec<ScoreReasonView> = serde_json::from_str::<Vec<serde_json::Value>>(&last.reasons_json)
        .unwrap_or_default()
        .iter()
        .map(|v| ScoreReasonView {
            term: v.get("term").and_then(|t| t.as_str()).unwrap_or_default().to_string(),
            text: v.get("text").and_then(|t| t.as_str()).unwrap_or_default().to_string(),
        })
        .collect();
    let alerts = store::alerts(d, None)
        .map_err(store_err)?
        .into_iter()
        .filter(|a| a.client_id == client_id)
        .map(alert_view)
        .collect();
    Ok(ClientScoreView {
        client_id,
        client_name: name,
        scored_on: last.scored_on.to_string(),
        score: last.score,
        grade: last.grade.clone(),
        probability_bp: last.probability_bp,
        reasons,
        suggested_limit: last.suggested_limit.round_dp(2).to_string(),
        limit_rule: last.limit_rule.clone(),
        invoices_scored: last.invoices_scored,
        external_notes: serde_json::from_str(&last.external_json).unwrap_or_default(),
        history: history
            .iter()
            .map(|s| ScorePointView { date: s.scored_on.to_string(), score: s.score, grade: s.grade.clone() })
            .collect(),
        alerts,
    })
}

/// Alerts, newest first; `state` (`open`, `acknowledged`, `snoozed`) filters when given.
pub fn score_alerts(d: &Dossier, state: Option<&str>) -> Result<Vec<RiskAlertView>, ApiError> {
    if let Some(s) = state {
        if !matches!(s, "open" | "acknowledged" | "snoozed") {
            return Err(ApiError::invalid(format!("alert state {s:?}: expected open, acknowledged or snoozed")));
        }
    }
    Ok(store::alerts(d, state).map_err(store_err)?.into_iter().map(alert_view).collect())
}

fn set_state(
    d: &mut Dossier,
    id: i64,
    state: &str,
    until: Option<NaiveDate>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if store::set_alert_state(d, id, state, until, ACTOR, now).map_err(store_err)? {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("no alert {id} in this dossier")))
    }
}

/// Marks an alert as seen (audited).
pub fn acknowledge_alert(d: &mut Dossier, id: i64, now: NaiveDateTime) -> Result<(), ApiError> {
    set_state(d, id, "acknowledged", None, now)
}

/// Hides an alert until `until` (audited); it must be after today.
pub fn snooze_alert(d: &mut Dossier, id: i64, until: NaiveDate, now: NaiveDateTime) -> Result<(), ApiError> {
    if until <= now.date() {
        return Err(ApiError::invalid(format!("snooze until {until}: the date must be after today")));
    }
    set_state(d, id, "snoozed", Some(until), now)
}

/// The dossier's own backtest as of `as_of` (`ledger_backtest::run`: monthly cutoffs, fitted on
/// windows closed before the test period, the last 6 cutoffs tested, against the naive past late rate).
pub fn score_backtest(d: &Dossier, as_of: NaiveDate) -> Result<DossierBacktestView, ApiError> {
    let stride = stride_for(d, as_of)?;
    let ledgers = sampled_ledgers(d, as_of, stride)?;
    let r = ledger_backtest::run(&ledgers, as_of, BACKTEST_TEST_MONTHS)
        .map_err(|e| ApiError::invalid(format!("dossier backtest: {e}")))?;
    let mut warnings = r.warnings;
    if stride > 1 {
        warnings.push(format!("large dossier: every {stride}th client read ({} clients)", ledgers.len()));
    }
    Ok(DossierBacktestView {
        as_of: as_of.to_string(),
        test_from: r.test_from.to_string(),
        test_to: r.test_to.to_string(),
        clients: ledgers.len(),
        sample_stride: stride,
        targets: r
            .targets
            .into_iter()
            .map(|t| BacktestTargetView {
                name: t.name,
                auc: t.auc,
                brier: t.brier,
                recall_at_10pct: t.recall_at_10pct,
                naive_auc: t.naive_auc,
                naive_brier: t.naive_brier,
                naive_recall_at_10pct: t.naive_recall_at_10pct,
                n_test: t.n_test,
                test_positives: t.test_positives,
                n_train: t.n_train,
            })
            .collect(),
        warnings,
    })
}

// ---------------------------------------------------------------------------------------------
// Lead time of the early warnings on known failures (issue 9, must show).
// ---------------------------------------------------------------------------------------------

/// A client known to have failed (from outside the ledger: the demo generator, or the user's own
/// records) and when: the last day it paid anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownFailure {
    /// The client.
    pub client_id: i64,
    /// Its failure date.
    pub failed_on: NaiveDate,
}

/// How early one failing client was alerted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FailureLead {
    /// The client.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Its failure date.
    pub failed_on: String,
    /// The first alert raised in the 12 months before the failure, if any.
    pub first_alert_on: Option<String>,
    /// Its rule.
    pub first_rule: Option<String>,
    /// Days from that alert to the failure.
    #[ts(type = "number | null")]
    pub lead_days: Option<i64>,
    /// The alert came 3 to 6 calendar months before the failure.
    pub within_3_to_6_months: bool,
}

/// The lead-time check: the daily job replayed over the history, then each failure's first alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LeadTimeReport {
    /// First replayed run.
    pub from: String,
    /// Last replayed run.
    pub to: String,
    /// Days between two replayed runs.
    #[ts(type = "number")]
    pub step_days: i64,
    /// One line per known failure, by failure date.
    pub failures: Vec<FailureLead>,
    /// Failures alerted 3 to 6 months ahead.
    #[ts(type = "number")]
    pub alerted_3_to_6_months: usize,
    /// Clients with a document before `to` and no known failure.
    #[ts(type = "number")]
    pub healthy_clients: usize,
    /// Of them, alerted at least once in the 12 months up to `to` (false alerts).
    #[ts(type = "number")]
    pub healthy_alerted: usize,
    /// `healthy_alerted / healthy_clients`, in basis points.
    pub false_alert_share_bp: u32,
    /// Healthy clients alerted per rule (a client can count under several).
    pub healthy_alerted_by_rule: Vec<(String, u32)>,
}

/// Replays the daily rescoring every `step_days` from `from` to `to` (each run exactly as the
/// daily job: [`rescore`] on that date, the model refitted when 28 days old, alerts deduplicated),
/// then measures, for each known failure, the first alert raised in the 12 months before it, and
/// the share of the other clients alerted in the 12 months up to `to`. The runs' scores and alerts
/// stay in the dossier, as the daily job would have left them; run it on a copy or a demo.
pub fn lead_times(
    d: &mut Dossier,
    keys: Option<&KeySource>,
    failures: &[KnownFailure],
    from: NaiveDate,
    to: NaiveDate,
    step_days: i64,
    now: NaiveDateTime,
) -> Result<LeadTimeReport, ApiError> {
    if step_days < 1 || from > to {
        return Err(ApiError::invalid(format!("replay from {from} to {to} every {step_days} days")));
    }
    let never = AtomicBool::new(false);
    let mut day = from;
    while day <= to {
        rescore(d, keys, day, now, &|_| {}, &never)?;
        day += Duration::days(step_days);
    }
    let alerts = store::alerts(d, None).map_err(store_err)?;
    let mut by_client: HashMap<i64, Vec<&store::StoredAlert>> = HashMap::new();
    for a in &alerts {
        by_client.entry(a.client_id).or_default().push(a);
    }
    let months = |d: NaiveDate, m: u32| d.checked_sub_months(Months::new(m)).unwrap_or(NaiveDate::MIN);
    let mut lines: Vec<FailureLead> = failures
        .iter()
        .map(|f| {
            let first = by_client.get(&f.client_id).and_then(|v| {
                v.iter().filter(|a| a.raised_on >= months(f.failed_on, 12)).min_by_key(|a| (a.raised_on, a.id))
            });
            let within =
                first.is_some_and(|a| a.raised_on >= months(f.failed_on, 6) && a.raised_on <= months(f.failed_on, 3));
            FailureLead {
                client_id: f.client_id,
                failed_on: f.failed_on.to_string(),
                first_alert_on: first.map(|a| a.raised_on.to_string()),
                first_rule: first.map(|a| a.rule.clone()),
                lead_days: first.map(|a| (f.failed_on - a.raised_on).num_days()),
                within_3_to_6_months: within,
            }
        })
        .collect();
    lines.sort_by(|a, b| (&a.failed_on, a.client_id).cmp(&(&b.failed_on, b.client_id)));
    let failing: HashSet<i64> = failures.iter().map(|f| f.client_id).collect();
    let with_history = store::clients_with_documents_before(d, to).map_err(store_err)?;
    let healthy: Vec<i64> = with_history.into_iter().filter(|c| !failing.contains(c)).collect();
    let year_before = months(to, 12);
    let mut healthy_alerted = 0usize;
    let mut by_rule: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for c in &healthy {
        let recent: Vec<&&store::StoredAlert> = by_client
            .get(c)
            .map(|v| v.iter().filter(|a| a.raised_on >= year_before && a.raised_on <= to).collect())
            .unwrap_or_default();
        if !recent.is_empty() {
            healthy_alerted += 1;
        }
        let rules: HashSet<&str> = recent.iter().map(|a| a.rule.as_str()).collect();
        for r in rules {
            *by_rule.entry(r.to_string()).or_default() += 1;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let share = if healthy.is_empty() { 0.0 } else { healthy_alerted as f64 / healthy.len() as f64 };
    Ok(LeadTimeReport {
        from: from.to_string(),
        to: to.to_string(),
        step_days,
        alerted_3_to_6_months: lines.iter().filter(|l| l.within_3_to_6_months).count(),
        failures: lines,
        healthy_clients: healthy.len(),
        healthy_alerted,
        false_alert_share_bp: basis_points(share),
        healthy_alerted_by_rule: by_rule.into_iter().collect(),
    })
}

/// The lead-time check on a demo dossier: the failures are the ones the generator made with the
/// parameters the dossier's `demo.generate` audit entry recorded (seed, clients, invoices, and its
/// day as the demo's today), replayed every 7 days over the 18 months before that day
/// ([`lead_times`]; the replay's scores and alerts stay in the dossier). A dossier that was not
/// filled by the demo generator has no known failures: an error says so.
pub fn demo_lead_times(
    d: &mut Dossier,
    keys: Option<&KeySource>,
    now: NaiveDateTime,
) -> Result<LeadTimeReport, ApiError> {
    let entry =
        d.audit_entries(u32::MAX).map_err(store_err)?.into_iter().find(|e| e.action == "demo.generate").ok_or_else(
            || ApiError::invalid("not a demo dossier: the failures to measure against are only known for one"),
        )?;
    let detail: serde_json::Value = entry
        .after
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .ok_or_else(|| ApiError::invalid("the demo's audit entry has no parameters"))?;
    // The writer's commit keeps the demo's options under `detail` (beside the counts it loaded).
    let number = |k: &str| detail.get("detail").and_then(|o| o.get(k)).and_then(serde_json::Value::as_u64);
    let (Some(seed), Some(clients), Some(invoices)) = (number("seed"), number("clients"), number("invoices")) else {
        return Err(ApiError::invalid(format!("the demo's audit entry lacks its parameters: {detail}")));
    };
    let clients = u32::try_from(clients).map_err(|_| ApiError::invalid("the demo's client count"))?;
    let today = entry.at.date();
    let seller = d.company().map_err(store_err)?.siren;
    let failures: Vec<KnownFailure> =
        encours_demo::failing_clients(&encours_demo::DemoConfig::new(seed, clients, invoices, today, seller))
            .into_iter()
            .map(|f| KnownFailure { client_id: f.client_id, failed_on: f.stops_paying })
            .collect();
    let from = today.checked_sub_months(Months::new(18)).unwrap_or(today);
    lead_times(d, keys, &failures, from, today, 7, now)
}
