//! Running the sync from the app (issue 10 §4): every enabled account (or one), with progress
//! events and a cancel flag, then the outgoing messages; the connection test; the status panel
//! (last run of each account, next scheduled run, the queue of outgoing messages).
//!
//! Cancellation happens between flows: the flag is read before each flow the run looks at and
//! before each commit, and a cancelled run stops as a sink error would. What was committed
//! stays, with the cursor it moved; the cursor never passes a flow that is not committed (the
//! rule of `encours_sync::sync`), so the next run resumes exactly where this one stopped.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration as Span, NaiveDateTime, Utc};
use encours_store::keys::SecretStore;
use encours_store::sync as store;
use encours_store::Dossier;
use encours_sync::{sync_once, Flow, FlowClient, FlowSink, SyncError, SyncOptions};
use serde::Serialize;
use ts_rs::TS;

use super::accounts::{self, account_secret, stored_accounts};
use super::{client_with, log_run, upload_on, DossierSink, PlatformAccount, SyncRunReport, UploadReport};
use crate::error::{ApiError, ErrorCode};

/// Where a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SyncPhase {
    /// Getting a token and the first page.
    Connecting,
    /// Downloading and importing flows.
    Downloading,
    /// Uploading our 212/209 messages and reading their acknowledgements.
    Uploading,
    /// The account is done (see its report).
    AccountDone,
    /// The whole run is over (finished, cancelled or failed).
    Finished,
}

/// A progress event of a sync run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncProgress {
    /// The account being synced (empty for [`SyncPhase::Finished`]).
    pub account: String,
    /// Where the run is.
    pub phase: SyncPhase,
    /// Accounts done so far.
    pub accounts_done: u32,
    /// Accounts in this run.
    pub accounts_total: u32,
    /// Flows downloaded for this account so far.
    #[ts(type = "number")]
    pub downloaded: u64,
    /// Of which imported into the ledger.
    #[ts(type = "number")]
    pub imported: u64,
    /// Of which already in the dossier.
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Of which the readers refused.
    #[ts(type = "number")]
    pub failed: u64,
    /// The flow just taken.
    pub flow_id: Option<String>,
    /// The error of the account, when it stopped on one.
    pub error: Option<String>,
    /// True once the run was cancelled.
    pub cancelled: bool,
}

/// What a run over several accounts did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncSummary {
    /// One report per account run, in order.
    pub runs: Vec<SyncRunReport>,
    /// The upload of the outgoing messages, when the run got there.
    pub upload: Option<UploadReport>,
    /// The upload's error, if it failed (the downloads stay).
    pub upload_error: Option<String>,
    /// True when the run was cancelled (what was committed before stays).
    pub cancelled: bool,
}

impl SyncSummary {
    /// True when an account or the upload stopped on an error.
    pub fn has_errors(&self) -> bool {
        self.upload_error.is_some() || self.runs.iter().any(|r| r.error.is_some())
    }
}

/// The outcome of a connection test: which step failed and what the platform said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionTest {
    /// True when the platform answered the healthcheck and accepted the credentials.
    pub ok: bool,
    /// The step reached: `healthcheck`, `token` (credentials) or `done`.
    pub step: String,
    /// The HTTP status of the failure, when there was one (401: credentials refused).
    pub status: Option<u16>,
    /// What happened, naming the URL.
    pub message: String,
}

/// A sink that reports progress and stops between flows once cancelled.
struct Watched<'s, 'd> {
    inner: DossierSink<'d>,
    cancel: &'s AtomicBool,
    cancelled: Cell<bool>,
    progress: &'s dyn Fn(SyncProgress),
    base: SyncProgress,
}

impl Watched<'_, '_> {
    fn stop_if_cancelled(&self) -> Result<(), ApiError> {
        if self.cancel.load(Ordering::Relaxed) {
            self.cancelled.set(true);
            return Err(ApiError::new(ErrorCode::Internal, "sync cancelled"));
        }
        Ok(())
    }
}

impl FlowSink for Watched<'_, '_> {
    type Error = ApiError;

    fn cursor(&self) -> Result<Option<DateTime<Utc>>, ApiError> {
        self.inner.cursor()
    }

    fn already_have(&self, flow_id: &str) -> Result<bool, ApiError> {
        // Asked before each flow of ours is downloaded: the point "between flows" to stop at.
        self.stop_if_cancelled()?;
        self.inner.already_have(flow_id)
    }

    fn commit(&mut self, flow: &Flow, bytes: &[u8], cursor: DateTime<Utc>) -> Result<(), ApiError> {
        // And before each commit: a page's flows may be downloaded together before they are
        // committed one by one; the ones not committed are downloaded again by the next run.
        self.stop_if_cancelled()?;
        self.inner.commit(flow, bytes, cursor)?;
        let r = &self.inner.report;
        (self.progress)(SyncProgress {
            phase: SyncPhase::Downloading,
            downloaded: r.downloaded,
            imported: r.imported,
            duplicates: r.duplicates,
            failed: r.failed,
            flow_id: Some(flow.flow_id.clone()),
            ..self.base.clone()
        });
        Ok(())
    }

    fn set_cursor(&mut self, cursor: DateTime<Utc>) -> Result<(), ApiError> {
        self.inner.set_cursor(cursor)
    }
}

/// Keeps in the keyring the refresh token the platform rotated in during the run, if it did: the
/// one `secret` held is spent (RFC 6749 §6), and the next run must start from the new one.
fn keep_rotated(
    dossier: &Dossier,
    secrets: &dyn SecretStore,
    account: &PlatformAccount,
    client: &FlowClient,
    runtime: &tokio::runtime::Runtime,
    secret: &mut String,
) -> Result<(), ApiError> {
    if let Some(fresh) = runtime.block_on(client.rotated_refresh_token()).filter(|t| t != secret) {
        secrets.set(&accounts::secret_key(dossier.id(), &account.name), &fresh).map_err(accounts::keyring_error)?;
        *secret = fresh;
    }
    Ok(())
}

/// Downloads one account's new flows with progress and cancellation; journals the run. The
/// report's `error` says why it stopped early (a cancelled run says "cancelled").
#[allow(clippy::too_many_arguments)]
fn download_account(
    dossier: &mut Dossier,
    account: &PlatformAccount,
    client: &FlowClient,
    runtime: &tokio::runtime::Runtime,
    now: NaiveDateTime,
    progress: &dyn Fn(SyncProgress),
    cancel: &AtomicBool,
    base: &SyncProgress,
) -> Result<(SyncRunReport, bool), ApiError> {
    let options = SyncOptions { flow_types: accounts::flow_types(account), ..SyncOptions::default() };
    let mut sink = Watched {
        inner: DossierSink::new(dossier, &account.name, now),
        cancel,
        cancelled: Cell::new(false),
        progress,
        base: base.clone(),
    };
    let result = runtime.block_on(sync_once(client, &mut sink, &options));
    let cancelled = sink.cancelled.get();
    let mut report = std::mem::take(&mut sink.inner.report);
    drop(sink);
    let result = match result {
        Err(SyncError::Sink { .. }) if cancelled => Err("cancelled".to_owned()),
        Err(e) => Err(e.to_string()),
        Ok(r) => Ok(r),
    };
    log_run(dossier, account, now, &mut report, result.as_ref().map_err(Clone::clone))?;
    Ok((report, cancelled))
}

/// The account that sends the outgoing messages: the first enabled one in name order (one
/// platform receives each message: a 212 sent to two platforms would be two statuses).
pub fn outbox_account(accounts: &[PlatformAccount]) -> Option<&PlatformAccount> {
    accounts.iter().find(|a| a.enabled)
}

/// Syncs the dossier's enabled accounts (or only `only`, enabled or not: asked by name) with
/// progress and cancellation, then uploads the outgoing messages through [`outbox_account`] when
/// it took part. An account's error is in its report and the run goes on with the next account.
/// Secrets come from `secrets` (the OS keyring). The function the job runner and the shell call.
pub fn sync_with_progress(
    dossier: &mut Dossier,
    secrets: &dyn SecretStore,
    only: Option<&str>,
    now: NaiveDateTime,
    progress: &dyn Fn(SyncProgress),
    cancel: &AtomicBool,
) -> Result<SyncSummary, ApiError> {
    let all = stored_accounts(dossier)?;
    let chosen: Vec<PlatformAccount> = match only {
        Some(name) => vec![accounts::account(dossier, name)?],
        None => all.iter().filter(|a| a.enabled).cloned().collect(),
    };
    if chosen.is_empty() {
        return Err(ApiError::invalid("no enabled platform account: add one in Settings › Platforms"));
    }
    let total = u32::try_from(chosen.len()).unwrap_or(u32::MAX);
    let mut summary = SyncSummary::default();
    let sender = outbox_account(&all).map(|a| a.name.clone());
    for (i, account) in chosen.iter().enumerate() {
        let base = SyncProgress {
            account: account.name.clone(),
            phase: SyncPhase::Connecting,
            accounts_done: u32::try_from(i).unwrap_or(u32::MAX),
            accounts_total: total,
            downloaded: 0,
            imported: 0,
            duplicates: 0,
            failed: 0,
            flow_id: None,
            error: None,
            cancelled: false,
        };
        if cancel.load(Ordering::Relaxed) {
            summary.cancelled = true;
            break;
        }
        progress(base.clone());
        let mut secret = match account_secret(dossier, secrets, &account.name) {
            Ok(s) => s,
            Err(e) => {
                // Journaled like any failed run: the status panel shows why, and the schedule waits
                // its interval before trying again instead of retrying at every tick.
                let mut report = SyncRunReport::default();
                log_run(dossier, account, now, &mut report, Err(e.message.clone()))?;
                progress(SyncProgress { phase: SyncPhase::AccountDone, error: report.error.clone(), ..base });
                summary.runs.push(report);
                continue;
            }
        };
        // One client for the download and the upload: a refresh token the platform rotates in is
        // used by both and kept in the keyring after (the one the run started with is spent).
        let client = client_with(account, &secret, now, std::time::Duration::from_secs(30), None)?;
        let runtime = super::runtime()?;
        let (report, cancelled) = download_account(dossier, account, &client, &runtime, now, progress, cancel, &base)?;
        keep_rotated(dossier, secrets, account, &client, &runtime, &mut secret)?;
        progress(SyncProgress {
            phase: SyncPhase::AccountDone,
            downloaded: report.downloaded,
            imported: report.imported,
            duplicates: report.duplicates,
            failed: report.failed,
            error: report.error.clone().filter(|_| !cancelled),
            cancelled,
            ..base.clone()
        });
        let failed = report.error.is_some();
        summary.runs.push(report);
        if cancelled {
            summary.cancelled = true;
            break;
        }
        if !failed && sender.as_deref() == Some(account.name.as_str()) && !cancel.load(Ordering::Relaxed) {
            progress(SyncProgress { phase: SyncPhase::Uploading, ..base.clone() });
            match upload_on(dossier, account, &client, &runtime, now) {
                Ok(u) => summary.upload = Some(u),
                Err(e) => summary.upload_error = Some(e.message),
            }
        }
        keep_rotated(dossier, secrets, account, &client, &runtime, &mut secret)?;
    }
    progress(SyncProgress {
        account: String::new(),
        phase: SyncPhase::Finished,
        accounts_done: u32::try_from(summary.runs.len()).unwrap_or(u32::MAX),
        accounts_total: total,
        downloaded: summary.runs.iter().map(|r| r.downloaded).sum(),
        imported: summary.runs.iter().map(|r| r.imported).sum(),
        duplicates: summary.runs.iter().map(|r| r.duplicates).sum(),
        failed: summary.runs.iter().map(|r| r.failed).sum(),
        flow_id: None,
        error: None,
        cancelled: summary.cancelled,
    });
    Ok(summary)
}

/// Tests an account: `GET /v1/healthcheck`, then a token and one authenticated search (the
/// smallest call that proves the credentials). `secret`: the one typed in the form, or `None` to
/// use the keyring's. A failed test is a result, not an error.
pub fn test_connection(
    dossier: &Dossier,
    secrets: &dyn SecretStore,
    account: &PlatformAccount,
    secret: Option<&str>,
    now: NaiveDateTime,
) -> Result<ConnectionTest, ApiError> {
    let account = accounts::normalized(account)?;
    let secret = match secret.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.to_owned(),
        None => account_secret(dossier, secrets, &account.name)?,
    };
    // A short timeout and two attempts: the user is waiting in front of the form.
    let client = client_with(&account, &secret, now, std::time::Duration::from_secs(10), Some(2))?;
    let runtime = super::runtime()?;
    let failed = |step: &str, e: SyncError| {
        let status = match &e {
            SyncError::Auth { status, .. } | SyncError::Http { status, .. } => Some(*status),
            _ => None,
        };
        ConnectionTest { ok: false, step: step.to_owned(), status, message: e.to_string() }
    };
    if let Err(e) = runtime.block_on(client.healthcheck()) {
        return Ok(failed("healthcheck", e));
    }
    let probe = encours_sync::model::SearchWhere {
        tracking_id: Some("encours-connection-test".to_owned()),
        ..Default::default()
    };
    if let Err(e) = runtime.block_on(client.search(&probe, 1)) {
        return Ok(failed("token", e));
    }
    Ok(ConnectionTest {
        ok: true,
        step: "done".to_owned(),
        status: None,
        message: format!("{} answered and accepted the credentials", account.base_url),
    })
}

/// The last run of an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncRunView {
    /// When it started (`YYYY-MM-DDTHH:MM:SS`, local time of the machine that ran it).
    pub started_at: String,
    /// Flows stored.
    #[ts(type = "number")]
    pub stored: u64,
    /// Flows known already.
    #[ts(type = "number")]
    pub known: u64,
    /// Flows not ours to import.
    #[ts(type = "number")]
    pub ignored: u64,
    /// The cursor at the end (RFC 3339).
    pub cursor: Option<String>,
    /// The error that ended it, if any.
    pub error: Option<String>,
}

/// Flows of an account by outcome (`imported`, `duplicate`, `failed`, `acknowledged`...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutcomeCount {
    /// The outcome.
    pub outcome: String,
    /// How many flows.
    #[ts(type = "number")]
    pub count: u64,
}

/// One account in the status panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountStatus {
    /// Account name.
    pub name: String,
    /// Synced by "sync now" and by the schedule.
    pub enabled: bool,
    /// The schedule, in minutes (none: manual only).
    pub schedule_minutes: Option<u32>,
    /// Its last run.
    pub last_run: Option<SyncRunView>,
    /// When the schedule runs it next (`YYYY-MM-DDTHH:MM:SS`); none when manual or disabled.
    pub next_run: Option<String>,
    /// Flows taken through this account, by outcome.
    pub flows: Vec<OutcomeCount>,
}

/// The state of an outgoing message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum OutgoingState {
    /// Queued, not sent yet.
    Waiting,
    /// Sent; the platform's acknowledgement has not come.
    Uploaded,
    /// The platform accepted it.
    Acknowledged,
    /// The platform refused it (see the error).
    Failed,
}

/// A message of ours for the platform (a 212 Encaissée, a 209 Complétée...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutgoingMessage {
    /// Outbox id.
    #[ts(type = "number")]
    pub id: i64,
    /// `cdar212`, `cdar209`...
    pub kind: String,
    /// When it was queued.
    pub created_at: String,
    /// Where it is.
    pub state: OutgoingState,
    /// When it was sent.
    pub sent_at: Option<String>,
    /// The account it went through.
    pub account: Option<String>,
    /// The platform's flowId.
    pub flow_id: Option<String>,
    /// The platform's reasons, for a refused message.
    pub error: Option<String>,
}

/// Outgoing messages by state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueueCounts {
    /// Not sent yet.
    pub waiting: u32,
    /// Sent, not acknowledged yet.
    pub uploaded: u32,
    /// Accepted.
    pub acknowledged: u32,
    /// Refused.
    pub failed: u32,
}

/// The Sync panel: each account, and the queue of outgoing messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncStatus {
    /// Accounts in name order.
    pub accounts: Vec<AccountStatus>,
    /// The account that sends the outgoing messages.
    pub outbox_account: Option<String>,
    /// The latest outgoing messages, newest first.
    pub queue: Vec<OutgoingMessage>,
    /// All outgoing messages shown, by state.
    pub queue_counts: QueueCounts,
}

fn parse_stamp(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok()
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// When an account's schedule runs it next: its last run plus the interval, or `now` when it
/// never ran or is overdue; `None` when manual only or disabled.
pub fn next_run(
    account: &PlatformAccount,
    last_started: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let minutes = account.schedule_minutes.filter(|_| account.enabled)?;
    let next = last_started.map_or(now, |t| t + Span::minutes(i64::from(minutes)));
    Some(next.max(now))
}

/// The accounts whose scheduled run is due at `now` (for the shell's background timer).
pub fn due_accounts(dossier: &Dossier, now: NaiveDateTime) -> Result<Vec<String>, ApiError> {
    let last: HashMap<String, NaiveDateTime> = store::sync_last_runs(dossier)?
        .into_iter()
        .filter_map(|r| parse_stamp(&r.started_at).map(|t| (r.account, t)))
        .collect();
    Ok(stored_accounts(dossier)?
        .into_iter()
        .filter(|a| next_run(a, last.get(&a.name).copied(), now).is_some_and(|t| t <= now))
        .map(|a| a.name)
        .collect())
}

/// The status panel as of `now`: accounts with their last and next run, and the latest `limit`
/// outgoing messages with their state.
pub fn sync_status(dossier: &Dossier, now: NaiveDateTime, limit: u32) -> Result<SyncStatus, ApiError> {
    let accounts = stored_accounts(dossier)?;
    let last: HashMap<String, store::SyncRunRow> =
        store::sync_last_runs(dossier)?.into_iter().map(|r| (r.account.clone(), r)).collect();
    let mut out = Vec::new();
    for a in &accounts {
        let run = last.get(&a.name);
        let flows = store::sync_flow_counts(dossier, &a.name)?
            .into_iter()
            .map(|(outcome, count)| OutcomeCount { outcome, count })
            .collect();
        out.push(AccountStatus {
            name: a.name.clone(),
            enabled: a.enabled,
            schedule_minutes: a.schedule_minutes,
            next_run: next_run(a, run.and_then(|r| parse_stamp(&r.started_at)), now).map(stamp),
            last_run: run.map(|r| SyncRunView {
                started_at: r.started_at.clone(),
                stored: r.stored,
                known: r.known,
                ignored: r.ignored,
                cursor: r.cursor.clone(),
                error: r.error.clone(),
            }),
            flows,
        });
    }
    let uploads: HashMap<String, store::UploadRow> =
        store::sync_uploads(dossier)?.into_iter().map(|u| (u.sha256.clone(), u)).collect();
    let mut counts = QueueCounts::default();
    let mut queue = Vec::new();
    for row in store::sync_outgoing(dossier, limit)? {
        let sha = encours_readers::einvoice::sha256_hex(row.payload.as_bytes());
        let upload = if row.state == "sent" { uploads.get(&sha) } else { None };
        let state = match (row.state.as_str(), upload.map(|u| u.outcome.as_str())) {
            ("queued", _) => OutgoingState::Waiting,
            (_, Some("acknowledged")) => OutgoingState::Acknowledged,
            (_, Some("refused")) => OutgoingState::Failed,
            _ => OutgoingState::Uploaded,
        };
        match state {
            OutgoingState::Waiting => counts.waiting += 1,
            OutgoingState::Uploaded => counts.uploaded += 1,
            OutgoingState::Acknowledged => counts.acknowledged += 1,
            OutgoingState::Failed => counts.failed += 1,
        }
        queue.push(OutgoingMessage {
            id: row.id,
            kind: row.kind,
            created_at: row.created_at,
            state,
            sent_at: row.sent_at,
            account: upload.map(|u| u.account.clone()),
            flow_id: upload.map(|u| u.flow_id.clone()),
            error: upload.filter(|u| u.outcome == "refused").map(|u| u.message.clone()),
        });
    }
    Ok(SyncStatus {
        outbox_account: outbox_account(&accounts).map(|a| a.name.clone()),
        accounts: out,
        queue,
        queue_counts: counts,
    })
}
