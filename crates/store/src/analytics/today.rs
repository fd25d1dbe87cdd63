//! The open items of the ledger's own day, read from the aggregates of migration 0019 instead of
//! item by item.
//!
//! On a date on or after the ledger's last dated event ([`super::is_current`]) every open amount
//! is the invoice's `outstanding`; the triggers of migration 0019 keep, in the same transaction as
//! every change of it, three aggregates of `outstanding`: per currency, segment and due date
//! ([`open_by_due`]), per client and currency ([`top_net_balances`], [`stalled_candidates`]) and
//! per currency, client habit and due date ([`open_by_habit`]). A few thousand rows replace the
//! ~200,000 open items of a 2,000,000-invoice ledger; the items of a handful of clients and
//! invoices (the largest exposures, promises, disputes, stopped invoices, stalled clients) are
//! read through the covering index `invoices_open_items`.

use chrono::NaiveDate;
use encours_domain::Currency;
use rusqlite::OptionalExtension;

use super::{currency, parse_date, ItemAt};
use crate::dossier::Dossier;
use crate::error::StoreError;

/// The `late` of [`open_by_habit`] for a client that never paid: the portfolio's average applies.
pub const NO_HABIT: i64 = 1_000_000;

fn text<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> Result<&'a str, StoreError> {
    r.get_ref(i)?.as_str().map_err(|e| StoreError::Decode(e.to_string()))
}

/// Open items of one currency, segment and due date (units).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenByDue {
    /// Currency.
    pub currency: Currency,
    /// Index of the segment in the names returned alongside.
    pub segment: u32,
    /// Due date.
    pub due_date: NaiveDate,
    /// Open items (invoices and credit notes).
    pub items: u64,
    /// Their open amount.
    pub open: i64,
    /// Open items with a positive amount (invoices).
    pub invoices: u64,
    /// Their open amount.
    pub positive: i64,
    /// Their open amount × days from issue to due date (the age is this plus today − due).
    pub terms: i64,
}

/// Every non-empty row of the open items by currency, segment and due date, with the segment
/// names the rows index.
pub fn open_by_due(d: &Dossier) -> Result<(Vec<String>, Vec<OpenByDue>), StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT currency, segment, due_date, items, open, invoices, positive, terms FROM analytics_open
         WHERE items <> 0",
    )?;
    let mut rows = stmt.query([])?;
    let mut names: Vec<String> = Vec::new();
    let mut cur: (String, Currency) = (String::new(), Currency::EUR);
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let code = text(r, 0)?;
        if code != cur.0 {
            cur = (code.to_owned(), currency(code)?);
        }
        let name = text(r, 1)?;
        let segment = match names.iter().position(|n| n == name) {
            Some(k) => k,
            None => {
                names.push(name.to_owned());
                names.len() - 1
            }
        };
        out.push(OpenByDue {
            currency: cur.1,
            segment: u32::try_from(segment).unwrap_or(u32::MAX),
            due_date: parse_date(text(r, 2)?)?,
            items: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
            open: r.get(4)?,
            invoices: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
            positive: r.get(6)?,
            terms: r.get(7)?,
        });
    }
    Ok((names, out))
}

/// Positive open items of one currency by the habit of their client and due date:
/// `(late, due date, invoices, open)`, `late` in whole days or [`NO_HABIT`].
pub fn open_by_habit(d: &Dossier, cur: Currency) -> Result<Vec<(i64, NaiveDate, u64, i64)>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT late, due_date, invoices, positive FROM analytics_open_habits WHERE currency = ?1 AND invoices <> 0",
    )?;
    let mut rows = stmt.query([cur.code()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((r.get(0)?, parse_date(text(r, 1)?)?, u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0), r.get(3)?));
    }
    Ok(out)
}

/// The `limit` clients with open items in `cur` of the largest net balance (open items minus cash
/// not applied; ties by client id): `(client, net)`.
pub fn top_net_balances(d: &Dossier, cur: Currency, limit: usize) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT client_id, net FROM analytics_open_clients INDEXED BY analytics_open_clients_net
         WHERE currency = ?1 AND items > 0 ORDER BY net DESC, client_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![cur.code(), i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Clients with an invoice in `cur` still open and due before `due_before`, whose last payment is
/// before `paid_before` or who never paid: who may have stopped paying.
pub fn stalled_candidates(
    d: &Dossier,
    cur: Currency,
    due_before: NaiveDate,
    paid_before: NaiveDate,
) -> Result<Vec<i64>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT o.client_id FROM analytics_open_clients o INDEXED BY analytics_open_clients_oldest
         LEFT JOIN analytics_clients h ON h.client_id = o.client_id
         WHERE o.currency = ?1 AND o.oldest_due IS NOT NULL AND o.oldest_due < ?2
         AND (h.last_payment IS NULL OR h.last_payment = '' OR h.last_payment < ?3)",
    )?;
    let rows =
        stmt.query_map(rusqlite::params![cur.code(), due_before.to_string(), paid_before.to_string()], |r| r.get(0))?;
    let mut out: Vec<i64> = rows.collect::<Result<_, _>>()?;
    out.sort_unstable();
    Ok(out)
}

/// One client's open items in `cur` today (from the covering index of open items).
pub fn client_open_items(d: &Dossier, client: i64, cur: Currency) -> Result<Vec<ItemAt>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, due_date, outstanding, issue_date FROM invoices INDEXED BY invoices_open_items
         WHERE client_id = ?1 AND currency = ?2 AND outstanding <> 0",
    )?;
    let mut rows = stmt.query(rusqlite::params![client, cur.code()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(ItemAt {
            invoice_id: r.get(0)?,
            client_id: client,
            currency: cur,
            due_date: parse_date(text(r, 1)?)?,
            open: r.get(2)?,
            issue_date: parse_date(text(r, 3)?)?,
        });
    }
    Ok(out)
}

/// One invoice as an open item today, if it is open.
pub fn open_item(d: &Dossier, invoice: i64) -> Result<Option<ItemAt>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT client_id, currency, due_date, outstanding, issue_date FROM invoices
         WHERE id = ?1 AND outstanding <> 0",
    )?;
    let row = stmt
        .query_row([invoice], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    row.map(|(client, code, due, open, issued)| {
        Ok(ItemAt {
            invoice_id: invoice,
            client_id: client,
            currency: currency(&code)?,
            due_date: parse_date(&due)?,
            open,
            issue_date: parse_date(&issued)?,
        })
    })
    .transpose()
}

/// One client's payment habit today (the aggregate of migration 0005), default when none.
pub fn habit_of(d: &Dossier, client: i64) -> Result<super::PaymentHabit, StoreError> {
    let row = d
        .conn
        .prepare_cached("SELECT paid, late_cent_days, last_payment FROM analytics_clients WHERE client_id = ?1")?
        .query_row([client], |r| {
            Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, Option<String>>(2)?))
        })
        .optional()?;
    let Some((paid, late, last)) = row else { return Ok(super::PaymentHabit::default()) };
    Ok(super::PaymentHabit {
        paid: paid.unwrap_or(0),
        late_cent_days: late.unwrap_or(0),
        last_payment: last.as_deref().filter(|s| !s.is_empty()).map(parse_date).transpose()?,
    })
}

/// The portfolio's habit: `(Σ late_cent_days, Σ paid)` over the clients that paid (`paid > 0`).
pub fn portfolio_habit(d: &Dossier) -> Result<(i128, i128), StoreError> {
    // In SQL first (one statement, no row crosses into Rust); sum() refuses an overflow, then the
    // rows are summed here in 128 bits.
    let summed = d
        .conn
        .prepare_cached(
            "SELECT coalesce(sum(late_cent_days), 0), coalesce(sum(paid), 0) FROM analytics_clients WHERE paid > 0",
        )?
        .query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)));
    if let Ok((lcd, paid)) = summed {
        return Ok((i128::from(lcd), i128::from(paid)));
    }
    let mut stmt = d.conn.prepare_cached("SELECT paid, late_cent_days FROM analytics_clients WHERE paid > 0")?;
    let mut rows = stmt.query([])?;
    let (mut lcd, mut paid) = (0i128, 0i128);
    while let Some(r) = rows.next()? {
        paid += i128::from(r.get::<_, i64>(0)?);
        lcd += i128::from(r.get::<_, i64>(1)?);
    }
    Ok((lcd, paid))
}

/// An open item today with its client's payment habit (`paid`, `late_cent_days` of
/// `analytics_clients`, zero when the client never paid).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemWithHabit {
    /// The item.
    pub item: ItemAt,
    /// Its client's payment allocations (units).
    pub paid: i64,
    /// The same weighted by days late, in cents × days.
    pub late_cent_days: i64,
}

fn items_with_habits(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
    cur: Currency,
) -> Result<Vec<ItemWithHabit>, StoreError> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(ItemWithHabit {
            item: ItemAt {
                invoice_id: r.get(0)?,
                client_id: r.get(1)?,
                currency: cur,
                due_date: parse_date(text(r, 2)?)?,
                open: r.get(3)?,
                issue_date: parse_date(text(r, 4)?)?,
            },
            paid: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
            late_cent_days: r.get::<_, Option<i64>>(6)?.unwrap_or(0),
        });
    }
    Ok(out)
}

/// The positive open items in `cur` today among `ids`, with their clients' habits: one indexed
/// statement per id (a join over the open disputes let the planner scan the invoices: seconds).
pub fn open_items_with_habits(d: &Dossier, cur: Currency, ids: &[i64]) -> Result<Vec<ItemWithHabit>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT i.id, i.client_id, i.due_date, i.outstanding, i.issue_date, h.paid, h.late_cent_days
         FROM invoices i LEFT JOIN analytics_clients h ON h.client_id = i.client_id
         WHERE i.id = ?1 AND i.outstanding > 0 AND i.currency = ?2",
    )?;
    let mut out = Vec::new();
    for id in ids {
        out.extend(items_with_habits(&mut stmt, rusqlite::params![id, cur.code()], cur)?);
    }
    Ok(out)
}

/// The open items in `cur` today (positive or not) of the clients that may have stopped paying
/// (see [`stalled_candidates`]), with their habits, in one statement.
pub fn stalled_open_items(
    d: &Dossier,
    cur: Currency,
    due_before: NaiveDate,
    paid_before: NaiveDate,
) -> Result<Vec<ItemWithHabit>, StoreError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT i.id, i.client_id, i.due_date, i.outstanding, i.issue_date, h.paid, h.late_cent_days
         FROM analytics_open_clients o INDEXED BY analytics_open_clients_oldest
         LEFT JOIN analytics_clients h ON h.client_id = o.client_id
         JOIN invoices i INDEXED BY invoices_open_items
           ON i.client_id = o.client_id AND i.currency = o.currency AND i.outstanding <> 0
         WHERE o.currency = ?1 AND o.oldest_due IS NOT NULL AND o.oldest_due < ?2
           AND (h.last_payment IS NULL OR h.last_payment = '' OR h.last_payment < ?3)",
    )?;
    items_with_habits(&mut stmt, rusqlite::params![cur.code(), due_before.to_string(), paid_before.to_string()], cur)
}

/// Sales (documents issued, credit notes negative) in `cur` in `from ..= to`, from the daily
/// totals of migration 0005 (units).
pub fn sales_between(d: &Dossier, cur: Currency, from: NaiveDate, to: NaiveDate) -> Result<i64, StoreError> {
    Ok(d.conn
        .prepare_cached(
            "SELECT coalesce(sum(sales), 0) FROM analytics_days WHERE currency = ?1 AND day >= ?2 AND day <= ?3",
        )?
        .query_row(rusqlite::params![cur.code(), from.to_string(), to.to_string()], |r| r.get(0))?)
}
