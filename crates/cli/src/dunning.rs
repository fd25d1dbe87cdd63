//! `encours dunning plan` and `encours dunning run`: today's dunning plan, and recording it in the
//! outbox. Parsing and printing only; the work is `encours_app::dunning`.

use std::io::Write;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use clap::Subcommand;
use encours_app::analytics::export::{plain_text, Cell, Table};
use encours_app::dunning::{self, PlanView, RunReport};
use encours_app::{ApiError, ErrorCode, KeySource};

/// The dunning subcommands.
#[derive(Subcommand, Debug)]
pub enum DunningCommand {
    /// Today's plan: one reminder per client (its level follows the oldest overdue invoice), the
    /// proposals waiting for validation, and every invoice held back with its rule. Records nothing.
    Plan {
        /// The date to plan for (default: today, or --today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// How many actions and held-back items to list at most in the table.
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: usize,
    },
    /// Record today's plan in the outbox (rendered texts, phone tasks); a second run records
    /// nothing. Nothing is sent by this command.
    Run {
        /// The date to plan for (default: today, or --today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Record only this client's actions (repeat for several); with --key, either matches.
        #[arg(long = "client", value_name = "ID")]
        clients: Vec<i64>,
        /// Record only the action of this key (as in `dunning plan --json`; repeat for several).
        #[arg(long = "key", value_name = "KEY")]
        keys: Vec<String>,
    },
    /// Send the outbox: emails with the letter PDF and SMS through the dossier's channels
    /// (`encours settings`), letters saved to --out to print; nothing is sent twice.
    Send(crate::dispatch::SendArgs),
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("standard output: {e}"))
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

fn amount(s: &str) -> Cell {
    s.parse().map(Cell::Number).unwrap_or_else(|_| text(s))
}

/// The plan as two tables: the actions, then what is held back.
pub fn plan_tables(p: &PlanView, limit: usize) -> Vec<Table> {
    let actions = p
        .actions
        .iter()
        .take(limit)
        .map(|a| {
            vec![
                text(&a.client_name),
                Cell::Integer(i64::from(a.level)),
                text(&a.step_name),
                text(a.channel),
                Cell::Integer(a.days_late),
                Cell::Integer(a.invoices.len() as i64),
                amount(&a.amount),
                text(if a.needs_validation { "à valider" } else { "" }),
            ]
        })
        .collect();
    let held = p
        .paused
        .iter()
        .take(limit)
        .map(|x| {
            vec![text(&x.client_name), text(x.number.as_deref().unwrap_or("")), amount(&x.amount), text(&x.reason)]
        })
        .collect();
    let cols = |c: &[&str]| c.iter().map(|s| (*s).to_owned()).collect();
    vec![
        Table {
            name: "dunning-plan".to_owned(),
            columns: cols(&["client", "level", "step", "channel", "days_late", "invoices", "amount", "validation"]),
            rows: actions,
        },
        Table { name: "dunning-held".to_owned(), columns: cols(&["client", "invoice", "amount", "rule"]), rows: held },
    ]
}

fn print_run(out: &mut impl Write, r: &RunReport) -> Result<(), ApiError> {
    writeln!(
        out,
        "dunning run of {}: {} actions recorded ({} waiting for validation, {} phone tasks), {} already recorded{}",
        r.as_of,
        r.recorded.len(),
        r.waiting_validation,
        r.phone_tasks,
        r.already_recorded,
        if r.wrote_defaults { "; default French scenario and templates written to the dossier" } else { "" }
    )
    .map_err(io)?;
    if !r.not_planned.is_empty() {
        writeln!(out, "not in today's plan (already recorded or no longer due): {}", r.not_planned.join(", "))
            .map_err(io)?;
    }
    Ok(())
}

/// Runs a dunning subcommand on the dossier at `path`.
pub fn run(
    path: &Path,
    keys: &KeySource,
    command: DunningCommand,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut out = std::io::stdout().lock();
    match command {
        DunningCommand::Plan { as_of, json, limit } => {
            let d = encours_app::open_dossier(path, keys)?;
            let p = dunning::dunning_plan(&d, as_of.unwrap_or(today))?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&p).unwrap_or_default()).map_err(io)?;
                return Ok(());
            }
            let tables = plan_tables(&p, limit);
            write!(out, "{}", plain_text(&tables)).map_err(io)?;
            let held: Vec<String> = p.paused_by_rule.iter().map(|c| format!("{} {}", c.rule, c.items)).collect();
            writeln!(
                out,
                "plan of {}: {} actions ({} to validate), {} already recorded; held back: {}",
                p.as_of,
                p.actions.len(),
                p.actions.iter().filter(|a| a.needs_validation).count(),
                p.already_recorded,
                if held.is_empty() { "none".to_owned() } else { held.join(", ") }
            )
            .map_err(io)?;
        }
        DunningCommand::Send(args) => return crate::dispatch::send(path, keys, args, today, now),
        DunningCommand::Run { as_of, json, clients, keys: action_keys } => {
            let mut d = encours_app::open_dossier(path, keys)?;
            let as_of = as_of.unwrap_or(today);
            let r = if clients.is_empty() && action_keys.is_empty() {
                dunning::dunning_run(&mut d, as_of, now)?
            } else {
                let selection = dunning::RunSelection { client_ids: clients, keys: action_keys };
                dunning::dunning_run_selected(&mut d, as_of, now, &selection)?
            };
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&r).unwrap_or_default()).map_err(io)?;
            } else {
                print_run(&mut out, &r)?;
            }
        }
    }
    Ok(())
}
