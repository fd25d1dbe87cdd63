//! `encours --dossier D score {run|show|alerts|ack|snooze|delivery|backtest}`: printing only; the work
//! is in `encours_app::scoring` and `encours_app::alert_delivery`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_app::alert_delivery::{self, AlertDeliveryReport};
use encours_app::{ApiError, ErrorCode, KeySource};

use crate::ScoreCommand;

fn io(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("standard output: {e}"))
}

/// Prints a value made by `serde_json::to_value` (the CLI does not depend on serde itself).
fn json(value: serde_json::Result<serde_json::Value>) -> Result<(), ApiError> {
    let value = value.map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    writeln!(crate::QuietPipe(std::io::stdout().lock()), "{text}").map_err(io)
}

/// Runs a `score` subcommand on the dossier at `path`.
pub fn run(
    path: &Path,
    keys: &KeySource,
    command: ScoreCommand,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut out = crate::QuietPipe(std::io::stdout().lock());
    match command {
        ScoreCommand::Run { as_of, deliver, json: as_json } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let as_of = as_of.unwrap_or(today);
            // The daily job's run (two connections, two threads); a cancel flag no one sets.
            let never = std::sync::atomic::AtomicBool::new(false);
            let printed = std::cell::Cell::new(0usize);
            let progress = |p: encours_app::scoring::ScoringProgress| {
                // About every 10,000 clients (the run reports every 1,000 of one thread's share).
                if !as_json && p.total > 0 && p.done / 10_000 > printed.get() {
                    printed.set(p.done / 10_000);
                    eprintln!("  {} of {} clients scored", p.done, p.total);
                }
            };
            let r = encours_app::scoring::rescore(&mut d, Some(keys), as_of, now, &progress, &never)?
                .ok_or_else(|| ApiError::new(ErrorCode::Internal, "a run without a cancel flag was cancelled"))?;
            if as_json {
                if deliver {
                    let delivery = deliver_alerts(&mut d, today, now)?;
                    json(Ok(serde_json::json!({ "run": r, "delivery": delivery })))?;
                    return delivery_outcome(&delivery);
                }
                return json(serde_json::to_value(&r));
            }
            writeln!(out, "scored {} clients on {}", r.clients_scored, r.as_of).map_err(io)?;
            writeln!(
                out,
                "model          {} (fitted on {}{})",
                r.model,
                r.model_fitted_on,
                if r.model_refitted { ", this run" } else { "" }
            )
            .map_err(io)?;
            if !r.model_note.is_empty() {
                writeln!(out, "               {}", r.model_note).map_err(io)?;
            }
            let grades: Vec<String> = r.grades.iter().map(|g| format!("{} {}", g.grade, g.clients)).collect();
            writeln!(out, "grades         {}", grades.join("  ")).map_err(io)?;
            writeln!(out, "new alerts     {} ({} already raised)", r.new_alerts, r.known_alerts).map_err(io)?;
            if r.replaced > 0 {
                writeln!(out, "replaced       {} scores of {}", r.replaced, r.as_of).map_err(io)?;
            }
            if deliver {
                let delivery = deliver_alerts(&mut d, today, now)?;
                print_delivery(&mut out, &delivery)?;
                delivery_outcome(&delivery)?;
            }
        }
        ScoreCommand::Show { client, as_of, json: as_json } => {
            let d = encours_app::open_dossier(path, keys)?;
            let v = encours_app::scoring::score_show(&d, client, as_of.unwrap_or(today))?;
            if as_json {
                return json(serde_json::to_value(&v));
            }
            writeln!(out, "{} (client {}), scored on {}", v.client_name, v.client_id, v.scored_on).map_err(io)?;
            writeln!(out, "score          {} / 100, grade {}", v.score, v.grade).map_err(io)?;
            writeln!(out, "based on       {} invoices", v.invoices_scored).map_err(io)?;
            for r in &v.reasons {
                writeln!(out, "reason         {}", r.text).map_err(io)?;
            }
            writeln!(out, "credit limit   {} EUR ({})", v.suggested_limit, v.limit_rule).map_err(io)?;
            for n in &v.external_notes {
                writeln!(out, "external       {n}").map_err(io)?;
            }
            let history: Vec<String> = v.history.iter().map(|p| format!("{} {}", p.date, p.score)).collect();
            writeln!(out, "history        {}", history.join(", ")).map_err(io)?;
            for a in &v.alerts {
                writeln!(out, "alert #{:<6} {} {} [{}] {}", a.id, a.raised_on, a.rule, a.state, a.details)
                    .map_err(io)?;
            }
        }
        ScoreCommand::Alerts { deliver: true, json: as_json, .. } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let delivery = deliver_alerts(&mut d, today, now)?;
            if as_json {
                json(serde_json::to_value(&delivery))?;
                return delivery_outcome(&delivery);
            }
            print_delivery(&mut out, &delivery)?;
            delivery_outcome(&delivery)?;
        }
        ScoreCommand::Delivery { email, webhook_url, webhook_secret_stdin, webhook_attempts, json: as_json } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let changing = email.is_some() || webhook_url.is_some() || webhook_attempts.is_some();
            let secret = webhook_secret(webhook_secret_stdin)?;
            if changing || secret.is_some() {
                let mut dto = alert_delivery::alert_delivery_settings(&d)?.unwrap_or_default();
                if let Some(e) = email {
                    dto.email_to = Some(e).filter(|e| !e.trim().is_empty());
                }
                if let Some(u) = webhook_url {
                    dto.webhook_url = Some(u).filter(|u| !u.trim().is_empty());
                }
                if let Some(n) = webhook_attempts {
                    dto.webhook_max_attempts = n;
                }
                alert_delivery::update_alert_delivery_settings(&mut d, &dto, secret.as_deref(), now)?;
            }
            let dto = alert_delivery::alert_delivery_settings(&d)?;
            if as_json {
                return json(serde_json::to_value(&dto));
            }
            let dto = dto.unwrap_or_default();
            writeln!(out, "email to       {}", dto.email_to.as_deref().unwrap_or("(none)")).map_err(io)?;
            writeln!(
                out,
                "webhook        {}{}",
                dto.webhook_url.as_deref().unwrap_or("(none)"),
                match (&dto.webhook_url, dto.has_webhook_secret) {
                    (Some(_), true) => " (secret in the keyring)",
                    (Some(_), false) => " (no secret in the keyring: nothing will be sent)",
                    _ => "",
                }
            )
            .map_err(io)?;
            writeln!(
                out,
                "               {} attempt(s), {} s each",
                dto.webhook_max_attempts, dto.webhook_timeout_seconds
            )
            .map_err(io)?;
        }
        ScoreCommand::Alerts { state, json: as_json, .. } => {
            let d = encours_app::open_dossier(path, keys)?;
            let alerts = encours_app::scoring::score_alerts(&d, state.as_deref())?;
            if as_json {
                return json(serde_json::to_value(&alerts));
            }
            for a in &alerts {
                writeln!(
                    out,
                    "#{:<6} {} {:<22} {:<13} {} — {}",
                    a.id, a.raised_on, a.rule, a.state, a.client_name, a.details
                )
                .map_err(io)?;
            }
            writeln!(out, "{} alerts", alerts.len()).map_err(io)?;
        }
        ScoreCommand::Ack { id } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            encours_app::scoring::acknowledge_alert(&mut d, id, now)?;
            writeln!(out, "alert #{id} acknowledged").map_err(io)?;
        }
        ScoreCommand::Snooze { id, until } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            encours_app::scoring::snooze_alert(&mut d, id, until, now)?;
            writeln!(out, "alert #{id} snoozed until {until}").map_err(io)?;
        }
        ScoreCommand::Leadtime { json: as_json } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let r = encours_app::scoring::demo_lead_times(&mut d, Some(keys), now)?;
            if as_json {
                return json(serde_json::to_value(&r));
            }
            writeln!(out, "Daily scoring replayed every {} days, {} .. {}", r.step_days, r.from, r.to).map_err(io)?;
            writeln!(
                out,
                "{:>7} {:<11} {:<11} {:>9} {:<22} 3-6 months",
                "client", "failed on", "alerted on", "lead", "rule"
            )
            .map_err(io)?;
            for f in &r.failures {
                writeln!(
                    out,
                    "{:>7} {:<11} {:<11} {:>9} {:<22} {}",
                    f.client_id,
                    f.failed_on,
                    f.first_alert_on.as_deref().unwrap_or("-"),
                    f.lead_days.map_or_else(|| "-".to_string(), |n| format!("{n} d")),
                    f.first_rule.as_deref().unwrap_or("-"),
                    if f.within_3_to_6_months { "yes" } else { "no" }
                )
                .map_err(io)?;
            }
            writeln!(out, "alerted 3 to 6 months ahead: {} of {}", r.alerted_3_to_6_months, r.failures.len())
                .map_err(io)?;
            writeln!(
                out,
                "false alerts: {} of {} healthy clients alerted in the 12 months to {} ({}.{:02} %)",
                r.healthy_alerted,
                r.healthy_clients,
                r.to,
                r.false_alert_share_bp / 100,
                r.false_alert_share_bp % 100
            )
            .map_err(io)?;
        }
        ScoreCommand::Backtest { ibm_csv: _, as_of, json: as_json } => {
            let d = encours_app::open_dossier(path, keys)?;
            let r = encours_app::scoring::score_backtest(&d, as_of.unwrap_or(today))?;
            if as_json {
                return json(serde_json::to_value(&r));
            }
            writeln!(out, "Dossier backtest as of {}: test cutoffs {} .. {}", r.as_of, r.test_from, r.test_to)
                .map_err(io)?;
            writeln!(
                out,
                "{:<28} {:>7} {:>7} {:>11} {:>9} {:>11} {:>7}",
                "target", "auc", "brier", "recall@10%", "naive_auc", "naive_rec", "n_test"
            )
            .map_err(io)?;
            for t in &r.targets {
                writeln!(
                    out,
                    "{:<28} {:>7.3} {:>7.4} {:>11.3} {:>9.3} {:>11.3} {:>7}",
                    t.name, t.auc, t.brier, t.recall_at_10pct, t.naive_auc, t.naive_recall_at_10pct, t.n_test
                )
                .map_err(io)?;
            }
            for w in &r.warnings {
                writeln!(out, "warning: {w}").map_err(io)?;
            }
        }
    }
    Ok(())
}

/// Delivers the live alerts; the webhook's signed timestamp is `now` (local wall time, read by
/// `main`) converted to Unix time through the local time zone (no clock read here).
fn deliver_alerts(
    d: &mut encours_app::Dossier,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<AlertDeliveryReport, ApiError> {
    use chrono::TimeZone;
    let unix =
        chrono::Local.from_local_datetime(&now).earliest().map_or_else(|| now.and_utc().timestamp(), |t| t.timestamp());
    alert_delivery::deliver_alerts(d, today, now, unix)
}

/// A failed send makes the command fail (after the report is printed), so a scheduled run is noticed;
/// nothing was recorded for it and the next run tries again.
fn delivery_outcome(r: &AlertDeliveryReport) -> Result<(), ApiError> {
    let failed = usize::from(r.email_error.is_some()) + r.webhook_errors.len();
    if failed == 0 {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::Io,
        format!("{failed} alert delivery send(s) failed (listed above); the next delivery run tries them again"),
    ))
}

fn print_delivery(out: &mut impl Write, r: &AlertDeliveryReport) -> Result<(), ApiError> {
    writeln!(out, "live alerts    {}", r.live_alerts).map_err(io)?;
    if r.email_configured {
        match (&r.email_message_id, &r.email_error) {
            (Some(id), _) => writeln!(out, "email          digest of {} alert(s) sent, {id}", r.emailed),
            (None, Some(e)) => writeln!(out, "email          FAILED: {e}"),
            (None, None) => writeln!(out, "email          nothing new to send"),
        }
        .map_err(io)?;
    } else {
        writeln!(out, "email          no address set (encours score delivery --email …)").map_err(io)?;
    }
    if r.webhook_configured {
        writeln!(out, "webhook        {} alert(s) sent, {} failed", r.webhooks_sent, r.webhook_errors.len())
            .map_err(io)?;
        for e in &r.webhook_errors {
            writeln!(out, "               {e}").map_err(io)?;
        }
    } else {
        writeln!(out, "webhook        no URL set (encours score delivery --webhook-url …)").map_err(io)?;
    }
    Ok(())
}

/// The webhook secret from ENCOURS_WEBHOOK_SECRET, or from standard input when asked; never echoed.
fn webhook_secret(from_stdin: bool) -> Result<Option<String>, ApiError> {
    if let Ok(value) = std::env::var("ENCOURS_WEBHOOK_SECRET") {
        return Ok(Some(value).filter(|v| !v.is_empty()));
    }
    if !from_stdin {
        return Ok(None);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("webhook signing secret (the typed text is shown): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| ApiError::new(ErrorCode::Io, format!("standard input: {e}")))?;
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()).filter(|l| !l.is_empty()))
}
