//! The rate tables late-payment penalties and legal interest are computed with (legal-rules
//! A.1.6–A.1.8): the tables shipped with Encours (`assets/rates`), or the dossier's own once the
//! user imports an updated one — the ECB changes its rate, a half-year's legal rate is published.
//! "Data-driven with validity dates": a table says up to which date it is right (`covered_until`),
//! and a penalty past that date is refused with a message saying which rate to add, never guessed.

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::legal::{
    LegalRates, RateTable, ECB_MRO_COLUMN, LEGAL_INDIVIDUAL_COLUMN, LEGAL_PROFESSIONAL_COLUMN,
};
use encours_store::rates as store;
use serde::Serialize;

use crate::{ApiError, Dossier, ErrorCode};

/// A rate table in force for the dossier, described.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RateTableView {
    /// `ecb_mro` or `legal_interest`.
    pub name: String,
    /// `dossier` (imported, with its file name) or `shipped` (the table of this version of Encours).
    pub origin: String,
    /// The file it was imported from (dossier tables only).
    pub source: Option<String>,
    /// The first date the table gives a rate for.
    pub covered_from: Option<NaiveDate>,
    /// The last date the table is known to be right.
    pub covered_until: NaiveDate,
    /// Its rows (changes of rate).
    pub rows: usize,
}

const NAMES: [&str; 2] = ["ecb_mro", "legal_interest"];

fn invalid(file: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, format!("{file}: {why}"))
}

/// The dossier's table `name`, or the shipped one.
fn table(d: &Dossier, name: &str) -> Result<(RateTable, Option<String>), ApiError> {
    match store::rate_table(d, name)? {
        Some(stored) => {
            // Checked before it was stored; a table that no longer parses is an error, not a fallback.
            let parsed = RateTable::parse(&stored.csv).map_err(|e| invalid(&stored.source, e))?;
            Ok((parsed, Some(stored.source)))
        }
        None if name == "ecb_mro" => Ok((RateTable::ecb_default(), None)),
        None => Ok((RateTable::legal_interest_default(), None)),
    }
}

/// The rates the dossier computes penalties and legal interest with.
pub fn legal_rates(d: &Dossier) -> Result<LegalRates, ApiError> {
    let (ecb, _) = table(d, "ecb_mro")?;
    let (legal, _) = table(d, "legal_interest")?;
    LegalRates::new(ecb, legal).map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))
}

/// The two tables in force, where they come from and what they cover.
pub fn rate_tables(d: &Dossier) -> Result<Vec<RateTableView>, ApiError> {
    NAMES
        .iter()
        .map(|name| {
            let (t, source) = table(d, name)?;
            Ok(RateTableView {
                name: (*name).to_owned(),
                origin: if source.is_some() { "dossier" } else { "shipped" }.to_owned(),
                source,
                covered_from: t.covered_from(),
                covered_until: t.covered_until(),
                rows: t.rows().len(),
            })
        })
        .collect()
}

/// Imports an updated rate table for the dossier from its CSV text (the layout of the shipped
/// files: `effective_date,…` rows, then `covered_until,DATE`). Which table it is follows from its
/// columns (`mro_percent`: the ECB table; `professional_percent` and `individual_percent`: the
/// legal interest table). It is parsed and checked with the other table in force before anything
/// is stored; a bad file changes nothing and the error names the file and the line.
pub fn import_rate_table(
    d: &mut Dossier,
    file: &str,
    text: &str,
    now: NaiveDateTime,
) -> Result<RateTableView, ApiError> {
    let parsed = RateTable::parse(text).map_err(|e| invalid(file, e))?;
    let name = if parsed.has_column(ECB_MRO_COLUMN) {
        "ecb_mro"
    } else if parsed.has_column(LEGAL_PROFESSIONAL_COLUMN) && parsed.has_column(LEGAL_INDIVIDUAL_COLUMN) {
        "legal_interest"
    } else {
        return Err(invalid(
            file,
            format!(
                "not a rate table Encours knows: expected a column {ECB_MRO_COLUMN} (ECB) or \
                 {LEGAL_PROFESSIONAL_COLUMN} and {LEGAL_INDIVIDUAL_COLUMN} (legal interest)"
            ),
        ));
    };
    // Paired with the other table in force, the way penalties will use it.
    let pair = if name == "ecb_mro" {
        LegalRates::new(parsed.clone(), table(d, "legal_interest")?.0)
    } else {
        LegalRates::new(table(d, "ecb_mro")?.0, parsed.clone())
    };
    pair.map_err(|e| invalid(file, e))?;
    store::put_rate_table(d, name, text, file, "user", now)?;
    Ok(RateTableView {
        name: name.to_owned(),
        origin: "dossier".to_owned(),
        source: Some(file.to_owned()),
        covered_from: parsed.covered_from(),
        covered_until: parsed.covered_until(),
        rows: parsed.rows().len(),
    })
}
