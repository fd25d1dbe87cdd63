//! Company facts from the API Recherche d'entreprises (open-data §4.2): `GET /search?q=<SIREN>`.
//!
//! The body is `{results[], total_results, page, per_page, total_pages}`; the result whose `siren`
//! is the one asked for gives the facts scoring uses (open-data "What the software must implement"
//! 17): creation date (company age), legal form (`nature_juridique`, INSEE code), NAF, headcount
//! band and its year, administrative state (`A` active, `C` ceased) with the closing date, the
//! establishments. Values are read with fallible accessors: a field of another type, or missing,
//! is `None`, never a panic; a body that is not a JSON object with `results` is a decode error.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::OpenDataError;

/// What SIRENE says of a company, as scoring and the client page use it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyFacts {
    /// The SIREN (9 digits).
    pub siren: String,
    /// `nom_complet`.
    pub name: Option<String>,
    /// `date_creation`: the company's age.
    pub creation_date: Option<NaiveDate>,
    /// `nature_juridique`: INSEE legal-form code (5710 SAS, 5499 SARL, 1000 entrepreneur individuel).
    pub legal_form: Option<String>,
    /// `activite_principale` (NAF rév. 2).
    pub naf: Option<String>,
    /// `activite_principale_naf25`, when present.
    pub naf25: Option<String>,
    /// `tranche_effectif_salarie` (INSEE band code: NN, 00, 01, 02, 03, 11, …, 53).
    pub headcount_band: Option<String>,
    /// `annee_tranche_effectif_salarie`.
    pub headcount_year: Option<String>,
    /// `categorie_entreprise`: PME, ETI or GE.
    pub category: Option<String>,
    /// `etat_administratif`: `A` active, `C` ceased.
    pub state: Option<String>,
    /// The day activity ceased (`date_fermeture`), only when the state is `C`.
    pub ceased_on: Option<NaiveDate>,
    /// `immatriculation.date_radiation` (struck off the register).
    pub radiated_on: Option<NaiveDate>,
    /// `nombre_etablissements`.
    pub establishments: Option<u64>,
    /// `nombre_etablissements_ouverts`.
    pub open_establishments: Option<u64>,
    /// `siege.siret`.
    pub head_office_siret: Option<String>,
    /// `siege.etat_administratif`: `A` active, `F` closed.
    pub head_office_state: Option<String>,
}

impl CompanyFacts {
    /// True when SIRENE says the company has ceased (`etat_administratif` = `C`).
    pub fn is_ceased(&self) -> bool {
        self.state.as_deref() == Some("C")
    }
}

/// A string field; `null`, another type, an empty string or the masked `[ND]` are `None`.
pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty() && s != "[ND]").then(|| s.to_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A `YYYY-MM-DD` date field (a date-time keeps its date).
pub(crate) fn date(v: &Value, key: &str) -> Option<NaiveDate> {
    let s = text(v, key)?;
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(&s), "%Y-%m-%d").ok()
}

fn count(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads the facts of `siren` from a `/search` body. `Ok(None)` when the body lists no result with
/// that SIREN (unknown, or a non-diffusible company, which the API leaves out). `url` names the
/// source in errors.
pub fn parse_search(url: &str, siren: &str, body: &[u8]) -> Result<Option<CompanyFacts>, OpenDataError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| OpenDataError::Decode { url: url.into(), message: e.to_string() })?;
    let results = root
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| OpenDataError::Decode { url: url.into(), message: "no `results` list in the body".into() })?;
    let Some(r) = results.iter().find(|r| text(r, "siren").as_deref() == Some(siren)) else {
        return Ok(None);
    };
    let state = text(r, "etat_administratif");
    let siege = r.get("siege").unwrap_or(&Value::Null);
    let immatriculation = r.get("immatriculation").unwrap_or(&Value::Null);
    Ok(Some(CompanyFacts {
        siren: siren.to_owned(),
        name: text(r, "nom_complet").or_else(|| text(r, "nom_raison_sociale")),
        creation_date: date(r, "date_creation"),
        legal_form: text(r, "nature_juridique"),
        naf: text(r, "activite_principale"),
        naf25: text(r, "activite_principale_naf25"),
        headcount_band: text(r, "tranche_effectif_salarie"),
        headcount_year: text(r, "annee_tranche_effectif_salarie"),
        category: text(r, "categorie_entreprise"),
        // A closing date means "ceased" only with the state that says so (open-data §4.1: the
        // cessation date is the start of the `C` period).
        ceased_on: if state.as_deref() == Some("C") { date(r, "date_fermeture") } else { None },
        state,
        radiated_on: date(immatriculation, "date_radiation"),
        establishments: count(r, "nombre_etablissements"),
        open_establishments: count(r, "nombre_etablissements_ouverts"),
        head_office_siret: text(siege, "siret"),
        head_office_state: text(siege, "etat_administratif"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_body_is_an_answer_or_an_error_naming_the_url() {
        for body in [&b""[..], b"[]", b"{}", b"{\"results\": 3}", b"\xff\xfe", b"{\"results\":[{\"siren\":[1]}]}"] {
            match parse_search("http://x/search?q=1", "123456789", body) {
                Ok(None) => {}
                Ok(Some(f)) => panic!("facts from nothing: {f:?}"),
                Err(e) => assert!(e.to_string().contains("http://x/search?q=1"), "{e}"),
            }
        }
        let odd = br#"{"results":[{"siren":"123456789","date_creation":42,"nombre_etablissements":"7",
            "etat_administratif":"C","date_fermeture":"pas une date","siege":[],"immatriculation":"x"}]}"#;
        let f = parse_search("u", "123456789", odd).ok().flatten().unwrap_or_default();
        assert_eq!((f.creation_date, f.establishments, f.ceased_on), (None, Some(7), None));
        assert!(f.is_ceased());
    }
}
