//! `encours rates`: the ECB and legal-interest tables the dossier computes penalties with.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use clap::Subcommand;
use encours_app::rates::{self, RateTableView};
use encours_app::{ApiError, ErrorCode, KeySource};

/// The rate-table subcommands.
#[derive(Subcommand, Debug)]
pub enum RatesCommand {
    /// The tables in force: shipped with Encours or imported into the dossier, and the dates they cover.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import updated tables (CSV in the layout of assets/rates: `effective_date,…` rows, then
    /// `covered_until,DATE`); each file is recognised by its columns and checked before it is kept.
    Import {
        /// The CSV files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn line(t: &RateTableView) -> String {
    let from = t.covered_from.map_or_else(|| "—".to_owned(), |d| d.to_string());
    let origin = match &t.source {
        Some(file) => format!("{} ({file})", t.origin),
        None => t.origin.clone(),
    };
    format!("{:<15} {:<40} {} rows, from {from} to {}", t.name, origin, t.rows, t.covered_until)
}

/// Runs a rates subcommand on the dossier at `path`.
pub fn run(path: &Path, keys: &KeySource, command: RatesCommand, now: NaiveDateTime) -> Result<(), ApiError> {
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("standard output: {e}"));
    let mut out = std::io::stdout().lock();
    match command {
        RatesCommand::Show { json } => {
            let d = encours_app::open_dossier(path, keys)?;
            let tables = rates::rate_tables(&d)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&tables).unwrap_or_default()).map_err(io)?;
            } else {
                for t in &tables {
                    writeln!(out, "{}", line(t)).map_err(io)?;
                }
            }
        }
        RatesCommand::Import { files } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            for file in files {
                let label = file.display().to_string();
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| ApiError::new(ErrorCode::Io, format!("{label}: cannot read it: {e}")))?;
                let t = rates::import_rate_table(&mut d, &label, &text, now)?;
                writeln!(out, "imported {}", line(&t)).map_err(io)?;
            }
        }
    }
    Ok(())
}
