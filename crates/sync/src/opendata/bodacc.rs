//! BODACC notices from the DILA dataset `annonces-commerciales` (open-data §2).
//!
//! Read: the v2.1 explore API body `{total_count, results[]}`, the legacy v1 body
//! `{nhits, records[{recordid, fields}]}` and a bare record. `registre` may be a list or a
//! comma-joined string (§2.3); `jugement` and `listepersonnes` are JSON *strings*, decoded when they
//! parse and kept as raw text when they do not (§"must implement" 10). `jugement.date` is ISO or a
//! French long date ("10 décembre 2009"). Each notice is classified (§"must implement" 11): opening
//! of a sauvegarde, redressement or liquidation judiciaire, conversion to liquidation, plan,
//! résolution de plan, clôture, other judgment (to review by hand: sauvegarde and plan wordings were
//! not verified on real data), radiation, dépôt des comptes, other.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::OpenDataError;
use super::sirene::{date, text};

/// The collective procedure a judgment concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// Procédure de sauvegarde.
    Sauvegarde,
    /// Redressement judiciaire.
    Redressement,
    /// Liquidation judiciaire.
    Liquidation,
}

impl Procedure {
    /// The code the dunning path takes (`encours_app::dunning::set_insolvency`).
    pub fn code(self) -> &'static str {
        match self {
            Procedure::Sauvegarde => "sauvegarde",
            Procedure::Redressement => "redressement",
            Procedure::Liquidation => "liquidation",
        }
    }
}

/// What a notice says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Opening judgment of a collective procedure: individual actions stop (L622-21) and the
    /// claim must be declared within two months of this publication (R622-24).
    Opening,
    /// Conversion of a sauvegarde or redressement into liquidation (does not reopen the deadline).
    Conversion,
    /// A plan (continuation or cession).
    Plan,
    /// Résolution of a plan.
    PlanResolution,
    /// Clôture (insuffisance d'actif, extinction du passif).
    Closure,
    /// Another judgment of a collective procedure: to be read by a person.
    OtherJudgment,
    /// Radiation from the register.
    Radiation,
    /// Dépôt des comptes.
    AccountsFiled,
    /// Anything else (création, vente, modification…).
    #[default]
    Other,
}

impl NoticeKind {
    /// The snake_case code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Opening => "opening",
            NoticeKind::Conversion => "conversion",
            NoticeKind::Plan => "plan",
            NoticeKind::PlanResolution => "plan_resolution",
            NoticeKind::Closure => "closure",
            NoticeKind::OtherJudgment => "other_judgment",
            NoticeKind::Radiation => "radiation",
            NoticeKind::AccountsFiled => "accounts_filed",
            NoticeKind::Other => "other",
        }
    }
}

/// The `jugement` of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Judgment {
    /// `famille`, e.g. "Jugement d'ouverture".
    pub family: Option<String>,
    /// `nature`, e.g. "Jugement d'ouverture de liquidation judiciaire".
    pub nature: Option<String>,
    /// `date`, parsed (ISO or French long form).
    pub date: Option<NaiveDate>,
    /// `date` as written.
    pub date_text: Option<String>,
    /// `complementJugement` (names the mandataire or liquidateur in free text).
    pub complement: Option<String>,
}

/// One BODACC notice, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BodaccNotice {
    /// `id` = publicationavis + parution + numeroannonce, e.g. `B20220227446` (the stable key).
    pub id: String,
    /// The v1 `recordid`, when the body was v1.
    pub record_id: Option<String>,
    /// `dateparution`: the starting point of the claim-declaration deadline (R622-24).
    pub published_on: Option<NaiveDate>,
    /// `publicationavis`: A, B or C.
    pub edition: Option<String>,
    /// `parution` (year + issue number).
    pub parution: Option<String>,
    /// `numeroannonce`.
    pub number: Option<String>,
    /// `familleavis`: collective, radiation, dpc…
    pub family: String,
    /// `familleavis_lib`.
    pub family_label: Option<String>,
    /// `typeavis_lib`: "Avis initial", "Avis rectificatif"…
    pub notice_type: Option<String>,
    /// `parutionavisprecedent`, raw (a rectificatif points to the notice it corrects).
    pub previous: Option<String>,
    /// `tribunal`.
    pub court: Option<String>,
    /// `commercant`.
    pub trader: Option<String>,
    /// The SIRENs of `registre`, 9 digits each, once.
    pub sirens: Vec<String>,
    /// The decoded `jugement`.
    pub judgment: Option<Judgment>,
    /// `jugement` as written when it is not valid JSON.
    pub judgment_raw: Option<String>,
    /// The classification.
    pub kind: NoticeKind,
    /// The procedure concerned, when the wording names one.
    pub procedure: Option<Procedure>,
    /// `url_complete`, else the bodacc.fr link built from edition, parution and number.
    pub url: Option<String>,
}

impl BodaccNotice {
    /// True for a rectificatif (linked to the notice it corrects, never counted twice).
    pub fn is_correction(&self) -> bool {
        self.notice_type.as_deref().is_some_and(|t| t.to_lowercase().contains("rectificatif"))
    }
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A judgment date: ISO, or French long form ("10 décembre 2009", "1er mars 2021").
pub fn parse_judgment_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%d/%m/%Y") {
        return Some(d);
    }
    let lower = s.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let [day, month, year] = words.as_slice() else { return None };
    let day: u32 = day.trim_end_matches("er").parse().ok()?;
    let month = MONTHS.iter().position(|m| *m == *month || m.replace(['é', 'û'], "e") == *month)?;
    let year: i32 = year.parse().ok()?;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()? + 1, day)
}

/// The 9 digits of each SIREN in `registre` (list or comma-joined string), once each, in order.
fn sirens(v: Option<&Value>) -> Vec<String> {
    let raw: Vec<String> = match v {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        let digits: String = r.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 9 && !out.contains(&digits) {
            out.push(digits);
        }
    }
    out
}

fn judgment(v: &Value) -> (Option<Judgment>, Option<String>) {
    let raw = match v.get("jugement") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(_)) => v.get("jugement").map(Value::to_string).unwrap_or_default(),
        _ => return (None, None),
    };
    match serde_json::from_str::<Value>(&raw) {
        Ok(j) if j.is_object() => {
            let date_text = text(&j, "date");
            (
                Some(Judgment {
                    family: text(&j, "famille"),
                    nature: text(&j, "nature"),
                    date: date_text.as_deref().and_then(parse_judgment_date),
                    date_text,
                    complement: text(&j, "complementJugement"),
                }),
                None,
            )
        }
        _ => (None, Some(raw)),
    }
}

fn procedure_in(text: &str) -> Option<Procedure> {
    if text.contains("liquidation") {
        Some(Procedure::Liquidation)
    } else if text.contains("redressement") {
        Some(Procedure::Redressement)
    } else if text.contains("sauvegarde") {
        Some(Procedure::Sauvegarde)
    } else {
        None
    }
}

/// Classifies a notice by its family and the judgment's famille and nature (§"must implement" 11).
pub fn classify(family: &str, judgment: Option<&Judgment>) -> (NoticeKind, Option<Procedure>) {
    match family {
        "radiation" => return (NoticeKind::Radiation, None),
        "dpc" => return (NoticeKind::AccountsFiled, None),
        "collective" => {}
        _ => return (NoticeKind::Other, None),
    }
    let Some(j) = judgment else { return (NoticeKind::OtherJudgment, None) };
    let fam = j.family.as_deref().unwrap_or_default().to_lowercase();
    let nature = j.nature.as_deref().unwrap_or_default().to_lowercase();
    let both = format!("{fam} {nature}");
    let complement = j.complement.as_deref().unwrap_or_default().to_lowercase();
    let procedure = procedure_in(&nature).or_else(|| procedure_in(&fam)).or_else(|| procedure_in(&complement));
    let kind = if both.contains("conversion") && both.contains("liquidation") {
        return (NoticeKind::Conversion, Some(Procedure::Liquidation));
    } else if both.contains("clôture") || both.contains("cloture") {
        NoticeKind::Closure
    } else if both.contains("résolution") && both.contains("plan") {
        NoticeKind::PlanResolution
    } else if both.contains("plan") {
        NoticeKind::Plan
    } else if both.contains("ouverture") && procedure.is_some() {
        NoticeKind::Opening
    } else if fam.contains("prononçant") && nature.contains("liquidation judiciaire") {
        // "Jugement prononçant la liquidation judiciaire" opens a liquidation.
        NoticeKind::Opening
    } else {
        NoticeKind::OtherJudgment
    };
    (kind, procedure)
}

/// Reads one record (the v2.1 result object or the v1 `fields`).
pub fn parse_record(v: &Value, record_id: Option<String>) -> Option<BodaccNotice> {
    let id = text(v, "id")?;
    let family = text(v, "familleavis").unwrap_or_default();
    let (judgment, judgment_raw) = judgment(v);
    let (kind, procedure) = classify(&family, judgment.as_ref());
    let edition = text(v, "publicationavis");
    let parution = text(v, "parution");
    let number = text(v, "numeroannonce");
    let url = text(v, "url_complete").or_else(|| match (&edition, &parution, &number) {
        (Some(e), Some(p), Some(n)) => Some(format!("https://www.bodacc.fr/annonce/detail-annonce/{e}/{p}/{n}")),
        _ => None,
    });
    Some(BodaccNotice {
        id,
        record_id,
        published_on: date(v, "dateparution"),
        edition,
        parution,
        number,
        family,
        family_label: text(v, "familleavis_lib"),
        notice_type: text(v, "typeavis_lib"),
        previous: v.get("parutionavisprecedent").filter(|p| !p.is_null()).map(|p| match p {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        court: text(v, "tribunal"),
        trader: text(v, "commercant"),
        sirens: sirens(v.get("registre")),
        judgment,
        judgment_raw,
        kind,
        procedure,
        url,
    })
}

/// One page of notices and how many the query matches in all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticePage {
    /// The notices of the page (records without an `id` are left out and counted in `skipped`).
    pub notices: Vec<BodaccNotice>,
    /// Records read on the page.
    pub records: usize,
    /// Records without an `id`.
    pub skipped: usize,
    /// `total_count` (v2.1) or `nhits` (v1), when given.
    pub total: Option<u64>,
}

/// Reads a body: v2.1 (`results`), v1 (`records[].fields`) or one bare record (with an `id`).
pub fn parse_notices(url: &str, body: &[u8]) -> Result<NoticePage, OpenDataError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| OpenDataError::Decode { url: url.into(), message: e.to_string() })?;
    let mut page = NoticePage::default();
    let take = |page: &mut NoticePage, v: &Value, record_id: Option<String>| {
        page.records += 1;
        match parse_record(v, record_id) {
            Some(n) => page.notices.push(n),
            None => page.skipped += 1,
        }
    };
    if let Some(results) = root.get("results").and_then(Value::as_array) {
        page.total = root.get("total_count").and_then(Value::as_u64);
        for r in results {
            take(&mut page, r, None);
        }
    } else if let Some(records) = root.get("records").and_then(Value::as_array) {
        page.total = root.get("nhits").and_then(Value::as_u64);
        for r in records {
            let fields = r.get("fields").unwrap_or(&Value::Null);
            take(&mut page, fields, text(r, "recordid"));
        }
    } else if root.get("id").is_some() {
        take(&mut page, &root, None);
        page.total = Some(1);
    } else {
        return Err(OpenDataError::Decode {
            url: url.into(),
            message: "neither `results` (v2.1), `records` (v1) nor a record with an `id`".into(),
        });
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(famille: &str, nature: &str) -> Judgment {
        Judgment { family: Some(famille.into()), nature: Some(nature.into()), ..Judgment::default() }
    }

    #[test]
    fn the_wordings_seen_in_real_records_are_classified() {
        let c = |f, n| classify("collective", Some(&j(f, n)));
        assert_eq!(
            c("Jugement d'ouverture", "Jugement d'ouverture de liquidation judiciaire"),
            (NoticeKind::Opening, Some(Procedure::Liquidation))
        );
        assert_eq!(
            c("Jugement d'ouverture", "Jugement d'ouverture d'une procédure de redressement judiciaire"),
            (NoticeKind::Opening, Some(Procedure::Redressement))
        );
        assert_eq!(
            c("Jugement prononçant", "Jugement de conversion en liquidation judiciaire"),
            (NoticeKind::Conversion, Some(Procedure::Liquidation))
        );
        assert_eq!(c("Jugement de clôture", "Jugement de clôture pour insuffisance d'actif").0, NoticeKind::Closure);
        assert_eq!(c("Extrait de jugement", "Autre jugement et ordonnance").0, NoticeKind::OtherJudgment);
        assert_eq!(classify("radiation", None).0, NoticeKind::Radiation);
        assert_eq!(classify("dpc", None).0, NoticeKind::AccountsFiled);
        assert_eq!(classify("vente", None).0, NoticeKind::Other);
    }

    #[test]
    fn judgment_dates_are_iso_or_french_long() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_judgment_date("2020-11-19"), d(2020, 11, 19));
        assert_eq!(parse_judgment_date("10 décembre 2009"), d(2009, 12, 10));
        assert_eq!(parse_judgment_date("1er août 2021"), d(2021, 8, 1));
        assert_eq!(parse_judgment_date("31 février 2021"), None);
        assert_eq!(parse_judgment_date("hier"), None);
    }

    #[test]
    fn bad_json_strings_are_kept_raw_and_no_body_panics() {
        let v: Value = serde_json::json!({"id": "A1", "familleavis": "collective", "jugement": "{pas du json",
            "registre": ["123 456 789", "123456789", "12"]});
        let n = parse_record(&v, None).unwrap_or_default();
        assert_eq!(n.judgment_raw.as_deref(), Some("{pas du json"));
        assert_eq!((n.kind, n.sirens.clone()), (NoticeKind::OtherJudgment, vec!["123456789".to_owned()]));
        for body in [&b""[..], b"[]", b"{}", b"{\"results\":{}}", b"\xff", b"{\"records\":[1,{\"fields\":2}]}"] {
            match parse_notices("http://b/records", body) {
                Ok(p) => assert!(p.notices.is_empty()),
                Err(e) => assert!(e.to_string().contains("http://b/records"), "{e}"),
            }
        }
    }
}
