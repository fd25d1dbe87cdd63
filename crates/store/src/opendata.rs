//! Open data about the clients' companies (issue 9 §4, migration `opendata`): the raw answers of
//! SIRENE (recherche-entreprises) and the BODACC as received, the facts parsed from them, and what
//! a procédure collective found in the BODACC made the app do. The store does not parse the
//! answers (the sync crate does); it keeps text and the few typed columns scoring reads.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params, OptionalExtension, Row};

use crate::audit::insert_audit;
use crate::{Dossier, StoreError};

/// Raw answers kept per SIREN and source: the last fetches (older ones are dropped).
pub const KEEP_FETCHES: i64 = 3;

fn at_str(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn date_opt(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(&s), "%Y-%m-%d").ok())
}

fn datetime(s: &str) -> Result<NaiveDateTime, StoreError> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .map_err(|e| StoreError::Decode(format!("open data fetch time {s:?}: {e}")))
}

fn check_source(source: &str) -> Result<(), StoreError> {
    if matches!(source, "sirene" | "bodacc") {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("open data source {source:?}: expected sirene or bodacc")))
    }
}

/// A client the refresh can ask about: one with a SIREN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSiren {
    /// The client.
    pub client_id: i64,
    /// Its name.
    pub name: String,
    /// Its SIREN as stored (the app checks it).
    pub siren: String,
}

/// Clients with a SIREN (all, or the one given), by id.
pub fn clients_with_siren(d: &Dossier, client: Option<i64>) -> Result<Vec<ClientSiren>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, name, siren FROM clients
         WHERE siren IS NOT NULL AND siren <> '' AND (?1 IS NULL OR id = ?1) ORDER BY id",
    )?;
    let rows = stmt
        .query_map([client], |r| Ok(ClientSiren { client_id: r.get(0)?, name: r.get(1)?, siren: r.get(2)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One raw answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawResponse {
    /// The URL asked.
    pub url: String,
    /// The body (JSON text).
    pub body: String,
}

/// The raw answers of the last fetch of a SIREN from a source, in page order, with its time.
pub fn latest_responses(
    d: &Dossier,
    siren: &str,
    source: &str,
) -> Result<Option<(NaiveDateTime, Vec<RawResponse>)>, StoreError> {
    check_source(source)?;
    let last: Option<String> = d
        .conn
        .prepare_cached("SELECT max(fetched_at) FROM opendata_responses WHERE siren = ?1 AND source = ?2")?
        .query_row(params![siren, source], |r| r.get(0))?;
    let Some(last) = last else { return Ok(None) };
    let mut stmt = d.conn.prepare_cached(
        "SELECT url, body FROM opendata_responses WHERE siren = ?1 AND source = ?2 AND fetched_at = ?3
         ORDER BY page, id",
    )?;
    let pages = stmt
        .query_map(params![siren, source, last], |r| Ok(RawResponse { url: r.get(0)?, body: r.get(1)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some((datetime(&last)?, pages)))
}

/// The company facts of a SIREN (the typed columns scoring reads, and the whole parsed record).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CompanyFactsRow {
    /// The SIREN.
    pub siren: String,
    /// Company name.
    pub name: Option<String>,
    /// Creation date (the company's age).
    pub creation_date: Option<NaiveDate>,
    /// INSEE legal-form code.
    pub legal_form: Option<String>,
    /// NAF code.
    pub naf: Option<String>,
    /// Headcount band code.
    pub headcount_band: Option<String>,
    /// `A` active, `C` ceased.
    pub state: Option<String>,
    /// When activity ceased.
    pub ceased_on: Option<NaiveDate>,
    /// The parsed record, as JSON (the sync crate's `CompanyFacts`).
    pub facts_json: String,
    /// Where it came from.
    pub source_url: String,
    /// When.
    pub fetched_at: NaiveDateTime,
}

/// A BODACC notice naming a SIREN.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NoticeRow {
    /// The SIREN it names.
    pub siren: String,
    /// The notice's id (`A202002333642`).
    pub notice_id: String,
    /// `dateparution`.
    pub published_on: Option<NaiveDate>,
    /// `familleavis`.
    pub family: String,
    /// The classification (`opening`, `conversion`, `closure`, `radiation`, …).
    pub kind: String,
    /// `sauvegarde`, `redressement` or `liquidation`, when named.
    pub procedure: Option<String>,
    /// The judgment's date.
    pub judgment_on: Option<NaiveDate>,
    /// `tribunal`.
    pub court: Option<String>,
    /// Link to the notice.
    pub url: Option<String>,
    /// The parsed notice, as JSON (the sync crate's `BodaccNotice`).
    pub notice_json: String,
    /// The request it came in.
    pub source_url: String,
    /// When.
    pub fetched_at: NaiveDateTime,
}

/// Stores one fetch of a source for a SIREN in one transaction with one audit entry: the raw pages,
/// then the facts (`sirene`: `company`, replacing the previous row; `None` when the service does not
/// know the SIREN, which removes it) or the notices (`bodacc`: upserted by id; notices are never
/// deleted, a notice the service stops listing stays as evidence). Older raw fetches beyond
/// [`KEEP_FETCHES`] are dropped.
#[allow(clippy::too_many_arguments)]
pub fn record_fetch(
    d: &mut Dossier,
    siren: &str,
    source: &str,
    pages: &[RawResponse],
    company: Option<&CompanyFactsRow>,
    notices: &[NoticeRow],
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    check_source(source)?;
    let when = at_str(at);
    let tx = d.conn.transaction()?;
    // A second fetch within the same second replaces the first (same key).
    tx.prepare_cached("DELETE FROM opendata_responses WHERE siren = ?1 AND source = ?2 AND fetched_at = ?3")?
        .execute(params![siren, source, when])?;
    {
        let mut ins = tx.prepare_cached(
            "INSERT INTO opendata_responses (siren, source, url, fetched_at, page, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (i, p) in pages.iter().enumerate() {
            ins.execute(params![siren, source, p.url, when, i as i64, p.body])?;
        }
    }
    tx.prepare_cached(
        "DELETE FROM opendata_responses WHERE siren = ?1 AND source = ?2 AND fetched_at NOT IN
           (SELECT DISTINCT fetched_at FROM opendata_responses WHERE siren = ?1 AND source = ?2
            ORDER BY fetched_at DESC LIMIT ?3)",
    )?
    .execute(params![siren, source, KEEP_FETCHES])?;
    if source == "sirene" {
        match company {
            Some(c) => {
                tx.prepare_cached(
                    "INSERT INTO opendata_companies (siren, name, creation_date, legal_form, naf, headcount_band, state,
                       ceased_on, facts_json, source_url, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT(siren) DO UPDATE SET name = excluded.name, creation_date = excluded.creation_date,
                       legal_form = excluded.legal_form, naf = excluded.naf, headcount_band = excluded.headcount_band,
                       state = excluded.state, ceased_on = excluded.ceased_on, facts_json = excluded.facts_json,
                       source_url = excluded.source_url, fetched_at = excluded.fetched_at",
                )?
                .execute(params![
                    siren,
                    c.name,
                    c.creation_date.map(|x| x.to_string()),
                    c.legal_form,
                    c.naf,
                    c.headcount_band,
                    c.state,
                    c.ceased_on.map(|x| x.to_string()),
                    c.facts_json,
                    c.source_url,
                    when
                ])?;
            }
            None => {
                tx.prepare_cached("DELETE FROM opendata_companies WHERE siren = ?1")?.execute([siren])?;
            }
        }
    } else {
        let mut up = tx.prepare_cached(
            "INSERT INTO opendata_notices (siren, notice_id, published_on, family, kind, procedure, judgment_on, court,
               url, notice_json, source_url, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT(siren, notice_id) DO UPDATE SET published_on = excluded.published_on,
               family = excluded.family, kind = excluded.kind, procedure = excluded.procedure,
               judgment_on = excluded.judgment_on, court = excluded.court, url = excluded.url,
               notice_json = excluded.notice_json, source_url = excluded.source_url, fetched_at = excluded.fetched_at",
        )?;
        for n in notices {
            up.execute(params![
                siren,
                n.notice_id,
                n.published_on.map(|x| x.to_string()),
                n.family,
                n.kind,
                n.procedure,
                n.judgment_on.map(|x| x.to_string()),
                n.court,
                n.url,
                n.notice_json,
                n.source_url,
                when
            ])?;
        }
    }
    let after = serde_json::json!({
        "siren": siren, "source": source, "pages": pages.len(),
        "known": company.is_some(), "notices": notices.iter().map(|n| n.notice_id.as_str()).collect::<Vec<_>>(),
    })
    .to_string();
    insert_audit(&tx, at, actor, "opendata.fetch", "opendata", Some(siren), None, Some(&after))?;
    tx.commit()?;
    Ok(())
}

fn company_row(r: &Row<'_>) -> rusqlite::Result<(CompanyFactsRow, String)> {
    Ok((
        CompanyFactsRow {
            siren: r.get(0)?,
            name: r.get(1)?,
            creation_date: date_opt(r.get(2)?),
            legal_form: r.get(3)?,
            naf: r.get(4)?,
            headcount_band: r.get(5)?,
            state: r.get(6)?,
            ceased_on: date_opt(r.get(7)?),
            facts_json: r.get(8)?,
            source_url: r.get(9)?,
            fetched_at: NaiveDateTime::default(),
        },
        r.get(10)?,
    ))
}

const COMPANY_COLUMNS: &str = "o.siren, o.name, o.creation_date, o.legal_form, o.naf, o.headcount_band, o.state,
     o.ceased_on, o.facts_json, o.source_url, o.fetched_at";

/// The SIRENE facts of these clients (by client id; clients without a SIREN or without facts are
/// absent). This is the read scoring's external features come from (issue 9 §1): company age,
/// legal form, NAF, headcount band, ceased activity.
pub fn company_facts(d: &Dossier, client_ids: &[i64]) -> Result<HashMap<i64, CompanyFactsRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT {COMPANY_COLUMNS} FROM clients c JOIN opendata_companies o ON o.siren = c.siren WHERE c.id = ?1"
    ))?;
    let mut out = HashMap::with_capacity(client_ids.len());
    for id in client_ids {
        if let Some((mut row, at)) = stmt.query_row([id], company_row).optional()? {
            row.fetched_at = datetime(&at)?;
            out.insert(*id, row);
        }
    }
    Ok(out)
}

/// The SIRENE facts of every client that has some, by client id (one scan; for a whole-portfolio
/// rescoring).
pub fn all_company_facts(d: &Dossier) -> Result<HashMap<i64, CompanyFactsRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT c.id, {COMPANY_COLUMNS} FROM clients c JOIN opendata_companies o ON o.siren = c.siren"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = HashMap::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let row = CompanyFactsRow {
            siren: r.get(1)?,
            name: r.get(2)?,
            creation_date: date_opt(r.get(3)?),
            legal_form: r.get(4)?,
            naf: r.get(5)?,
            headcount_band: r.get(6)?,
            state: r.get(7)?,
            ceased_on: date_opt(r.get(8)?),
            facts_json: r.get(9)?,
            source_url: r.get(10)?,
            fetched_at: datetime(&r.get::<_, String>(11)?)?,
        };
        out.insert(id, row);
    }
    Ok(out)
}

/// The BODACC notices naming a client's SIREN, newest first.
pub fn client_notices(d: &Dossier, client_id: i64) -> Result<Vec<NoticeRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT n.siren, n.notice_id, n.published_on, n.family, n.kind, n.procedure, n.judgment_on, n.court, n.url,
                n.notice_json, n.source_url, n.fetched_at
         FROM clients c JOIN opendata_notices n ON n.siren = c.siren WHERE c.id = ?1
         ORDER BY n.published_on DESC, n.notice_id DESC",
    )?;
    let mut rows = stmt.query([client_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(NoticeRow {
            siren: r.get(0)?,
            notice_id: r.get(1)?,
            published_on: date_opt(r.get(2)?),
            family: r.get(3)?,
            kind: r.get(4)?,
            procedure: r.get(5)?,
            judgment_on: date_opt(r.get(6)?),
            court: r.get(7)?,
            url: r.get(8)?,
            notice_json: r.get(9)?,
            source_url: r.get(10)?,
            fetched_at: datetime(&r.get::<_, String>(11)?)?,
        });
    }
    Ok(out)
}

/// What a procédure collective notice made the app do for a client.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProcedureRecord {
    /// The client.
    pub client_id: i64,
    /// The notice.
    pub notice_id: String,
    /// `safeguard`, `receivership` or `liquidation` as recorded for dunning.
    pub kind: String,
    /// The opening judgment.
    pub judgment_on: NaiveDate,
    /// Its BODACC publication.
    pub published_on: NaiveDate,
    /// The déclaration de créance deadline (R622-24).
    pub deadline: NaiveDate,
    /// The claim-declaration action recorded in the dunning outbox, if one was.
    pub action_id: Option<i64>,
    /// The declaration letter, when it could be made.
    pub letter_pdf: Option<Vec<u8>>,
    /// Why there is no letter, or what to know about it.
    pub letter_note: String,
    /// When it was done.
    pub done_at: NaiveDateTime,
}

const PROCEDURE_COLUMNS: &str =
    "client_id, notice_id, kind, judgment_on, published_on, deadline, action_id, letter_pdf, letter_note, done_at";

fn procedure_row(r: &Row<'_>) -> rusqlite::Result<(ProcedureRecord, [String; 4])> {
    Ok((
        ProcedureRecord {
            client_id: r.get(0)?,
            notice_id: r.get(1)?,
            kind: r.get(2)?,
            action_id: r.get(6)?,
            letter_pdf: r.get(7)?,
            letter_note: r.get(8)?,
            ..ProcedureRecord::default()
        },
        [r.get(3)?, r.get(4)?, r.get(5)?, r.get(9)?],
    ))
}

fn finish(pair: (ProcedureRecord, [String; 4])) -> Result<ProcedureRecord, StoreError> {
    let (mut p, [judgment, published, deadline, done]) = pair;
    let day = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|e| StoreError::Decode(format!("open data procedure {s:?}: {e}")))
    };
    p.judgment_on = day(&judgment)?;
    p.published_on = day(&published)?;
    p.deadline = day(&deadline)?;
    p.done_at = datetime(&done)?;
    Ok(p)
}

/// The procedures recorded for a client from BODACC notices, oldest first.
pub fn procedures(d: &Dossier, client_id: i64) -> Result<Vec<ProcedureRecord>, StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT {PROCEDURE_COLUMNS} FROM opendata_procedures WHERE client_id = ?1 ORDER BY done_at, notice_id"
    ))?;
    let rows = stmt.query_map([client_id], procedure_row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(finish).collect()
}

/// Whether a notice was already acted on for a client.
pub fn procedure_done(d: &Dossier, client_id: i64, notice_id: &str) -> Result<bool, StoreError> {
    Ok(d.conn
        .prepare_cached("SELECT 1 FROM opendata_procedures WHERE client_id = ?1 AND notice_id = ?2")?
        .query_row(params![client_id, notice_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Records what a notice made the app do, with an audit entry; a notice already recorded for the
/// client keeps its first row (returns false).
pub fn record_procedure(d: &mut Dossier, p: &ProcedureRecord, actor: &str) -> Result<bool, StoreError> {
    let tx = d.conn.transaction()?;
    let n = tx
        .prepare_cached(&format!(
            "INSERT INTO opendata_procedures ({PROCEDURE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT(client_id, notice_id) DO NOTHING"
        ))?
        .execute(params![
            p.client_id,
            p.notice_id,
            p.kind,
            p.judgment_on.to_string(),
            p.published_on.to_string(),
            p.deadline.to_string(),
            p.action_id,
            p.letter_pdf,
            p.letter_note,
            at_str(p.done_at)
        ])?;
    if n > 0 {
        let after = serde_json::json!({
            "notice": p.notice_id, "kind": p.kind, "judgment_on": p.judgment_on, "published_on": p.published_on,
            "deadline": p.deadline, "action_id": p.action_id, "letter": p.letter_pdf.is_some(),
        })
        .to_string();
        insert_audit(
            &tx,
            p.done_at,
            actor,
            "opendata.procedure",
            "client",
            Some(&p.client_id.to_string()),
            None,
            Some(&after),
        )?;
    }
    tx.commit()?;
    Ok(n > 0)
}
