//! The portfolio, the client page (360°) and the command palette's search (issue 11).
//!
//! The store reads (`encours_store::portfolio`) are indexed and integer; this module shapes them
//! into DTOs: money as decimal strings rounded to the cent (never a float), overdue buckets with the
//! aged balance's bounds (1–30, 31–60, 61–90, > 90 days past due), identity JSON turned into lines.

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::client::{Contact, PostalAddress};
use encours_engines::analytics::kpi::round2;
use encours_store::portfolio as store;
use encours_store::{Dossier, AMOUNT_SCALE};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ApiError;
use crate::scoring::{score_show, ClientScoreView};

fn money(units: i64) -> String {
    let mut r = round2(Decimal::new(units, AMOUNT_SCALE));
    r.rescale(2);
    r.to_string()
}

/// The overdue bucket of a number of days past due (the aged balance's default buckets).
pub fn overdue_bucket(days: i64) -> &'static str {
    match days {
        i64::MIN..=0 => "none",
        1..=30 => "d1_30",
        31..=60 => "d31_60",
        61..=90 => "d61_90",
        _ => "d90",
    }
}

/// One client of the portfolio.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PortfolioRowView {
    /// The client.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Name.
    pub name: String,
    /// SIREN (9 digits), when known.
    pub siren: Option<String>,
    /// Segment.
    pub segment: String,
    /// Sector: the NAF code, when known.
    pub sector: Option<String>,
    /// Account owner.
    pub owner: String,
    /// Open amount in euros, decimal string.
    pub outstanding: String,
    /// The part past due, decimal string.
    pub overdue: String,
    /// Open items (euro).
    pub open_items: u32,
    /// Days past due of the oldest overdue item (0: nothing overdue).
    #[ts(type = "number")]
    pub oldest_days_overdue: i64,
    /// `none`, `d1_30`, `d31_60`, `d61_90`, `d90`: the bucket of the oldest overdue item.
    pub bucket: String,
    /// Open items in other currencies exist (not in the figures).
    pub other_currencies: bool,
    /// Latest score (0–100), when scored.
    pub score: Option<u8>,
    /// Its grade (A–E).
    pub grade: Option<String>,
    /// Disputes open today.
    pub open_disputes: u32,
    /// Latest lifecycle status code among the open items.
    pub last_status: Option<u16>,
    /// When it was received (ISO date-time).
    pub last_status_at: Option<String>,
}

/// Every client with its figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PortfolioView {
    /// The date of the figures (ISO).
    pub as_of: String,
    /// The currency of the figures.
    pub currency: String,
    /// The clients, by id.
    pub rows: Vec<PortfolioRowView>,
}

/// The last portfolio computed in this process: (dossier id, date, ledger version, view).
type CachedPortfolio = (String, NaiveDate, i64, PortfolioView);

/// The portfolio of a 2-million-invoice dossier takes most of a second to read (every open item and
/// the statuses of the open items); a credit manager opens it many times a day while the ledger does
/// not change. The view is therefore kept for the ledger version it was read at (the last audit
/// entry: every ledger, dispute, scoring or note change writes one in its transaction) and served
/// again until that version moves.
static LAST_PORTFOLIO: std::sync::Mutex<Option<CachedPortfolio>> = std::sync::Mutex::new(None);

/// The portfolio as of `as_of`: one row per client.
pub fn portfolio(d: &Dossier, as_of: NaiveDate) -> Result<PortfolioView, ApiError> {
    let version = encours_store::analytics::ledger_version(d)?;
    if let Ok(cache) = LAST_PORTFOLIO.lock() {
        if let Some((id, on, v, view)) = cache.as_ref() {
            if id == d.id() && *on == as_of && *v == version {
                return Ok(view.clone());
            }
        }
    }
    let view = read_portfolio(d, as_of)?;
    if let Ok(mut cache) = LAST_PORTFOLIO.lock() {
        *cache = Some((d.id().to_owned(), as_of, version, view.clone()));
    }
    Ok(view)
}

/// [`portfolio`] without the cache.
pub fn read_portfolio(d: &Dossier, as_of: NaiveDate) -> Result<PortfolioView, ApiError> {
    let rows = store::portfolio(d, as_of)?;
    Ok(PortfolioView {
        as_of: as_of.to_string(),
        currency: "EUR".to_owned(),
        rows: rows
            .into_iter()
            .map(|r| {
                let (last_status, last_status_at) = match r.last_status {
                    Some((code, at)) => (Some(code), Some(at)),
                    None => (None, None),
                };
                PortfolioRowView {
                    client_id: r.client_id,
                    name: r.name,
                    siren: r.siren,
                    segment: r.segment,
                    sector: r.naf,
                    owner: r.owner,
                    outstanding: money(r.outstanding),
                    overdue: money(r.overdue),
                    open_items: r.open_items,
                    oldest_days_overdue: r.oldest_days_overdue,
                    bucket: overdue_bucket(r.oldest_days_overdue).to_owned(),
                    other_currencies: r.other_currencies,
                    score: r.score,
                    grade: r.grade,
                    open_disputes: r.open_disputes,
                    last_status,
                    last_status_at,
                }
            })
            .collect(),
    })
}

/// A client's identity and identifiers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientIdentityView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Name.
    pub name: String,
    /// SIREN.
    pub siren: Option<String>,
    /// SIRET.
    pub siret: Option<String>,
    /// VAT number.
    pub vat: Option<String>,
    /// Legal form.
    pub legal_form: Option<String>,
    /// NAF code.
    pub naf: Option<String>,
    /// Segment.
    pub segment: String,
    /// Account owner.
    pub owner: String,
    /// Postal address, one line each (street lines, then postcode and city, then country).
    pub address: Vec<String>,
    /// Contacts: "name — role — email — phone".
    pub contacts: Vec<String>,
    /// Account currency.
    pub currency: String,
    /// Client since (ISO).
    pub since: String,
    /// A consumer.
    pub is_individual: bool,
}

/// One document of the client page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientInvoiceView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Number.
    pub number: String,
    /// `invoice` or `credit_note`.
    pub kind: String,
    /// Issue date (ISO).
    pub issue_date: String,
    /// Due date (ISO).
    pub due_date: String,
    /// Currency.
    pub currency: String,
    /// Amount including VAT, decimal string.
    pub grand_total: String,
    /// Open amount, decimal string.
    pub outstanding: String,
    /// Days past due on the date (negative: not yet due).
    #[ts(type = "number")]
    pub days_past_due: i64,
    /// Lifecycle status codes, oldest first.
    pub statuses: Vec<u16>,
    /// The latest one's date-time.
    pub last_status_at: Option<String>,
    /// Dunning held (`dispute`, `payment_transmitted`).
    pub dunning_hold: Option<String>,
}

/// One allocation of a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientAllocationView {
    /// Invoice id.
    #[ts(type = "number")]
    pub invoice_id: i64,
    /// Invoice number.
    pub invoice_number: String,
    /// Amount, decimal string.
    pub amount: String,
    /// Applied on (ISO).
    pub applied_on: String,
}

/// One payment of the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientPaymentView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Booked on (ISO).
    pub booked_on: String,
    /// Currency.
    pub currency: String,
    /// Amount, decimal string.
    pub amount: String,
    /// Not yet allocated, decimal string.
    pub unallocated: String,
    /// Remittance text.
    pub remittance: Option<String>,
    /// Lettrage.
    pub allocations: Vec<ClientAllocationView>,
}

/// A dispute of the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientDisputeView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Opened on (ISO).
    pub opened_on: String,
    /// Reason category.
    pub reason: String,
    /// Currency.
    pub currency: String,
    /// Disputed amount, decimal string.
    pub amount: String,
    /// State.
    pub state: String,
    /// Resolved on (ISO).
    pub resolved_on: Option<String>,
}

/// A promise to pay of the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientPromiseView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Made on (ISO).
    pub made_on: String,
    /// Promised for (ISO).
    pub promised_for: String,
    /// Currency.
    pub currency: String,
    /// Amount, decimal string.
    pub amount: String,
    /// State as stored (`pending`, `kept`, `broken`…).
    pub state: String,
}

/// One event of the client's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TimelineEventView {
    /// ISO date or date-time.
    pub at: String,
    /// `letter`, `call`, `status`, `note`, `dispute`, `promise`, `payment`.
    pub kind: String,
    /// What (subject, status code, reason, amount).
    pub title: String,
    /// More.
    pub detail: String,
    /// The invoice concerned.
    pub invoice_number: Option<String>,
}

/// The client's dunning state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientDunningView {
    /// Dunning is paused.
    pub paused: bool,
    /// Until (ISO, inclusive).
    pub paused_until: Option<String>,
    /// Why.
    pub reason: String,
    /// Collective procedure kind.
    pub insolvency: Option<String>,
    /// Its judgment date (ISO).
    pub insolvency_on: Option<String>,
}

/// The client page.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientPageView {
    /// The date of the figures (ISO).
    pub as_of: String,
    /// Identity.
    pub identity: ClientIdentityView,
    /// Open amount in euros, decimal string.
    pub outstanding: String,
    /// Overdue in euros, decimal string.
    pub overdue: String,
    /// Open items then the latest closed ones.
    pub invoices: Vec<ClientInvoiceView>,
    /// Documents in all.
    #[ts(type = "number")]
    pub invoice_count: u64,
    /// Latest payments with their lettrage.
    pub payments: Vec<ClientPaymentView>,
    /// Disputes.
    pub disputes: Vec<ClientDisputeView>,
    /// Promises.
    pub promises: Vec<ClientPromiseView>,
    /// Letters, calls, statuses, notes, disputes, promises, payments, newest first.
    pub timeline: Vec<TimelineEventView>,
    /// Dunning pause and collective procedure.
    pub dunning: ClientDunningView,
    /// The latest score with its reasons and history, when the portfolio was scored.
    pub score: Option<ClientScoreView>,
}

fn address_lines(json: &str) -> Vec<String> {
    let Ok(a) = serde_json::from_str::<PostalAddress>(json) else { return Vec::new() };
    let mut out: Vec<String> = a.lines.into_iter().filter(|l| !l.trim().is_empty()).collect();
    let town = format!("{} {}", a.postcode, a.city).trim().to_owned();
    if !town.is_empty() {
        out.push(town);
    }
    if !a.country.is_empty() && a.country != "FR" {
        out.push(a.country);
    }
    out
}

fn contact_lines(json: &str) -> Vec<String> {
    serde_json::from_str::<Vec<Contact>>(json)
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            [Some(c.name), Some(c.role), c.email, c.phone]
                .into_iter()
                .flatten()
                .filter(|s| !s.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" — ")
        })
        .collect()
}

/// The client page of `client_id` as of `as_of`. An unknown client is `InvalidInput`.
pub fn client_page(d: &Dossier, client_id: i64, as_of: NaiveDate) -> Result<ClientPageView, ApiError> {
    let Some(c) = store::client_360(d, client_id)? else {
        return Err(ApiError::invalid(format!("no client {client_id} in this dossier")));
    };
    let mut outstanding = 0i64;
    let mut overdue = 0i64;
    let invoices: Vec<ClientInvoiceView> = c
        .invoices
        .iter()
        .map(|i| {
            let days =
                encours_store::analytics::parse_date(&i.due_date).map(|due| (as_of - due).num_days()).unwrap_or(0);
            if i.currency == "EUR" {
                outstanding += i.outstanding;
                if days > 0 {
                    overdue += i.outstanding;
                }
            }
            ClientInvoiceView {
                id: i.id,
                number: i.number.clone(),
                kind: i.kind.clone(),
                issue_date: i.issue_date.clone(),
                due_date: i.due_date.clone(),
                currency: i.currency.clone(),
                grand_total: money(i.grand_total),
                outstanding: money(i.outstanding),
                days_past_due: days,
                statuses: i.statuses.iter().map(|(code, _)| *code).collect(),
                last_status_at: i.statuses.last().map(|(_, at)| at.clone()),
                dunning_hold: i.dunning_hold.clone(),
            }
        })
        .collect();
    // Only the open items add up to the balance (closed ones are open for zero).
    let score = match score_show(d, client_id, as_of) {
        Ok(s) => Some(s),
        Err(e) if e.code == crate::ErrorCode::InvalidInput => None,
        Err(e) => return Err(e),
    };
    let id = c.identity;
    Ok(ClientPageView {
        as_of: as_of.to_string(),
        identity: ClientIdentityView {
            id: id.id,
            name: id.name,
            siren: id.siren,
            siret: id.siret,
            vat: id.vat,
            legal_form: id.legal_form,
            naf: id.naf,
            segment: id.segment,
            owner: id.owner,
            address: address_lines(&id.address_json),
            contacts: contact_lines(&id.contacts_json),
            currency: id.currency,
            since: id.since,
            is_individual: id.is_individual,
        },
        outstanding: money(outstanding),
        overdue: money(overdue),
        invoices,
        invoice_count: c.invoice_count,
        payments: c
            .payments
            .into_iter()
            .map(|p| ClientPaymentView {
                id: p.id,
                booked_on: p.booked_on,
                currency: p.currency,
                amount: money(p.amount),
                unallocated: money(p.unallocated),
                remittance: p.remittance,
                allocations: p
                    .allocations
                    .into_iter()
                    .map(|a| ClientAllocationView {
                        invoice_id: a.invoice_id,
                        invoice_number: a.invoice_number,
                        amount: money(a.amount),
                        applied_on: a.applied_on,
                    })
                    .collect(),
            })
            .collect(),
        disputes: c
            .disputes
            .into_iter()
            .map(|x| ClientDisputeView {
                id: x.id,
                opened_on: x.opened_on,
                reason: x.reason,
                currency: x.currency,
                amount: money(x.amount),
                state: x.state,
                resolved_on: x.resolved_on,
            })
            .collect(),
        promises: c
            .promises
            .into_iter()
            .map(|p| ClientPromiseView {
                id: p.id,
                made_on: p.made_on,
                promised_for: p.promised_for,
                currency: p.currency,
                amount: money(p.amount),
                state: p.state,
            })
            .collect(),
        timeline: c
            .timeline
            .into_iter()
            .map(|t| TimelineEventView {
                at: t.at,
                kind: t.kind,
                title: t.title,
                detail: t.detail,
                invoice_number: t.invoice_number,
            })
            .collect(),
        dunning: ClientDunningView {
            paused: c.dunning.paused,
            paused_until: c.dunning.paused_until,
            reason: c.dunning.reason,
            insolvency: c.dunning.insolvency.as_ref().map(|(k, _)| k.clone()),
            insolvency_on: c.dunning.insolvency.map(|(_, on)| on),
        },
        score,
    })
}

/// A note to add to a client's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientNoteInput {
    /// `call` (what a call gave) or `note`.
    pub kind: String,
    /// The text.
    pub text: String,
}

/// Adds a call note or a note to a client's timeline (audited); resolves with its id.
pub fn add_client_note(
    d: &mut Dossier,
    client_id: i64,
    note: &ClientNoteInput,
    now: NaiveDateTime,
) -> Result<i64, ApiError> {
    let text = note.text.trim();
    if text.is_empty() {
        return Err(ApiError::invalid("a note needs some text"));
    }
    if text.chars().count() > 4_000 {
        return Err(ApiError::invalid("a note is at most 4,000 characters"));
    }
    Ok(store::add_client_note(d, client_id, &note.kind, text, "user", now)?)
}

/// A client found by the palette.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FoundClientView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Name.
    pub name: String,
    /// SIREN.
    pub siren: Option<String>,
}

/// An invoice found by the palette.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FoundInvoiceView {
    /// Id.
    #[ts(type = "number")]
    pub id: i64,
    /// Number.
    pub number: String,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Issue date (ISO).
    pub issue_date: String,
}

/// What the palette found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PaletteResults {
    /// Clients by SIREN prefix, then by name.
    pub clients: Vec<FoundClientView>,
    /// Invoices by number prefix.
    pub invoices: Vec<FoundInvoiceView>,
}

/// Searches clients (name, SIREN) and invoices (number) for the command palette; `limit` per kind
/// (at most 50).
pub fn palette_search(d: &Dossier, query: &str, limit: u32) -> Result<PaletteResults, ApiError> {
    let limit = limit.clamp(1, 50);
    let query = query.trim();
    let clients = store::find_clients(d, query, limit)?
        .into_iter()
        .map(|c| FoundClientView { id: c.id, name: c.name, siren: c.siren })
        .collect();
    let invoices = store::find_invoices(d, query, limit)?
        .into_iter()
        .map(|i| FoundInvoiceView {
            id: i.id,
            number: i.number,
            client_id: i.client_id,
            client_name: i.client_name,
            issue_date: i.issue_date,
        })
        .collect();
    Ok(PaletteResults { clients, invoices })
}

/// Today's plan for one client: what the dunning run would do and what it holds back, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientPlanView {
    /// The date (ISO).
    pub as_of: String,
    /// The client's planned actions.
    pub actions: Vec<crate::dunning::PlannedActionView>,
    /// The client's items held back.
    pub paused: Vec<crate::dunning::PausedView>,
}

/// The client's part of today's dunning plan, computed from the client's own rows: its open items
/// due by the horizon with their statuses, the disputes naming them, its promises, pause or
/// scenario, collective procedure and recorded actions (`encours_store::dunning::client_snapshot`),
/// planned by `encours_engines::dunning::plan_for_client` under the dossier's scenarios. A client's
/// plan depends on nothing else, so this is exactly its part of [`crate::dunning::dunning_plan`]
/// (test `tests/client_plan.rs`, every client of the demo) without reading the whole portfolio —
/// the client page asks it for every client opened.
pub fn client_plan(d: &Dossier, client_id: i64, as_of: NaiveDate) -> Result<ClientPlanView, ApiError> {
    use encours_domain::dunning::Anchor;
    use encours_engines::dunning as engine;

    let (scenarios, defaults) = crate::dunning::scenarios_or_defaults(d)?;
    let anchored = scenarios.iter().flat_map(|s| s.steps.iter()).any(|st| st.anchor == Anchor::MadeAvailable);
    let snapshot =
        encours_store::dunning::client_snapshot(d, client_id, as_of, engine::horizon_days(&scenarios), anchored)?;
    let plan = engine::plan_for_client(as_of, &snapshot, &scenarios, encours_domain::ClientId(client_id));
    let view = crate::dunning::plan_view(plan, defaults);
    Ok(ClientPlanView { as_of: view.as_of, actions: view.actions, paused: view.paused })
}
