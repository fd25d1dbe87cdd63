//! SMS through a provider's HTTP API, described by settings rather than by code per provider.
//!
//! Most SMS gateways take one HTTPS `POST` with the API key in a header (or as the password of HTTP
//! Basic authentication) and the recipient, sender and text in a JSON or form-encoded body. The shape is
//! therefore a template: [`SmsSettings::body`] holds the body with the placeholders `{to}` (the number in
//! E.164, `+33612345678`), `{from}` ([`SmsSettings::sender`]), `{text}` and, for providers that want the
//! key in the body, `{key}`. Placeholders are replaced inside JSON *string values* after the template
//! is parsed, so a quote or a line break in the text can never break the JSON; a form body is encoded
//! field by field. The replacement is one pass: a `{to}` typed in the reminder text stays as typed.
//!
//! Example, a generic JSON API:
//!
//! ```
//! use encours_channels::{ApiKeyPlacement, SmsBody, SmsSettings};
//! use std::time::Duration;
//!
//! let settings = SmsSettings {
//!     endpoint: "https://api.sms-provider.example/v1/messages".into(),
//!     sender: "DUPONTSA".into(),
//!     body: SmsBody::Json(serde_json::json!({
//!         "recipients": ["{to}"],
//!         "sender": "{from}",
//!         "message": "{text}",
//!         "type": "transactional"
//!     })),
//!     key: ApiKeyPlacement::Header { name: "Authorization".into(), prefix: "Bearer ".into() },
//!     timeout: Duration::from_secs(20),
//! };
//! # let _ = settings;
//! ```
//!
//! sends `Authorization: Bearer <key>` and `{"recipients":["+33612345678"],"sender":"DUPONTSA",
//! "message":"Bonjour…","type":"transactional"}`. A Twilio-like API is `SmsBody::Form` with the fields
//! `To={to}`, `From={from}`, `Body={text}` and `ApiKeyPlacement::BasicAuth` with the account id.
//!
//! ## Blocking, on a thread of its own
//!
//! The app is synchronous, so [`send_sms`] blocks. It uses reqwest's blocking client, which runs its
//! own small tokio runtime on a background thread: no runtime to create or own here. That client
//! panics when created or dropped inside an async runtime (a Tauri `async` command runs in one), so the
//! exchange runs on a scoped thread of its own: `send_sms` works from any context and never panics.
//!
//! HTTPS is required, except to this machine (the tests' local server, a local gateway): the API key
//! would otherwise travel in clear. Redirects are not followed: an API endpoint that redirects is a
//! misconfiguration, and following it would send the key header to another host.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use serde::{Deserialize, Serialize};

use crate::email::{is_this_machine, KEYRING_SERVICE};
use crate::error::{chain_text, ChannelError};

/// How the provider wants its request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SmsBody {
    /// A JSON document; placeholders are replaced in its string values (`"to": "{to}"`).
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` fields, in order; placeholders are replaced in the values.
    Form(Vec<(String, String)>),
}

/// Where the API key goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiKeyPlacement {
    /// In a header: `name: prefix + key` (`Authorization: Bearer …`, `X-Api-Key: …`).
    Header {
        /// Header name.
        name: String,
        /// Text before the key (`"Bearer "`, or empty).
        prefix: String,
    },
    /// As the password of HTTP Basic authentication, with this user name (an account id).
    BasicAuth {
        /// The user name (account id).
        username: String,
    },
    /// In the body, where the template says `{key}`.
    InBody,
}

/// A provider's HTTP API. Stored with the dossier's settings; the API key is not here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsSettings {
    /// The URL the message is `POST`ed to (HTTPS, except to this machine).
    pub endpoint: String,
    /// The sender shown on the phone (`{from}`): an alphanumeric name (11 characters at most, as
    /// operators require) or a number, as the provider allows.
    pub sender: String,
    /// The request body template.
    pub body: SmsBody,
    /// Where the API key goes.
    pub key: ApiKeyPlacement,
    /// How long to wait for the provider's answer, connection included.
    pub timeout: Duration,
}

/// What the provider answered when it accepted the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsSent {
    /// The number the message was sent to, in E.164.
    pub to: String,
    /// HTTP status (2xx).
    pub status: u16,
    /// The provider's response body (its message id is in there; the first 4,000 characters).
    pub response: String,
}

/// The longest provider response kept in [`SmsSent::response`].
const RESPONSE_KEPT: usize = 4000;
/// The longest provider response quoted in [`ChannelError::ProviderRejected`].
const EXCERPT: usize = 500;

/// The keyring entry `(service, account)` that holds the API key of this provider endpoint.
pub fn sms_api_key_entry(settings: &SmsSettings) -> (String, String) {
    (KEYRING_SERVICE.to_owned(), format!("sms:{}", settings.endpoint.trim()))
}

/// Stores the provider's API key in the OS keyring (replacing a previous one).
pub fn store_sms_api_key(settings: &SmsSettings, key: &str) -> Result<(), ChannelError> {
    let (service, account) = sms_api_key_entry(settings);
    crate::secrets::store(&service, &account, key)
}

/// Reads the provider's API key from the OS keyring; `Ok(None)` when none was stored.
pub fn sms_api_key(settings: &SmsSettings) -> Result<Option<String>, ChannelError> {
    let (service, account) = sms_api_key_entry(settings);
    crate::secrets::read(&service, &account)
}

/// Normalises a phone number to E.164 (`+33612345678`) and checks that it can receive an SMS.
///
/// Accepted: French national numbers (`06 12 34 56 78`, `07.98.76.54.32`), international ones with `+`
/// or `00` (`+33 6 12 34 56 78`, `+33 (0)6 12…`, `0044 7700 900123`), with spaces, dots, dashes,
/// slashes or parentheses between digits. French mobile numbers of the overseas departments keep
/// their own country code (ARCEP numbering plan): 0690/0691 → +590 (Guadeloupe, Saint-Martin,
/// Saint-Barthélemy), 0694 → +594 (Guyane), 0696/0697 → +596 (Martinique), 0692/0693 and 0639 → +262
/// (La Réunion, Mayotte). A French number that is not a mobile one (01–05 fixed lines, 08 special
/// rates, 09 internet boxes) is refused: the SMS would be paid for and never read. Numbers of other
/// countries are only checked for E.164 length (8 to 15 digits).
pub fn normalize_phone(input: &str) -> Result<String, ChannelError> {
    let invalid =
        |reason: &str| ChannelError::InvalidPhoneNumber { number: input.to_owned(), reason: reason.to_owned() };
    // "+33 (0)6…": the national trunk 0 written in parentheses after the country code.
    let without_trunk = input.trim().replace("(0)", "");
    let mut plus = false;
    let mut digits = String::new();
    for (i, c) in without_trunk.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '\u{a0}' | '\u{202f}' | '.' | '-' | '/' | '(' | ')' => {}
            other => return Err(invalid(&format!("unexpected character '{other}'"))),
        }
    }
    if digits.is_empty() {
        return Err(invalid("no digits"));
    }
    let international = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(national) = digits.strip_prefix('0') {
        if national.len() != 9 {
            return Err(invalid("a French number has 10 digits"));
        }
        return french_mobile(national).ok_or_else(|| invalid(NOT_MOBILE));
    } else {
        return Err(invalid("start with 0 (French number), + or 00 (international)"));
    };
    if let Some(national) = international.strip_prefix("33") {
        // "+33 06…" is a frequent slip: the trunk 0 has no place after the country code.
        let national = if national.len() == 10 { national.strip_prefix('0').unwrap_or(national) } else { national };
        if national.len() != 9 {
            return Err(invalid("a French number has 9 digits after +33"));
        }
        return french_mobile(national).ok_or_else(|| invalid(NOT_MOBILE));
    }
    if international.starts_with('0') {
        return Err(invalid("a country code never starts with 0"));
    }
    if !(8..=15).contains(&international.len()) {
        return Err(invalid("an international number has 8 to 15 digits (E.164)"));
    }
    Ok(format!("+{international}"))
}

const NOT_MOBILE: &str =
    "not a French mobile number (06 or 07): fixed, special-rate and box numbers cannot receive an SMS";

/// The E.164 form of a 9-digit French national number (without the trunk 0), if it is a mobile one.
fn french_mobile(national: &str) -> Option<String> {
    if national.len() != 9 || !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let overseas = [("690", "590"), ("691", "590"), ("694", "594"), ("696", "596"), ("697", "596")];
    let overseas_262 = ["692", "693", "639"];
    if let Some((_, cc)) = overseas.iter().find(|(prefix, _)| national.starts_with(prefix)) {
        return Some(format!("+{cc}{national}"));
    }
    if overseas_262.iter().any(|p| national.starts_with(p)) {
        return Some(format!("+262{national}"));
    }
    match national.as_bytes().first() {
        Some(b'6') | Some(b'7') => Some(format!("+33{national}")),
        _ => None,
    }
}

/// Sends one SMS through the provider and returns its answer.
///
/// `to` is normalised with [`normalize_phone`]; `api_key` is the provider's key (read it with
/// [`sms_api_key`]). A non-2xx answer is an error carrying the status and the beginning of the body.
pub fn send_sms(settings: &SmsSettings, api_key: &str, to: &str, text: &str) -> Result<SmsSent, ChannelError> {
    let to = normalize_phone(to)?;
    if text.trim().is_empty() {
        return Err(ChannelError::InvalidMessage("the SMS text is empty".into()));
    }
    let url = reqwest::Url::parse(settings.endpoint.trim())
        .map_err(|e| ChannelError::InvalidSettings(format!("the SMS endpoint \"{}\": {e}", settings.endpoint)))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    match url.scheme() {
        "https" => {}
        "http" if is_this_machine(&host) => {}
        _ => {
            return Err(ChannelError::InvalidSettings(format!(
                "the SMS endpoint must use https (the API key would travel in clear): {}",
                settings.endpoint
            )))
        }
    }
    if settings.timeout.is_zero() {
        return Err(ChannelError::InvalidSettings("the SMS timeout is zero".into()));
    }
    if api_key.is_empty() {
        return Err(ChannelError::InvalidSettings("the SMS provider's API key is empty".into()));
    }
    let values = Values { to: &to, from: &settings.sender, text, key: api_key };
    let body = render_body(&settings.body, &settings.key, &values)?;
    let key_header = match &settings.key {
        ApiKeyPlacement::Header { name, prefix } => {
            let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                ChannelError::InvalidSettings(format!("invalid header name for the API key: \"{name}\""))
            })?;
            let mut value = HeaderValue::from_str(&format!("{prefix}{api_key}")).map_err(|_| {
                ChannelError::InvalidSettings("the API key has characters not allowed in a header".into())
            })?;
            // Keeps the key out of reqwest's debug output.
            value.set_sensitive(true);
            Some((name, value))
        }
        _ => None,
    };

    let request =
        Request { url, body, key_header, basic: basic_user(&settings.key), api_key, timeout: settings.timeout };
    let port = request.url.port_or_known_default().unwrap_or(0);
    let endpoint = settings.endpoint.trim().to_owned();
    // See the module doc: the blocking client must not live inside an async runtime.
    let outcome = std::thread::scope(|scope| scope.spawn(|| request.send()).join());
    let (status, response) = match outcome {
        Ok(result) => result.map_err(|e| {
            if e.is_timeout() {
                ChannelError::Timeout {
                    host: host.clone(),
                    port,
                    timeout: settings.timeout,
                    during: "waiting for the SMS provider, which may have sent the message".into(),
                }
            } else if e.is_connect() && refused(&e) {
                ChannelError::ProviderUnreachable {
                    endpoint: endpoint.clone(),
                    detail: format!("connection refused by {host}:{port}"),
                }
            } else {
                ChannelError::ProviderUnreachable { endpoint: endpoint.clone(), detail: chain_text(&e) }
            }
        })?,
        Err(_) => {
            return Err(ChannelError::ProviderUnreachable {
                endpoint,
                detail: "the HTTP client stopped unexpectedly".into(),
            })
        }
    };
    if !(200..300).contains(&status) {
        return Err(ChannelError::ProviderRejected { status, body_excerpt: excerpt(&response, EXCERPT) });
    }
    Ok(SmsSent { to, status, response: excerpt(&response, RESPONSE_KEPT) })
}

fn basic_user(key: &ApiKeyPlacement) -> Option<String> {
    match key {
        ApiKeyPlacement::BasicAuth { username } => Some(username.clone()),
        _ => None,
    }
}

/// A rendered request, ready to go.
struct Request<'a> {
    url: reqwest::Url,
    body: RenderedBody,
    key_header: Option<(HeaderName, HeaderValue)>,
    basic: Option<String>,
    api_key: &'a str,
    timeout: Duration,
}

impl Request<'_> {
    /// The HTTP exchange: status and body (read whatever the status, to quote the provider's reason).
    fn send(self) -> Result<(u16, String), reqwest::Error> {
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let mut builder = client.post(self.url);
        if let Some((name, value)) = self.key_header {
            builder = builder.header(name, value);
        }
        if let Some(user) = self.basic {
            builder = builder.basic_auth(user, Some(self.api_key));
        }
        builder = match self.body {
            RenderedBody::Json(bytes) => builder.header(CONTENT_TYPE, "application/json").body(bytes),
            RenderedBody::Form(fields) => builder.form(&fields),
        };
        let response = builder.send()?;
        let status = response.status().as_u16();
        let bytes = response.bytes()?;
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }
}

enum RenderedBody {
    Json(Vec<u8>),
    Form(Vec<(String, String)>),
}

struct Values<'a> {
    to: &'a str,
    from: &'a str,
    text: &'a str,
    key: &'a str,
}

fn render_body(body: &SmsBody, key: &ApiKeyPlacement, values: &Values<'_>) -> Result<RenderedBody, ChannelError> {
    let template_text: Vec<&str> = match body {
        SmsBody::Json(v) => {
            let mut out = Vec::new();
            json_strings(v, &mut out);
            out
        }
        SmsBody::Form(fields) => fields.iter().map(|(_, v)| v.as_str()).collect(),
    };
    for (placeholder, why) in [("{to}", "the recipient"), ("{text}", "the message")] {
        if !template_text.iter().any(|t| t.contains(placeholder)) {
            return Err(ChannelError::InvalidSettings(format!(
                "the SMS body template never uses {placeholder}: the provider would not receive {why}"
            )));
        }
    }
    if *key == ApiKeyPlacement::InBody && !template_text.iter().any(|t| t.contains("{key}")) {
        return Err(ChannelError::InvalidSettings(
            "the API key goes in the body but the template never uses {key}".into(),
        ));
    }
    Ok(match body {
        SmsBody::Json(v) => {
            let filled = fill_json(v, values);
            RenderedBody::Json(serde_json::to_vec(&filled).map_err(|e| ChannelError::InvalidSettings(e.to_string()))?)
        }
        SmsBody::Form(fields) => RenderedBody::Form(fields.iter().map(|(k, v)| (k.clone(), fill(v, values))).collect()),
    })
}

fn json_strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|i| json_strings(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|i| json_strings(i, out)),
        _ => {}
    }
}

fn fill_json(v: &serde_json::Value, values: &Values<'_>) -> serde_json::Value {
    match v {
        serde_json::Value::String(s) => serde_json::Value::String(fill(s, values)),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(|i| fill_json(i, values)).collect())
        }
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.iter().map(|(k, i)| (k.clone(), fill_json(i, values))).collect())
        }
        other => other.clone(),
    }
}

/// Replaces the placeholders in one pass (a placeholder inside a substituted value is left alone).
fn fill(template: &str, values: &Values<'_>) -> String {
    let mut out = String::with_capacity(template.len() + values.text.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let replaced = [("{to}", values.to), ("{from}", values.from), ("{text}", values.text), ("{key}", values.key)]
            .into_iter()
            .find(|(p, _)| tail.starts_with(p));
        match replaced {
            Some((p, value)) => {
                out.push_str(value);
                rest = &tail[p.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn refused(err: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused) {
            return true;
        }
        current = e.source();
    }
    false
}

/// The first `max` characters, trimmed, with an ellipsis when cut.
fn excerpt(text: &str, max: usize) -> String {
    let trimmed = text.trim();
    match trimmed.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_once_and_unknown_braces_stay() {
        let v = Values { to: "+33612345678", from: "ACME", text: "Payez {to} {x}", key: "k" };
        assert_eq!(fill("{to}|{from}|{text}|{other}|{", &v), "+33612345678|ACME|Payez {to} {x}|{other}|{");
    }

    #[test]
    fn excerpt_cuts_on_characters() {
        assert_eq!(excerpt("  éééé  ", 2), "éé…");
        assert_eq!(excerpt("abc", 5), "abc");
    }
}
