//! Early warnings sent out (issue 9 §3): one digest email per delivery run to the credit manager,
//! one signed webhook `POST` per alert.
//!
//! An alert goes out when it is live — open, or snoozed with its date come (an acknowledged alert
//! was seen already, a snoozed one was put aside on purpose) — and the channel has not carried it
//! yet: each successful send is recorded per alert and channel (`encours_store::alert_delivery`,
//! migration 0018), so a second run sends nothing. A failed send records nothing and is reported: the
//! next run tries again. Delivery is at least once: if the process stops between the server's answer
//! and the record, the next run sends again — harmless for the digest, and a webhook receiver can
//! drop the repetition by its `X-Encours-Delivery` header (the alert's dedupe key, stable forever).
//!
//! The digest goes through the dossier's SMTP settings (`dispatch`, `encours settings smtp`), the
//! webhook through its own URL and the secret kept in the OS keyring under that URL (never in the
//! dossier, never in a message). Dates are passed in: `now` for the records, `unix_time` for the
//! webhook's signed timestamp (the caller converts its clock, the receiver compares with its own).

use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use encours_channels::{
    send_email, send_webhook, smtp_password, store_webhook_secret, webhook_secret, Email, MailAddress, WebhookSettings,
};
use encours_store::alert_delivery as store;
use encours_store::scoring::{self as scores, StoredAlert};
use encours_store::Dossier;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, ErrorCode};

/// Who signs the audit entries of a delivery.
const ACTOR: &str = "alert-delivery";

/// Where early warnings go (no secret: the webhook's is in the OS keyring).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AlertDeliverySettingsDto {
    /// The credit manager's address for the digest (none: no email). Sent through the SMTP settings.
    pub email_to: Option<String>,
    /// The URL each alert is `POST`ed to (none: no webhook). HTTPS, except to this machine.
    pub webhook_url: Option<String>,
    /// Seconds one webhook attempt may take.
    pub webhook_timeout_seconds: u32,
    /// Attempts per alert (1 = no retry), at most 10.
    pub webhook_max_attempts: u32,
    /// Milliseconds to wait after the first failed attempt (doubling after each further one).
    pub webhook_backoff_millis: u32,
    /// On output: a signing secret for this URL is in the keyring (ignored on input).
    #[serde(default)]
    pub has_webhook_secret: bool,
}

impl Default for AlertDeliverySettingsDto {
    fn default() -> Self {
        AlertDeliverySettingsDto {
            email_to: None,
            webhook_url: None,
            webhook_timeout_seconds: 10,
            webhook_max_attempts: 3,
            webhook_backoff_millis: 1000,
            has_webhook_secret: false,
        }
    }
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl AlertDeliverySettingsDto {
    /// The webhook's channel settings, checked; `None` when no URL is set.
    pub fn webhook(&self) -> Result<Option<WebhookSettings>, ApiError> {
        let Some(url) = trimmed(&self.webhook_url) else { return Ok(None) };
        if self.webhook_timeout_seconds == 0 {
            return Err(ApiError::invalid("the webhook timeout must be at least one second"));
        }
        let settings = WebhookSettings {
            url,
            timeout: Duration::from_secs(u64::from(self.webhook_timeout_seconds)),
            max_attempts: self.webhook_max_attempts,
            backoff: Duration::from_millis(u64::from(self.webhook_backoff_millis)),
        };
        encours_channels::webhook::check_webhook_settings(&settings).map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(Some(settings))
    }
}

fn keyring_error(e: encours_channels::ChannelError) -> ApiError {
    ApiError::new(ErrorCode::KeyUnavailable, e.to_string())
}

fn stored(d: &Dossier) -> Result<Option<AlertDeliverySettingsDto>, ApiError> {
    store::settings(d)?
        .map(|v| {
            serde_json::from_value(v)
                .map_err(|e| ApiError::new(ErrorCode::Storage, format!("the stored alert delivery settings: {e}")))
        })
        .transpose()
}

/// The dossier's alert delivery settings, if configured, saying whether the keyring holds the
/// webhook's secret.
pub fn alert_delivery_settings(d: &Dossier) -> Result<Option<AlertDeliverySettingsDto>, ApiError> {
    let Some(mut dto) = stored(d)? else { return Ok(None) };
    dto.has_webhook_secret = match dto.webhook()? {
        Some(w) => webhook_secret(&w).map_err(keyring_error)?.is_some(),
        None => false,
    };
    Ok(Some(dto))
}

/// Checks and stores the alert delivery settings (audited, without secret); a webhook secret, when
/// given, goes to the OS keyring under the URL.
pub fn update_alert_delivery_settings(
    d: &mut Dossier,
    dto: &AlertDeliverySettingsDto,
    webhook_secret: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if let Some(to) = trimmed(&dto.email_to) {
        // The same check the channel makes when sending, made now so a typo is seen when typed.
        if !to.contains('@') || to.contains(char::is_whitespace) {
            return Err(ApiError::invalid(format!("{to:?} is not an email address")));
        }
    }
    let webhook = dto.webhook()?;
    match (&webhook, webhook_secret.filter(|s| !s.is_empty())) {
        (Some(w), Some(secret)) => store_webhook_secret(w, secret).map_err(keyring_error)?,
        (None, Some(_)) => return Err(ApiError::invalid("a webhook secret was given without a webhook URL")),
        _ => {}
    }
    let mut value = dto.clone();
    value.email_to = trimmed(&dto.email_to);
    value.webhook_url = webhook.map(|w| w.url);
    value.has_webhook_secret = false;
    let json = serde_json::to_value(&value).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    store::put_settings(d, &json, "user", now)?;
    Ok(())
}

/// What a delivery run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AlertDeliveryReport {
    /// Live alerts (open, or snoozed with the date come) on the day.
    #[ts(type = "number")]
    pub live_alerts: usize,
    /// An address is set for the digest.
    pub email_configured: bool,
    /// Alerts the digest carried (0 when none was sent).
    #[ts(type = "number")]
    pub emailed: usize,
    /// The digest's Message-ID, when one was sent.
    pub email_message_id: Option<String>,
    /// Why the digest could not be sent (nothing recorded: the next run tries again).
    pub email_error: Option<String>,
    /// A webhook URL is set.
    pub webhook_configured: bool,
    /// Alerts the webhook accepted.
    #[ts(type = "number")]
    pub webhooks_sent: usize,
    /// One line per alert the webhook did not accept (nothing recorded for it).
    pub webhook_errors: Vec<String>,
}

/// One live alert with what the digest and the payload say about it.
struct Notice {
    alert: StoredAlert,
    grade_now: Option<(String, u8, NaiveDate)>,
    grade_before: Option<(String, u8, NaiveDate)>,
    reasons: Vec<String>,
    suggested_limit: Option<Decimal>,
    action: String,
}

fn notice(d: &Dossier, alert: StoredAlert, today: NaiveDate) -> Result<Notice, ApiError> {
    let history = scores::client_scores(d, alert.client_id, today)?;
    let mut last_two = history.iter().rev();
    let now = last_two.next();
    let before = last_two.next();
    let reasons = now
        .map(|s| {
            serde_json::from_str::<Vec<serde_json::Value>>(&s.reasons_json)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let suggested_limit = now.map(|s| s.suggested_limit);
    let action = suggested_action(&alert.rule, suggested_limit);
    Ok(Notice {
        grade_now: now.map(|s| (s.grade.clone(), s.score, s.scored_on)),
        grade_before: before.map(|s| (s.grade.clone(), s.score, s.scored_on)),
        reasons,
        suggested_limit,
        action,
        alert,
    })
}

/// What the credit manager should do, per rule, in French (the wording a credit manager uses).
fn suggested_action(rule: &str, limit: Option<Decimal>) -> String {
    let base = match rule {
        // legal-rules C: the opening judgment stops individual actions (L622-21), the claim must be
        // declared to the mandataire within two months of the BODACC publication (R622-24).
        "collective_procedure" => {
            "Suspendre les relances (L622-21) et déclarer la créance au mandataire judiciaire dans les deux mois \
             de la publication au BODACC (R622-24)."
        }
        "ceased_activity" => {
            "Vérifier la cessation d'activité auprès du client, bloquer les nouvelles commandes et réclamer le solde."
        }
        "score_drop" => "Revoir la limite de crédit et demander un acompte sur les prochaines commandes.",
        "delays_lengthening" => {
            "Appeler le client pour comprendre l'allongement de ses délais et relancer dès l'échéance."
        }
        "repeated_incidents" => {
            "Examiner les incidents avec le client ; exiger le règlement de l'échu avant toute nouvelle livraison."
        }
        "falling_activity" => {
            "Prendre contact avec le client : une baisse d'activité précède souvent des difficultés de paiement."
        }
        "dispute_jump" => "Traiter les litiges ouverts en priorité et vérifier les livraisons facturées.",
        _ => "Examiner la situation du client.",
    };
    match limit {
        Some(l) if rule != "collective_procedure" => format!("{base} Limite de crédit suggérée : {}.", euros(l)),
        _ => base.to_owned(),
    }
}

/// `12 345,60 €`: French grouping and decimal comma.
fn euros(amount: Decimal) -> String {
    let text = amount.round_dp(2).abs().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() { "-" } else { "" };
    format!("{sign}{grouped},{:0<2} €", frac)
}

fn rule_label(rule: &str) -> &str {
    match rule {
        "delays_lengthening" => "Retards qui s'allongent",
        "repeated_incidents" => "Incidents répétés",
        "falling_activity" => "Activité en baisse",
        "dispute_jump" => "Hausse des litiges",
        "score_drop" => "Chute de la note",
        "collective_procedure" => "Procédure collective",
        "ceased_activity" => "Cessation d'activité",
        other => other,
    }
}

fn fr_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn grade_line(n: &Notice) -> String {
    match (&n.grade_before, &n.grade_now) {
        (Some((gb, sb, db)), Some((gn, sn, dn))) => {
            format!("Note : {gb} → {gn} (score {sb} → {sn} / 100, entre le {} et le {})", fr_date(*db), fr_date(*dn))
        }
        (None, Some((gn, sn, dn))) => format!("Note : {gn} (score {sn} / 100 au {})", fr_date(*dn)),
        _ => "Note : pas encore calculée".to_owned(),
    }
}

/// The digest's subject and text.
fn digest(notices: &[Notice], today: NaiveDate) -> (String, String) {
    let n = notices.len();
    let subject = if n == 1 {
        format!("Encours : 1 alerte risque client au {}", fr_date(today))
    } else {
        format!("Encours : {n} alertes risque client au {}", fr_date(today))
    };
    let mut text = format!(
        "Bonjour,\n\nLe suivi du risque client a relevé {} au {} :\n",
        if n == 1 { "une nouvelle alerte".to_owned() } else { format!("{n} nouvelles alertes") },
        fr_date(today)
    );
    for x in notices {
        let a = &x.alert;
        text.push_str(&format!(
            "\n— {} (client n° {})\n  Alerte : {} — levée le {}\n  Détail : {}\n  {}\n",
            a.client_name,
            a.client_id,
            rule_label(&a.rule),
            fr_date(a.raised_on),
            a.details,
            grade_line(x)
        ));
        if !x.reasons.is_empty() {
            text.push_str("  Raisons principales :\n");
            for r in &x.reasons {
                text.push_str(&format!("    • {r}\n"));
            }
        }
        text.push_str(&format!("  Action suggérée : {}\n", x.action));
    }
    text.push_str(
        "\nCes alertes restent consultables dans Encours (Risque client), où vous pouvez les marquer comme \
         vues ou les reporter.\n\nMessage envoyé automatiquement par Encours.\n",
    );
    (subject, text)
}

/// The webhook's JSON for one alert.
fn payload(x: &Notice) -> serde_json::Value {
    let a = &x.alert;
    let grade = |g: &Option<(String, u8, NaiveDate)>| {
        g.as_ref()
            .map(|(grade, score, on)| serde_json::json!({ "grade": grade, "score": score, "scoredOn": on.to_string() }))
    };
    serde_json::json!({
        "event": "risk_alert",
        "alert": {
            "id": a.id,
            "key": a.dedupe_key,
            "rule": a.rule,
            "label": rule_label(&a.rule),
            "raisedOn": a.raised_on.to_string(),
            "details": a.details,
        },
        "client": { "id": a.client_id, "name": a.client_name },
        "score": { "now": grade(&x.grade_now), "before": grade(&x.grade_before) },
        "reasons": x.reasons,
        "suggestedAction": x.action,
        "suggestedLimit": x.suggested_limit.map(|l| l.round_dp(2).to_string()),
    })
}

fn live(a: &StoredAlert, today: NaiveDate) -> bool {
    a.raised_on <= today && (a.state == "open" || (a.state == "snoozed" && !scores::is_snoozed(a, today)))
}

/// Sends the live alerts no channel has carried yet (module doc) and records each success.
/// `today` decides which alerts are live and dates the digest; `now` dates the records;
/// `unix_time` (seconds, UTC) is the webhook's signed timestamp.
pub fn deliver_alerts(
    d: &mut Dossier,
    today: NaiveDate,
    now: NaiveDateTime,
    unix_time: i64,
) -> Result<AlertDeliveryReport, ApiError> {
    let settings = stored(d)?.unwrap_or_default();
    let live_alerts: Vec<StoredAlert> = scores::alerts(d, None)?.into_iter().filter(|a| live(a, today)).rev().collect();
    let mut report = AlertDeliveryReport { live_alerts: live_alerts.len(), ..AlertDeliveryReport::default() };

    // Email: one digest of what the email channel has not carried.
    if let Some(to) = trimmed(&settings.email_to) {
        report.email_configured = true;
        let done = store::delivered(d, "email")?;
        let pending: Vec<Notice> = live_alerts
            .iter()
            .filter(|a| !done.contains(&a.id))
            .map(|a| notice(d, a.clone(), today))
            .collect::<Result<_, _>>()?;
        if !pending.is_empty() {
            match send_digest(d, &to, &pending, today) {
                Ok(message_id) => {
                    let ids: Vec<i64> = pending.iter().map(|n| n.alert.id).collect();
                    store::record(d, &ids, "email", &message_id, ACTOR, now)?;
                    report.emailed = ids.len();
                    report.email_message_id = Some(message_id);
                }
                Err(e) => report.email_error = Some(e),
            }
        }
    }

    // Webhook: one signed POST per alert the webhook has not carried.
    if let Some(webhook) = settings.webhook()? {
        report.webhook_configured = true;
        let done = store::delivered(d, "webhook")?;
        let pending: Vec<&StoredAlert> = live_alerts.iter().filter(|a| !done.contains(&a.id)).collect();
        if !pending.is_empty() {
            let secret = webhook_secret(&webhook).map_err(keyring_error)?;
            match secret {
                None => report
                    .webhook_errors
                    .push(format!("no signing secret for the webhook {} in the keyring: nothing sent", webhook.url)),
                Some(secret) => {
                    for a in pending {
                        let n = notice(d, a.clone(), today)?;
                        match send_webhook(&webhook, &secret, &payload(&n), unix_time, &a.dedupe_key) {
                            Ok(sent) => {
                                let reference = format!("HTTP {} after {} attempt(s)", sent.status, sent.attempts);
                                store::record(d, &[a.id], "webhook", &reference, ACTOR, now)?;
                                report.webhooks_sent += 1;
                            }
                            Err(e) => report.webhook_errors.push(format!("alert #{}: {e}", a.id)),
                        }
                    }
                }
            }
        }
    }
    Ok(report)
}

/// Sends the digest through the dossier's SMTP settings; `Err` is the message the report keeps.
fn send_digest(d: &Dossier, to: &str, notices: &[Notice], today: NaiveDate) -> Result<String, String> {
    let dto = crate::dispatch::smtp_settings(d).map_err(|e| e.message)?.ok_or_else(|| {
        "no SMTP server is set for this dossier (encours settings smtp --host … --port … --from …)".to_owned()
    })?;
    let settings = dto.to_settings().map_err(|e| e.message)?;
    let password = match settings.username {
        Some(_) => smtp_password(&settings).map_err(|e| e.to_string())?,
        None => None,
    };
    let (subject, text) = digest(notices, today);
    let email = Email {
        to: vec![MailAddress::new(to)],
        cc: vec![],
        bcc: vec![],
        subject,
        text,
        html: None,
        attachments: vec![],
    };
    send_email(&settings, password.as_deref(), &email).map(|s| s.message_id).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_written_the_french_way() {
        assert_eq!(euros(Decimal::new(1234560, 2)), "12\u{202f}345,60 €");
        assert_eq!(euros(Decimal::new(5, 0)), "5,00 €");
        assert_eq!(euros(Decimal::new(1_000_000, 0)), "1\u{202f}000\u{202f}000,00 €");
    }

    #[test]
    fn a_collective_procedure_suggests_the_claim_declaration_without_a_limit() {
        let a = suggested_action("collective_procedure", Some(Decimal::new(1000, 0)));
        assert!(a.contains("R622-24") && !a.contains("Limite"), "{a}");
        let b = suggested_action("score_drop", Some(Decimal::new(1000, 0)));
        assert!(b.contains("1\u{202f}000,00 €"), "{b}");
    }
}
