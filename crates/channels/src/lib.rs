//! Sending reminders out: email over SMTP with the letter attached, SMS through a provider's HTTP API
//! (issue 6, "Channels, for real").
//!
//! The crate knows nothing of the ledger or of scenarios: it takes an already written message (the app
//! renders templates and letters) and a destination, sends it, and says what the other side answered —
//! or, in a [`ChannelError`], what failed and where. Calls are blocking, for the synchronous app layer.
//!
//! * [`email`]: SMTP with lettre over rustls (STARTTLS, implicit TLS, clear text to this machine only),
//!   the password kept in the OS keyring ([`store_smtp_password`], [`smtp_password`]).
//! * [`sms`]: one HTTPS `POST` described by [`SmsSettings`] (body template, key placement), French and
//!   E.164 numbers normalised by [`normalize_phone`].
//! * [`webhook`]: one JSON `POST` signed with HMAC-SHA256 over the timestamp and the body, retried
//!   with backoff on 5xx and network failures, the secret in the OS keyring ([`store_webhook_secret`]).
//!
//! No OpenSSL anywhere: both protocols use rustls with the aws-lc-rs provider and the OS trust store.
//! Both are tested for real against servers the tests start on 127.0.0.1 ([`testing`] behind the cargo
//! feature `test-servers`, also used by the app's dispatch tests).

#![deny(missing_docs)]

pub mod email;
mod error;
mod secrets;
pub mod sms;
#[cfg(feature = "test-servers")]
pub mod testing;
pub mod webhook;

pub use email::{
    forget_smtp_password, is_this_machine, send_email, smtp_password, smtp_password_entry, store_smtp_password,
    Attachment, Email, MailAddress, Security, Sent, SmtpSettings, KEYRING_SERVICE,
};
pub use error::ChannelError;
pub use sms::{
    normalize_phone, send_sms, sms_api_key, sms_api_key_entry, store_sms_api_key, ApiKeyPlacement, SmsBody, SmsSent,
    SmsSettings,
};
pub use webhook::{
    forget_webhook_secret, send_webhook, store_webhook_secret, verify_signature, webhook_secret, WebhookSent,
    WebhookSettings,
};
