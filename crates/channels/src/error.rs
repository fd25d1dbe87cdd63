//! The one error type of the crate.
//!
//! Every variant says *what* failed and *where* (host and port, recipient, provider status), in words a
//! user can act on: the app shows these messages as they are in the dunning journal and in the send
//! dialog. A network failure is always an `Err`, never a panic.

use std::time::Duration;

/// Why a reminder could not be sent (or its settings could not be used).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The settings cannot work as given (empty host, port 0, malformed template…).
    #[error("invalid channel settings: {0}")]
    InvalidSettings(String),

    /// `Security::PlainLocalOnly` was asked for a host that is not this machine.
    #[error(
        "refusing to send in clear text to {host}: an unencrypted SMTP connection is only allowed to this machine \
         (localhost, 127.0.0.1 or ::1); choose STARTTLS or TLS for a remote server"
    )]
    PlainTextToRemoteHost {
        /// The host that was refused.
        host: String,
    },

    /// An email address (sender, reply-to or recipient) is not a valid address.
    #[error("invalid email address \"{address}\": {reason}")]
    InvalidAddress {
        /// The address as given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The message itself cannot be built (no recipient, bad attachment MIME type…).
    #[error("the email cannot be built: {0}")]
    InvalidMessage(String),

    /// Nobody listens on the port (the server is down, or the port is wrong).
    #[error("connection refused by {host}:{port}: no mail server is listening there (check the host and the port)")]
    ConnectionRefused {
        /// Host name or address as configured.
        host: String,
        /// Port as configured.
        port: u16,
    },

    /// The host could not be reached (unknown name, no route, connection reset…).
    #[error("cannot reach {host}:{port}: {detail}")]
    Unreachable {
        /// Host name or address as configured.
        host: String,
        /// Port as configured.
        port: u16,
        /// What the system said.
        detail: String,
    },

    /// The server did not answer in time.
    #[error("{host}:{port} did not answer within {} s ({during})", timeout.as_secs())]
    Timeout {
        /// Host name or address (or the provider URL's host).
        host: String,
        /// Port.
        port: u16,
        /// The configured timeout.
        timeout: Duration,
        /// The step that was waiting (connecting, STARTTLS, sending the message…).
        during: String,
    },

    /// The TLS handshake failed: untrusted or expired certificate, wrong host name, no common protocol,
    /// or a TLS client talking to a plain port (STARTTLS and implicit TLS swapped).
    #[error("TLS failure with {host}:{port}: {detail}")]
    Tls {
        /// Host name or address as configured.
        host: String,
        /// Port as configured.
        port: u16,
        /// What rustls reported.
        detail: String,
    },

    /// The server does not offer STARTTLS although the settings require it (nothing was sent in clear).
    #[error("{host}:{port} does not offer STARTTLS; nothing was sent (use implicit TLS, usually port 465, if the server supports it)")]
    StartTlsUnavailable {
        /// Host name or address as configured.
        host: String,
        /// Port as configured.
        port: u16,
    },

    /// The server refused the user name and password (or offers no mechanism we speak).
    #[error("authentication refused by {host}:{port} for user \"{username}\": {server}")]
    AuthenticationRefused {
        /// Host name or address as configured.
        host: String,
        /// Port as configured.
        port: u16,
        /// The user name that was tried.
        username: String,
        /// The server's reply (code and text) or why no attempt was possible.
        server: String,
    },

    /// The server refused the sender address (`MAIL FROM`).
    #[error("the server refused the sender {sender}: {server}")]
    SenderRefused {
        /// The sender address.
        sender: String,
        /// The server's reply, code and text.
        server: String,
    },

    /// The server refused one recipient (`RCPT TO`); nothing was sent to anybody.
    #[error("the server refused the recipient {recipient}: {server} (nothing was sent)")]
    RecipientRefused {
        /// The refused address.
        recipient: String,
        /// The server's reply, code and text.
        server: String,
    },

    /// The server refused the message content (`DATA`): size, spam or policy.
    #[error("the server refused the message: {server}")]
    MessageRefused {
        /// The server's reply, code and text.
        server: String,
    },

    /// Any other SMTP protocol failure (unexpected reply, connection dropped mid-way).
    #[error("SMTP error with {host}:{port} ({during}): {detail}")]
    Smtp {
        /// Host name or address as configured.
        host: String,
        /// Port as configured.
        port: u16,
        /// The step that failed.
        during: String,
        /// What lettre reported.
        detail: String,
    },

    /// The phone number is not a valid French or E.164 number, or cannot receive an SMS.
    #[error("invalid phone number \"{number}\": {reason}")]
    InvalidPhoneNumber {
        /// The number as given.
        number: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The SMS provider could not be reached or the HTTP exchange failed.
    #[error("SMS provider {endpoint} unreachable: {detail}")]
    ProviderUnreachable {
        /// The configured endpoint.
        endpoint: String,
        /// What failed.
        detail: String,
    },

    /// The SMS provider answered with a non-2xx status.
    #[error("the SMS provider answered {status}: {body_excerpt}")]
    ProviderRejected {
        /// HTTP status code.
        status: u16,
        /// The beginning of the response body (the provider's explanation).
        body_excerpt: String,
    },

    /// The webhook receiver could not be reached (refused, reset, no route) after every attempt.
    #[error("webhook {url} unreachable after {attempts} attempt(s): {detail}")]
    WebhookUnreachable {
        /// The configured URL, without its query.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// What failed on the last attempt.
        detail: String,
    },

    /// The webhook receiver answered a non-2xx status (a 4xx other than 429 is not retried).
    #[error("webhook {url} answered {status} after {attempts} attempt(s): {body_excerpt}")]
    WebhookRejected {
        /// The configured URL, without its query.
        url: String,
        /// HTTP status code of the last answer.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// The beginning of the last answer's body.
        body_excerpt: String,
    },

    /// The OS keyring could not store or read the secret.
    #[error("keyring: {0}")]
    Keyring(String),
}

/// An error and its sources on one line (libraries often repeat the source in the message: said once).
pub(crate) fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}
