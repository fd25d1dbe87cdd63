//! `encours dispute`: dispute dossiers (issue 8) — list, show, open by hand, attach evidence,
//! tasks and notes, resolve, export as one PDF.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use clap::{Subcommand, ValueEnum};
use encours_app::disputes::{self, DisputeFilter, DisputeView, NewDisputeInput, ResolveInput};
use encours_app::{ApiError, ErrorCode, KeySource};

/// How a dispute ends.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Outcome {
    /// A credit note of the ledger is allocated against the invoices (--credit-note).
    CreditNote,
    /// A corrected invoice (384) replaces them (--corrected-invoice).
    Corrected,
    /// The client pays part (--accepted), the rest is conceded (optionally by --credit-note).
    Partial,
    /// The claim is rejected: the invoices stay due and dunning resumes.
    Rejected,
}

/// The dispute subcommands.
#[derive(Subcommand, Debug)]
pub enum DisputeCommand {
    /// The disputes, newest first, with their KPIs (open, age, resolution time by reason and client).
    List {
        /// `open` or `resolved`.
        #[arg(long)]
        state: Option<String>,
        /// A reason: price, quantity, quality, delivery, duplicate, vat, missing_reference, other.
        #[arg(long)]
        reason: Option<String>,
        /// A client id.
        #[arg(long)]
        client: Option<i64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One dispute: invoices, amounts, reason, evidence, tasks and its timeline.
    Show {
        /// The dispute id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open a dispute by hand on invoices (by number), or on a client's open invoices.
    Open {
        /// An invoice number (repeat for several invoices of one client).
        #[arg(long = "invoice", value_name = "NUMBER")]
        invoices: Vec<String>,
        /// The client (its id): all its open invoices when no invoice is given.
        #[arg(long)]
        client: Option<i64>,
        /// The reason: price, quantity, quality, delivery, duplicate, vat, missing_reference, other
        /// (or an AFNOR code such as QTE_ERR).
        #[arg(long)]
        reason: String,
        /// The amount contested (default: everything open on the invoices).
        #[arg(long)]
        amount: Option<String>,
        /// What the client says.
        #[arg(long, default_value = "")]
        note: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Resolve a dispute.
    Resolve {
        /// The dispute id.
        id: i64,
        /// How it ends.
        #[arg(long, value_enum)]
        outcome: Outcome,
        /// The credit note's number.
        #[arg(long, value_name = "NUMBER")]
        credit_note: Option<String>,
        /// The corrected invoice's number.
        #[arg(long, value_name = "NUMBER")]
        corrected_invoice: Option<String>,
        /// What the client accepts to pay (partial agreement).
        #[arg(long, value_name = "AMOUNT")]
        accepted: Option<String>,
        /// Why.
        #[arg(long, default_value = "")]
        note: String,
        /// Print JSON (the dispute after resolution).
        #[arg(long)]
        json: bool,
    },
    /// Attach a file (delivery note, quote, order, e-mail, photo) to a dispute.
    Attach {
        /// The dispute id.
        id: i64,
        /// The file.
        file: PathBuf,
        /// What it is.
        #[arg(long, default_value = "")]
        note: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write an attached file back (by its evidence id).
    Evidence {
        /// The evidence id (from `show`).
        id: i64,
        /// The file or folder to write to.
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Add a task to a dispute, or change a task's state with --task and --state.
    Task {
        /// The dispute id (ignored with --task).
        id: i64,
        /// What to do.
        #[arg(long, required_unless_present = "task")]
        title: Option<String>,
        /// Who does it.
        #[arg(long, default_value = "")]
        owner: String,
        /// By when (YYYY-MM-DD).
        #[arg(long, required_unless_present = "task")]
        due: Option<String>,
        /// An existing task's id, to change its state.
        #[arg(long, requires = "state")]
        task: Option<i64>,
        /// `todo`, `done` or `cancelled`.
        #[arg(long)]
        state: Option<String>,
    },
    /// Add a note, a call or a decision to a dispute's timeline.
    Note {
        /// The dispute id.
        id: i64,
        /// The text.
        text: String,
        /// `note`, `call` or `decision`.
        #[arg(long, default_value = "note")]
        kind: String,
    },
    /// Export a dispute as one PDF: its dossier, then the pages of its PDF evidence.
    Export {
        /// The dispute id.
        id: i64,
        /// The PDF file (or a folder) to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("standard output: {e}"))
}

/// Prints what `serde_json::to_string_pretty` made of a value.
fn json(out: &mut impl Write, text: serde_json::Result<String>) -> Result<(), ApiError> {
    writeln!(out, "{}", text.unwrap_or_default()).map_err(io)
}

fn show(out: &mut impl Write, v: &DisputeView) -> Result<(), ApiError> {
    let s = &v.summary;
    writeln!(out, "Litige n° {} — {} ({})", s.id, s.client_name, s.state).map_err(io)?;
    let mut reason = format!("motif {}", s.reason_label);
    if let Some(code) = &s.reason_code {
        reason.push_str(&format!(" [{code}]"));
    }
    if let Some(code) = &s.action_code {
        reason.push_str(&format!(", action demandée {code}"));
    }
    writeln!(out, "ouvert le {} ({} j), {reason}", s.opened_on, s.age_days).map_err(io)?;
    writeln!(
        out,
        "contesté {} {}, non contesté {}, reste dû {}",
        s.disputed,
        s.currency,
        s.undisputed.as_deref().unwrap_or("—"),
        s.outstanding
    )
    .map_err(io)?;
    if let Some(o) = &s.outcome {
        writeln!(out, "issue : {o} le {}", s.resolved_on.as_deref().unwrap_or("")).map_err(io)?;
    }
    for i in &v.invoices {
        writeln!(
            out,
            "  facture {} du {}, échéance {}, {} (reste {})",
            i.number, i.issue_date, i.due_date, i.amount, i.outstanding
        )
        .map_err(io)?;
    }
    for e in &v.evidence {
        writeln!(out, "  pièce #{} {} ({}, {} octets, SHA-256 {})", e.id, e.file_name, e.media_type, e.size, e.sha256)
            .map_err(io)?;
    }
    for t in &v.tasks {
        let late = if t.overdue { " EN RETARD" } else { "" };
        writeln!(out, "  tâche #{} {} — {} pour le {} : {}{late}", t.id, t.title, t.owner, t.due_on, t.state)
            .map_err(io)?;
    }
    for e in &v.timeline {
        writeln!(out, "  {} [{}] {}", e.at, e.kind, e.text).map_err(io)?;
    }
    Ok(())
}

/// Runs a dispute subcommand on the dossier at `path`.
pub fn run(
    path: &Path,
    keys: &KeySource,
    command: DisputeCommand,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut out = std::io::stdout().lock();
    match command {
        DisputeCommand::List { state, reason, client, json: as_json } => {
            let d = encours_app::open_dossier(path, keys)?;
            let v = disputes::dispute_list(&d, &DisputeFilter { state, reason, client_id: client }, today)?;
            if as_json {
                return json(&mut out, serde_json::to_string_pretty(&v));
            }
            for s in &v.disputes {
                writeln!(
                    out,
                    "{:>5}  {}  {:<8}  {:<20}  {:<28}  {:>12} {}  {}",
                    s.id,
                    s.opened_on,
                    s.state,
                    s.reason_label,
                    s.client_name,
                    s.disputed,
                    s.currency,
                    s.invoices.join(", ")
                )
                .map_err(io)?;
            }
            let k = &v.kpis.total;
            writeln!(
                out,
                "{} open ({} EUR), mean age {} days; {} resolved in 12 months, mean resolution {} days",
                k.open,
                k.open_amount,
                k.average_age_days.as_deref().unwrap_or("—"),
                k.resolved,
                k.average_resolution_days.as_deref().unwrap_or("—")
            )
            .map_err(io)?;
        }
        DisputeCommand::Show { id, json: as_json } => {
            let d = encours_app::open_dossier(path, keys)?;
            let v = disputes::dispute(&d, id, today)?;
            if as_json {
                return json(&mut out, serde_json::to_string_pretty(&v));
            }
            show(&mut out, &v)?;
        }
        DisputeCommand::Open { invoices, client, reason, amount, note, json: as_json } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let input = NewDisputeInput {
                invoice_ids: vec![],
                invoice_numbers: invoices,
                client_id: client,
                reason,
                amount,
                note,
            };
            let id = disputes::open_dispute(&mut d, &input, now)?;
            if as_json {
                return json(&mut out, serde_json::to_string_pretty(&disputes::dispute(&d, id, today)?));
            }
            writeln!(out, "opened dispute {id}").map_err(io)?;
        }
        DisputeCommand::Resolve { id, outcome, credit_note, corrected_invoice, accepted, note, json: as_json } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let outcome = match outcome {
                Outcome::CreditNote => "credit_note",
                Outcome::Corrected => "corrected",
                Outcome::Partial => "partial",
                Outcome::Rejected => "rejected",
            };
            let input = ResolveInput {
                outcome: outcome.to_owned(),
                credit_note,
                corrected_invoice,
                accepted_amount: accepted,
                note,
            };
            disputes::resolve_dispute(&mut d, id, &input, now)?;
            let v = disputes::dispute(&d, id, today)?;
            if as_json {
                return json(&mut out, serde_json::to_string_pretty(&v));
            }
            let last =
                v.timeline.iter().rev().find(|e| e.kind == "resolved").map(|e| e.text.clone()).unwrap_or_default();
            writeln!(out, "resolved dispute {id}: {last}").map_err(io)?;
        }
        DisputeCommand::Attach { id, file, note, json: as_json } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let e = disputes::attach_evidence_file(&mut d, id, &file, &note, now)?;
            if as_json {
                return json(&mut out, serde_json::to_string_pretty(&e));
            }
            writeln!(
                out,
                "attached {} to dispute {id} as evidence {} ({} bytes, SHA-256 {})",
                e.file_name, e.id, e.size, e.sha256
            )
            .map_err(io)?;
        }
        DisputeCommand::Evidence { id, out: target } => {
            let d = encours_app::open_dossier(path, keys)?;
            let written = disputes::export_evidence(&d, id, &target)?;
            writeln!(out, "wrote {}", written.display()).map_err(io)?;
        }
        DisputeCommand::Task { id, title, owner, due, task, state } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            match (task, state) {
                (Some(task), Some(state)) => {
                    disputes::set_dispute_task_state(&mut d, task, &state, now)?;
                    writeln!(out, "task {task}: {state}").map_err(io)?;
                }
                _ => {
                    let task = disputes::add_dispute_task(
                        &mut d,
                        id,
                        title.as_deref().unwrap_or_default(),
                        &owner,
                        due.as_deref().unwrap_or_default(),
                        now,
                    )?;
                    writeln!(out, "added task {task} to dispute {id}").map_err(io)?;
                }
            }
        }
        DisputeCommand::Note { id, text, kind } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            disputes::add_dispute_note(&mut d, id, &kind, &text, now)?;
            writeln!(out, "added {kind} to dispute {id}").map_err(io)?;
        }
        DisputeCommand::Export { id, out: target } => {
            let d = encours_app::open_dossier(path, keys)?;
            let (written, appended) = disputes::export_dispute_pdf(&d, id, &target, today)?;
            // A reproduced file is a PDF whose pages were appended or an image set on a page; the
            // media type follows the file's name, as when it was attached.
            let reproduced = |pdf: bool| {
                appended
                    .iter()
                    .filter(|(name, shown)| *shown && (disputes::media_type_of(name) == "application/pdf") == pdf)
                    .count()
            };
            writeln!(
                out,
                "wrote {} ({} evidence file(s), {} PDF appended, {} image(s) shown, the others listed by name and \
                 SHA-256)",
                written.display(),
                appended.len(),
                reproduced(true),
                reproduced(false)
            )
            .map_err(io)?;
        }
    }
    Ok(())
}
