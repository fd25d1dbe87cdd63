//! The one error of the sync crate.

/// Everything a sync, an upload or the local platform can fail with. Messages name the URL and what
/// the other side said.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The configuration cannot work (bad URL, limit out of range).
    #[error("sync configuration: {0}")]
    Config(String),
    /// The platform could not be reached (refused, DNS, TLS, reset).
    #[error("cannot reach {url}: {message}")]
    Transport {
        /// What was called.
        url: String,
        /// The transport error.
        message: String,
    },
    /// No answer within the timeout.
    #[error("{url} did not answer within {timeout_ms} ms")]
    Timeout {
        /// What was called.
        url: String,
        /// The timeout.
        timeout_ms: u128,
    },
    /// The token endpoint refused the credentials, or a fresh token was refused.
    #[error("{url} refused the credentials (HTTP {status}): {message}")]
    Auth {
        /// What was called.
        url: String,
        /// HTTP status.
        status: u16,
        /// What it said.
        message: String,
    },
    /// A 4xx answer that retrying will not change.
    #[error("{url} answered HTTP {status} {code}: {message}")]
    Http {
        /// What was called.
        url: String,
        /// HTTP status.
        status: u16,
        /// The platform's error code (B.4), or empty.
        code: String,
        /// Its message or body.
        message: String,
    },
    /// 5xx, 429 or timeouts on every attempt.
    #[error("{url} still failing after {attempts} attempts, last: {last}")]
    RetriesExhausted {
        /// What was called.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The answer is not the JSON the standard describes.
    #[error("{url} answered something that is not the expected JSON: {message}")]
    Decode {
        /// What was called.
        url: String,
        /// The parser's message.
        message: String,
    },
    /// The sink (the dossier) could not take a flow; the cursor did not move past it.
    #[error("flow {flow_id} could not be stored: {message}")]
    Sink {
        /// The flow.
        flow_id: String,
        /// The sink's error.
        message: String,
    },
    /// The local platform could not start (port taken, bad fault spec, unreadable folder).
    #[error("local platform: {0}")]
    Server(String),
}
