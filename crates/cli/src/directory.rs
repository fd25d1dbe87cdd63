//! `encours directory SIREN`: what the platform's Directory Service says of a company (legal-rules
//! B.4, Annexe B) — its receiving platform and routing identifiers — through one of the dossier's
//! platform accounts. When the SIREN is a client's, the answer is kept for its client page.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDateTime;
use encours_app::directory::{self, DirectoryEntryView};
use encours_app::{sync, ApiError, ErrorCode, KeySource};

/// Arguments of `encours directory`.
#[derive(clap::Args, Debug)]
pub struct DirectoryArgs {
    /// The SIREN to look up (nine digits).
    pub siren: String,
    /// The platform account to ask (default: the first enabled one).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn text(v: &DirectoryEntryView) -> String {
    if !v.found {
        return format!("{}: not in the directory of {} ({})", v.siren, v.account, v.checked_at);
    }
    let mut out = format!(
        "{} {} ({})\nplatform: {}{}{}\n",
        v.siren,
        v.business_name.as_deref().unwrap_or("-"),
        match v.administrative_status.as_deref() {
            Some("C") => "closed",
            Some("A") => "active",
            _ => "status unknown",
        },
        v.platform_name.as_deref().unwrap_or("none"),
        v.platform_id.as_deref().map(|id| format!(" (no. {id})")).unwrap_or_default(),
        v.platform_type.as_deref().map(|t| format!(" [{t}]")).unwrap_or_default(),
    );
    for l in &v.lines {
        out.push_str(&format!("  {}", l.addressing_identifier));
        if let Some(code) = &l.routing_identifier {
            out.push_str(&format!("  routing {code}"));
        }
        if let Some(name) = &l.routing_name {
            out.push_str(&format!(" — {name}"));
        }
        if let Some(address) = &l.address {
            out.push_str(&format!(", {address}"));
        }
        if let Some(p) = &l.platform_name {
            out.push_str(&format!("  → {p}"));
        }
        out.push('\n');
    }
    out.push_str(&format!("asked {} on {}", v.account, v.checked_at));
    out
}

/// Runs `encours directory` on the dossier at `path`.
pub fn run(path: &Path, keys: &KeySource, args: DirectoryArgs, now: NaiveDateTime) -> Result<(), ApiError> {
    let secrets = sync::secret_store_from_env();
    let mut dossier = encours_app::open_dossier(path, keys)?;
    let siren = args.siren.trim().to_owned();
    let view = match directory::client_with_siren(&dossier, &siren)? {
        Some(client_id) => {
            directory::client_directory_lookup(&mut dossier, secrets.as_ref(), client_id, args.account.as_deref(), now)?
        }
        None => {
            let account = directory::lookup_account(&dossier, args.account.as_deref())?;
            let secret = sync::account_secret(&dossier, secrets.as_ref(), &account.name)?;
            directory::directory_lookup(&account, &secret, &siren, now)?
        }
    };
    let out = if args.json { serde_json::to_string_pretty(&view).unwrap_or_default() } else { text(&view) };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{out}").map_err(|e| ApiError::new(ErrorCode::Io, format!("standard output: {e}")))
}
