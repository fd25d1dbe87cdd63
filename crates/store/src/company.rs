//! The company's letterhead profile (migration 0010): what every letter prints about the creditor
//! beyond its name and SIREN — postal address, VAT number, phone, e-mail, bank details, signatory,
//! town — and its logo.
//!
//! The profile is kept as the JSON the app validated (IBAN key, BIC shape, VAT key: the app owns
//! those rules through `encours_domain`), so a field added later needs no migration. The logo is
//! stored apart as bytes, capped at [`MAX_LOGO_BYTES`]. Every change writes an audit entry with the
//! profile before and after (the logo by media type and size: its bytes would bloat the journal).

use chrono::NaiveDateTime;
use rusqlite::{params, OptionalExtension};

use crate::dossier::insert_audit;
use crate::{Dossier, StoreError};

/// The largest logo kept: a letterhead logo is a few kilobytes; a photograph would bloat every
/// letter (issue 7 asks for < 60 KB per letter).
pub const MAX_LOGO_BYTES: usize = 256 * 1024;

/// A logo: PNG or JPEG bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logo {
    /// `image/png` or `image/jpeg`.
    pub media_type: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The stored profile.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredProfile {
    /// The profile as the app wrote it.
    pub profile: serde_json::Value,
    /// The logo, if one was given.
    pub logo: Option<Logo>,
    /// When it was last changed (ISO date-time).
    pub updated_at: String,
}

/// What a profile update does to the logo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoChange {
    /// Leave it as it is.
    Keep,
    /// Remove it.
    Remove,
    /// Replace it.
    Set(Logo),
}

/// The company profile, `None` when it was never set.
pub fn profile(d: &Dossier) -> Result<Option<StoredProfile>, StoreError> {
    type Row = (String, Option<Vec<u8>>, Option<String>, String);
    let row: Option<Row> = d
        .conn
        .prepare_cached("SELECT profile_json, logo, logo_media_type, updated_at FROM company_profile WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((json, logo, media_type, updated_at)) = row else { return Ok(None) };
    Ok(Some(StoredProfile {
        profile: serde_json::from_str(&json)?,
        logo: logo.map(|bytes| Logo { media_type: media_type.unwrap_or_default(), bytes }),
        updated_at,
    }))
}

fn logo_summary(media_type: Option<&str>, size: Option<usize>) -> serde_json::Value {
    match (media_type, size) {
        (Some(m), Some(s)) => serde_json::json!({ "mediaType": m, "size": s }),
        _ => serde_json::Value::Null,
    }
}

/// Replaces the profile (and sets, keeps or removes the logo), with an audit entry holding the
/// profile before and after, in one transaction.
pub fn put_profile(
    d: &mut Dossier,
    value: &serde_json::Value,
    logo: &LogoChange,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    if let LogoChange::Set(l) = logo {
        if l.bytes.len() > MAX_LOGO_BYTES {
            return Err(StoreError::Invalid(format!(
                "the logo is {} KB; at most {} KB is kept (a letterhead logo needs a few KB: export it smaller)",
                l.bytes.len().div_ceil(1024),
                MAX_LOGO_BYTES / 1024
            )));
        }
        if !matches!(l.media_type.as_str(), "image/png" | "image/jpeg") {
            return Err(StoreError::Invalid(format!("the logo is {}: expected PNG or JPEG", l.media_type)));
        }
    }
    let tx = d.conn.transaction()?;
    let before: Option<(String, Option<String>, Option<i64>)> = tx
        .prepare_cached("SELECT profile_json, logo_media_type, length(logo) FROM company_profile WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let json = value.to_string();
    let when = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    if before.is_none() {
        tx.prepare_cached(
            "INSERT INTO company_profile (id, profile_json, logo, logo_media_type, updated_at) VALUES (1, ?1, NULL, NULL, ?2)",
        )?
        .execute(params![json, when])?;
    } else {
        tx.prepare_cached("UPDATE company_profile SET profile_json = ?1, updated_at = ?2 WHERE id = 1")?
            .execute(params![json, when])?;
    }
    match logo {
        LogoChange::Keep => {}
        LogoChange::Remove => {
            tx.prepare_cached("UPDATE company_profile SET logo = NULL, logo_media_type = NULL WHERE id = 1")?
                .execute([])?;
        }
        LogoChange::Set(l) => {
            tx.prepare_cached("UPDATE company_profile SET logo = ?1, logo_media_type = ?2 WHERE id = 1")?
                .execute(params![l.bytes, l.media_type])?;
        }
    }
    let (after_media, after_size): (Option<String>, Option<i64>) = tx
        .prepare_cached("SELECT logo_media_type, length(logo) FROM company_profile WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let size = |s: Option<i64>| s.and_then(|s| usize::try_from(s).ok());
    let before_json = before
        .map(|(p, m, s)| -> Result<String, StoreError> {
            let profile: serde_json::Value = serde_json::from_str(&p)?;
            Ok(serde_json::json!({ "profile": profile, "logo": logo_summary(m.as_deref(), size(s)) }).to_string())
        })
        .transpose()?;
    let after_json =
        serde_json::json!({ "profile": value, "logo": logo_summary(after_media.as_deref(), size(after_size)) })
            .to_string();
    insert_audit(&tx, at, actor, "company.profile", "company", Some("1"), before_json.as_deref(), Some(&after_json))?;
    tx.commit()?;
    Ok(())
}
