//! `encours export all`, `encours client export|anonymise`, `encours retention run`:
//! reversibility and personal data (see `encours_app::rgpd` and `encours_app::export_all`).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use clap::Subcommand;
use encours_app::{rgpd, ApiError, ErrorCode, ExportFormat, KeySource};

/// `encours export all`.
#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Every table to open formats, for reversibility: clients, invoices (with lifecycle state),
    /// lifecycle statuses, payments, allocations, disputes and their events, promises, dunning
    /// actions, calls, the audit journal. Amounts as decimal strings beside their currency.
    All {
        /// csv (UTF-8 with BOM, `;`), json or xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Folder to write into (created if needed).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
}

/// `encours client`.
#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Everything the dossier holds about one client, as one JSON file (RGPD right of access).
    Export {
        /// The client's id.
        id: i64,
        /// The JSON file to write.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Replace one client's personal data by a stable pseudonym, keeping amounts and dates
    /// (RGPD erasure). Irreversible: needs --confirm.
    Anonymise {
        /// The client's id.
        id: i64,
        /// Confirm the irreversible change.
        #[arg(long)]
        confirm: bool,
    },
}

/// `encours retention`.
#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Anonymise the clients with nothing open and no activity for longer than the prescription
    /// (5 years, L110-4) plus the margin (setting, default 1 year); --dry-run only lists them.
    Run {
        /// The date the periods are counted back from (default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
        /// List, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show or set the margin kept beyond the prescription, in years.
    Margin {
        /// New margin in years.
        years: Option<u32>,
    },
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("standard output: {e}"))
}

/// Runs `export all`.
pub fn export(path: &Path, keys: &KeySource, command: ExportCommand) -> Result<(), ApiError> {
    let ExportCommand::All { format, to } = command;
    let format: ExportFormat = format.parse()?;
    let d = encours_app::open_dossier(path, keys)?;
    let r = encours_app::export_all(&d, format, &to)?;
    let total: u64 = r.rows.iter().map(|(_, n)| n).sum();
    let mut out = std::io::stdout().lock();
    writeln!(out, "wrote {} files, {total} rows, to {}", r.files.len(), to.display()).map_err(io)?;
    for (table, n) in &r.rows {
        writeln!(out, "  {table:<20} {n}").map_err(io)?;
    }
    Ok(())
}

/// Runs a `client` subcommand.
pub fn client(path: &Path, keys: &KeySource, command: ClientCommand, now: NaiveDateTime) -> Result<(), ApiError> {
    match command {
        ClientCommand::Export { id, to } => {
            let d = encours_app::open_dossier(path, keys)?;
            let r = rgpd::client_export(&d, id, &to, now)?;
            let total: u64 = r.rows.iter().map(|(_, n)| n).sum();
            println!("wrote {} ({total} rows about client {id})", r.path);
        }
        ClientCommand::Anonymise { id, confirm } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let r = rgpd::anonymise_client(&mut d, id, confirm, "cli", now)?;
            for (client, pseudonym) in &r.clients {
                println!("client {client} is now {pseudonym}");
            }
            println!(
                "{} values rewritten, {} documents replaced, {} audit entries redacted",
                r.values_rewritten, r.documents_blanked, r.audit_entries_redacted
            );
        }
    }
    Ok(())
}

/// Runs a `retention` subcommand.
pub fn retention(
    path: &Path,
    keys: &KeySource,
    command: RetentionCommand,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut d = encours_app::open_dossier(path, keys)?;
    let mut out = std::io::stdout().lock();
    match command {
        RetentionCommand::Run { as_of, dry_run, json } => {
            let r = rgpd::retention_run(&mut d, as_of.unwrap_or(today), dry_run, "cli", now)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&r).unwrap_or_default()).map_err(io)?;
                return Ok(());
            }
            writeln!(
                out,
                "as of {}: prescription + margin = {} years, clients inactive before {}",
                r.as_of, r.years, r.cutoff
            )
            .map_err(io)?;
            let verb = if r.dry_run { "would anonymise" } else { "anonymised" };
            for c in &r.candidates {
                writeln!(out, "{verb} {:>6}  {}  (last activity {})", c.client_id, c.name, c.last_activity)
                    .map_err(io)?;
            }
            writeln!(out, "{} clients {verb}", r.candidates.len()).map_err(io)?;
        }
        RetentionCommand::Margin { years } => {
            if let Some(y) = years {
                rgpd::set_retention_margin_years(&mut d, y, now)?;
            }
            let m = rgpd::retention_margin_years(&d)?;
            writeln!(out, "retention: {} years of prescription + {m} years of margin", rgpd::PRESCRIPTION_YEARS)
                .map_err(io)?;
        }
    }
    Ok(())
}
