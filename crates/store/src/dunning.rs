//! Dunning in the dossier (migration 0007): scenarios and templates, per-client overrides and
//! collective procedures, the snapshot the dunning engine plans from, and the outbox of dunning
//! actions with phone tasks.
//!
//! Reads are functions over a [`Dossier`]. The snapshot reads only open items due on or before the
//! horizon, through the partial index of open items (`invoices_open_items`), then each candidate's
//! relevant lifecycle statuses through `status_events_invoice`: nothing proportional to the whole
//! ledger. Writes go through a [`DunningWriter`]: one transaction, one audit entry per change, so
//! that a run is recorded whole or not at all and every action is in the journal.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::dunning::{
    ActionDone, Anchor, Channel, ClientOverride, DunningClient, DunningItem, DunningSnapshot, InsolvencyCase,
    OpenDispute, PhoneOutcome, PromiseChannel, PromiseFact, Scenario, ScenarioId, SegmentFilter, Step, Template, Tone,
};
use encours_domain::{ClientId, Currency, InvoiceId, LifecycleStatus, Source, StatusAmount, StatusEvent};
use rusqlite::{params, OptionalExtension, Transaction};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::amount::{from_units, to_units};
use crate::dossier::insert_audit;
use crate::{Dossier, StoreError};

const AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// How long after its date a broken promise is still followed up.
pub const BROKEN_PROMISE_WINDOW_DAYS: u64 = 60;

fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    // The dossier writes dates as `YYYY-MM-DD`: read the digits directly (the plan reads a hundred
    // thousand of them), and fall back to chrono for anything else.
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b.get(r)?.iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
        };
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) {
            if let Some(date) = i32::try_from(y).ok().and_then(|y| NaiveDate::from_ymd_opt(y, m, d)) {
                return Ok(date);
            }
        }
    }
    s.parse().map_err(|e: chrono::ParseError| StoreError::Decode(format!("date {s:?}: {e}")))
}

/// Row ids hash with the domain's cheap id hasher (one lookup per status row).
type RowIds = encours_domain::id_hash::IdHash;

/// A text column read without copying it.
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str, StoreError> {
    r.get_ref(i)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))
}

fn currency(code: &str) -> Result<Currency, StoreError> {
    Currency::parse(code).map_err(|e| StoreError::Decode(e.to_string()))
}

fn anchor_str(a: Anchor) -> &'static str {
    match a {
        Anchor::DueDate => "due_date",
        Anchor::MadeAvailable => "made_available",
        Anchor::PreviousStep => "previous_step",
    }
}

fn parse_anchor(s: &str) -> Result<Anchor, StoreError> {
    Ok(match s {
        "due_date" => Anchor::DueDate,
        "made_available" => Anchor::MadeAvailable,
        "previous_step" => Anchor::PreviousStep,
        other => return Err(StoreError::Decode(format!("step anchor {other:?}"))),
    })
}

fn parse_tone(s: &str) -> Result<Tone, StoreError> {
    Tone::parse(s).ok_or_else(|| StoreError::Decode(format!("tone {s:?}")))
}

/// A status date-time as the dossier writes it (`YYYY-MM-DDTHH:MM:SS`), read from its digits (the
/// plan reads tens of thousands; chrono's format interpreter costs more than the rest of the row),
/// falling back to chrono for anything else.
fn parse_at(at: &str) -> Result<NaiveDateTime, StoreError> {
    let b = at.as_bytes();
    if b.len() == 19 && b[10] == b'T' && b[13] == b':' && b[16] == b':' {
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b.get(r)?.iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
        };
        if let (Some(date), Some(h), Some(m), Some(s)) =
            (at.get(..10).and_then(|d| parse_date(d).ok()), num(11..13), num(14..16), num(17..19))
        {
            if let Some(dt) = date.and_hms_opt(h, m, s) {
                return Ok(dt);
            }
        }
    }
    NaiveDateTime::parse_from_str(at, AT_FORMAT).map_err(|x| StoreError::Decode(format!("date-time {at:?}: {x}")))
}

fn status_event(invoice: InvoiceId, code: u16, at: &str, amounts: &str) -> Result<StatusEvent, StoreError> {
    let amounts: Vec<StatusAmount> = if amounts == "[]" { Vec::new() } else { serde_json::from_str(amounts)? };
    Ok(StatusEvent {
        invoice_id: invoice,
        status: LifecycleStatus::from_code(code),
        at: parse_at(at)?,
        reason_code: None,
        reason: None,
        action_code: None,
        action: None,
        amounts,
        source: Source::at("dossier", "status_events"),
    })
}

// ---------------------------------------------------------------------------------------------
// Reads.
// ---------------------------------------------------------------------------------------------

/// A partial agreement on one invoice: a dispute resolved `partial` without a credit note (issue
/// 8 §6), whose per-invoice split is kept in `invoice_collection` (approved / disputed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialAgreement {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// The dispute resolved by the agreement.
    pub dispute_id: i64,
    /// When it was resolved (the resolution's date-time, or its day at midnight).
    pub at: NaiveDateTime,
    /// The part of the invoice the client does not accept (and the company gave up), incl. VAT.
    pub not_accepted: Decimal,
}

impl PartialAgreement {
    /// The 206 Approuvée partiellement the agreement stands for (legal-rules B.2: MNATTC = the
    /// part the client does not accept), for an invoice with `outstanding` open: never more than
    /// what is open, so a client who paid beyond the agreement leaves nothing to claim. The
    /// dunning snapshot and the legal documents replay it the same way.
    pub fn status_event(&self, outstanding: Decimal, currency: Currency) -> StatusEvent {
        let dispute = self.dispute_id;
        StatusEvent {
            invoice_id: self.invoice_id,
            status: LifecycleStatus::ApprouveePartiellement,
            at: self.at,
            reason_code: None,
            reason: Some(format!("accord partiel (litige n° {dispute})")),
            action_code: None,
            action: None,
            amounts: vec![StatusAmount {
                type_code: "MNATTC".to_owned(),
                amount: encours_domain::Money::new(self.not_accepted.min(outstanding), currency),
                vat_rate: None,
            }],
            source: Source::at(format!("encours:dispute/{dispute}"), "partial agreement"),
        }
    }
}

/// The partial agreements of disputes resolved on or before `as_of` that left part of an invoice
/// refused (of one client, or of all), by invoice then dispute.
pub fn partial_agreements(
    d: &Dossier,
    as_of: NaiveDate,
    client: Option<i64>,
) -> Result<Vec<PartialAgreement>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT di.invoice_id, d.id, coalesce(d.resolved_at, d.resolved_on || 'T00:00:00'), ic.disputed_amount
         FROM disputes d JOIN dispute_invoices di ON di.dispute_id = d.id
         JOIN invoice_collection ic ON ic.invoice_id = di.invoice_id
         WHERE d.outcome = 'partial' AND d.resolved_on <= ?1 AND ic.disputed_amount > 0
           AND (?2 IS NULL OR d.client_id = ?2)
         ORDER BY di.invoice_id, d.id",
    )?;
    let mut rows = stmt.query(params![as_of.to_string(), client])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(PartialAgreement {
            invoice_id: InvoiceId(r.get(0)?),
            dispute_id: r.get(1)?,
            at: parse_at(text(r, 2)?)?,
            not_accepted: from_units(r.get(3)?),
        });
    }
    Ok(out)
}

/// The scenarios with their steps, by priority (empty before first use).
pub fn scenarios(d: &Dossier) -> Result<Vec<Scenario>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, name, priority, active, filter_json FROM dunning_scenarios ORDER BY priority, id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let filter: SegmentFilter = serde_json::from_str(&r.get::<_, String>(4)?)?;
        out.push(Scenario {
            id: ScenarioId(r.get(0)?),
            name: r.get(1)?,
            priority: r.get(2)?,
            active: r.get(3)?,
            filter,
            steps: Vec::new(),
        });
    }
    let mut steps = d.conn.prepare_cached(
        "SELECT name, anchor, offset_days, channel, tone, template_id, needs_validation FROM dunning_steps
         WHERE scenario_id = ?1 ORDER BY position",
    )?;
    for s in &mut out {
        let mut rows = steps.query([s.id.0])?;
        while let Some(r) = rows.next()? {
            let channel: String = r.get(3)?;
            s.steps.push(Step {
                name: r.get(0)?,
                anchor: parse_anchor(&r.get::<_, String>(1)?)?,
                offset_days: r.get(2)?,
                channel: Channel::parse(&channel).ok_or_else(|| StoreError::Decode(format!("channel {channel:?}")))?,
                tone: parse_tone(&r.get::<_, String>(4)?)?,
                template_id: r.get(5)?,
                needs_validation: r.get(6)?,
            });
        }
    }
    Ok(out)
}

/// The message templates (empty before first use).
pub fn templates(d: &Dossier) -> Result<Vec<Template>, StoreError> {
    let mut stmt = d
        .conn
        .prepare_cached("SELECT id, language, tone, subject, body FROM dunning_templates ORDER BY id, language")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(Template {
            id: r.get(0)?,
            language: r.get(1)?,
            tone: parse_tone(&r.get::<_, String>(2)?)?,
            subject: r.get(3)?,
            body: r.get(4)?,
        });
    }
    Ok(out)
}

/// What the items need beyond their dunning statuses, read the same way for the whole portfolio and
/// for one client (`client`: the partial agreements of that client only): the 203s when
/// `made_available`, the partial agreements, the stored hold of the items having a 211 (`with_211`,
/// positions in `items`; `index`: invoice id → position).
fn complete_items(
    d: &Dossier,
    as_of: NaiveDate,
    client: Option<i64>,
    items: &mut [DunningItem],
    index: &HashMap<i64, usize, RowIds>,
    with_211: &[usize],
    made_available: bool,
) -> Result<(), StoreError> {
    if made_available {
        let mut stmt = d.conn.prepare_cached(
            "SELECT at FROM status_events INDEXED BY status_events_invoice WHERE invoice_id = ?1 AND code = 203",
        )?;
        for item in items.iter_mut() {
            let ats: Vec<String> = stmt.query_map([item.invoice_id.0], |r| r.get(0))?.collect::<Result<_, _>>()?;
            for at in ats {
                item.statuses.push(status_event(item.invoice_id, 203, &at, "[]")?);
            }
        }
    }
    // A partial agreement replays as the 206 it stands for ([`partial_agreements`]): the engine
    // duns only the accepted part — amounts, letters and penalties alike — exactly as after a
    // platform 206, and holds the invoice back once that part is paid.
    for agreement in partial_agreements(d, as_of, client)? {
        let Some(item) = index.get(&agreement.invoice_id.0).and_then(|&i| items.get_mut(i)) else { continue };
        let event = agreement.status_event(item.outstanding, item.currency);
        item.statuses.push(event);
    }
    // A 211 holds until the payment is matched: the match clears the stored hold (app::collect).
    let mut hold = d.conn.prepare_cached("SELECT dunning_hold FROM invoice_collection WHERE invoice_id = ?1")?;
    for &i in with_211 {
        let Some(item) = items.get_mut(i) else { continue };
        item.stored_hold = hold.query_row([item.invoice_id.0], |r| r.get::<_, Option<String>>(0)).optional()?;
    }
    Ok(())
}

/// A candidate item from a row whose columns from `first` are number, issue date, due date,
/// currency and outstanding amount (the whole snapshot's query and one client's).
fn dunning_item(r: &rusqlite::Row<'_>, first: usize, id: i64, client: i64) -> Result<DunningItem, StoreError> {
    let code = text(r, first + 3)?;
    Ok(DunningItem {
        invoice_id: InvoiceId(id),
        client_id: ClientId(client),
        number: Arc::from(text(r, first)?),
        issue_date: parse_date(text(r, first + 1)?)?,
        due_date: parse_date(text(r, first + 2)?)?,
        currency: if code == "EUR" { Currency::EUR } else { currency(code)? },
        outstanding: from_units(r.get(first + 4)?),
        statuses: Vec::new(),
        stored_hold: None,
    })
}

/// Reads the portfolio the dunning engine plans from on `as_of`: open invoices (positive
/// outstanding) due on or before `as_of + horizon_days`, with their dunning-relevant statuses and
/// stored collection state; the clients they belong to; open disputes; promises pending or broken
/// within [`BROKEN_PROMISE_WINDOW_DAYS`]; collective procedures; overrides; the actions recorded.
/// `made_available`: also read each item's 203 Mise à disposition (only steps anchored on it need it).
///
/// Open amounts are today's (the ledger's current state): the plan is for today, and an earlier
/// `as_of` only moves the calendar.
///
/// Every read is a range or a scan of a covering index (migration 0007's `invoices_dunning` and
/// `status_events_dunning`, 0005's `clients_analytics` and `payments_booked`): no lookup per
/// candidate into the tables, whose pages would each have to be decrypted.
pub fn snapshot(
    d: &Dossier,
    as_of: NaiveDate,
    horizon_days: u64,
    made_available: bool,
) -> Result<DunningSnapshot, StoreError> {
    let horizon = as_of.checked_add_days(chrono::Days::new(horizon_days)).unwrap_or(as_of);
    let mut snap = DunningSnapshot::default();
    // One read transaction for the whole snapshot: every read sees the same state of the dossier
    // (an import committing meanwhile cannot split a plan), and SQLite takes its file locks and
    // checks the WAL once instead of once per statement. It only reads: dropping it ends it. When a
    // transaction is already open, the reads belong to it.
    let _read = if d.conn.is_autocommit() { Some(d.conn.unchecked_transaction()?) } else { None };

    let mut items = d.conn.prepare_cached(
        "SELECT id, client_id, number, issue_date, due_date, currency, outstanding
         FROM invoices INDEXED BY invoices_dunning WHERE outstanding > 0 AND due_date <= ?1",
    )?;
    let mut rows = items.query([horizon.to_string()])?;
    let mut index: HashMap<i64, usize, RowIds> = HashMap::default();
    let mut clients: HashSet<i64, RowIds> = HashSet::default();
    // The candidates' id range: open invoices are mostly recent ones, so the status scan below can
    // start at the lowest candidate instead of at the first invoice of the ledger.
    let (mut low, mut high) = (i64::MAX, i64::MIN);
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let client: i64 = r.get(1)?;
        low = low.min(id);
        high = high.max(id);
        index.insert(id, snap.items.len());
        clients.insert(client);
        snap.items.push(dunning_item(r, 2, id, client)?);
    }
    drop(rows);

    // The dunning statuses of the invoices in the candidates' id range, in one range scan of their
    // covering partial index (ordered by invoice); those of the candidates are kept.
    let mut statuses = d.conn.prepare_cached(
        "SELECT invoice_id, code, at, amounts_json FROM status_events INDEXED BY status_events_dunning
         WHERE code IN (206, 207, 208, 209, 210, 211, 213, 220) AND invoice_id >= ?1 AND invoice_id <= ?2",
    )?;
    let mut rows = statuses.query([low, high])?;
    let mut with_211 = Vec::new();
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, i64>(0)?) else { continue };
        let code: u16 = r.get(1)?;
        let event = status_event(snap.items[i].invoice_id, code, text(r, 2)?, text(r, 3)?)?;
        if code == 211 {
            with_211.push(i);
        }
        snap.items[i].statuses.push(event);
    }
    drop(rows);
    complete_items(d, as_of, None, &mut snap.items, &index, &with_211, made_available)?;

    let mut stmt = d.conn.prepare_cached("SELECT id, name, naf FROM clients INDEXED BY clients_analytics")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if clients.contains(&id) {
            let id = ClientId(id);
            snap.clients.insert(
                id,
                DunningClient {
                    id,
                    name: Arc::from(text(r, 1)?),
                    naf: r.get(2)?,
                    risk_grade: None,
                    language: "fr".to_owned(),
                },
            );
        }
    }
    drop(rows);

    // Disputes open on the day (the same two ranges of `disputes_resolved` as
    // `analytics::disputes_open_at`, in the same order), except those a 206 Approuvée partiellement
    // opened: only the unapproved part is disputed there, and the approved part is still owed and
    // dunned (legal-rules B.2); the lifecycle replay of the invoice's statuses already limits the
    // dunned amount to the approved part, so pausing the whole invoice would be wrong.
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, client_id, opened_on FROM disputes INDEXED BY disputes_resolved
         WHERE resolved_on IS NULL AND opened_on <= ?1 AND (status_code IS NULL OR status_code <> 206)
         UNION ALL
         SELECT id, client_id, opened_on FROM disputes INDEXED BY disputes_resolved
         WHERE resolved_on > ?1 AND opened_on <= ?1 AND (status_code IS NULL OR status_code <> 206)",
    )?;
    snap.disputes = open_disputes(d, stmt.query([as_of.to_string()])?)?;

    // Promises pending, or whose date passed within the window. What was paid since a promise was
    // made is only needed for those whose date passed (kept or broken): one range scan of the
    // payments booked since the earliest of them. A pending promise pauses until its date.
    let window = as_of.checked_sub_days(chrono::Days::new(BROKEN_PROMISE_WINDOW_DAYS)).unwrap_or(as_of);
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(as_of);
    let mut past: HashMap<i64, Vec<(usize, Currency)>, RowIds> = HashMap::default();
    let mut earliest: Option<NaiveDate> = None;
    for p in crate::analytics::promises_between(d, window, far, as_of)? {
        if p.promised_for < as_of {
            past.entry(p.client_id).or_default().push((snap.promises.len(), p.currency));
            earliest = Some(earliest.map_or(p.made_on, |e: NaiveDate| e.min(p.made_on)));
        }
        snap.promises.push(PromiseFact {
            id: p.id,
            client_id: ClientId(p.client_id),
            invoice_ids: p.invoice_ids.into_iter().map(InvoiceId).collect(),
            made_on: p.made_on,
            promised_for: p.promised_for,
            amount: from_units(p.amount),
            paid_since: Decimal::ZERO,
        });
    }
    if let Some(from) = earliest {
        let mut stmt = d.conn.prepare_cached(
            "SELECT client_id, currency, amount, booked_on FROM payments INDEXED BY payments_booked
             WHERE booked_on >= ?1 AND booked_on <= ?2",
        )?;
        let mut rows = stmt.query([from.to_string(), as_of.to_string()])?;
        while let Some(r) = rows.next()? {
            let Some(client) = r.get::<_, Option<i64>>(0)? else { continue };
            let Some(list) = past.get(&client) else { continue };
            let cur = if text(r, 1)? == "EUR" { Currency::EUR } else { currency(text(r, 1)?)? };
            let amount = from_units(r.get(2)?);
            let booked = parse_date(text(r, 3)?)?;
            for &(i, promised_in) in list {
                let p = &mut snap.promises[i];
                if booked >= p.made_on && promised_in == cur {
                    p.paid_since += amount;
                }
            }
        }
    }

    let mut stmt = d.conn.prepare_cached("SELECT client_id, kind, judgment_on FROM client_insolvency")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        snap.insolvencies.insert(
            ClientId(r.get(0)?),
            InsolvencyCase { kind: r.get(1)?, judgment_on: parse_date(&r.get::<_, String>(2)?)? },
        );
    }
    snap.overrides = overrides(d)?;

    let mut stmt = d.conn.prepare_cached("SELECT action_key, planned_on FROM dunning_actions")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        snap.history.push(ActionDone { key: r.get(0)?, on: parse_date(&r.get::<_, String>(1)?)? });
    }
    Ok(snap)
}

/// The part of [`snapshot`] one client's plan needs, read from that client's rows only (the client
/// page asks it for each client opened: the whole snapshot reads every open item of the portfolio).
///
/// The engine's plan of this snapshot gives the client exactly the actions and held-back items the
/// whole portfolio's plan gives it (test `crates/app/tests/client_plan.rs`, every client of the
/// demo): the items are read in the whole snapshot's order (the `invoices_dunning` index order:
/// due date, currency, amount, issue date, number), each with the same statuses in the same order;
/// the disputes are those open on the day that name one of these items (whatever client they were
/// opened for); the promises, pause or scenario override, collective procedure and recorded actions
/// are the client's (a promise and an action are always recorded for the client they concern, and
/// an action's key names its client). Every read goes through an index on the client or the invoice.
pub fn client_snapshot(
    d: &Dossier,
    client: i64,
    as_of: NaiveDate,
    horizon_days: u64,
    made_available: bool,
) -> Result<DunningSnapshot, StoreError> {
    let horizon = as_of.checked_add_days(chrono::Days::new(horizon_days)).unwrap_or(as_of);
    let mut snap = DunningSnapshot::default();
    // One read transaction, as for the whole snapshot: every read sees the same state.
    let _read = if d.conn.is_autocommit() { Some(d.conn.unchecked_transaction()?) } else { None };

    // `outstanding <> 0` lets the partial open-items index serve the read (it starts with the client).
    let mut items = d.conn.prepare_cached(
        "SELECT id, number, issue_date, due_date, currency, outstanding
         FROM invoices INDEXED BY invoices_open_items
         WHERE client_id = ?1 AND outstanding <> 0 AND outstanding > 0 AND due_date <= ?2
         ORDER BY due_date, currency, outstanding, issue_date, number, id",
    )?;
    let mut rows = items.query(params![client, horizon.to_string()])?;
    let mut index: HashMap<i64, usize, RowIds> = HashMap::default();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        index.insert(id, snap.items.len());
        snap.items.push(dunning_item(r, 1, id, client)?);
    }
    drop(rows);
    if snap.items.is_empty() {
        // Nothing open due by the horizon: the plan has nothing for the client (a reminder, a claim
        // declaration and a promise follow-up all need an item).
        return Ok(snap);
    }

    // Each item's dunning statuses in the order of their covering index, as the whole snapshot's
    // range scan reads them (code, then date-time).
    let mut statuses = d.conn.prepare_cached(
        "SELECT code, at, amounts_json FROM status_events INDEXED BY status_events_dunning
         WHERE invoice_id = ?1 AND code IN (206, 207, 208, 209, 210, 211, 213, 220) ORDER BY code, at, amounts_json",
    )?;
    let mut with_211 = Vec::new();
    for (i, item) in snap.items.iter_mut().enumerate() {
        let mut rows = statuses.query([item.invoice_id.0])?;
        while let Some(r) = rows.next()? {
            let code: u16 = r.get(0)?;
            if code == 211 && with_211.last() != Some(&i) {
                with_211.push(i);
            }
            item.statuses.push(status_event(item.invoice_id, code, text(r, 1)?, text(r, 2)?)?);
        }
    }
    complete_items(d, as_of, Some(client), &mut snap.items, &index, &with_211, made_available)?;

    let found = d
        .conn
        .prepare_cached("SELECT name, naf FROM clients WHERE id = ?1")?
        .query_row([client], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))
        .optional()?;
    if let Some((name, naf)) = found {
        let id = ClientId(client);
        snap.clients
            .insert(id, DunningClient { id, name: Arc::from(name), naf, risk_grade: None, language: "fr".to_owned() });
    }

    // The disputes open on the day (as in [`snapshot`]: not those a 206 opened) naming an item.
    let mut stmt = d.conn.prepare_cached(
        "SELECT DISTINCT d.id, d.client_id, d.opened_on
         FROM invoices i INDEXED BY invoices_open_items
         JOIN dispute_invoices di INDEXED BY dispute_invoices_invoice ON di.invoice_id = i.id
         JOIN disputes d ON d.id = di.dispute_id
         WHERE i.client_id = ?1 AND i.outstanding <> 0 AND i.outstanding > 0 AND i.due_date <= ?2
           AND d.opened_on <= ?3 AND (d.resolved_on IS NULL OR d.resolved_on > ?3)
           AND (d.status_code IS NULL OR d.status_code <> 206)
         ORDER BY d.id",
    )?;
    snap.disputes = open_disputes(d, stmt.query(params![client, horizon.to_string(), as_of.to_string()])?)?;

    // The client's promises pending or broken within the window, in the order of the whole
    // snapshot's read (promised date, date made): a later promise on the same invoice wins there.
    let window = as_of.checked_sub_days(chrono::Days::new(BROKEN_PROMISE_WINDOW_DAYS)).unwrap_or(as_of);
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, made_on, promised_for, currency, amount FROM promises INDEXED BY promises_client
         WHERE client_id = ?1 AND promised_for >= ?2 AND made_on <= ?3 ORDER BY promised_for, made_on, id",
    )?;
    let mut rows = stmt.query(params![client, window.to_string(), as_of.to_string()])?;
    let mut past: Vec<(usize, Currency)> = Vec::new();
    let mut earliest: Option<NaiveDate> = None;
    while let Some(r) = rows.next()? {
        let made_on = parse_date(text(r, 1)?)?;
        let promised_for = parse_date(text(r, 2)?)?;
        if promised_for < as_of {
            past.push((snap.promises.len(), currency(text(r, 3)?)?));
            earliest = Some(earliest.map_or(made_on, |e: NaiveDate| e.min(made_on)));
        }
        snap.promises.push(PromiseFact {
            id: r.get(0)?,
            client_id: ClientId(client),
            invoice_ids: Vec::new(),
            made_on,
            promised_for,
            amount: from_units(r.get(4)?),
            paid_since: Decimal::ZERO,
        });
    }
    drop(rows);
    let mut inv = d.conn.prepare_cached("SELECT invoice_id FROM promise_invoices WHERE promise_id = ?1")?;
    for p in &mut snap.promises {
        p.invoice_ids = inv.query_map([p.id], |r| Ok(InvoiceId(r.get(0)?)))?.collect::<Result<_, _>>()?;
    }
    if let Some(from) = earliest {
        let mut stmt = d.conn.prepare_cached(
            "SELECT currency, amount, booked_on FROM payments INDEXED BY payments_client
             WHERE client_id = ?1 AND booked_on >= ?2 AND booked_on <= ?3",
        )?;
        let mut rows = stmt.query(params![client, from.to_string(), as_of.to_string()])?;
        while let Some(r) = rows.next()? {
            let cur = if text(r, 0)? == "EUR" { Currency::EUR } else { currency(text(r, 0)?)? };
            let amount = from_units(r.get(1)?);
            let booked = parse_date(text(r, 2)?)?;
            for &(i, promised_in) in &past {
                let Some(p) = snap.promises.get_mut(i) else { continue };
                if booked >= p.made_on && promised_in == cur {
                    p.paid_since += amount;
                }
            }
        }
    }

    let case = d
        .conn
        .prepare_cached("SELECT kind, judgment_on FROM client_insolvency WHERE client_id = ?1")?
        .query_row([client], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    if let Some((kind, judgment_on)) = case {
        snap.insolvencies.insert(ClientId(client), InsolvencyCase { kind, judgment_on: parse_date(&judgment_on)? });
    }
    let mut stmt = d.conn.prepare_cached(
        "SELECT client_id, scenario_id, paused, paused_until, reason FROM dunning_overrides WHERE client_id = ?1",
    )?;
    let mut rows = stmt.query([client])?;
    if let Some(r) = rows.next()? {
        snap.overrides.insert(ClientId(client), override_of(r)?);
    }
    drop(rows);

    let mut stmt = d.conn.prepare_cached(
        "SELECT action_key, planned_on FROM dunning_actions INDEXED BY dunning_actions_client WHERE client_id = ?1",
    )?;
    let mut rows = stmt.query([client])?;
    while let Some(r) = rows.next()? {
        snap.history.push(ActionDone { key: r.get(0)?, on: parse_date(&r.get::<_, String>(1)?)? });
    }
    Ok(snap)
}

/// The per-client overrides.
pub fn overrides(d: &Dossier) -> Result<BTreeMap<ClientId, ClientOverride>, StoreError> {
    let mut stmt =
        d.conn.prepare_cached("SELECT client_id, scenario_id, paused, paused_until, reason FROM dunning_overrides")?;
    let mut rows = stmt.query([])?;
    let mut out = BTreeMap::new();
    while let Some(r) = rows.next()? {
        out.insert(ClientId(r.get(0)?), override_of(r)?);
    }
    Ok(out)
}

/// An override row (`client_id, scenario_id, paused, paused_until, reason`).
fn override_of(r: &rusqlite::Row<'_>) -> Result<ClientOverride, StoreError> {
    let scenario: Option<i64> = r.get(1)?;
    Ok(match scenario {
        Some(id) => ClientOverride::Scenario { scenario: ScenarioId(id) },
        None => ClientOverride::Pause {
            until: r.get::<_, Option<String>>(3)?.as_deref().map(parse_date).transpose()?,
            reason: r.get(4)?,
        },
    })
}

/// A recorded dunning action (a row of the outbox).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionRow {
    /// Id.
    pub id: i64,
    /// Idempotency key.
    pub key: String,
    /// `reminder`, `promise_follow_up`, `claim_declaration`, `payment_order`.
    pub kind: String,
    /// Client.
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Level (0 for actions outside a scenario).
    pub level: i64,
    /// Channel code.
    pub channel: String,
    /// Tone code.
    pub tone: String,
    /// Template family.
    pub template_id: String,
    /// `[[invoice id, number, due date, dunned amount in units], …]`.
    pub invoices_json: String,
    /// Currency.
    pub currency: Currency,
    /// Amount.
    pub amount: Decimal,
    /// Rendered subject.
    pub subject: String,
    /// Rendered body.
    pub body: String,
    /// Needs a person's validation.
    pub needs_validation: bool,
    /// `planned`, `validated`, `sent`, `failed`, `cancelled`.
    pub state: String,
    /// What came of it.
    pub outcome: Option<String>,
    /// The day it was planned for.
    pub planned_on: NaiveDate,
    /// When it was recorded.
    pub created_at: String,
}

/// The outbox of dunning actions, newest first: all, or those in one state; at most `limit`.
pub fn actions(d: &Dossier, state: Option<&str>, limit: u32) -> Result<Vec<ActionRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT a.id, a.action_key, a.kind, a.client_id, coalesce(c.name, ''), a.level, a.channel, a.tone,
                a.template_id, a.invoices_json, a.currency, a.amount, a.subject, a.body, a.needs_validation,
                a.state, a.outcome, a.planned_on, a.created_at
         FROM dunning_actions a LEFT JOIN clients c ON c.id = a.client_id
         WHERE ?1 IS NULL OR a.state = ?1 ORDER BY a.id DESC LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![state, limit])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(ActionRow {
            id: r.get(0)?,
            key: r.get(1)?,
            kind: r.get(2)?,
            client_id: r.get(3)?,
            client_name: r.get(4)?,
            level: r.get(5)?,
            channel: r.get(6)?,
            tone: r.get(7)?,
            template_id: r.get(8)?,
            invoices_json: r.get(9)?,
            currency: currency(&r.get::<_, String>(10)?)?,
            amount: from_units(r.get(11)?),
            subject: r.get(12)?,
            body: r.get(13)?,
            needs_validation: r.get(14)?,
            state: r.get(15)?,
            outcome: r.get(16)?,
            planned_on: parse_date(&r.get::<_, String>(17)?)?,
            created_at: r.get(18)?,
        });
    }
    Ok(out)
}

/// A phone task of the to-do list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PhoneTaskRow {
    /// Id.
    pub id: i64,
    /// The dunning action that created it.
    pub action_id: Option<i64>,
    /// Client.
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// To do on.
    pub due_on: NaiveDate,
    /// What to call about.
    pub subject: String,
    /// Details.
    pub body: String,
    /// `open` or `done`.
    pub state: String,
    /// `promise`, `dispute`, `wrong_contact`, `no_answer`.
    pub outcome: Option<String>,
    /// The outcome's details as JSON.
    pub outcome_json: Option<String>,
}

/// The phone tasks, open first then by date.
pub fn phone_tasks(d: &Dossier, open_only: bool) -> Result<Vec<PhoneTaskRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT t.id, t.action_id, t.client_id, coalesce(c.name, ''), t.due_on, t.subject, t.body, t.state,
                t.outcome, t.outcome_json
         FROM phone_tasks t LEFT JOIN clients c ON c.id = t.client_id
         WHERE ?1 = 0 OR t.state = 'open' ORDER BY t.state DESC, t.due_on, t.id",
    )?;
    let mut rows = stmt.query([open_only])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(PhoneTaskRow {
            id: r.get(0)?,
            action_id: r.get(1)?,
            client_id: r.get(2)?,
            client_name: r.get(3)?,
            due_on: parse_date(&r.get::<_, String>(4)?)?,
            subject: r.get(5)?,
            body: r.get(6)?,
            state: r.get(7)?,
            outcome: r.get(8)?,
            outcome_json: r.get(9)?,
        });
    }
    Ok(out)
}

/// A promise to pay with how it was made and what was paid since.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PromiseRecordRow {
    /// Id.
    pub id: i64,
    /// Client.
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Made on.
    pub made_on: NaiveDate,
    /// Promised for.
    pub promised_for: NaiveDate,
    /// Currency.
    pub currency: Currency,
    /// Amount.
    pub amount: Decimal,
    /// How it was made (`None` for promises recorded before schema 7).
    pub channel: Option<String>,
    /// What the client paid from `made_on` to the promised date (or `as_of`, if earlier).
    pub paid_by_date: Decimal,
}

/// Every promise made by `as_of`, newest promised date first, with what was paid by its date.
pub fn promises(d: &Dossier, as_of: NaiveDate) -> Result<Vec<PromiseRecordRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT p.id, p.client_id, coalesce(c.name, ''), p.made_on, p.promised_for, p.currency, p.amount, p.channel,
                (SELECT coalesce(sum(y.amount), 0) FROM payments y INDEXED BY payments_client
                 WHERE y.client_id = p.client_id AND y.currency = p.currency AND y.booked_on >= p.made_on
                   AND y.booked_on <= min(p.promised_for, ?1))
         FROM promises p LEFT JOIN clients c ON c.id = p.client_id
         WHERE p.made_on <= ?1 ORDER BY p.promised_for DESC, p.id DESC",
    )?;
    let mut rows = stmt.query([as_of.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(PromiseRecordRow {
            id: r.get(0)?,
            client_id: r.get(1)?,
            client_name: r.get(2)?,
            made_on: parse_date(&r.get::<_, String>(3)?)?,
            promised_for: parse_date(&r.get::<_, String>(4)?)?,
            currency: currency(&r.get::<_, String>(5)?)?,
            amount: from_units(r.get(6)?),
            channel: r.get(7)?,
            paid_by_date: from_units(r.get(8)?),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Writes.
// ---------------------------------------------------------------------------------------------

/// An action a run records in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    /// Idempotency key (unique).
    pub key: String,
    /// Kind code.
    pub kind: String,
    /// Client.
    pub client_id: ClientId,
    /// Scenario, for a reminder.
    pub scenario_id: Option<ScenarioId>,
    /// Step position, for a reminder.
    pub step: Option<usize>,
    /// Level.
    pub level: u32,
    /// Channel.
    pub channel: Channel,
    /// Tone.
    pub tone: Tone,
    /// Template family.
    pub template_id: String,
    /// Language.
    pub language: String,
    /// `(invoice, number, due date, dunned amount)`.
    pub invoices: Vec<(InvoiceId, String, NaiveDate, Decimal)>,
    /// Currency.
    pub currency: Currency,
    /// Total dunned.
    pub amount: Decimal,
    /// Rendered subject.
    pub subject: String,
    /// Rendered body.
    pub body: String,
    /// Waits for a person.
    pub needs_validation: bool,
    /// The day planned for.
    pub planned_on: NaiveDate,
}

/// The invoices of an action with their dunned amounts, and its currency.
pub type ActionInvoices = (Vec<(InvoiceId, Decimal)>, Currency);

/// A unit of work on dunning data: one transaction; every change writes its audit entry in it.
pub struct DunningWriter<'d> {
    tx: Transaction<'d>,
    at: NaiveDateTime,
    actor: String,
}

impl Dossier {
    /// Starts a unit of work on dunning data; `actor` (`system` for a run, `user`…) signs its
    /// audit entries and `at` dates them.
    pub fn dunning_writer(&mut self, actor: &str, at: NaiveDateTime) -> Result<DunningWriter<'_>, StoreError> {
        Ok(DunningWriter { tx: self.conn.transaction()?, at, actor: actor.to_owned() })
    }
}

impl DunningWriter<'_> {
    fn at_str(&self) -> String {
        self.at.format(AT_FORMAT).to_string()
    }

    fn audit(&self, action: &str, entity: &str, id: &str, after: &serde_json::Value) -> Result<(), StoreError> {
        insert_audit(&self.tx, self.at, &self.actor, action, entity, Some(id), None, Some(&after.to_string()))
    }

    /// Writes the given scenarios and templates when the dossier has no scenario yet (first use);
    /// returns true when it did.
    pub fn ensure_defaults(&mut self, scenarios: &[Scenario], templates: &[Template]) -> Result<bool, StoreError> {
        let any: bool =
            self.tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM dunning_scenarios)")?.query_row([], |r| r.get(0))?;
        if any {
            return Ok(false);
        }
        for s in scenarios {
            self.put_scenario(s)?;
        }
        for t in templates {
            let exists: bool = self
                .tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM dunning_templates WHERE id = ?1 AND language = ?2)")?
                .query_row(params![t.id, t.language], |r| r.get(0))?;
            if !exists {
                self.put_template(t)?;
            }
        }
        Ok(true)
    }

    /// Creates or replaces a scenario with its steps (id 0: a new one); returns its id.
    pub fn put_scenario(&mut self, s: &Scenario) -> Result<ScenarioId, StoreError> {
        let filter = serde_json::to_string(&s.filter)?;
        let id = if s.id.0 > 0 {
            self.tx
                .prepare_cached(
                    "INSERT INTO dunning_scenarios (id, name, priority, active, filter_json, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET name = excluded.name,
                     priority = excluded.priority, active = excluded.active, filter_json = excluded.filter_json,
                     updated_at = excluded.updated_at",
                )?
                .execute(params![s.id.0, s.name, s.priority, s.active, filter, self.at_str()])?;
            s.id
        } else {
            self.tx
                .prepare_cached(
                    "INSERT INTO dunning_scenarios (name, priority, active, filter_json, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![s.name, s.priority, s.active, filter, self.at_str()])?;
            ScenarioId(self.tx.last_insert_rowid())
        };
        self.tx.prepare_cached("DELETE FROM dunning_steps WHERE scenario_id = ?1")?.execute([id.0])?;
        for (i, st) in s.steps.iter().enumerate() {
            self.tx
                .prepare_cached(
                    "INSERT INTO dunning_steps (scenario_id, position, name, anchor, offset_days, channel, tone,
                     template_id, needs_validation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    id.0,
                    i as i64,
                    st.name,
                    anchor_str(st.anchor),
                    st.offset_days,
                    st.channel.code(),
                    st.tone.code(),
                    st.template_id,
                    st.needs_validation
                ])?;
        }
        let mut after = serde_json::to_value(s)?;
        after["id"] = serde_json::json!(id.0);
        self.audit("dunning.scenario", "dunning_scenario", &id.0.to_string(), &after)?;
        Ok(id)
    }

    /// Creates or replaces a template (the caller checks its variables first).
    pub fn put_template(&mut self, t: &Template) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO dunning_templates (id, language, tone, subject, body, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![t.id, t.language, t.tone.code(), t.subject, t.body, self.at_str()])?;
        self.audit(
            "dunning.template",
            "dunning_template",
            &format!("{}/{}", t.id, t.language),
            &serde_json::to_value(t)?,
        )
    }

    /// Sets (or, with `None`, lifts) a client's override.
    pub fn set_override(&mut self, client: ClientId, o: Option<&ClientOverride>) -> Result<(), StoreError> {
        self.tx.prepare_cached("DELETE FROM dunning_overrides WHERE client_id = ?1")?.execute([client.0])?;
        match o {
            None => {}
            Some(ClientOverride::Scenario { scenario }) => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO dunning_overrides (client_id, scenario_id, paused, reason, updated_at)
                         VALUES (?1, ?2, 0, '', ?3)",
                    )?
                    .execute(params![client.0, scenario.0, self.at_str()])?;
            }
            Some(ClientOverride::Pause { until, reason }) => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO dunning_overrides (client_id, paused, paused_until, reason, updated_at)
                         VALUES (?1, 1, ?2, ?3, ?4)",
                    )?
                    .execute(params![client.0, until.map(|u| u.to_string()), reason, self.at_str()])?;
            }
        }
        self.audit("dunning.override", "client", &client.0.to_string(), &serde_json::to_value(o)?)
    }

    /// Records (or, with `None`, removes) a client's collective procedure.
    pub fn set_insolvency(
        &mut self,
        client: ClientId,
        case: Option<&InsolvencyCase>,
        note: &str,
    ) -> Result<(), StoreError> {
        self.tx.prepare_cached("DELETE FROM client_insolvency WHERE client_id = ?1")?.execute([client.0])?;
        if let Some(c) = case {
            self.tx
                .prepare_cached(
                    "INSERT INTO client_insolvency (client_id, kind, judgment_on, note, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![client.0, c.kind, c.judgment_on.to_string(), note, self.at_str()])?;
        }
        self.audit(
            "dunning.insolvency",
            "client",
            &client.0.to_string(),
            &serde_json::json!({"case": case, "note": note}),
        )
    }

    /// Records an action in the outbox unless its key is already there; returns its id when it was
    /// recorded. State: `planned` when it waits for validation, else `validated` (ready to send).
    pub fn record_action(&mut self, a: &ActionRecord) -> Result<Option<i64>, StoreError> {
        let invoices: Vec<(i64, &str, String, i64)> = a
            .invoices
            .iter()
            .map(|(id, n, due, amount)| Ok((id.0, n.as_str(), due.to_string(), to_units(*amount)?)))
            .collect::<Result<_, StoreError>>()?;
        let state = if a.needs_validation { "planned" } else { "validated" };
        let n = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO dunning_actions (action_key, kind, client_id, scenario_id, step_position, level,
                 channel, tone, template_id, language, invoices_json, currency, amount, subject, body, needs_validation,
                 state, planned_on, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)",
            )?
            .execute(params![
                a.key,
                a.kind,
                a.client_id.0,
                a.scenario_id.map(|s| s.0),
                a.step.map(|s| s as i64),
                a.level,
                a.channel.code(),
                a.tone.code(),
                a.template_id,
                a.language,
                serde_json::to_string(&invoices)?,
                a.currency.code(),
                to_units(a.amount)?,
                a.subject,
                a.body,
                a.needs_validation,
                state,
                a.planned_on.to_string(),
                self.at_str(),
            ])?;
        if n == 0 {
            return Ok(None);
        }
        let id = self.tx.last_insert_rowid();
        let after = serde_json::json!({
            "key": a.key, "kind": a.kind, "client": a.client_id.0, "level": a.level, "channel": a.channel.code(),
            "tone": a.tone.code(), "template": a.template_id, "invoices": invoices, "currency": a.currency.code(),
            "amount": a.amount.to_string(), "state": state, "plannedOn": a.planned_on.to_string(),
        });
        self.audit("dunning.action", "dunning_action", &id.to_string(), &after)?;
        Ok(Some(id))
    }

    /// Adds a phone task to the to-do list.
    pub fn add_phone_task(
        &mut self,
        action: Option<i64>,
        client: ClientId,
        due_on: NaiveDate,
        subject: &str,
        body: &str,
    ) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO phone_tasks (action_id, client_id, due_on, subject, body, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open')",
            )?
            .execute(params![action, client.0, due_on.to_string(), subject, body])?;
        let id = self.tx.last_insert_rowid();
        let after = serde_json::json!({"action": action, "client": client.0, "dueOn": due_on.to_string()});
        self.audit("dunning.phone_task", "phone_task", &id.to_string(), &after)?;
        Ok(id)
    }

    /// The client and action of an open phone task.
    pub fn open_phone_task(&self, task: i64) -> Result<Option<(ClientId, Option<i64>)>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT client_id, action_id FROM phone_tasks WHERE id = ?1 AND state = 'open'")?
            .query_row([task], |r| Ok((ClientId(r.get(0)?), r.get(1)?)))
            .optional()?)
    }

    /// Closes a phone task with its outcome, and writes the outcome on its action.
    pub fn record_phone_outcome(&mut self, task: i64, outcome: &PhoneOutcome) -> Result<(), StoreError> {
        let json = serde_json::to_string(outcome)?;
        let n = self
            .tx
            .prepare_cached(
                "UPDATE phone_tasks SET state = 'done', outcome = ?2, outcome_json = ?3, done_at = ?4
                 WHERE id = ?1 AND state = 'open'",
            )?
            .execute(params![task, outcome.code(), json, self.at_str()])?;
        if n == 0 {
            return Err(StoreError::Invalid(format!("phone task {task} does not exist or is already done")));
        }
        self.tx
            .prepare_cached(
                "UPDATE dunning_actions SET outcome = ?2, state = 'sent', updated_at = ?3
                 WHERE id = (SELECT action_id FROM phone_tasks WHERE id = ?1)",
            )?
            .execute(params![task, outcome.code(), self.at_str()])?;
        self.audit("dunning.phone_outcome", "phone_task", &task.to_string(), &serde_json::to_value(outcome)?)
    }

    /// Changes an action's state (validated, sent, failed, cancelled) and records its outcome.
    pub fn set_action_state(&mut self, action: i64, state: &str, outcome: Option<&str>) -> Result<(), StoreError> {
        let before: Option<String> = self
            .tx
            .prepare_cached("SELECT state FROM dunning_actions WHERE id = ?1")?
            .query_row([action], |r| r.get(0))
            .optional()?;
        let Some(before) = before else {
            return Err(StoreError::Invalid(format!("no dunning action {action}")));
        };
        self.tx
            .prepare_cached(
                "UPDATE dunning_actions SET state = ?2, outcome = coalesce(?3, outcome), updated_at = ?4 WHERE id = ?1",
            )?
            .execute(params![action, state, outcome, self.at_str()])?;
        let after = serde_json::json!({"from": before, "state": state, "outcome": outcome});
        self.audit("dunning.action_state", "dunning_action", &action.to_string(), &after)
    }

    /// Records a promise to pay (with how it was made); returns its id.
    #[allow(clippy::too_many_arguments)]
    pub fn record_promise(
        &mut self,
        client: ClientId,
        invoices: &[InvoiceId],
        made_on: NaiveDate,
        promised_for: NaiveDate,
        amount: Decimal,
        currency: Currency,
        channel: PromiseChannel,
    ) -> Result<i64, StoreError> {
        let id: i64 =
            self.tx.prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM promises")?.query_row([], |r| r.get(0))?;
        self.tx
            .prepare_cached(
                "INSERT INTO promises (id, client_id, made_on, promised_for, currency, amount, state, channel)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)",
            )?
            .execute(params![
                id,
                client.0,
                made_on.to_string(),
                promised_for.to_string(),
                currency.code(),
                to_units(amount)?,
                channel.code()
            ])?;
        for i in invoices {
            self.tx
                .prepare_cached("INSERT INTO promise_invoices (promise_id, invoice_id) VALUES (?1, ?2)")?
                .execute(params![id, i.0])?;
        }
        let after = serde_json::json!({
            "client": client.0, "invoices": invoices.iter().map(|i| i.0).collect::<Vec<_>>(),
            "madeOn": made_on.to_string(), "promisedFor": promised_for.to_string(), "amount": amount.to_string(),
            "currency": currency.code(), "channel": channel.code(),
        });
        self.audit("dunning.promise", "promise", &id.to_string(), &after)?;
        Ok(id)
    }

    /// Opens a dispute on invoices (from a call's outcome); returns its id.
    pub fn open_dispute(
        &mut self,
        client: ClientId,
        invoices: &[(InvoiceId, Decimal)],
        currency: Currency,
        on: NaiveDate,
        note: &str,
    ) -> Result<i64, StoreError> {
        let id: i64 =
            self.tx.prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM disputes")?.query_row([], |r| r.get(0))?;
        let total: Decimal = invoices.iter().map(|(_, a)| *a).sum();
        self.tx
            .prepare_cached(
                "INSERT INTO disputes (id, client_id, opened_on, reason, currency, disputed_amount, state, note)
                 VALUES (?1, ?2, ?3, 'other', ?4, ?5, 'open', ?6)",
            )?
            .execute(params![id, client.0, on.to_string(), currency.code(), to_units(total)?, note])?;
        for (i, _) in invoices {
            self.tx
                .prepare_cached("INSERT INTO dispute_invoices (dispute_id, invoice_id) VALUES (?1, ?2)")?
                .execute(params![id, i.0])?;
        }
        let after = serde_json::json!({"client": client.0, "invoices": invoices.iter().map(|(i, _)| i.0).collect::<Vec<_>>(), "note": note});
        self.audit("dunning.dispute", "dispute", &id.to_string(), &after)?;
        Ok(id)
    }

    /// The invoices of a recorded action, `(invoice, dunned amount)`, and its currency.
    pub fn action_invoices(&self, action: i64) -> Result<Option<ActionInvoices>, StoreError> {
        let row: Option<(String, String)> = self
            .tx
            .prepare_cached("SELECT invoices_json, currency FROM dunning_actions WHERE id = ?1")?
            .query_row([action], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((json, cur)) = row else { return Ok(None) };
        let list: Vec<(i64, String, String, i64)> = serde_json::from_str(&json)?;
        Ok(Some((
            list.into_iter().map(|(id, _, _, units)| (InvoiceId(id), from_units(units))).collect(),
            currency(&cur)?,
        )))
    }

    /// Commits the unit of work.
    pub fn commit(self) -> Result<(), StoreError> {
        // Test-only: `ENCOURS_CRASH_AT=dunning.commit:<n>` dies here (crate::sync::crash_point).
        crate::sync::crash_point("dunning.commit");
        self.tx.commit()?;
        Ok(())
    }
}

/// The open disputes of `rows` (id, client id, opened on), each with the invoices it names: what
/// the whole snapshot and a client's snapshot read the same way.
fn open_disputes(d: &Dossier, mut rows: rusqlite::Rows<'_>) -> Result<Vec<OpenDispute>, StoreError> {
    let mut disputes = Vec::new();
    while let Some(r) = rows.next()? {
        disputes.push(OpenDispute {
            id: r.get(0)?,
            client_id: ClientId(r.get(1)?),
            invoice_ids: Vec::new(),
            opened_on: parse_date(text(r, 2)?)?,
        });
    }
    drop(rows);
    let mut inv = d.conn.prepare_cached("SELECT invoice_id FROM dispute_invoices WHERE dispute_id = ?1")?;
    for dispute in &mut disputes {
        let mut rows = inv.query([dispute.id])?;
        while let Some(r) = rows.next()? {
            dispute.invoice_ids.push(InvoiceId(r.get(0)?));
        }
    }
    Ok(disputes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_date_times_are_read_fast_and_exactly() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, AT_FORMAT).unwrap();
        assert_eq!(parse_at("2026-11-23T09:05:59").unwrap(), at("2026-11-23T09:05:59"));
        assert_eq!(parse_at("2024-02-29T23:59:00").unwrap(), at("2024-02-29T23:59:00"));
        assert!(parse_at("2026-11-23T24:00:00").is_err());
        assert!(parse_at("2026-02-30T10:00:00").is_err());
        assert!(parse_at("2026-11-23 10:00:00").is_err());
        assert!(parse_at("2026-11-23T1a:00:00").is_err());
        assert!(parse_at("").is_err());
    }

    #[test]
    fn dates_are_read_fast_and_exactly() {
        assert_eq!(parse_date("2026-11-23").unwrap(), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(parse_date("2024-02-29").unwrap(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("2026-1-230").is_err());
        assert!(parse_date("").is_err());
    }
}
