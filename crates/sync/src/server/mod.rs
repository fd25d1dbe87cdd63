//! The local platform: the XP Z12-013 Flow Service routes and objects (legal-rules B.4) on
//! 127.0.0.1, for tests, the demo and `encours pa-serve`.
//!
//! - `POST /oauth/token` (form; client credentials or refresh token) gives bearer tokens.
//! - `POST /v1/flows/search`, `GET /v1/flows/{flowId}?docType=`, `POST /v1/flows` (multipart) and
//!   `GET /v1/healthcheck`, with the objects of [`crate::model`] and JSON error bodies.
//! - Flows are released over time: all at once, a number per search, or a number per second
//!   (`pa-serve`); `updatedAt` comes from a logical clock (one second per event from a start date
//!   the caller gives), strictly increasing — except for the `late` fault, on purpose.
//! - Uploads are acknowledged: `Pending` in the 202, then `Ok` or `Error` (with a B.4 reason code)
//!   from the next API request on, with a new `updatedAt`.
//! - Faults per run: see [`faults`].
//!
//! No input can make it panic: bodies are parsed with fallible parsers and a bad request is a 4xx.

pub mod directory;
pub mod faults;
pub mod generate;
pub mod webhooks;

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use directory::{demo_directory, DirectoryRecord};
pub use faults::Faults;
pub use generate::{classify, demo_clients, demo_flows, from_dir, FlowFile};

use crate::error::SyncError;
use crate::model::{
    AckDetail, AckStatus, Acknowledgement, ErrorBody, Flow, FlowDirection, FlowInfo, FlowSyntax, FlowType,
    FullFlowInfo, SearchRequest, SearchResponse, TokenResponse,
};
use crate::multipart;

/// Largest request body accepted (FileSizeExceeded beyond).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// How the platform behaves.
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// The one OAuth2 client it knows.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// `updatedAt` of the first event; each event adds one second.
    pub start: DateTime<Utc>,
    /// Flows published at each search; `None` publishes each flow as soon as it is added.
    pub release_per_search: Option<usize>,
    /// Faults to inject.
    pub faults: Faults,
    /// The Directory Service's companies (`POST /v1/siren/search`, `/v1/directory-line/search`).
    pub directory: Vec<DirectoryRecord>,
}

impl PlatformConfig {
    /// A well-behaved platform with client `encours` / secret `secret`.
    pub fn new(start: DateTime<Utc>) -> PlatformConfig {
        PlatformConfig {
            client_id: "encours".into(),
            client_secret: "secret".into(),
            start,
            release_per_search: None,
            faults: Faults::none(),
            // The buyers of `demo_flows(_, 42)`, `pa-serve`'s default seed.
            directory: demo_directory(42),
        }
    }
}

/// Counts of what the platform did, to check that faults really happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlatformStats {
    /// API requests (token and healthcheck excluded).
    pub api_requests: u64,
    /// Searches answered.
    pub searches: u64,
    /// Originals downloaded.
    pub downloads: u64,
    /// Tokens issued.
    pub tokens_issued: u64,
    /// 503 injected.
    pub injected_5xx: u64,
    /// 429 injected.
    pub injected_429: u64,
    /// Slow answers injected.
    pub injected_slow: u64,
    /// Flows published a second time.
    pub duplicated: u64,
    /// Flows held back.
    pub held_back: u64,
    /// Tokens expired by the `expire` fault.
    pub expired_tokens: u64,
    /// Uploads received.
    pub uploads: u64,
    /// Webhook callbacks a subscriber acknowledged (2xx).
    pub webhooks_sent: u64,
    /// Webhook callbacks that failed three times.
    pub webhooks_failed: u64,
}

struct Stored {
    flow: Flow,
    bytes: Vec<u8>,
    /// Visible from this search count on (the `late` fault).
    visible_from_search: u64,
    /// Publish again at the next search (the `dup` fault).
    republish: bool,
    /// For an upload still Pending: the acknowledgement it will get.
    pending_ack: Option<Acknowledgement>,
}

struct State {
    config: PlatformConfig,
    flows: Vec<Stored>,
    by_id: HashMap<String, usize>,
    waiting: VecDeque<FlowFile>,
    clock: i64,
    published: u64,
    next_id: u64,
    tokens: HashMap<String, u64>,
    refresh_tokens: HashMap<String, ()>,
    stats: PlatformStats,
    /// Indexes of uploads still `Pending`, so settling them does not scan every flow at every
    /// request (with 10,000 flows that scan was most of the platform's time).
    pending_acks: Vec<usize>,
    /// Indexes of flows to publish again at the next search (the `dup` fault), for the same reason.
    to_republish: Vec<usize>,
    /// Webhook subscriptions.
    subscriptions: Vec<webhooks::Subscription>,
    /// Where callbacks go out, once the platform listens.
    deliveries: Option<tokio::sync::mpsc::UnboundedSender<webhooks::Delivery>>,
    /// Held-back flows (the `late` fault) not visible yet: notified when they appear.
    held_back: Vec<usize>,
}

impl State {
    fn tick_clock(&mut self) -> DateTime<Utc> {
        self.clock += 1;
        self.config.start + chrono::Duration::seconds(self.clock)
    }

    fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        // 36 characters at most (B.4); deterministic, unlike a random UUID.
        format!("{prefix}-{:012}", self.next_id)
    }

    fn publish(&mut self, file: FlowFile) {
        let at = self.tick_clock();
        self.published += 1;
        let n = self.published;
        let faults = self.config.faults;
        let late = faults::hits(faults.late_every, n);
        let dup = faults::hits(faults.duplicate_every, n);
        if late {
            self.stats.held_back += 1;
        }
        let id = self.new_id("flow");
        let flow = Flow {
            flow_id: id.clone(),
            submitted_at: at,
            updated_at: at,
            tracking_id: Some(file.name.clone()),
            flow_type: file.flow_type,
            processing_rule: Some("B2B".into()),
            processing_rule_source: Some("Computed".into()),
            flow_direction: FlowDirection::In,
            flow_syntax: file.syntax,
            flow_profile: Some("CIUS".into()),
            acknowledgement: Some(Acknowledgement { status: AckStatus::Ok, details: vec![] }),
        };
        let visible_from_search = if late { self.stats.searches + faults.late_searches + 1 } else { 0 };
        if late {
            self.held_back.push(self.flows.len());
        }
        self.by_id.insert(id, self.flows.len());
        if dup {
            self.to_republish.push(self.flows.len());
        }
        self.flows.push(Stored { flow, bytes: file.bytes, visible_from_search, republish: dup, pending_ack: None });
        self.notify(self.flows.len() - 1);
    }

    /// What happens between two searches: duplicates republished, waiting flows released.
    fn on_search(&mut self) {
        self.stats.searches += 1;
        // A held-back flow is notified when it appears, with its original (older) updatedAt.
        let (appearing, still): (Vec<usize>, Vec<usize>) = std::mem::take(&mut self.held_back)
            .into_iter()
            .partition(|&i| self.flows.get(i).is_some_and(|s| self.visible(s)));
        self.held_back = still;
        for i in appearing {
            self.notify(i);
        }
        for i in std::mem::take(&mut self.to_republish) {
            let at = self.tick_clock();
            if let Some(s) = self.flows.get_mut(i) {
                s.republish = false;
                s.flow.updated_at = at;
                self.stats.duplicated += 1;
            }
            self.notify(i);
        }
        if let Some(n) = self.config.release_per_search {
            for _ in 0..n {
                match self.waiting.pop_front() {
                    Some(f) => self.publish(f),
                    None => break,
                }
            }
        }
    }

    /// Pending uploads get their acknowledgement at the first API request after them.
    fn settle_acks(&mut self) {
        for i in std::mem::take(&mut self.pending_acks) {
            let at = self.tick_clock();
            if let Some(s) = self.flows.get_mut(i) {
                s.flow.acknowledgement = s.pending_ack.take();
                s.flow.updated_at = at;
            }
            self.notify(i);
        }
    }

    /// Queues the callbacks of flow `i` (new, or a new `updatedAt`) for its subscribers.
    fn notify(&self, i: usize) {
        let (Some(tx), Some(stored)) = (&self.deliveries, self.flows.get(i)) else { return };
        if self.subscriptions.is_empty() || !self.visible(stored) {
            return;
        }
        for d in webhooks::deliveries(&self.subscriptions, &stored.flow) {
            let _ = tx.send(d);
        }
    }

    fn visible(&self, s: &Stored) -> bool {
        self.stats.searches >= s.visible_from_search
    }
}

/// A platform; clones share the same state.
#[derive(Clone)]
pub struct Platform {
    state: Arc<Mutex<State>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic elsewhere while holding the lock must not take the platform down: use the data as is.
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Platform {
    /// An empty platform.
    pub fn new(config: PlatformConfig) -> Platform {
        Platform {
            state: Arc::new(Mutex::new(State {
                config,
                flows: Vec::new(),
                by_id: HashMap::new(),
                waiting: VecDeque::new(),
                clock: 0,
                published: 0,
                next_id: 0,
                tokens: HashMap::new(),
                refresh_tokens: HashMap::new(),
                stats: PlatformStats::default(),
                pending_acks: Vec::new(),
                to_republish: Vec::new(),
                subscriptions: Vec::new(),
                deliveries: None,
                held_back: Vec::new(),
            })),
        }
    }

    /// Adds files to serve: published now, or queued when flows are released per search.
    pub fn add(&self, files: impl IntoIterator<Item = FlowFile>) {
        let mut st = lock(&self.state);
        for f in files {
            if st.config.release_per_search.is_some() {
                st.waiting.push_back(f);
            } else {
                st.publish(f);
            }
        }
    }

    /// Queues files to be released later by [`Platform::release`] (or per search).
    pub fn queue(&self, files: impl IntoIterator<Item = FlowFile>) {
        lock(&self.state).waiting.extend(files);
    }

    /// Publishes up to `n` queued files; returns how many.
    pub fn release(&self, n: usize) -> usize {
        let mut st = lock(&self.state);
        let mut done = 0;
        while done < n {
            match st.waiting.pop_front() {
                Some(f) => st.publish(f),
                None => break,
            }
            done += 1;
        }
        done
    }

    /// Files still queued.
    pub fn queued(&self) -> usize {
        lock(&self.state).waiting.len()
    }

    /// Incoming flows published so far (held back ones included): flowId → SHA-256 of the bytes.
    pub fn served(&self) -> Vec<(String, String)> {
        let st = lock(&self.state);
        st.flows
            .iter()
            .filter(|s| s.flow.flow_direction == FlowDirection::In)
            .map(|s| (s.flow.flow_id.clone(), hex::encode(Sha256::digest(&s.bytes))))
            .collect()
    }

    /// Held-back flows not visible yet.
    pub fn withheld(&self) -> usize {
        let st = lock(&self.state);
        st.flows.iter().filter(|s| !st.visible(s)).count()
    }

    /// Flows we received from the client (uploads), with their bytes.
    pub fn uploads(&self) -> Vec<(Flow, Vec<u8>)> {
        let st = lock(&self.state);
        st.flows
            .iter()
            .filter(|s| s.flow.flow_direction == FlowDirection::Out)
            .map(|s| (s.flow.clone(), s.bytes.clone()))
            .collect()
    }

    /// What happened so far.
    pub fn stats(&self) -> PlatformStats {
        lock(&self.state).stats
    }

    /// Listens on `addr` (port 0 for any free port) and serves until the handle is dropped or stopped.
    pub async fn start(&self, addr: SocketAddr) -> Result<RunningPlatform, SyncError> {
        let listener = TcpListener::bind(addr).await.map_err(|e| SyncError::Server(format!("bind {addr}: {e}")))?;
        let local = listener.local_addr().map_err(|e| SyncError::Server(e.to_string()))?;
        let (stop, mut stopped) = oneshot::channel::<()>();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        lock(&self.state).deliveries = Some(tx);
        let counted = self.clone();
        tokio::spawn(webhooks::deliver(rx, move |ok| {
            let mut st = lock(&counted.state);
            if ok {
                st.stats.webhooks_sent += 1;
            } else {
                st.stats.webhooks_failed += 1;
            }
        }));
        let platform = self.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let p = platform.clone();
                        tokio::spawn(async move {
                            let service = hyper::service::service_fn(move |req| {
                                let p = p.clone();
                                async move { Ok::<_, Infallible>(p.handle(req).await) }
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        });
                    }
                }
            }
        });
        Ok(RunningPlatform { addr: local, stop: Some(stop), task: Some(task), platform: self.clone() })
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or_default().to_string();
        let bearer = req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        let content_type =
            req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, "FileSizeExceeded", "the request body is too large"),
        };
        // B.4 names the bases `…/flow-service` and `…/directory-service`; this platform serves both
        // under either, and at the root.
        let path = ["/flow-service", "/directory-service"]
            .iter()
            .find_map(|prefix| path.strip_prefix(prefix).filter(|rest| rest.starts_with('/')))
            .map_or(path.clone(), str::to_owned);
        match (&method, path.as_str()) {
            (&Method::GET, "/v1/healthcheck") => json(StatusCode::OK, &serde_json::json!({"status": "UP"})),
            (&Method::POST, "/oauth/token") => self.token(&body),
            (_, p) if p.starts_with("/v1/") => {
                let slow = match self.admit(bearer.as_deref()) {
                    Ok(slow) => slow,
                    Err(response) => return response,
                };
                if let Some(d) = slow {
                    tokio::time::sleep(d).await;
                }
                match (&method, p) {
                    (&Method::POST, "/v1/flows/search") => self.search(&body),
                    (&Method::POST, "/v1/siren/search") => self.siren_search(&body),
                    (&Method::GET, p) if p.starts_with("/v1/siren/code-insee:") => {
                        self.siren_by_code(p.trim_start_matches("/v1/siren/code-insee:"))
                    }
                    (&Method::POST, "/v1/directory-line/search") => self.line_search(&body),
                    (&Method::POST, "/v1/webhooks") => self.subscribe(&body),
                    (&Method::GET, "/v1/webhooks") => self.subscriptions(),
                    (&Method::DELETE, p) if p.starts_with("/v1/webhooks/") => {
                        self.unsubscribe(p.trim_start_matches("/v1/webhooks/"))
                    }
                    (&Method::POST, "/v1/flows") => self.upload(&content_type, &body),
                    (&Method::GET, p) if p.starts_with("/v1/flows/") => {
                        self.download(p.trim_start_matches("/v1/flows/"), &query)
                    }
                    _ => error(StatusCode::NOT_FOUND, "NotFound", &format!("no route {method} {path}")),
                }
            }
            _ => error(StatusCode::NOT_FOUND, "NotFound", &format!("no route {method} {path}")),
        }
    }

    /// Authentication and faults of an API request: the slow delay to apply, or the answer to give.
    #[allow(clippy::result_large_err)]
    fn admit(&self, bearer: Option<&str>) -> Result<Option<Duration>, Response<Full<Bytes>>> {
        let mut st = lock(&self.state);
        let token_uses = st.config.faults.token_uses;
        let known = bearer.and_then(|t| st.tokens.get_mut(t));
        let Some(uses) = known else {
            let mut r = error(StatusCode::UNAUTHORIZED, "Unauthorized", "a valid bearer token is required (RFC 6750)");
            r.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Err(r);
        };
        *uses += 1;
        if token_uses.is_some_and(|max| *uses > max) {
            if let Some(t) = bearer {
                st.tokens.remove(t);
            }
            st.stats.expired_tokens += 1;
            let mut r = error(StatusCode::UNAUTHORIZED, "Unauthorized", "the access token has expired");
            r.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
            return Err(r);
        }
        st.stats.api_requests += 1;
        let n = st.stats.api_requests;
        let f = st.config.faults;
        st.settle_acks();
        if faults::hits(f.server_error_every, n) {
            st.stats.injected_5xx += 1;
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "injected fault: try again later",
            ));
        }
        if faults::hits(f.too_many_every, n) {
            st.stats.injected_429 += 1;
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", "injected fault: slow down");
            if let Ok(v) = HeaderValue::from_str(&f.retry_after_secs.to_string()) {
                r.headers_mut().insert(RETRY_AFTER, v);
            }
            return Err(r);
        }
        if faults::hits(f.slow_every, n) {
            st.stats.injected_slow += 1;
            return Ok(Some(Duration::from_millis(f.slow_ms)));
        }
        Ok(None)
    }

    fn token(&self, body: &[u8]) -> Response<Full<Bytes>> {
        let form = parse_form(body);
        let get = |k: &str| form.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        let mut st = lock(&self.state);
        let granted = match get("grant_type") {
            Some("client_credentials") => {
                get("client_id") == Some(st.config.client_id.as_str())
                    && get("client_secret") == Some(st.config.client_secret.as_str())
            }
            Some("refresh_token") => get("refresh_token").is_some_and(|r| st.refresh_tokens.remove(r).is_some()),
            _ => {
                return json(
                    StatusCode::BAD_REQUEST,
                    &serde_json::json!({"error": "unsupported_grant_type", "error_description": "client_credentials or refresh_token"}),
                )
            }
        };
        if !granted {
            return json(
                StatusCode::UNAUTHORIZED,
                &serde_json::json!({"error": "invalid_client", "error_description": "unknown client or secret, or refresh token"}),
            );
        }
        st.stats.tokens_issued += 1;
        let access = st.new_id("at");
        let refresh = st.new_id("rt");
        st.tokens.insert(access.clone(), 0);
        st.refresh_tokens.insert(refresh.clone(), ());
        json(
            StatusCode::OK,
            &TokenResponse {
                access_token: access,
                token_type: "Bearer".into(),
                expires_in: Some(3600),
                refresh_token: Some(refresh),
            },
        )
    }

    fn search(&self, body: &[u8]) -> Response<Full<Bytes>> {
        let request: SearchRequest = match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => return error(StatusCode::BAD_REQUEST, "InvalidRequest", &format!("search body: {e}")),
        };
        let limit = request.limit.unwrap_or(25);
        if !(1..=100).contains(&limit) {
            return error(StatusCode::BAD_REQUEST, "InvalidRequest", "limit must be between 1 and 100");
        }
        let w = request.where_;
        if w.is_empty() {
            return error(StatusCode::BAD_REQUEST, "InvalidRequest", "at least one search criterion is required");
        }
        let mut st = lock(&self.state);
        st.on_search();
        // References first: only the page returned is cloned (cloning every match made each search
        // O(flows) allocations).
        let mut results: Vec<&Flow> = st
            .flows
            .iter()
            .filter(|s| st.visible(s))
            .map(|s| &s.flow)
            .filter(|f| w.updated_after.is_none_or(|a| f.updated_at > a))
            .filter(|f| w.updated_before.is_none_or(|b| f.updated_at < b))
            .filter(|f| w.flow_type.is_empty() || w.flow_type.contains(&f.flow_type))
            .filter(|f| w.flow_direction.is_empty() || w.flow_direction.contains(&f.flow_direction))
            .filter(|f| w.tracking_id.is_none() || f.tracking_id == w.tracking_id)
            .filter(|f| w.ack_status.is_none_or(|a| f.acknowledgement.as_ref().is_some_and(|k| k.status == a)))
            .filter(|f| {
                w.processing_rule.is_empty()
                    || f.processing_rule.as_ref().is_some_and(|r| w.processing_rule.contains(r))
            })
            .collect();
        // Strictly ascending updatedAt (B.4 §5.3); the flow id breaks ties deterministically.
        results.sort_unstable_by(|a, b| a.updated_at.cmp(&b.updated_at).then_with(|| a.flow_id.cmp(&b.flow_id)));
        results.truncate(usize::try_from(limit).unwrap_or(100));
        let results: Vec<Flow> = results.into_iter().cloned().collect();
        json(StatusCode::OK, &SearchResponse { limit, filters: w, results })
    }

    /// The platform's day, for the directory's effective dates: the date of its logical clock.
    fn today(st: &State) -> chrono::NaiveDate {
        (st.config.start + chrono::Duration::seconds(st.clock)).date_naive()
    }

    fn subscribe(&self, body: &[u8]) -> Response<Full<Bytes>> {
        let request: crate::webhook::WebhookRequest = match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => return error(StatusCode::BAD_REQUEST, "InvalidRequest", &format!("webhook body: {e}")),
        };
        let url_ok = request.callback_url.starts_with("http://") || request.callback_url.starts_with("https://");
        if !url_ok {
            return error(StatusCode::BAD_REQUEST, "InvalidRequest", "callbackUrl must be an http(s) URL");
        }
        if request.secret.chars().count() < 16 {
            return error(StatusCode::BAD_REQUEST, "InvalidRequest", "secret must have at least 16 characters");
        }
        let mut st = lock(&self.state);
        let id = st.new_id("wh");
        let webhook = crate::webhook::Webhook {
            webhook_id: id,
            callback_url: request.callback_url,
            flow_type: request.flow_type,
            flow_direction: request.flow_direction,
            ack_status: request.ack_status,
        };
        st.subscriptions.push(webhooks::Subscription { webhook: webhook.clone(), secret: request.secret });
        json(StatusCode::CREATED, &webhook)
    }

    fn subscriptions(&self) -> Response<Full<Bytes>> {
        let st = lock(&self.state);
        let list: Vec<&crate::webhook::Webhook> = st.subscriptions.iter().map(|s| &s.webhook).collect();
        json(StatusCode::OK, &list)
    }

    fn unsubscribe(&self, id: &str) -> Response<Full<Bytes>> {
        let mut st = lock(&self.state);
        let before = st.subscriptions.len();
        st.subscriptions.retain(|s| s.webhook.webhook_id != id);
        if st.subscriptions.len() == before {
            return error(StatusCode::NOT_FOUND, "NotFound", &format!("no webhook {id}"));
        }
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NO_CONTENT;
        r
    }

    fn siren_search(&self, body: &[u8]) -> Response<Full<Bytes>> {
        let search = match serde_json::from_slice(body) {
            Ok(s) => s,
            Err(e) => return error(StatusCode::BAD_REQUEST, "InvalidRequest", &format!("search body: {e}")),
        };
        let st = lock(&self.state);
        match directory::search_siren(&st.config.directory, search) {
            Ok(answer) => json(StatusCode::OK, &answer),
            Err((code, message)) => error(StatusCode::BAD_REQUEST, code, &message),
        }
    }

    /// `GET /v1/siren/code-insee:{siren}`: the legal unit, or 404.
    fn siren_by_code(&self, siren: &str) -> Response<Full<Bytes>> {
        let st = lock(&self.state);
        match st.config.directory.iter().find(|r| r.legal_unit.siren == siren) {
            Some(r) => json(StatusCode::OK, &r.legal_unit),
            None => error(StatusCode::NOT_FOUND, "NotFound", &format!("no legal unit {siren} in the directory")),
        }
    }

    fn line_search(&self, body: &[u8]) -> Response<Full<Bytes>> {
        let search = match serde_json::from_slice(body) {
            Ok(s) => s,
            Err(e) => return error(StatusCode::BAD_REQUEST, "InvalidRequest", &format!("search body: {e}")),
        };
        let st = lock(&self.state);
        match directory::search_lines(&st.config.directory, search, Self::today(&st)) {
            Ok(answer) => json(StatusCode::OK, &answer),
            Err((code, message)) => error(StatusCode::BAD_REQUEST, code, &message),
        }
    }

    fn download(&self, id: &str, query: &str) -> Response<Full<Bytes>> {
        let doc_type = parse_form(query.as_bytes())
            .into_iter()
            .find(|(k, _)| k == "docType")
            .map(|(_, v)| v)
            .unwrap_or_else(|| "Metadata".into());
        let mut st = lock(&self.state);
        let Some(stored) = st.by_id.get(id).and_then(|&i| st.flows.get(i)).filter(|s| st.visible(s)) else {
            return error(StatusCode::NOT_FOUND, "NotFound", &format!("no flow {id}"));
        };
        match doc_type.as_str() {
            "Metadata" => json(StatusCode::OK, &stored.flow),
            "Original" => {
                let ct =
                    if stored.flow.flow_syntax == FlowSyntax::FacturX { "application/pdf" } else { "application/xml" };
                let bytes = Bytes::from(stored.bytes.clone());
                st.stats.downloads += 1;
                let mut r = Response::new(Full::new(bytes));
                r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ct));
                r
            }
            "Converted" | "ReadableView" => {
                error(StatusCode::NOT_FOUND, "NotFound", &format!("no {doc_type} document for flow {id}"))
            }
            other => error(StatusCode::BAD_REQUEST, "InvalidRequest", &format!("unknown docType {other}")),
        }
    }

    fn upload(&self, content_type: &str, body: &[u8]) -> Response<Full<Bytes>> {
        let Some(boundary) = multipart::boundary_of(content_type) else {
            return error(StatusCode::BAD_REQUEST, "InvalidRequest", "multipart/form-data with a boundary expected");
        };
        let Some(parts) = multipart::read(&boundary, body) else {
            return error(StatusCode::BAD_REQUEST, "InvalidRequest", "the multipart body is malformed");
        };
        let info = parts.iter().find(|p| p.name == "flowInfo").map(|p| serde_json::from_slice::<FlowInfo>(&p.body));
        let info = match info {
            Some(Ok(i)) => i,
            Some(Err(e)) => return error(StatusCode::BAD_REQUEST, "InvalidRequest", &format!("flowInfo: {e}")),
            None => return error(StatusCode::BAD_REQUEST, "InvalidRequest", "the flowInfo part is missing"),
        };
        let Some(file) = parts.iter().find(|p| p.name == "file") else {
            return error(StatusCode::BAD_REQUEST, "EmptyAttachement", "the file part is missing");
        };
        let sha = hex::encode(Sha256::digest(&file.body));
        let mut st = lock(&self.state);
        st.stats.uploads += 1;
        let duplicate = info.tracking_id.as_ref().is_some_and(|t| {
            st.flows
                .iter()
                .any(|s| s.flow.flow_direction == FlowDirection::Out && s.flow.tracking_id.as_ref() == Some(t))
        });
        let flow_type = info.flow_type.unwrap_or(FlowType::CustomerInvoiceLC);
        let refusal = check_upload(&info, &file.body, &sha, flow_type, duplicate);
        let at = st.tick_clock();
        let id = st.new_id("flow");
        let flow = Flow {
            flow_id: id.clone(),
            submitted_at: at,
            updated_at: at,
            tracking_id: info.tracking_id.clone(),
            flow_type,
            processing_rule: info.processing_rule.clone(),
            processing_rule_source: Some("Input".into()),
            flow_direction: FlowDirection::Out,
            flow_syntax: info.flow_syntax,
            flow_profile: info.flow_profile.clone(),
            acknowledgement: Some(Acknowledgement { status: AckStatus::Pending, details: vec![] }),
        };
        let ack = match refusal {
            None => Acknowledgement { status: AckStatus::Ok, details: vec![] },
            Some((code, message)) => Acknowledgement {
                status: AckStatus::Error,
                details: vec![AckDetail {
                    level: "Error".into(),
                    item: info.name.clone(),
                    reason_code: code.into(),
                    reason_message: message,
                }],
            },
        };
        let answer = FullFlowInfo {
            flow_id: id.clone(),
            submitted_at: at,
            tracking_id: info.tracking_id.clone(),
            name: info.name.clone(),
            processing_rule: info.processing_rule.clone(),
            flow_syntax: info.flow_syntax,
            flow_profile: info.flow_profile.clone(),
            sha256: sha,
        };
        let index = st.flows.len();
        st.by_id.insert(id, index);
        st.pending_acks.push(index);
        st.flows.push(Stored {
            flow,
            bytes: file.body.clone(),
            visible_from_search: 0,
            republish: false,
            pending_ack: Some(ack),
        });
        json(StatusCode::ACCEPTED, &answer)
    }
}

/// Why an upload is refused, with the B.4 code: empty file, checksum, type, an existing tracking id,
/// and for a 212 Encaissée without any MEN amount, InvoiceLCAmountError (REJ_ENCAISSEMENT, BR-FR-CDV-14).
fn check_upload(
    info: &FlowInfo,
    file: &[u8],
    sha: &str,
    flow_type: FlowType,
    duplicate: bool,
) -> Option<(&'static str, String)> {
    if file.is_empty() {
        return Some(("EmptyAttachement", "the file is empty".into()));
    }
    if info.sha256.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case(sha)) {
        return Some(("ChecksumMismatch", format!("received SHA-256 {sha}")));
    }
    if duplicate {
        return Some(("AlreadyExistingFlow", "a flow with this trackingId exists".into()));
    }
    let text = String::from_utf8_lossy(file);
    let is_cdar = text.contains("CrossDomainAcknowledgementAndResponse");
    if matches!(flow_type, FlowType::CustomerInvoiceLC | FlowType::SupplierInvoiceLC)
        || info.flow_syntax == FlowSyntax::Cdar
    {
        if !is_cdar {
            return Some(("FlowTypeError", "a lifecycle flow must be a CDAR message".into()));
        }
        let code = text
            .split("<ram:ProcessConditionCode>")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .map(str::trim)
            .unwrap_or_default();
        if code.is_empty() {
            return Some(("InvoiceLCInvalidStatus", "no ProcessConditionCode (MDT-105)".into()));
        }
        if code == "212" && !text.contains(">MEN<") {
            return Some(("InvoiceLCAmountError", "a 212 Encaissée needs an MEN amount per VAT rate".into()));
        }
    }
    None
}

/// Decodes `application/x-www-form-urlencoded` (also a query string); bad escapes are kept as is.
pub(crate) fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    json(status, &ErrorBody { error_code: code.into(), error_message: message.into() })
}

/// A platform listening; dropping it stops the listener.
pub struct RunningPlatform {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    platform: Platform,
}

impl RunningPlatform {
    /// Base URL of the Flow Service, e.g. `http://127.0.0.1:4321`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// URL of the token endpoint.
    pub fn token_url(&self) -> String {
        format!("http://{}/oauth/token", self.addr)
    }

    /// The platform's state.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// Stops listening and waits for the listener to end.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for RunningPlatform {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Runs a platform in the foreground until the process ends (`encours pa-serve`): binds 127.0.0.1:`port`,
/// calls `ready` with the address, then releases `per_second` queued flows every second (all at
/// once when `None`).
pub fn serve_forever(
    platform: Platform,
    port: u16,
    per_second: Option<usize>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), SyncError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| SyncError::Server(format!("runtime: {e}")))?;
    runtime.block_on(async move {
        let running = platform.start(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        ready(running.addr);
        match per_second {
            None => {
                platform.release(usize::MAX);
                std::future::pending::<()>().await;
            }
            Some(n) => {
                let mut every = tokio::time::interval(Duration::from_secs(1));
                loop {
                    every.tick().await;
                    platform.release(n);
                }
            }
        }
        drop(running);
        Ok(())
    })
}
