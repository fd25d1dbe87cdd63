//! The local replay server (feature `server`): recherche-entreprises and BODACC on 127.0.0.1,
//! answering from recorded responses, for tests, the demo and `encours opendata-serve`.
//!
//! - `GET /search?q=<SIREN>` answers the recorded recherche-entreprises body of that SIREN
//!   (`sirene/recherche-entreprises_search-<SIREN>.json`, whose `result` is the body), or an empty
//!   result list.
//! - `GET /api/explore/v2.1/catalog/datasets/annonces-commerciales/records?where=registre="<SIREN>"`
//!   answers the v2.1 body `{total_count, results}` with every recorded BODACC record naming the
//!   SIREN in `registre` (records of v1 bodies are served as v2.1 results, as they are), newest
//!   first, paged by `limit` and `offset`.
//! - Faults, per API request, with the local platform's spec ([`crate::server::Faults`]):
//!   `5xx=N` (503), `429=N` with `retry-after=S`, `slow=N` with `slow-ms=M`.
//! - Every request is logged with its arrival time (monotonic, since the server was made), so
//!   tests can count requests per second.
//!
//! It follows the local platform's approach (hyper 1 on tokio, one task per connection, a handle
//! that stops the listener); no input can make it panic.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::client::BODACC_RECORDS_ROUTE;
use super::error::OpenDataError;
use crate::server::Faults;

/// One request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// When it arrived, since the server was made.
    pub at: Duration,
    /// Path and query.
    pub target: String,
    /// The status answered.
    pub status: u16,
}

struct State {
    companies: HashMap<String, Value>,
    records: Vec<Value>,
    faults: Faults,
    api_requests: u64,
    log: Vec<Logged>,
}

/// The replay server's data and faults (cheap to clone; clones share the state).
#[derive(Clone)]
pub struct Replay {
    state: Arc<Mutex<State>>,
    origin: Instant,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn sirens_of(record: &Value) -> Vec<String> {
    let raw: Vec<String> = match record.get("registre") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    raw.iter().map(|r| r.chars().filter(char::is_ascii_digit).collect()).collect()
}

impl Replay {
    /// A server that knows nothing.
    pub fn empty() -> Replay {
        Replay {
            state: Arc::new(Mutex::new(State {
                companies: HashMap::new(),
                records: Vec::new(),
                faults: Faults::none(),
                api_requests: 0,
                log: Vec::new(),
            })),
            origin: Instant::now(),
        }
    }

    /// A server replaying a corpus folder: `sirene/recherche-entreprises_search-<SIREN>.json` and
    /// every `bodacc/*.json` (v1 and v2.1 bodies, or one record).
    pub fn from_corpus(dir: &Path) -> Result<Replay, OpenDataError> {
        let replay = Replay::empty();
        let read = |p: &Path| -> Result<Value, OpenDataError> {
            let bytes = std::fs::read(p).map_err(|e| OpenDataError::Server(format!("{}: {e}", p.display())))?;
            serde_json::from_slice(&bytes).map_err(|e| OpenDataError::Server(format!("{}: not JSON: {e}", p.display())))
        };
        let list = |sub: &str| -> Result<Vec<std::path::PathBuf>, OpenDataError> {
            let folder = dir.join(sub);
            let entries =
                std::fs::read_dir(&folder).map_err(|e| OpenDataError::Server(format!("{}: {e}", folder.display())))?;
            let mut files: Vec<_> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            Ok(files)
        };
        for p in list("sirene")? {
            let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let Some(siren) = name.strip_prefix("recherche-entreprises_search-") else { continue };
            let v = read(&p)?;
            replay.add_company(siren, v.get("result").cloned().unwrap_or(v));
        }
        for p in list("bodacc")? {
            let v = read(&p)?;
            if let Some(results) = v.get("results").and_then(Value::as_array) {
                results.iter().for_each(|r| replay.add_record(r.clone()));
            } else if let Some(records) = v.get("records").and_then(Value::as_array) {
                records.iter().filter_map(|r| r.get("fields")).for_each(|f| replay.add_record(f.clone()));
            } else if v.get("id").is_some() {
                replay.add_record(v);
            }
        }
        Ok(replay)
    }

    /// Answers `/search?q=<siren>` with this body.
    pub fn add_company(&self, siren: &str, body: Value) {
        lock(&self.state).companies.insert(siren.to_owned(), body);
    }

    /// Adds a BODACC record (the v2.1 result object).
    pub fn add_record(&self, record: Value) {
        lock(&self.state).records.push(record);
    }

    /// Sets the faults (counting of API requests goes on).
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.state).faults = faults;
    }

    /// The requests received so far.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.state).log.clone()
    }

    /// SIRENs the server knows (companies, then BODACC registres), sorted, once each.
    pub fn sirens(&self) -> Vec<String> {
        let st = lock(&self.state);
        let mut all: Vec<String> = st.companies.keys().cloned().collect();
        all.extend(st.records.iter().flat_map(sirens_of).filter(|s| s.len() == 9));
        all.sort();
        all.dedup();
        all
    }

    /// Listens on `addr` (port 0: any free port) until the handle is stopped or dropped.
    pub async fn start(&self, addr: SocketAddr) -> Result<RunningReplay, OpenDataError> {
        let listener = TcpListener::bind(addr).await.map_err(|e| OpenDataError::Server(format!("bind {addr}: {e}")))?;
        let local = listener.local_addr().map_err(|e| OpenDataError::Server(e.to_string()))?;
        // One stop signal for the listener and every open connection: a stopped server closes its
        // kept-alive connections too, as a server that went away would (the offline tests rely on it).
        let (stop, stopped) = watch::channel(false);
        let replay = self.clone();
        let task = tokio::spawn(async move {
            let mut listener_stop = stopped.clone();
            loop {
                tokio::select! {
                    _ = listener_stop.changed() => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let r = replay.clone();
                        let mut conn_stop = stopped.clone();
                        tokio::spawn(async move {
                            let service = hyper::service::service_fn(move |req| {
                                let r = r.clone();
                                async move { Ok::<_, Infallible>(r.handle(req).await) }
                            });
                            let conn = hyper::server::conn::http1::Builder::new()
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                            tokio::select! {
                                _ = conn => {}
                                _ = conn_stop.changed() => {}
                            }
                        });
                    }
                }
            }
        });
        Ok(RunningReplay { addr: local, stop: Some(stop), task: Some(task) })
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let at = self.origin.elapsed();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or_default().to_owned();
        let target = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        // Requests have no body here; a large one is refused without being read whole.
        let _ = Limited::new(req.into_body(), 64 * 1024).collect().await;
        let (response, slow) = self.answer(&method, &path, &query);
        if let Some(d) = slow {
            tokio::time::sleep(d).await;
        }
        lock(&self.state).log.push(Logged { at, target, status: response.status().as_u16() });
        response
    }

    fn answer(&self, method: &Method, path: &str, query: &str) -> (Response<Full<Bytes>>, Option<Duration>) {
        let mut st = lock(&self.state);
        let is_api = path == "/search" || path == BODACC_RECORDS_ROUTE;
        if !is_api || method != Method::GET {
            return (error(StatusCode::NOT_FOUND, &format!("no route {method} {path}")), None);
        }
        st.api_requests += 1;
        let n = st.api_requests;
        let f = st.faults;
        if crate::server::faults::hits(f.server_error_every, n) {
            return (error(StatusCode::SERVICE_UNAVAILABLE, "injected 503"), None);
        }
        if crate::server::faults::hits(f.too_many_every, n) {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "injected 429: too many requests");
            if let Ok(v) = HeaderValue::from_str(&f.retry_after_secs.to_string()) {
                r.headers_mut().insert(RETRY_AFTER, v);
            }
            return (r, None);
        }
        let slow = crate::server::faults::hits(f.slow_every, n).then(|| Duration::from_millis(f.slow_ms));
        // A query string is form-encoded: the platform server's decoder reads both.
        let params = crate::server::parse_form(query.as_bytes());
        let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or_default();
        let response = if path == "/search" {
            let siren: String = get("q").chars().filter(|c| !c.is_whitespace()).collect();
            match st.companies.get(&siren) {
                Some(body) => ok(body),
                None => ok(&json!({"results": [], "total_results": 0, "page": 1, "per_page": 1, "total_pages": 0})),
            }
        } else {
            // where=registre="<SIREN>" (any other filter matches nothing).
            let where_ = get("where");
            let siren: String =
                where_.split('"').nth(1).map(|s| s.chars().filter(char::is_ascii_digit).collect()).unwrap_or_default();
            let limit = get("limit").parse::<usize>().unwrap_or(10).min(100);
            let offset = get("offset").parse::<usize>().unwrap_or(0);
            let mut matching: Vec<&Value> =
                st.records.iter().filter(|r| !siren.is_empty() && sirens_of(r).contains(&siren)).collect();
            let date = |r: &Value| r.get("dateparution").and_then(Value::as_str).unwrap_or_default().to_owned();
            matching.sort_by_key(|r| std::cmp::Reverse(date(r)));
            let page: Vec<&Value> = matching.iter().skip(offset).take(limit).copied().collect();
            ok(&json!({"total_count": matching.len(), "results": page}))
        };
        (response, slow)
    }
}

fn ok(value: &Value) -> Response<Full<Bytes>> {
    respond(StatusCode::OK, value)
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    respond(status, &json!({"error": message}))
}

fn respond(status: StatusCode, value: &Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(value.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    r
}

/// A replay server listening; dropping it stops the listener.
pub struct RunningReplay {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<watch::Sender<bool>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningReplay {
    /// The base URL to give as both the SIRENE and the BODACC base, e.g. `http://127.0.0.1:4321`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops listening and waits for the listener to end.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for RunningReplay {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
    }
}

/// Runs a replay server in the foreground until the process ends (`encours opendata-serve`):
/// binds 127.0.0.1:`port` and calls `ready` with the address.
pub fn serve_forever(replay: Replay, port: u16, ready: impl FnOnce(SocketAddr)) -> Result<(), OpenDataError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| OpenDataError::Server(format!("runtime: {e}")))?;
    runtime.block_on(async move {
        let running = replay.start(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        ready(running.addr);
        std::future::pending::<()>().await;
        drop(running);
        Ok(())
    })
}
