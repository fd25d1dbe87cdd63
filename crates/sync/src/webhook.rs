//! Flow notifications (XP Z12-013 §5.6, legal-rules B.4): the platform POSTs
//! `WebhookCallbackContent {flowInfo: Flow}` to a URL the subscriber registered, so a new flow can
//! be fetched at once instead of at the next scheduled search.
//!
//! What B.4 leaves open, and the choices made here:
//! - The management routes are not in Annexe A (a community project has `/webhook(s)`): the local
//!   platform offers `POST /v1/webhooks` (`{callbackUrl, flowType[], flowDirection[], ackStatus,
//!   secret}` → 201 with the subscription, secret never echoed), `GET /v1/webhooks` and
//!   `DELETE /v1/webhooks/{id}`; [`crate::FlowClient::subscribe_webhook`] speaks them.
//! - The security section was still to be published ([U]); its version history cites RFC 9421. A
//!   callback is signed the RFC 9421 way with a shared secret: `Content-Digest: sha-256=:…:` (RFC
//!   9530) over the body, `Signature-Input: sig1=("content-digest");created=…;keyid="<id>";alg="hmac-sha256"`,
//!   and `Signature: sig1=:…:` = HMAC-SHA256 over the RFC 9421 signature base of those two.
//! - A notification is a hint, never the data: the receiver only wakes a sync, which searches from
//!   the cursor as usual (B.4: "use search as a fallback and for history"). A forged or replayed
//!   callback can at worst cause one more search.
//!
//! [`Receiver`] is the subscriber side: a small HTTP/1.1 endpoint on 127.0.0.1 (a plain thread,
//! no async runtime needed) that checks the signature and hands each notification over a channel.
//! A platform on the Internet cannot reach a desktop behind NAT, so in the app the receiver serves
//! the local platform, or a platform reached through a tunnel the user sets up; the scheduled sync
//! stays the path that guarantees nothing is missed.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::client::FlowClient;
use crate::error::SyncError;
use crate::model::{AckStatus, Flow, FlowDirection, FlowType};

/// The body of a callback (B.4 §5.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCallbackContent {
    /// The flow that appeared or changed.
    pub flow_info: Flow,
}

/// A subscription request (`POST /v1/webhooks`). Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookRequest {
    /// Where to POST.
    pub callback_url: String,
    /// Flow types to notify.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow_type: Vec<FlowType>,
    /// Directions to notify.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow_direction: Vec<FlowDirection>,
    /// Only flows with this acknowledgement status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_status: Option<AckStatus>,
    /// The shared secret callbacks are signed with (at least 16 characters).
    #[serde(default)]
    pub secret: String,
}

/// A subscription as the platform describes it (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Its id (the signature's `keyid`).
    pub webhook_id: String,
    /// Where it POSTs.
    pub callback_url: String,
    /// Flow types notified (empty: any).
    #[serde(default)]
    pub flow_type: Vec<FlowType>,
    /// Directions notified (empty: any).
    #[serde(default)]
    pub flow_direction: Vec<FlowDirection>,
    /// Acknowledgement status notified (none: any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_status: Option<AckStatus>,
}

impl Webhook {
    /// True when `flow` passes the subscription's filters (AND between them, OR inside a list).
    pub fn wants(&self, flow: &Flow) -> bool {
        (self.flow_type.is_empty() || self.flow_type.contains(&flow.flow_type))
            && (self.flow_direction.is_empty() || self.flow_direction.contains(&flow.flow_direction))
            && self.ack_status.is_none_or(|a| flow.acknowledgement.as_ref().is_some_and(|k| k.status == a))
    }
}

/// Header carrying the body's digest (RFC 9530).
pub const CONTENT_DIGEST: &str = "content-digest";
/// Header naming what is signed, when, and with which key (RFC 9421).
pub const SIGNATURE_INPUT: &str = "signature-input";
/// Header carrying the signature (RFC 9421).
pub const SIGNATURE: &str = "signature";

/// The three signature headers of a callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `Content-Digest` value.
    pub content_digest: String,
    /// `Signature-Input` value.
    pub signature_input: String,
    /// `Signature` value.
    pub signature: String,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn digest_value(body: &[u8]) -> String {
    format!("sha-256=:{}:", b64(&Sha256::digest(body)))
}

/// The RFC 9421 signature base for our one covered component.
fn signature_base(content_digest: &str, params: &str) -> String {
    format!("\"content-digest\": {content_digest}\n\"@signature-params\": {params}")
}

fn hmac(secret: &str, data: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(data);
    mac
}

/// Signs a callback body: `created` is the platform's time of the event (seconds since 1970),
/// `key_id` the subscription.
pub fn sign(secret: &str, key_id: &str, created: i64, body: &[u8]) -> SignedHeaders {
    let content_digest = digest_value(body);
    let params = format!("(\"content-digest\");created={created};keyid=\"{key_id}\";alg=\"hmac-sha256\"");
    let mac = hmac(secret, signature_base(&content_digest, &params).as_bytes());
    SignedHeaders {
        content_digest,
        signature_input: format!("sig1={params}"),
        signature: format!("sig1=:{}:", b64(&mac.finalize().into_bytes())),
    }
}

/// Why a callback was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// A signature header is missing or malformed.
    #[error("webhook signature: {0}")]
    Malformed(String),
    /// The body is not the one digested.
    #[error("webhook body does not match its Content-Digest")]
    Digest,
    /// The signature does not verify with the secret.
    #[error("webhook signature does not verify")]
    Signature,
}

/// Checks a callback's headers against its body and the shared secret; returns the `keyid`.
pub fn verify(secret: &str, headers: &SignedHeaders, body: &[u8]) -> Result<String, WebhookError> {
    if headers.content_digest.trim() != digest_value(body) {
        return Err(WebhookError::Digest);
    }
    let params = headers
        .signature_input
        .trim()
        .strip_prefix("sig1=")
        .ok_or_else(|| WebhookError::Malformed("Signature-Input has no sig1".into()))?;
    if !params.starts_with("(\"content-digest\")") || !params.contains("alg=\"hmac-sha256\"") {
        return Err(WebhookError::Malformed("Signature-Input must cover content-digest with hmac-sha256".into()));
    }
    let key_id = params
        .split(";keyid=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .ok_or_else(|| WebhookError::Malformed("Signature-Input has no keyid".into()))?
        .to_owned();
    let sig = headers
        .signature
        .trim()
        .strip_prefix("sig1=:")
        .and_then(|r| r.strip_suffix(':'))
        .ok_or_else(|| WebhookError::Malformed("Signature is not sig1=:…:".into()))?;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .map_err(|_| WebhookError::Malformed("Signature is not base64".into()))?;
    hmac(secret, signature_base(&headers.content_digest, params).as_bytes())
        .verify_slice(&sig)
        .map_err(|_| WebhookError::Signature)?;
    Ok(key_id)
}

/// A callback received and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The subscription it came through (`keyid`), empty when no secret is checked.
    pub webhook_id: String,
    /// The flow notified.
    pub flow: Flow,
}

/// Largest callback body accepted (a `Flow` is well under 4 KB).
const MAX_CALLBACK: usize = 256 * 1024;
/// Largest request head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// The subscriber's endpoint: listens on 127.0.0.1 until dropped.
pub struct Receiver {
    addr: SocketAddr,
    notifications: mpsc::UnboundedReceiver<Notification>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    /// Listens on 127.0.0.1:`port` (0: any free port). With a `secret`, unsigned or badly signed
    /// callbacks are refused with 401 and never reach the channel.
    pub fn start(port: u16, secret: Option<String>) -> Result<Receiver, SyncError> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .map_err(|e| SyncError::Server(format!("webhook receiver on 127.0.0.1:{port}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| SyncError::Server(e.to_string()))?;
        let (tx, notifications) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("encours-webhook".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(s) = stream {
                        answer(s, secret.as_deref(), &tx);
                    }
                }
            })
            .map_err(|e| SyncError::Server(format!("webhook receiver thread: {e}")))?;
        Ok(Receiver { addr, notifications, stop, thread: Some(thread) })
    }

    /// The callback URL to register.
    pub fn url(&self) -> String {
        format!("http://{}/encours/webhook", self.addr)
    }

    /// The next notification, waiting at most `timeout` (async callers).
    pub async fn next(&mut self, timeout: Duration) -> Option<Notification> {
        tokio::time::timeout(timeout, self.notifications.recv()).await.ok().flatten()
    }

    /// A notification already received, without waiting.
    pub fn try_next(&mut self) -> Option<Notification> {
        self.notifications.try_recv().ok()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(mut s: &TcpStream, status: &str) {
    let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = s.flush();
}

/// Reads one request and answers it; a verified callback goes to `tx`.
fn answer(mut s: TcpStream, secret: Option<&str>, tx: &mpsc::UnboundedSender<Notification>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return respond(&s, "431 Request Header Fields Too Large");
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
        }
    };
    let head = String::from_utf8_lossy(buf.get(..head_end).unwrap_or_default()).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let header = |name: &str| {
        head.split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    if !request_line.starts_with("POST ") {
        return respond(&s, "405 Method Not Allowed");
    }
    let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) else {
        return respond(&s, "411 Length Required");
    };
    if length > MAX_CALLBACK {
        return respond(&s, "413 Content Too Large");
    }
    let mut body = buf.get(head_end + 4..).unwrap_or_default().to_vec();
    while body.len() < length {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return respond(&s, "400 Bad Request"),
            Ok(n) => body.extend_from_slice(chunk.get(..n).unwrap_or_default()),
        }
    }
    body.truncate(length);
    let webhook_id = match secret {
        None => String::new(),
        Some(secret) => {
            let signed = SignedHeaders {
                content_digest: header(CONTENT_DIGEST).unwrap_or_default(),
                signature_input: header(SIGNATURE_INPUT).unwrap_or_default(),
                signature: header(SIGNATURE).unwrap_or_default(),
            };
            match verify(secret, &signed, &body) {
                Ok(id) => id,
                Err(_) => return respond(&s, "401 Unauthorized"),
            }
        }
    };
    match serde_json::from_slice::<WebhookCallbackContent>(&body) {
        Ok(content) => {
            let _ = tx.send(Notification { webhook_id, flow: content.flow_info });
            respond(&s, "204 No Content");
        }
        Err(_) => respond(&s, "400 Bad Request"),
    }
}

/// Waits up to `wait` for a notification on `receiver`; when one comes (with any others queued
/// behind it), runs one sync of the account at once and returns its report. `Ok(None)` when
/// nothing came. The app calls it in a loop beside its schedule: a notification only brings the
/// next search forward, the search itself is the usual one from the cursor.
pub async fn sync_on_notification<S: crate::sync::FlowSink>(
    receiver: &mut Receiver,
    wait: Duration,
    client: &FlowClient,
    sink: &mut S,
    options: &crate::sync::SyncOptions,
) -> Result<Option<crate::sync::SyncReport>, SyncError> {
    if receiver.next(wait).await.is_none() {
        return Ok(None);
    }
    while receiver.try_next().is_some() {}
    crate::sync::sync_once(client, sink, options).await.map(Some)
}

impl FlowClient {
    /// Registers a webhook (`POST /v1/webhooks`, the local platform's and the community project's
    /// route; not in Annexe A). Returns the subscription; its id is the signature's `keyid`.
    pub async fn subscribe_webhook(&self, request: &WebhookRequest) -> Result<Webhook, SyncError> {
        if request.secret.chars().count() < 16 {
            return Err(SyncError::Config("a webhook secret needs at least 16 characters".into()));
        }
        let url = format!("{}/v1/webhooks", self.base_url().trim_end_matches('/'));
        self.post_json(&url, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_is_refused() {
        let body = br#"{"flowInfo":{}}"#;
        let h = sign("a shared secret!", "wh-1", 1_790_000_000, body);
        assert!(h.signature_input.starts_with("sig1=(\"content-digest\");created=1790000000;keyid=\"wh-1\""));
        assert_eq!(verify("a shared secret!", &h, body), Ok("wh-1".to_owned()));
        assert_eq!(verify("another secret!!", &h, body), Err(WebhookError::Signature));
        assert_eq!(verify("a shared secret!", &h, br#"{"flowInfo":{"x":1}}"#), Err(WebhookError::Digest));
        let replayed_later =
            SignedHeaders { signature_input: h.signature_input.replace("1790000000", "1790000001"), ..h.clone() };
        assert_eq!(
            verify("a shared secret!", &replayed_later, body),
            Err(WebhookError::Signature),
            "params are signed"
        );
        let unsigned = SignedHeaders { signature: String::new(), ..h };
        assert!(matches!(verify("a shared secret!", &unsigned, body), Err(WebhookError::Malformed(_))));
    }
}
