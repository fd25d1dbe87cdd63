//! Webhooks: one signed JSON `POST` to a URL the user configured (issue 9 §3, early warnings).
//!
//! The receiver (a chat bot, a CRM, an automation tool) must be able to tell a genuine Encours call
//! from a forged one and a fresh call from a replayed one. So every request carries:
//!
//! * `X-Encours-Timestamp`: the Unix time (seconds) the caller passes in (this crate never reads the
//!   clock for it, so the app and the tests decide);
//! * `X-Encours-Signature: sha256=<hex>`: HMAC-SHA256 with the shared secret over
//!   `"<timestamp>.<body>"` — the timestamp is inside the signed text, so it cannot be changed to
//!   replay an old body later ([`signature`] computes it; the receiver recomputes it and compares in
//!   constant time);
//! * `X-Encours-Delivery`: an identifier of the message the caller chooses (the alert's dedupe key),
//!   identical on every retry, so a receiver that got a request whose answer was lost can ignore the
//!   repetition.
//!
//! The secret lives in the OS keyring ([`store_webhook_secret`], account `webhook:<url>`), never in the
//! dossier, never in an error message or a log line.
//!
//! Delivery is retried a bounded number of times ([`WebhookSettings::max_attempts`]) with a doubling
//! pause, on what may pass: a network failure, a timeout, a 5xx, a 429. Any other 4xx is final (the
//! receiver says the request itself is wrong; repeating it would not help). Like [`crate::sms`], the
//! URL must be HTTPS except to this machine (the body holds client names and reasons, personal and
//! commercial data), redirects are not followed, and reqwest's blocking client runs on a thread of its
//! own so the call works from inside an async runtime.

use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::email::{is_this_machine, KEYRING_SERVICE};
use crate::error::{chain_text, ChannelError};

/// Header carrying the Unix timestamp that is signed with the body.
pub const TIMESTAMP_HEADER: &str = "X-Encours-Timestamp";
/// Header carrying `sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub const SIGNATURE_HEADER: &str = "X-Encours-Signature";
/// Header carrying the caller's message identifier, the same on every retry.
pub const DELIVERY_HEADER: &str = "X-Encours-Delivery";

/// The longest answer kept in [`WebhookSent::response`] and quoted in errors.
const EXCERPT: usize = 500;
/// The longest pause between two attempts, whatever the backoff doubling reaches.
const MAX_PAUSE: Duration = Duration::from_secs(60);
/// More attempts than this would keep a scoring run waiting for minutes on a dead receiver.
const MAX_ATTEMPTS: u32 = 10;

/// Where and how webhooks are sent. Stored with the dossier's settings; the secret is not here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSettings {
    /// The URL the JSON is `POST`ed to (HTTPS, except to this machine).
    pub url: String,
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// Attempts in all (1 = no retry), at most 10.
    pub max_attempts: u32,
    /// The pause after the first failed attempt; it doubles after each further one (capped at 60 s).
    pub backoff: Duration,
}

impl WebhookSettings {
    /// Settings with the usual values: 10 s per attempt, 3 attempts, 1 s then 2 s between them.
    pub fn new(url: impl Into<String>) -> WebhookSettings {
        WebhookSettings {
            url: url.into(),
            timeout: Duration::from_secs(10),
            max_attempts: 3,
            backoff: Duration::from_secs(1),
        }
    }
}

/// What the receiver answered when it accepted the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSent {
    /// HTTP status (2xx).
    pub status: u16,
    /// Attempts it took (1 when the first one was accepted).
    pub attempts: u32,
    /// The beginning of the receiver's answer.
    pub response: String,
}

/// The keyring entry `(service, account)` holding the secret of this webhook URL.
pub fn webhook_secret_entry(settings: &WebhookSettings) -> (String, String) {
    (KEYRING_SERVICE.to_owned(), format!("webhook:{}", settings.url.trim()))
}

/// Stores the webhook's signing secret in the OS keyring (replacing a previous one).
pub fn store_webhook_secret(settings: &WebhookSettings, secret: &str) -> Result<(), ChannelError> {
    let (service, account) = webhook_secret_entry(settings);
    crate::secrets::store(&service, &account, secret)
}

/// Reads the webhook's signing secret from the OS keyring; `Ok(None)` when none was stored.
pub fn webhook_secret(settings: &WebhookSettings) -> Result<Option<String>, ChannelError> {
    let (service, account) = webhook_secret_entry(settings);
    crate::secrets::read(&service, &account)
}

/// Removes the webhook's signing secret from the keyring (nothing to do when there is none).
pub fn forget_webhook_secret(settings: &WebhookSettings) -> Result<(), ChannelError> {
    let (service, account) = webhook_secret_entry(settings);
    crate::secrets::forget(&service, &account)
}

/// `sha256=<lower-case hex>` of HMAC-SHA256 keyed with `secret` over `"<timestamp>.<body>"`: the value
/// of [`SIGNATURE_HEADER`]. A receiver recomputes it the same way to check a call.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts a key of any length (RFC 2104 hashes a long one), so this cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a received call: `header` is the [`SIGNATURE_HEADER`] value, compared in constant time.
pub fn verify_signature(secret: &[u8], timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(hex_part) = header.trim().strip_prefix("sha256=") else { return false };
    let Ok(tag) = hex::decode(hex_part) else { return false };
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else { return false };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&tag).is_ok()
}

/// Checks the settings without sending anything (the app calls it before saving them).
pub fn check_webhook_settings(settings: &WebhookSettings) -> Result<reqwest::Url, ChannelError> {
    let url = reqwest::Url::parse(settings.url.trim())
        .map_err(|e| ChannelError::InvalidSettings(format!("the webhook URL \"{}\": {e}", settings.url)))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    match url.scheme() {
        "https" if !host.is_empty() => {}
        "http" if is_this_machine(&host) => {}
        _ => {
            return Err(ChannelError::InvalidSettings(format!(
                "the webhook URL must use https (client data would travel in clear), except to this machine: {}",
                settings.url
            )))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Credentials in the URL would be stored in the dossier and shown in messages.
        return Err(ChannelError::InvalidSettings(
            "the webhook URL must not hold a user name or password (the call is signed instead)".into(),
        ));
    }
    if settings.timeout.is_zero() {
        return Err(ChannelError::InvalidSettings("the webhook timeout is zero".into()));
    }
    if !(1..=MAX_ATTEMPTS).contains(&settings.max_attempts) {
        return Err(ChannelError::InvalidSettings(format!(
            "webhook attempts: {} (expected 1 to {MAX_ATTEMPTS})",
            settings.max_attempts
        )));
    }
    Ok(url)
}

/// Posts `payload` as JSON, signed with `secret` at `timestamp` (Unix seconds), retrying what may pass
/// (module doc). `delivery_id` goes in [`DELIVERY_HEADER`], the same on each attempt.
pub fn send_webhook(
    settings: &WebhookSettings,
    secret: &str,
    payload: &serde_json::Value,
    timestamp: i64,
    delivery_id: &str,
) -> Result<WebhookSent, ChannelError> {
    let url = check_webhook_settings(settings)?;
    if secret.is_empty() {
        return Err(ChannelError::InvalidSettings("the webhook's signing secret is empty".into()));
    }
    let delivery = HeaderValue::from_str(delivery_id)
        .map_err(|_| ChannelError::InvalidMessage(format!("the delivery id {delivery_id:?} cannot be a header")))?;
    let body = serde_json::to_vec(payload).map_err(|e| ChannelError::InvalidMessage(e.to_string()))?;
    let mut sig = HeaderValue::from_str(&signature(secret.as_bytes(), timestamp, &body))
        .map_err(|_| ChannelError::InvalidMessage("signature header".into()))?;
    sig.set_sensitive(true);
    let shown = shown_url(&url);
    let port = url.port_or_known_default().unwrap_or(0);
    let host = url.host_str().unwrap_or_default().to_owned();

    let mut pause = settings.backoff;
    let mut last: Option<ChannelError> = None;
    for attempt in 1..=settings.max_attempts {
        if attempt > 1 {
            std::thread::sleep(pause.min(MAX_PAUSE));
            pause = pause.saturating_mul(2);
        }
        let request = Request {
            url: url.clone(),
            body: body.clone(),
            timestamp,
            signature: sig.clone(),
            delivery: delivery.clone(),
            timeout: settings.timeout,
        };
        // See the module doc: the blocking client must not live inside an async runtime.
        let outcome = std::thread::scope(|scope| scope.spawn(|| request.send()).join());
        let retryable = match outcome {
            Err(_) => {
                last = Some(ChannelError::WebhookUnreachable {
                    url: shown.clone(),
                    attempts: attempt,
                    detail: "the HTTP client stopped unexpectedly".into(),
                });
                false
            }
            Ok(Ok((status, response))) if (200..300).contains(&status) => {
                return Ok(WebhookSent { status, attempts: attempt, response: excerpt(&response) });
            }
            Ok(Ok((status, response))) => {
                last = Some(ChannelError::WebhookRejected {
                    url: shown.clone(),
                    status,
                    attempts: attempt,
                    body_excerpt: excerpt(&response),
                });
                status >= 500 || status == 429
            }
            Ok(Err(e)) => {
                last = Some(if e.is_timeout() {
                    ChannelError::Timeout {
                        host: host.clone(),
                        port,
                        timeout: settings.timeout,
                        during: format!(
                            "waiting for the webhook {shown} ({attempt} attempt(s); the receiver may have it)"
                        ),
                    }
                } else {
                    ChannelError::WebhookUnreachable { url: shown.clone(), attempts: attempt, detail: chain_text(&e) }
                });
                true
            }
        };
        if !retryable {
            break;
        }
    }
    Err(last.unwrap_or_else(|| ChannelError::InvalidSettings("webhook attempts: 0".into())))
}

/// The URL as shown in messages: scheme, host, port and path, without the query (it may hold a token).
fn shown_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

struct Request {
    url: reqwest::Url,
    body: Vec<u8>,
    timestamp: i64,
    signature: HeaderValue,
    delivery: HeaderValue,
    timeout: Duration,
}

impl Request {
    fn send(self) -> Result<(u16, String), reqwest::Error> {
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let response = client
            .post(self.url)
            .header(CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, self.timestamp.to_string())
            .header(SIGNATURE_HEADER, self.signature)
            .header(DELIVERY_HEADER, self.delivery)
            .body(self.body)
            .send()?;
        let status = response.status().as_u16();
        let bytes = response.bytes()?;
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }
}

fn excerpt(text: &str) -> String {
    let trimmed = text.trim();
    match trimmed.char_indices().nth(EXCERPT) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}

/// A local HTTP receiver answering a script of statuses (feature `test-servers`): what the webhook
/// tests of this crate and of the app post to.
#[cfg(feature = "test-servers")]
pub mod test_receiver {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::time::Duration;

    pub use crate::testing::HttpRequest;

    /// An HTTP server on 127.0.0.1 answering its n-th request (one per connection) with the n-th
    /// status of its script, then stopping.
    pub struct ScriptedReceiver {
        /// The port it listens on.
        pub port: u16,
        requests: mpsc::Receiver<HttpRequest>,
    }

    impl ScriptedReceiver {
        /// Starts the server; `script` is the status of each request in turn.
        pub fn start(script: Vec<u16>) -> ScriptedReceiver {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for status in script {
                    let Ok((stream, _)) = listener.accept() else { return };
                    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                    let Ok(request) = read(&stream) else { continue };
                    let body = format!("{{\"status\":{status}}}");
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    // Recorded before answering: once the caller has its answer, `received` sees it.
                    let _ = tx.send(request);
                    let mut w = &stream;
                    let _ = w.write_all(response.as_bytes());
                    let _ = w.flush();
                }
            });
            ScriptedReceiver { port, requests: rx }
        }

        /// `http://127.0.0.1:<port><path>`.
        pub fn url(&self, path: &str) -> String {
            format!("http://127.0.0.1:{}{path}", self.port)
        }

        /// Every request answered so far, without waiting.
        pub fn received(&self) -> Vec<HttpRequest> {
            self.requests.try_iter().collect()
        }
    }

    fn read(stream: &std::net::TcpStream) -> std::io::Result<HttpRequest> {
        let mut r = BufReader::new(stream);
        let mut line = String::new();
        r.read_line(&mut line)?;
        let mut parts = line.trim_end().split(' ');
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if r.read_line(&mut h)? == 0 {
                break;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let length: usize =
            headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        let mut body = vec![0u8; length];
        r.read_exact(&mut body)?;
        Ok(HttpRequest { method, path, headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_hmac_and_covers_the_timestamp() {
        // RFC 4231 test case 2 pins the HMAC primitive; the framing "<ts>.<body>" is checked below.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let s = signature(b"k", 1_700_000_000, b"{}");
        assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
        assert!(verify_signature(b"k", 1_700_000_000, b"{}", &s));
        assert!(!verify_signature(b"k", 1_700_000_001, b"{}", &s), "another timestamp must not verify");
        assert!(!verify_signature(b"other", 1_700_000_000, b"{}", &s));
    }

    #[test]
    fn clear_text_is_refused_for_a_remote_url_and_query_hidden_in_messages() {
        let err = check_webhook_settings(&WebhookSettings::new("http://hooks.example.com/x")).unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
        assert!(check_webhook_settings(&WebhookSettings::new("http://127.0.0.1:9/x")).is_ok());
        assert!(check_webhook_settings(&WebhookSettings::new("https://u:p@hooks.example.com/x")).is_err());
        let url = reqwest::Url::parse("https://hooks.example.com/a?token=secret").unwrap();
        assert_eq!(shown_url(&url), "https://hooks.example.com/a");
    }
}
