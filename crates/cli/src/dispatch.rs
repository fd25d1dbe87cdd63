//! `encours dunning send` and `encours settings smtp|sms|show`: sending the dunning outbox, and the
//! dossier's channel settings. Parsing and printing only; the work is `encours_app::dispatch`.
//!
//! Secrets never go on the command line (it ends up in the shell history and in `ps`): the SMTP
//! password comes from `ENCOURS_SMTP_PASSWORD` and the SMS key from `ENCOURS_SMS_API_KEY`, or else
//! is read from standard input (a prompt when it is a terminal), and goes to the OS keyring.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use clap::{Args, Subcommand};
use encours_app::dispatch::{self, SendReport, SendSelection, SmsSettingsDto, SmtpSettingsDto};
use encours_app::{ApiError, ErrorCode, KeySource};

/// `encours dunning send`.
#[derive(Args, Debug)]
pub struct SendArgs {
    /// The date of the letters and of the penalty computation (default: today, or --today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// Folder the letters and registered letters to print are saved in (PDF).
    #[arg(long, value_name = "FOLDER")]
    pub out: Option<PathBuf>,
    /// Only these outbox actions (repeat the option, or separate ids with commas).
    #[arg(long = "action", value_name = "ID", value_delimiter = ',')]
    pub actions: Vec<i64>,
    /// Also try again the actions whose send failed.
    #[arg(long)]
    pub retry_failed: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `encours settings …`: the dossier's sending channels.
#[derive(Subcommand, Debug)]
pub enum SettingsCommand {
    /// The SMTP server emails are sent through; the password goes to the OS keyring
    /// (ENCOURS_SMTP_PASSWORD, or typed when asked).
    Smtp {
        /// Server name or address.
        #[arg(long)]
        host: String,
        /// Port (default: 587 with starttls, 465 with tls, 25 with plain-local).
        #[arg(long)]
        port: Option<u16>,
        /// starttls, tls or plain-local (clear text, only to this machine).
        #[arg(long, default_value = "starttls")]
        security: String,
        /// User name for authentication (none: a relay that does not authenticate, no password).
        #[arg(long)]
        user: Option<String>,
        /// Sender address.
        #[arg(long)]
        from: String,
        /// Sender name.
        #[arg(long)]
        from_name: Option<String>,
        /// Where the clients' answers go.
        #[arg(long)]
        reply_to: Option<String>,
        /// Seconds to wait for the server at each step.
        #[arg(long, default_value_t = 30)]
        timeout: u32,
        /// A PEM file with the root certificate of a server using the company's own authority.
        #[arg(long, value_name = "FILE")]
        ca: Option<PathBuf>,
    },
    /// The SMS provider's HTTP API; its key goes to the OS keyring (ENCOURS_SMS_API_KEY, or typed
    /// when asked).
    Sms {
        /// The URL messages are POSTed to.
        #[arg(long)]
        endpoint: String,
        /// The sender name or number shown on the phone.
        #[arg(long)]
        sender: String,
        /// json or form.
        #[arg(long, default_value = "json")]
        body_kind: String,
        /// The body with {to}, {from}, {text} (and {key}): JSON, or name=value pairs joined by &.
        #[arg(long, default_value = r#"{"to": "{to}", "from": "{from}", "text": "{text}"}"#)]
        body: String,
        /// header, basic or body.
        #[arg(long, default_value = "header")]
        key_placement: String,
        /// The header carrying the key.
        #[arg(long, default_value = "Authorization")]
        key_header: String,
        /// Text before the key in the header.
        #[arg(long, default_value = "Bearer ")]
        key_prefix: String,
        /// The account id for basic authentication.
        #[arg(long)]
        basic_user: Option<String>,
        /// Seconds to wait for the provider.
        #[arg(long, default_value_t = 30)]
        timeout: u32,
    },
    /// Show the channel settings (never a secret: only whether the keyring holds one).
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("standard output: {e}"))
}

/// A secret from the environment variable, else from standard input (asked for on a terminal).
/// `Ok(None)` when there is none to give (an empty line).
fn secret(variable: &str, what: &str) -> Result<Option<String>, ApiError> {
    if let Ok(value) = std::env::var(variable) {
        return Ok(Some(value).filter(|v| !v.is_empty()));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{what} (or set {variable}; the typed text is shown): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| ApiError::new(ErrorCode::Io, format!("standard input: {e}")))?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    Ok(Some(line).filter(|l| !l.is_empty()))
}

/// Runs `encours dunning send` on the dossier at `path`.
pub fn send(
    path: &Path,
    keys: &KeySource,
    args: SendArgs,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut d = encours_app::open_dossier(path, keys)?;
    let selection = SendSelection {
        action_ids: if args.actions.is_empty() { None } else { Some(args.actions) },
        retry_failed: args.retry_failed,
    };
    let mut err = std::io::stderr();
    let report = dispatch::send_outbox_with_progress(
        &mut d,
        args.as_of.unwrap_or(today),
        now,
        &selection,
        args.out.as_deref(),
        &mut |o, done, total| {
            if !args.json {
                let _ =
                    writeln!(err, "[{done}/{total}] {} {} {}: {}", o.action_id, o.channel, o.client_name, o.outcome);
            }
        },
    )?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report).unwrap_or_default()).map_err(io)?;
    } else {
        print_report(&mut out, &report)?;
    }
    Ok(())
}

fn print_report(out: &mut impl Write, r: &SendReport) -> Result<(), ApiError> {
    for o in r.outcomes.iter().filter(|o| o.outcome != "skipped") {
        let what = match o.outcome.as_str() {
            "sent" => o.message_id.clone().unwrap_or_default(),
            "to_print" => o.file.clone().unwrap_or_default(),
            _ => o.detail.clone().unwrap_or_default(),
        };
        writeln!(out, "{}\t{}\t{}\t{}\t{}", o.action_id, o.channel, o.outcome, o.client_name, what).map_err(io)?;
    }
    writeln!(
        out,
        "dunning send of {}: {} sent, {} to print, {} failed, {} left to a person",
        r.as_of, r.sent, r.to_print, r.failed, r.skipped
    )
    .map_err(io)?;
    if !r.interrupted.is_empty() {
        let ids: Vec<String> = r.interrupted.iter().map(i64::to_string).collect();
        writeln!(
            out,
            "interrupted earlier, not sent again (the message may have left; check and set their state): {}",
            ids.join(", ")
        )
        .map_err(io)?;
    }
    Ok(())
}

/// Runs `encours settings …` on the dossier at `path`.
pub fn settings(path: &Path, keys: &KeySource, command: SettingsCommand, now: NaiveDateTime) -> Result<(), ApiError> {
    let mut d = encours_app::open_dossier(path, keys)?;
    let mut out = std::io::stdout().lock();
    match command {
        SettingsCommand::Smtp { host, port, security, user, from, from_name, reply_to, timeout, ca } => {
            let port = match port {
                Some(p) => p,
                None => dispatch::parse_security(&security)?.default_port(),
            };
            let extra_root_certificate_pem = ca
                .map(|f| {
                    std::fs::read_to_string(&f)
                        .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read {}: {e}", f.display())))
                })
                .transpose()?;
            let dto = SmtpSettingsDto {
                host,
                port,
                security,
                username: user,
                from_address: from,
                from_name,
                reply_to,
                timeout_seconds: timeout,
                extra_root_certificate_pem,
                has_password: false,
            };
            // Checked before a password is asked for.
            dto.to_settings()?;
            let password = match dto.username {
                Some(_) => secret("ENCOURS_SMTP_PASSWORD", "SMTP password")?,
                None => None,
            };
            dispatch::update_smtp_settings(&mut d, &dto, password.as_deref(), now)?;
            let kept = dispatch::smtp_settings(&d)?.is_some_and(|s| s.has_password);
            writeln!(
                out,
                "SMTP: {}:{} ({}){}",
                dto.host,
                dto.port,
                dto.security,
                if dto.username.is_none() {
                    ", no authentication"
                } else if kept {
                    ", password in the keyring"
                } else {
                    ", NO password in the keyring"
                }
            )
            .map_err(io)?;
        }
        SettingsCommand::Sms {
            endpoint,
            sender,
            body_kind,
            body,
            key_placement,
            key_header,
            key_prefix,
            basic_user,
            timeout,
        } => {
            let dto = SmsSettingsDto {
                endpoint,
                sender,
                body_kind,
                body_template: body,
                key_placement,
                key_header: Some(key_header),
                key_prefix: Some(key_prefix),
                basic_username: basic_user,
                timeout_seconds: timeout,
                has_key: false,
            };
            dto.to_settings()?;
            let key = secret("ENCOURS_SMS_API_KEY", "SMS provider API key")?;
            dispatch::update_sms_settings(&mut d, &dto, key.as_deref(), now)?;
            let kept = dispatch::sms_settings(&d)?.is_some_and(|s| s.has_key);
            writeln!(
                out,
                "SMS: {}{}",
                dto.endpoint,
                if kept { ", key in the keyring" } else { ", NO key in the keyring" }
            )
            .map_err(io)?;
        }
        SettingsCommand::Show { json } => {
            let smtp = dispatch::smtp_settings(&d)?;
            let sms = dispatch::sms_settings(&d)?;
            if json {
                let v = serde_json::json!({ "smtp": smtp, "sms": sms });
                writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default()).map_err(io)?;
            } else {
                match smtp {
                    Some(s) => writeln!(
                        out,
                        "SMTP: {}:{} ({}), from {}, user {}, password {}",
                        s.host,
                        s.port,
                        s.security,
                        s.from_address,
                        s.username.as_deref().unwrap_or("none"),
                        if s.has_password { "in the keyring" } else { "missing" }
                    ),
                    None => writeln!(out, "SMTP: not set"),
                }
                .map_err(io)?;
                match sms {
                    Some(s) => writeln!(
                        out,
                        "SMS: {} as {}, key {}",
                        s.endpoint,
                        s.sender,
                        if s.has_key { "in the keyring" } else { "missing" }
                    ),
                    None => writeln!(out, "SMS: not set"),
                }
                .map_err(io)?;
            }
        }
    }
    Ok(())
}
