//! Live sync of a dossier with a platform account (issue 10, legal-rules B.4): the flows of the
//! account go through the ordinary import (e-invoices and CDAR messages recognised by content, one
//! unit of work per file, deduplicated), and the dossier remembers each flow and the cursor.
//!
//! Crash safety (issue 10, "resume after a crash with no loss and no duplicate"; issue 12 §5): a
//! flow's import and its record with the advanced cursor are one transaction. The sink arms the
//! record (`encours_store::sync::sync_arm_flow`) before calling the ordinary [`import_bytes`]; the
//! import's unit of work, which keeps the flow's original under its SHA-256, records the flow and
//! moves the cursor in the same commit. A process killed at any point leaves the dossier with the
//! flow imported *and* recorded, or with neither: the next run never downloads a committed flow
//! again, and never skips one. The outcome and message are settled afterwards (a kill in between
//! leaves "imported" and an empty message, which is what the import did — except for a CDAR message
//! whose statuses were all known already: kept as evidence, reported a duplicate, it stays
//! "imported" if the kill falls in that window). A flow the import does not store (a duplicate, a
//! file the readers refuse) changes nothing in the ledger and is recorded in a small transaction of
//! its own.
//!
//! Why not a writer-taking variant of [`import_bytes`]: CDAR messages, bank statements and FEC files
//! are imported by `money_in` and `fec`, each with a unit of work of its own; the store-side arming
//! covers every kind of file without the sync knowing how each is imported.
//!
//! Test-only crash points (`encours_store::sync::crash_point`): `ENCOURS_CRASH_AT=<point>:<n>`
//! (read once per process) aborts the process the n-th time (1-based) it passes `<point>`:
//! `sync.downloaded` (a flow downloaded, nothing written), `sync.imported` (its import committed,
//! its outcome not yet settled), and the store's `commit` (inside the import's unit of work). The
//! crash harness (`crates/cli/tests/crash.rs`) uses them beside real SIGKILLs.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use encours_store::sync as store;
use encours_store::Dossier;
use encours_sync::{
    sync_once, AuthConfig, ClientConfig, Flow, FlowClient, FlowSink, Grant, RetryPolicy, SyncOptions, TokioSleeper,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::import::{import_bytes, ImportFileReport, ImportOutcome};

mod accounts;
mod run;

pub use accounts::{
    account, account_secret, add_account, delete_account, list_accounts, normalized, secret_key, secret_store_from_env,
    stored_accounts, update_account, FixedSecret, GrantKind, FLOW_TYPES, MAX_SCHEDULE_MINUTES, SECRET_ENV_VAR,
};
pub use run::{
    due_accounts, next_run, outbox_account, sync_status, sync_with_progress, test_connection, AccountStatus,
    ConnectionTest, OutcomeCount, OutgoingMessage, OutgoingState, QueueCounts, SyncPhase, SyncProgress, SyncRunView,
    SyncStatus, SyncSummary,
};

/// A platform account of the dossier. Its secret is not here: it is in the OS keyring under the
/// dossier id and the account name ([`secret_key`]); `has_secret` only says whether it is there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlatformAccount {
    /// Name of the account in the dossier (the cursor and the flows are kept per account).
    pub name: String,
    /// Base URL of the Flow Service (routes `/v1/...` are appended).
    pub base_url: String,
    /// OAuth2 token endpoint.
    pub token_url: String,
    /// The OAuth2 grant.
    #[serde(default)]
    pub grant: GrantKind,
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 scopes (space-separated), when the platform wants some.
    #[serde(default)]
    pub scopes: Option<String>,
    /// Flow types asked for ([`FLOW_TYPES`]).
    #[serde(default = "default_flow_types")]
    pub flow_types: Vec<String>,
    /// Synced in the background every so many minutes; `None`: only on demand.
    #[serde(default)]
    pub schedule_minutes: Option<u32>,
    /// Taken by "sync now" and by the schedule.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// On output: the keyring holds the account's secret (ignored on input, never stored).
    #[serde(default)]
    pub has_secret: bool,
}

fn default_flow_types() -> Vec<String> {
    vec!["CustomerInvoice".to_owned(), "CustomerInvoiceLC".to_owned()]
}

fn enabled_by_default() -> bool {
    true
}

impl PlatformAccount {
    /// An enabled account with the client-credentials grant, the receivables flow types
    /// (CustomerInvoice and CustomerInvoiceLC, B.4) and no schedule.
    pub fn new(name: &str, base_url: &str, token_url: &str, client_id: &str) -> PlatformAccount {
        PlatformAccount {
            name: name.to_owned(),
            base_url: base_url.to_owned(),
            token_url: token_url.to_owned(),
            grant: GrantKind::ClientCredentials,
            client_id: client_id.to_owned(),
            scopes: None,
            flow_types: default_flow_types(),
            schedule_minutes: None,
            enabled: true,
            has_secret: false,
        }
    }
}

/// What a sync run did, for the CLI (`--json`) and the status panel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncRunReport {
    /// The account.
    pub account: String,
    /// Flows downloaded this run.
    #[ts(type = "number")]
    pub downloaded: u64,
    /// Of which imported into the ledger.
    #[ts(type = "number")]
    pub imported: u64,
    /// Of which already in the dossier (same file or same invoice from elsewhere).
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Of which the readers could not take (recorded, with the reason, and passed).
    #[ts(type = "number")]
    pub failed: u64,
    /// Flows listed again and recognised by flowId.
    #[ts(type = "number")]
    pub known: u64,
    /// Flows not ours to import.
    #[ts(type = "number")]
    pub ignored: u64,
    /// The cursor before and after (RFC 3339).
    pub cursor_before: Option<String>,
    /// The cursor after the run.
    pub cursor_after: Option<String>,
    /// The error that stopped the run, if any (what was stored before it stays).
    pub error: Option<String>,
}

/// The dossier as a [`FlowSink`].
pub struct DossierSink<'a> {
    dossier: &'a mut Dossier,
    account: String,
    now: NaiveDateTime,
    report: SyncRunReport,
}

fn parse_cursor(text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("the stored sync cursor {text:?}: {e}")))
}

impl<'a> DossierSink<'a> {
    /// A sink for `account`; `now` dates the imports.
    pub fn new(dossier: &'a mut Dossier, account: &str, now: NaiveDateTime) -> DossierSink<'a> {
        DossierSink { dossier, account: account.to_owned(), now, report: SyncRunReport::default() }
    }

    /// Imports a flow with its record and the cursor armed: when the import stores the file, the
    /// flow is recorded and the cursor moved in the import's own transaction. Returns the
    /// import's line and what to settle.
    fn take(
        &mut self,
        flow: &Flow,
        bytes: &[u8],
        cursor: DateTime<Utc>,
    ) -> Result<(ImportFileReport, Taken), ApiError> {
        crash_point("sync.downloaded");
        // The source of every record is the platform flow: account and flowId (plus the file name
        // the platform gave, which tells the readers nothing they do not read from the content).
        let name = flow.tracking_id.as_deref().unwrap_or("flow");
        let label = format!("platform:{}/{}/{}", self.account, flow.flow_id, name);
        let taken = Taken {
            account: self.account.clone(),
            flow_id: flow.flow_id.clone(),
            updated_at: flow.updated_at.to_rfc3339(),
            flow_type: serde_json::to_value(flow.flow_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "Other".to_owned()),
            sha256: encours_readers::einvoice::sha256_hex(bytes),
            cursor: cursor.to_rfc3339(),
        };
        store::sync_arm_flow(self.dossier, &taken.flow(), &taken.cursor, self.now)?;
        match import_bytes(self.dossier, &label, bytes, self.now) {
            Ok(line) => Ok((line, taken)),
            Err(e) => {
                // Nothing was stored: the armed record must not ride on a later import.
                let _ = store::sync_disarm(self.dossier);
                Err(e)
            }
        }
    }
}

/// A flow being taken: what its record says, and the cursor after it.
struct Taken {
    account: String,
    flow_id: String,
    updated_at: String,
    flow_type: String,
    sha256: String,
    cursor: String,
}

impl Taken {
    /// The record as the import's transaction writes it: the file stored means "imported".
    fn flow(&self) -> store::SyncedFlow<'_> {
        store::SyncedFlow {
            account: &self.account,
            flow_id: &self.flow_id,
            updated_at: &self.updated_at,
            flow_type: &self.flow_type,
            sha256: &self.sha256,
            outcome: "imported",
            message: "",
        }
    }
}

/// The test-only crash points (see the module documentation and `encours_store::sync::crash_point`).
fn crash_point(point: &str) {
    store::crash_point(point);
}

/// The flows recorded for an account, `(flowId, outcome)` in flowId order: each flow taken once,
/// with what the import made of it (the crash harness compares them with an uninterrupted run).
pub fn synced_flows(dossier: &Dossier, account: &str) -> Result<Vec<(String, String)>, ApiError> {
    Ok(store::sync_flows(dossier, account)?)
}

impl FlowSink for DossierSink<'_> {
    type Error = ApiError;

    fn cursor(&self) -> Result<Option<DateTime<Utc>>, ApiError> {
        store::sync_cursor(self.dossier, &self.account)?.map(|t| parse_cursor(&t)).transpose()
    }

    fn already_have(&self, flow_id: &str) -> Result<bool, ApiError> {
        Ok(store::sync_has_flow(self.dossier, &self.account, flow_id)?)
    }

    fn commit(&mut self, flow: &Flow, bytes: &[u8], cursor: DateTime<Utc>) -> Result<(), ApiError> {
        let (line, record) = self.take(flow, bytes, cursor)?;
        crash_point("sync.imported");
        let outcome = match line.outcome {
            ImportOutcome::Imported => {
                self.report.imported += 1;
                "imported"
            }
            ImportOutcome::Duplicate => {
                self.report.duplicates += 1;
                "duplicate"
            }
            ImportOutcome::Failed | ImportOutcome::Ignored => {
                self.report.failed += 1;
                "failed"
            }
        };
        self.report.downloaded += 1;
        let settled = store::SyncedFlow { outcome, message: &line.message, ..record.flow() };
        store::sync_settle_flow(self.dossier, &settled, &record.cursor, self.now)?;
        Ok(())
    }

    fn set_cursor(&mut self, cursor: DateTime<Utc>) -> Result<(), ApiError> {
        Ok(store::sync_set_cursor(self.dossier, &self.account, &cursor.to_rfc3339())?)
    }
}

/// Syncs one account now: every flow newer than the cursor (minus the late-arrival window) is
/// imported; the run is journaled with its counts and error. `secret` is the account's client
/// secret, read from the keyring by the caller; the access token stays in this call's memory.
pub fn sync_account(
    dossier: &mut Dossier,
    account: &PlatformAccount,
    secret: &str,
    now: NaiveDateTime,
) -> Result<SyncRunReport, ApiError> {
    let client = client_with(account, secret, now, Duration::from_secs(30), None)?;
    let runtime = runtime()?;
    let mut sink = DossierSink::new(dossier, &account.name, now);
    let options = SyncOptions { flow_types: accounts::flow_types(account), ..SyncOptions::default() };
    let result = runtime.block_on(sync_once(&client, &mut sink, &options));
    let mut report = std::mem::take(&mut sink.report);
    log_run(dossier, account, now, &mut report, result.as_ref().map_err(ToString::to_string))?;
    match result {
        Ok(_) => Ok(report),
        Err(e) => Err(crate::directory::platform_error(&account.name, &e)),
    }
}

/// Completes a run's report from the sync loop's result and journals the run (issue 10: every
/// sync run logged, counts and errors).
fn log_run(
    dossier: &mut Dossier,
    account: &PlatformAccount,
    now: NaiveDateTime,
    report: &mut SyncRunReport,
    result: Result<&encours_sync::SyncReport, String>,
) -> Result<(), ApiError> {
    report.account = account.name.clone();
    match result {
        Ok(r) => {
            report.known = r.known as u64;
            report.ignored = r.ignored as u64;
            report.cursor_before = r.cursor_before.map(|c| c.to_rfc3339());
            report.cursor_after = r.cursor_after.map(|c| c.to_rfc3339());
        }
        Err(e) => {
            report.error = Some(e);
            report.cursor_after = store::sync_cursor(dossier, &account.name)?;
        }
    }
    store::sync_log_run(
        dossier,
        &store::SyncRun {
            account: &account.name,
            started_at: now,
            stored: report.downloaded,
            known: report.known,
            ignored: report.ignored,
            cursor: report.cursor_after.as_deref(),
            error: report.error.as_deref(),
        },
    )?;
    Ok(())
}

/// What an upload of the outbox did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UploadReport {
    /// Messages uploaded this run.
    #[ts(type = "number")]
    pub uploaded: u64,
    /// Messages found on the platform already (uploaded before a crash): recorded, not sent again.
    #[ts(type = "number")]
    pub found: u64,
    /// Uploads the platform acknowledged (`Ok`).
    #[ts(type = "number")]
    pub acknowledged: u64,
    /// Uploads the platform refused, with its reason codes (B.4 error codes).
    pub refused: Vec<String>,
    /// Uploads still `Pending`.
    #[ts(type = "number")]
    pub pending: u64,
}

/// Uploads the queued 212 Encaissée messages of the outbox (`POST /v1/flows`, legal-rules B.4) and
/// reads the acknowledgement of earlier uploads.
///
/// Each message carries the tracking id `encours-outbox-<id>`. Before uploading, the platform is
/// searched for that tracking id, so a message uploaded just before a crash (and not yet marked
/// sent) is recorded rather than sent twice. The flow id and the sent mark are written together.
pub fn upload_outbox(
    dossier: &mut Dossier,
    account: &PlatformAccount,
    secret: &str,
    now: NaiveDateTime,
) -> Result<UploadReport, ApiError> {
    let client = client_with(account, secret, now, Duration::from_secs(30), None)?;
    upload_on(dossier, account, &client, &runtime()?, now)
}

/// The upload with a client already made (a sync uploads with the client it downloaded with, so a
/// refresh token the platform rotated during the download is the one used, and kept after).
fn upload_on(
    dossier: &mut Dossier,
    account: &PlatformAccount,
    client: &FlowClient,
    runtime: &tokio::runtime::Runtime,
    now: NaiveDateTime,
) -> Result<UploadReport, ApiError> {
    let io = |e: encours_sync::SyncError| crate::directory::platform_error(&account.name, &e);
    let mut report = UploadReport::default();
    let queued: Vec<_> = encours_store::money_in::outbox(dossier)?
        .into_iter()
        .filter(|row| row.state == "queued" && row.kind.starts_with("cdar"))
        .collect();
    for row in queued {
        let tracking = format!("encours-outbox-{}", row.id);
        let where_ = encours_sync::model::SearchWhere {
            tracking_id: Some(tracking.clone()),
            flow_direction: vec![encours_sync::FlowDirection::Out],
            ..Default::default()
        };
        let existing = runtime.block_on(client.search(&where_, 1)).map_err(io)?.results.into_iter().next();
        let bytes = row.payload.as_bytes();
        let (flow_id, updated_at) = match existing {
            Some(flow) => {
                report.found += 1;
                (flow.flow_id, flow.updated_at)
            }
            None => {
                let info = encours_sync::FlowInfo {
                    tracking_id: Some(tracking.clone()),
                    name: format!("{tracking}.xml"),
                    processing_rule: Some("B2B".into()),
                    flow_syntax: encours_sync::FlowSyntax::Cdar,
                    flow_profile: None,
                    flow_type: Some(encours_sync::FlowType::CustomerInvoiceLC),
                    sha256: None,
                };
                let answer = runtime.block_on(client.upload(&info, bytes)).map_err(io)?;
                report.uploaded += 1;
                (answer.flow_id, answer.submitted_at)
            }
        };
        let sha = encours_readers::einvoice::sha256_hex(bytes);
        let updated = updated_at.to_rfc3339();
        let message = format!("outbox {}", row.id);
        let record = store::SyncedFlow {
            account: &account.name,
            flow_id: &flow_id,
            updated_at: &updated,
            flow_type: "CustomerInvoiceLC",
            sha256: &sha,
            outcome: "uploaded",
            message: &message,
        };
        store::sync_mark_uploaded(dossier, &record, row.id, now)?;
    }
    for flow_id in store::sync_flows_with_outcome(dossier, &account.name, "uploaded")? {
        let flow = runtime.block_on(client.metadata(&flow_id)).map_err(io)?;
        let ack = flow
            .acknowledgement
            .unwrap_or(encours_sync::Acknowledgement { status: encours_sync::AckStatus::Pending, details: vec![] });
        let reasons: Vec<String> =
            ack.details.iter().map(|d| format!("{} {}", d.reason_code, d.reason_message).trim().to_owned()).collect();
        match ack.status {
            encours_sync::AckStatus::Pending => report.pending += 1,
            encours_sync::AckStatus::Ok => {
                report.acknowledged += 1;
                store::sync_set_outcome(dossier, &account.name, &flow_id, "acknowledged", "")?;
            }
            encours_sync::AckStatus::Error => {
                let text = reasons.join("; ");
                report.refused.push(format!("{flow_id}: {text}"));
                store::sync_set_outcome(dossier, &account.name, &flow_id, "refused", &text)?;
            }
        }
    }
    Ok(report)
}

/// The client of an account: its grant with the secret from the keyring, its scopes; `attempts`
/// caps the retries (the connection test waits less than a background run).
/// The flows client of an account (shared with the directory lookup, which asks fewer attempts).
pub(crate) fn client_with(
    account: &PlatformAccount,
    secret: &str,
    now: NaiveDateTime,
    timeout: Duration,
    attempts: Option<u32>,
) -> Result<FlowClient, ApiError> {
    let grant = match account.grant {
        GrantKind::ClientCredentials => Grant::ClientCredentials { client_secret: secret.to_owned() },
        GrantKind::RefreshToken => Grant::RefreshToken { refresh_token: secret.to_owned(), client_secret: None },
    };
    let mut retry = RetryPolicy::default();
    if let Some(n) = attempts {
        retry.max_attempts = n.max(1);
    }
    let config = ClientConfig {
        base_url: account.base_url.clone(),
        auth: AuthConfig {
            token_url: account.token_url.clone(),
            client_id: account.client_id.clone(),
            grant,
            scope: account.scopes.clone().filter(|s| !s.trim().is_empty()),
        },
        timeout,
        retry,
        // Jitter only needs to differ between machines, not to be secret.
        jitter_seed: now.and_utc().timestamp_nanos_opt().map_or(0, |n| n.unsigned_abs()),
    };
    FlowClient::new(config, Arc::new(TokioSleeper)).map_err(|e| crate::directory::platform_error(&account.name, &e))
}

fn runtime() -> Result<tokio::runtime::Runtime, ApiError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("sync runtime: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use encours_store::{DossierKey, KeySource};
    use encours_sync::server::{demo_flows, from_dir, Platform, PlatformConfig};

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 24).and_then(|d| d.and_hms_opt(9, 0, 0)).unwrap_or_default()
    }

    fn keys() -> KeySource {
        KeySource::Environment(DossierKey::from_hex(&"3c".repeat(32)).expect("key"))
    }

    fn corpus() -> std::path::PathBuf {
        std::env::var_os("ENCOURS_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
    }

    /// The platform runs on a runtime of its own thread, as a remote platform would.
    fn serve(files: Vec<encours_sync::server::FlowFile>) -> (String, std::sync::mpsc::Sender<()>) {
        let (tx_addr, rx_addr) = std::sync::mpsc::channel();
        let (tx_stop, rx_stop) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
            rt.block_on(async move {
                let p = Platform::new(PlatformConfig::new(
                    Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).single().unwrap_or_default(),
                ));
                p.add(files);
                let running = p.start(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("start");
                let _ = tx_addr.send(running.base_url());
                let _ = tokio::task::spawn_blocking(move || rx_stop.recv()).await;
                running.stop().await;
            });
        });
        (rx_addr.recv().expect("address"), tx_stop)
    }

    fn account(base: &str) -> PlatformAccount {
        PlatformAccount::new("pa-test", base, &format!("{base}/oauth/token"), "encours")
    }

    #[test]
    fn a_sync_equals_importing_the_same_files_and_a_second_run_takes_nothing() {
        sync_equals_direct_import(300, true);
    }

    /// The 10,000 flows into an empty dossier (about a minute in the debug test profile;
    /// `--nocapture` prints the time).
    #[test]
    fn a_sync_of_10000_flows_equals_importing_the_same_files() {
        sync_equals_direct_import(10_000, false);
    }

    fn sync_equals_direct_import(n: usize, with_corpus: bool) {
        let dir = std::env::temp_dir().join(format!("encours-sync-{n}-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let mut files = demo_flows(n, 11);
        if with_corpus {
            for sub in ["lifecycle", "cii"] {
                files.extend(from_dir(&corpus().join(sub)).expect("corpus").0);
            }
        }
        let (base, stop) = serve(files.clone());
        let started = std::time::Instant::now();

        let synced_path = dir.join("synced.encours");
        let _ = std::fs::remove_file(&synced_path);
        let mut synced =
            crate::create_dossier(&synced_path, "732829320", "ENCOURS DEMO SAS", &keys(), now()).expect("dossier");
        let report = sync_account(&mut synced, &account(&base), "secret", now()).expect("sync");
        println!("{} flows synced into the dossier in {} ms: {report:?}", files.len(), started.elapsed().as_millis());
        assert_eq!(report.downloaded as usize, files.len());
        assert!(report.imported as usize > n * 2 / 3, "{report:?}");
        let again = sync_account(&mut synced, &account(&base), "secret", now()).expect("second sync");
        assert_eq!(again.downloaded, 0, "{again:?}");
        let _ = stop.send(());

        let direct_path = dir.join("direct.encours");
        let _ = std::fs::remove_file(&direct_path);
        let mut direct =
            crate::create_dossier(&direct_path, "732829320", "ENCOURS DEMO SAS", &keys(), now()).expect("dossier");
        let mut imported = 0;
        for f in &files {
            let line = import_bytes(&mut direct, &f.name, &f.bytes, now()).expect("import");
            if line.outcome == ImportOutcome::Imported {
                imported += 1;
            }
        }
        assert_eq!(report.imported, imported, "the same files imported directly give the same outcomes");
        let a = crate::summary(&synced, now().date()).expect("summary");
        let b = crate::summary(&direct, now().date()).expect("summary");
        let figures = |s: &crate::DossierSummary| {
            (s.clients, s.invoices, s.open_items, s.open_balance.clone(), s.overdue_balance.clone(), s.overdue_items)
        };
        assert_eq!(figures(&a), figures(&b), "same ledger");
        assert!(a.invoices > 50, "{a:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Kills the "process" just after a flow's import committed and before its outcome is settled:
    /// the window where, with the import and the record in two transactions, the flow was in the
    /// ledger and neither the cursor nor the flow list knew it.
    struct KilledAfter<'a> {
        inner: DossierSink<'a>,
        left: usize,
    }

    impl FlowSink for KilledAfter<'_> {
        type Error = ApiError;
        fn cursor(&self) -> Result<Option<DateTime<Utc>>, ApiError> {
            self.inner.cursor()
        }
        fn already_have(&self, flow_id: &str) -> Result<bool, ApiError> {
            self.inner.already_have(flow_id)
        }
        fn commit(&mut self, flow: &Flow, bytes: &[u8], cursor: DateTime<Utc>) -> Result<(), ApiError> {
            if self.left == 0 {
                self.inner.take(flow, bytes, cursor)?;
                return Err(ApiError::new(ErrorCode::Internal, "killed between the import and the settling"));
            }
            self.left -= 1;
            self.inner.commit(flow, bytes, cursor)
        }
        fn set_cursor(&mut self, cursor: DateTime<Utc>) -> Result<(), ApiError> {
            self.inner.set_cursor(cursor)
        }
    }

    #[test]
    fn runs_killed_after_a_flow_is_imported_resume_with_each_flow_recorded_once_as_imported() {
        let dir = std::env::temp_dir().join(format!("encours-sync-kill-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let files = demo_flows(400, 12);
        let (base, stop) = serve(files.clone());
        let path = dir.join("killed.encours");
        let _ = std::fs::remove_file(&path);
        let mut d = crate::create_dossier(&path, "732829320", "ENCOURS DEMO SAS", &keys(), now()).expect("dossier");
        let acc = account(&base);
        let config = ClientConfig {
            base_url: acc.base_url.clone(),
            auth: AuthConfig {
                token_url: acc.token_url.clone(),
                client_id: acc.client_id.clone(),
                grant: Grant::ClientCredentials { client_secret: "secret".into() },
                scope: None,
            },
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            jitter_seed: 3,
        };
        let client = FlowClient::new(config, Arc::new(TokioSleeper)).expect("client");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        let mut killed = 0;
        for round in 0..10usize {
            let mut sink = KilledAfter { inner: DossierSink::new(&mut d, &acc.name, now()), left: 7 + round * 13 % 29 };
            if rt.block_on(sync_once(&client, &mut sink, &SyncOptions::default())).is_err() {
                killed += 1;
            }
        }
        assert_eq!(killed, 10, "every run was killed");
        let last = sync_account(&mut d, &acc, "secret", now()).expect("final sync");
        // The flow imported just before each kill was recorded with its import: it is not
        // downloaded again (no duplicate), and it counts as imported.
        assert_eq!(last.duplicates, 0, "{last:?}");
        let _ = stop.send(());

        let direct_path = dir.join("direct.encours");
        let _ = std::fs::remove_file(&direct_path);
        let mut direct =
            crate::create_dossier(&direct_path, "732829320", "ENCOURS DEMO SAS", &keys(), now()).expect("dossier");
        let mut imported = 0;
        for f in &files {
            if import_bytes(&mut direct, &f.name, &f.bytes, now()).expect("import").outcome == ImportOutcome::Imported {
                imported += 1;
            }
        }
        let figures = |s: &crate::DossierSummary| {
            (s.clients, s.invoices, s.open_items, s.open_balance.clone(), s.overdue_balance.clone(), s.overdue_items)
        };
        let a = crate::summary(&d, now().date()).expect("summary");
        let b = crate::summary(&direct, now().date()).expect("summary");
        assert_eq!(figures(&a), figures(&b), "same ledger as an uninterrupted import, nothing twice");
        let counts = store::sync_flow_counts(&d, &acc.name).expect("counts");
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<u64>(), 400, "{counts:?}");
        let recorded = counts.iter().find(|(o, _)| o == "imported").map_or(0, |(_, n)| *n);
        assert_eq!(recorded, imported, "every flow imported is recorded as imported, once: {counts:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_queued_212_is_uploaded_once_and_its_acknowledgement_recorded() {
        let dir = std::env::temp_dir().join(format!("encours-sync-up-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let (base, stop) = serve(vec![]);
        let path = dir.join("up.encours");
        let _ = std::fs::remove_file(&path);
        let mut d = crate::create_dossier(&path, "732829320", "ENCOURS DEMO SAS", &keys(), now()).expect("dossier");
        let xml =
            std::fs::read_to_string(corpus().join("lifecycle/UC1_F202500003_07-CDV-212_Encaissee.xml")).expect("212");
        let bad = xml.replace(">MEN<", ">MPA<");
        {
            let mut w = d.writer("test", now()).expect("writer");
            w.enqueue("cdar212", None, None, &xml).expect("enqueue");
            w.enqueue("cdar212", None, None, &bad).expect("enqueue");
            w.commit("test", "test.enqueue", serde_json::json!({})).expect("commit");
        }
        let acc = account(&base);
        let first = upload_outbox(&mut d, &acc, "secret", now()).expect("upload");
        assert_eq!((first.uploaded, first.found), (2, 0), "{first:?}");
        assert_eq!(first.acknowledged, 1, "{first:?}");
        assert_eq!(first.refused.len(), 1, "{first:?}");
        assert!(first.refused.iter().any(|r| r.contains("InvoiceLCAmountError")), "{first:?}");
        let rows = encours_store::money_in::outbox(&d).expect("outbox");
        assert!(rows.iter().all(|r| r.state == "sent"), "{rows:?}");
        let again = upload_outbox(&mut d, &acc, "secret", now()).expect("second upload");
        assert_eq!(again, UploadReport::default(), "nothing is sent twice");
        let counts = store::sync_flow_counts(&d, &acc.name).expect("counts");
        assert_eq!(counts, vec![("acknowledged".to_owned(), 1), ("refused".to_owned(), 1)]);
        let _ = stop.send(());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
