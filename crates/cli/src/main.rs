//! `encours`: the command line. It parses arguments, reads the clock once, calls one function of
//! `encours-app` and prints the result. Errors are one line on standard error and a non-zero exit.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime};
use clap::{Parser, Subcommand};
use encours_app::{ApiError, DemoOptions, ErrorCode};

mod directory;
mod dispatch;
mod disputes;

mod backup;
mod dunning;
mod letters;
mod opendata;
mod rates;
mod rgpd;
mod score;
mod security;
mod sync_accounts;
mod writeoff;

/// Encours: your clients' receivables, up to date every day.
#[derive(Parser, Debug)]
#[command(name = "encours", version, about)]
struct Cli {
    /// The dossier file (one encrypted file per company).
    #[arg(long, global = true, value_name = "PATH")]
    dossier: Option<PathBuf>,

    /// The date to compute figures for, instead of today (YYYY-MM-DD).
    #[arg(long, global = true, value_name = "DATE")]
    today: Option<NaiveDate>,

    #[command(flatten)]
    passphrase: security::PassphraseArgs,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a local XP Z12-013 platform on 127.0.0.1 for tests and demos: it serves the invoices and
    /// CDAR messages of --flows DIR and/or --generate N demo flows, with faults on demand (--faults).
    PaServe(PaServeArgs),
    /// Run a local replay server of SIRENE (recherche-entreprises) and BODACC answers on 127.0.0.1
    /// from the corpus (--corpus DIR), with faults on demand (--faults), for tests and demos.
    OpendataServe(opendata::ServeArgs),
    /// External data: `refresh` SIRENE facts and BODACC notices of the clients (procédures
    /// collectives acted on), `show CLIENT`.
    Opendata {
        #[command(subcommand)]
        command: opendata::OpendataCommand,
    },
    /// Sync the dossier with a platform account (XP Z12-013): import every new invoice and status.
    Sync(sync_accounts::SyncArgs),
    /// Look a SIREN up in the platform's directory (XP Z12-013 Directory Service): its receiving
    /// platform and routing identifiers; kept for the client page when it is a client's.
    Directory(directory::DirectoryArgs),
    /// Create an empty dossier for a company.
    Init {
        /// The company's SIREN (9 digits).
        #[arg(long)]
        siren: String,
        /// The company's name.
        #[arg(long)]
        name: String,
    },
    /// Fill a new (or empty) dossier with a generated demo portfolio.
    Demo {
        /// Random seed: the same seed gives the same portfolio.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Number of clients.
        #[arg(long, default_value_t = 120)]
        clients: u32,
        /// Number of invoices and credit notes.
        #[arg(long, default_value_t = 6_000)]
        invoices: u64,
    },
    /// Show the dossier's figures and check its integrity.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Skip the full integrity check (it reads the whole file) and show the last recorded one.
        #[arg(long)]
        quick: bool,
    },
    /// Read e-invoices (Factur-X / ZUGFeRD PDF, CII, UBL) without a dossier.
    Einvoice {
        #[command(subcommand)]
        command: EinvoiceCommand,
    },
    /// Bank statements: read them without a dossier, or simulate one for a dossier.
    Bank {
        #[command(subcommand)]
        command: BankCommand,
    },
    /// Read CDAR lifecycle messages without a dossier.
    Lifecycle {
        #[command(subcommand)]
        command: InspectCommand,
    },
    /// Match the unmatched bank payments against the open items (lettrage).
    Match {
        /// Apply the proposals above the automatic threshold (without it: only report).
        #[arg(long)]
        auto: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import into the dossier, recognised by content: e-invoices (PDF, CII, UBL), bank statements
    /// (camt.053/054, CFONB 120), CDAR lifecycle messages, FEC; files, folders (recursive), zip archives.
    Import {
        /// Files, folders or zip archives.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Receivables analytics as of a date: `aging` (aged balance by client, segment, sector, owner),
    /// `dso` (DSO series and key figures), `forecast` (13 weeks of collections), `compliance` (legal
    /// terms, D441-6 late-receivables table, doubtful receivables 416/491, irrecoverable VAT).
    Report {
        /// Which report.
        #[arg(value_parser = ["aging", "dso", "forecast", "compliance"])]
        report: String,
        /// The date of the figures (default: today, or --today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
        /// Print the report as JSON.
        #[arg(long, conflicts_with_all = ["csv", "xlsx"])]
        json: bool,
        /// Write the tables as CSV: the first to FILE, the others beside it as FILE-STEM-<table>.csv.
        #[arg(long, value_name = "FILE", conflicts_with = "xlsx")]
        csv: Option<PathBuf>,
        /// Write every table to an XLSX workbook, one sheet per table.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Aged-balance columns: upper bounds in days past due (default 30,60,90).
        #[arg(long, value_name = "DAYS")]
        buckets: Option<String>,
        /// A client in an insolvency procedure, for the compliance report: CLIENT:KIND:DATE with KIND
        /// safeguard, receivership, liquidation or irrecoverable (repeatable).
        #[arg(long, value_name = "CLIENT:KIND:DATE")]
        insolvent: Vec<String>,
        /// First day of the financial year closing on the as-of date (compliance; default: one year).
        #[arg(long, value_name = "DATE")]
        year_starts: Option<NaiveDate>,
    },
    /// The open items behind a figure, as of a date: all of them, the overdue ones, an aged-balance
    /// bucket, one client's, or those falling due between two dates; most days past due first, with
    /// the count and total of every item selected (the figure the list is behind).
    Items {
        /// The date of the open amounts (default: today, or --today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
        /// Aged-balance bucket, numbered as in `report aging` (0: not due, then 1–30, 31–60, 61–90,
        /// > 90 days with the default buckets).
        #[arg(long, value_name = "N", conflicts_with_all = ["overdue", "client", "due_from"])]
        bucket: Option<usize>,
        /// Aged-balance columns for --bucket: upper bounds in days past due (default 30,60,90).
        #[arg(long, value_name = "DAYS", requires = "bucket")]
        buckets: Option<String>,
        /// Only the items past due.
        #[arg(long, conflicts_with_all = ["client", "due_from"])]
        overdue: bool,
        /// Only this client's items (its id, as in `report aging`).
        #[arg(long, value_name = "ID", conflicts_with = "due_from")]
        client: Option<i64>,
        /// Only the items due on or after this date (with --due-to).
        #[arg(long, value_name = "DATE", requires = "due_to")]
        due_from: Option<NaiveDate>,
        /// Only the items due on or before this date (with --due-from).
        #[arg(long, value_name = "DATE", requires = "due_from")]
        due_to: Option<NaiveDate>,
        /// How many items to list at most (the total counts them all).
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: u32,
        /// Print JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Write the listed items as CSV to FILE.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// Dunning: `plan` shows today's reminders and what is held back (nothing recorded); `run` records
    /// them in the outbox for the channels (a second run records nothing).
    Dunning {
        #[command(subcommand)]
        command: dunning::DunningCommand,
    },
    /// Dispute dossiers: `list`, `show`, `open` by hand, `attach` evidence, `task`, `note`,
    /// `resolve` (credit note, corrected invoice, partial agreement, rejected), `export` as one PDF.
    Dispute {
        #[command(subcommand)]
        command: disputes::DisputeCommand,
    },
    /// Write off what is still open on an irrecoverable invoice (legal-rules A.7): it leaves the
    /// open balance on the date, counts in the bad-debt ratio, and its VAT is listed for CGI 272.
    Writeoff(writeoff::WriteOffArgs),
    /// The ECB and legal-interest rate tables penalties are computed with: `show` what is in force,
    /// `import` an updated table when a new rate is published.
    Rates {
        #[command(subcommand)]
        command: rates::RatesCommand,
    },
    /// The dossier's sending channels: `smtp` and `sms` set them (secrets go to the OS keyring),
    /// `show` prints them.
    Settings {
        #[command(subcommand)]
        command: SettingsArgs,
    },
    /// Generate a legal document as a PDF: a reminder (--tone courtois|ferme|dernier_avis), a mise
    /// en demeure, a relevé de compte, an injonction de payer dossier or a déclaration de créance.
    Letter(letters::LetterArgs),
    /// Client risk scoring: `run` rescores every client and raises new alerts, `show CLIENT` gives a
    /// client's score, reasons, limit and history, `alerts` lists the alerts (`ack`, `snooze` act on
    /// one), `backtest` measures the score with a strict time split against the naive "past late
    /// rate" score (AUC, Brier, recall at a 10 % alert budget) on the dossier or the IBM sample.
    Score {
        #[command(subcommand)]
        command: ScoreCommand,
    },
    /// The audit journal: `verify` walks its hash chain and says where it breaks, `log` lists it.
    Audit {
        #[command(subcommand)]
        command: security::AuditCommand,
    },
    /// The dossier's key: `rotate` re-encrypts it under a new one (or moves it between the keyring,
    /// a passphrase and a headless key), `status` says where it comes from.
    Key {
        #[command(subcommand)]
        command: security::KeyCommand,
    },
    /// Encrypted backups: `create`, `list`, `restore FILE --to PATH` (checked, never overwrites),
    /// `auto` (the scheduled one), `policy` (generations kept, period, folder).
    Backup {
        #[command(subcommand)]
        command: backup::BackupCommand,
    },
    /// One client's personal data: `export ID --to FILE.json` (right of access), `anonymise ID
    /// --confirm` (stable pseudonym, amounts and dates kept; irreversible).
    Client {
        #[command(subcommand)]
        command: rgpd::ClientCommand,
    },
    /// Retention policy: `run --as-of DATE [--dry-run]` anonymises clients with nothing open and no
    /// activity for the prescription (5 years) plus a margin; `margin [YEARS]`.
    Retention {
        #[command(subcommand)]
        command: rgpd::RetentionCommand,
    },
    /// Export clients and open items as CSV; `export all --format csv|json|xlsx --to DIR`: every table.
    Export {
        #[command(subcommand)]
        what: Option<rgpd::ExportCommand>,
        /// Folder to write `clients.csv` and `open-items.csv` into; without it, the clients CSV goes to standard output.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `settings company` (the letterhead) beside the channel settings.
#[derive(Subcommand, Debug)]
enum SettingsArgs {
    /// The company's letterhead printed on every letter: address, VAT number, contact, IBAN and
    /// BIC, signatory, town, logo.
    Company(letters::CompanyArgs),
    #[command(flatten)]
    Channels(dispatch::SettingsCommand),
}

#[derive(Subcommand, Debug)]
enum BankCommand {
    /// Describe each camt.053 / camt.054 / CFONB 120 file as JSON: one object per file, in argument order.
    Inspect {
        /// Print a JSON array (the only output form).
        #[arg(long)]
        json: bool,
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a camt.053 of plausible client payments of the dossier's open items (demonstrations, tests).
    Simulate {
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Client payments to draw (noise credits and a few debits come on top).
        #[arg(long, default_value_t = 200)]
        payments: usize,
        /// Random seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
enum InspectCommand {
    /// Describe each file as JSON: one object per file, in argument order.
    Inspect {
        /// Print a JSON array (the only output form).
        #[arg(long)]
        json: bool,
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum EinvoiceCommand {
    /// Describe each file: format, profile, parties, totals, and what is wrong with it.
    Inspect {
        /// Print a JSON array, one object per file, in argument order.
        #[arg(long)]
        json: bool,
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum ScoreCommand {
    /// Backtest the client score: on the IBM accounts-receivable sample with --ibm-csv (the split of
    /// scoring.md: trained on what was known on 2013-07-01, tested on the invoices issued after).
    Backtest {
        /// The IBM sample (`WA_Fn-UseC_-Accounts-Receivable.csv`); without it, the dossier's own history.
        #[arg(long, value_name = "FILE")]
        ibm_csv: Option<PathBuf>,
        /// The date the dossier's history is read as of (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Print JSON (`targets`: name, auc, brier, recall_at_10pct, naive_auc, n_test, …).
        #[arg(long)]
        json: bool,
    },
    /// Rescore every client on the date (replacing that date's scores) and record the new alerts.
    Run {
        /// Scoring date (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Then send the live alerts not sent yet by email and webhook (`score delivery`).
        #[arg(long)]
        deliver: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A client's latest score on or before the date: grade, three reasons, credit limit, history.
    Show {
        /// The client's id.
        client: i64,
        /// Date (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The alerts, newest first.
    Alerts {
        /// Only `open`, `acknowledged` or `snoozed` alerts.
        #[arg(long)]
        state: Option<String>,
        /// Send the live alerts not sent yet by email and webhook (`score delivery`) instead of listing.
        #[arg(long)]
        deliver: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Where alerts are sent: show, or set the credit manager's address and the webhook URL (the
    /// webhook's signing secret from ENCOURS_WEBHOOK_SECRET or, with --webhook-secret-stdin, stdin).
    Delivery {
        /// The credit manager's address for the digest ("" removes it).
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
        /// The URL each alert is POSTed to ("" removes it).
        #[arg(long, value_name = "URL")]
        webhook_url: Option<String>,
        /// Read the webhook's signing secret from standard input.
        #[arg(long)]
        webhook_secret_stdin: bool,
        /// Attempts per alert (1 to 10).
        #[arg(long, value_name = "N")]
        webhook_attempts: Option<u32>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// On a demo dossier: replay the daily scoring every week over the 18 months before the demo's
    /// day and say how early each client the generator made fail was alerted, and the share of
    /// healthy clients alerted in the last 12 months (the replay's scores and alerts stay).
    Leadtime {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge an alert.
    Ack {
        /// The alert's id.
        id: i64,
    },
    /// Snooze an alert until a date.
    Snooze {
        /// The alert's id.
        id: i64,
        /// The day it shows again.
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: NaiveDate,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("encours: {}", e.message);
            ExitCode::from(match e.code {
                ErrorCode::InvalidInput => 2,
                _ => 1,
            })
        }
    }
}

/// The clock is read here, at the edge, and passed down.
fn now(cli_today: Option<NaiveDate>) -> NaiveDateTime {
    let local = chrono::Local::now().naive_local();
    match cli_today {
        Some(d) => d.and_time(local.time()),
        None => local,
    }
}

fn dossier_path(dossier: Option<PathBuf>) -> Result<PathBuf, ApiError> {
    dossier.ok_or_else(|| ApiError::invalid("no dossier given: add --dossier PATH"))
}

fn run(cli: Cli) -> Result<(), ApiError> {
    let now = now(cli.today);
    let today = now.date();
    // Reading e-invoices needs neither a dossier nor a key.
    let command = match cli.command {
        Command::PaServe(args) => return pa_serve(args, now),
        Command::OpendataServe(args) => return opendata::serve(args),
        Command::Einvoice { command: EinvoiceCommand::Inspect { json, files } } => return inspect(&files, json),
        Command::Bank { command: BankCommand::Inspect { files, .. } } => {
            return print_json(&encours_app::inspect_bank(&files));
        }
        Command::Lifecycle { command: InspectCommand::Inspect { files, .. } } => {
            return print_json(&encours_app::inspect_lifecycle(&files));
        }
        Command::Score { command: ScoreCommand::Backtest { ibm_csv: Some(file), json, .. } } => {
            let report = encours_app::scoring::backtest_ibm_csv(&file)?;
            if json {
                let value =
                    serde_json::to_value(&report).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                return writeln!(QuietPipe(std::io::stdout().lock()), "{text}")
                    .map_err(|e| ApiError::new(ErrorCode::Io, format!("standard output: {e}")));
            }
            return write!(QuietPipe(std::io::stdout().lock()), "{}", encours_app::scoring::backtest_text(&report))
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("standard output: {e}")));
        }
        Command::Backup { command: backup::BackupCommand::Restore { file, to } } => {
            // A restore needs no dossier: the backup names its own key.
            let (keys, _) = encours_app::key_source()?;
            let keys = security::keys(&cli.passphrase, keys)?;
            return backup::restore(&file, &to, &keys);
        }
        other => other,
    };
    let path = dossier_path(cli.dossier)?;
    let (keys, _) = encours_app::key_source()?;
    let keys = security::keys(&cli.passphrase, keys)?;
    match command {
        Command::Dunning { command } => dunning::run(&path, &keys, command, today, now)?,
        Command::Settings { command: SettingsArgs::Channels(command) } => {
            dispatch::settings(&path, &keys, command, now)?
        }
        Command::Settings { command: SettingsArgs::Company(args) } => letters::company(&path, &keys, args, now)?,
        Command::Letter(args) => letters::letter(&path, &keys, args, today)?,
        Command::Rates { command } => rates::run(&path, &keys, command, now)?,
        Command::Writeoff(args) => writeoff::run(&path, &keys, args, today, now)?,
        Command::Dispute { command } => disputes::run(&path, &keys, command, today, now)?,
        Command::Init { siren, name } => {
            let d = encours_app::create_dossier(&path, &siren, &name, &keys, now)?;
            println!("created {} for {} (SIREN {})", d.path().display(), name.trim(), siren.trim());
        }
        Command::Demo { seed, clients, invoices } => {
            let started = Instant::now();
            let existed = path.exists();
            let mut dossier = if existed {
                encours_app::open_dossier(&path, &keys)?
            } else {
                encours_app::create_dossier(
                    &path,
                    encours_app::DEMO_COMPANY_SIREN,
                    encours_app::DEMO_COMPANY_NAME,
                    &keys,
                    now,
                )?
            };
            let options = DemoOptions { seed, clients, invoices };
            let mut progress = |n: u64| eprintln!("  {n} invoices…");
            let report = match encours_app::generate_demo(&mut dossier, options, now, &mut progress) {
                Ok(r) => r,
                Err(e) => {
                    drop(dossier);
                    if !existed {
                        // The generation was rolled back; do not leave the empty dossier made for it.
                        encours_app::remove_dossier_files(&path);
                    }
                    return Err(e);
                }
            };
            println!(
                "demo portfolio in {}: {} clients, {} invoices, {} payments, {} allocations, {} statuses, {} disputes, {} promises ({:.1} s)",
                path.display(),
                report.clients,
                report.invoices,
                report.payments,
                report.allocations,
                report.statuses,
                report.disputes,
                report.promises,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Status { json, quick } => {
            let mut dossier = encours_app::open_dossier(&path, &keys)?;
            if !quick {
                encours_app::check_integrity(&mut dossier, now)?;
            }
            let s = encours_app::summary(&dossier, today)?;
            if json {
                let value = serde_json::json!({
                    "path": s.path,
                    "company": { "name": s.company_name, "siren": s.company_siren },
                    "as_of": s.as_of,
                    "currency": s.currency,
                    "clients": s.clients,
                    "invoices": s.invoices,
                    "open_items": s.open_items,
                    "open_balance": s.open_balance,
                    "overdue_items": s.overdue_items,
                    "overdue_balance": s.overdue_balance,
                    "other_currencies": s.other_currencies,
                    "integrity": s.integrity,
                    "integrity_checked_at": s.integrity_checked_at,
                });
                println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            } else {
                println!("{} (SIREN {})", s.company_name, s.company_siren);
                println!("dossier        {}", s.path);
                println!("as of          {}", s.as_of);
                println!("clients        {}", s.clients);
                println!("invoices       {}", s.invoices);
                println!("open items     {}", s.open_items);
                println!("open balance   {} {}", s.open_balance, s.currency);
                println!("overdue        {} {} ({} items)", s.overdue_balance, s.currency, s.overdue_items);
                for other in &s.other_currencies {
                    println!("also open      {other}");
                }
                println!("integrity      {}", s.integrity);
            }
            if !quick && s.integrity != "ok" {
                return Err(ApiError::new(ErrorCode::Storage, format!("integrity check failed: {}", s.integrity)));
            }
        }
        Command::Bank { command: BankCommand::Simulate { out, payments, seed } } => {
            let dossier = encours_app::open_dossier(&path, &keys)?;
            // The last two weeks, so that every booking is in the past.
            let first_day = today - chrono::Days::new(14);
            let s = encours_app::simulate::simulate_statement(&dossier, seed, payments, first_day)?;
            std::fs::write(&out, &s.camt)
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: cannot write: {e}", out.display())))?;
            let credits = s.entries.iter().filter(|e| e.credit).count();
            println!("wrote {} ({} entries, {credits} credits)", out.display(), s.entries.len());
        }
        Command::Score { command } => score::run(&path, &keys, command, today, now)?,
        Command::Backup { command } => backup::run(&path, &keys, command, now)?,
        Command::Client { command } => rgpd::client(&path, &keys, command, now)?,
        Command::Retention { command } => rgpd::retention(&path, &keys, command, today, now)?,
        Command::Export { what: Some(what), .. } => rgpd::export(&path, &keys, what)?,
        Command::Audit { command } => security::audit(&path, &keys, command)?,
        Command::Key { command } => security::key(&path, &keys, command, now)?,
        Command::PaServe(_) => return Err(ApiError::new(ErrorCode::Internal, "pa-serve needs no dossier")),
        Command::OpendataServe(_) => return Err(ApiError::new(ErrorCode::Internal, "opendata-serve needs no dossier")),
        Command::Opendata { command } => opendata::run(&path, &keys, command, now)?,
        Command::Einvoice { .. } | Command::Bank { .. } | Command::Lifecycle { .. } => {
            return Err(ApiError::new(ErrorCode::Internal, "inspection needs no dossier"))
        }
        Command::Match { auto, json } => {
            let mut dossier = encours_app::open_dossier(&path, &keys)?;
            let r = encours_app::matching::run_matching(&mut dossier, today, now, auto)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            } else {
                if auto {
                    for line in &r.applied {
                        println!("matched  {line}");
                    }
                }
                let (verb, applied) = if auto {
                    ("matched automatically", "applied")
                } else {
                    ("could be matched automatically (run with --auto)", "would be applied")
                };
                println!(
                    "{} payments considered: {} {verb}, {} to review, {} without proposal; {} {applied}",
                    r.considered, r.auto_matched, r.to_review, r.without_proposal, r.allocated
                );
            }
        }
        Command::Sync(args) => sync_accounts::run(&path, &keys, args, now)?,
        Command::Directory(args) => directory::run(&path, &keys, args, now)?,
        Command::Import { paths, json } => {
            let mut dossier = encours_app::open_dossier(&path, &keys)?;
            let cancel = std::sync::atomic::AtomicBool::new(false);
            let mut progress = |_: &encours_app::ImportProgress| {};
            let report = encours_app::import_paths(&mut dossier, &paths, now, &mut progress, &cancel)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                for f in &report.files {
                    let what = match f.outcome {
                        encours_app::ImportOutcome::Imported => "imported ",
                        encours_app::ImportOutcome::Duplicate => "duplicate",
                        encours_app::ImportOutcome::Failed => "FAILED   ",
                        encours_app::ImportOutcome::Ignored => "ignored  ",
                    };
                    let number = f.invoice_number.as_deref().map(|n| format!(" [{n}]")).unwrap_or_default();
                    println!("{what} {}{number}: {}", f.file, f.message);
                }
                println!("{} imported, {} duplicates, {} failed", report.imported, report.duplicates, report.failed);
            }
        }
        Command::Report { report, as_of, json, csv, xlsx, buckets, insolvent, year_starts } => {
            use encours_app::analytics::{self, export, AnalyticsOptions};
            let dossier = encours_app::open_dossier(&path, &keys)?;
            let mut options = AnalyticsOptions { year_starts, ..AnalyticsOptions::default() };
            if let Some(b) = buckets {
                options.buckets = analytics::parse_buckets(&b)?;
            }
            for i in &insolvent {
                options.insolvencies.push(analytics::parse_insolvency(i)?);
            }
            let as_of = as_of.unwrap_or(today);
            let r = analytics::report(&dossier, report.parse()?, as_of, &options)?;
            if json {
                let mut out = QuietPipe(std::io::stdout().lock());
                writeln!(out, "{}", serde_json::to_string_pretty(&r.json).unwrap_or_default())
                    .map_err(|e| ApiError::new(ErrorCode::Io, format!("standard output: {e}")))?;
            } else if let Some(file) = csv {
                for f in export::write_csv_files(&r.tables, &file)? {
                    println!("wrote {}", f.display());
                }
            } else if let Some(file) = xlsx {
                export::write_xlsx(&r.tables, &file)?;
                println!("wrote {} ({} sheets)", file.display(), r.tables.len());
            } else {
                let mut out = QuietPipe(std::io::stdout().lock());
                write!(out, "{}", export::plain_text(&r.tables))
                    .map_err(|e| ApiError::new(ErrorCode::Io, format!("standard output: {e}")))?;
            }
        }
        Command::Items { as_of, bucket, buckets, overdue, client, due_from, due_to, limit, json, csv } => {
            use encours_app::analytics::{self, export};
            use encours_app::items::{self, OpenItemsFilter};
            let filter = match (bucket, overdue, client, due_from.zip(due_to)) {
                (Some(index), ..) => {
                    let b = buckets.as_deref().map(analytics::parse_buckets).transpose()?.unwrap_or_default();
                    items::bucket_filter(&b, index)?
                }
                (None, true, ..) => OpenItemsFilter::Overdue,
                (None, false, Some(client_id), _) => OpenItemsFilter::Client { client_id },
                (None, false, None, Some((from, to))) => {
                    OpenItemsFilter::DueBetween { from: from.to_string(), to: to.to_string() }
                }
                (None, false, None, None) => OpenItemsFilter::All,
            };
            let dossier = encours_app::open_dossier(&path, &keys)?;
            let v = items::open_items(&dossier, as_of.unwrap_or(today), &filter, limit)?;
            let table = items::open_items_table(&v);
            let mut out = QuietPipe(std::io::stdout().lock());
            let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("standard output: {e}"));
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default()).map_err(io)?;
            } else if let Some(file) = csv {
                for f in export::write_csv_files(std::slice::from_ref(&table), &file)? {
                    println!("wrote {} ({} of {} items)", f.display(), v.items.len(), v.count);
                }
            } else {
                write!(out, "{}", export::plain_text(std::slice::from_ref(&table))).map_err(io)?;
                writeln!(
                    out,
                    "{} of {} items shown, total {} {} as of {}",
                    v.items.len(),
                    v.count,
                    v.total,
                    v.currency,
                    v.as_of
                )
                .map_err(io)?;
                for other in &v.other_currencies {
                    writeln!(out, "also selected, not added: {other}").map_err(io)?;
                }
            }
        }
        Command::Export { out, what: None } => {
            let dossier = encours_app::open_dossier(&path, &keys)?;
            match out {
                None => {
                    encours_app::export_clients_csv(&dossier, today, QuietPipe(std::io::stdout().lock()))?;
                }
                Some(dir) => {
                    std::fs::create_dir_all(&dir).map_err(|e| {
                        ApiError::new(ErrorCode::Io, format!("{}: cannot create the folder: {e}", dir.display()))
                    })?;
                    let clients = write_atomically(&dir.join("clients.csv"), |f| {
                        encours_app::export_clients_csv(&dossier, today, f)
                    })?;
                    let items = write_atomically(&dir.join("open-items.csv"), |f| {
                        encours_app::export_open_items_csv(&dossier, today, f)
                    })?;
                    println!("wrote {clients} clients and {items} open items to {}", dir.display());
                }
            }
        }
    }
    Ok(())
}

/// `einvoice inspect`: a JSON array (the errors are in the data, exit 0), or a readable description
/// per file (exit 2 when a file is not a readable invoice).
fn inspect(files: &[PathBuf], json: bool) -> Result<(), ApiError> {
    let values = encours_app::inspect(files);
    let failures = values.iter().filter(|v| v.get("error").is_some()).count();
    if json {
        println!("{}", serde_json::to_string_pretty(&values).unwrap_or_default());
    } else {
        for v in &values {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("-").to_owned();
            println!("{}", s("file"));
            if let Some(e) = v.get("error").and_then(|e| e.as_str()) {
                println!("  not read: {e}");
                continue;
            }
            println!("  {} {} · type {} · n° {}", s("format"), s("profile"), s("type_code"), s("invoice_number"));
            println!("  issued {} · due {} · {}", s("issue_date"), s("due_date"), s("currency"));
            for party in ["seller", "buyer"] {
                let p = &v[party];
                println!(
                    "  {party:6} {} (SIREN {}, VAT {})",
                    p["name"].as_str().unwrap_or("-"),
                    p["siren"].as_str().unwrap_or("-"),
                    p["vat_ids"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(" "))
                        .unwrap_or_default()
                );
            }
            let t = &v["totals"];
            println!(
                "  total HT {} · TVA {} · TTC {} · due {}",
                t["tax_basis_total"].as_str().unwrap_or("-"),
                t["tax_total"].as_str().unwrap_or("-"),
                t["grand_total"].as_str().unwrap_or("-"),
                t["due_payable"].as_str().unwrap_or("-")
            );
            for d in v["diagnostics"].as_array().into_iter().flatten() {
                println!(
                    "  {} {}: {} ({})",
                    d["level"].as_str().unwrap_or("?"),
                    d["rule"].as_str().unwrap_or("?"),
                    d["message"].as_str().unwrap_or(""),
                    d["path"].as_str().unwrap_or("")
                );
            }
        }
    }
    if failures > 0 && !json {
        return Err(ApiError::invalid(format!("{failures} of {} files are not readable invoices", values.len())));
    }
    Ok(())
}

/// Prints a JSON array; a reader that goes away (`| head`) ends the program quietly.
fn print_json(values: &[serde_json::Value]) -> Result<(), ApiError> {
    let mut out = QuietPipe(std::io::stdout().lock());
    writeln!(out, "{}", serde_json::to_string_pretty(values).unwrap_or_default())
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("standard output: {e}")))
}

/// Standard output that ends the program quietly when the reader goes away (`encours export | head`),
/// as Unix tools do, instead of reporting a broken pipe as an error.
struct QuietPipe<W: Write>(W);

impl<W: Write> Write for QuietPipe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).inspect_err(exit_on_broken_pipe)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().inspect_err(exit_on_broken_pipe)
    }
}

fn exit_on_broken_pipe(e: &std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
}

/// Writes a file under a temporary name and renames it into place, so that a failed export never
/// leaves a truncated file where a good one was.
fn write_atomically(
    path: &std::path::Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<u64, ApiError>,
) -> Result<u64, ApiError> {
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()));
    let tmp = path.with_extension("csv.part");
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let mut buf = std::io::BufWriter::new(file);
    let result = fill(&mut buf).and_then(|n| buf.flush().map(|_| n).map_err(io));
    match result {
        Ok(n) => {
            std::fs::rename(&tmp, path).map_err(io)?;
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Arguments of `encours pa-serve` (the local platform of encours-sync, feature `server`).
#[derive(clap::Args, Debug)]
struct PaServeArgs {
    /// Port to listen on (127.0.0.1 only); 0 for any free port.
    #[arg(long)]
    port: u16,
    /// A folder of e-invoices and CDAR messages to serve, recognised by content.
    #[arg(long, value_name = "DIR")]
    flows: Option<PathBuf>,
    /// Also serve this many generated flows (invoices, then their statuses 200…212, disputes, refusals).
    #[arg(long, default_value_t = 0)]
    generate: usize,
    /// Seed of the generated flows.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Faults, e.g. `5xx=7,429=11,retry-after=1,slow=13,slow-ms=300,dup=17,late=19,expire=50`.
    #[arg(long, value_name = "SPEC", default_value = "")]
    faults: String,
    /// Release this many flows per second instead of all at start.
    #[arg(long, value_name = "N")]
    per_second: Option<usize>,
    /// The OAuth2 client id the token endpoint accepts.
    #[arg(long, default_value = "encours")]
    client_id: String,
    /// Its secret (a test platform: given on the command line on purpose).
    #[arg(long, default_value = "secret")]
    client_secret: String,
}

/// `encours pa-serve`: runs until the process is stopped. The platform's logical clock starts now.
fn pa_serve(args: PaServeArgs, now: NaiveDateTime) -> Result<(), ApiError> {
    use encours_sync::server;
    let faults = server::Faults::parse(&args.faults).map_err(|e| ApiError::invalid(e.to_string()))?;
    let mut config = server::PlatformConfig::new(now.and_utc());
    config.client_id = args.client_id;
    config.client_secret = args.client_secret;
    config.faults = faults;
    // The directory describes the buyers of the generated flows (same seed).
    config.directory = server::demo_directory(args.seed);
    let platform = server::Platform::new(config);
    let mut files = Vec::new();
    if let Some(dir) = &args.flows {
        let (found, skipped) = server::from_dir(dir).map_err(|e| ApiError::invalid(e.to_string()))?;
        for name in skipped {
            eprintln!("encours pa-serve: {name} is neither an e-invoice nor a CDAR message, not served");
        }
        files.extend(found);
    }
    files.extend(server::demo_flows(args.generate, args.seed));
    let count = files.len();
    platform.queue(files);
    server::serve_forever(platform, args.port, args.per_second, |addr| {
        println!("encours pa-serve: http://{addr} (token: http://{addr}/oauth/token), {count} flows");
        let _ = std::io::stdout().flush();
    })
    .map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))
}
