//! `encours backup`: encrypted backups of the dossier (create, list, restore, the scheduled one,
//! the policy). See `encours_app::backup`.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use clap::Subcommand;
use encours_app::backup::{self, BackupPolicy};
use encours_app::{ApiError, ErrorCode, KeySource};

/// The backup subcommands.
#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Take an encrypted backup now (the whole dossier, evidence files included), then delete the
    /// generations beyond the policy's count.
    Create {
        /// Folder of the backups (default: the policy's, else `<dossier>.backups` beside it).
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the dossier's backups, newest first, with anything wrong with them.
    List {
        /// Folder of the backups (default: `<dossier>.backups` beside it).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a backup (manifest, SHA-256, every page, row counts) and restore it as a new dossier.
    /// Never overwrites: PATH must not exist. Needs no --dossier.
    Restore {
        /// The backup file (`….encours-backup`, its manifest beside it).
        file: PathBuf,
        /// Where to put the restored dossier.
        #[arg(long, value_name = "PATH")]
        to: PathBuf,
    },
    /// The scheduled backup: takes one when the newest is older than the policy's period (for a
    /// daily task; the shell calls the same function when a dossier is opened).
    Auto {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the backup policy, or change it.
    Policy {
        /// Generations kept.
        #[arg(long, value_name = "N")]
        keep: Option<u32>,
        /// Days between scheduled backups.
        #[arg(long, value_name = "DAYS")]
        every_days: Option<u32>,
        /// Folder of the backups ("" for the default beside the dossier).
        #[arg(long, value_name = "DIR")]
        dir: Option<String>,
    },
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("standard output: {e}"))
}

fn created(out: &mut impl Write, r: &backup::BackupReport) -> Result<(), ApiError> {
    let rows: i64 = r.manifest.counts.values().sum();
    writeln!(out, "backup {} ({} bytes, {rows} rows, sha256 {})", r.path, r.manifest.size, r.manifest.sha256)
        .map_err(io)?;
    for p in &r.pruned {
        writeln!(out, "pruned {p}").map_err(io)?;
    }
    Ok(())
}

/// `encours backup restore FILE --to PATH`: needs no dossier.
pub fn restore(file: &Path, to: &Path, keys: &KeySource) -> Result<(), ApiError> {
    let r = backup::restore_backup(file, keys, to)?;
    let rows: i64 = r.counts.values().sum();
    println!("restored {} from {} (taken {}, {rows} rows checked)", r.path, r.from, r.created_at);
    Ok(())
}

/// Runs a backup subcommand on the dossier at `path`.
pub fn run(path: &Path, keys: &KeySource, command: BackupCommand, now: NaiveDateTime) -> Result<(), ApiError> {
    let mut out = std::io::stdout().lock();
    match command {
        BackupCommand::Create { to, json: as_json } => {
            let d = encours_app::open_dossier(path, keys)?;
            let r = backup::create_backup(&d, keys, to.as_deref(), now)?;
            if as_json {
                writeln!(out, "{}", serde_json::to_string_pretty(&r).unwrap_or_default()).map_err(io)?;
            } else {
                created(&mut out, &r)?;
            }
        }
        BackupCommand::List { dir, json: as_json } => {
            let dir = match dir {
                Some(d) => Some(d),
                // The policy's folder needs the dossier open; without a key, the default folder.
                None => encours_app::open_dossier(path, keys)
                    .ok()
                    .and_then(|d| backup::backup_policy(&d).ok())
                    .and_then(|p| p.dir.map(PathBuf::from)),
            };
            let list = backup::list_backups(path, dir.as_deref())?;
            if as_json {
                writeln!(out, "{}", serde_json::to_string_pretty(&list).unwrap_or_default()).map_err(io)?;
            } else if list.is_empty() {
                writeln!(out, "no backup of {}", path.display()).map_err(io)?;
            } else {
                for b in &list {
                    match (&b.manifest, &b.problem) {
                        (Some(m), None) => {
                            writeln!(out, "{}  {}  schema {}  {} bytes", m.created_at, b.path, m.schema_version, m.size)
                        }
                        (_, Some(p)) => writeln!(out, "DAMAGED  {}: {p}", b.path),
                        (None, None) => writeln!(out, "?  {}", b.path),
                    }
                    .map_err(io)?;
                }
            }
        }
        BackupCommand::Restore { file, to } => restore(&file, &to, keys)?,
        BackupCommand::Auto { json: as_json } => {
            let d = encours_app::open_dossier(path, keys)?;
            let policy = backup::backup_policy(&d)?;
            match backup::backup_if_due(&d, keys, now, &policy)? {
                Some(r) if as_json => {
                    writeln!(out, "{}", serde_json::to_string_pretty(&r).unwrap_or_default()).map_err(io)?
                }
                Some(r) => created(&mut out, &r)?,
                None if as_json => writeln!(out, "null").map_err(io)?,
                None => writeln!(out, "no backup due (every {} days)", policy.every_days).map_err(io)?,
            }
        }
        BackupCommand::Policy { keep, every_days, dir } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let mut p: BackupPolicy = backup::backup_policy(&d)?;
            if keep.is_some() || every_days.is_some() || dir.is_some() {
                p.keep = keep.unwrap_or(p.keep);
                p.every_days = every_days.unwrap_or(p.every_days);
                if let Some(dir) = dir {
                    p.dir = Some(dir).filter(|d| !d.is_empty());
                }
                backup::set_backup_policy(&mut d, &p, now)?;
            }
            let folder = p.dir.clone().unwrap_or_else(|| backup::default_backup_dir(path).display().to_string());
            writeln!(out, "keep {} generations, a backup every {} days, in {folder}", p.keep, p.every_days)
                .map_err(io)?;
        }
    }
    Ok(())
}
