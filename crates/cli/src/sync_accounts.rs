//! `encours --dossier D sync [--account NAME] [--json]` and `encours --dossier D sync accounts
//! add|list|remove`: printing only; the work is in `encours_app::sync`.
//!
//! The accounts are the dossier's (the same the app's Paramètres › Plateformes shows). Secrets come
//! from the OS keyring, or from `ENCOURS_PA_SECRET` when it is set (one secret for every account,
//! nothing written to the keyring: headless machines and tests, as `ENCOURS_KEY_HEX` is for keys).
//!
//! `--base-url URL` keeps the older form: the account is described on the command line instead of
//! read from the dossier, and its secret read from `ENCOURS_PA_SECRET` (the crash harness uses it).

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use chrono::NaiveDateTime;
use clap::Subcommand;
use encours_app::sync::{self, GrantKind, PlatformAccount, SyncPhase, SyncProgress, SyncSummary};
use encours_app::{ApiError, ErrorCode, KeySource};

/// Arguments of `encours sync`.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    /// Manage the dossier's platform accounts.
    #[command(subcommand)]
    command: Option<SyncCommand>,
    /// Only this account of the dossier (default: every enabled account).
    #[arg(long)]
    account: Option<String>,
    /// An account not kept in the dossier: the base URL of its Flow Service (routes /v1/...
    /// are appended); its secret is read from ENCOURS_PA_SECRET.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// With --base-url: the OAuth2 token endpoint (default: BASE_URL/oauth/token).
    #[arg(long, value_name = "URL")]
    token_url: Option<String>,
    /// With --base-url: the OAuth2 client id.
    #[arg(long, default_value = "encours")]
    client_id: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Print no progress on standard error.
    #[arg(long)]
    quiet: bool,
}

/// `encours sync accounts ...`.
#[derive(Subcommand, Debug)]
enum SyncCommand {
    /// The dossier's platform accounts.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
}

/// The account subcommands.
#[derive(Subcommand, Debug)]
enum AccountsCommand {
    /// Add an account; its secret (client secret or refresh token) is read from ENCOURS_PA_SECRET
    /// or, when unset, from the first line of standard input, and goes to the OS keyring only.
    Add {
        /// Name of the account in the dossier.
        name: String,
        /// Base URL of the platform's Flow Service.
        #[arg(long, value_name = "URL")]
        base_url: String,
        /// OAuth2 token endpoint (default: BASE_URL/oauth/token).
        #[arg(long, value_name = "URL")]
        token_url: Option<String>,
        /// OAuth2 client id.
        #[arg(long)]
        client_id: String,
        /// `client-credentials` or `refresh-token`.
        #[arg(long, default_value = "client-credentials")]
        grant: String,
        /// OAuth2 scopes, space-separated.
        #[arg(long)]
        scopes: Option<String>,
        /// Flow types, comma-separated (CustomerInvoice, CustomerInvoiceLC, SupplierInvoice).
        #[arg(long, default_value = "CustomerInvoice,CustomerInvoiceLC")]
        flow_types: String,
        /// Sync in the background every N minutes (the desktop app); default: on demand only.
        #[arg(long, value_name = "MINUTES")]
        every: Option<u32>,
        /// Add it disabled (not synced until enabled).
        #[arg(long)]
        disabled: bool,
    },
    /// List the accounts (never their secrets).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove an account and its secret from the keyring (what it synced stays in the dossier).
    Remove {
        /// Its name.
        name: String,
    },
}

fn out(text: &str) -> Result<(), ApiError> {
    writeln!(std::io::stdout().lock(), "{text}")
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("standard output: {e}")))
}

/// Runs `encours sync ...`.
pub fn run(path: &Path, keys: &KeySource, args: SyncArgs, now: NaiveDateTime) -> Result<(), ApiError> {
    match args.command {
        Some(SyncCommand::Accounts { command }) => accounts(path, keys, command, now),
        None if args.base_url.is_some() => legacy(path, keys, args, now),
        None => sync_dossier_accounts(path, keys, &args, now),
    }
}

fn accounts(path: &Path, keys: &KeySource, command: AccountsCommand, now: NaiveDateTime) -> Result<(), ApiError> {
    let secrets = sync::secret_store_from_env();
    let mut dossier = encours_app::open_dossier(path, keys)?;
    match command {
        AccountsCommand::Add { name, base_url, token_url, client_id, grant, scopes, flow_types, every, disabled } => {
            let base = base_url.trim().trim_end_matches('/').to_owned();
            let mut account = PlatformAccount::new(
                &name,
                &base,
                &token_url.unwrap_or_else(|| format!("{base}/oauth/token")),
                &client_id,
            );
            account.grant = match grant.as_str() {
                "client-credentials" => GrantKind::ClientCredentials,
                "refresh-token" => GrantKind::RefreshToken,
                other => {
                    return Err(ApiError::invalid(format!(
                        "grant: {other:?} is neither client-credentials nor refresh-token"
                    )))
                }
            };
            account.scopes = scopes;
            account.flow_types = flow_types.split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
            account.schedule_minutes = every;
            account.enabled = !disabled;
            let secret = match std::env::var(sync::SECRET_ENV_VAR) {
                Ok(s) if !s.is_empty() => s,
                _ => {
                    eprintln!("secret of {name} (one line on standard input):");
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| ApiError::new(ErrorCode::Io, format!("standard input: {e}")))?;
                    line.trim().to_owned()
                }
            };
            let added = sync::add_account(&mut dossier, secrets.as_ref(), &account, &secret, now)?;
            out(&format!("platform account {} added ({})", added.name, added.base_url))
        }
        AccountsCommand::List { json } => {
            let list = sync::list_accounts(&dossier, secrets.as_ref())?;
            if json {
                return out(&serde_json::to_string_pretty(&list).unwrap_or_default());
            }
            if list.is_empty() {
                return out("no platform account");
            }
            let mut text = String::new();
            for a in &list {
                let grant = match a.grant {
                    GrantKind::ClientCredentials => "client-credentials",
                    GrantKind::RefreshToken => "refresh-token",
                };
                let schedule = a.schedule_minutes.map_or("on demand".to_owned(), |m| format!("every {m} min"));
                text.push_str(&format!(
                    "{}{}  {}  token {}  client {}  {}  [{}]  {}  secret {}\n",
                    a.name,
                    if a.enabled { "" } else { " (disabled)" },
                    a.base_url,
                    a.token_url,
                    a.client_id,
                    grant,
                    a.flow_types.join(","),
                    schedule,
                    if a.has_secret { "in keyring" } else { "MISSING" }
                ));
            }
            out(text.trim_end())
        }
        AccountsCommand::Remove { name } => {
            sync::delete_account(&mut dossier, secrets.as_ref(), &name, now)?;
            out(&format!("platform account {name} removed"))
        }
    }
}

fn progress_line(p: &SyncProgress) {
    let line = match p.phase {
        SyncPhase::Connecting => format!("{}: connecting", p.account),
        SyncPhase::Downloading if p.downloaded.is_multiple_of(100) => format!("{}: {} flows", p.account, p.downloaded),
        SyncPhase::Uploading => format!("{}: sending the outgoing messages", p.account),
        _ => return,
    };
    eprintln!("{line}");
}

fn sync_dossier_accounts(path: &Path, keys: &KeySource, args: &SyncArgs, now: NaiveDateTime) -> Result<(), ApiError> {
    let secrets = sync::secret_store_from_env();
    let mut dossier = encours_app::open_dossier(path, keys)?;
    let cancel = AtomicBool::new(false);
    let quiet = args.quiet || args.json;
    let on_progress = |p: SyncProgress| {
        if !quiet {
            progress_line(&p);
        }
    };
    let summary =
        sync::sync_with_progress(&mut dossier, secrets.as_ref(), args.account.as_deref(), now, &on_progress, &cancel)?;
    if args.json {
        out(&serde_json::to_string_pretty(&summary).unwrap_or_default())?;
    } else {
        out(&summary_text(&summary))?;
    }
    if summary.has_errors() {
        return Err(ApiError::new(ErrorCode::Io, "the sync stopped on an error (above); the next run resumes it"));
    }
    Ok(())
}

fn summary_text(s: &SyncSummary) -> String {
    let mut text = String::new();
    for r in &s.runs {
        text.push_str(&format!(
            "{}: {} flows downloaded ({} imported, {} duplicates, {} failed), {} known, {} ignored; cursor {}",
            r.account,
            r.downloaded,
            r.imported,
            r.duplicates,
            r.failed,
            r.known,
            r.ignored,
            r.cursor_after.as_deref().unwrap_or("-")
        ));
        if let Some(e) = &r.error {
            text.push_str(&format!("\n  error: {e}"));
        }
        text.push('\n');
    }
    if let Some(u) = &s.upload {
        text.push_str(&format!(
            "outbox: {} uploaded, {} found already sent, {} acknowledged, {} pending, {} refused\n",
            u.uploaded,
            u.found,
            u.acknowledged,
            u.pending,
            u.refused.len()
        ));
        for refusal in &u.refused {
            text.push_str(&format!("  refused {refusal}\n"));
        }
    }
    if let Some(e) = &s.upload_error {
        text.push_str(&format!("outbox: {e}\n"));
    }
    text.trim_end().to_owned()
}

/// The older form: one account described on the command line, secret from `ENCOURS_PA_SECRET`.
fn legacy(path: &Path, keys: &KeySource, args: SyncArgs, now: NaiveDateTime) -> Result<(), ApiError> {
    let secret = std::env::var(sync::SECRET_ENV_VAR).map_err(|_| {
        ApiError::invalid("with --base-url, the account's secret is read from ENCOURS_PA_SECRET: set it")
    })?;
    let base = args.base_url.unwrap_or_default().trim_end_matches('/').to_owned();
    let account = PlatformAccount::new(
        args.account.as_deref().unwrap_or("default"),
        &base,
        &args.token_url.unwrap_or_else(|| format!("{base}/oauth/token")),
        &args.client_id,
    );
    let mut dossier = encours_app::open_dossier(path, keys)?;
    let report = sync::sync_account(&mut dossier, &account, &secret, now)?;
    // Then our own messages: the queued 212 Encaissée, and the acknowledgement of earlier uploads.
    let uploads = sync::upload_outbox(&mut dossier, &account, &secret, now)?;
    let summary = SyncSummary { runs: vec![report], upload: Some(uploads), upload_error: None, cancelled: false };
    if args.json {
        out(&serde_json::to_string_pretty(&serde_json::json!({ "sync": summary.runs[0], "upload": summary.upload }))
            .unwrap_or_default())
    } else {
        out(&summary_text(&summary))
    }
}
