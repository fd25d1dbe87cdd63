//! `encours audit verify|log`, `encours key rotate|status` and the passphrase options (issue 12).
//!
//! A passphrase is read from an environment variable named on the command line, or from standard
//! input — never from the arguments themselves, which other users of the machine can list.

use std::io::BufRead;
use std::path::Path;

use chrono::NaiveDateTime;
use clap::{Args, Subcommand};
use encours_app::security::{self, Zeroizing};
use encours_app::{ApiError, ErrorCode, KeySource};

/// Passphrase mode, for machines without a usable keyring.
#[derive(Args, Debug, Default)]
pub struct PassphraseArgs {
    /// Passphrase mode: read the dossier's passphrase from this environment variable.
    #[arg(long, global = true, value_name = "VAR", conflicts_with = "passphrase_stdin")]
    pub passphrase_env: Option<String>,
    /// Passphrase mode: read the dossier's passphrase from the first line of standard input.
    #[arg(long, global = true)]
    pub passphrase_stdin: bool,
}

/// The audit journal.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the journal's hash chain: "ok" with the count, or where it breaks (exit code 1).
    Verify {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// A head noted from an earlier check (SEQ:HASH) that the journal must still hold: detects a
        /// journal rewritten or cut after that point.
        #[arg(long, value_name = "SEQ:HASH")]
        expect: Option<String>,
    },
    /// The last entries of the journal, newest first.
    Log {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The dossier's key.
#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Re-encrypt the dossier under a new key, without data loss: a new random key in the keyring,
    /// a new passphrase, or a new headless key; or move it between these modes (--to).
    Rotate {
        /// The mode after the rotation (default: the current one).
        #[arg(long, value_parser = ["keyring", "passphrase", "environment"])]
        to: Option<String>,
        /// The new passphrase, from this environment variable.
        #[arg(long, value_name = "VAR", conflicts_with = "new_passphrase_stdin")]
        new_passphrase_env: Option<String>,
        /// The new passphrase, from the next line of standard input (after the current one when
        /// --passphrase-stdin is also given).
        #[arg(long)]
        new_passphrase_stdin: bool,
        /// The new headless key (64 hexadecimal digits), from this environment variable.
        #[arg(long, value_name = "VAR")]
        new_key_env: Option<String>,
    },
    /// How the dossier's key is found (never the key).
    Status,
}

/// Standard input, read line by line on demand (the current passphrase, then the new one).
struct Stdin;

impl Stdin {
    fn line(what: &str) -> Result<Zeroizing<String>, ApiError> {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("standard input: {e}")))?;
        if line.trim_end_matches(['\n', '\r']).is_empty() {
            return Err(ApiError::invalid(format!("no {what} on standard input")));
        }
        Ok(line)
    }
}

fn from_env(var: &str, what: &str) -> Result<Zeroizing<String>, ApiError> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Zeroizing::new(v)),
        _ => Err(ApiError::invalid(format!("the environment variable {var} (the {what}) is not set"))),
    }
}

/// The key source the options choose: a passphrase when one is given, else `default` (the keyring
/// or `ENCOURS_KEY_HEX`).
pub fn keys(args: &PassphraseArgs, default: KeySource) -> Result<KeySource, ApiError> {
    if let Some(var) = &args.passphrase_env {
        return Ok(security::passphrase_keys(from_env(var, "passphrase")?));
    }
    if args.passphrase_stdin {
        return Ok(security::passphrase_keys(Stdin::line("passphrase")?));
    }
    Ok(default)
}

/// `encours audit …`.
pub fn audit(path: &Path, keys: &KeySource, command: AuditCommand) -> Result<(), ApiError> {
    let dossier = encours_app::open_dossier(path, keys)?;
    match command {
        AuditCommand::Verify { json, expect } => {
            let expected = expect.as_deref().map(security::parse_head).transpose()?;
            let view = security::verify_audit(&dossier, expected.as_ref().map(|(s, h)| (*s, h.as_str())))?;
            if json {
                let text = serde_json::to_string_pretty(&view)
                    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
                println!("{text}");
            } else {
                println!("audit journal of {}: {}", path.display(), view.message);
                println!("head: {}:{}", view.head_seq, view.head_hash);
                if !view.ok {
                    println!("entries proven: {} of {}", view.verified, view.entries);
                }
            }
            if !view.ok {
                return Err(ApiError::new(
                    ErrorCode::Storage,
                    format!("the audit journal is not intact: {}", view.message),
                ));
            }
        }
        AuditCommand::Log { limit, json } => {
            let entries = security::audit_log(&dossier, limit)?;
            if json {
                let text = serde_json::to_string_pretty(&entries)
                    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
                println!("{text}");
            } else {
                for e in entries {
                    let id = e.entity_id.map(|i| format!(" {i}")).unwrap_or_default();
                    println!("{:>6}  {}  {:<10} {:<28} {}{id}", e.seq, e.at, e.actor, e.action, e.entity);
                }
            }
        }
    }
    Ok(())
}

/// `encours key …`.
pub fn key(path: &Path, keys: &KeySource, command: KeyCommand, now: NaiveDateTime) -> Result<(), ApiError> {
    match command {
        KeyCommand::Status => {
            let dossier = encours_app::open_dossier(path, keys)?;
            println!("dossier {} (id {}): key from the {}", path.display(), dossier.id(), keys.mode_name());
        }
        KeyCommand::Rotate { to, new_passphrase_env, new_passphrase_stdin, new_key_env } => {
            let to = to.unwrap_or_else(|| keys.mode_name().to_owned());
            let target = match to.as_str() {
                "keyring" => KeySource::OsKeyring,
                "passphrase" => {
                    let p = match (&new_passphrase_env, new_passphrase_stdin) {
                        (Some(var), _) => from_env(var, "new passphrase")?,
                        (None, true) => Stdin::line("new passphrase")?,
                        (None, false) => {
                            return Err(ApiError::invalid(
                                "a new passphrase is needed: --new-passphrase-env VAR or --new-passphrase-stdin",
                            ))
                        }
                    };
                    security::passphrase_keys(p)
                }
                _ => {
                    let var = new_key_env.as_deref().ok_or_else(|| {
                        ApiError::invalid("a new headless key is needed: --new-key-env VAR (64 hexadecimal digits)")
                    })?;
                    let hex = from_env(var, "new key")?;
                    security::headless_keys(&hex)
                        .map_err(|_| ApiError::invalid(format!("{var} must hold 64 hexadecimal digits")))?
                }
            };
            let dossier = encours_app::open_dossier(path, keys)?;
            let dossier = security::rotate_key(dossier, keys, &target, now)?;
            println!(
                "re-encrypted {} under a new key ({} → {}); the old key no longer opens it (copies and backups made before keep the old key)",
                dossier.path().display(),
                keys.mode_name(),
                target.mode_name()
            );
        }
    }
    Ok(())
}
