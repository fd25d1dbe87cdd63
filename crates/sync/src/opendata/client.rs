//! The HTTP client of the open-data services: recherche-entreprises (SIRENE facts) and the BODACC
//! `annonces-commerciales` dataset, on reqwest over rustls (stack-recipe §7, the OS trust store).
//!
//! Every request first takes a token from the service's bucket ([`super::ratelimit`], 7/s by
//! default, open-data §4.2). Transport errors, timeouts and 5xx are retried with the crate's
//! exponential backoff and seeded jitter ([`crate::retry`]); a 429 waits its `Retry-After` (and
//! holds the bucket for as long) before retrying; a 4xx is final. A body that is not the
//! documented JSON is a [`OpenDataError::Decode`] naming the URL. Base URLs are configurable (the
//! tests and the demo point them at the local replay server on 127.0.0.1).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use reqwest::StatusCode;

use super::bodacc::{parse_notices, BodaccNotice};
use super::error::OpenDataError;
use super::ratelimit::{Clock, RateLimit, TokenBucket};
use super::sirene::{parse_search, CompanyFacts};
use crate::retry::{backoff, parse_retry_after, Jitter, RetryPolicy, Sleeper};

/// The public API Recherche d'entreprises (open-data §4.2; no key).
pub const DEFAULT_SIRENE_BASE: &str = "https://recherche-entreprises.api.gouv.fr";
/// The DILA OpenDataSoft portal serving the BODACC dataset (open-data §2.2).
pub const DEFAULT_BODACC_BASE: &str = "https://bodacc-datadila.opendatasoft.com";
/// The v2.1 records route of the BODACC dataset, under the base URL.
pub const BODACC_RECORDS_ROUTE: &str = "/api/explore/v2.1/catalog/datasets/annonces-commerciales/records";
/// Rows per BODACC page (the v2.1 maximum, open-data §2.2).
pub const BODACC_PAGE: u64 = 100;
/// Pages read at most per SIREN, newest notices first (500 notices: more than any company we met).
pub const BODACC_MAX_PAGES: u64 = 5;

/// Where and how to call the services.
#[derive(Debug, Clone)]
pub struct OpenDataConfig {
    /// Base of recherche-entreprises (`/search` is appended).
    pub sirene_base_url: String,
    /// Base of the BODACC portal ([`BODACC_RECORDS_ROUTE`] is appended).
    pub bodacc_base_url: String,
    /// Timeout of one HTTP exchange.
    pub timeout: Duration,
    /// Retries on transport errors, timeouts, 5xx and 429.
    pub retry: RetryPolicy,
    /// The rate limit, per service.
    pub rate: RateLimit,
    /// Seed of the retry jitter.
    pub jitter_seed: u64,
}

impl Default for OpenDataConfig {
    fn default() -> Self {
        OpenDataConfig {
            sirene_base_url: DEFAULT_SIRENE_BASE.into(),
            bodacc_base_url: DEFAULT_BODACC_BASE.into(),
            timeout: Duration::from_secs(15),
            retry: RetryPolicy {
                max_attempts: 5,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(10),
                max_retry_after: Duration::from_secs(60),
            },
            rate: RateLimit::default(),
            jitter_seed: 0x0da7a,
        }
    }
}

/// A raw answer kept for the cache: the URL asked and the body received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPage {
    /// The URL.
    pub url: String,
    /// The body, as received.
    pub body: Vec<u8>,
}

/// The SIRENE answer for a SIREN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyAnswer {
    /// What was received.
    pub page: RawPage,
    /// The facts; `None` when the service does not know the SIREN (or it is not diffusible).
    pub facts: Option<CompanyFacts>,
}

/// The BODACC answer for a SIREN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticesAnswer {
    /// The pages received, in order.
    pub pages: Vec<RawPage>,
    /// The notices naming the SIREN in `registre`, newest first.
    pub notices: Vec<BodaccNotice>,
}

/// Checks a SIREN's shape (9 digits) before it goes into a URL.
pub fn check_siren(siren: &str) -> Result<(), OpenDataError> {
    if siren.len() == 9 && siren.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(OpenDataError::Config(format!("{siren:?} is not a SIREN (9 digits)")))
    }
}

/// Percent-encodes a query value (everything outside the unreserved set).
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The client. One per refresh; its buckets pace every request it makes.
pub struct OpenDataClient {
    http: reqwest::Client,
    config: OpenDataConfig,
    sirene_bucket: TokenBucket,
    bodacc_bucket: TokenBucket,
    jitter: Jitter,
    sleeper: Arc<dyn Sleeper>,
}

impl OpenDataClient {
    /// Builds the client. `clock` paces the buckets and `sleeper` waits (tests inject both).
    pub fn new(
        config: OpenDataConfig,
        clock: Arc<dyn Clock>,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<OpenDataClient, OpenDataError> {
        if config.retry.max_attempts == 0 {
            return Err(OpenDataError::Config("max_attempts must be at least 1".into()));
        }
        for (what, url) in [("SIRENE", &config.sirene_base_url), ("BODACC", &config.bodacc_base_url)] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(OpenDataError::Config(format!("{what} base URL {url:?} is not an http(s) URL")));
            }
        }
        // recherche-entreprises asks for an explicit User-Agent (open-data §4.2).
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("encours/", env!("CARGO_PKG_VERSION"), " (logiciel de gestion du poste clients)"))
            .build()
            .map_err(|e| OpenDataError::Config(format!("HTTP client: {e}")))?;
        Ok(OpenDataClient {
            http,
            sirene_bucket: TokenBucket::new(config.rate, Arc::clone(&clock)),
            bodacc_bucket: TokenBucket::new(config.rate, clock),
            jitter: Jitter::new(config.jitter_seed),
            config,
            sleeper,
        })
    }

    /// `GET {sirene}/search?q=<SIREN>&page=1&per_page=1`: the company's facts.
    pub async fn company(&self, siren: &str) -> Result<CompanyAnswer, OpenDataError> {
        check_siren(siren)?;
        let url = format!("{}/search?q={siren}&page=1&per_page=1", self.config.sirene_base_url.trim_end_matches('/'));
        let body = self.get(&url, &self.sirene_bucket).await?;
        let facts = parse_search(&url, siren, &body)?;
        Ok(CompanyAnswer { page: RawPage { url, body }, facts })
    }

    /// The BODACC notices whose `registre` names the SIREN, newest first, page by page
    /// (`where=registre="<SIREN>"`, `order_by=dateparution desc`, `limit=100`; open-data §2.2 and
    /// "must implement" 10). Every family is read: radiations and dépôts des comptes matter too.
    pub async fn notices(&self, siren: &str) -> Result<NoticesAnswer, OpenDataError> {
        check_siren(siren)?;
        let base = format!("{}{BODACC_RECORDS_ROUTE}", self.config.bodacc_base_url.trim_end_matches('/'));
        let filter = encode_query(&format!("registre=\"{siren}\""));
        let order = encode_query("dateparution desc");
        let mut answer = NoticesAnswer { pages: Vec::new(), notices: Vec::new() };
        for page in 0..BODACC_MAX_PAGES {
            let offset = page * BODACC_PAGE;
            let url = format!("{base}?where={filter}&order_by={order}&limit={BODACC_PAGE}&offset={offset}");
            let body = self.get(&url, &self.bodacc_bucket).await?;
            let parsed = parse_notices(&url, &body)?;
            answer.pages.push(RawPage { url, body });
            let records = parsed.records as u64;
            // `registre` of a vente also holds the other party (france-opendata `_sirens_of`):
            // keep the notices that name this SIREN.
            answer.notices.extend(parsed.notices.into_iter().filter(|n| n.sirens.iter().any(|s| s == siren)));
            let seen = offset + records;
            if records < BODACC_PAGE || parsed.total.is_some_and(|t| seen >= t) {
                break;
            }
        }
        Ok(answer)
    }

    /// One GET with the bucket, retries and `Retry-After`; the body of a 2xx.
    async fn get(&self, url: &str, bucket: &TokenBucket) -> Result<Vec<u8>, OpenDataError> {
        let policy = self.config.retry;
        let mut last = String::new();
        for attempt in 0..policy.max_attempts {
            bucket.acquire(self.sleeper.as_ref()).await;
            let mut retry_after = None;
            match self.http.get(url).header("Accept", "application/json").send().await {
                Ok(response) => {
                    let status = response.status();
                    let after =
                        response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
                    let body = match response.bytes().await {
                        Ok(b) => b.to_vec(),
                        Err(e) => {
                            last = failure(url, &e, self.config.timeout).to_string();
                            self.pause(attempt, None).await;
                            continue;
                        }
                    };
                    if status.is_success() {
                        return Ok(body);
                    }
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        if let Some(d) = after {
                            if d > policy.max_retry_after {
                                return Err(OpenDataError::RetriesExhausted {
                                    url: url.into(),
                                    attempts: attempt + 1,
                                    last: format!("HTTP 429 asking to wait {} s", d.as_secs()),
                                });
                            }
                            bucket.hold_for(d);
                        }
                        last = "HTTP 429 Too Many Requests".into();
                        retry_after = after;
                    } else if status.is_server_error() {
                        last = format!("HTTP {} {}", status.as_u16(), snippet(&body));
                    } else {
                        return Err(OpenDataError::Http {
                            url: url.into(),
                            status: status.as_u16(),
                            message: snippet(&body),
                        });
                    }
                }
                Err(e) => {
                    let f = failure(url, &e, self.config.timeout);
                    // Nobody listening (offline, service gone): retrying only delays the fall back
                    // to the cache. Timeouts and resets are retried.
                    if e.is_connect() {
                        return Err(f);
                    }
                    last = f.to_string();
                }
            }
            if attempt + 1 < policy.max_attempts {
                self.pause(attempt, retry_after).await;
            }
        }
        Err(OpenDataError::RetriesExhausted { url: url.into(), attempts: policy.max_attempts, last })
    }

    async fn pause(&self, attempt: u32, retry_after: Option<Duration>) {
        // After a 429 the bucket already holds until Retry-After; the next acquire waits for it.
        if retry_after.is_none() {
            let delay = backoff(&self.config.retry, attempt, &self.jitter);
            self.sleeper.sleep(delay).await;
        }
    }
}

fn failure(url: &str, e: &reqwest::Error, timeout: Duration) -> OpenDataError {
    if e.is_timeout() {
        OpenDataError::Timeout { url: url.into(), timeout_ms: timeout.as_millis() }
    } else {
        OpenDataError::Transport { url: url.into(), message: crate::client::error_chain(e) }
    }
}

/// The start of a body, for an error message.
fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body.get(..body.len().min(300)).unwrap_or_default()).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirens_are_checked_and_queries_encoded() {
        assert!(check_siren("552032534").is_ok());
        for bad in ["55203253", "55203253A", "552 032 534", "../../etc"] {
            assert!(check_siren(bad).is_err(), "{bad}");
        }
        assert_eq!(encode_query("registre=\"1\""), "registre%3D%221%22");
        assert_eq!(encode_query("dateparution desc"), "dateparution%20desc");
    }
}
