//! The local platform's Directory Service (legal-rules B.4, Annexe B routes): `POST /v1/siren/search`,
//! `GET /v1/siren/code-insee:{siren}` and `POST /v1/directory-line/search` over a small directory —
//! by default the buyers of the demo portfolio ([`demo_directory`]), each with its receiving
//! platform, a line for the SIREN and, for some, lines for a facility (SIRET) and a routing code (a
//! service) with its address.
//!
//! Rules: at least one criterion (a search without one is a 400, as a flow search is); `limit`
//! 1..=100, 25 when absent; `ignore` skips results (paging) and `totalNumberOfResults` counts every
//! match; AND between criteria; results sorted by SIREN then addressing identifier so pages are
//! stable. B.4 §6.2: only active lines are returned — enabled, with an effective date on or before
//! the platform's day (its logical clock), so an `Upcoming` line stays hidden until its date.

use chrono::NaiveDate;

use super::generate::{demo_clients, siren, SELLER_NAME};
use crate::directory::{
    Address, Criterion, DirectoryLine, LegalUnit, LineSearch, LineSearchResponse, RoutingCode, SirenSearch,
    SirenSearchResponse, DEFAULT_LIMIT, MAX_LIMIT,
};

/// One company of the local directory: its legal unit and its lines (active or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRecord {
    /// The legal unit.
    pub legal_unit: LegalUnit,
    /// Its lines.
    pub lines: Vec<DirectoryLine>,
}

/// The receiving platforms of the demo directory: registration number and name (fictitious).
const PLATFORMS: [(&str, &str); 4] = [
    ("0042", "Plateforme Demo Alpha"),
    ("0077", "Plateforme Demo Beta"),
    ("0103", "Plateforme Demo Gamma"),
    ("", "PPF"),
];

fn line(siren: &str, platform: usize, effective: NaiveDate) -> DirectoryLine {
    let (number, name) = PLATFORMS.get(platform).copied().unwrap_or(("0042", "Plateforme Demo Alpha"));
    DirectoryLine {
        addressing_identifier: siren.to_owned(),
        siren: siren.to_owned(),
        siret: None,
        addressing_suffix: None,
        routing_code: None,
        platform_type: Some(if number.is_empty() { "DFH" } else { "WK" }.into()),
        platform_registration_number: (!number.is_empty()).then(|| number.to_owned()),
        platform_name: Some(name.to_owned()),
        directory_line_status: Some("Enabled".into()),
        effective_date: Some(effective),
    }
}

/// The directory of the demo portfolio for `seed`: the 40 buyers of
/// [`super::demo_flows`] and the seller. Every company has a line for its SIREN on one of three
/// platforms; one in four also has a facility line and a routing code (its accounts department in
/// Lyon); one in ten is moving to another platform on 2027-01-01 (an `Upcoming` line, not
/// returned before that date); the fifth company is closed (status `C`) and keeps no line.
pub fn demo_directory(seed: u64) -> Vec<DirectoryRecord> {
    let since = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default();
    let moving = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
    let mut out = Vec::new();
    let seller = siren(73_282_932);
    out.push(DirectoryRecord {
        legal_unit: LegalUnit {
            siren: seller.clone(),
            business_name: SELLER_NAME.into(),
            entity_type: Some("PrivateVatRegistered".into()),
            administrative_status: Some("A".into()),
        },
        lines: vec![line(&seller, 0, since)],
    });
    for (i, (siren, name)) in demo_clients(seed).into_iter().enumerate() {
        let closed = i == 4;
        let mut lines = Vec::new();
        if !closed {
            lines.push(line(&siren, i % 3, since));
            if i % 4 == 1 {
                let nic = format!("{:05}", 10 + i);
                let siret = format!("{siren}{nic}");
                let code = format!("SCE-COMPTA-{:02}", i + 1);
                let mut facility = line(&siren, i % 3, since);
                facility.addressing_identifier = format!("{siren}_{siret}");
                facility.siret = Some(siret.clone());
                lines.push(facility);
                let mut service = line(&siren, i % 3, since);
                service.addressing_identifier = format!("{siren}_{siret}_{code}");
                service.siret = Some(siret);
                service.routing_code = Some(RoutingCode {
                    routing_identifier: code,
                    routing_identifier_type: Some("0224".into()),
                    routing_code_name: Some("Service comptabilité fournisseurs".into()),
                    address: Some(Address {
                        address_line1: Some(format!("{} rue de la République", 10 + i)),
                        postal_code: Some("69002".into()),
                        locality: Some("Lyon".into()),
                        country_code: Some("FR".into()),
                    }),
                });
                lines.push(service);
            }
            if i % 10 == 3 {
                let mut next = line(&siren, (i + 1) % 3, moving);
                next.addressing_suffix = Some("2027".into());
                next.addressing_identifier = format!("{siren}_2027");
                next.directory_line_status = Some("Upcoming".into());
                lines.push(next);
            }
        }
        out.push(DirectoryRecord {
            legal_unit: LegalUnit {
                siren,
                business_name: name,
                entity_type: Some("PrivateVatRegistered".into()),
                administrative_status: Some(if closed { "C" } else { "A" }.into()),
            },
            lines,
        });
    }
    out
}

/// Why a directory search is refused: the B.4-style error code and message.
pub(crate) type Refusal = (&'static str, String);

fn page_bounds(limit: Option<u32>, ignore: Option<u32>) -> Result<(usize, usize), Refusal> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(("InvalidRequest", format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    let limit = usize::try_from(limit).unwrap_or(25);
    Ok((limit, usize::try_from(ignore.unwrap_or(0)).unwrap_or(usize::MAX)))
}

fn check(criterion: Option<&Criterion>, value: &str) -> Result<bool, Refusal> {
    match criterion {
        None => Ok(true),
        Some(c) => c
            .matches(value)
            .ok_or_else(|| ("InvalidRequest", format!("unknown operator {:?} (strict, contains, startWith)", c.op))),
    }
}

/// `POST /v1/siren/search` over `records`.
pub(crate) fn search_siren(records: &[DirectoryRecord], search: SirenSearch) -> Result<SirenSearchResponse, Refusal> {
    if search.filters.is_empty() {
        return Err(("InvalidRequest", "at least one search criterion is required".into()));
    }
    let (limit, skip) = page_bounds(search.limit, search.ignore)?;
    let f = &search.filters;
    let mut matches = Vec::new();
    for r in records {
        let u = &r.legal_unit;
        if check(f.siren.as_ref(), &u.siren)?
            && check(f.business_name.as_ref(), &u.business_name)?
            && check(f.administrative_status.as_ref(), u.administrative_status.as_deref().unwrap_or_default())?
        {
            matches.push(u);
        }
    }
    matches.sort_by(|a, b| a.siren.cmp(&b.siren));
    let total = matches.len() as u64;
    let results = matches.into_iter().skip(skip).take(limit).cloned().collect();
    Ok(SirenSearchResponse { search, total_number_of_results: total, results })
}

/// `POST /v1/directory-line/search` over `records`: active lines only, as of `today`.
pub(crate) fn search_lines(
    records: &[DirectoryRecord],
    search: LineSearch,
    today: NaiveDate,
) -> Result<LineSearchResponse, Refusal> {
    if search.filters.is_empty() {
        return Err(("InvalidRequest", "at least one search criterion is required".into()));
    }
    let (limit, skip) = page_bounds(search.limit, search.ignore)?;
    let f = &search.filters;
    let mut matches = Vec::new();
    for l in records.iter().flat_map(|r| r.lines.iter()) {
        let active = l.effective_date.is_none_or(|d| d <= today)
            && l.directory_line_status.as_deref().is_none_or(|s| s != "Disabled");
        if active
            && check(f.siren.as_ref(), &l.siren)?
            && check(f.siret.as_ref(), l.siret.as_deref().unwrap_or_default())?
            && check(f.addressing_identifier.as_ref(), &l.addressing_identifier)?
        {
            matches.push(l);
        }
    }
    matches.sort_by(|a, b| a.siren.cmp(&b.siren).then_with(|| a.addressing_identifier.cmp(&b.addressing_identifier)));
    let total = matches.len() as u64;
    let results = matches
        .into_iter()
        .skip(skip)
        .take(limit)
        .cloned()
        .map(|mut l| {
            // Once its date has come, an upcoming line is the one in force.
            if l.directory_line_status.as_deref() == Some("Upcoming") {
                l.directory_line_status = Some("Enabled".into());
            }
            l
        })
        .collect();
    Ok(LineSearchResponse { search, total_number_of_results: total, results })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{valid_siren, LineFilters, SirenFilters};

    #[test]
    fn the_demo_directory_describes_the_demo_buyers_with_valid_sirens() {
        let d = demo_directory(2);
        assert_eq!(d.len(), 41);
        assert!(d.iter().all(|r| valid_siren(&r.legal_unit.siren)));
        let buyers: Vec<String> = demo_clients(2).into_iter().map(|(s, _)| s).collect();
        assert!(buyers.iter().all(|b| d.iter().any(|r| &r.legal_unit.siren == b)));
        assert!(d.iter().any(|r| r.lines.iter().any(|l| l.routing_code.is_some())));
        assert!(d.iter().any(|r| r.lines.is_empty() && r.legal_unit.administrative_status.as_deref() == Some("C")));
    }

    #[test]
    fn searches_page_filter_and_hide_lines_not_yet_in_force() {
        let d = demo_directory(2);
        let all = SirenSearch {
            filters: SirenFilters {
                business_name: Some(Criterion { op: "contains".into(), value: "client".into() }),
                ..Default::default()
            },
            limit: Some(15),
            ignore: Some(30),
        };
        let page = search_siren(&d, all).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((page.total_number_of_results, page.results.len()), (40, 10), "the last page");
        assert!(search_siren(&d, SirenSearch::default()).is_err(), "no criterion");
        let bad = SirenSearch {
            filters: SirenFilters { siren: Some(Criterion::strict("1")), ..Default::default() },
            limit: Some(101),
            ignore: None,
        };
        assert!(search_siren(&d, bad).is_err(), "limit over 100");

        let moving = d.iter().find(|r| r.lines.iter().any(|l| l.directory_line_status.as_deref() == Some("Upcoming")));
        let siren = moving.map(|r| r.legal_unit.siren.clone()).unwrap_or_default();
        let lines = |day: NaiveDate| {
            let s = LineSearch {
                filters: LineFilters { siren: Some(Criterion::strict(&siren)), ..Default::default() },
                limit: None,
                ignore: None,
            };
            search_lines(&d, s, day).map(|r| r.results.len()).unwrap_or(0)
        };
        let before = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
        let after = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
        assert_eq!((lines(before), lines(after)), (1, 2), "the upcoming line appears on its date");
    }
}
