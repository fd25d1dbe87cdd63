//! What the Paramètres screen needs beyond storing settings (issue 11 §5): checking the SMTP
//! settings by sending a test email, checking the alert delivery by sending a test alert, and the
//! rates in force described per half-year (legal-rules A.1.6–A.1.8).
//!
//! The tests send for real: [`send_test_email`] goes through the same `encours_channels::send_email`
//! and the same keyring password as a reminder, so a test that reaches the inbox proves the
//! reminders will; nothing is recorded in the dossier (no journal entry, no delivery record), so a
//! test can be repeated at will and never counts as a reminder or an alert delivered.

use chrono::{NaiveDate, NaiveDateTime};
use encours_channels::{
    send_email, send_webhook, smtp_password, webhook_secret, Email, MailAddress, SmtpSettings, WebhookSettings,
};
use encours_domain::legal::{CreditorKind, HalfYear, LegalRates};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, Dossier, ErrorCode};

/// How many half-years [`rates_overview`] lists at most (twenty years back from the newest).
const MAX_HALF_YEARS: usize = 40;

/// What a test email did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TestEmailReport {
    /// The address it was sent to.
    pub to: String,
    /// `host:port` of the SMTP server used.
    pub server: String,
    /// The Message-ID, when the server accepted it.
    pub message_id: Option<String>,
    /// What went wrong (the channel's message, naming its step, host and port), when it failed.
    pub error: Option<String>,
}

fn looks_like_address(to: &str) -> bool {
    // The same shape check the alert settings make: the server has the last word.
    match to.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !to.contains(char::is_whitespace),
        None => false,
    }
}

/// A test email ready to go: what the dossier and the keyring said, read under the dossier and
/// sent without it ([`TestEmail::send`]), so a slow or silent server never holds the dossier.
pub struct TestEmail {
    to: String,
    settings: SmtpSettings,
    password: Option<String>,
    email: Email,
}

/// Prepares a short test email to `to` with the dossier's SMTP settings and the password in the
/// OS keyring. No SMTP settings, or an address that is not one, is an `InvalidInput` error. `now`
/// dates the text.
pub fn prepare_test_email(d: &Dossier, to: &str, now: NaiveDateTime) -> Result<TestEmail, ApiError> {
    let to = to.trim();
    if !looks_like_address(to) {
        return Err(ApiError::invalid(format!("{to:?} is not an email address")));
    }
    let dto = crate::dispatch::smtp_settings(d)?
        .ok_or_else(|| ApiError::invalid("no SMTP server is set for this dossier: save the settings first"))?;
    let settings = dto.to_settings()?;
    let password = match settings.username {
        Some(_) => smtp_password(&settings).map_err(keyring_error)?,
        None => None,
    };
    let email = Email {
        to: vec![MailAddress::new(to)],
        subject: "Encours : e-mail de test".to_owned(),
        text: format!(
            "Bonjour,\n\nCet e-mail de test a été envoyé par Encours le {} à {} avec les réglages SMTP du dossier \
             (serveur {}:{}).\nS'il vous parvient, les relances par e-mail partiront de la même façon.\n\n\
             Message envoyé automatiquement par Encours.\n",
            now.format("%d/%m/%Y"),
            now.format("%H:%M"),
            settings.host,
            settings.port
        ),
        ..Email::default()
    };
    Ok(TestEmail { to: to.to_owned(), settings, password, email })
}

impl TestEmail {
    /// Sends it. A refusal by the server is reported in [`TestEmailReport::error`] (the settings
    /// are not wrong for the app: the server said no, and the user needs its words).
    pub fn send(&self) -> TestEmailReport {
        let server = format!("{}:{}", self.settings.host, self.settings.port);
        let to = self.to.clone();
        match send_email(&self.settings, self.password.as_deref(), &self.email) {
            Ok(sent) => TestEmailReport { to, server, message_id: Some(sent.message_id), error: None },
            Err(e) => TestEmailReport { to, server, message_id: None, error: Some(e.to_string()) },
        }
    }
}

fn keyring_error(e: encours_channels::ChannelError) -> ApiError {
    ApiError::new(ErrorCode::KeyUnavailable, e.to_string())
}

/// [`prepare_test_email`] then [`TestEmail::send`], for a caller that holds the dossier anyway.
pub fn send_test_email(d: &Dossier, to: &str, now: NaiveDateTime) -> Result<TestEmailReport, ApiError> {
    Ok(prepare_test_email(d, to, now)?.send())
}

/// What a test alert did, per channel (a channel not set is skipped).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TestAlertReport {
    /// The digest address, when one is set.
    pub email_to: Option<String>,
    /// The test digest's Message-ID, when the server accepted it.
    pub email_message_id: Option<String>,
    /// Why the test digest could not be sent.
    pub email_error: Option<String>,
    /// The webhook URL, when one is set.
    pub webhook_url: Option<String>,
    /// The HTTP status the webhook answered, when it accepted the test.
    pub webhook_status: Option<u16>,
    /// Why the webhook did not accept the test.
    pub webhook_error: Option<String>,
}

/// A test alert ready to go on each configured channel, read under the dossier and sent without
/// it ([`TestAlert::send`]): webhook retries and a slow SMTP server never hold the dossier.
pub struct TestAlert {
    email: Option<(String, Result<TestEmail, String>)>,
    webhook: Option<(WebhookSettings, Option<String>)>,
    now: NaiveDateTime,
    unix_time: i64,
}

/// Prepares a test alert through each channel of the alert delivery settings: a test digest to the
/// email address (through the SMTP settings) and one signed `POST` with `"event": "test"` to the
/// webhook, with the secret from the keyring. Nothing is recorded: real alerts are not marked as
/// delivered. `unix_time` is the webhook's signed timestamp; the delivery id is `test:<unix_time>`,
/// so a receiver that drops repetitions does not drop the next real alert.
pub fn prepare_test_alert(d: &Dossier, now: NaiveDateTime, unix_time: i64) -> Result<TestAlert, ApiError> {
    let settings = crate::alert_delivery::alert_delivery_settings(d)?.unwrap_or_default();
    let email = settings
        .email_to
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|to| (to.to_owned(), prepare_test_email(d, to, now).map_err(|e| e.message)));
    let webhook = match settings.webhook()? {
        Some(w) => {
            let secret = webhook_secret(&w).map_err(keyring_error)?;
            Some((w, secret))
        }
        None => None,
    };
    Ok(TestAlert { email, webhook, now, unix_time })
}

impl TestAlert {
    /// Sends it on each channel; each outcome is in the report.
    pub fn send(&self) -> TestAlertReport {
        let mut report = TestAlertReport::default();
        if let Some((to, prepared)) = &self.email {
            report.email_to = Some(to.clone());
            match prepared {
                Ok(email) => {
                    let sent = email.send();
                    report.email_message_id = sent.message_id;
                    report.email_error = sent.error;
                }
                Err(e) => report.email_error = Some(e.clone()),
            }
        }
        if let Some((webhook, secret)) = &self.webhook {
            report.webhook_url = Some(webhook.url.clone());
            match secret {
                None => {
                    report.webhook_error =
                        Some(format!("no signing secret for the webhook {} in the keyring", webhook.url))
                }
                Some(secret) => {
                    let payload = serde_json::json!({
                        "event": "test",
                        "sentAt": self.now.format("%Y-%m-%dT%H:%M:%S").to_string(),
                        "message": "Alerte de test envoyée depuis les paramètres d'Encours.",
                    });
                    let id = format!("test:{}", self.unix_time);
                    match send_webhook(webhook, secret, &payload, self.unix_time, &id) {
                        Ok(sent) => report.webhook_status = Some(sent.status),
                        Err(e) => report.webhook_error = Some(e.to_string()),
                    }
                }
            }
        }
        report
    }
}

/// [`prepare_test_alert`] then [`TestAlert::send`], for a caller that holds the dossier anyway.
pub fn send_test_alert(d: &Dossier, now: NaiveDateTime, unix_time: i64) -> Result<TestAlertReport, ApiError> {
    Ok(prepare_test_alert(d, now, unix_time)?.send())
}

/// One rate table in force, for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RateTableInfo {
    /// `ecb_mro` or `legal_interest`.
    pub name: String,
    /// `dossier` (imported) or `shipped` (the table of this version of Encours).
    pub origin: String,
    /// The file it was imported from (dossier tables only).
    pub source: Option<String>,
    /// The first date the table gives a rate for (ISO).
    pub covered_from: Option<String>,
    /// The last date the table is known to be right (ISO).
    pub covered_until: String,
    /// Its rows (changes of rate).
    pub rows: u32,
}

/// The rates of one half-year; a rate the tables do not cover is `None` (never guessed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HalfYearRates {
    /// The calendar year.
    pub year: i32,
    /// 1 (January–June) or 2 (July–December).
    pub half: u8,
    /// The ECB main refinancing rate on its first day, in percent (L441-10 II, legal-rules A.1.6).
    pub ecb_percent: Option<String>,
    /// The default late-payment rate: ECB + 10 points.
    pub penalty_percent: Option<String>,
    /// The legal interest rate for professional creditors (legal-rules A.1.8).
    pub legal_professional_percent: Option<String>,
    /// The legal interest rate for individual creditors.
    pub legal_individual_percent: Option<String>,
    /// The floor of a contractual penalty rate: 3 × the professional legal rate.
    pub contractual_floor_percent: Option<String>,
    /// The half-year `today` falls in.
    pub current: bool,
}

/// The rate tables in force and the rates they give per half-year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RatesOverview {
    /// The ECB table and the legal interest table, with where each comes from.
    pub tables: Vec<RateTableInfo>,
    /// Newest first, from the half-year of `today` (or the tables' last, if later) back to the
    /// first one both tables cover; at most forty.
    pub half_years: Vec<HalfYearRates>,
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn percent(r: Result<rust_decimal::Decimal, encours_domain::legal::LegalError>) -> Option<String> {
    r.ok().map(|v| v.normalize().to_string())
}

/// The rate tables in force for the dossier (imported over shipped) and, per half-year, the rates
/// penalties and legal interest are computed with. `today` marks the current half-year, which is
/// listed even when the tables do not cover it yet, so a missing rate shows before a letter needs it.
pub fn rates_overview(d: &Dossier, today: NaiveDate) -> Result<RatesOverview, ApiError> {
    let tables = crate::rates::rate_tables(d)?
        .into_iter()
        .map(|t| RateTableInfo {
            name: t.name,
            origin: t.origin,
            source: t.source,
            covered_from: t.covered_from.map(iso),
            covered_until: iso(t.covered_until),
            rows: u32::try_from(t.rows).unwrap_or(u32::MAX),
        })
        .collect();
    let rates: LegalRates = crate::rates::legal_rates(d)?;
    let first = [rates.ecb().covered_from(), rates.legal().covered_from()]
        .into_iter()
        .flatten()
        .max()
        .map(|d| {
            // The first half-year whose first day both tables cover.
            let h = HalfYear::of(d);
            if h.start() < d {
                h.next()
            } else {
                h
            }
        })
        .unwrap_or(HalfYear::of(today));
    let last = HalfYear::of(today).max(HalfYear::of(rates.ecb().covered_until().max(rates.legal().covered_until())));
    let mut list = Vec::new();
    let mut h = first;
    while h <= last {
        list.push(HalfYearRates {
            year: h.year,
            half: h.half,
            ecb_percent: percent(rates.ecb_mro(h)),
            penalty_percent: percent(rates.default_penalty_rate(h)),
            legal_professional_percent: percent(rates.legal_rate(h, CreditorKind::Professional)),
            legal_individual_percent: percent(rates.legal_rate(h, CreditorKind::Individual)),
            contractual_floor_percent: percent(rates.contractual_floor(h)),
            current: h == HalfYear::of(today),
        });
        h = h.next();
    }
    list.reverse();
    list.truncate(MAX_HALF_YEARS);
    Ok(RatesOverview { tables, half_years: list })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_needs_a_local_part_and_a_dotted_domain() {
        assert!(looks_like_address("compta@acme.fr"));
        assert!(!looks_like_address("compta@acme"));
        assert!(!looks_like_address("@acme.fr"));
        assert!(!looks_like_address("compta acme@acme.fr"));
        assert!(!looks_like_address("compta.acme.fr"));
    }
}
