//! `encours writeoff INVOICE_NUMBER --date D --reason TEXT [--json]`: writes off what is still
//! open on an invoice the company will not collect (créance irrécouvrable, legal-rules A.7).

use std::io::Write;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use clap::Args;
use encours_app::analytics::writeoff::{self, WriteOffView};
use encours_app::{ApiError, ErrorCode, KeySource};

/// The arguments of `encours writeoff`.
#[derive(Args, Debug)]
pub struct WriteOffArgs {
    /// The invoice's number (BT-1), or `#ID` for its id when several invoices share a number.
    pub invoice: String,
    /// Date of the write-off (the open balance drops on that date); default: today.
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Why it is irrecoverable (judgment closing the liquidation for lack of assets, certificate
    /// of irrecoverability from the liquidator…).
    #[arg(long)]
    pub reason: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn text(w: &WriteOffView) -> String {
    let vat = if w.vat_on_debits {
        format!("TVA {} {} récupérable (CGI 272, après facture rectificative)", w.vat, w.currency)
    } else {
        format!("TVA {} {} exigible à l'encaissement, jamais acquittée : rien à récupérer", w.vat, w.currency)
    };
    format!(
        "{} passée en perte le {} : {} {} TTC (HT {}, compte 654) ; {vat}\nmotif : {}",
        w.number, w.written_on, w.amount, w.currency, w.amount_excl_tax, w.reason
    )
}

/// Runs `encours writeoff` on the dossier at `path`.
pub fn run(
    path: &Path,
    keys: &KeySource,
    args: WriteOffArgs,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut d = encours_app::open_dossier(path, keys)?;
    let id = match args.invoice.strip_prefix('#') {
        Some(id) => {
            id.trim().parse::<i64>().map_err(|_| ApiError::invalid(format!("{:?}: not an id", args.invoice)))?
        }
        None => writeoff::invoice_by_number(&d, &args.invoice)?,
    };
    let w = writeoff::write_off(&mut d, id, args.date.unwrap_or(today), &args.reason, "cli", now)?;
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("standard output: {e}"));
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&w).unwrap_or_default()).map_err(io)?;
    } else {
        writeln!(out, "{}", text(&w)).map_err(io)?;
    }
    Ok(())
}
