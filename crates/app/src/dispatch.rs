//! Dispatch: the dunning outbox actually sent (issue 6 §4, "Channels, for real").
//!
//! [`crate::dunning::dunning_run`] records what to send in the outbox; [`send_outbox`] sends it:
//!
//! * **Email**: the letter rendered to PDF ([`encours_documents::render_letter`], with the client's
//!   invoices and, for the ferme, dernier avis and mise en demeure tones, the legal breakdown from
//!   [`encours_domain::legal`]) attached to the rendered text, through [`encours_channels::send_email`]
//!   with the dossier's SMTP settings and the password from the OS keyring.
//! * **SMS**: the rendered text to the client's first mobile number through
//!   [`encours_channels::send_sms`] with the dossier's provider settings and the key from the keyring.
//! * **Letter, registered letter (LRAR, LRE)**: the PDF saved in the folder the caller gives, marked
//!   "to print"; [`record_tracking_number`] records the La Poste number once posted.
//! * **Phone task**: nothing to send (the call's outcome closes it, see `dunning::record_phone_outcome`).
//!
//! Each action is claimed in a committed transaction before its channel is called, and its outcome
//! (sent with the Message-ID, or failed with the channel's message naming host and port) is written
//! to the outbox and to the audit journal in a transaction of its own (`encours_store::channels`):
//! one action's failure never stops or undoes the others, a sent action is never sent again, and an
//! action whose send was interrupted after the claim is reported, never re-sent blindly.
//!
//! When the rate tables lack a half-year (they are data, `assets/rates`), the legal breakdown cannot
//! be computed: the letter goes without it only if its template does not speak of penalties;
//! otherwise the action fails with the table's own message (which rate, which date), never a guess.
//!
//! Settings: the SMTP server and the SMS provider are stored in the dossier without any secret
//! ([`update_smtp_settings`], [`update_sms_settings`]); the password and the API key go to the OS
//! keyring through the channels crate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use encours_channels::{
    normalize_phone, send_email, send_sms, sms_api_key, smtp_password, store_sms_api_key, store_smtp_password,
    ApiKeyPlacement, Attachment, Email, MailAddress, Security, SmsBody, SmsSettings, SmtpSettings,
};
use encours_documents::{
    render_letter, Delivery, InvoiceRow, LegalBreakdown, Letter, LetterKind, Party, Tone as LetterTone,
};
use encours_domain::dunning::{default_templates, template_variables, Channel, RegisteredKind, Template};
use encours_domain::legal::{CollectiveProceedings, DebtorKind, LegalError, LegalRates, PenaltyBasis};
use encours_domain::{Money, Siren};
use encours_store::channels::{self as store, DispatchOutcome, SendableAction};
use encours_store::Dossier;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};

/// Who signs the audit entries of a send.
const ACTOR: &str = "dispatch";
/// The days a mise en demeure gives (the template says "huit jours", `dunning::MISE_EN_DEMEURE_DELAY`).
const MISE_EN_DEMEURE_DAYS: u32 = 8;

// ---------------------------------------------------------------------------------------------
// Settings.
// ---------------------------------------------------------------------------------------------

/// The SMTP server of the dossier (no password: it is in the OS keyring).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SmtpSettingsDto {
    /// Server name or address.
    pub host: String,
    /// Port (587 STARTTLS, 465 TLS, 25 local relay).
    pub port: u16,
    /// `starttls`, `tls` (implicit TLS) or `plain-local` (clear text, to this machine only).
    pub security: String,
    /// User name for AUTH; none for a relay that does not authenticate.
    pub username: Option<String>,
    /// Sender address (`From`).
    pub from_address: String,
    /// Sender display name.
    pub from_name: Option<String>,
    /// Where answers go (`Reply-To`), if not the sender.
    pub reply_to: Option<String>,
    /// Seconds to wait for the server at each step.
    pub timeout_seconds: u32,
    /// An extra trusted root certificate (PEM) for a server with the company's own authority.
    pub extra_root_certificate_pem: Option<String>,
    /// On output: a password for these settings is in the keyring (ignored on input).
    #[serde(default)]
    pub has_password: bool,
}

/// The SMS provider of the dossier (no API key: it is in the OS keyring).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SmsSettingsDto {
    /// The URL messages are POSTed to (HTTPS, except to this machine).
    pub endpoint: String,
    /// The sender shown on the phone (11 characters at most, or a number).
    pub sender: String,
    /// `json` or `form`.
    pub body_kind: String,
    /// The body template with `{to}`, `{from}`, `{text}` (and `{key}`): a JSON document for `json`,
    /// `name=value` pairs joined by `&` for `form` (values unencoded).
    pub body_template: String,
    /// `header`, `basic` or `body`.
    pub key_placement: String,
    /// For `header`: the header name (`Authorization`, `X-Api-Key`).
    pub key_header: Option<String>,
    /// For `header`: the text before the key (`Bearer `).
    pub key_prefix: Option<String>,
    /// For `basic`: the user name (account id).
    pub basic_username: Option<String>,
    /// Seconds to wait for the provider.
    pub timeout_seconds: u32,
    /// On output: an API key for this endpoint is in the keyring (ignored on input).
    #[serde(default)]
    pub has_key: bool,
}

fn keyring_error(e: encours_channels::ChannelError) -> ApiError {
    ApiError::new(ErrorCode::KeyUnavailable, e.to_string())
}

fn timeout(seconds: u32, what: &str) -> Result<Duration, ApiError> {
    if seconds == 0 {
        return Err(ApiError::invalid(format!("the {what} timeout must be at least one second")));
    }
    Ok(Duration::from_secs(u64::from(seconds)))
}

/// `starttls`, `tls`, `plain-local` → the channel's security mode.
pub fn parse_security(code: &str) -> Result<Security, ApiError> {
    match code.trim().to_ascii_lowercase().as_str() {
        "starttls" => Ok(Security::StartTls),
        "tls" | "implicit-tls" | "ssl" => Ok(Security::ImplicitTls),
        "plain-local" | "plain" => Ok(Security::PlainLocalOnly),
        other => Err(ApiError::invalid(format!("{other:?}: expected starttls, tls or plain-local"))),
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl SmtpSettingsDto {
    /// The channel's settings, checked.
    pub fn to_settings(&self) -> Result<SmtpSettings, ApiError> {
        if self.host.trim().is_empty() {
            return Err(ApiError::invalid("the SMTP host is empty"));
        }
        if self.port == 0 {
            return Err(ApiError::invalid("the SMTP port is 0"));
        }
        if self.from_address.trim().is_empty() {
            return Err(ApiError::invalid("the sender address (from) is empty"));
        }
        Ok(SmtpSettings {
            host: self.host.trim().to_owned(),
            port: self.port,
            security: parse_security(&self.security)?,
            username: non_empty(&self.username),
            from: MailAddress { address: self.from_address.trim().to_owned(), name: non_empty(&self.from_name) },
            reply_to: non_empty(&self.reply_to).map(MailAddress::new),
            timeout: timeout(self.timeout_seconds, "SMTP")?,
            extra_root_certificate_pem: non_empty(&self.extra_root_certificate_pem),
        })
    }
}

impl SmsSettingsDto {
    /// The channel's settings, checked.
    pub fn to_settings(&self) -> Result<SmsSettings, ApiError> {
        if self.endpoint.trim().is_empty() {
            return Err(ApiError::invalid("the SMS endpoint is empty"));
        }
        let body = match self.body_kind.trim() {
            "json" => SmsBody::Json(
                serde_json::from_str(&self.body_template)
                    .map_err(|e| ApiError::invalid(format!("the SMS body template is not JSON: {e}")))?,
            ),
            "form" => SmsBody::Form(
                self.body_template
                    .split('&')
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| {
                        p.split_once('=')
                            .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                            .ok_or_else(|| ApiError::invalid(format!("form field {p:?}: expected name=value")))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            other => return Err(ApiError::invalid(format!("{other:?}: expected json or form"))),
        };
        let key = match self.key_placement.trim() {
            "header" => ApiKeyPlacement::Header {
                name: non_empty(&self.key_header).unwrap_or_else(|| "Authorization".to_owned()),
                prefix: self.key_prefix.clone().unwrap_or_default(),
            },
            "basic" => ApiKeyPlacement::BasicAuth {
                username: non_empty(&self.basic_username)
                    .ok_or_else(|| ApiError::invalid("basic authentication needs a user name"))?,
            },
            "body" => ApiKeyPlacement::InBody,
            other => return Err(ApiError::invalid(format!("{other:?}: expected header, basic or body"))),
        };
        Ok(SmsSettings {
            endpoint: self.endpoint.trim().to_owned(),
            sender: self.sender.trim().to_owned(),
            body,
            key,
            timeout: timeout(self.timeout_seconds, "SMS")?,
        })
    }
}

fn stored<T: serde::de::DeserializeOwned>(d: &Dossier, channel: &str) -> Result<Option<T>, ApiError> {
    store::settings(d, channel)?
        .map(|v| {
            serde_json::from_value(v)
                .map_err(|e| ApiError::new(ErrorCode::Storage, format!("the stored {channel} settings: {e}")))
        })
        .transpose()
}

/// The dossier's SMTP settings, if configured, saying whether the keyring holds their password.
pub fn smtp_settings(d: &Dossier) -> Result<Option<SmtpSettingsDto>, ApiError> {
    let Some(mut dto) = stored::<SmtpSettingsDto>(d, "smtp")? else { return Ok(None) };
    // No user name, no password: the keyring is not asked (it may be absent on a server).
    if non_empty(&dto.username).is_some() {
        dto.has_password = smtp_password(&dto.to_settings()?).map_err(keyring_error)?.is_some();
    }
    Ok(Some(dto))
}

/// Checks and stores the SMTP settings (audited, without secret); a password, when given, goes to
/// the OS keyring under these settings' host, port and user.
pub fn update_smtp_settings(
    d: &mut Dossier,
    dto: &SmtpSettingsDto,
    password: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let settings = dto.to_settings()?;
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        store_smtp_password(&settings, p).map_err(keyring_error)?;
    }
    let mut value = dto.clone();
    value.has_password = false;
    let json = serde_json::to_value(&value).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    store::put_settings(d, "smtp", &json, "user", now)?;
    Ok(())
}

/// The dossier's SMS provider settings, if configured, saying whether the keyring holds the key.
pub fn sms_settings(d: &Dossier) -> Result<Option<SmsSettingsDto>, ApiError> {
    let Some(mut dto) = stored::<SmsSettingsDto>(d, "sms")? else { return Ok(None) };
    dto.has_key = sms_api_key(&dto.to_settings()?).map_err(keyring_error)?.is_some();
    Ok(Some(dto))
}

/// Checks and stores the SMS provider settings (audited, without secret); an API key, when given,
/// goes to the OS keyring under the endpoint.
pub fn update_sms_settings(
    d: &mut Dossier,
    dto: &SmsSettingsDto,
    api_key: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let settings = dto.to_settings()?;
    if let Some(k) = api_key.filter(|k| !k.is_empty()) {
        store_sms_api_key(&settings, k).map_err(keyring_error)?;
    }
    let mut value = dto.clone();
    value.has_key = false;
    let json = serde_json::to_value(&value).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    store::put_settings(d, "sms", &json, "user", now)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sending.
// ---------------------------------------------------------------------------------------------

/// What to send.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SendSelection {
    /// Only these outbox actions (none: every sendable action).
    #[ts(type = "Array<number> | null")]
    pub action_ids: Option<Vec<i64>>,
    /// Also try again the actions whose send failed.
    #[serde(default)]
    pub retry_failed: bool,
}

/// What came of one action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SendOutcomeView {
    /// Outbox id.
    #[ts(type = "number")]
    pub action_id: i64,
    /// Client name.
    pub client_name: String,
    /// Channel code.
    pub channel: String,
    /// `sent`, `to_print`, `failed`, `skipped`.
    pub outcome: String,
    /// The email's Message-ID or the SMS provider's answer.
    pub message_id: Option<String>,
    /// The server's reply, the error message, or why it was skipped.
    pub detail: Option<String>,
    /// The PDF saved to print.
    pub file: Option<String>,
}

/// What a send did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SendReport {
    /// The date of the letters and of the legal math (ISO).
    pub as_of: String,
    /// Emails and SMS accepted by the server or provider.
    #[ts(type = "number")]
    pub sent: u64,
    /// Letters saved to print.
    #[ts(type = "number")]
    pub to_print: u64,
    /// Actions that failed (each with its message in `outcomes`).
    #[ts(type = "number")]
    pub failed: u64,
    /// Actions left alone (phone tasks, proposals for a person).
    #[ts(type = "number")]
    pub skipped: u64,
    /// Actions whose earlier send was interrupted after it started: the message may have left, so
    /// they are not sent again; check and set their state by hand.
    #[ts(type = "Array<number>")]
    pub interrupted: Vec<i64>,
    /// Every action taken, in outbox order.
    pub outcomes: Vec<SendOutcomeView>,
}

/// A row of the dispatch journal (what was sent, failed, or waits to be printed and posted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DispatchView {
    /// Outbox id.
    #[ts(type = "number")]
    pub action_id: i64,
    /// Client name.
    pub client_name: String,
    /// Channel code.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// `sending`, `sent`, `failed`, `to_print`, `posted`.
    pub state: String,
    /// Attempts made.
    #[ts(type = "number")]
    pub attempts: i64,
    /// Message-ID or provider answer.
    pub message_id: Option<String>,
    /// Server reply or error message.
    pub detail: Option<String>,
    /// The saved PDF.
    pub file: Option<String>,
    /// The letter's tracking number, once posted.
    pub tracking_number: Option<String>,
}

/// The dispatch journal: all, or one state (`to_print` is the list of letters to post).
pub fn dispatch_journal(d: &Dossier, state: Option<&str>) -> Result<Vec<DispatchView>, ApiError> {
    Ok(store::dispatch_rows(d, state)?
        .into_iter()
        .map(|r| DispatchView {
            action_id: r.action_id,
            client_name: r.client_name,
            channel: r.channel,
            subject: r.subject,
            state: r.state,
            attempts: r.attempts,
            message_id: r.message_id,
            detail: r.detail,
            file: r.file_path,
            tracking_number: r.tracking_number,
        })
        .collect())
}

/// Records the tracking number of a letter saved to print (the LRAR's La Poste number); the letter
/// becomes `posted`. Audited.
pub fn record_tracking_number(d: &mut Dossier, action: i64, number: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    store::record_tracking_number(d, action, number, "user", now)?;
    Ok(())
}

/// Sends the outbox (see the module documentation); `letters_dir` receives the letters' PDFs (a
/// letter action fails when it is `None`). Only an error of the dossier itself stops the send.
pub fn send_outbox(
    d: &mut Dossier,
    as_of: NaiveDate,
    now: NaiveDateTime,
    selection: &SendSelection,
    letters_dir: Option<&Path>,
) -> Result<SendReport, ApiError> {
    send_outbox_with_progress(d, as_of, now, selection, letters_dir, &mut |_, _, _| {})
}

/// [`send_outbox`], calling `progress(outcome, done, total)` after each action (for a progress bar).
pub fn send_outbox_with_progress(
    d: &mut Dossier,
    as_of: NaiveDate,
    now: NaiveDateTime,
    selection: &SendSelection,
    letters_dir: Option<&Path>,
    progress: &mut dyn FnMut(&SendOutcomeView, usize, usize),
) -> Result<SendReport, ApiError> {
    let (actions, interrupted) = store::sendable(d, selection.action_ids.as_deref(), selection.retry_failed)?;
    let mut ctx = Context::new(d, as_of, letters_dir)?;
    let mut report = SendReport {
        as_of: as_of.to_string(),
        sent: 0,
        to_print: 0,
        failed: 0,
        skipped: 0,
        interrupted,
        outcomes: Vec::with_capacity(actions.len()),
    };
    let total = actions.len();
    for (i, a) in actions.iter().enumerate() {
        let view = match skip_reason(a) {
            Some(why) => {
                report.skipped += 1;
                outcome_view(a, "skipped", None, Some(why.to_owned()), None)
            }
            None => {
                if !store::begin_dispatch(d, a.id, ACTOR, now)? {
                    continue;
                }
                let outcome = ctx.dispatch(d, a).unwrap_or_else(|error| DispatchOutcome::Failed { error });
                store::finish_dispatch(d, a.id, &outcome, ACTOR, now)?;
                match outcome {
                    DispatchOutcome::Sent { message_id, detail } => {
                        report.sent += 1;
                        outcome_view(a, "sent", Some(message_id), Some(detail), None)
                    }
                    DispatchOutcome::ToPrint { file } => {
                        report.to_print += 1;
                        outcome_view(a, "to_print", None, None, Some(file))
                    }
                    DispatchOutcome::Failed { error } => {
                        report.failed += 1;
                        outcome_view(a, "failed", None, Some(error), None)
                    }
                }
            }
        };
        progress(&view, i + 1, total);
        report.outcomes.push(view);
    }
    Ok(report)
}

fn outcome_view(
    a: &SendableAction,
    outcome: &str,
    message_id: Option<String>,
    detail: Option<String>,
    file: Option<String>,
) -> SendOutcomeView {
    SendOutcomeView {
        action_id: a.id,
        client_name: a.client_name.clone(),
        channel: a.channel.code().to_owned(),
        outcome: outcome.to_owned(),
        message_id,
        detail,
        file,
    }
}

/// Why an action is not for a channel: calls are made by a person, and the proposals outside the
/// scenarios (claim declaration, injonction de payer, a broken promise's follow-up) are tasks.
fn skip_reason(a: &SendableAction) -> Option<&'static str> {
    if a.channel == Channel::PhoneTask {
        Some("a phone task: nothing to send, the call's outcome closes it")
    } else if a.kind != "reminder" {
        Some("not a message to the client (a proposal or a follow-up for a person)")
    } else {
        None
    }
}

/// What the send reads once: settings, secrets, templates, the company.
struct Context<'p> {
    as_of: NaiveDate,
    letters_dir: Option<&'p Path>,
    /// The creditor (company and profile), or why a letter cannot be made.
    creditor: Result<crate::letters::Creditor, String>,
    templates: Vec<Template>,
    rates: LegalRates,
    /// The SMTP settings and password, or why there are none (read once, at the first email).
    smtp: Option<Result<(SmtpSettings, Option<String>), String>>,
    /// The SMS settings and key, or why there are none.
    sms: Option<Result<(SmsSettings, String), String>>,
}

impl<'p> Context<'p> {
    fn new(d: &Dossier, as_of: NaiveDate, letters_dir: Option<&'p Path>) -> Result<Context<'p>, ApiError> {
        let mut templates = encours_store::dunning::templates(d)?;
        for t in default_templates() {
            if !templates.iter().any(|s| s.id == t.id && s.language == t.language) {
                templates.push(t);
            }
        }
        Ok(Context {
            as_of,
            letters_dir,
            creditor: crate::letters::creditor(d).map_err(|e| e.message),
            templates,
            rates: crate::rates::legal_rates(d)?,
            smtp: None,
            sms: None,
        })
    }

    fn smtp(&mut self, d: &Dossier) -> Result<(SmtpSettings, Option<String>), String> {
        self.smtp
            .get_or_insert_with(|| {
                let dto = stored::<SmtpSettingsDto>(d, "smtp").map_err(|e| e.message)?.ok_or_else(|| {
                    "no SMTP server is set for this dossier (encours settings smtp --host … --port … --from …)"
                        .to_owned()
                })?;
                let settings = dto.to_settings().map_err(|e| e.message)?;
                let password = match settings.username {
                    Some(_) => smtp_password(&settings).map_err(|e| e.to_string())?,
                    None => None,
                };
                Ok((settings, password))
            })
            .clone()
    }

    fn sms(&mut self, d: &Dossier) -> Result<(SmsSettings, String), String> {
        self.sms
            .get_or_insert_with(|| {
                let dto = stored::<SmsSettingsDto>(d, "sms").map_err(|e| e.message)?.ok_or_else(|| {
                    "no SMS provider is set for this dossier (encours settings sms --endpoint …)".to_owned()
                })?;
                let settings = dto.to_settings().map_err(|e| e.message)?;
                let key = sms_api_key(&settings)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no API key for the SMS provider {} in the keyring", settings.endpoint))?;
                Ok((settings, key))
            })
            .clone()
    }

    /// Sends one action; `Err` is the message the outbox and the journal keep.
    fn dispatch(&mut self, d: &Dossier, a: &SendableAction) -> Result<DispatchOutcome, String> {
        let client = store::client_facts(d, a.client_id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("client {} does not exist", a.client_id))?;
        match a.channel {
            Channel::Email => {
                let to = client
                    .contacts
                    .iter()
                    .find_map(|c| {
                        let address = c.email.as_deref().map(str::trim).filter(|e| !e.is_empty())?;
                        let name = if c.name.trim().is_empty() { client.name.clone() } else { c.name.clone() };
                        Some(MailAddress::named(address, name))
                    })
                    .ok_or_else(|| format!("{} has no email address among its contacts", client.name))?;
                let pdf = self.letter_pdf(d, a, &client)?;
                let (settings, password) = self.smtp(d)?;
                let email = Email {
                    to: vec![to],
                    subject: a.subject.clone(),
                    text: a.body.clone(),
                    attachments: vec![Attachment {
                        file_name: format!("{}.pdf", file_stem(a)),
                        mime_type: "application/pdf".to_owned(),
                        bytes: pdf,
                    }],
                    ..Email::default()
                };
                let sent = send_email(&settings, password.as_deref(), &email).map_err(|e| e.to_string())?;
                Ok(DispatchOutcome::Sent { message_id: sent.message_id, detail: sent.server_reply })
            }
            Channel::Sms => {
                let to = client
                    .contacts
                    .iter()
                    .filter_map(|c| c.phone.as_deref())
                    .find(|p| normalize_phone(p).is_ok())
                    .ok_or_else(|| format!("{} has no mobile number among its contacts", client.name))?
                    .to_owned();
                let (settings, key) = self.sms(d)?;
                let sent = send_sms(&settings, &key, &to, &a.body).map_err(|e| e.to_string())?;
                Ok(DispatchOutcome::Sent {
                    message_id: sent.response.clone(),
                    detail: format!("{} {} to {}", sent.status, "accepted", sent.to),
                })
            }
            Channel::Letter | Channel::RegisteredLetter(_) => {
                let dir = self.letters_dir.ok_or_else(|| {
                    "no folder was given for the letters to print (encours dunning send --out FOLDER)".to_owned()
                })?;
                let pdf = self.letter_pdf(d, a, &client)?;
                let file = save_pdf(dir, &file_stem(a), &pdf)?;
                Ok(DispatchOutcome::ToPrint { file: file.display().to_string() })
            }
            Channel::PhoneTask => Err("a phone task has nothing to send".to_owned()),
        }
    }

    /// Whether the action's template speaks of the penalties (`{penalites}`).
    fn uses_penalties(&self, a: &SendableAction) -> bool {
        self.templates.iter().filter(|t| t.id == a.template_id && (t.language == a.language || t.language == "fr")).any(
            |t| {
                [&t.subject, &t.body]
                    .iter()
                    .any(|text| template_variables(&t.id, text).is_ok_and(|v| v.iter().any(|n| n == "penalites")))
            },
        )
    }

    fn letter_pdf(&self, d: &Dossier, a: &SendableAction, client: &store::ClientFacts) -> Result<Vec<u8>, String> {
        let creditor = self.creditor.as_ref().map_err(Clone::clone)?;
        let ids: Vec<_> = a.invoices.iter().map(|(id, ..)| *id).collect();
        let facts = store::invoice_facts(d, &ids).map_err(|e| e.to_string())?;
        let kind = match a.tone.as_str() {
            "courtois" => LetterKind::Reminder { tone: LetterTone::Courtois },
            "ferme" => LetterKind::Reminder { tone: LetterTone::Ferme },
            "dernier_avis" => LetterKind::Reminder { tone: LetterTone::DernierAvis },
            _ => LetterKind::MiseEnDemeure { deadline_days: MISE_EN_DEMEURE_DAYS },
        };
        let mut rows = Vec::with_capacity(facts.len());
        for f in &facts {
            let dunned = a.invoices.iter().find(|(id, ..)| *id == f.id).map_or(f.outstanding, |(.., x)| *x);
            rows.push(InvoiceRow {
                number: f.number.clone(),
                issue_date: f.issue_date,
                due_date: f.due_date,
                days_late: (self.as_of - f.due_date).num_days(),
                amount_incl_vat: Money::new(f.due_payable, f.currency),
                paid: Money::new(f.due_payable - f.outstanding, f.currency),
                open: Money::new(dunned, f.currency),
            });
        }
        let legal = if matches!(a.tone.as_str(), "ferme" | "dernier_avis" | "mise_en_demeure") {
            match self.breakdown(d, a, client, &facts) {
                Ok(b) => Some(b),
                Err(LegalError::MissingRate { .. }) if !self.uses_penalties(a) => None,
                Err(e @ LegalError::MissingRate { .. }) => {
                    return Err(format!(
                        "the late-payment breakdown cannot be computed: {e} (import the updated table: encours \
                         --dossier … rates import FILE.csv)"
                    ))
                }
                Err(e) => return Err(format!("the late-payment breakdown cannot be computed: {e}")),
            }
        } else {
            None
        };
        // The invoice lines of the text are the letter's table: not printed twice.
        let body = a
            .body
            .split("\n\n")
            .map(|p| p.lines().filter(|l| !l.trim_start().starts_with("- facture n° ")).collect::<Vec<_>>().join("\n"))
            .filter(|p| !p.trim().is_empty())
            .collect();
        // One invoice: its RF reference, so the transfer matches by itself (and the QR code carries it).
        let reference = match facts.as_slice() {
            [f] => Some(encours_domain::CreditorRef::for_invoice(&f.number, f.id)),
            _ => None,
        };
        let letter = Letter {
            kind,
            creditor: creditor.party.clone(),
            letterhead: creditor.letterhead.clone(),
            debtor: Party {
                name: client.name.clone(),
                siren: client.siren.as_deref().and_then(|s| Siren::parse(s).ok()),
                address: client.address.clone(),
                contact: client.contacts.first().cloned(),
            },
            place: creditor.place.clone(),
            date: self.as_of,
            reference: format!("R-{}", a.id),
            subject: a.subject.clone(),
            body,
            invoices: rows,
            legal,
            payment: creditor.payment(reference),
            closing: Vec::new(),
            delivery: match a.channel {
                Channel::RegisteredLetter(RegisteredKind::Lrar) => Delivery::RegisteredPaper { tracking_number: None },
                Channel::RegisteredLetter(RegisteredKind::Lre) => Delivery::RegisteredElectronic,
                _ => Delivery::Ordinary,
            },
            signature: creditor.signature.clone(),
        };
        render_letter(&letter).map_err(|e| format!("the letter cannot be rendered: {e}"))
    }

    /// L441-10 penalties on each invoice's balance day by day (payments lower the base the day
    /// after), at each invoice's contractual rate read from its PMD note (else ECB + 10, floored at
    /// 3 × the legal rate: `crate::letters::penalty_bases`), and the €40 indemnity per late
    /// invoice (D441-5; none for a consumer or in a collective procedure). Legal interest starts at
    /// the mise en demeure, so a letter sent today claims none.
    fn breakdown(
        &self,
        d: &Dossier,
        a: &SendableAction,
        client: &store::ClientFacts,
        facts: &[store::InvoiceFacts],
    ) -> Result<LegalBreakdown, LegalError> {
        let ids: Vec<_> = facts.iter().map(|f| f.id).collect();
        let bases = crate::letters::penalty_bases(d, &ids).map_err(|e| LegalError::InvalidInput(e.message))?;
        let debtor = if client.is_individual { DebtorKind::Consumer } else { DebtorKind::Professional };
        let proceedings =
            if client.insolvent { CollectiveProceedings::ForbidsPaymentOnDueDate } else { CollectiveProceedings::None };
        let claims: Vec<crate::letters::Claim<'_>> = facts
            .iter()
            .map(|f| crate::letters::Claim {
                number: &f.number,
                due_date: f.due_date,
                currency: f.currency,
                // For a 206, only the approved part is dunned; otherwise the amount still due.
                claimed: a.invoices.iter().find(|(id, ..)| *id == f.id).map_or(f.outstanding, |(.., x)| *x),
                paid: f
                    .allocations
                    .iter()
                    .filter(|(on, _)| *on <= self.as_of)
                    .map(|(on, amount)| (*on, Money::new(*amount, f.currency)))
                    .collect(),
                basis: bases.get(&f.id).copied().unwrap_or(PenaltyBasis::LegalDefault),
            })
            .collect();
        crate::letters::legal_breakdown(&claims, self.as_of, debtor, proceedings, &self.rates)
    }
}

/// `R000123-dupont-sa-lrar`: the action id first, so files sort in outbox order.
fn file_stem(a: &SendableAction) -> String {
    let mut name = String::new();
    for c in a.client_name.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
        if name.len() >= 40 {
            break;
        }
    }
    format!("R{:06}-{}-{}", a.id, name.trim_end_matches('-'), a.channel.code())
}

/// Writes the PDF under a temporary name and renames it into place: never a half-written letter.
fn save_pdf(dir: &Path, stem: &str, pdf: &[u8]) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    let path = dir.join(format!("{stem}.pdf"));
    let tmp = dir.join(format!(".{stem}.pdf.part"));
    std::fs::write(&tmp, pdf).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("cannot rename {} into place: {e}", path.display()))?;
    Ok(path)
}
