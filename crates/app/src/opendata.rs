//! External data on the clients' companies (issue 9 §4): SIRENE facts (recherche-entreprises) and
//! BODACC notices, fetched through `encours_sync::opendata`, cached in the dossier
//! (`encours_store::opendata`), read offline from that cache when the services cannot be reached.
//!
//! A procédure collective found in the BODACC goes through the path the dunning issue built, never
//! a copy of it:
//! - [`crate::dunning::set_insolvency`] records the procedure with its opening judgment's date and a
//!   note naming the BODACC notice and its publication date, so dunning stops for the client
//!   (L622-21, open-data §"must implement" 12 a) and the declaration letter reads the publication
//!   date from the note ([`crate::letters::publication_date_in_note`]);
//! - the deadline is [`encours_documents::declaration_deadline`] of the publication (R622-24: two
//!   months, four for a creditor outside metropolitan France), the function the letter prints with;
//! - [`crate::dunning::dunning_run_selected`] on the client records the claim-declaration task the
//!   plan proposes for a client in procédure collective (in the dunning outbox, awaiting validation);
//! - [`crate::letters::render_document`] makes the déclaration de créance, kept in the dossier with
//!   what was done (and saved to a folder when one is given).
//!
//! Each notice is acted on once per client (`opendata_procedures`), so a second refresh creates
//! nothing. A procedure already recorded by hand is not overwritten. The early warnings
//! (`collective_procedure`, `ceased_activity`) are raised by the scoring run from the recorded
//! procedure and from [`apply_company_facts`].

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::Siren;
use encours_engines::scoring::features::ExternalFacts;
use encours_store::opendata::{self as store, CompanyFactsRow, NoticeRow, RawResponse};
use encours_store::Dossier;
use encours_sync::opendata::bodacc::parse_notices;
use encours_sync::opendata::sirene::parse_search;
use encours_sync::opendata::{
    BodaccNotice, CompanyAnswer, CompanyFacts, NoticeKind, NoticesAnswer, OpenDataClient, OpenDataConfig,
    OpenDataError, TokioClock,
};
use encours_sync::TokioSleeper;
use serde::Serialize;
use ts_rs::TS;

use crate::dunning::RunSelection;
use crate::error::{ApiError, ErrorCode};
use crate::letters::{DocumentKind, Target};

/// What to refresh and where from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefreshOptions {
    /// One client, or every client with a SIREN.
    pub client: Option<i64>,
    /// Base URL of recherche-entreprises (default: the public API).
    pub sirene_base_url: Option<String>,
    /// Base URL of the BODACC portal (default: the public one).
    pub bodacc_base_url: Option<String>,
    /// Do not call the network: read the cache only.
    pub offline: bool,
    /// Where to save the declaration letters made (they are kept in the dossier in any case).
    pub letters_dir: Option<PathBuf>,
}

/// Where a client's data came from in a refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SourceOutcome {
    /// `fetched` (from the service), `cache` (the service could not be reached: the last answer
    /// kept in the dossier), `none` (neither), `error` (the service answered something unusable).
    pub origin: String,
    /// When the data used was fetched (ISO date-time), if any.
    pub fetched_at: Option<String>,
    /// What went wrong, in plain words, naming the URL.
    pub message: Option<String>,
}

/// One client in a refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientRefreshView {
    /// The client.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Its name.
    pub name: String,
    /// Its SIREN.
    pub siren: String,
    /// SIRENE.
    pub sirene: SourceOutcome,
    /// BODACC.
    pub bodacc: SourceOutcome,
    /// SIRENE says activity has ceased.
    pub ceased: bool,
    /// BODACC notices known for it.
    #[ts(type = "number")]
    pub notices: u64,
}

/// A procédure collective acted on (or found already acted on) for a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProcedureView {
    /// The client.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Its name.
    pub client_name: String,
    /// The BODACC notice.
    pub notice_id: String,
    /// `safeguard`, `receivership` or `liquidation`.
    pub kind: String,
    /// Opening judgment (ISO date).
    pub judgment_on: String,
    /// BODACC publication (ISO date).
    pub published_on: String,
    /// Last day to declare the claim (R622-24), ISO date.
    pub deadline: String,
    /// The claim-declaration task in the dunning outbox, when one was recorded.
    #[ts(type = "number | null")]
    pub action_id: Option<i64>,
    /// A declaration letter was made.
    pub letter: bool,
    /// Where it was saved, when a folder was given.
    pub letter_path: Option<String>,
    /// What to know (a procedure already recorded by hand, why no letter…).
    pub notes: Vec<String>,
    /// Done by this refresh (false: an earlier one did it).
    pub new: bool,
}

/// What a refresh did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RefreshReport {
    /// The day of the refresh.
    pub as_of: String,
    /// Per client.
    pub clients: Vec<ClientRefreshView>,
    /// Clients answered by the services.
    #[ts(type = "number")]
    pub fetched: u64,
    /// Clients read from the cache because the services could not be reached.
    #[ts(type = "number")]
    pub from_cache: u64,
    /// Clients with an error.
    #[ts(type = "number")]
    pub failed: u64,
    /// Clients skipped because their SIREN is not valid.
    pub invalid_sirens: Vec<String>,
    /// Procédures collectives acted on.
    pub procedures: Vec<ProcedureView>,
    /// True when the network could not be used and the cache answered.
    pub offline: bool,
}

/// The SIRENE facts of a client, as the client page shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CompanyView {
    /// Name at SIRENE.
    pub name: Option<String>,
    /// Creation date (ISO).
    pub creation_date: Option<String>,
    /// INSEE legal-form code.
    pub legal_form: Option<String>,
    /// NAF code.
    pub naf: Option<String>,
    /// Headcount band code (INSEE).
    pub headcount_band: Option<String>,
    /// Year of the headcount band.
    pub headcount_year: Option<String>,
    /// PME, ETI, GE.
    pub category: Option<String>,
    /// `A` active, `C` ceased.
    pub state: Option<String>,
    /// When activity ceased (ISO).
    pub ceased_on: Option<String>,
    /// Struck off the register on (ISO).
    pub radiated_on: Option<String>,
    /// Establishments, open ones.
    #[ts(type = "number | null")]
    pub open_establishments: Option<u64>,
    /// Establishments in all.
    #[ts(type = "number | null")]
    pub establishments: Option<u64>,
    /// The request the facts came from.
    pub source_url: String,
    /// When (ISO date-time).
    pub fetched_at: String,
}

/// A BODACC notice as the client page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NoticeView {
    /// The notice's id.
    pub id: String,
    /// Publication date (ISO).
    pub published_on: Option<String>,
    /// `opening`, `conversion`, `plan`, `plan_resolution`, `closure`, `other_judgment`,
    /// `radiation`, `accounts_filed`, `other`.
    pub kind: String,
    /// The family label (`Procédures collectives`, `Radiations`…).
    pub family_label: Option<String>,
    /// The judgment's nature, when there is one.
    pub nature: Option<String>,
    /// The judgment's date (ISO).
    pub judgment_on: Option<String>,
    /// The court.
    pub court: Option<String>,
    /// Link to the notice.
    pub url: Option<String>,
    /// The request it came in.
    pub source_url: String,
}

/// What is known of a client from outside (the `ClientExternal` panel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientExternalView {
    /// The client.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Its SIREN, when it has one.
    pub siren: Option<String>,
    /// SIRENE facts, when fetched.
    pub company: Option<CompanyView>,
    /// BODACC notices, newest first.
    pub notices: Vec<NoticeView>,
    /// Procedures acted on.
    pub procedures: Vec<ProcedureView>,
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, e.to_string())
}

fn iso(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Fills the external facts scoring uses from the SIRENE facts (issue 9 §1): company age, legal
/// form, NAF, headcount band, ceased activity. The scoring run calls it per client with
/// [`encours_store::opendata::all_company_facts`]; the ceased date feeds the `ceased_activity`
/// early warning.
pub fn apply_company_facts(external: &mut ExternalFacts, facts: &CompanyFactsRow) {
    external.creation_date = facts.creation_date.or(external.creation_date);
    if facts.legal_form.is_some() {
        external.legal_form.clone_from(&facts.legal_form);
    }
    if facts.naf.is_some() {
        external.naf.clone_from(&facts.naf);
    }
    if facts.headcount_band.is_some() {
        external.headcount_band.clone_from(&facts.headcount_band);
    }
    if facts.state.as_deref() == Some("C") {
        external.ceased_on = facts.ceased_on.or(external.ceased_on);
    }
}

/// The external facts of these clients from the dossier's SIRENE cache (clients without facts are
/// absent).
pub fn external_facts(d: &Dossier, client_ids: &[i64]) -> Result<HashMap<i64, ExternalFacts>, ApiError> {
    Ok(store::company_facts(d, client_ids)?
        .into_iter()
        .map(|(id, row)| {
            let mut e = ExternalFacts::default();
            apply_company_facts(&mut e, &row);
            (id, e)
        })
        .collect())
}

fn company_row(facts: &CompanyFacts, source_url: &str, at: NaiveDateTime) -> Result<CompanyFactsRow, ApiError> {
    Ok(CompanyFactsRow {
        siren: facts.siren.clone(),
        name: facts.name.clone(),
        creation_date: facts.creation_date,
        legal_form: facts.legal_form.clone(),
        naf: facts.naf.clone(),
        headcount_band: facts.headcount_band.clone(),
        state: facts.state.clone(),
        ceased_on: facts.ceased_on,
        facts_json: serde_json::to_string(facts).map_err(internal)?,
        source_url: source_url.to_owned(),
        fetched_at: at,
    })
}

fn notice_row(siren: &str, n: &BodaccNotice, source_url: &str, at: NaiveDateTime) -> Result<NoticeRow, ApiError> {
    Ok(NoticeRow {
        siren: siren.to_owned(),
        notice_id: n.id.clone(),
        published_on: n.published_on,
        family: n.family.clone(),
        kind: n.kind.code().to_owned(),
        procedure: n.procedure.map(|p| p.code().to_owned()),
        judgment_on: n.judgment.as_ref().and_then(|j| j.date),
        court: n.court.clone(),
        url: n.url.clone(),
        notice_json: serde_json::to_string(n).map_err(internal)?,
        source_url: source_url.to_owned(),
        fetched_at: at,
    })
}

fn raw(pages: &[encours_sync::opendata::RawPage]) -> Vec<RawResponse> {
    pages
        .iter()
        .map(|p| RawResponse { url: p.url.clone(), body: String::from_utf8_lossy(&p.body).into_owned() })
        .collect()
}

fn outcome(origin: &str, fetched_at: Option<NaiveDateTime>, message: Option<String>) -> SourceOutcome {
    SourceOutcome { origin: origin.to_owned(), fetched_at: fetched_at.map(iso), message }
}

/// The cache's answer for a SIREN and source: when, and (for the message) that it is the cache.
fn from_cache(d: &Dossier, siren: &str, source: &str, why: Option<&str>) -> Result<SourceOutcome, ApiError> {
    let cached = store::latest_responses(d, siren, source)?;
    let reason = why.map(|e| format!("service injoignable ({e})")).unwrap_or_else(|| "hors ligne".to_owned());
    Ok(match cached {
        Some((at, pages)) => {
            // The cached answers are parsed again: a cache that no longer parses says so.
            let check = pages.iter().try_for_each(|p| {
                if source == "sirene" {
                    parse_search(&p.url, siren, p.body.as_bytes()).map(|_| ())
                } else {
                    parse_notices(&p.url, p.body.as_bytes()).map(|_| ())
                }
            });
            match check {
                Ok(()) => outcome("cache", Some(at), Some(format!("{reason} : données du cache du {}", iso(at)))),
                Err(e) => outcome("error", Some(at), Some(format!("{reason}, et le cache est illisible : {e}"))),
            }
        }
        None => outcome("none", None, Some(format!("{reason}, et rien en cache pour ce SIREN"))),
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, ApiError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("open data runtime: {e}")))
}

/// The clients a refresh asks about, one entry per SIREN (phase 1 of [`refresh`], reads the dossier).
#[derive(Clone, Debug, Default)]
pub struct RefreshPlan {
    targets: BTreeMap<String, Vec<store::ClientSiren>>,
    invalid_sirens: Vec<String>,
}

/// What the services answered for one SIREN and source.
#[derive(Debug)]
enum Fetch<T> {
    /// The answer.
    Got(T),
    /// Not reachable (the cache answers).
    Unavailable(OpenDataError),
    /// An answer that cannot be used.
    Failed(OpenDataError),
    /// Not asked (offline, or after the network was found gone).
    Skipped,
}

/// The answers of the services (phase 2 of [`refresh`]: network only, no dossier).
#[derive(Debug, Default)]
pub struct Fetched {
    answers: Vec<(String, Fetch<CompanyAnswer>, Fetch<NoticesAnswer>)>,
    /// The first failure that showed the services unreachable.
    outage: Option<String>,
}

/// Sorts an answer; the first outage is kept for the messages of what the cache answers after it.
fn sort<T>(outage: &mut Option<String>, answer: Result<T, OpenDataError>) -> Fetch<T> {
    match answer {
        Ok(a) => Fetch::Got(a),
        Err(e) if e.is_unavailable() => {
            outage.get_or_insert_with(|| e.to_string());
            Fetch::Unavailable(e)
        }
        Err(e) => Fetch::Failed(e),
    }
}

/// Phase 1: the clients with a SIREN (one, or all), grouped by SIREN so that each is asked once;
/// invalid SIRENs are set aside for the report.
pub fn plan_refresh(d: &Dossier, client: Option<i64>) -> Result<RefreshPlan, ApiError> {
    let clients = store::clients_with_siren(d, client)?;
    if let Some(c) = client {
        if clients.is_empty() {
            return Err(ApiError::invalid(format!("client {c} does not exist or has no SIREN")));
        }
    }
    let mut plan = RefreshPlan::default();
    for c in clients {
        match Siren::parse(&c.siren) {
            Ok(s) => plan.targets.entry(s.as_str().to_owned()).or_default().push(c),
            Err(e) => plan.invalid_sirens.push(format!("{} (client {}) : {e}", c.name, c.client_id)),
        }
    }
    Ok(plan)
}

/// Phase 2: asks the services (nothing when `options.offline`). Once a service is found unreachable,
/// nothing more is asked: the rest comes from the cache. Holds no dossier, so the shell can run it
/// without keeping the dossier locked.
pub fn fetch(plan: &RefreshPlan, options: &RefreshOptions) -> Result<Fetched, ApiError> {
    let mut config = OpenDataConfig::default();
    if let Some(u) = &options.sirene_base_url {
        config.sirene_base_url = u.clone();
    }
    if let Some(u) = &options.bodacc_base_url {
        config.bodacc_base_url = u.clone();
    }
    config.timeout = Duration::from_secs(15);
    let client = OpenDataClient::new(config, Arc::new(TokioClock::new()), Arc::new(TokioSleeper))
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let rt = runtime()?;
    let mut offline = options.offline;
    let mut out = Fetched::default();
    for siren in plan.targets.keys() {
        let sirene = if offline { Fetch::Skipped } else { sort(&mut out.outage, rt.block_on(client.company(siren))) };
        offline |= out.outage.is_some();
        let bodacc = if offline { Fetch::Skipped } else { sort(&mut out.outage, rt.block_on(client.notices(siren))) };
        offline |= out.outage.is_some();
        out.answers.push((siren.clone(), sirene, bodacc));
    }
    Ok(out)
}

/// Fetches SIRENE facts and BODACC notices for the clients with a SIREN (one, or all), stores the
/// answers and facts, falls back to the cache when a service cannot be reached (and says so), then
/// acts on procédures collectives (see the module doc). `now` is the refresh's time: the day of
/// the dunning run and of the letter, and the fetch time of the cache. The three phases
/// ([`plan_refresh`], [`fetch`], [`apply_refresh`]) can also be called one by one.
pub fn refresh(d: &mut Dossier, options: &RefreshOptions, now: NaiveDateTime) -> Result<RefreshReport, ApiError> {
    let plan = plan_refresh(d, options.client)?;
    let fetched = fetch(&plan, options)?;
    apply_refresh(d, &plan, fetched, options, now)
}

/// Phase 3: stores what was fetched, reads the cache where nothing could be, and acts on
/// procédures collectives.
pub fn apply_refresh(
    d: &mut Dossier,
    plan: &RefreshPlan,
    fetched: Fetched,
    options: &RefreshOptions,
    now: NaiveDateTime,
) -> Result<RefreshReport, ApiError> {
    let mut report = RefreshReport {
        as_of: now.date().to_string(),
        clients: Vec::new(),
        fetched: 0,
        from_cache: 0,
        failed: 0,
        invalid_sirens: plan.invalid_sirens.clone(),
        procedures: Vec::new(),
        offline: options.offline,
    };
    report.offline |= fetched.outage.is_some();
    for (siren, sirene, bodacc) in fetched.answers {
        let Some(owners) = plan.targets.get(&siren) else { continue };
        let sirene = match sirene {
            Fetch::Got(a) => {
                let row = a.facts.as_ref().map(|f| company_row(f, &a.page.url, now)).transpose()?;
                store::record_fetch(d, &siren, "sirene", &raw(&[a.page]), row.as_ref(), &[], "opendata", now)?;
                let message = a.facts.is_none().then(|| "SIREN inconnu de l'API (ou non diffusible)".to_owned());
                outcome("fetched", Some(now), message)
            }
            Fetch::Unavailable(e) => from_cache(d, &siren, "sirene", Some(&e.to_string()))?,
            Fetch::Failed(e) => outcome("error", None, Some(e.to_string())),
            Fetch::Skipped => from_cache(d, &siren, "sirene", fetched.outage.as_deref())?,
        };
        let bodacc = match bodacc {
            Fetch::Got(a) => {
                let source = a.pages.first().map(|p| p.url.clone()).unwrap_or_default();
                let rows =
                    a.notices.iter().map(|n| notice_row(&siren, n, &source, now)).collect::<Result<Vec<_>, _>>()?;
                store::record_fetch(d, &siren, "bodacc", &raw(&a.pages), None, &rows, "opendata", now)?;
                outcome("fetched", Some(now), None)
            }
            Fetch::Unavailable(e) => from_cache(d, &siren, "bodacc", Some(&e.to_string()))?,
            Fetch::Failed(e) => outcome("error", None, Some(e.to_string())),
            Fetch::Skipped => from_cache(d, &siren, "bodacc", fetched.outage.as_deref())?,
        };
        if sirene.origin == "cache" || bodacc.origin == "cache" {
            report.offline = true;
        }
        for c in owners {
            let facts = store::company_facts(d, &[c.client_id])?;
            let notices = store::client_notices(d, c.client_id)?;
            if sirene.origin == "error" || bodacc.origin == "error" {
                report.failed += 1;
            } else if sirene.origin == "fetched" && bodacc.origin == "fetched" {
                report.fetched += 1;
            } else if sirene.origin == "cache" || bodacc.origin == "cache" {
                report.from_cache += 1;
            }
            report.clients.push(ClientRefreshView {
                client_id: c.client_id,
                name: c.name.clone(),
                siren: siren.clone(),
                sirene: sirene.clone(),
                bodacc: bodacc.clone(),
                ceased: facts.get(&c.client_id).is_some_and(|f| f.state.as_deref() == Some("C")),
                notices: notices.len() as u64,
            });
            if let Some(p) = act_on_procedure(d, c.client_id, &c.name, &notices, options, now)? {
                report.procedures.push(p);
            }
        }
    }
    Ok(report)
}

/// The opening notice to act on: the first published initial notice of an opening (a
/// rectificatif is linked to it, never a second procedure), else a conversion to liquidation when
/// no opening was published (the procedure exists all the same).
fn opening_notice(notices: &[NoticeRow]) -> Option<BodaccNotice> {
    let parsed: Vec<BodaccNotice> = notices
        .iter()
        .filter_map(|r| serde_json::from_str::<BodaccNotice>(&r.notice_json).ok())
        .filter(|n| n.published_on.is_some() && n.judgment.as_ref().and_then(|j| j.date).is_some())
        .collect();
    let pick = |kind: NoticeKind| {
        parsed
            .iter()
            .filter(|n| n.kind == kind && n.procedure.is_some())
            .min_by_key(|n| (n.is_correction(), n.published_on, n.id.clone()))
            .cloned()
    };
    pick(NoticeKind::Opening).or_else(|| pick(NoticeKind::Conversion))
}

fn procedure_view(p: &store::ProcedureRecord, name: &str, notes: Vec<String>, new: bool) -> ProcedureView {
    ProcedureView {
        client_id: p.client_id,
        client_name: name.to_owned(),
        notice_id: p.notice_id.clone(),
        kind: p.kind.clone(),
        judgment_on: p.judgment_on.to_string(),
        published_on: p.published_on.to_string(),
        deadline: p.deadline.to_string(),
        action_id: p.action_id,
        letter: p.letter_pdf.is_some(),
        letter_path: None,
        notes,
        new,
    }
}

/// Acts once on a client's opening notice (see the module doc).
fn act_on_procedure(
    d: &mut Dossier,
    client: i64,
    name: &str,
    notices: &[NoticeRow],
    options: &RefreshOptions,
    now: NaiveDateTime,
) -> Result<Option<ProcedureView>, ApiError> {
    let Some(notice) = opening_notice(notices) else { return Ok(None) };
    if store::procedure_done(d, client, &notice.id)? {
        let done = store::procedures(d, client)?.into_iter().find(|p| p.notice_id == notice.id);
        return Ok(done.map(|p| {
            procedure_view(&p, name, vec!["déjà traitée lors d'une actualisation précédente".into()], false)
        }));
    }
    let (Some(published), Some(judgment), Some(procedure)) =
        (notice.published_on, notice.judgment.as_ref().and_then(|j| j.date), notice.procedure)
    else {
        return Ok(None);
    };
    let as_of = now.date();
    let mut notes = Vec::new();
    // 1. Dunning stops (L622-21) through the dunning path, unless a procedure is recorded already
    //    (by hand, or an earlier notice): it is not overwritten.
    let kind = match encours_store::letters::insolvency(d, client)? {
        Some(case) => {
            notes.push(format!(
                "procédure déjà enregistrée ({} du {}) : conservée telle quelle",
                case.kind, case.judgment_on
            ));
            case.kind
        }
        None => {
            let nature = notice.judgment.as_ref().and_then(|j| j.nature.clone()).unwrap_or_default();
            let note = format!(
                "BODACC {} n° {}, publié le {published} ({}) : {nature}{}",
                notice.edition.clone().unwrap_or_default(),
                notice.number.clone().unwrap_or_default(),
                notice.id,
                notice.court.as_ref().map(|c| format!(", {c}")).unwrap_or_default()
            );
            crate::dunning::set_insolvency(d, client, Some((procedure.code(), judgment)), &note, now)?;
            encours_store::letters::insolvency(d, client)?.map(|c| c.kind).unwrap_or_else(|| procedure.code().into())
        }
    };
    if notice.kind == NoticeKind::Conversion {
        notes.push("seul un jugement de conversion est publié : vérifier l'ouverture et le délai".to_owned());
    }
    // 2. The deadline (R622-24), as the declaration letter computes it.
    let deadline = deadline_for(d, published)?;
    // 3. The task: the claim declaration the plan proposes for the client, recorded in the outbox.
    let mut action_id = None;
    if judgment <= as_of {
        let run = crate::dunning::dunning_run_selected(
            d,
            as_of,
            now,
            &RunSelection { client_ids: vec![client], keys: Vec::new() },
        )?;
        action_id = run.recorded.first().map(|a| a.id);
        if action_id.is_none() {
            notes.push("aucune déclaration proposée par le plan (rien d'ouvert, ou déjà enregistrée)".to_owned());
        }
    }
    // 4. The letter.
    let (letter_pdf, letter_path) =
        match crate::letters::render_document(d, DocumentKind::Declaration, &Target::Client(client), as_of) {
            Ok(doc) => {
                notes.extend(doc.notes.iter().cloned());
                let path = match &options.letters_dir {
                    Some(dir) => Some(save_letter(dir, &doc.file_stem(as_of), &doc.pdf)?),
                    None => None,
                };
                (Some(doc.pdf), path)
            }
            Err(e) => {
                notes.push(format!("pas de lettre : {}", e.message));
                (None, None)
            }
        };
    let record = store::ProcedureRecord {
        client_id: client,
        notice_id: notice.id.clone(),
        kind,
        judgment_on: judgment,
        published_on: published,
        deadline,
        action_id,
        letter_pdf,
        letter_note: notes.join(" ; "),
        done_at: now,
    };
    store::record_procedure(d, &record, "opendata")?;
    let mut view = procedure_view(&record, name, notes, true);
    view.letter_path = letter_path.map(|p| p.display().to_string());
    Ok(Some(view))
}

fn save_letter(dir: &Path, stem: &str, pdf: &[u8]) -> Result<PathBuf, ApiError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: cannot create the folder: {e}", dir.display())))?;
    let path = dir.join(format!("{stem}.pdf"));
    let tmp = dir.join(format!(".{stem}.pdf.part"));
    std::fs::write(&tmp, pdf)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display())))?;
    Ok(path)
}

/// The declaration letter made for a client's notice, if one was.
pub fn procedure_letter(d: &Dossier, client: i64, notice_id: &str) -> Result<Option<Vec<u8>>, ApiError> {
    Ok(store::procedures(d, client)?.into_iter().find(|p| p.notice_id == notice_id).and_then(|p| p.letter_pdf))
}

/// What is known of a client from SIRENE and the BODACC, from the dossier (no network).
pub fn client_external(d: &Dossier, client: i64) -> Result<ClientExternalView, ApiError> {
    let siren = encours_store::channels::client_facts(d, client)?
        .ok_or_else(|| ApiError::invalid(format!("there is no client {client} in this dossier")))?
        .siren;
    let company = match store::company_facts(d, &[client])?.remove(&client) {
        Some(row) => {
            let f: CompanyFacts = serde_json::from_str(&row.facts_json).unwrap_or_default();
            Some(CompanyView {
                name: f.name,
                creation_date: f.creation_date.map(|x| x.to_string()),
                legal_form: f.legal_form,
                naf: f.naf,
                headcount_band: f.headcount_band,
                headcount_year: f.headcount_year,
                category: f.category,
                state: f.state,
                ceased_on: f.ceased_on.map(|x| x.to_string()),
                radiated_on: f.radiated_on.map(|x| x.to_string()),
                open_establishments: f.open_establishments,
                establishments: f.establishments,
                source_url: row.source_url,
                fetched_at: iso(row.fetched_at),
            })
        }
        None => None,
    };
    let notices = store::client_notices(d, client)?
        .into_iter()
        .map(|r| {
            let n: Option<BodaccNotice> = serde_json::from_str(&r.notice_json).ok();
            NoticeView {
                id: r.notice_id,
                published_on: r.published_on.map(|x| x.to_string()),
                kind: r.kind,
                family_label: n.as_ref().and_then(|n| n.family_label.clone()),
                nature: n.as_ref().and_then(|n| n.judgment.as_ref()).and_then(|j| j.nature.clone()),
                judgment_on: r.judgment_on.map(|x| x.to_string()),
                court: r.court,
                url: r.url,
                source_url: r.source_url,
            }
        })
        .collect();
    let name = encours_store::channels::client_facts(d, client)?.map(|f| f.name).unwrap_or_default();
    let procedures = store::procedures(d, client)?
        .iter()
        .map(|p| {
            let notes = p.letter_note.split(" ; ").filter(|s| !s.is_empty()).map(str::to_owned).collect();
            procedure_view(p, &name, notes, false)
        })
        .collect();
    Ok(ClientExternalView { client_id: client, siren, company, notices, procedures })
}

/// The last day to declare a claim for a BODACC publication (R622-24): the documents crate's
/// `declaration_deadline`, with the creditor outside metropolitan France when the company's
/// profile says so (the rule the declaration letter applies: not France, or a 97x/98x postcode).
pub fn deadline_for(d: &Dossier, published: NaiveDate) -> Result<NaiveDate, ApiError> {
    let profile = crate::company_profile(d)?;
    let outside = profile.country != "FR" || profile.postcode.starts_with("97") || profile.postcode.starts_with("98");
    Ok(encours_documents::declaration_deadline(published, outside))
}

#[cfg(test)]
mod tests {
    use super::*;
    use encours_sync::opendata::{Judgment, Procedure};

    fn row(id: &str, kind: NoticeKind, published: &str, correction: bool) -> NoticeRow {
        let n = BodaccNotice {
            id: id.into(),
            published_on: published.parse().ok(),
            family: "collective".into(),
            notice_type: Some(if correction { "Avis rectificatif" } else { "Avis initial" }.into()),
            judgment: Some(Judgment { date: "2026-03-02".parse().ok(), ..Judgment::default() }),
            kind,
            procedure: Some(Procedure::Redressement),
            ..BodaccNotice::default()
        };
        NoticeRow {
            notice_id: id.into(),
            notice_json: serde_json::to_string(&n).unwrap_or_default(),
            ..NoticeRow::default()
        }
    }

    #[test]
    fn the_first_initial_opening_is_acted_on_not_its_rectificatif_nor_a_later_conversion() {
        let notices = [
            row("A3", NoticeKind::Conversion, "2026-05-02", false),
            row("A2", NoticeKind::Opening, "2026-03-09", true),
            row("A1", NoticeKind::Opening, "2026-03-12", false),
            row("B1", NoticeKind::Radiation, "2026-01-02", false),
        ];
        assert_eq!(opening_notice(&notices).map(|n| n.id), Some("A1".to_owned()));
        // Only a conversion published: the procedure exists all the same.
        assert_eq!(opening_notice(&notices[..1]).map(|n| n.id), Some("A3".to_owned()));
        // A closure alone opens nothing.
        assert!(opening_notice(&[row("C1", NoticeKind::Closure, "2026-03-12", false)]).is_none());
    }

    #[test]
    fn sirene_facts_fill_the_external_features_and_ceased_only_when_the_state_says_so() {
        let facts = CompanyFactsRow {
            creation_date: "2011-03-01".parse().ok(),
            legal_form: Some("5499".into()),
            naf: Some("46.90Z".into()),
            headcount_band: Some("11".into()),
            state: Some("A".into()),
            ceased_on: "2026-01-01".parse().ok(),
            ..CompanyFactsRow::default()
        };
        let mut e = ExternalFacts { legal_form: Some("SARL".into()), ..ExternalFacts::default() };
        apply_company_facts(&mut e, &facts);
        assert_eq!(e.legal_form.as_deref(), Some("5499"));
        assert_eq!((e.naf.as_deref(), e.headcount_band.as_deref()), (Some("46.90Z"), Some("11")));
        assert_eq!(e.ceased_on, None, "an active company has not ceased");
        apply_company_facts(&mut e, &CompanyFactsRow { state: Some("C".into()), ..facts });
        assert_eq!(e.ceased_on, "2026-01-01".parse().ok());
    }
}
