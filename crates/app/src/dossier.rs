//! Creating, opening and summarising dossiers.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{Currency, Siren};
use encours_store::{queries, Dossier, KeySource};

use crate::dto::{DossierSummary, KeyMode};
use crate::error::ApiError;

/// Where keys come from, as chosen by the environment (`ENCOURS_KEY_HEX` or the OS keyring).
pub fn key_source() -> Result<(KeySource, KeyMode), ApiError> {
    let keys = KeySource::from_env()?;
    let mode = match keys.mode() {
        encours_store::KeyMode::Keyring => KeyMode::Keyring,
        encours_store::KeyMode::Environment => KeyMode::Environment,
    };
    Ok((keys, mode))
}

/// Creates an empty dossier for the company identified by `siren`.
pub fn create_dossier(
    path: &Path,
    siren: &str,
    name: &str,
    keys: &KeySource,
    now: NaiveDateTime,
) -> Result<Dossier, ApiError> {
    let siren = Siren::parse(siren).map_err(|e| ApiError::invalid(format!("SIREN: {e}")))?;
    if name.trim().is_empty() {
        return Err(ApiError::invalid("the company name is empty"));
    }
    Ok(Dossier::create(path, &siren, name, keys, now)?)
}

/// Opens an existing dossier.
pub fn open_dossier(path: &Path, keys: &KeySource) -> Result<Dossier, ApiError> {
    Ok(Dossier::open(path, keys)?)
}

/// Runs a full integrity check (it reads the whole file) and records it; returns "ok" or what it found.
pub fn check_integrity(dossier: &mut Dossier, now: NaiveDateTime) -> Result<String, ApiError> {
    Ok(dossier.check_integrity(now)?.summary())
}

/// The dossier's front page as of a date. It is fast on any size of ledger: the integrity line is
/// the last recorded check (see [`check_integrity`]).
pub fn summary(dossier: &Dossier, as_of: NaiveDate) -> Result<DossierSummary, ApiError> {
    let company = dossier.company()?;
    let s = queries::summary(dossier, as_of)?;
    let (integrity, integrity_checked_at) = match dossier.last_integrity()? {
        Some((at, result)) => (result, Some(at.format("%Y-%m-%dT%H:%M:%S").to_string())),
        None => ("not checked yet".to_owned(), None),
    };
    let eur = |t: &encours_domain::Totals| {
        let mut m = t.get(Currency::EUR).round();
        m.amount.rescale(2);
        m.amount.to_string()
    };
    let mut other_currencies = Vec::new();
    for m in s.open_balance.iter().filter(|m| m.currency != Currency::EUR) {
        other_currencies.push(format!("{} {}", m.currency, m.round().amount));
    }
    Ok(DossierSummary {
        path: dossier.path().display().to_string(),
        company_name: company.name,
        company_siren: company.siren.to_string(),
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        clients: s.clients,
        invoices: s.invoices,
        open_items: s.open_items,
        open_balance: eur(&s.open_balance),
        overdue_balance: eur(&s.overdue_balance),
        overdue_items: s.overdue_items,
        other_currencies,
        integrity,
        integrity_checked_at,
    })
}

/// Deletes a dossier file and its WAL companions (used to undo a creation whose next step failed).
pub fn remove_dossier_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(p));
    }
}

// ---------------------------------------------------------------------------------------------
// The company profile: the letterhead of every letter (issue 7 §1; issue 6 left "the letter lacks
// our company's postal address and bank details").
// ---------------------------------------------------------------------------------------------

/// The company's letterhead, as the settings screen and `encours settings company` show and edit
/// it. Every text is as the user typed it; [`update_company_profile`] checks and normalises.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct CompanyProfileDto {
    /// The company's name (read only here: it is the dossier's).
    pub name: String,
    /// Its SIREN (read only: the dossier's).
    pub siren: String,
    /// Street lines of the postal address.
    pub address_lines: Vec<String>,
    /// Postcode (5 digits in France).
    pub postcode: String,
    /// City.
    pub city: String,
    /// ISO country code (FR).
    pub country: String,
    /// Intra-community VAT number (its key is checked against the SIREN).
    pub vat_number: Option<String>,
    /// Phone number printed on the letterhead.
    pub phone: Option<String>,
    /// E-mail address printed on the letterhead.
    pub email: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// IBAN the clients pay to (mod 97 checked).
    pub iban: Option<String>,
    /// BIC of that account (8 or 11 characters).
    pub bic: Option<String>,
    /// Who signs the letters.
    pub signatory_name: String,
    /// Their title ("Responsable du recouvrement").
    pub signatory_title: Option<String>,
    /// The town written before the date ("Lyon, le 24 novembre 2026").
    pub town: String,
    /// The legal line of the footer ("SAS au capital de 50 000 € — RCS Lyon 100 000 009").
    pub legal_line: Option<String>,
    /// The legal form (SAS, SARL…), for the Cerfa of the injonction de payer.
    pub legal_form: Option<String>,
    /// On output: a logo is kept (ignored on input; see [`set_company_logo`]).
    pub has_logo: bool,
    /// On output: its media type.
    pub logo_media_type: Option<String>,
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A BIC (ISO 9362): 4 letters (bank), 2 letters (country), 2 letters or digits (location), and
/// an optional 3-character branch.
pub fn check_bic(input: &str) -> Result<String, ApiError> {
    let bic: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let b = bic.as_bytes();
    let shape = (b.len() == 8 || b.len() == 11)
        && b.iter().take(6).all(u8::is_ascii_uppercase)
        && b.iter().skip(6).all(u8::is_ascii_alphanumeric);
    if !shape {
        return Err(ApiError::invalid(format!(
            "BIC {input:?}: expected 8 or 11 characters, 4 letters for the bank, 2 for the country, then letters or \
             digits (e.g. BNPAFRPPXXX)"
        )));
    }
    Ok(bic)
}

impl CompanyProfileDto {
    /// Checks every field and returns the profile normalised (IBAN and VAT compact and upper case,
    /// BIC upper case, empty texts as absent). `siren` is the dossier's: a French VAT number must
    /// carry it.
    pub fn checked(&self, siren: &Siren) -> Result<CompanyProfileDto, ApiError> {
        let mut p = self.clone();
        p.address_lines = self.address_lines.iter().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect();
        p.postcode = self.postcode.trim().to_owned();
        p.city = self.city.trim().to_owned();
        p.country = match self.country.trim() {
            "" => "FR".to_owned(),
            c => c.to_ascii_uppercase(),
        };
        if p.country.len() != 2 || !p.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ApiError::invalid(format!("country {:?}: expected a two-letter ISO code (FR)", self.country)));
        }
        if p.country == "FR"
            && !p.postcode.is_empty()
            && !(p.postcode.len() == 5 && p.postcode.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ApiError::invalid(format!("postcode {:?}: a French postcode has 5 digits", self.postcode)));
        }
        p.vat_number = match opt(&self.vat_number) {
            Some(v) => {
                let vat =
                    encours_domain::VatNumber::parse(&v).map_err(|e| ApiError::invalid(format!("VAT number: {e}")))?;
                if vat.as_str().starts_with("FR") && vat.siren() != *siren {
                    return Err(ApiError::invalid(format!(
                        "VAT number {v}: it is the number of SIREN {}, not of this dossier's company ({siren})",
                        vat.siren()
                    )));
                }
                Some(vat.as_str().to_owned())
            }
            None => None,
        };
        p.iban = match opt(&self.iban) {
            Some(i) => Some(
                encours_domain::Iban::parse(&i)
                    .map_err(|e| ApiError::invalid(format!("IBAN: {e}")))?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        p.bic = opt(&self.bic).map(|b| check_bic(&b)).transpose()?;
        p.email = opt(&self.email);
        if let Some(e) = &p.email {
            let ok = e
                .split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.ends_with('.'));
            if !ok || e.contains(char::is_whitespace) {
                return Err(ApiError::invalid(format!("e-mail {e:?}: expected name@domain.fr")));
            }
        }
        p.phone = opt(&self.phone);
        p.website = opt(&self.website);
        p.signatory_name = self.signatory_name.trim().to_owned();
        p.signatory_title = opt(&self.signatory_title);
        p.town = self.town.trim().to_owned();
        p.legal_line = opt(&self.legal_line);
        p.legal_form = opt(&self.legal_form);
        p.has_logo = false;
        p.logo_media_type = None;
        Ok(p)
    }

    /// Sets one field from text, by name (the CLI's `--set field=value`); an empty value clears
    /// it. Names: `address` (lines separated by `|`), `postcode`, `city`, `country`, `vat`,
    /// `phone`, `email`, `website`, `iban`, `bic`, `signatory`, `title`, `town`, `legal-line`,
    /// `legal-form` (camelCase field names are accepted too).
    pub fn set(&mut self, field: &str, value: &str) -> Result<(), ApiError> {
        let v = value.trim().to_owned();
        let o = (!v.is_empty()).then(|| v.clone());
        match field.trim() {
            "address" | "addressLines" => {
                self.address_lines = v.split('|').map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect()
            }
            "postcode" => self.postcode = v,
            "city" => self.city = v,
            "country" => self.country = v,
            "vat" | "vatNumber" => self.vat_number = o,
            "phone" => self.phone = o,
            "email" => self.email = o,
            "website" => self.website = o,
            "iban" => self.iban = o,
            "bic" => self.bic = o,
            "signatory" | "signatoryName" => self.signatory_name = v,
            "title" | "signatoryTitle" => self.signatory_title = o,
            "town" => self.town = v,
            "legal-line" | "legalLine" => self.legal_line = o,
            "legal-form" | "legalForm" => self.legal_form = o,
            other => {
                return Err(ApiError::invalid(format!(
                    "{other:?} is not a company field (address, postcode, city, country, vat, phone, email, website, \
                     iban, bic, signatory, title, town, legal-line, legal-form)"
                )))
            }
        }
        Ok(())
    }

    /// What a letter cannot do without and is not filled in, in French words for the message.
    pub fn missing_for_letters(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.address_lines.is_empty() {
            missing.push("address (street)");
        }
        if self.postcode.is_empty() {
            missing.push("postcode");
        }
        if self.city.is_empty() {
            missing.push("city");
        }
        if self.town.is_empty() {
            missing.push("town (for \"Lyon, le …\")");
        }
        if self.signatory_name.is_empty() {
            missing.push("signatory");
        }
        missing
    }
}

/// The company's profile (an empty one, with the dossier's name and SIREN, when never set).
pub fn company_profile(d: &Dossier) -> Result<CompanyProfileDto, ApiError> {
    let company = d.company()?;
    let stored = encours_store::company::profile(d)?;
    let mut dto = match &stored {
        Some(s) => serde_json::from_value::<CompanyProfileDto>(s.profile.clone())
            .map_err(|e| ApiError::new(crate::ErrorCode::Storage, format!("the stored company profile: {e}")))?,
        None => CompanyProfileDto { country: "FR".to_owned(), ..CompanyProfileDto::default() },
    };
    dto.name = company.name;
    dto.siren = company.siren.to_string();
    if let Some(logo) = stored.and_then(|s| s.logo) {
        dto.has_logo = true;
        dto.logo_media_type = Some(logo.media_type);
    }
    Ok(dto)
}

/// Checks and stores the company's profile (audited); the logo is left as it is.
pub fn update_company_profile(
    d: &mut Dossier,
    dto: &CompanyProfileDto,
    now: NaiveDateTime,
) -> Result<CompanyProfileDto, ApiError> {
    let company = d.company()?;
    let mut checked = dto.checked(&company.siren)?;
    // Name and SIREN are the dossier's: not kept twice.
    checked.name = String::new();
    checked.siren = String::new();
    let json = serde_json::to_value(&checked).map_err(|e| ApiError::new(crate::ErrorCode::Internal, e.to_string()))?;
    encours_store::company::put_profile(d, &json, &encours_store::company::LogoChange::Keep, "user", now)?;
    company_profile(d)
}

/// Sets (PNG or JPEG bytes, recognised by their signature) or removes (`None`) the logo printed
/// on the letterhead (audited; at most [`encours_store::company::MAX_LOGO_BYTES`]).
pub fn set_company_logo(
    d: &mut Dossier,
    bytes: Option<Vec<u8>>,
    now: NaiveDateTime,
) -> Result<CompanyProfileDto, ApiError> {
    let current = company_profile(d)?;
    let mut json = encours_store::company::profile(d)?
        .map(|s| s.profile)
        .unwrap_or_else(|| serde_json::json!({ "country": current.country }));
    if json.is_null() {
        json = serde_json::json!({});
    }
    let change = match bytes {
        None => encours_store::company::LogoChange::Remove,
        Some(bytes) => {
            let media_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
                "image/png"
            } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
                "image/jpeg"
            } else {
                return Err(ApiError::invalid("the logo is neither a PNG nor a JPEG image"));
            };
            encours_store::company::LogoChange::Set(encours_store::company::Logo {
                media_type: media_type.to_owned(),
                bytes,
            })
        }
    };
    encours_store::company::put_profile(d, &json, &change, "user", now)?;
    company_profile(d)
}

/// The logo's bytes, if one is kept.
pub fn company_logo(d: &Dossier) -> Result<Option<Vec<u8>>, ApiError> {
    Ok(encours_store::company::profile(d)?.and_then(|s| s.logo).map(|l| l.bytes))
}
