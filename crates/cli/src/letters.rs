//! `encours letter …` (the legal documents of issue 7) and `encours settings company` (the
//! letterhead they print).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use clap::Args;
use encours_app::letters::{self, LetterRequest};
use encours_app::{ApiError, ErrorCode, KeySource};

/// `encours letter KIND (--client ID | --invoice NUMBER | --sample) --out FILE [--as-of DATE]`.
#[derive(Args, Debug)]
pub struct LetterArgs {
    /// reminder, demeure, statement, injonction or declaration.
    pub kind: String,
    /// For a reminder: courtois, ferme (default) or dernier_avis.
    #[arg(long)]
    pub tone: Option<String>,
    /// The client (its id, as `encours items` and the dashboard show it).
    #[arg(long, conflicts_with_all = ["invoice", "sample"])]
    pub client: Option<i64>,
    /// An invoice number: the document is about that invoice (the statement and the declaration
    /// take the whole account of its client).
    #[arg(long, conflicts_with = "sample")]
    pub invoice: Option<String>,
    /// A client of the dossier for whom the document makes sense (demonstrations, tests).
    #[arg(long)]
    pub sample: bool,
    /// The PDF file to write (or a folder: the file is named after the document and the client).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The date of the document and of its legal math (default: today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// Print what was generated as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `encours settings company [--set field=value …] [--logo FILE | --no-logo] [--json]`.
#[derive(Args, Debug)]
pub struct CompanyArgs {
    /// Set a field (repeatable): address (lines separated by |), postcode, city, country, vat,
    /// phone, email, website, iban, bic, signatory, title, town, legal-line, legal-form. An empty
    /// value clears the field.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// A PNG or JPEG logo for the letterhead.
    #[arg(long, value_name = "FILE", conflicts_with = "no_logo")]
    pub logo: Option<PathBuf>,
    /// Remove the logo.
    #[arg(long)]
    pub no_logo: bool,
    /// Print the profile as JSON.
    #[arg(long)]
    pub json: bool,
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Io, e.to_string())
}

/// Generates one document and prints where it went.
pub fn letter(path: &Path, keys: &KeySource, args: LetterArgs, today: NaiveDate) -> Result<(), ApiError> {
    let d = encours_app::open_dossier(path, keys)?;
    let request = LetterRequest {
        kind: args.kind,
        tone: args.tone,
        client_id: args.client,
        invoice_number: args.invoice,
        sample: args.sample,
    };
    let as_of = args.as_of.unwrap_or(today);
    let g = letters::generate_letter(&d, &request, as_of, &args.out)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = serde_json::to_string_pretty(&g).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        writeln!(out, "{json}").map_err(io)?;
    } else {
        writeln!(
            out,
            "{}: {} (client {}), {} invoice(s), {} {} — {} ({} bytes)",
            g.kind, g.client_name, g.client_id, g.invoices, g.amount, g.currency, g.path, g.bytes
        )
        .map_err(io)?;
        for n in &g.notes {
            writeln!(out, "  note: {n}").map_err(io)?;
        }
    }
    Ok(())
}

/// Shows, and with `--set`/`--logo` changes, the company's letterhead.
pub fn company(path: &Path, keys: &KeySource, args: CompanyArgs, now: NaiveDateTime) -> Result<(), ApiError> {
    let mut d = encours_app::open_dossier(path, keys)?;
    let mut profile = encours_app::company_profile(&d)?;
    if !args.set.is_empty() {
        for s in &args.set {
            let (field, value) =
                s.split_once('=').ok_or_else(|| ApiError::invalid(format!("--set {s:?}: expected field=value")))?;
            profile.set(field, value)?;
        }
        profile = encours_app::update_company_profile(&mut d, &profile, now)?;
    }
    if let Some(file) = &args.logo {
        let bytes = std::fs::read(file)
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read {}: {e}", file.display())))?;
        profile = encours_app::set_company_logo(&mut d, Some(bytes), now)?;
    } else if args.no_logo {
        profile = encours_app::set_company_logo(&mut d, None, now)?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let json =
            serde_json::to_string_pretty(&profile).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        return writeln!(out, "{json}").map_err(io);
    }
    let or_dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".to_owned());
    let lines = [
        ("name", profile.name.clone()),
        ("siren", profile.siren.clone()),
        ("address", profile.address_lines.join(" | ")),
        ("postcode", profile.postcode.clone()),
        ("city", profile.city.clone()),
        ("country", profile.country.clone()),
        ("vat", or_dash(&profile.vat_number)),
        ("phone", or_dash(&profile.phone)),
        ("email", or_dash(&profile.email)),
        ("website", or_dash(&profile.website)),
        ("iban", or_dash(&profile.iban)),
        ("bic", or_dash(&profile.bic)),
        ("signatory", profile.signatory_name.clone()),
        ("title", or_dash(&profile.signatory_title)),
        ("town", profile.town.clone()),
        ("legal-line", or_dash(&profile.legal_line)),
        ("legal-form", or_dash(&profile.legal_form)),
        ("logo", or_dash(&profile.logo_media_type)),
    ];
    for (k, v) in lines {
        writeln!(out, "{k:<11} {v}").map_err(io)?;
    }
    let missing = profile.missing_for_letters();
    if !missing.is_empty() {
        writeln!(out, "missing for letters: {}", missing.join(", ")).map_err(io)?;
    }
    Ok(())
}
