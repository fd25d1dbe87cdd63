//! Read models of the receivables analytics: the ledger rebuilt as of a date.
//!
//! On a date `D`, an invoice counts once issued (`issue_date ≤ D`); its open amount is its
//! receivable minus the allocations applied by `D` (for a credit note: plus what of it was used by
//! `D`); a payment counts once booked, and what of it was not applied by `D` is unapplied cash.
//!
//! Three ways to get there, chosen by [`for_each_item_as_of`]:
//! - **current**: `D` is on or after the last dated event of the ledger, so the open amounts kept
//!   with every allocation are those of `D`: stream the covering index of open items;
//! - **rewind**: `D` is recent: start from today's open amounts and add back what was applied
//!   after `D` (the allocations after `D` are few, read through their date index);
//! - **replay**: `D` is far back: stream the invoices issued by `D` and subtract their allocations
//!   applied by `D` (index lookups), never holding the ledger in memory.
//!
//! Amounts are in stored units (10⁻⁵ of the currency, see `amount.rs`); the caller turns them into
//! `Decimal` with `Decimal::new(units, AMOUNT_SCALE)`, exactly.
//!
//! The month-end history (DSO series) and the daily sales and cash come from the aggregates of
//! migration 0005, kept by triggers in the same transaction as every ledger write.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use encours_domain::Currency;
use rusqlite::{params, OptionalExtension};

use crate::dossier::Dossier;
use crate::error::StoreError;

pub mod today;
pub mod writeoff;

/// Reads an ISO date (`YYYY-MM-DD`, the stored form) quickly; an error names the value.
pub fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let parsed = (|| {
        if b.len() < 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        NaiveDate::from_ymd_opt(i32::try_from(digits(0..4)?).ok()?, digits(5..7)?, digits(8..10)?)
    })();
    parsed.ok_or_else(|| StoreError::Decode(format!("not a date: {s:?}")))
}

fn currency(code: &str) -> Result<Currency, StoreError> {
    Currency::parse(code).map_err(|e| StoreError::Decode(e.to_string()))
}

/// An open item on the as-of date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemAt {
    /// Invoice (or credit note) id.
    pub invoice_id: i64,
    /// Client id.
    pub client_id: i64,
    /// Currency.
    pub currency: Currency,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Open amount on the date, in units (negative for a credit note not fully used).
    pub open: i64,
}

/// How [`for_each_item_as_of`] rebuilt the date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rebuild {
    /// The date is on or after the last event: today's open amounts.
    Current,
    /// Today's open amounts with the later allocations added back.
    Rewind,
    /// The invoices issued by the date, minus their allocations by the date.
    Replay,
}

/// Above this many allocations after the date, [`for_each_item_as_of`] replays instead of
/// rewinding (the rewind keeps one map entry per item touched after the date).
pub const REWIND_LIMIT: i64 = 400_000;

/// The last date of the ledger's dated events (issues, bookings, allocations), if any.
pub fn last_event_date(d: &Dossier) -> Result<Option<NaiveDate>, StoreError> {
    let s: Option<String> =
        d.conn.prepare_cached("SELECT max(day) FROM analytics_days")?.query_row([], |r| r.get(0))?;
    s.as_deref().map(parse_date).transpose()
}

/// A read transaction kept while it lives (none when the connection is already in one): every
/// read of a computation sees the same state of the dossier, and the file lock is taken once
/// instead of once per statement (a few hundred statements for a dashboard).
pub struct ReadSnapshot<'d>(#[allow(dead_code)] Option<rusqlite::Transaction<'d>>);

/// Starts a [`ReadSnapshot`] on the dossier.
pub fn read_snapshot(d: &Dossier) -> Result<ReadSnapshot<'_>, StoreError> {
    Ok(ReadSnapshot(if d.conn.is_autocommit() { Some(d.conn.unchecked_transaction()?) } else { None }))
}

/// True when `as_of` is on or after the ledger's last dated event: its open amounts are today's
/// (the aggregates of [`today`] apply).
pub fn is_current(d: &Dossier, as_of: NaiveDate) -> Result<bool, StoreError> {
    Ok(last_event_date(d)?.is_none_or(|last| last <= as_of))
}

/// Calls `f` with every item open on `as_of` (issued by then, open amount not zero on that date).
/// Items come grouped by client when the path is [`Rebuild::Current`]; in no particular order
/// otherwise.
pub fn for_each_item_as_of(
    d: &Dossier,
    as_of: NaiveDate,
    f: impl FnMut(&ItemAt) -> Result<(), StoreError>,
) -> Result<Rebuild, StoreError> {
    for_each_item_rebuilt(d, as_of, None, f)
}

/// [`for_each_item_as_of`] with the way of rebuilding forced (`Some(Rewind)` or `Some(Replay)`;
/// `Current` is only taken when the date is on or after the last event): the three give the same
/// items, which the tests check.
pub fn for_each_item_rebuilt(
    d: &Dossier,
    as_of: NaiveDate,
    force: Option<Rebuild>,
    mut f: impl FnMut(&ItemAt) -> Result<(), StoreError>,
) -> Result<Rebuild, StoreError> {
    let day = as_of.to_string();
    let current = last_event_date(d)?.is_none_or(|last| last <= as_of);
    let path = match force {
        Some(Rebuild::Replay) => Rebuild::Replay,
        Some(Rebuild::Rewind) => Rebuild::Rewind,
        _ if current => Rebuild::Current,
        _ => {
            let later: i64 = d
                .conn
                .prepare_cached("SELECT coalesce(sum(allocations), 0) FROM analytics_days WHERE day > ?1")?
                .query_row([&day], |r| r.get(0))?;
            if later <= REWIND_LIMIT {
                Rebuild::Rewind
            } else {
                Rebuild::Replay
            }
        }
    };
    match path {
        Rebuild::Replay => replay(d, &day, &mut f)?,
        Rebuild::Current | Rebuild::Rewind => {
            // What was applied after the date, added back: + on the invoice, − on the credit note.
            let mut back: HashMap<i64, i64> = HashMap::new();
            if path == Rebuild::Rewind {
                let mut stmt = d.conn.prepare_cached(
                    "SELECT invoice_id, credit_note_id, amount FROM allocations WHERE applied_on > ?1",
                )?;
                let mut rows = stmt.query([&day])?;
                while let Some(r) = rows.next()? {
                    let amount: i64 = r.get(2)?;
                    *back.entry(r.get(0)?).or_default() += amount;
                    if let Some(cn) = r.get::<_, Option<i64>>(1)? {
                        *back.entry(cn).or_default() -= amount;
                    }
                }
                // Write-offs after the date (migration 0019): open again on the date.
                let mut stmt = d.conn.prepare_cached(
                    "SELECT invoice_id, amount FROM writeoffs INDEXED BY writeoffs_written WHERE written_on > ?1",
                )?;
                let mut rows = stmt.query([&day])?;
                while let Some(r) = rows.next()? {
                    *back.entry(r.get(0)?).or_default() += r.get::<_, i64>(1)?;
                }
            }
            let mut stmt = d.conn.prepare_cached(
                "SELECT id, client_id, currency, due_date, outstanding, issue_date FROM invoices INDEXED BY invoices_open_items
                 WHERE outstanding <> 0 AND issue_date <= ?1",
            )?;
            let mut rows = stmt.query([&day])?;
            let mut cur: (String, Currency) = (String::new(), Currency::EUR);
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let code = r.get_ref(2)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?;
                if code != cur.0 {
                    cur = (code.to_owned(), currency(code)?);
                }
                // The current path has nothing to add back: no hashing per item.
                let open = r.get::<_, i64>(4)? + if back.is_empty() { 0 } else { back.remove(&id).unwrap_or(0) };
                if open == 0 {
                    continue;
                }
                let due = parse_date(r.get_ref(3)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?)?;
                let issued = parse_date(r.get_ref(5)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?)?;
                f(&ItemAt {
                    invoice_id: id,
                    client_id: r.get(1)?,
                    currency: cur.1,
                    issue_date: issued,
                    due_date: due,
                    open,
                })?;
            }
            // Items settled since the date (or issued after it, which are skipped).
            let mut stmt = d.conn.prepare_cached(
                "SELECT client_id, currency, due_date, outstanding, issue_date FROM invoices WHERE id = ?1",
            )?;
            let mut rest: Vec<(i64, i64)> = back.into_iter().filter(|(_, v)| *v != 0).collect();
            rest.sort_unstable();
            for (id, add) in rest {
                let Some((client, code, due, outstanding, issued)) = stmt
                    .query_row([id], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, String>(4)?,
                        ))
                    })
                    .optional()?
                else {
                    continue;
                };
                let issued = parse_date(&issued)?;
                if issued > as_of || outstanding != 0 {
                    // Issued after the date, or still open today and already counted above.
                    continue;
                }
                f(&ItemAt {
                    invoice_id: id,
                    client_id: client,
                    currency: currency(&code)?,
                    issue_date: issued,
                    due_date: parse_date(&due)?,
                    open: add,
                })?;
            }
        }
    }
    Ok(path)
}

/// The replay path: every invoice issued by the date, minus its allocations by the date.
fn replay(d: &Dossier, day: &str, f: &mut impl FnMut(&ItemAt) -> Result<(), StoreError>) -> Result<(), StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT i.id, i.client_id, i.currency, i.due_date, i.issue_date,
                i.receivable
                - coalesce((SELECT sum(a.amount) FROM allocations a INDEXED BY allocations_invoice
                            WHERE a.invoice_id = i.id AND a.applied_on <= ?1), 0)
                + coalesce((SELECT sum(a.amount) FROM allocations a INDEXED BY allocations_credit_note
                            WHERE a.credit_note_id = i.id AND a.applied_on <= ?1), 0)
                - coalesce((SELECT w.amount FROM writeoffs w WHERE w.invoice_id = i.id AND w.written_on <= ?1), 0)
         FROM invoices i WHERE i.issue_date <= ?1",
    )?;
    let mut rows = stmt.query([day])?;
    while let Some(r) = rows.next()? {
        let open: i64 = r.get(5)?;
        if open == 0 {
            continue;
        }
        f(&ItemAt {
            invoice_id: r.get(0)?,
            client_id: r.get(1)?,
            currency: currency(&r.get::<_, String>(2)?)?,
            due_date: parse_date(&r.get::<_, String>(3)?)?,
            issue_date: parse_date(&r.get::<_, String>(4)?)?,
            open,
        })?;
    }
    Ok(())
}

/// Cash received from identified clients and not applied on the date, per client and currency
/// (units, positive), without the zero balances.
pub fn unapplied_as_of(d: &Dossier, as_of: NaiveDate) -> Result<Vec<(i64, Currency, i64)>, StoreError> {
    let day = as_of.to_string();
    let mut per: HashMap<(i64, String), i64> = HashMap::new();
    let mut stmt = d.conn.prepare_cached(
        "SELECT client_id, currency, unallocated FROM payments INDEXED BY payments_unapplied
         WHERE unallocated <> 0 AND client_id IS NOT NULL AND booked_on <= ?1",
    )?;
    let mut rows = stmt.query([&day])?;
    while let Some(r) = rows.next()? {
        *per.entry((r.get(0)?, r.get(1)?)).or_default() += r.get::<_, i64>(2)?;
    }
    // What payments booked by the date had applied only after it.
    let mut stmt = d.conn.prepare_cached(
        "SELECT p.client_id, p.currency, a.amount FROM allocations a INDEXED BY allocations_applied
         JOIN payments p ON p.id = a.payment_id
         WHERE a.applied_on > ?1 AND p.booked_on <= ?1 AND p.client_id IS NOT NULL",
    )?;
    let mut rows = stmt.query([&day])?;
    while let Some(r) = rows.next()? {
        *per.entry((r.get(0)?, r.get(1)?)).or_default() += r.get::<_, i64>(2)?;
    }
    let mut out = Vec::with_capacity(per.len());
    for ((client, code), units) in per {
        if units != 0 {
            out.push((client, currency(&code)?, units));
        }
    }
    out.sort_unstable_by_key(|(c, cur, _)| (*c, *cur));
    Ok(out)
}

/// One row of the month-by-due-date flows (see migration 0005).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    /// Currency.
    pub currency: Currency,
    /// First day of the month of the events.
    pub month: NaiveDate,
    /// Due date of the items.
    pub due_date: NaiveDate,
    /// Change of their open amount in the month (units).
    pub delta: i64,
}

/// Every flow of months up to `last_month` (its first day), by month.
pub fn flows_until(d: &Dossier, last_month: NaiveDate) -> Result<Vec<Flow>, StoreError> {
    let month = last_month.format("%Y-%m").to_string();
    let mut stmt = d.conn.prepare_cached(
        "SELECT currency, month, due_date, delta FROM analytics_flows WHERE month <= ?1 AND delta <> 0
         ORDER BY month",
    )?;
    let mut rows = stmt.query([&month])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let m: String = r.get(1)?;
        out.push(Flow {
            currency: currency(&r.get::<_, String>(0)?)?,
            month: parse_date(&format!("{m}-01"))?,
            due_date: parse_date(&r.get::<_, String>(2)?)?,
            delta: r.get(3)?,
        });
    }
    Ok(out)
}

/// Sales, cash and payment allocations of one day (units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayTotals {
    /// Currency.
    pub currency: Currency,
    /// The day.
    pub day: NaiveDate,
    /// Documents issued (credit notes negative).
    pub sales: i64,
    /// Payments booked from identified clients.
    pub cash: i64,
    /// Payment allocations applied.
    pub paid: i64,
}

/// The daily totals of the days in `from ..= to`, by day.
pub fn days_between(d: &Dossier, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayTotals>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT currency, day, sales, cash, paid FROM analytics_days WHERE day >= ?1 AND day <= ?2 ORDER BY day",
    )?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(DayTotals {
            currency: currency(&r.get::<_, String>(0)?)?,
            day: parse_date(&r.get::<_, String>(1)?)?,
            sales: r.get(2)?,
            cash: r.get(3)?,
            paid: r.get(4)?,
        });
    }
    Ok(out)
}

/// Payments booked in `from ..= to` per identified client and currency (units).
pub fn cash_by_client(d: &Dossier, from: NaiveDate, to: NaiveDate) -> Result<Vec<(i64, Currency, i64)>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT client_id, currency, sum(amount) FROM payments INDEXED BY payments_booked
         WHERE booked_on >= ?1 AND booked_on <= ?2 AND client_id IS NOT NULL GROUP BY client_id, currency",
    )?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((r.get(0)?, currency(&r.get::<_, String>(1)?)?, r.get(2)?));
    }
    Ok(out)
}

/// What the groupings need of a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAttributes {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Segment.
    pub segment: String,
    /// Account owner.
    pub owner: String,
    /// NAF code.
    pub naf: Option<String>,
}

/// Every client's attributes, by id (read from a covering index: no address or contact is read).
pub fn client_attributes(d: &Dossier) -> Result<Vec<ClientAttributes>, StoreError> {
    let mut stmt = d
        .conn
        .prepare_cached("SELECT id, name, segment, owner, naf FROM clients INDEXED BY clients_analytics ORDER BY id")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(ClientAttributes {
            id: r.get(0)?,
            name: r.get(1)?,
            segment: r.get(2)?,
            owner: r.get(3)?,
            naf: r.get(4)?,
        });
    }
    Ok(out)
}

/// Every client's segment, in the compact form of the dashboard's one pass: the distinct segment
/// names and, per client id (ascending), the index of its segment in them. Reading two columns
/// instead of five and comparing each name with the previous one keeps 50,000 clients under a
/// few milliseconds (no string is allocated per client).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientSegments {
    /// Distinct segment names, in order of first appearance.
    pub names: Vec<String>,
    /// `(client id, index in names)`, by client id.
    pub of_client: Vec<(i64, u32)>,
}

impl ClientSegments {
    /// The segment name of a client, if the client exists.
    pub fn name_of(&self, client: i64) -> Option<&str> {
        let k = self.of_client.binary_search_by_key(&client, |(id, _)| *id).ok()?;
        let (_, seg) = self.of_client.get(k)?;
        self.names.get(usize::try_from(*seg).ok()?).map(String::as_str)
    }
}

/// Every client's segment (see [`ClientSegments`]).
pub fn client_segments(d: &Dossier) -> Result<ClientSegments, StoreError> {
    let mut stmt = d.conn.prepare_cached("SELECT id, segment FROM clients INDEXED BY clients_analytics ORDER BY id")?;
    let mut rows = stmt.query([])?;
    let mut out = ClientSegments::default();
    let mut last = 0u32;
    while let Some(r) = rows.next()? {
        let name = r.get_ref(1)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?;
        if out.names.get(last as usize).is_none_or(|n| n != name) {
            last = match out.names.iter().position(|n| n == name) {
                Some(k) => u32::try_from(k).unwrap_or(u32::MAX),
                None => {
                    out.names.push(name.to_owned());
                    u32::try_from(out.names.len() - 1).unwrap_or(u32::MAX)
                }
            };
        }
        out.of_client.push((r.get(0)?, last));
    }
    Ok(out)
}

/// The attributes of the given clients only (the dashboard names its top exposures).
pub fn client_attributes_of(d: &Dossier, ids: &[i64]) -> Result<Vec<ClientAttributes>, StoreError> {
    let mut stmt = d.conn.prepare_cached("SELECT id, name, segment, owner, naf FROM clients WHERE id = ?1")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = stmt
            .query_row([id], |r| {
                Ok(ClientAttributes {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    segment: r.get(2)?,
                    owner: r.get(3)?,
                    naf: r.get(4)?,
                })
            })
            .optional()?;
        out.extend(row);
    }
    Ok(out)
}

/// How a client paid up to a date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PaymentHabit {
    /// Payment allocations to its invoices (units).
    pub paid: i64,
    /// The same, in cents, weighted by days between due date and payment booking (cents × days).
    pub late_cent_days: i64,
    /// Its last payment.
    pub last_payment: Option<NaiveDate>,
}

/// Every client's payment habit on `as_of`: from the aggregate kept by triggers when the date is
/// on or after the last event, else recomputed from the payments booked by the date.
pub fn payment_habits(d: &Dossier, as_of: NaiveDate) -> Result<HashMap<i64, PaymentHabit>, StoreError> {
    let current = last_event_date(d)?.is_none_or(|last| last <= as_of);
    let mut out = HashMap::new();
    let sql = if current {
        "SELECT client_id, paid, late_cent_days, last_payment FROM analytics_clients"
    } else {
        "SELECT client_id, sum(paid), sum(late), max(last) FROM (
             SELECT i.client_id AS client_id, a.amount AS paid,
                    (a.amount / 1000) * CAST(julianday(p.booked_on) - julianday(i.due_date) AS INTEGER) AS late,
                    NULL AS last
             FROM allocations a JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id
             WHERE p.booked_on <= ?1 AND a.applied_on <= ?1
             UNION ALL
             SELECT client_id, 0, 0, booked_on FROM payments INDEXED BY payments_booked
             WHERE booked_on <= ?1 AND client_id IS NOT NULL
         ) GROUP BY client_id"
    };
    let mut stmt = d.conn.prepare_cached(sql)?;
    let mut rows = if current { stmt.query([])? } else { stmt.query([as_of.to_string()])? };
    while let Some(r) = rows.next()? {
        let last: Option<String> = r.get(3)?;
        out.insert(
            r.get::<_, i64>(0)?,
            PaymentHabit {
                paid: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                late_cent_days: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                last_payment: last.as_deref().filter(|s| !s.is_empty()).map(parse_date).transpose()?,
            },
        );
    }
    Ok(out)
}

/// [`payment_habits`] as a vector sorted by client id (what a pass over clients in id order
/// merges with, without a hash map of every client): from the aggregate kept by triggers when the
/// date is on or after the last event, else recomputed from the payments booked by the date.
pub fn payment_habits_by_client(d: &Dossier, as_of: NaiveDate) -> Result<Vec<(i64, PaymentHabit)>, StoreError> {
    let current = last_event_date(d)?.is_none_or(|last| last <= as_of);
    if !current {
        let mut v: Vec<(i64, PaymentHabit)> = payment_habits(d, as_of)?.into_iter().collect();
        v.sort_unstable_by_key(|(id, _)| *id);
        return Ok(v);
    }
    let mut stmt = d.conn.prepare_cached(
        "SELECT client_id, paid, late_cent_days, last_payment FROM analytics_clients ORDER BY client_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let last = match r.get_ref(3)? {
            rusqlite::types::ValueRef::Text(t) if !t.is_empty() => {
                Some(parse_date(std::str::from_utf8(t).map_err(|e| StoreError::Decode(e.to_string()))?)?)
            }
            _ => None,
        };
        out.push((
            r.get::<_, i64>(0)?,
            PaymentHabit {
                paid: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                late_cent_days: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                last_payment: last,
            },
        ));
    }
    Ok(out)
}

/// A dispute as the analytics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisputeRow {
    /// Id.
    pub id: i64,
    /// Client.
    pub client_id: i64,
    /// Opened on.
    pub opened_on: NaiveDate,
    /// Resolved on.
    pub resolved_on: Option<NaiveDate>,
    /// Reason category (`price`, `quantity`…).
    pub reason: String,
    /// Currency.
    pub currency: Currency,
    /// Disputed amount (units).
    pub amount: i64,
    /// The invoices it concerns.
    pub invoice_ids: Vec<i64>,
}

fn dispute_rows(d: &Dossier, sql: &str, args: &[&str]) -> Result<Vec<DisputeRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let resolved: Option<String> = r.get(3)?;
        out.push(DisputeRow {
            id: r.get(0)?,
            client_id: r.get(1)?,
            opened_on: parse_date(&r.get::<_, String>(2)?)?,
            resolved_on: resolved.as_deref().map(parse_date).transpose()?,
            reason: r.get(4)?,
            currency: currency(&r.get::<_, String>(5)?)?,
            amount: r.get(6)?,
            invoice_ids: Vec::new(),
        });
    }
    let mut inv = d.conn.prepare_cached("SELECT invoice_id FROM dispute_invoices WHERE dispute_id = ?1")?;
    for row in &mut out {
        row.invoice_ids = inv.query_map([row.id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    }
    Ok(out)
}

/// [`dispute_rows`] when the invoices come in the same statement, one row per (dispute, invoice)
/// ordered by dispute (a query per dispute cost ~5 ms for the 2,000 open disputes of the 2M demo).
fn dispute_rows_joined(d: &Dossier, sql: &str, args: &[&str]) -> Result<Vec<DisputeRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
    let mut out: Vec<DisputeRow> = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let invoice: Option<i64> = r.get(7)?;
        if out.last().is_none_or(|last| last.id != id) {
            let resolved: Option<String> = r.get(3)?;
            out.push(DisputeRow {
                id,
                client_id: r.get(1)?,
                opened_on: parse_date(&r.get::<_, String>(2)?)?,
                resolved_on: resolved.as_deref().map(parse_date).transpose()?,
                reason: r.get(4)?,
                currency: currency(&r.get::<_, String>(5)?)?,
                amount: r.get(6)?,
                invoice_ids: Vec::new(),
            });
        }
        if let (Some(row), Some(invoice)) = (out.last_mut(), invoice) {
            row.invoice_ids.push(invoice);
        }
    }
    Ok(out)
}

/// Disputes open on the date (opened by then, not resolved by then), with their invoices.
pub fn disputes_open_at(d: &Dossier, as_of: NaiveDate) -> Result<Vec<DisputeRow>, StoreError> {
    let day = as_of.to_string();
    // Each branch walks the disputes by their index (a LEFT JOIN keeps them the outer loop, so
    // the order is the one of a query without the invoices) and joins each one's invoices by their
    // key: the invoices of one dispute follow each other.
    dispute_rows_joined(
        d,
        "SELECT x.id, x.client_id, x.opened_on, x.resolved_on, x.reason, x.currency, x.disputed_amount, di.invoice_id
         FROM disputes x INDEXED BY disputes_resolved LEFT JOIN dispute_invoices di ON di.dispute_id = x.id
         WHERE x.resolved_on IS NULL AND x.opened_on <= ?1
         UNION ALL
         SELECT x.id, x.client_id, x.opened_on, x.resolved_on, x.reason, x.currency, x.disputed_amount, di.invoice_id
         FROM disputes x INDEXED BY disputes_resolved LEFT JOIN dispute_invoices di ON di.dispute_id = x.id
         WHERE x.resolved_on > ?1 AND x.opened_on <= ?1",
        &[&day],
    )
}

/// Disputes resolved in `from ..= to`.
pub fn disputes_resolved_between(d: &Dossier, from: NaiveDate, to: NaiveDate) -> Result<Vec<DisputeRow>, StoreError> {
    dispute_rows(
        d,
        "SELECT id, client_id, opened_on, resolved_on, reason, currency, disputed_amount FROM disputes
         INDEXED BY disputes_resolved WHERE resolved_on >= ?1 AND resolved_on <= ?2",
        &[&from.to_string(), &to.to_string()],
    )
}

/// How long the disputes resolved in `from ..= to` took: `(count, total days from opening to
/// resolution)`. The key figures need only that: no invoice list is read.
pub fn dispute_resolution_between(d: &Dossier, from: NaiveDate, to: NaiveDate) -> Result<(u64, i64), StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT opened_on, resolved_on FROM disputes INDEXED BY disputes_resolved
         WHERE resolved_on >= ?1 AND resolved_on <= ?2",
    )?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string()])?;
    let (mut n, mut days) = (0u64, 0i64);
    while let Some(r) = rows.next()? {
        let opened = parse_date(r.get_ref(0)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?)?;
        let resolved = parse_date(r.get_ref(1)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?)?;
        n += 1;
        days += (resolved - opened).num_days();
    }
    Ok((n, days))
}

/// Promises whose promised date is in `from ..= to`, made by `made_by`: `(count, kept)` as
/// recorded (the key figures' promise-kept rate; no invoice list is read).
pub fn promises_kept_between(
    d: &Dossier,
    from: NaiveDate,
    to: NaiveDate,
    made_by: NaiveDate,
) -> Result<(u64, u64), StoreError> {
    let (n, kept): (i64, i64) = d
        .conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(state = 'kept'), 0) FROM promises INDEXED BY promises_due
             WHERE promised_for >= ?1 AND promised_for <= ?2 AND made_on <= ?3",
        )?
        .query_row(params![from.to_string(), to.to_string(), made_by.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((u64::try_from(n).unwrap_or(0), u64::try_from(kept).unwrap_or(0)))
}

/// A promise to pay as the analytics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromiseRow {
    /// Id.
    pub id: i64,
    /// Client.
    pub client_id: i64,
    /// Made on.
    pub made_on: NaiveDate,
    /// Promised for.
    pub promised_for: NaiveDate,
    /// Currency.
    pub currency: Currency,
    /// Amount (units).
    pub amount: i64,
    /// `pending`, `kept` or `broken` as recorded.
    pub state: String,
    /// The invoices it names.
    pub invoice_ids: Vec<i64>,
}

/// Promises whose promised date is in `from ..= to` and that were made by `made_by`.
pub fn promises_between(
    d: &Dossier,
    from: NaiveDate,
    to: NaiveDate,
    made_by: NaiveDate,
) -> Result<Vec<PromiseRow>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, client_id, made_on, promised_for, currency, amount, state FROM promises INDEXED BY promises_due
         WHERE promised_for >= ?1 AND promised_for <= ?2 AND made_on <= ?3",
    )?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string(), made_by.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(PromiseRow {
            id: r.get(0)?,
            client_id: r.get(1)?,
            made_on: parse_date(&r.get::<_, String>(2)?)?,
            promised_for: parse_date(&r.get::<_, String>(3)?)?,
            currency: currency(&r.get::<_, String>(4)?)?,
            amount: r.get(5)?,
            state: r.get(6)?,
            invoice_ids: Vec::new(),
        });
    }
    let mut inv = d.conn.prepare_cached("SELECT invoice_id FROM promise_invoices WHERE promise_id = ?1")?;
    for row in &mut out {
        row.invoice_ids = inv.query_map([row.id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    }
    Ok(out)
}

/// Reminders that went out with the date they were planned in `from ..= to`: `(automatic, by hand)`.
///
/// Automatic: an email or SMS of a scenario step that needs nobody's validation, sent by the run.
/// By hand: everything a person had to do or approve — a step that needed validation (mise en
/// demeure…), a letter or registered letter to print and post, a phone call (collections-anchors
/// (d), "share of reminders sent automatically vs by hand"). Cancelled, failed and not yet sent
/// actions are not reminders that went out; a call counts once made (its task done), whatever
/// its outcome.
pub fn reminders_sent_between(d: &Dossier, from: NaiveDate, to: NaiveDate) -> Result<(u64, u64), StoreError> {
    let (automatic, by_hand): (i64, i64) = d.conn.query_row(
        "SELECT coalesce(sum(needs_validation = 0 AND channel IN ('email', 'sms')), 0),
                coalesce(sum(NOT (needs_validation = 0 AND channel IN ('email', 'sms'))), 0)
         FROM dunning_actions INDEXED BY dunning_actions_state
         WHERE state = 'sent' AND planned_on >= ?1 AND planned_on <= ?2 AND channel <> 'phone'",
        params![from.to_string(), to.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let calls: i64 = d.conn.query_row(
        "SELECT count(*) FROM phone_tasks WHERE state = 'done' AND substr(done_at, 1, 10) >= ?1
         AND substr(done_at, 1, 10) <= ?2",
        params![from.to_string(), to.to_string()],
        |r| r.get(0),
    )?;
    Ok((u64::try_from(automatic).unwrap_or(0), u64::try_from(by_hand + calls).unwrap_or(0)))
}

/// Invoices whose collection a status had stopped by the date (210 Refusée, 213 Rejetée, 220
/// Annulée, legal-rules B.2).
pub fn stopped_invoices(d: &Dossier, as_of: NaiveDate) -> Result<HashSet<i64>, StoreError> {
    // Statuses are date-times: everything on the as-of day counts.
    let until = format!("{as_of}T99");
    let mut stmt = d.conn.prepare_cached(
        "SELECT invoice_id FROM status_events INDEXED BY status_events_stop
         WHERE code IN (210, 213, 220) AND at < ?1",
    )?;
    let ids = stmt.query_map([until], |r| r.get(0))?.collect::<Result<HashSet<i64>, _>>()?;
    Ok(ids)
}

/// An invoice with the fields the compliance report needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceFacts {
    /// Id.
    pub id: i64,
    /// Client.
    pub client_id: i64,
    /// BT-1 number.
    pub number: String,
    /// `invoice`, `credit_note`…
    pub kind: String,
    /// Currency.
    pub currency: Currency,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// BT-109 total excluding VAT (units).
    pub tax_basis_total: i64,
    /// BT-112 total including VAT (units).
    pub grand_total: i64,
    /// What it adds to the balance (units).
    pub receivable: i64,
}

const FACTS: &str = "SELECT id, client_id, number, kind, currency, issue_date, due_date, tax_basis_total, grand_total,
                            receivable FROM invoices";

fn facts(r: &rusqlite::Row<'_>) -> Result<InvoiceFacts, StoreError> {
    Ok(InvoiceFacts {
        id: r.get(0)?,
        client_id: r.get(1)?,
        number: r.get(2)?,
        kind: r.get(3)?,
        currency: currency(&r.get::<_, String>(4)?)?,
        issue_date: parse_date(&r.get::<_, String>(5)?)?,
        due_date: parse_date(&r.get::<_, String>(6)?)?,
        tax_basis_total: r.get(7)?,
        grand_total: r.get(8)?,
        receivable: r.get(9)?,
    })
}

/// Calls `f` with every document issued in `from ..= to`, by issue date.
pub fn for_each_invoice_issued(
    d: &Dossier,
    from: NaiveDate,
    to: NaiveDate,
    mut f: impl FnMut(InvoiceFacts) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!(
        "{FACTS} INDEXED BY invoices_issued WHERE issue_date >= ?1 AND issue_date <= ?2 ORDER BY issue_date, id"
    ))?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string()])?;
    while let Some(r) = rows.next()? {
        f(facts(r)?)?;
    }
    Ok(())
}

/// Calls `f` with every document, in table order: one sequential read of the table, the fastest
/// way through millions of rows when most of them are needed (reading a year of invoices by the
/// issue-date index fetched every row apart: 15–35 s at 2,000,000 invoices).
pub fn for_each_invoice(
    d: &Dossier,
    mut f: impl FnMut(InvoiceFacts) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!("{FACTS} NOT INDEXED"))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        f(facts(r)?)?;
    }
    Ok(())
}

/// One document's dates and amount, as [`for_each_invoice_dated`] reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvoiceDates {
    /// Id.
    pub id: i64,
    /// Client.
    pub client_id: i64,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// What it adds to the balance (units).
    pub receivable: i64,
}

/// Calls `f` with every document in `cur` issued in `from ..= to`, in no particular order. The
/// compliance report needs every invoice of a year for its terms check, and the facts of only a
/// few. Two index-only reads instead of the table (a sequential read of the whole table took 5–6 s
/// at 2,000,000 invoices, most of it decrypting pages of columns nobody reads): the year's ids and
/// amounts from `invoices_issued` (issue date, currency, amount), then their client and dates from
/// `invoices_scoring_days` (migration 0022, dates as day numbers), matched by id.
pub fn for_each_invoice_dated(
    d: &Dossier,
    cur: Currency,
    from: NaiveDate,
    to: NaiveDate,
    mut f: impl FnMut(InvoiceDates) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    const EPOCH_FROM_CE: i64 = 719_163;
    let _read = read_snapshot(d)?;
    // The same text range the table scan compared: SQLite compares TEXT with memcmp, as `str` does.
    let mut year: HashMap<i64, i64> = HashMap::new();
    let mut stmt = d.conn.prepare_cached(ISSUED_SQL)?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string(), cur.code()])?;
    while let Some(r) = rows.next()? {
        year.insert(r.get(0)?, r.get(1)?);
    }
    if year.is_empty() {
        return Ok(());
    }
    let day = |r: &rusqlite::Row<'_>, i: usize| -> Result<NaiveDate, StoreError> {
        // NULL: a stored date that is not a date, an error as parsing its text was.
        let days: Option<i64> = r.get(i)?;
        days.and_then(|n| i32::try_from(n + EPOCH_FROM_CE).ok())
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(|| StoreError::Decode(format!("not a date (day {days:?})")))
    };
    let mut stmt = d.conn.prepare_cached(DATES_SQL)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(receivable) = year.remove(&r.get::<_, i64>(0)?) else { continue };
        f(InvoiceDates {
            id: r.get(0)?,
            client_id: r.get(1)?,
            issue_date: day(r, 2)?,
            due_date: day(r, 3)?,
            receivable,
        })?;
        if year.is_empty() {
            break;
        }
    }
    if let Some(id) = year.keys().next() {
        return Err(StoreError::Decode(format!("invoice {id} is missing from invoices_scoring_days")));
    }
    Ok(())
}

/// What the compliance report's terms check needs of the documents in `cur` issued in
/// `from ..= to`: how many add to the balance (`receivable > 0`), the sum of what they add (the
/// sales of the period, credit notes included), and those adding to it whose due date is more
/// than `longer_than` days after their issue date, in no particular order. The count and sum are
/// one aggregate over `invoices_issued`; the long terms come from one pass over
/// `invoices_scoring_days` filtered inside SQLite, so that only those rows reach Rust and only
/// they are read from the table (by id, to check the stored text dates, currency and amount
/// exactly as the table scan did). Reading every document of the year into Rust took 5–6 s from
/// the table and still 1.2 s from the two indexes at 2,000,000 invoices.
pub fn year_terms(
    d: &Dossier,
    cur: Currency,
    from: NaiveDate,
    to: NaiveDate,
    longer_than: i64,
) -> Result<(u64, i64, Vec<InvoiceDates>), StoreError> {
    use chrono::Datelike;
    const EPOCH_FROM_CE: i64 = 719_163;
    let _read = read_snapshot(d)?;
    let (lo, hi) = (from.to_string(), to.to_string());
    let (positive, sum): (i64, i64) =
        d.conn.prepare_cached(YEAR_SQL)?.query_row(params![lo, hi, cur.code()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    // The day range holds every date of the text range (a text date in [lo, hi] has its first ten
    // characters in it); a date that is not one (NULL day) is kept and judged on its text below.
    let day = |n: NaiveDate| i64::from(n.num_days_from_ce()) - EPOCH_FROM_CE;
    let mut ids = Vec::new();
    let mut stmt = d.conn.prepare_cached(LONG_TERMS_SQL)?;
    let mut rows = stmt.query(params![day(from), day(to), longer_than])?;
    while let Some(r) = rows.next()? {
        ids.push(r.get::<_, i64>(0)?);
    }
    ids.sort_unstable();
    let mut long = Vec::with_capacity(ids.len());
    let mut stmt = d
        .conn
        .prepare_cached("SELECT client_id, issue_date, due_date, currency, receivable FROM invoices WHERE id = ?1")?;
    for id in ids {
        let mut rows = stmt.query([id])?;
        let Some(r) = rows.next()? else { continue };
        let issued = r.get_ref(1)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?;
        if issued < lo.as_str() || issued > hi.as_str() {
            continue;
        }
        if r.get_ref(3)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))? != cur.code() {
            continue;
        }
        let issue_date = parse_date(issued)?;
        let due_date = parse_date(r.get_ref(2)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?)?;
        let receivable: i64 = r.get(4)?;
        if receivable > 0 && (due_date - issue_date).num_days() > longer_than {
            long.push(InvoiceDates { id, client_id: r.get(0)?, issue_date, due_date, receivable });
        }
    }
    Ok((u64::try_from(positive).unwrap_or(0), sum, long))
}

// The count and sum of the period's documents, from the issue-date index alone.
const YEAR_SQL: &str = "SELECT coalesce(sum(receivable > 0), 0), coalesce(sum(receivable), 0) \
     FROM invoices INDEXED BY invoices_issued WHERE issue_date >= ?1 AND issue_date <= ?2 AND currency = ?3";
// Migration 0022's expressions word for word (read from the index, never the table); `IS NOT 0`
// keeps a row whose date is not a date (NULL), which the text check then judges.
const LONG_TERMS_SQL: &str = "SELECT id FROM invoices INDEXED BY invoices_scoring_days \
     WHERE (unixepoch(substr(issue_date, 1, 10)) / 86400 >= ?1 \
       AND unixepoch(substr(issue_date, 1, 10)) / 86400 <= ?2 \
       AND unixepoch(substr(due_date, 1, 10)) / 86400 - unixepoch(substr(issue_date, 1, 10)) / 86400 > ?3) IS NOT 0";

// The year's documents from the issue-date index alone (its key holds all three columns).
const ISSUED_SQL: &str = "SELECT id, receivable FROM invoices INDEXED BY invoices_issued \
     WHERE issue_date >= ?1 AND issue_date <= ?2 AND currency = ?3";
// Migration 0022's expressions word for word: SQLite reads them from the index, never the table.
const DATES_SQL: &str = "SELECT id, client_id, unixepoch(substr(issue_date, 1, 10)) / 86400, \
     unixepoch(substr(due_date, 1, 10)) / 86400 FROM invoices INDEXED BY invoices_scoring_days";

/// [`for_each_invoice_dated`] as it was, one sequential read of the whole table: the reference
/// the tests compare the index reads with.
pub fn for_each_invoice_dated_scan(
    d: &Dossier,
    cur: Currency,
    from: NaiveDate,
    to: NaiveDate,
    mut f: impl FnMut(InvoiceDates) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let (lo, hi) = (from.to_string(), to.to_string());
    let mut stmt = d
        .conn
        .prepare_cached("SELECT id, client_id, issue_date, due_date, currency, receivable FROM invoices NOT INDEXED")?;
    let mut rows = stmt.query([])?;
    let code = cur.code();
    while let Some(r) = rows.next()? {
        let issued = r.get_ref(2)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?;
        if issued < lo.as_str() || issued > hi.as_str() {
            continue;
        }
        if r.get_ref(4)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))? != code {
            continue;
        }
        let issue_date = parse_date(issued)?;
        let due_date = parse_date(r.get_ref(3)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))?)?;
        f(InvoiceDates { id: r.get(0)?, client_id: r.get(1)?, issue_date, due_date, receivable: r.get(5)? })?;
    }
    Ok(())
}

/// The facts of one invoice.
pub fn invoice_facts(d: &Dossier, id: i64) -> Result<Option<InvoiceFacts>, StoreError> {
    let mut stmt = d.conn.prepare_cached(&format!("{FACTS} WHERE id = ?1"))?;
    let mut rows = stmt.query([id])?;
    rows.next()?.map(facts).transpose()
}

/// The triggers that keep the aggregates (migration 0005) are named with this prefix.
const TRIGGER_PREFIX: &str = "analytics_";

/// The aggregates of migration 0005 rebuilt from the whole ledger with set-based statements (the
/// migration's own), for a bulk load that ran without the triggers.
const REBUILD_AGGREGATES: &str = "
DELETE FROM analytics_flows;
DELETE FROM analytics_days;
DELETE FROM analytics_clients;
INSERT INTO analytics_flows (currency, month, due_date, delta)
SELECT currency, month, due_date, sum(delta) FROM (
    SELECT currency, substr(issue_date, 1, 7) AS month, due_date, receivable AS delta FROM invoices
    UNION ALL
    SELECT i.currency, substr(a.applied_on, 1, 7), i.due_date, -a.amount
    FROM allocations a JOIN invoices i ON i.id = a.invoice_id
    UNION ALL
    SELECT c.currency, substr(a.applied_on, 1, 7), c.due_date, a.amount
    FROM allocations a JOIN invoices c ON c.id = a.credit_note_id
    UNION ALL
    SELECT i.currency, substr(w.written_on, 1, 7), i.due_date, -w.amount
    FROM writeoffs w JOIN invoices i ON i.id = w.invoice_id
) GROUP BY currency, month, due_date;
INSERT INTO analytics_days (currency, day, sales, cash, paid, allocations)
SELECT currency, day, sum(sales), sum(cash), sum(paid), sum(n) FROM (
    SELECT currency, issue_date AS day, receivable AS sales, 0 AS cash, 0 AS paid, 0 AS n FROM invoices
    UNION ALL
    SELECT currency, booked_on, 0, amount, 0, 0 FROM payments WHERE client_id IS NOT NULL
    UNION ALL
    SELECT currency, applied_on, 0, 0, CASE WHEN payment_id IS NULL THEN 0 ELSE amount END, 1 FROM allocations
    UNION ALL
    SELECT currency, written_on, 0, 0, 0, 0 FROM writeoffs
) GROUP BY currency, day;
INSERT INTO analytics_clients (client_id, paid, late_cent_days, last_payment)
SELECT i.client_id, sum(a.amount),
       sum((a.amount / 1000) * CAST(julianday(p.booked_on) - julianday(i.due_date) AS INTEGER)), NULL
FROM allocations a JOIN invoices i ON i.id = a.invoice_id JOIN payments p ON p.id = a.payment_id
GROUP BY i.client_id;
INSERT INTO analytics_clients (client_id, last_payment)
SELECT client_id, max(booked_on) FROM payments WHERE client_id IS NOT NULL GROUP BY client_id
ON CONFLICT (client_id) DO UPDATE SET last_payment = excluded.last_payment;
DELETE FROM analytics_open;
DELETE FROM analytics_open_clients;
DELETE FROM analytics_open_habits;
INSERT INTO analytics_open (currency, segment, due_date, items, open, invoices, positive, terms)
SELECT i.currency, coalesce(c.segment, ''), i.due_date, count(*), sum(i.outstanding), sum(i.outstanding > 0),
       sum(max(i.outstanding, 0)),
       sum(CASE WHEN i.outstanding > 0
           THEN i.outstanding * CAST(julianday(i.due_date) - julianday(i.issue_date) AS INTEGER) ELSE 0 END)
FROM invoices i LEFT JOIN clients c ON c.id = i.client_id
WHERE i.outstanding <> 0 GROUP BY 1, 2, 3;

INSERT INTO analytics_open_clients (client_id, currency, items, open, unapplied, net, oldest_due)
SELECT client_id, currency, sum(items), sum(open), sum(unapplied), sum(open) - sum(unapplied), min(oldest) FROM (
    SELECT client_id, currency, count(*) AS items, sum(outstanding) AS open, 0 AS unapplied,
           min(CASE WHEN outstanding > 0 THEN due_date END) AS oldest
    FROM invoices WHERE outstanding <> 0 GROUP BY client_id, currency
    UNION ALL
    SELECT client_id, currency, 0, 0, sum(unallocated), NULL FROM payments
    WHERE unallocated <> 0 AND client_id IS NOT NULL GROUP BY client_id, currency
) GROUP BY client_id, currency;

INSERT INTO analytics_open_habits (currency, late, due_date, invoices, positive)
SELECT i.currency,
       CASE WHEN coalesce(h.paid, 0) <= 0 THEN 1000000
            WHEN h.late_cent_days < 0 THEN -((2 * (-h.late_cent_days) * 1000 + h.paid) / (2 * h.paid))
            ELSE (2 * h.late_cent_days * 1000 + h.paid) / (2 * h.paid) END,
       i.due_date, count(*), sum(i.outstanding)
FROM invoices i LEFT JOIN analytics_clients h ON h.client_id = i.client_id
WHERE i.outstanding > 0 GROUP BY 1, 2, 3;

DELETE FROM analytics_counts;
INSERT INTO analytics_counts (name, n) VALUES
    ('clients', (SELECT count(*) FROM clients)),
    ('invoices', (SELECT count(*) FROM invoices)),
    ('payments', (SELECT count(*) FROM payments));

DELETE FROM scoring_packs;
UPDATE scoring_pack_epoch SET n = n + 1;
";

/// Drops the triggers that keep the aggregates, inside the caller's transaction, and returns
/// their definitions for [`rebuild_aggregates`]. Read from the schema itself, so that the
/// triggers come back exactly as the dossier's migrations made them.
pub(crate) fn drop_aggregate_triggers(conn: &rusqlite::Connection) -> Result<Vec<String>, StoreError> {
    let triggers: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, 10) = ?1")?
        .query_map([TRIGGER_PREFIX], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &triggers {
        conn.execute_batch(&format!("DROP TRIGGER \"{}\";", name.replace('"', "\"\"")))?;
    }
    Ok(triggers.into_iter().map(|(_, sql)| sql).collect())
}

/// Rebuilds the aggregates from the whole ledger and re-creates the triggers dropped by
/// [`drop_aggregate_triggers`], inside the caller's transaction: after it, the aggregates are
/// what the triggers would have kept row by row.
pub(crate) fn rebuild_aggregates(conn: &rusqlite::Connection, triggers: &[String]) -> Result<(), StoreError> {
    conn.execute_batch(REBUILD_AGGREGATES)?;
    for sql in triggers {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

/// Every row of the aggregates (migrations 0005, 0019 and 0021), sorted, as text (for tests comparing two dossiers, or a
/// dossier with its aggregates rebuilt from scratch).
pub fn aggregates_dump(d: &Dossier) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for sql in [
        "SELECT currency || ' ' || month || ' ' || due_date || ' ' || delta FROM analytics_flows
         WHERE delta <> 0 ORDER BY 1",
        "SELECT currency || ' ' || day || ' ' || sales || ' ' || cash || ' ' || paid || ' ' || allocations
         FROM analytics_days WHERE sales <> 0 OR cash <> 0 OR paid <> 0 OR allocations <> 0 ORDER BY 1",
        "SELECT client_id || ' ' || paid || ' ' || late_cent_days || ' ' || coalesce(last_payment, '-')
         FROM analytics_clients ORDER BY client_id",
        "SELECT currency || ' ' || segment || ' ' || due_date || ' ' || items || ' ' || open || ' ' || invoices
         || ' ' || positive || ' ' || terms FROM analytics_open
         WHERE items <> 0 OR open <> 0 OR invoices <> 0 OR positive <> 0 OR terms <> 0 ORDER BY 1",
        "SELECT client_id || ' ' || currency || ' ' || items || ' ' || open || ' ' || unapplied || ' ' || net
         || ' ' || coalesce(oldest_due, '-') FROM analytics_open_clients
         WHERE items <> 0 OR open <> 0 OR unapplied <> 0 OR net <> 0 OR oldest_due IS NOT NULL ORDER BY 1",
        "SELECT currency || ' ' || late || ' ' || due_date || ' ' || invoices || ' ' || positive
         FROM analytics_open_habits WHERE invoices <> 0 OR positive <> 0 ORDER BY 1",
        "SELECT name || ' ' || n FROM analytics_counts WHERE n <> 0 ORDER BY 1",
    ] {
        let mut stmt = d.conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(out)
}

const VIEWS_TABLE: &str = "CREATE TABLE IF NOT EXISTS analytics_views (
    kind TEXT NOT NULL, as_of TEXT NOT NULL, ledger_seq INTEGER NOT NULL, code TEXT NOT NULL, json TEXT NOT NULL,
    PRIMARY KEY (kind, as_of)) WITHOUT ROWID;";

/// The ledger's version: the sequence number of its last audit entry (every ledger change writes
/// one in its own transaction, so a materialised figure of an older version is stale).
pub fn ledger_version(d: &Dossier) -> Result<i64, StoreError> {
    Ok(d.conn.prepare_cached("SELECT coalesce(max(seq), 0) FROM audit_log")?.query_row([], |r| r.get(0))?)
}

/// A materialised view (`kind`, e.g. `dashboard`) of a date, if it was computed for this ledger
/// version by this `code` (the computation's version). A dossier without the table is a miss.
pub fn materialised(d: &Dossier, kind: &str, as_of: NaiveDate, code: &str) -> Result<Option<String>, StoreError> {
    let version = ledger_version(d)?;
    let Ok(mut stmt) = d.conn.prepare_cached(
        "SELECT json FROM analytics_views WHERE kind = ?1 AND as_of = ?2 AND ledger_seq = ?3 AND code = ?4",
    ) else {
        return Ok(None);
    };
    Ok(stmt.query_row(params![kind, as_of.to_string(), version, code], |r| r.get(0)).optional()?)
}

/// Keeps a materialised view of a date for the current ledger version (derived data, not
/// audited). Views of other dates older than 60 days are dropped on the way.
pub fn materialise(d: &Dossier, kind: &str, as_of: NaiveDate, code: &str, json: &str) -> Result<(), StoreError> {
    let version = ledger_version(d)?;
    // The table came with schema 5 after its first version: a dossier migrated in between gets it
    // here (the same definition as in 0005_analytics.sql).
    d.conn.execute_batch(VIEWS_TABLE)?;
    d.conn
        .prepare_cached(
            "INSERT INTO analytics_views (kind, as_of, ledger_seq, code, json) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (kind, as_of) DO UPDATE SET ledger_seq = excluded.ledger_seq, code = excluded.code,
             json = excluded.json",
        )?
        .execute(params![kind, as_of.to_string(), version, code, json])?;
    let stale = as_of.checked_sub_days(chrono::Days::new(60)).unwrap_or(as_of);
    d.conn.prepare_cached("DELETE FROM analytics_views WHERE as_of < ?1")?.execute([stale.to_string()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_fast_and_refuse_garbage() {
        assert_eq!(parse_date("2026-11-23").unwrap(), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(parse_date("2026-11-23T10:00:00").unwrap(), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        for bad in ["", "2026-1-23", "2026-13-01", "2026-02-30", "abcd-ef-gh", "2026/11/23"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_years_invoices_are_read_from_indexes_only() {
        // The compliance report's two reads must never fetch a table row (that read of the whole
        // table was the report's 5–6 s at 2,000,000 invoices): the plan names the index, and no
        // `Column` opcode reads from a table cursor (an index cursor's OpenRead carries `k(…)`).
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let keys = crate::KeySource::Environment(
            crate::DossierKey::from_hex(&"5a".repeat(32)).unwrap_or_else(|e| panic!("{e}")),
        );
        let siren = encours_domain::Siren::parse("552081317").unwrap_or_else(|e| panic!("{e}"));
        let at = NaiveDate::from_ymd_opt(2026, 11, 24).and_then(|d| d.and_hms_opt(9, 0, 0)).unwrap_or_default();
        let d =
            Dossier::create(&dir.path().join("t.encours"), &siren, "T", &keys, at).unwrap_or_else(|e| panic!("{e}"));
        for (sql, index, args) in [
            (ISSUED_SQL, "invoices_issued", vec!["2025-11-25", "2026-11-24", "EUR"]),
            (DATES_SQL, "invoices_scoring_days", vec![]),
            (YEAR_SQL, "invoices_issued", vec!["2025-11-25", "2026-11-24", "EUR"]),
            (LONG_TERMS_SQL, "invoices_scoring_days", vec!["20417", "20781", "60"]),
        ] {
            let plan: Vec<String> = d
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .and_then(|mut s| s.query_map(rusqlite::params_from_iter(&args), |r| r.get(3))?.collect())
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(plan.len() == 1 && plan[0].contains(&format!("INDEX {index}")), "{sql}: {plan:?}");
            let ops: Vec<(String, i64, String)> = d
                .conn
                .prepare(&format!("EXPLAIN {sql}"))
                .and_then(|mut s| {
                    s.query_map(rusqlite::params_from_iter(&args), |r| {
                        Ok((r.get(1)?, r.get(2)?, r.get::<_, Option<String>>(5)?.unwrap_or_default()))
                    })?
                    .collect()
                })
                .unwrap_or_else(|e| panic!("{e}"));
            let tables: Vec<i64> =
                ops.iter().filter(|(op, _, p4)| op == "OpenRead" && !p4.starts_with("k(")).map(|o| o.1).collect();
            assert!(ops.iter().any(|(op, _, _)| op == "Column"), "{sql}: {ops:?}");
            let from_table: Vec<_> = ops.iter().filter(|(op, c, _)| op == "Column" && tables.contains(c)).collect();
            assert!(from_table.is_empty(), "{sql} reads the table: {from_table:?}");
        }
    }
}
