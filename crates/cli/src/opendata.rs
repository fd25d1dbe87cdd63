//! `encours opendata-serve` (the local replay server of SIRENE and BODACC answers) and
//! `encours --dossier D opendata {refresh|show}`: printing only; the work is in
//! `encours_app::opendata` and `encours_sync::opendata`.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use clap::{Args, Subcommand};
use encours_app::opendata::{self, RefreshOptions};
use encours_app::{ApiError, ErrorCode, KeySource};

/// Arguments of `encours opendata-serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Port to listen on (127.0.0.1 only); 0 for any free port.
    #[arg(long)]
    port: u16,
    /// The corpus folder holding `sirene/` and `bodacc/` (default: ../shared/corpus).
    #[arg(long, value_name = "DIR", default_value = "../shared/corpus")]
    corpus: PathBuf,
    /// Faults, e.g. `429=5,retry-after=2,5xx=7,slow=11,slow-ms=300`.
    #[arg(long, value_name = "SPEC", default_value = "")]
    faults: String,
}

/// The `opendata` subcommands.
#[derive(Subcommand, Debug)]
pub enum OpendataCommand {
    /// Fetch SIRENE facts and BODACC notices for the clients with a SIREN, store them, and act on
    /// procédures collectives (dunning stopped, deadline, task, declaration letter). Without the
    /// network, the dossier's cache answers and the report says so.
    Refresh {
        /// One client (default: every client with a SIREN).
        #[arg(long, value_name = "ID", conflicts_with = "all")]
        client: Option<i64>,
        /// Every client with a SIREN (the default).
        #[arg(long)]
        all: bool,
        /// Base URL of both services (the replay server of `encours opendata-serve`).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Base URL of recherche-entreprises (default: the public API).
        #[arg(long, value_name = "URL")]
        sirene_url: Option<String>,
        /// Base URL of the BODACC portal (default: the public one).
        #[arg(long, value_name = "URL")]
        bodacc_url: Option<String>,
        /// Read the cache only.
        #[arg(long)]
        offline: bool,
        /// Save the declaration letters made into this folder.
        #[arg(long, value_name = "DIR")]
        letters: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// What the dossier knows of a client from SIRENE and the BODACC (no network).
    Show {
        /// The client.
        client: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("standard output: {e}"))
}

fn json(value: serde_json::Result<serde_json::Value>) -> Result<(), ApiError> {
    let value = value.map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    writeln!(crate::QuietPipe(std::io::stdout().lock()), "{text}").map_err(io)
}

/// `encours opendata-serve`: runs until the process is stopped.
pub fn serve(args: ServeArgs) -> Result<(), ApiError> {
    use encours_sync::opendata::server::{serve_forever, Replay};
    let faults = encours_sync::server::Faults::parse(&args.faults).map_err(|e| ApiError::invalid(e.to_string()))?;
    let replay = Replay::from_corpus(&args.corpus).map_err(|e| ApiError::invalid(e.to_string()))?;
    replay.set_faults(faults);
    let sirens = replay.sirens();
    serve_forever(replay, args.port, |addr| {
        println!(
            "encours opendata-serve: http://{addr} (recherche-entreprises /search, BODACC /api/explore/v2.1/…), \
             SIREN known: {}",
            sirens.join(" ")
        );
        let _ = std::io::stdout().flush();
    })
    .map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))
}

/// Runs an `opendata` subcommand on the dossier at `path`.
pub fn run(path: &Path, keys: &KeySource, command: OpendataCommand, now: NaiveDateTime) -> Result<(), ApiError> {
    let mut out = crate::QuietPipe(std::io::stdout().lock());
    match command {
        OpendataCommand::Refresh {
            client,
            all: _,
            base_url,
            sirene_url,
            bodacc_url,
            offline,
            letters,
            json: as_json,
        } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let options = RefreshOptions {
                client,
                sirene_base_url: sirene_url.or_else(|| base_url.clone()),
                bodacc_base_url: bodacc_url.or(base_url),
                offline,
                letters_dir: letters,
            };
            let r = opendata::refresh(&mut d, &options, now)?;
            if as_json {
                return json(serde_json::to_value(&r));
            }
            writeln!(
                out,
                "{} clients: {} fetched, {} from the cache, {} failed{}",
                r.clients.len(),
                r.fetched,
                r.from_cache,
                r.failed,
                if r.offline { " (services unreachable: cache used)" } else { "" }
            )
            .map_err(io)?;
            for c in &r.clients {
                let mut line = format!(
                    "  {} {} (client {}): SIRENE {}, BODACC {}, {} notices{}",
                    c.siren,
                    c.name,
                    c.client_id,
                    c.sirene.origin,
                    c.bodacc.origin,
                    c.notices,
                    if c.ceased { ", activity ceased" } else { "" }
                );
                for m in [&c.sirene.message, &c.bodacc.message].into_iter().flatten() {
                    line.push_str(&format!("\n      {m}"));
                }
                writeln!(out, "{line}").map_err(io)?;
            }
            for s in &r.invalid_sirens {
                writeln!(out, "  invalid SIREN, skipped: {s}").map_err(io)?;
            }
            for p in &r.procedures {
                writeln!(
                    out,
                    "procédure collective: {} (client {}), {} judged {}, BODACC {} published {}: declare before {}{}",
                    p.client_name,
                    p.client_id,
                    p.kind,
                    p.judgment_on,
                    p.notice_id,
                    p.published_on,
                    p.deadline,
                    if p.new { "" } else { " (already handled)" }
                )
                .map_err(io)?;
                if let Some(id) = p.action_id {
                    writeln!(out, "  task: claim declaration #{id} in the dunning outbox").map_err(io)?;
                }
                if let Some(path) = &p.letter_path {
                    writeln!(out, "  letter: {path}").map_err(io)?;
                }
                for n in &p.notes {
                    writeln!(out, "  note: {n}").map_err(io)?;
                }
            }
        }
        OpendataCommand::Show { client, json: as_json } => {
            let d = encours_app::open_dossier(path, keys)?;
            let v = opendata::client_external(&d, client)?;
            if as_json {
                return json(serde_json::to_value(&v));
            }
            writeln!(out, "client {} SIREN {}", v.client_id, v.siren.as_deref().unwrap_or("—")).map_err(io)?;
            match &v.company {
                Some(c) => writeln!(
                    out,
                    "SIRENE: {} created {}, legal form {}, NAF {}, headcount {}, state {}{} ({} on {})",
                    c.name.as_deref().unwrap_or("?"),
                    c.creation_date.as_deref().unwrap_or("?"),
                    c.legal_form.as_deref().unwrap_or("?"),
                    c.naf.as_deref().unwrap_or("?"),
                    c.headcount_band.as_deref().unwrap_or("?"),
                    c.state.as_deref().unwrap_or("?"),
                    c.ceased_on.as_deref().map(|d| format!(", ceased {d}")).unwrap_or_default(),
                    c.source_url,
                    c.fetched_at
                )
                .map_err(io)?,
                None => writeln!(out, "SIRENE: nothing fetched").map_err(io)?,
            }
            for n in &v.notices {
                writeln!(
                    out,
                    "BODACC {} {} {}: {} {}",
                    n.id,
                    n.published_on.as_deref().unwrap_or("?"),
                    n.kind,
                    n.nature.as_deref().or(n.family_label.as_deref()).unwrap_or(""),
                    n.url.as_deref().unwrap_or("")
                )
                .map_err(io)?;
            }
            for p in &v.procedures {
                writeln!(out, "procedure {} from {}: declare before {}", p.kind, p.notice_id, p.deadline)
                    .map_err(io)?;
            }
        }
    }
    Ok(())
}
