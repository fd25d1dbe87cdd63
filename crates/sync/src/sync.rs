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
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            flow_types: vec![FlowType::CustomerInvoice, FlowType::CustomerInvoiceLC],
            page_limit: 100,
            late_window: Duration::seconds(cursor::DEFAULT_LATE_WINDOW_SECONDS),
            max_flows: None,
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
        for flow in &ordered {
            let ours = options.flow_types.contains(&flow.flow_type)
                && !(flow.flow_direction == FlowDirection::Out && flow.flow_type == FlowType::CustomerInvoiceLC);
            if !ours {
                report.ignored += 1;
            } else if sink.already_have(&flow.flow_id).map_err(sink_error(&flow.flow_id))? {
                report.known += 1;
            } else {
                if options.max_flows.is_some_and(|m| report.stored >= m) {
                    flush(sink, &mut stored_cursor, reached, &mut report)?;
                    return Ok(report);
                }
                let bytes = client.download(&flow.flow_id, DocType::Original).await?;
                let next = cursor::advance(reached, flow.updated_at);
                sink.commit(flow, &bytes, next).map_err(sink_error(&flow.flow_id))?;
                reached = Some(next);
                stored_cursor = reached;
                report.cursor_after = reached;
                report.stored += 1;
                continue;
            }
            reached = Some(cursor::advance(reached, flow.updated_at));
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

    fn set_cursor(&mut self, cursor: DateTime<Utc>) -> Result<(), String> {
        if self.crash_at_commit.is_some_and(|c| self.commits >= c) {
            return Err("simulated crash".into());
        }
        self.cursor = Some(cursor);
        Ok(())
    }
}
