//! Email over SMTP, with the reminder letter attached as a PDF.
//!
//! ## Choices
//!
//! * **lettre's synchronous SMTP client**, driven step by step ([`SmtpConnection`]) rather than through
//!   `SmtpTransport::send`: the transport reports a refused recipient and a refused password as the same
//!   kind of "permanent error", while the user needs to know *which* address the server refused, or that
//!   the password is wrong. Driving `MAIL FROM`, each `RCPT TO` and `DATA` ourselves gives every error
//!   its step. No connection pool: a dunning run sends a few hundred messages at most, one connection
//!   each is simple and never leaves a half-dead pooled connection behind.
//! * **rustls only** (no native-tls, hence no OpenSSL on Linux), with the OS trust store through
//!   rustls-platform-verifier, like the HTTP client. A company running its own mail server with its own
//!   certificate authority adds that root in [`SmtpSettings::extra_root_certificate_pem`]; certificate
//!   verification is never switched off.
//! * **Security is explicit**: STARTTLS is *required* when chosen (a server that does not offer it gets
//!   nothing, not even the password: lettre's "opportunistic" mode is not used because an attacker can
//!   strip the STARTTLS offer). Clear text is only allowed to this machine, see
//!   [`Security::PlainLocalOnly`].
//! * **The password is not part of the settings**: the app keeps it in the OS keyring
//!   ([`store_smtp_password`], [`smtp_password`]) and passes it to [`send_email`] for the send only.
//! * The `Date` header is written by lettre when the message is built: it is the moment of sending, a
//!   transport fact, not a business date. The `Message-ID` is ours (`<random@sender-domain>`) so that
//!   the app can record it in the dunning journal and match a bounce or a reply later.

use std::io;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::{Address, Message};
use serde::{Deserialize, Serialize};

use crate::error::{chain_text, ChannelError};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Security {
    /// Plain connection upgraded with `STARTTLS` before anything else is said (submission port 587).
    /// Required, not opportunistic: a server that does not offer STARTTLS is refused.
    StartTls,
    /// TLS from the first byte ("SMTPS", port 465).
    ImplicitTls,
    /// No encryption at all, allowed only when the host is this machine (`localhost`, `127.0.0.1`,
    /// `::1`).
    ///
    /// Why: without TLS the password (AUTH PLAIN and LOGIN are only base64) and the reminder itself
    /// (the client's name, amounts, the bank details to pay to: personal and business data that
    /// GDPR art. 32 asks to protect in transit) cross every network on the way in clear, readable and
    /// alterable by anyone on the path — a hotel Wi-Fi, a compromised router could change the IBAN in
    /// the letter. On the loopback interface the bytes never leave the computer, which is the case of
    /// a local relay or bridge (a local Postfix that relays with TLS itself, Proton Mail Bridge…) and
    /// of the tests. The check is on the configured name, before any DNS lookup or connection, so a
    /// remote host never receives even the greeting.
    PlainLocalOnly,
}

impl Security {
    /// The usual port for this security mode (587 submission, 465 SMTPS, 25 for a local relay).
    pub fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::ImplicitTls => 465,
            Security::PlainLocalOnly => 25,
        }
    }
}

/// An email address with an optional display name (`"Dupont SA" <compta@dupont.fr>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAddress {
    /// The address itself, `local@domain`.
    pub address: String,
    /// The display name, if any (accents allowed: it is encoded in the header).
    pub name: Option<String>,
}

impl MailAddress {
    /// An address without a display name.
    pub fn new(address: impl Into<String>) -> MailAddress {
        MailAddress { address: address.into(), name: None }
    }

    /// An address with a display name.
    pub fn named(address: impl Into<String>, name: impl Into<String>) -> MailAddress {
        MailAddress { address: address.into(), name: Some(name.into()) }
    }

    fn parse_address(&self) -> Result<Address, ChannelError> {
        let trimmed = self.address.trim();
        trimmed
            .parse::<Address>()
            .map_err(|e| ChannelError::InvalidAddress { address: self.address.clone(), reason: e.to_string() })
    }

    fn mailbox(&self) -> Result<Mailbox, ChannelError> {
        let name = self.name.as_ref().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        Ok(Mailbox::new(name, self.parse_address()?))
    }
}

/// Where and how to send email. Stored by the app with the dossier's settings; the password is not here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSettings {
    /// Server name or address (`smtp.example.fr`, `127.0.0.1`).
    pub host: String,
    /// Server port (see [`Security::default_port`]).
    pub port: u16,
    /// Connection protection.
    pub security: Security,
    /// User name for `AUTH`, usually the mailbox address; `None` for a relay that does not authenticate.
    pub username: Option<String>,
    /// The sender shown to the client (`From`), e.g. the credit controller's mailbox and the company name.
    pub from: MailAddress,
    /// Where the client's answers should go, if not to `from` (`Reply-To`).
    pub reply_to: Option<MailAddress>,
    /// How long to wait for the connection and for each server reply.
    pub timeout: Duration,
    /// Extra trusted root certificate(s), PEM, for a mail server whose certificate is issued by the
    /// company's own authority. Added to the OS trust store, never a replacement for verification.
    pub extra_root_certificate_pem: Option<String>,
}

/// A file attached to the email (the PDF letter, a statement of account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name shown to the recipient (`Relance F-2026-001.pdf`).
    pub file_name: String,
    /// MIME type (`application/pdf`).
    pub mime_type: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// One email to send.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Email {
    /// Main recipients (at least one).
    pub to: Vec<MailAddress>,
    /// Copy recipients.
    pub cc: Vec<MailAddress>,
    /// Hidden copy recipients (e.g. the company's own archive mailbox): in the envelope, not in the headers.
    pub bcc: Vec<MailAddress>,
    /// Subject line (UTF-8; encoded as RFC 2047 words when it has accents).
    pub subject: String,
    /// Plain text body (always sent: some clients show only this).
    pub text: String,
    /// Optional HTML version of the same body (sent as `multipart/alternative`).
    pub html: Option<String>,
    /// Attached files.
    pub attachments: Vec<Attachment>,
}

/// What the server said when it accepted the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// The `Message-ID` header of the message, with its angle brackets (kept in the dunning journal).
    pub message_id: String,
    /// The server's final reply to `DATA` (code and text; usually names its queue id).
    pub server_reply: String,
    /// Every envelope recipient the server accepted (to, cc and bcc).
    pub recipients: Vec<String>,
}

/// The keyring service under which the app keeps its secrets: the application identifier, the same as
/// the dossier keys' (`encours-store`), so that a user finds every Encours secret under one name.
pub const KEYRING_SERVICE: &str = "fr.encours.desktop";

/// The keyring entry `(service, account)` that holds the SMTP password of these settings.
///
/// The account names the user, host and port (`smtp:compta@dupont.fr@smtp.dupont.fr:587`): a password
/// belongs to one account on one server, so changing the server asks for a password again instead of
/// sending the old one to a new host.
pub fn smtp_password_entry(settings: &SmtpSettings) -> (String, String) {
    let user = settings.username.as_deref().unwrap_or("").trim();
    let account = format!("smtp:{user}@{}:{}", clean_host(&settings.host).to_ascii_lowercase(), settings.port);
    (KEYRING_SERVICE.to_owned(), account)
}

/// Stores the SMTP password of these settings in the OS keyring (replacing a previous one).
pub fn store_smtp_password(settings: &SmtpSettings, password: &str) -> Result<(), ChannelError> {
    let (service, account) = smtp_password_entry(settings);
    crate::secrets::store(&service, &account, password)
}

/// Reads the SMTP password of these settings from the OS keyring; `Ok(None)` when none was stored.
pub fn smtp_password(settings: &SmtpSettings) -> Result<Option<String>, ChannelError> {
    let (service, account) = smtp_password_entry(settings);
    crate::secrets::read(&service, &account)
}

/// Removes the SMTP password of these settings from the OS keyring (no error when there was none).
pub fn forget_smtp_password(settings: &SmtpSettings) -> Result<(), ChannelError> {
    let (service, account) = smtp_password_entry(settings);
    crate::secrets::forget(&service, &account)
}

/// Whether `host` names this machine, for [`Security::PlainLocalOnly`].
///
/// Only the literal names are accepted (`localhost`, `127.0.0.1`, `::1`, in any case, with or without
/// brackets), not other names that might resolve to a loopback address today and elsewhere tomorrow.
pub fn is_this_machine(host: &str) -> bool {
    let h = clean_host(host);
    h.eq_ignore_ascii_case("localhost") || h == "127.0.0.1" || h == "::1"
}

/// The host as lettre and rustls want it: trimmed, IPv6 brackets removed.
fn clean_host(host: &str) -> &str {
    let h = host.trim();
    h.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(h)
}

/// Sends one email and returns what the server answered.
///
/// `password` is required when `settings.username` is set (read it with [`smtp_password`]). The call
/// blocks until the server has accepted or refused the message, each wait bounded by
/// `settings.timeout`. All recipients are checked by the server before the message is transmitted: if
/// one is refused, nothing is sent to anybody and the error names that recipient.
pub fn send_email(settings: &SmtpSettings, password: Option<&str>, email: &Email) -> Result<Sent, ChannelError> {
    let host = clean_host(&settings.host).to_owned();
    let port = settings.port;
    if host.is_empty() {
        return Err(ChannelError::InvalidSettings("the SMTP host is empty".into()));
    }
    if port == 0 {
        return Err(ChannelError::InvalidSettings("the SMTP port is 0".into()));
    }
    if settings.timeout.is_zero() {
        return Err(ChannelError::InvalidSettings("the SMTP timeout is zero".into()));
    }
    if settings.security == Security::PlainLocalOnly && !is_this_machine(&host) {
        return Err(ChannelError::PlainTextToRemoteHost { host });
    }
    let username = settings.username.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let credentials = match (username, password) {
        (Some(user), Some(pass)) => Some(Credentials::new(user.to_owned(), pass.to_owned())),
        (Some(user), None) => {
            return Err(ChannelError::InvalidSettings(format!(
                "a user name ({user}) is set but no password was given (is it in the keyring?)"
            )))
        }
        (None, _) => None,
    };

    let (message, message_id) = build_message(settings, email)?;
    let envelope = message.envelope();
    let from = envelope.from().cloned();
    let recipients: Vec<Address> = envelope.to().to_vec();
    let bytes = message.formatted();

    let tls = match settings.security {
        Security::StartTls | Security::ImplicitTls => Some(tls_parameters(&host, settings)?),
        Security::PlainLocalOnly => None,
    };
    let site = Site { host: host.clone(), port, timeout: settings.timeout };
    // An address literal as EHLO name: the machine's host name says nothing useful to the server and
    // may leak an internal name (RFC 5321 §4.1.4 allows the literal).
    let hello = ClientId::default();
    let wrapper = if settings.security == Security::ImplicitTls { tls.as_ref() } else { None };
    let mut conn = SmtpConnection::connect((host.as_str(), port), Some(settings.timeout), &hello, wrapper, None)
        .map_err(|e| site.classify(e, Step::Connect))?;

    // From here on, every failure closes the connection politely (QUIT) before returning.
    let result = (|| {
        if settings.security == Security::StartTls {
            let Some(tls) = tls.as_ref() else {
                return Err(ChannelError::InvalidSettings("no TLS parameters".into()));
            };
            if !conn.can_starttls() {
                return Err(ChannelError::StartTlsUnavailable { host: host.clone(), port });
            }
            conn.starttls(tls, &hello).map_err(|e| site.classify(e, Step::StartTls))?;
        }
        if let Some(credentials) = &credentials {
            let user = username.unwrap_or_default().to_owned();
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .map_err(|e| site.classify(e, Step::Auth(user)))?;
        }

        // RFC 6152 / RFC 6531: declare 8-bit content or UTF-8 addresses only when there are some, and
        // refuse rather than send what the server said it cannot carry.
        let mut mail_parameters = Vec::new();
        let non_ascii_address = from.iter().chain(recipients.iter()).any(|a| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii_address {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(ChannelError::InvalidMessage(
                    "an address has non-ASCII characters and the server does not support SMTPUTF8".into(),
                ));
            }
            mail_parameters.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() {
            if !conn.server_info().supports_feature(Extension::EightBitMime) {
                return Err(ChannelError::InvalidMessage(
                    "the message has 8-bit content and the server does not support 8BITMIME".into(),
                ));
            }
            mail_parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }

        let sender = from.as_ref().map(ToString::to_string).unwrap_or_default();
        conn.command(Mail::new(from.clone(), mail_parameters)).map_err(|e| site.classify(e, Step::MailFrom(sender)))?;
        for recipient in &recipients {
            conn.command(Rcpt::new(recipient.clone(), vec![]))
                .map_err(|e| site.classify(e, Step::Rcpt(recipient.to_string())))?;
        }
        conn.command(Data).map_err(|e| site.classify(e, Step::Data))?;
        let reply = conn.message(&bytes).map_err(|e| site.classify(e, Step::Message))?;
        Ok(reply)
    })();

    match result {
        Ok(reply) => {
            // The message is accepted once DATA is answered with 2xx; a failed QUIT changes nothing.
            let _ = conn.quit();
            Ok(Sent {
                message_id,
                server_reply: format!("{} {}", reply.code(), reply.message().collect::<Vec<_>>().join(" ")),
                recipients: recipients.iter().map(ToString::to_string).collect(),
            })
        }
        Err(e) => {
            conn.abort();
            Err(e)
        }
    }
}

/// Builds the MIME message: `multipart/mixed` (body, then attachments) when there are attachments,
/// `multipart/alternative` (text, HTML) when there is HTML, else a single text part.
fn build_message(settings: &SmtpSettings, email: &Email) -> Result<(Message, String), ChannelError> {
    if email.to.is_empty() {
        return Err(ChannelError::InvalidMessage("no recipient (to)".into()));
    }
    let from = settings.from.mailbox()?;
    let message_id = new_message_id(from.email.domain())?;
    let mut builder =
        Message::builder().from(from).subject(email.subject.as_str()).message_id(Some(message_id.clone()));
    if let Some(reply_to) = &settings.reply_to {
        builder = builder.reply_to(reply_to.mailbox()?);
    }
    for to in &email.to {
        builder = builder.to(to.mailbox()?);
    }
    for cc in &email.cc {
        builder = builder.cc(cc.mailbox()?);
    }
    for bcc in &email.bcc {
        builder = builder.bcc(bcc.mailbox()?);
    }

    let mut attachments = Vec::with_capacity(email.attachments.len());
    for a in &email.attachments {
        let content_type = ContentType::parse(&a.mime_type).map_err(|_| {
            ChannelError::InvalidMessage(format!("attachment {}: invalid MIME type \"{}\"", a.file_name, a.mime_type))
        })?;
        attachments.push(lettre::message::Attachment::new(a.file_name.clone()).body(a.bytes.clone(), content_type));
    }

    let message = match (&email.html, attachments.is_empty()) {
        (None, true) => builder.singlepart(SinglePart::plain(email.text.clone())),
        (Some(html), true) => builder.multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone())),
        (html, false) => {
            let mut mixed = match html {
                Some(html) => {
                    MultiPart::mixed().multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone()))
                }
                None => MultiPart::mixed().singlepart(SinglePart::plain(email.text.clone())),
            };
            for part in attachments {
                mixed = mixed.singlepart(part);
            }
            builder.multipart(mixed)
        }
    };
    let message = message.map_err(|e| ChannelError::InvalidMessage(e.to_string()))?;
    Ok((message, message_id))
}

/// `<32 random hex digits@sender-domain>`: unique without a clock, and in the sender's own domain, which
/// spam filters expect (a `@localhost` id is a classic spam sign).
fn new_message_id(domain: &str) -> Result<String, ChannelError> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random)
        .map_err(|e| ChannelError::InvalidMessage(format!("no OS randomness for the Message-ID: {e}")))?;
    Ok(format!("<{}@{}>", hex::encode(random), domain))
}

/// rustls parameters: the OS trust store (platform verifier) plus the configured extra roots.
fn tls_parameters(host: &str, settings: &SmtpSettings) -> Result<TlsParameters, ChannelError> {
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(pem) = settings.extra_root_certificate_pem.as_deref().filter(|p| !p.trim().is_empty()) {
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(ChannelError::InvalidSettings(
                "the extra root certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        let cert = Certificate::from_pem(pem.as_bytes())
            .map_err(|e| ChannelError::InvalidSettings(format!("the extra root certificate cannot be read: {e}")))?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build_rustls().map_err(|e| ChannelError::Tls {
        host: host.to_owned(),
        port: settings.port,
        detail: format!("cannot prepare TLS: {}", chain_text(&e)),
    })
}

/// The SMTP step in progress, to give each error its meaning.
enum Step {
    Connect,
    StartTls,
    Auth(String),
    MailFrom(String),
    Rcpt(String),
    Data,
    Message,
}

impl Step {
    fn describe(&self) -> &'static str {
        match self {
            Step::Connect => "connecting",
            Step::StartTls => "STARTTLS",
            Step::Auth(_) => "authenticating",
            Step::MailFrom(_) => "MAIL FROM",
            Step::Rcpt(_) => "RCPT TO",
            Step::Data => "DATA",
            Step::Message => "waiting for the server to accept the message, which may have been delivered",
        }
    }
}

/// The server being talked to, for error messages.
struct Site {
    host: String,
    port: u16,
    timeout: Duration,
}

impl Site {
    /// Turns lettre's error into ours: TLS first (a handshake failure surfaces as an I/O error), then the
    /// I/O kind (refused, timed out), then the server's reply read in the light of the step.
    fn classify(&self, err: lettre::transport::smtp::Error, step: Step) -> ChannelError {
        let (host, port) = (self.host.clone(), self.port);
        if let Some(tls) = find_rustls_error(&err) {
            return ChannelError::Tls { host, port, detail: describe_tls(tls) };
        }
        if err.is_tls() {
            return ChannelError::Tls { host, port, detail: chain_text(&err) };
        }
        if let Some(io_err) = find_io_error(&err) {
            match io_err.kind() {
                io::ErrorKind::ConnectionRefused => return ChannelError::ConnectionRefused { host, port },
                // A read timeout is `WouldBlock` on Unix (EAGAIN) and `TimedOut` on Windows.
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                    return ChannelError::Timeout {
                        host,
                        port,
                        timeout: self.timeout,
                        during: step.describe().to_owned(),
                    }
                }
                _ if matches!(step, Step::Connect) => {
                    return ChannelError::Unreachable { host, port, detail: io_err.to_string() }
                }
                _ => {}
            }
        }
        if let Some(code) = err.status() {
            let text = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
            let server = format!("{code} {text}").trim().to_owned();
            return match step {
                Step::Auth(username) => ChannelError::AuthenticationRefused { host, port, username, server },
                Step::MailFrom(sender) => ChannelError::SenderRefused { sender, server },
                Step::Rcpt(recipient) => ChannelError::RecipientRefused { recipient, server },
                Step::Data | Step::Message => ChannelError::MessageRefused { server },
                Step::Connect | Step::StartTls => {
                    ChannelError::Smtp { host, port, during: step.describe().to_owned(), detail: server }
                }
            };
        }
        if let Step::Auth(username) = step {
            // lettre's "no compatible mechanism" and challenge errors: no password was accepted.
            let server = if err.is_client() {
                format!("the server offers no authentication mechanism we support (PLAIN, LOGIN): {}", chain_text(&err))
            } else {
                chain_text(&err)
            };
            return ChannelError::AuthenticationRefused { host, port, username, server };
        }
        ChannelError::Smtp { host, port, during: step.describe().to_owned(), detail: chain_text(&err) }
    }
}

fn find_io_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            return Some(io_err);
        }
        current = e.source();
    }
    None
}

/// rustls reports handshake failures through `io::Error::new(InvalidData, rustls::Error)`.
fn find_rustls_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(|io_err| io_err.get_ref()) {
            if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
                return Some(tls);
            }
        }
        current = e.source();
    }
    None
}

fn describe_tls(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(reason) => {
            let why = match reason {
                rustls::CertificateError::UnknownIssuer => {
                    "issued by an authority this computer does not trust (add the company's root certificate \
                     to the settings if the server uses its own)"
                        .to_owned()
                }
                rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. } => {
                    "expired".to_owned()
                }
                rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. } => {
                    "issued for another host name".to_owned()
                }
                rustls::CertificateError::Revoked => "revoked".to_owned(),
                other => format!("{other:?}"),
            };
            format!("the server's certificate is not accepted: {why}; nothing was sent")
        }
        rustls::Error::InvalidMessage(_) => format!(
            "the server does not speak TLS on this port ({err}); STARTTLS and implicit TLS may be swapped \
             (587 is usually STARTTLS, 465 implicit TLS)"
        ),
        other => other.to_string(),
    }
}
