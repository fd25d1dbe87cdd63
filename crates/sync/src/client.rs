//! The Flow Service client (legal-rules B.4): OAuth2 bearer, search, download, upload, healthcheck,
//! with timeouts, retries and `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::error::SyncError;
use crate::model::{
    DocType, ErrorBody, Flow, FlowInfo, FullFlowInfo, SearchRequest, SearchResponse, SearchWhere, TokenResponse,
};
use crate::multipart::{self, Part};
use crate::retry::{backoff, parse_retry_after, Jitter, RetryPolicy, Sleeper};

/// How to get a bearer token. The standard asks for OAuth2 bearer tokens without naming the grant
/// (B.4 §4.2, [U]): both usual grants are offered, per platform account.
#[derive(Clone, PartialEq, Eq)]
pub enum Grant {
    /// `grant_type=client_credentials` with the account's secret (kept by the caller in the keyring).
    ClientCredentials {
        /// The client secret.
        client_secret: String,
    },
    /// `grant_type=refresh_token`; a rotated refresh token is kept in memory for the next refresh.
    RefreshToken {
        /// The refresh token.
        refresh_token: String,
        /// A client secret, for platforms that want one with the refresh.
        client_secret: Option<String>,
    },
}

impl std::fmt::Debug for Grant {
    // Never print a secret, even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Grant::ClientCredentials { .. } => f.write_str("ClientCredentials { .. }"),
            Grant::RefreshToken { .. } => f.write_str("RefreshToken { .. }"),
        }
    }
}

/// Where and how to authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// Token endpoint URL.
    pub token_url: String,
    /// Client id.
    pub client_id: String,
    /// The grant and its secret.
    pub grant: Grant,
    /// Scope, when the platform wants one.
    pub scope: Option<String>,
}

/// One platform account.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base of the Flow Service, e.g. `https://pa.example/flow-service` (routes are appended: `/v1/...`).
    pub base_url: String,
    /// Authentication.
    pub auth: AuthConfig,
    /// Timeout of one HTTP exchange.
    pub timeout: Duration,
    /// Retries.
    pub retry: RetryPolicy,
    /// Seed of the retry jitter (deterministic in tests; the app may give anything).
    pub jitter_seed: u64,
}

/// A connected client for one account. The access token lives only in this value's memory.
pub struct FlowClient {
    http: reqwest::Client,
    config: ClientConfig,
    token: Mutex<Option<String>>,
    refresh_token: Mutex<Option<String>>,
    jitter: Jitter,
    sleeper: Arc<dyn Sleeper>,
}

/// An answer that is final for the retry loop.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl FlowClient {
    /// Builds the client (rustls, the OS trust store; see stack-recipe §7).
    pub fn new(config: ClientConfig, sleeper: Arc<dyn Sleeper>) -> Result<FlowClient, SyncError> {
        if config.retry.max_attempts == 0 {
            return Err(SyncError::Config("max_attempts must be at least 1".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("encours/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Config(format!("HTTP client: {e}")))?;
        let jitter = Jitter::new(config.jitter_seed);
        Ok(FlowClient { http, config, token: Mutex::new(None), refresh_token: Mutex::new(None), jitter, sleeper })
    }

    /// The refresh token the platform rotated in during this client's life, if it did: the caller
    /// keeps it (in the keyring) for the next run, the one it started with being spent (RFC 6749
    /// §6: the server may issue a new refresh token and revoke the old one). Always `None` for the
    /// client-credentials grant, whose secret does not change (a refresh token handed with its
    /// access tokens is not that grant's secret).
    pub async fn rotated_refresh_token(&self) -> Option<String> {
        match self.config.auth.grant {
            Grant::RefreshToken { .. } => self.refresh_token.lock().await.clone(),
            Grant::ClientCredentials { .. } => None,
        }
    }

    /// The Flow Service base this client talks to.
    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// An authenticated JSON POST (searches): the body serialised once, the answer decoded.
    pub(crate) async fn post_json<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
    ) -> Result<T, SyncError> {
        let body = serde_json::to_vec(body).map_err(|e| SyncError::Config(e.to_string()))?;
        let answer = self
            .authed(url, &|token| {
                self.http
                    .post(url)
                    .header(AUTHORIZATION, format!("Bearer {token}"))
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        decode(url, &answer.body)
    }

    fn url(&self, route: &str) -> String {
        format!("{}{route}", self.config.base_url.trim_end_matches('/'))
    }

    /// One exchange with retries: transport errors and timeouts, 5xx, and 429 (after `Retry-After`)
    /// are retried up to the policy; any other answer is returned.
    async fn exchange(&self, url: &str, build: &(dyn Fn() -> RequestBuilder + Sync)) -> Result<Answer, SyncError> {
        let policy = self.config.retry;
        let mut last = String::new();
        for attempt in 0..policy.max_attempts {
            let wait = match build().send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = match response.bytes().await {
                        Ok(b) => b.to_vec(),
                        Err(e) => {
                            last = failure(url, &e, self.config.timeout).to_string();
                            self.pause(attempt, None).await;
                            continue;
                        }
                    };
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        let after = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
                        if let Some(d) = after {
                            if d > policy.max_retry_after {
                                return Err(SyncError::RetriesExhausted {
                                    url: url.into(),
                                    attempts: attempt + 1,
                                    last: format!("HTTP 429 asking to wait {} s", d.as_secs()),
                                });
                            }
                        }
                        last = "HTTP 429 Too Many Requests".into();
                        after
                    } else if status.is_server_error() {
                        last = format!("HTTP {} {}", status.as_u16(), error_text(&body));
                        None
                    } else {
                        return Ok(Answer { status, headers, body });
                    }
                }
                Err(e) => {
                    last = failure(url, &e, self.config.timeout).to_string();
                    None
                }
            };
            if attempt + 1 < policy.max_attempts {
                self.pause(attempt, wait).await;
            }
        }
        Err(SyncError::RetriesExhausted { url: url.into(), attempts: policy.max_attempts, last })
    }

    async fn pause(&self, attempt: u32, retry_after: Option<Duration>) {
        let delay = retry_after.unwrap_or_else(|| backoff(&self.config.retry, attempt, &self.jitter));
        self.sleeper.sleep(delay).await;
    }

    /// Asks the token endpoint for a new access token.
    async fn fetch_token(&self) -> Result<String, SyncError> {
        let auth = &self.config.auth;
        let mut form: Vec<(&str, String)> = vec![("client_id", auth.client_id.clone())];
        match &auth.grant {
            Grant::ClientCredentials { client_secret } => {
                form.push(("grant_type", "client_credentials".into()));
                form.push(("client_secret", client_secret.clone()));
            }
            Grant::RefreshToken { refresh_token, client_secret } => {
                let current = self.refresh_token.lock().await.clone().unwrap_or_else(|| refresh_token.clone());
                form.push(("grant_type", "refresh_token".into()));
                form.push(("refresh_token", current));
                if let Some(s) = client_secret {
                    form.push(("client_secret", s.clone()));
                }
            }
        }
        if let Some(scope) = &auth.scope {
            form.push(("scope", scope.clone()));
        }
        let url = auth.token_url.clone();
        let answer = self.exchange(&url, &|| self.http.post(&url).form(&form)).await?;
        if !answer.status.is_success() {
            return Err(SyncError::Auth { url, status: answer.status.as_u16(), message: error_text(&answer.body) });
        }
        let token: TokenResponse = decode(&url, &answer.body)?;
        if let Some(rotated) = token.refresh_token {
            *self.refresh_token.lock().await = Some(rotated);
        }
        Ok(token.access_token)
    }

    /// An authenticated exchange: a token is fetched when none is held, and again when the platform
    /// answers 401 (expired or revoked). Downloads run a few at a time on one shared token, which may
    /// expire while they are in flight (even one this request just fetched, used up by the others):
    /// a 401 is retried with a new token up to four rounds; a platform that keeps refusing the tokens
    /// it issues is an authentication error. Bad credentials fail at the token endpoint, at once.
    async fn authed(&self, url: &str, build: &(dyn Fn(&str) -> RequestBuilder + Sync)) -> Result<Answer, SyncError> {
        const ROUNDS: usize = 4;
        for round in 0..ROUNDS {
            let token = {
                let mut held = self.token.lock().await;
                match held.as_ref() {
                    Some(t) => t.clone(),
                    None => {
                        let t = self.fetch_token().await?;
                        *held = Some(t.clone());
                        t
                    }
                }
            };
            let answer = self.exchange(url, &|| build(&token)).await?;
            if answer.status == StatusCode::UNAUTHORIZED && round + 1 < ROUNDS {
                let mut held = self.token.lock().await;
                if held.as_deref() == Some(token.as_str()) {
                    *held = None;
                }
                continue;
            }
            if answer.status == StatusCode::UNAUTHORIZED {
                return Err(SyncError::Auth { url: url.into(), status: 401, message: error_text(&answer.body) });
            }
            if !answer.status.is_success() {
                let (code, message) = error_parts(&answer.body);
                return Err(SyncError::Http { url: url.into(), status: answer.status.as_u16(), code, message });
            }
            return Ok(answer);
        }
        Err(SyncError::Auth { url: url.into(), status: 401, message: "every new token was refused".into() })
    }

    /// `GET /v1/healthcheck` (mandatory route): Ok when the platform answers 2xx.
    pub async fn healthcheck(&self) -> Result<(), SyncError> {
        let url = self.url("/v1/healthcheck");
        let answer = self.exchange(&url, &|| self.http.get(&url)).await?;
        if answer.status.is_success() {
            Ok(())
        } else {
            let (code, message) = error_parts(&answer.body);
            Err(SyncError::Http { url, status: answer.status.as_u16(), code, message })
        }
    }

    /// `POST /v1/flows/search` with `limit` (1..=100) and the criteria (at least one).
    pub async fn search(&self, where_: &SearchWhere, limit: u32) -> Result<SearchResponse, SyncError> {
        if !(1..=100).contains(&limit) {
            return Err(SyncError::Config(format!("search limit {limit} is outside 1..=100")));
        }
        if where_.is_empty() {
            return Err(SyncError::Config("a search needs at least one criterion".into()));
        }
        let url = self.url("/v1/flows/search");
        let body = serde_json::to_vec(&SearchRequest { limit: Some(limit), where_: where_.clone() })
            .map_err(|e| SyncError::Config(e.to_string()))?;
        let answer = self
            .authed(&url, &|token| {
                self.http
                    .post(&url)
                    .header(AUTHORIZATION, format!("Bearer {token}"))
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        decode(&url, &answer.body)
    }

    /// `GET /v1/flows/{flowId}?docType=...`: the bytes (the file, or the metadata JSON).
    pub async fn download(&self, flow_id: &str, doc_type: DocType) -> Result<Vec<u8>, SyncError> {
        let url =
            format!("{}?docType={}", self.url(&format!("/v1/flows/{}", path_segment(flow_id))), doc_type.as_str());
        let answer =
            self.authed(&url, &|token| self.http.get(&url).header(AUTHORIZATION, format!("Bearer {token}"))).await?;
        let _ = answer.headers;
        Ok(answer.body)
    }

    /// `GET /v1/flows/{flowId}` (Metadata): the flow, with its acknowledgement.
    pub async fn metadata(&self, flow_id: &str) -> Result<Flow, SyncError> {
        let bytes = self.download(flow_id, DocType::Metadata).await?;
        decode(&self.url(&format!("/v1/flows/{flow_id}")), &bytes)
    }

    /// `POST /v1/flows` (multipart `flowInfo` + `file`): uploads one of our flows (a 212 Encaissée,
    /// a 209 Complétée). `sha256` is filled from the bytes. The platform answers 202 with the new
    /// flow; its acknowledgement comes later (read it with [`FlowClient::metadata`]).
    pub async fn upload(&self, info: &FlowInfo, file: &[u8]) -> Result<FullFlowInfo, SyncError> {
        let url = self.url("/v1/flows");
        let sha = hex::encode(Sha256::digest(file));
        let mut info = info.clone();
        info.sha256 = Some(sha.clone());
        let json = serde_json::to_vec(&info).map_err(|e| SyncError::Config(e.to_string()))?;
        // A boundary derived from the content (not the clock): it cannot be the sha256 shown in the JSON.
        let boundary = format!("encours-{}", &hex::encode(Sha256::digest([file, b"boundary"].concat()))[..32]);
        let content_type = if file.starts_with(b"%PDF") { "application/pdf" } else { "application/xml" };
        let body = multipart::write(
            &boundary,
            &[
                Part {
                    name: "flowInfo".into(),
                    filename: None,
                    content_type: Some("application/json".into()),
                    body: json,
                },
                Part {
                    name: "file".into(),
                    filename: Some(info.name.clone()),
                    content_type: Some(content_type.into()),
                    body: file.to_vec(),
                },
            ],
        );
        let answer = self
            .authed(&url, &|token| {
                self.http
                    .post(&url)
                    .header(AUTHORIZATION, format!("Bearer {token}"))
                    .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
                    .body(body.clone())
            })
            .await?;
        decode(&url, &answer.body)
    }
}

/// A flow id inside a path: anything outside the unreserved set is percent-encoded.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn failure(url: &str, e: &reqwest::Error, timeout: Duration) -> SyncError {
    if e.is_timeout() {
        SyncError::Timeout { url: url.into(), timeout_ms: timeout.as_millis() }
    } else {
        SyncError::Transport { url: url.into(), message: error_chain(e) }
    }
}

/// A transport error with each of its causes ("error sending request: connection refused"):
/// reqwest's own message alone rarely says what went wrong.
pub(crate) fn error_chain(e: &reqwest::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

fn decode<T: serde::de::DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, SyncError> {
    serde_json::from_slice(body).map_err(|e| SyncError::Decode { url: url.into(), message: e.to_string() })
}

fn error_parts(body: &[u8]) -> (String, String) {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => (e.error_code, e.error_message),
        Err(_) => (String::new(), String::from_utf8_lossy(body.get(..body.len().min(300)).unwrap_or_default()).into()),
    }
}

fn error_text(body: &[u8]) -> String {
    let (code, message) = error_parts(body);
    if code.is_empty() {
        message
    } else {
        format!("{code}: {message}")
    }
}
