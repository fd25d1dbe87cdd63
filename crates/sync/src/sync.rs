//! The sync loop: search from the cursor, download what is new, hand it to a [`FlowSink`].
//!
//! Crash safety comes from the sink: [`FlowSink::commit`] stores a flow *and* the cursor that
//! follows it in one transaction, so after a crash the dossier holds either both or neither. A flow
//! is never downloaded twice once committed ([`FlowSink::already_have`] on `flowId`), and the cursor
//! never moves past a flow that is not stored.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::client::FlowClient;
use crate::cursor::{self, NextPage};
use crate::error::SyncError;
use crate::model::{DocType, Flow, FlowDirection, FlowType, SearchWhere};

/// Where synced flows go. The app implements it over the dossier; [`MemorySink`] is the reference.
pub trait FlowSink {
    /// The sink's error, shown in the sync report.
    type Error: std::fmt::Display;
    /// The stored cursor: the greatest `updatedAt` stored or skipped, `None` before the first sync.
    fn cursor(&self) -> Result<Option<DateTime<Utc>>, Self::Error>;
    /// True when the flow with this id is stored already (deduplication on `flowId`, B.4).
    fn already_have(&self, flow_id: &str) -> Result<bool, Self::Error>;
    /// Stores the flow and its bytes and sets the cursor to `cursor`, all or nothing.
    fn commit(&mut self, flow: &Flow, bytes: &[u8], cursor: DateTime<Utc>) -> Result<(), Self::Error>;
    /// Moves the cursor past flows known already or not to import.
    fn set_cursor(&mut self, cursor: DateTime<Utc>) -> Result<(), Self::Error>;
    /// Stores the downloaded flows of a page, in listing order; after it the cursor is the last
    /// one's `cursor`. The default commits them one by one, each with the cursor just past it, so
    /// a failure leaves the flows before it stored and the cursor on the last of them. A sink that
    /// can store the whole batch and the cursor in one transaction overrides it (fewer commits,
    /// same rule: the cursor never moves past a flow that is not committed with it). On failure,
    /// the flowId to name and the error.
    fn commit_batch(&mut self, batch: &[Fetched<'_>]) -> Result<(), (String, Self::Error)> {
        for f in batch {
            self.commit(f.flow, &f.bytes, f.cursor).map_err(|e| (f.flow.flow_id.clone(), e))?;
        }
        Ok(())
    }
}

/// A flow downloaded during a sync, waiting for [`FlowSink::commit_batch`].
#[derive(Debug)]
pub struct Fetched<'a> {
    /// The flow as listed.
    pub flow: &'a Flow,
    /// Its original (`docType=Original`).
    pub bytes: Vec<u8>,
    /// The cursor once this flow is stored: its `updatedAt`, or more when flows skipped before it
    /// were newer (late arrivals).
    pub cursor: DateTime<Utc>,
}

/// What to sync and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOptions {
    /// Types to ask for (B.4 receivables recipe: CustomerInvoice and CustomerInvoiceLC).
    pub flow_types: Vec<FlowType>,
    /// Page size, 1..=100.
    pub page_limit: u32,
    /// Each run re-asks from the cursor minus this window (late arrivals, B.4 §5.3).
    pub late_window: Duration,
    /// Stop after this many stored flows (a bounded run); `None` for everything available.
    pub max_flows: Option<usize>,
    /// Downloads of one page in flight at a time (at least 1). The commits stay in listing order.
    pub downloads_in_flight: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            flow_types: vec![FlowType::CustomerInvoice, FlowType::CustomerInvoiceLC],
            page_limit: 100,
            late_window: Duration::seconds(cursor::DEFAULT_LATE_WINDOW_SECONDS),
            max_flows: None,
            downloads_in_flight: 4,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Searches made.
    pub pages: usize,
    /// Flows listed by the searches.
    pub listed: usize,
    /// Flows downloaded and stored.
    pub stored: usize,
    /// Flows listed again and recognised by `flowId` (window overlap, duplicates).
    pub known: usize,
    /// Flows listed but not ours to import (other types, our own uploads echoed back).
    pub ignored: usize,
    /// The cursor at the start of the run.
    pub cursor_before: Option<DateTime<Utc>>,
    /// The cursor at the end of the run.
    pub cursor_after: Option<DateTime<Utc>>,
    /// True when the platform returned a full page that did not move forward (the run stopped).
    pub stuck: bool,
}

fn sink_error<E: std::fmt::Display>(flow_id: &str) -> impl Fn(E) -> SyncError + '_ {
    move |e| SyncError::Sink { flow_id: flow_id.into(), message: e.to_string() }
}

/// One sync run: pages from the cursor minus the window until the platform has nothing newer.
///
/// A flow of direction `Out` is one of our own uploads (a 212 we sent) echoed back: it is not
/// imported, since the dossier already holds what it says.
pub async fn sync_once<S: FlowSink>(
    client: &FlowClient,
    sink: &mut S,
    options: &SyncOptions,
) -> Result<SyncReport, SyncError> {
    let start = sink.cursor().map_err(sink_error(""))?;
    let mut report = SyncReport { cursor_before: start, cursor_after: start, ..SyncReport::default() };
    let mut stored_cursor = start;
    // The cursor reached by flows skipped since the last write; written with the next commit or at
    // the end of a page, so known flows cost no transaction each.
    let mut reached = start;
    let mut after = cursor::run_start(start, options.late_window);
    loop {
        let where_ = SearchWhere {
            updated_after: after,
            flow_type: options.flow_types.clone(),
            // Without any cursor, the type list is the criterion the search requires.
            ..SearchWhere::default()
        };
        let page = client.search(&where_, options.page_limit).await?;
        report.pages += 1;
        report.listed += page.results.len();
        let mut ordered = page.results.clone();
        // The platform must sort ascending (B.4 §5.3); sorting again costs nothing and protects the
        // cursor from a platform that does not.
        ordered.sort_by_key(|f| f.updated_at);
        // Plan the page: what is skipped (moving `reached`), what is taken, with the cursor each
        // taken flow commits with, and where a bounded run stops.
        let mut takes: Vec<Take<'_>> = Vec::new();
        let mut planned = std::collections::HashSet::new();
        let mut stop = false;
        let mut skipped_to = reached;
        for flow in &ordered {
            let ours = options.flow_types.contains(&flow.flow_type)
                && !(flow.flow_direction == FlowDirection::Out && flow.flow_type == FlowType::CustomerInvoiceLC);
            if !ours {
                report.ignored += 1;
            } else if planned.contains(flow.flow_id.as_str())
                || sink.already_have(&flow.flow_id).map_err(sink_error(&flow.flow_id))?
            {
                report.known += 1;
            } else {
                if options.max_flows.is_some_and(|m| report.stored + takes.len() >= m) {
                    stop = true;
                    break;
                }
                planned.insert(flow.flow_id.as_str());
                let after_it = cursor::advance(skipped_to, flow.updated_at);
                skipped_to = Some(after_it);
                takes.push(Take { flow, cursor: after_it });
                continue;
            }
            skipped_to = Some(cursor::advance(skipped_to, flow.updated_at));
        }
        // Download the page's new flows a few at a time (the round trips overlap), then commit
        // them in listing order: each commit carries the cursor just past its flow, so the cursor
        // never gets ahead of what is stored. A failed download stops the page after the flows
        // before it are committed.
        let (downloaded, failure) = download_all(client, &takes, options.downloads_in_flight).await;
        let committed = commit_all(sink, &takes, downloaded)?;
        if let Some(last) = committed.checked_sub(1).and_then(|i| takes.get(i)) {
            reached = Some(last.cursor);
            stored_cursor = reached;
            report.cursor_after = reached;
        }
        report.stored += committed;
        if let Some(e) = failure {
            return Err(e);
        }
        reached = skipped_to;
        if stop {
            flush(sink, &mut stored_cursor, reached, &mut report)?;
            return Ok(report);
        }
        flush(sink, &mut stored_cursor, reached, &mut report)?;
        match cursor::next_page(&page.results, options.page_limit, after) {
            NextPage::After(t) => after = Some(t),
            NextPage::Done => return Ok(report),
            NextPage::Stuck => {
                report.stuck = true;
                return Ok(report);
            }
        }
    }
}

/// A flow of the page to take, with the cursor its commit carries.
struct Take<'a> {
    flow: &'a Flow,
    cursor: DateTime<Utc>,
}

type Download<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<u8>, SyncError>> + Send + 'a>>;

/// Downloads the originals of `takes` with at most `in_flight` requests at a time. Returns the bytes
/// of the longest prefix downloaded, and the first failure (no new download starts after one).
async fn download_all(client: &FlowClient, takes: &[Take<'_>], in_flight: usize) -> (Vec<Vec<u8>>, Option<SyncError>) {
    use std::task::Poll;
    let in_flight = in_flight.max(1);
    let mut results: Vec<Option<Result<Vec<u8>, SyncError>>> = takes.iter().map(|_| None).collect();
    let mut running: Vec<(usize, Download<'_>)> = Vec::new();
    let mut next = 0;
    let mut failed = false;
    std::future::poll_fn(|cx| loop {
        while running.len() < in_flight && !failed {
            let Some(take) = takes.get(next) else { break };
            running.push((next, Box::pin(client.download(&take.flow.flow_id, DocType::Original))));
            next += 1;
        }
        let mut progressed = false;
        running.retain_mut(|(i, fut)| match fut.as_mut().poll(cx) {
            Poll::Ready(r) => {
                failed |= r.is_err();
                if let Some(slot) = results.get_mut(*i) {
                    *slot = Some(r);
                }
                progressed = true;
                false
            }
            Poll::Pending => true,
        });
        if running.is_empty() && (failed || next >= takes.len()) {
            return Poll::Ready(());
        }
        if !progressed {
            return Poll::Pending;
        }
    })
    .await;
    let mut bytes = Vec::with_capacity(takes.len());
    for r in results {
        match r {
            Some(Ok(b)) => bytes.push(b),
            Some(Err(e)) => return (bytes, Some(e)),
            None => break,
        }
    }
    (bytes, None)
}

/// Commits the downloaded prefix of `takes` through the sink's batch; returns how many were stored.
fn commit_all<S: FlowSink>(sink: &mut S, takes: &[Take<'_>], downloaded: Vec<Vec<u8>>) -> Result<usize, SyncError> {
    let batch: Vec<Fetched<'_>> =
        takes.iter().zip(downloaded).map(|(t, bytes)| Fetched { flow: t.flow, bytes, cursor: t.cursor }).collect();
    let n = batch.len();
    if n > 0 {
        sink.commit_batch(&batch).map_err(|(flow_id, e)| SyncError::Sink { flow_id, message: e.to_string() })?;
    }
    Ok(n)
}

fn flush<S: FlowSink>(
    sink: &mut S,
    stored: &mut Option<DateTime<Utc>>,
    reached: Option<DateTime<Utc>>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    if let Some(r) = reached {
        if *stored != reached {
            sink.set_cursor(r).map_err(sink_error(""))?;
            *stored = reached;
            report.cursor_after = reached;
        }
    }
    Ok(())
}

/// An in-memory sink: flows by id with the SHA-256 of their bytes, and the cursor. Each commit is
/// atomic, as a store transaction is, so it models what a dossier holds after a crash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemorySink {
    /// Stored flows: flowId → SHA-256 (hex) of the bytes.
    pub flows: BTreeMap<String, String>,
    /// Bytes of the stored flows, when kept.
    pub bytes: BTreeMap<String, Vec<u8>>,
    /// The cursor.
    pub cursor: Option<DateTime<Utc>>,
    /// Number of commits, including any refused.
    pub commits: usize,
    /// When set, the commit with this number (0-based) fails and every later one too: a crash.
    pub crash_at_commit: Option<usize>,
    /// Keep the bytes in `bytes` (off by default to keep big runs small).
    pub keep_bytes: bool,
    /// Flow ids ever committed twice (must stay empty).
    pub duplicates: BTreeSet<String>,
    /// Store each page's batch in one atomic commit (as a sink with one transaction per page
    /// would), instead of one commit per flow.
    pub batch_commits: bool,
}

impl FlowSink for MemorySink {
    type Error = String;

    fn cursor(&self) -> Result<Option<DateTime<Utc>>, String> {
        Ok(self.cursor)
    }

    fn already_have(&self, flow_id: &str) -> Result<bool, String> {
        Ok(self.flows.contains_key(flow_id))
    }

    fn commit(&mut self, flow: &Flow, bytes: &[u8], cursor: DateTime<Utc>) -> Result<(), String> {
        let n = self.commits;
        self.commits += 1;
        if self.crash_at_commit.is_some_and(|c| n >= c) {
            return Err(format!("simulated crash at commit {n}"));
        }
        let sha = hex::encode(Sha256::digest(bytes));
        if self.flows.insert(flow.flow_id.clone(), sha).is_some() {
            self.duplicates.insert(flow.flow_id.clone());
        }
        if self.keep_bytes {
            self.bytes.insert(flow.flow_id.clone(), bytes.to_vec());
        }
        self.cursor = Some(cursor);
        Ok(())
    }

    fn commit_batch(&mut self, batch: &[Fetched<'_>]) -> Result<(), (String, String)> {
        if !self.batch_commits {
            for f in batch {
                self.commit(f.flow, &f.bytes, f.cursor).map_err(|e| (f.flow.flow_id.clone(), e))?;
            }
            return Ok(());
        }
        let n = self.commits;
        self.commits += 1;
        let first = batch.first().map(|f| f.flow.flow_id.clone()).unwrap_or_default();
        if self.crash_at_commit.is_some_and(|c| n >= c) {
            return Err((first, format!("simulated crash at commit {n}")));
        }
        for f in batch {
            let sha = hex::encode(Sha256::digest(&f.bytes));
            if self.flows.insert(f.flow.flow_id.clone(), sha).is_some() {
                self.duplicates.insert(f.flow.flow_id.clone());
            }
            if self.keep_bytes {
                self.bytes.insert(f.flow.flow_id.clone(), f.bytes.clone());
            }
        }
        if let Some(last) = batch.last() {
            self.cursor = Some(last.cursor);
        }
        Ok(())
    }

    fn set_cursor(&mut self, cursor: DateTime<Utc>) -> Result<(), String> {
        if self.crash_at_commit.is_some_and(|c| self.commits >= c) {
            return Err("simulated crash".into());
        }
        self.cursor = Some(cursor);
        Ok(())
    }
}
