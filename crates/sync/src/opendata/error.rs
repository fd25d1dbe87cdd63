//! The one error of the open-data clients (SIRENE through recherche-entreprises, BODACC).

/// What a fetch can fail with. Every message names the URL and the problem.
#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    /// The configuration cannot work (empty base URL, zero rate, not a SIREN).
    #[error("open data configuration: {0}")]
    Config(String),
    /// The service could not be reached (refused, DNS, TLS, reset).
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
    /// A 4xx answer that retrying will not change.
    #[error("{url} answered HTTP {status}: {message}")]
    Http {
        /// What was called.
        url: String,
        /// HTTP status.
        status: u16,
        /// The start of the body.
        message: String,
    },
    /// 5xx, 429 or timeouts on every attempt (or a `Retry-After` longer than we accept to wait).
    #[error("{url} still failing after {attempts} attempts, last: {last}")]
    RetriesExhausted {
        /// What was called.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The answer is not the JSON the service documents.
    #[error("{url} answered something that is not the expected JSON: {message}")]
    Decode {
        /// What was called (or the file replayed).
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The local replay server could not start (port taken, unreadable corpus, bad fault spec).
    #[error("open data replay server: {0}")]
    Server(String),
}

impl OpenDataError {
    /// True when the service was not reachable or kept failing (the caller may fall back to its
    /// cache): transport errors, timeouts and exhausted retries. A 4xx or a body that is not the
    /// documented JSON is an answer, not an outage.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            OpenDataError::Transport { .. } | OpenDataError::Timeout { .. } | OpenDataError::RetriesExhausted { .. }
        )
    }
}
