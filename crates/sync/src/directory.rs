//! The Directory Service (XP Z12-013 Annexe B, legal-rules B.4): who a company is in the
//! *annuaire*, which platform receives its invoices, and under which routing identifiers.
//!
//! Routes used: `POST /v1/siren/search` (the legal unit: SIREN, name, status) and
//! `POST /v1/directory-line/search` (its directory lines: addressing identifier, SIRET, routing
//! code, receiving platform). B.4 §6.2: the search routes must return every directory line of a
//! full SIREN, and only *active* lines (effective date before today).
//!
//! Objects. B.4 lists the routes and the paging rule (`limit`, an offset, a total) but not the
//! fields; the names below follow the Annexe B swagger as public SDKs reproduce it [S]: a search
//! is `{filters: {field: {op, value}}, limit, ignore}` (`ignore` is the offset; `offset` is
//! accepted too), an answer `{search, totalNumberOfResults, results}`. "A PA may add fields" (B.4):
//! the platform's registration number and name on a directory line are such additions, read when
//! present; unknown fields are ignored.
//!
//! The client side is [`FlowClient::directory_search`]: the same token, timeouts, retries with
//! backoff and `Retry-After` as the Flow Service.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::client::FlowClient;
use crate::error::SyncError;

/// Largest page a directory search may ask (the Flow Service's bound; the standard's default is 25).
pub const MAX_LIMIT: u32 = 100;
/// Default page size when a search gives none.
pub const DEFAULT_LIMIT: u32 = 25;
/// Pages of directory lines read for one SIREN at most (100 lines a page).
const MAX_LINE_PAGES: u32 = 20;

/// One criterion: an operator and a value (`strict`, `contains` or `startWith`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// `strict` (equal), `contains` or `startWith`.
    pub op: String,
    /// The value compared.
    pub value: String,
}

impl Criterion {
    /// An equality criterion.
    pub fn strict(value: &str) -> Criterion {
        Criterion { op: "strict".into(), value: value.into() }
    }

    /// True when `candidate` satisfies the criterion; an unknown operator is `None` (a 400).
    pub fn matches(&self, candidate: &str) -> Option<bool> {
        match self.op.as_str() {
            "strict" => Some(candidate == self.value),
            "contains" => Some(candidate.to_lowercase().contains(&self.value.to_lowercase())),
            "startWith" | "startsWith" => Some(candidate.starts_with(&self.value)),
            _ => None,
        }
    }
}

/// Filters of `POST /v1/siren/search` (AND between them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SirenFilters {
    /// The SIREN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siren: Option<Criterion>,
    /// The company's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<Criterion>,
    /// `A` active, `C` closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrative_status: Option<Criterion>,
}

impl SirenFilters {
    /// True when no criterion is given.
    pub fn is_empty(&self) -> bool {
        self.siren.is_none() && self.business_name.is_none() && self.administrative_status.is_none()
    }
}

/// Body of `POST /v1/siren/search`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SirenSearch {
    /// The criteria.
    #[serde(default)]
    pub filters: SirenFilters,
    /// Page size, 1..=100 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Results to skip (the offset; `offset` is accepted as a synonym).
    #[serde(default, alias = "offset", skip_serializing_if = "Option::is_none")]
    pub ignore: Option<u32>,
}

/// A legal unit (a SIREN) of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegalUnit {
    /// The SIREN (9 digits).
    pub siren: String,
    /// The registered name.
    #[serde(default)]
    pub business_name: String,
    /// `Public` or `PrivateVatRegistered`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    /// `A` active, `C` closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrative_status: Option<String>,
}

/// Answer of `POST /v1/siren/search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SirenSearchResponse {
    /// The search as understood.
    pub search: SirenSearch,
    /// Matches in all (the page is `results`).
    pub total_number_of_results: u64,
    /// This page.
    #[serde(default)]
    pub results: Vec<LegalUnit>,
}

/// Filters of `POST /v1/directory-line/search`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineFilters {
    /// The SIREN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siren: Option<Criterion>,
    /// The SIRET.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siret: Option<Criterion>,
    /// The addressing identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addressing_identifier: Option<Criterion>,
}

impl LineFilters {
    /// True when no criterion is given.
    pub fn is_empty(&self) -> bool {
        self.siren.is_none() && self.siret.is_none() && self.addressing_identifier.is_none()
    }
}

/// Body of `POST /v1/directory-line/search`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineSearch {
    /// The criteria.
    #[serde(default)]
    pub filters: LineFilters,
    /// Page size, 1..=100 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Results to skip.
    #[serde(default, alias = "offset", skip_serializing_if = "Option::is_none")]
    pub ignore: Option<u32>,
}

/// A postal address of the directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// First line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Town.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// ISO 3166 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

/// The routing code of a directory line (a service of the company, e.g. its accounts department).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingCode {
    /// The routing identifier.
    pub routing_identifier: String,
    /// Its type (e.g. `0224`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_identifier_type: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_code_name: Option<String>,
    /// Its address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// One directory line: where invoices for a SIREN (or one of its SIRETs, or a routing code) go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryLine {
    /// The addressing identifier: `SIREN`, `SIREN_SIRET` or `SIREN_SIRET_CODE`, plus a suffix.
    pub addressing_identifier: String,
    /// The SIREN.
    pub siren: String,
    /// The SIRET, when the line is for one facility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siret: Option<String>,
    /// The suffix, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addressing_suffix: Option<String>,
    /// The routing code, when the line is for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_code: Option<RoutingCode>,
    /// The receiving platform's kind (UNCL 3035): `WK` a plateforme agréée, `DFH` the PPF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_type: Option<String>,
    /// Platform extension (B.4: "a PA may add fields"): the receiving platform's registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_registration_number: Option<String>,
    /// Platform extension: the receiving platform's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    /// `Enabled`, `Disabled` or `Upcoming`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_line_status: Option<String>,
    /// From when the line applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date: Option<NaiveDate>,
}

/// Answer of `POST /v1/directory-line/search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineSearchResponse {
    /// The search as understood.
    pub search: LineSearch,
    /// Matches in all.
    pub total_number_of_results: u64,
    /// This page.
    #[serde(default)]
    pub results: Vec<DirectoryLine>,
}

/// What the directory says of one SIREN: the legal unit and its active directory lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryEntry {
    /// The legal unit.
    pub legal_unit: LegalUnit,
    /// Its active lines, as the directory lists them.
    pub lines: Vec<DirectoryLine>,
}

impl DirectoryEntry {
    /// The line for the whole company (addressing identifier = the SIREN, no SIRET nor routing
    /// code), else the first line: where an invoice addressed to the SIREN goes.
    pub fn main_line(&self) -> Option<&DirectoryLine> {
        self.lines.iter().find(|l| l.siret.is_none() && l.routing_code.is_none()).or_else(|| self.lines.first())
    }

    /// The routing identifiers of the company's lines, in order, without repeats.
    pub fn routing_identifiers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in self.lines.iter().filter_map(|l| l.routing_code.as_ref()).map(|r| r.routing_identifier.clone()) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
}

/// True when `siren` is nine digits with a valid Luhn key (legal-rules B.6).
pub fn valid_siren(siren: &str) -> bool {
    siren.len() == 9 && siren.bytes().all(|b| b.is_ascii_digit()) && encours_domain::ids::luhn_valid(siren)
}

/// The Directory Service base for a Flow Service base: B.4 names them `…/flow-service` and
/// `…/directory-service` on the same host; any other base (the local platform) serves both.
pub fn directory_base(flow_base: &str) -> String {
    let base = flow_base.trim_end_matches('/');
    match base.strip_suffix("/flow-service") {
        Some(host) => format!("{host}/directory-service"),
        None => base.to_owned(),
    }
}

impl FlowClient {
    /// Looks a SIREN up in the directory: `POST /v1/siren/search` (strict on the SIREN), then
    /// every active line through `POST /v1/directory-line/search`, page after page. `Ok(None)`
    /// when the directory does not know the SIREN. The Directory Service is found next to the Flow
    /// Service ([`directory_base`]).
    pub async fn directory_search(&self, siren: &str) -> Result<Option<DirectoryEntry>, SyncError> {
        let siren = siren.trim();
        if !valid_siren(siren) {
            return Err(SyncError::Config(format!("{siren:?} is not a SIREN (nine digits with a valid key)")));
        }
        let base = directory_base(self.base_url());
        let url = format!("{base}/v1/siren/search");
        let search = SirenSearch {
            filters: SirenFilters { siren: Some(Criterion::strict(siren)), ..SirenFilters::default() },
            limit: Some(1),
            ignore: None,
        };
        let found: SirenSearchResponse = self.post_json(&url, &search).await?;
        let Some(legal_unit) = found.results.into_iter().find(|u| u.siren == siren) else {
            return Ok(None);
        };
        let url = format!("{base}/v1/directory-line/search");
        let mut lines = Vec::new();
        for page in 0..MAX_LINE_PAGES {
            let search = LineSearch {
                filters: LineFilters { siren: Some(Criterion::strict(siren)), ..LineFilters::default() },
                limit: Some(MAX_LIMIT),
                ignore: Some(page * MAX_LIMIT),
            };
            let answer: LineSearchResponse = self.post_json(&url, &search).await?;
            let got = answer.results.len();
            lines.extend(answer.results.into_iter().filter(|l| l.siren == siren));
            let seen = u64::from(page * MAX_LIMIT) + got as u64;
            if got == 0 || seen >= answer.total_number_of_results {
                break;
            }
        }
        Ok(Some(DirectoryEntry { legal_unit, lines }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirens_bases_and_criteria() {
        assert!(valid_siren("732829320") && !valid_siren("732829321") && !valid_siren("73282932"));
        assert!(!valid_siren("73282932a"));
        assert_eq!(directory_base("https://pa.example/flow-service/"), "https://pa.example/directory-service");
        assert_eq!(directory_base("http://127.0.0.1:9/"), "http://127.0.0.1:9");
        let c = Criterion { op: "contains".into(), value: "client 0".into() };
        assert_eq!(c.matches("CLIENT 07 SARL"), Some(true));
        assert_eq!(Criterion { op: "like".into(), value: "x".into() }.matches("x"), None);
        let body: SirenSearch =
            serde_json::from_str(r#"{"filters":{"siren":{"op":"strict","value":"1"}},"offset":5}"#).unwrap_or_default();
        assert_eq!(body.ignore, Some(5), "offset is read as ignore");
    }
}
