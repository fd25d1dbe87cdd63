//! Client risk scoring (issue 9): the read model every client's ledger is scored from, and the
//! tables the daily run writes (migration 0012): scores per client and day, alerts (deduplicated by
//! the engine's key), and the fitted scorecards.
//!
//! # Why the read model sorts in memory
//! A rescoring of the whole portfolio must read every invoice, allocation and status (2 million
//! invoices in well under 2 s). A query per client would cost a B-tree descent per client and per
//! table, and an `ORDER BY client_id` join over allocations makes SQLite build a temporary B-tree of
//! every row. Instead each table is read once in rowid order (sequential pages), kept as compact
//! integer rows, and sorted in Rust ([`LedgerSnapshot`]); each invoice finds its allocations and
//! statuses through a direct array over the invoice ids (no search), and a client's ledger is built
//! only when asked for, so only the ledgers being scored exist at a time beside the compact rows
//! (≈ 40 bytes per invoice).
//!
//! # Why three connections
//! Reading the rows (stepping SQLite, decrypting pages) is most of a rescoring: on the
//! 2-million-invoice dossier the invoices are a little more than the allocations and statuses
//! together. With the key source, [`LedgerSnapshot::read`] reads the three tables on three
//! connections at once (two cores: the scheduler shares them out, where two readers left one core
//! waiting for the other), each in a read transaction, and checks that all saw the same last audit
//! entry (every ledger write adds one), so the parts come from one version of the dossier.
//!
//! # Packs
//! Between two daily runs most clients' rows do not change, yet reading them is most of a run. Each
//! run therefore writes, for every client it read from the tables, its rows packed in one BLOB
//! (`scoring_packs`, migration 0023; the layout in `scoring/pack.rs`), and the next run reads a client from
//! its pack when it has one: 50,000 rows of a few hundred bytes instead of five million index
//! entries. A change to a client's invoices, allocations or statuses deletes its pack in the same
//! transaction (triggers of migration 0023), so a pack that exists is its client's rows as they
//! are; the clients without one are read from the tables one by one (their rows found through the
//! covering indexes), or the tables whole when they are a quarter of the clients or more (the first
//! run, a large import). Packs hold every row whatever its date; the snapshot's views leave out
//! what is dated after the day read, so a pack serves any date. A run writes its packs only if the
//! triggers saw no change since it read (`scoring_pack_epoch`): a pack is never older than its rows.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;

use crate::amount::{from_units, to_units};
use crate::dossier::insert_audit;
use crate::{Dossier, StoreError};

mod pack;

/// One allocation applied to a document (a payment's lettrage or a credit note's use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerAllocation {
    /// The day it was applied.
    pub date: NaiveDate,
    /// The amount applied.
    pub amount: Decimal,
    /// It came from a credit note rather than a payment.
    pub from_credit_note: bool,
}

/// One invoice or credit note of a client, with what was applied to it and its statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerDocument {
    /// The invoice's id.
    pub id: i64,
    /// A credit note (`kind = 'credit_note'`).
    pub credit_note: bool,
    /// Issue date (BT-2).
    pub issue_date: NaiveDate,
    /// Due date (BT-9).
    pub due_date: NaiveDate,
    /// Amount due (BT-115), positive for both kinds.
    pub amount: Decimal,
    /// Received as an e-invoice: its original file is kept, or the platform sent statuses for it.
    pub electronic: bool,
    /// Allocations applied on or before the date read, in date order.
    pub allocations: Vec<LedgerAllocation>,
    /// Lifecycle statuses (code, day) dated on or before the date read, in date order.
    pub statuses: Vec<(u16, NaiveDate)>,
}

/// A client's ledger as known on a date.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoredClientLedger {
    /// The client.
    pub client_id: i64,
    /// Its name.
    pub name: String,
    /// Legal form, when known.
    pub legal_form: Option<String>,
    /// NAF code, when known.
    pub naf: Option<String>,
    /// Its documents issued on or before the date, in id order.
    pub documents: Vec<LedgerDocument>,
    /// Promised dates of the promises it broke (promised on or before the date).
    pub broken_promises: Vec<NaiveDate>,
    /// Days its promises were made on (on or before the date), kept or not, in date order.
    pub promises_made: Vec<NaiveDate>,
    /// Its collective procedure (`safeguard`, `receivership`, `liquidation`) and judgment date.
    pub collective_procedure: Option<(String, NaiveDate)>,
}

/// `YYYY-MM-DD` at the start of a text (a date or a date-time), without chrono's general parser:
/// this runs a few million times per rescoring.
fn ymd(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

fn text_date(r: &rusqlite::Row<'_>, i: usize) -> Result<NaiveDate, StoreError> {
    let v = r.get_ref(i)?;
    let s = v.as_str().map_err(|e| StoreError::Decode(e.to_string()))?;
    ymd(s).ok_or_else(|| StoreError::Decode(format!("date {s:?}")))
}

fn day_number(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn from_day_number(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(NaiveDate::MIN)
}

/// The bound of "on or before `as_of`" for text dates and date-times: strictly before the next day.
fn next_day(as_of: NaiveDate) -> String {
    as_of.succ_opt().unwrap_or(as_of).to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InvoiceRow {
    id: i64,
    client: i64,
    issue: i32,
    due: i32,
    amount: i64,
    credit_note: bool,
    has_document: bool,
}

/// An allocation of an invoice: (day, units, from a credit note).
type AllocRow = (i32, i64, bool);
/// A status of an invoice: (day, code).
type StatusRow = (i32, u16);
/// An allocation row as a table gives it: (invoice, day, units, from a credit note).
type KeyedAlloc = (i64, i32, i64, bool);
/// A status row as a table gives it: (invoice, day, code).
type KeyedStatus = (i64, i32, u16);

/// The read model's rows: invoices grouped by client (id order inside a client), each invoice's
/// allocations and statuses (in date order) stored after the previous invoice's, so an invoice
/// finds them by position — ≈ 40 bytes per invoice beside its allocations and statuses.
#[derive(Default)]
struct Rows {
    invoices: Vec<InvoiceRow>,
    allocs: Vec<AllocRow>,
    /// Where each invoice's allocations end in `allocs` (they start where the previous one's end).
    alloc_ends: Vec<u32>,
    statuses: Vec<StatusRow>,
    /// Where each invoice's statuses end in `statuses`.
    status_ends: Vec<u32>,
}

impl Rows {
    /// Closes the last invoice pushed: the allocations and statuses pushed since the one before are
    /// its. `None` past 4 billion rows (the offsets are `u32`).
    fn close_invoice(&mut self) -> Option<()> {
        self.alloc_ends.push(u32::try_from(self.allocs.len()).ok()?);
        self.status_ends.push(u32::try_from(self.statuses.len()).ok()?);
        Some(())
    }

    fn mark(&self) -> (usize, usize, usize) {
        (self.invoices.len(), self.allocs.len(), self.statuses.len())
    }

    fn truncate(&mut self, (invoices, allocs, statuses): (usize, usize, usize)) {
        self.invoices.truncate(invoices);
        self.alloc_ends.truncate(invoices);
        self.status_ends.truncate(invoices);
        self.allocs.truncate(allocs);
        self.statuses.truncate(statuses);
    }

    /// Appends `other`'s rows, shifting the invoice ranges of `clients` (those of `other`) and the
    /// offsets. `None` past 4 billion rows.
    fn append(&mut self, other: Rows, clients: &mut [ClientRow]) -> Option<()> {
        let (invoices, allocs, statuses) = self.mark();
        let (allocs, statuses) = (u32::try_from(allocs).ok()?, u32::try_from(statuses).ok()?);
        for c in clients {
            c.invoices = (c.invoices.0 + invoices, c.invoices.1 + invoices);
        }
        self.invoices.extend(other.invoices);
        self.allocs.extend(other.allocs);
        self.statuses.extend(other.statuses);
        for e in other.alloc_ends {
            self.alloc_ends.push(e.checked_add(allocs)?);
        }
        for e in other.status_ends {
            self.status_ends.push(e.checked_add(statuses)?);
        }
        Some(())
    }

    /// The `k`-th invoice with its allocations and statuses.
    fn invoice(&self, k: usize) -> (&InvoiceRow, &[AllocRow], &[StatusRow]) {
        let start = |ends: &[u32]| k.checked_sub(1).and_then(|p| ends.get(p)).map_or(0, |&e| e as usize);
        let end = |ends: &[u32]| ends.get(k).map_or(0, |&e| e as usize);
        let allocs = self.allocs.get(start(&self.alloc_ends)..end(&self.alloc_ends)).unwrap_or_default();
        let statuses = self.statuses.get(start(&self.status_ends)..end(&self.status_ends)).unwrap_or_default();
        (&self.invoices[k], allocs, statuses)
    }

    /// Pushes `invoices` (in id order) with their allocations and statuses, each list sorted by
    /// (invoice, day).
    fn push_invoices(
        &mut self,
        invoices: &[InvoiceRow],
        allocs: &[KeyedAlloc],
        statuses: &[KeyedStatus],
    ) -> Result<(), StoreError> {
        let (mut a, mut s) = (0usize, 0usize);
        for inv in invoices {
            while allocs.get(a).is_some_and(|x| x.0 < inv.id) {
                a += 1;
            }
            while let Some(x) = allocs.get(a).filter(|x| x.0 == inv.id) {
                self.allocs.push((x.1, x.2, x.3));
                a += 1;
            }
            while statuses.get(s).is_some_and(|x| x.0 < inv.id) {
                s += 1;
            }
            while let Some(x) = statuses.get(s).filter(|x| x.0 == inv.id) {
                self.statuses.push((x.1, x.2));
                s += 1;
            }
            self.invoices.push(*inv);
            self.close_invoice().ok_or_else(too_many)?;
        }
        Ok(())
    }
}

/// Where the rows of each invoice are in a table sorted by invoice id: a direct array over the id
/// range when ids are dense (they are rowids: the normal case), else a map. Replaces a binary
/// search per invoice and per table (two million of each on the large dossier).
enum IdIndex {
    /// `offsets[id - base] .. offsets[id - base + 1]`.
    Dense { base: i64, offsets: Vec<usize> },
    /// id → range.
    Sparse(HashMap<i64, (usize, usize)>),
}

impl IdIndex {
    /// `keys` is the invoice id of each row, ascending.
    fn build(keys: &[i64]) -> IdIndex {
        let (Some(&first), Some(&last)) = (keys.first(), keys.last()) else {
            return IdIndex::Sparse(HashMap::new());
        };
        let span = usize::try_from(last.saturating_sub(first)).unwrap_or(usize::MAX).saturating_add(1);
        if span <= keys.len().saturating_mul(4).saturating_add(1_000_000) {
            let mut offsets = vec![0usize; span + 1];
            for &k in keys {
                if let Some(o) = usize::try_from(k - first).ok().and_then(|i| offsets.get_mut(i + 1)) {
                    *o += 1;
                }
            }
            for i in 1..offsets.len() {
                let before = offsets.get(i - 1).copied().unwrap_or(0);
                if let Some(o) = offsets.get_mut(i) {
                    *o += before;
                }
            }
            return IdIndex::Dense { base: first, offsets };
        }
        let mut map: HashMap<i64, (usize, usize)> = HashMap::new();
        for (i, &k) in keys.iter().enumerate() {
            map.entry(k).and_modify(|r| r.1 = i + 1).or_insert((i, i + 1));
        }
        IdIndex::Sparse(map)
    }

    fn range(&self, id: i64) -> std::ops::Range<usize> {
        match self {
            IdIndex::Dense { base, offsets } => {
                let Ok(i) = usize::try_from(id - base) else { return 0..0 };
                match (offsets.get(i), offsets.get(i + 1)) {
                    (Some(&a), Some(&b)) => a..b,
                    _ => 0..0,
                }
            }
            IdIndex::Sparse(map) => map.get(&id).map_or(0..0, |&(a, b)| a..b),
        }
    }
}

struct ClientRow {
    id: i64,
    name: String,
    legal_form: Option<String>,
    naf: Option<String>,
    /// Its invoices in `Rows::invoices`.
    invoices: (usize, usize),
}

/// The day number (days since 1970-01-01, as the migration 0022 indexes hold dates) as the
/// snapshot's day number (days from the common era).
fn epoch_day(r: &rusqlite::Row<'_>, i: usize) -> Result<i32, StoreError> {
    const EPOCH_FROM_CE: i64 = 719_163;
    let days: i64 = r.get(i)?;
    i32::try_from(days + EPOCH_FROM_CE).map_err(|_| StoreError::Decode(format!("day {days}")))
}

// The read queries repeat the expressions of migration 0022's indexes word for word: SQLite then
// reads them from the index (and never the table). They read every row, whatever its date (the
// snapshot keeps them all, for the packs, and its views leave out what is dated after the day
// read): the bound they are given is far in the future. A date that is not a date gives NULL
// there; the `IS NOT 0` keeps such a row, so that reading it fails as a text date did before.
const ALLOCATIONS_SQL: &str = "SELECT invoice_id, unixepoch(substr(applied_on, 1, 10)) / 86400, amount, \
     credit_note_id IS NOT NULL FROM allocations INDEXED BY allocations_scoring_days \
     WHERE (unixepoch(substr(applied_on, 1, 10)) / 86400 < ?1) IS NOT 0";
const STATUSES_SQL: &str = "SELECT invoice_id, unixepoch(substr(at, 1, 10)) / 86400, code \
     FROM status_events INDEXED BY status_events_scoring_days \
     WHERE (unixepoch(substr(at, 1, 10)) / 86400 < ?1) IS NOT 0";
const INVOICES_SQL: &str = "SELECT client_id, id, kind = 'credit_note', document_id IS NOT NULL, \
     unixepoch(substr(issue_date, 1, 10)) / 86400, unixepoch(substr(due_date, 1, 10)) / 86400, due_payable \
     FROM invoices INDEXED BY invoices_scoring_days \
     WHERE (unixepoch(substr(issue_date, 1, 10)) / 86400 < ?1) IS NOT 0 ORDER BY client_id, id";
/// The same rows for one client (`?1`), when its pack is missing (module doc, "Packs").
const CLIENT_INVOICES_SQL: &str = "SELECT client_id, id, kind = 'credit_note', document_id IS NOT NULL, \
     unixepoch(substr(issue_date, 1, 10)) / 86400, unixepoch(substr(due_date, 1, 10)) / 86400, due_payable \
     FROM invoices INDEXED BY invoices_scoring_days WHERE client_id = ?1 ORDER BY client_id, id";
const CLIENT_ALLOCATIONS_SQL: &str = "SELECT a.invoice_id, unixepoch(substr(a.applied_on, 1, 10)) / 86400, \
     a.amount, a.credit_note_id IS NOT NULL FROM invoices i INDEXED BY invoices_scoring_days \
     JOIN allocations a INDEXED BY allocations_scoring_days ON a.invoice_id = i.id WHERE i.client_id = ?1";
const CLIENT_STATUSES_SQL: &str = "SELECT s.invoice_id, unixepoch(substr(s.at, 1, 10)) / 86400, s.code \
     FROM invoices i INDEXED BY invoices_scoring_days \
     JOIN status_events s INDEXED BY status_events_scoring_days ON s.invoice_id = i.id WHERE i.client_id = ?1";

/// The bound the whole-table queries are given: every row (day numbers since 1970; year 29,000).
const EVERY_DAY: i64 = 10_000_000;

fn invoice_row(r: &rusqlite::Row<'_>) -> Result<InvoiceRow, StoreError> {
    Ok(InvoiceRow {
        client: r.get(0)?,
        id: r.get(1)?,
        credit_note: r.get(2)?,
        has_document: r.get(3)?,
        issue: epoch_day(r, 4)?,
        due: epoch_day(r, 5)?,
        amount: r.get(6)?,
    })
}

fn keyed_alloc(r: &rusqlite::Row<'_>) -> Result<KeyedAlloc, StoreError> {
    Ok((r.get(0)?, epoch_day(r, 1)?, r.get(2)?, r.get(3)?))
}

fn keyed_status(r: &rusqlite::Row<'_>) -> Result<KeyedStatus, StoreError> {
    let code: i64 = r.get(2)?;
    Ok((r.get(0)?, epoch_day(r, 1)?, u16::try_from(code).unwrap_or(u16::MAX)))
}

fn collect<T>(
    stmt: &mut rusqlite::Statement<'_>,
    param: i64,
    row: impl Fn(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        out.push(row(r)?);
    }
    Ok(out)
}

/// Rows sorted by (invoice, day), with the index of each invoice's rows.
fn by_invoice<T>(mut rows: Vec<T>, key: impl Fn(&T) -> (i64, i32)) -> (Vec<T>, IdIndex) {
    // The index gives them in this order; rows of one invoice and day in any order are the same ledger.
    if !rows.is_sorted_by_key(&key) {
        rows.sort_unstable_by_key(&key);
    }
    let keys: Vec<i64> = rows.iter().map(|r| key(r).0).collect();
    let index = IdIndex::build(&keys);
    (rows, index)
}

fn read_allocations(conn: &rusqlite::Connection) -> Result<(Vec<KeyedAlloc>, IdIndex), StoreError> {
    let rows = collect(&mut conn.prepare(ALLOCATIONS_SQL)?, EVERY_DAY, keyed_alloc)?;
    Ok(by_invoice(rows, |a| (a.0, a.1)))
}

fn read_statuses(conn: &rusqlite::Connection) -> Result<(Vec<KeyedStatus>, IdIndex), StoreError> {
    let rows = collect(&mut conn.prepare(STATUSES_SQL)?, EVERY_DAY, keyed_status)?;
    Ok(by_invoice(rows, |s| (s.0, s.1)))
}

/// Every invoice, grouped by client, in id order inside a client (the covering index's order).
fn read_invoices(conn: &rusqlite::Connection) -> Result<Vec<InvoiceRow>, StoreError> {
    let mut invoices = collect(&mut conn.prepare(INVOICES_SQL)?, EVERY_DAY, invoice_row)?;
    if !invoices.is_sorted_by_key(|i| (i.client, i.id)) {
        invoices.sort_by_key(|i| (i.client, i.id));
    }
    Ok(invoices)
}

/// Per client, dates in date order.
type Dates = HashMap<i64, Vec<NaiveDate>>;
type Insolvency = HashMap<i64, (String, NaiveDate)>;

/// The promises known on the day before `next` — per client, the promised dates of those broken
/// and the days all were made on — and the collective procedures.
fn read_promises_and_procedures(
    conn: &rusqlite::Connection,
    next: &str,
) -> Result<(Dates, Dates, Insolvency), StoreError> {
    let (mut broken, mut made): (Dates, Dates) = (HashMap::new(), HashMap::new());
    {
        let mut stmt = conn.prepare(
            "SELECT client_id, made_on, promised_for, made_on < ?1, state = 'broken' AND promised_for < ?1 \
             FROM promises WHERE made_on < ?1 OR (state = 'broken' AND promised_for < ?1)",
        )?;
        let mut rows = stmt.query([next])?;
        while let Some(r) = rows.next()? {
            let client: i64 = r.get(0)?;
            if r.get::<_, bool>(3)? {
                made.entry(client).or_default().push(text_date(r, 1)?);
            }
            if r.get::<_, bool>(4)? {
                broken.entry(client).or_default().push(text_date(r, 2)?);
            }
        }
    }
    for dates in broken.values_mut().chain(made.values_mut()) {
        dates.sort_unstable();
    }
    let mut insolvency: Insolvency = HashMap::new();
    let mut stmt = conn.prepare("SELECT client_id, kind, judgment_on FROM client_insolvency WHERE judgment_on < ?1")?;
    let mut rows = stmt.query([next])?;
    while let Some(r) = rows.next()? {
        insolvency.insert(r.get(0)?, (r.get(1)?, text_date(r, 2)?));
    }
    Ok((broken, made, insolvency))
}

/// Every client (id, name, legal form, NAF), in id order; their invoices are filled in later.
fn read_clients(conn: &rusqlite::Connection) -> Result<Vec<ClientRow>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, name, legal_form, naf FROM clients ORDER BY id")?;
    let mut rows = stmt.query([])?;
    let mut clients = Vec::new();
    while let Some(r) = rows.next()? {
        clients.push(ClientRow {
            id: r.get(0)?,
            name: r.get(1)?,
            legal_form: r.get(2)?,
            naf: r.get(3)?,
            invoices: (0, 0),
        });
    }
    Ok(clients)
}

/// How many clients have a pack (counted on the index of their ids: a few pages).
fn pack_count(conn: &rusqlite::Connection) -> Result<usize, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM scoring_packs INDEXED BY scoring_packs_ids", [], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

fn too_many() -> StoreError {
    StoreError::Invalid("more than 4 billion ledger rows".into())
}

/// The rows of some clients, read by [`read_part`].
struct Part {
    rows: Rows,
    /// The clients (indexes in the part) read from the tables.
    to_pack: Vec<usize>,
}

/// Reads `clients` (consecutive, in id order) from their packs, or from the tables for those
/// without a pack or whose pack does not decode; sets each client's invoice range in the part.
fn read_part(conn: &rusqlite::Connection, clients: &mut [ClientRow]) -> Result<Part, StoreError> {
    let mut part = Part { rows: Rows::default(), to_pack: Vec::new() };
    let (Some(low), Some(high)) = (clients.first().map(|c| c.id), clients.last().map(|c| c.id)) else {
        return Ok(part);
    };
    let mut reader = ClientReader::new(conn)?;
    let mut stmt =
        conn.prepare("SELECT client_id, data FROM scoring_packs WHERE client_id BETWEEN ?1 AND ?2 ORDER BY client_id")?;
    let mut packs = stmt.query([low, high])?;
    let mut pack = packs.next()?;
    for (i, c) in clients.iter_mut().enumerate() {
        while let Some(r) = pack {
            if r.get::<_, i64>(0)? >= c.id {
                break;
            }
            pack = packs.next()?;
        }
        let start = part.rows.invoices.len();
        let mut decoded = None;
        if let Some(r) = pack.filter(|r| r.get::<_, i64>(0).ok() == Some(c.id)) {
            let data = r.get_ref(1)?.as_blob().map_err(|e| StoreError::Decode(e.to_string()))?;
            decoded = pack::decode(data, c.id, &mut part.rows);
        }
        if decoded.is_none() {
            reader.read(c.id, &mut part.rows)?;
            part.to_pack.push(i);
        }
        c.invoices = (start, part.rows.invoices.len());
    }
    Ok(part)
}

/// The count of ledger changes the pack triggers have seen (migration 0023).
fn pack_epoch(conn: &rusqlite::Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT coalesce((SELECT n FROM scoring_pack_epoch WHERE id = 1), 0)", [], |r| r.get(0))?)
}

/// The last audit entry a connection sees: the version of the dossier it reads.
fn ledger_version(conn: &rusqlite::Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT coalesce(max(seq), 0) FROM audit_log", [], |r| r.get(0))?)
}

/// A client's rows read from the tables (its pack is missing), pushed to `rows`.
struct ClientReader<'c> {
    invoices: rusqlite::Statement<'c>,
    allocs: rusqlite::Statement<'c>,
    statuses: rusqlite::Statement<'c>,
}

impl<'c> ClientReader<'c> {
    fn new(conn: &'c rusqlite::Connection) -> Result<Self, StoreError> {
        Ok(ClientReader {
            invoices: conn.prepare(CLIENT_INVOICES_SQL)?,
            allocs: conn.prepare(CLIENT_ALLOCATIONS_SQL)?,
            statuses: conn.prepare(CLIENT_STATUSES_SQL)?,
        })
    }

    fn read(&mut self, client: i64, rows: &mut Rows) -> Result<(), StoreError> {
        let invoices = collect(&mut self.invoices, client, invoice_row)?;
        let (allocs, _) = by_invoice(collect(&mut self.allocs, client, keyed_alloc)?, |a| (a.0, a.1));
        let (statuses, _) = by_invoice(collect(&mut self.statuses, client, keyed_status)?, |s| (s.0, s.1));
        rows.push_invoices(&invoices, &allocs, &statuses)
    }
}

/// Every client's ledger as known on a date, read once as compact rows (module doc), from which
/// each client's [`StoredClientLedger`] is built on demand — by any thread: the snapshot is `Sync`,
/// so a caller can score the clients on several cores.
pub struct LedgerSnapshot {
    clients: Vec<ClientRow>,
    rows: Rows,
    /// The day number after the date read: rows dated on or after it are left out of the views.
    bound: i32,
    broken: Dates,
    promises_made: Dates,
    insolvency: Insolvency,
    parallel: bool,
    /// The pack epoch the rows were read at (migration 0023).
    epoch: i64,
    /// Clients (indexes) read from the tables, whose packs [`save_packs`](Self::save_packs) writes.
    to_pack: Vec<usize>,
}

impl LedgerSnapshot {
    /// Reads the ledgers as known on `as_of` (records dated on or before it).
    ///
    /// Clients whose pack is stored (module doc, "Packs") are read from it; the others from the
    /// tables, one client at a time. When a quarter of the clients or more have no pack (the first
    /// run, a large import), every table is read whole instead: with `keys` (the key source the
    /// dossier was opened with), two read-only connections are opened and read the allocations and
    /// the statuses, each on a thread, while the dossier's own connection reads the invoices and
    /// clients. Every connection reads inside a transaction and must see the same last audit entry
    /// (every write adds one), so they read the same version of the dossier; if a write came in
    /// between, or a connection cannot be opened, everything is read on the dossier's connection —
    /// the result is the same, only slower. A passphrase key source is not used for this (deriving
    /// its key costs more than the read saves).
    pub fn read(d: &Dossier, as_of: NaiveDate, keys: Option<&crate::KeySource>) -> Result<LedgerSnapshot, StoreError> {
        let next = next_day(as_of);
        let bound = day_number(as_of.succ_opt().unwrap_or(as_of));
        let conn = &d.conn;
        // A read transaction keeps the tables of one snapshot consistent with each other (the
        // caller may already be inside one: then that one does).
        let tx = if conn.is_autocommit() { Some(conn.unchecked_transaction()?) } else { None };
        let version = ledger_version(conn)?;
        let epoch = pack_epoch(conn)?;
        let (broken, promises_made, insolvency) = read_promises_and_procedures(conn, &next)?;
        let mut clients = read_clients(conn)?;
        let packs = pack_count(conn)?;
        let missing = clients.len().saturating_sub(packs);
        let mut rows = Rows::default();
        let mut to_pack = Vec::new();
        let parallel;
        if missing > 0 && missing.saturating_mul(4) >= clients.len() {
            let (invoices, (allocs, alloc_index), (statuses, status_index), on_three) =
                read_whole_tables(d, conn, version, keys)?;
            parallel = on_three;
            let mut cursor = 0usize;
            for inv in &invoices {
                rows.allocs
                    .extend(allocs.get(alloc_index.range(inv.id)).unwrap_or_default().iter().map(|a| (a.1, a.2, a.3)));
                rows.statuses
                    .extend(statuses.get(status_index.range(inv.id)).unwrap_or_default().iter().map(|s| (s.1, s.2)));
                rows.invoices.push(*inv);
                rows.close_invoice().ok_or_else(too_many)?;
            }
            for (i, c) in clients.iter_mut().enumerate() {
                // Invoices of clients missing from the table cannot exist (foreign key); skip any lower id.
                while rows.invoices.get(cursor).is_some_and(|inv| inv.client < c.id) {
                    cursor += 1;
                }
                let start = cursor;
                while rows.invoices.get(cursor).is_some_and(|inv| inv.client == c.id) {
                    cursor += 1;
                }
                c.invoices = (start, cursor);
                to_pack.push(i);
            }
        } else {
            // Two halves of the clients, one on a second connection when the key source allows it
            // (it must see the same audit entry and pack epoch), else both on this one.
            let key = keys.filter(|k| !k.is_passphrase()).and_then(|k| k.key_for(d.path(), d.id()).ok());
            let helper = key
                .and_then(|key| crate::dossier::keyed(d.path(), &key, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok());
            let half = clients.len() / 2;
            let (first, second) = clients.split_at_mut(half);
            let done = match helper {
                Some(helper) => {
                    let panicked = || StoreError::Invalid("a ledger reader thread panicked".into());
                    let (theirs_clients, mine_clients) = (&mut *second, &mut *first);
                    let (mine, theirs) = std::thread::scope(|s| {
                        let theirs = s.spawn(move || -> Result<Option<Part>, StoreError> {
                            let tx = helper.unchecked_transaction()?;
                            if ledger_version(&helper)? != version || pack_epoch(&helper)? != epoch {
                                return Ok(None);
                            }
                            let part = read_part(&helper, theirs_clients)?;
                            drop(tx);
                            Ok(Some(part))
                        });
                        (read_part(conn, mine_clients), theirs.join().map_err(|_| panicked()))
                    });
                    match (mine?, theirs??) {
                        (mine, Some(theirs)) => Some((mine, theirs)),
                        (_, None) => None,
                    }
                }
                None => None,
            };
            let (mine, theirs) = match done {
                Some(parts) => {
                    parallel = true;
                    parts
                }
                None => {
                    parallel = false;
                    (read_part(conn, first)?, read_part(conn, second)?)
                }
            };
            rows = mine.rows;
            to_pack = mine.to_pack;
            rows.append(theirs.rows, &mut clients[half..]).ok_or_else(too_many)?;
            to_pack.extend(theirs.to_pack.into_iter().map(|i| i + half));
        }
        drop(tx);
        Ok(LedgerSnapshot { clients, rows, bound, broken, promises_made, insolvency, parallel, epoch, to_pack })
    }

    /// Writes the packs of the clients this snapshot read from the tables, if no ledger row changed
    /// since it was read (else they would pack rows that are no longer the client's: nothing is
    /// written, the next run reads those clients from the tables again). Returns how many packs
    /// were written.
    pub fn save_packs(&self, d: &mut Dossier) -> Result<usize, StoreError> {
        if self.to_pack.is_empty() {
            return Ok(0);
        }
        let conn = &d.conn;
        let tx = if conn.is_autocommit() {
            Some(rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?)
        } else {
            None
        };
        if pack_epoch(conn)? != self.epoch {
            return Ok(0);
        }
        let mut stmt = conn.prepare("INSERT OR REPLACE INTO scoring_packs (client_id, data) VALUES (?1, ?2)")?;
        let mut data = Vec::new();
        for c in self.to_pack.iter().filter_map(|&i| self.clients.get(i)) {
            data.clear();
            pack::encode(&mut data, (c.invoices.0..c.invoices.1).map(|k| self.rows.invoice(k)));
            stmt.execute(params![c.id, data])?;
        }
        drop(stmt);
        if let Some(tx) = tx {
            tx.commit()?;
        }
        Ok(self.to_pack.len())
    }

    /// How many clients were read from the tables rather than from their packs (and are packed by
    /// [`save_packs`](Self::save_packs)).
    pub fn read_from_tables(&self) -> usize {
        self.to_pack.len()
    }

    /// How many clients (every client of the dossier, with or without documents).
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// No client at all.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// True when the read ran on several connections.
    pub fn was_parallel(&self) -> bool {
        self.parallel
    }

    /// How many documents the `i`-th client has (to split the work evenly between threads).
    pub fn documents_of(&self, i: usize) -> usize {
        self.clients.get(i).map_or(0, |c| c.invoices.1 - c.invoices.0)
    }

    /// The `i`-th client's ledger, clients in id order (`None` past the end).
    pub fn ledger(&self, i: usize) -> Option<StoredClientLedger> {
        let c = self.clients.get(i)?;
        let documents = self
            .documents(i)
            .map(|doc| LedgerDocument {
                id: doc.id,
                credit_note: doc.credit_note,
                issue_date: doc.issue_date,
                due_date: doc.due_date,
                amount: doc.amount,
                electronic: doc.electronic,
                allocations: doc.allocations().collect(),
                statuses: doc.statuses().collect(),
            })
            .collect();
        Some(StoredClientLedger {
            client_id: c.id,
            name: c.name.clone(),
            legal_form: c.legal_form.clone(),
            naf: c.naf.clone(),
            documents,
            broken_promises: self.broken_promises(i).to_vec(),
            promises_made: self.promises_made(i).to_vec(),
            collective_procedure: self.collective_procedure(i).map(|(k, d)| (k.to_owned(), d)),
        })
    }

    /// The `i`-th client's id (`None` past the end).
    pub fn client_id(&self, i: usize) -> Option<i64> {
        self.clients.get(i).map(|c| c.id)
    }

    /// The `i`-th client's legal form and NAF code, when known.
    pub fn legal_form_and_naf(&self, i: usize) -> (Option<&str>, Option<&str>) {
        self.clients.get(i).map_or((None, None), |c| (c.legal_form.as_deref(), c.naf.as_deref()))
    }

    /// The promised dates of the promises the `i`-th client broke, in date order.
    pub fn broken_promises(&self, i: usize) -> &[NaiveDate] {
        self.clients.get(i).and_then(|c| self.broken.get(&c.id)).map_or(&[], Vec::as_slice)
    }

    /// The days the `i`-th client's promises were made on, in date order.
    pub fn promises_made(&self, i: usize) -> &[NaiveDate] {
        self.clients.get(i).and_then(|c| self.promises_made.get(&c.id)).map_or(&[], Vec::as_slice)
    }

    /// The `i`-th client's collective procedure (kind, judgment date), if any.
    pub fn collective_procedure(&self, i: usize) -> Option<(&str, NaiveDate)> {
        self.clients.get(i).and_then(|c| self.insolvency.get(&c.id)).map(|(k, d)| (k.as_str(), *d))
    }

    /// The `i`-th client's documents as [`ledger`](Self::ledger) gives them, borrowed from the
    /// snapshot's rows: nothing is allocated, so a caller scoring the whole portfolio can fill
    /// buffers of its own instead of building (and dropping) two million small vectors.
    pub fn documents(&self, i: usize) -> impl Iterator<Item = DocumentView<'_>> + '_ {
        let range = self.clients.get(i).map_or(0..0, |c| c.invoices.0..c.invoices.1);
        let bound = self.bound;
        range.filter_map(move |k| {
            let (inv, allocs, statuses) = self.rows.invoice(k);
            if inv.issue >= bound {
                return None;
            }
            // Each invoice's rows are in date order: those of the date read are a prefix.
            let allocs = allocs.get(..allocs.partition_point(|a| a.0 < bound)).unwrap_or_default();
            let statuses = statuses.get(..statuses.partition_point(|s| s.0 < bound)).unwrap_or_default();
            Some(DocumentView {
                id: inv.id,
                credit_note: inv.credit_note,
                issue_date: from_day_number(inv.issue),
                due_date: from_day_number(inv.due),
                amount: from_units(inv.amount).abs(),
                electronic: inv.has_document || !statuses.is_empty(),
                allocs,
                statuses,
            })
        })
    }
}

type WholeTables = (Vec<InvoiceRow>, (Vec<KeyedAlloc>, IdIndex), (Vec<KeyedStatus>, IdIndex), bool);

/// Every invoice, allocation and status (see [`LedgerSnapshot::read`]): on three connections when
/// `keys` allow it and all three see `version`, else on `conn`. The last element says which.
fn read_whole_tables(
    d: &Dossier,
    conn: &rusqlite::Connection,
    version: i64,
    keys: Option<&crate::KeySource>,
) -> Result<WholeTables, StoreError> {
    // Two more connections: the allocations and the statuses each on a thread of their own while
    // this one reads the invoices. The invoices are ~58 % of the rows: with one helper reading both
    // other tables, one core waited for the other; with three readers the scheduler shares the two
    // cores out.
    let key = keys.filter(|k| !k.is_passphrase()).and_then(|k| k.key_for(d.path(), d.id()).ok());
    let open_helper = || {
        key.as_ref()
            .and_then(|key| crate::dossier::keyed(d.path(), key, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok())
    };
    if let Some((for_allocations, for_statuses)) = open_helper().zip(open_helper()) {
        // Each helper reads inside its own transaction and only if it sees the same last audit
        // entry (`None` otherwise: a write came in between).
        fn on<T>(
            helper: &rusqlite::Connection,
            version: i64,
            read: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError>,
        ) -> Result<Option<T>, StoreError> {
            let tx = helper.unchecked_transaction()?;
            if ledger_version(helper)? != version {
                return Ok(None);
            }
            let out = read(helper)?;
            drop(tx);
            Ok(Some(out))
        }
        let panicked = || StoreError::Invalid("a ledger reader thread panicked".into());
        let (main, allocations, statuses) = std::thread::scope(|s| {
            let a = s.spawn(move || on(&for_allocations, version, read_allocations));
            let st = s.spawn(move || on(&for_statuses, version, read_statuses));
            let main = read_invoices(conn);
            (main, a.join().map_err(|_| panicked()), st.join().map_err(|_| panicked()))
        });
        if let (main, Some(a), Some(st)) = (main?, allocations??, statuses??) {
            return Ok((main, a, st, true));
        }
    }
    Ok((read_invoices(conn)?, read_allocations(conn)?, read_statuses(conn)?, false))
}

/// One document of a [`LedgerSnapshot`], borrowed: the fields of a [`LedgerDocument`], with its
/// allocations and statuses read through iterators.
#[derive(Debug, Clone, Copy)]
pub struct DocumentView<'a> {
    /// The invoice's id.
    pub id: i64,
    /// A credit note.
    pub credit_note: bool,
    /// Issue date (BT-2).
    pub issue_date: NaiveDate,
    /// Due date (BT-9).
    pub due_date: NaiveDate,
    /// Amount due (BT-115), positive for both kinds.
    pub amount: Decimal,
    /// Received as an e-invoice (its original is kept, or statuses came for it).
    pub electronic: bool,
    allocs: &'a [AllocRow],
    statuses: &'a [StatusRow],
}

impl<'a> DocumentView<'a> {
    /// Its allocations, in date order.
    pub fn allocations(&self) -> impl Iterator<Item = LedgerAllocation> + 'a {
        self.allocs.iter().map(|a| LedgerAllocation {
            date: from_day_number(a.0),
            amount: from_units(a.1),
            from_credit_note: a.2,
        })
    }

    /// Its statuses (code, day), in date order.
    pub fn statuses(&self) -> impl Iterator<Item = (u16, NaiveDate)> + 'a {
        self.statuses.iter().map(|s| (s.1, from_day_number(s.0)))
    }
}

/// Streams every client's ledger as known on `as_of` (records dated on or before it), one client at
/// a time in client-id order, clients without documents included. Stops at the first error `f`
/// returns. (One connection; [`LedgerSnapshot`] is the same read, on two if asked, by index.)
pub fn for_each_client_ledger<E: From<StoreError>>(
    d: &Dossier,
    as_of: NaiveDate,
    mut f: impl FnMut(StoredClientLedger) -> Result<(), E>,
) -> Result<(), E> {
    let snapshot = LedgerSnapshot::read(d, as_of, None)?;
    for i in 0..snapshot.len() {
        if let Some(l) = snapshot.ledger(i) {
            f(l)?;
        }
    }
    Ok(())
}

/// Forgets the packs of `clients` (every client's with `None`): the next [`LedgerSnapshot::read`]
/// reads them from the tables, as if their rows had changed (the tables whole when they are a
/// quarter of the clients or more), and the run after it packs them again. For checks against the
/// tables and the benchmark of a day's changes. Returns how many packs were forgotten.
pub fn forget_packs(d: &mut Dossier, clients: Option<&[i64]>) -> Result<usize, StoreError> {
    let Some(clients) = clients else {
        return Ok(d.conn.execute("DELETE FROM scoring_packs", [])?);
    };
    let tx = d.conn.unchecked_transaction()?;
    let mut n = 0;
    {
        let mut stmt = tx.prepare("DELETE FROM scoring_packs WHERE client_id = ?1")?;
        for id in clients {
            n += stmt.execute([id])?;
        }
    }
    tx.commit()?;
    Ok(n)
}

/// How many invoices and credit notes were issued on or before `as_of` (to size a fitting sample).
pub fn document_count(d: &Dossier, as_of: NaiveDate) -> Result<u64, StoreError> {
    let n: i64 =
        d.conn.query_row("SELECT count(*) FROM invoices WHERE issue_date < ?1", [next_day(as_of)], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// One client's score of one day, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredScore {
    /// The client.
    pub client_id: i64,
    /// The scoring date.
    pub scored_on: NaiveDate,
    /// 0–100, higher is safer.
    pub score: u8,
    /// A–E.
    pub grade: String,
    /// Calibrated probability, in basis points.
    pub probability_bp: u32,
    /// The top reasons as JSON (`[{"term", "contribution_bp", "text"}]`).
    pub reasons_json: String,
    /// Suggested credit limit.
    pub suggested_limit: Decimal,
    /// Why that limit.
    pub limit_rule: String,
    /// How many invoices the score rests on.
    pub invoices_scored: u32,
    /// External facts shown beside the score, as a JSON list of French sentences.
    pub external_json: String,
}

/// An alert to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// The client.
    pub client_id: i64,
    /// The rule's slug.
    pub rule: String,
    /// The engine's deduplication key.
    pub dedupe_key: String,
    /// The day it was raised.
    pub raised_on: NaiveDate,
    /// What happened, in French.
    pub details: String,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAlert {
    /// Its id.
    pub id: i64,
    /// The client.
    pub client_id: i64,
    /// The client's name.
    pub client_name: String,
    /// The rule's slug.
    pub rule: String,
    /// The engine's deduplication key.
    pub dedupe_key: String,
    /// The day it was raised.
    pub raised_on: NaiveDate,
    /// What happened, in French.
    pub details: String,
    /// `open`, `acknowledged` or `snoozed`.
    pub state: String,
    /// Until when it is snoozed.
    pub snoozed_until: Option<NaiveDate>,
}

/// What a run wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunWritten {
    /// Scores written (the date's earlier scores replaced).
    pub scores: usize,
    /// Scores of that date that were replaced.
    pub replaced: usize,
    /// Alerts newly recorded.
    pub new_alerts: usize,
    /// Alerts whose key was already recorded (left as they were).
    pub known_alerts: usize,
}

/// Writes a day's scores (replacing that day's earlier ones: a rescoring is idempotent) and its
/// alerts (a key already recorded is left as it was: an alert is never raised twice), with one audit
/// entry, in one transaction.
pub fn write_run(
    d: &mut Dossier,
    as_of: NaiveDate,
    scores: &[StoredScore],
    alerts: &[NewAlert],
    summary_json: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<RunWritten, StoreError> {
    let tx = d.conn.transaction()?;
    let day = as_of.to_string();
    let replaced = tx.execute("DELETE FROM client_scores WHERE scored_on = ?1", [&day])?;
    tx.execute("INSERT OR IGNORE INTO score_days (scored_on) VALUES (?1)", [&day])?;
    {
        let mut ins = tx.prepare_cached(
            "INSERT INTO client_scores (client_id, scored_on, score, grade, probability_bp, reasons_json,
             suggested_limit, limit_rule, invoices_scored, external_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for s in scores {
            ins.execute(params![
                s.client_id,
                &day,
                s.score,
                s.grade,
                s.probability_bp,
                s.reasons_json,
                to_units(s.suggested_limit)?,
                s.limit_rule,
                s.invoices_scored,
                s.external_json,
            ])?;
        }
    }
    let mut new_alerts = 0;
    {
        let mut ins = tx.prepare_cached(
            "INSERT INTO score_alerts (client_id, rule, dedupe_key, raised_on, details) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(dedupe_key) DO NOTHING",
        )?;
        for a in alerts {
            new_alerts +=
                ins.execute(params![a.client_id, a.rule, a.dedupe_key, a.raised_on.to_string(), a.details])?;
        }
    }
    insert_audit(&tx, at, actor, "score.run", "client_scores", Some(&day), None, Some(summary_json))?;
    tx.commit()?;
    Ok(RunWritten { scores: scores.len(), replaced, new_alerts, known_alerts: alerts.len() - new_alerts })
}

/// True when the dossier holds scores of `day` (a run of that date committed; its index answers).
pub fn has_scores_of(d: &Dossier, day: NaiveDate) -> Result<bool, StoreError> {
    Ok(d.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM client_scores WHERE scored_on = ?1)",
        [day.to_string()],
        |r| r.get(0),
    )?)
}

/// The clients with an invoice or credit note issued on or before `as_of`, in id order.
pub fn clients_with_documents_before(d: &Dossier, as_of: NaiveDate) -> Result<Vec<i64>, StoreError> {
    let mut stmt = d.conn.prepare(
        "SELECT DISTINCT client_id FROM invoices INDEXED BY invoices_scoring WHERE issue_date < ?1 ORDER BY client_id",
    )?;
    let ids = stmt.query_map([next_day(as_of)], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// Every alert key recorded (the engine raises only the others).
pub fn alert_keys(d: &Dossier) -> Result<Vec<String>, StoreError> {
    let mut stmt = d.conn.prepare("SELECT dedupe_key FROM score_alerts")?;
    let keys = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    Ok(keys)
}

/// The scores of the latest scoring date strictly before `as_of` (for the score-drop rule). A run
/// scores the whole portfolio, so that date holds every client scored then; reading one date through
/// its index stays fast however many days of history accumulate (a per-client maximum would scan them all).
pub fn previous_scores(d: &Dossier, as_of: NaiveDate) -> Result<HashMap<i64, u8>, StoreError> {
    let mut stmt = d.conn.prepare(
        "SELECT client_id, score FROM client_scores
         WHERE scored_on = (SELECT max(scored_on) FROM client_scores WHERE scored_on < ?1)",
    )?;
    let rows = stmt.query_map([as_of.to_string()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, u8>(1)?)))?;
    Ok(rows.collect::<Result<HashMap<_, _>, _>>()?)
}

/// The latest scoring date strictly before `as_of`, if any.
pub fn previous_scoring_date(d: &Dossier, as_of: NaiveDate) -> Result<Option<NaiveDate>, StoreError> {
    let day: Option<String> = d.conn.query_row(
        "SELECT max(scored_on) FROM client_scores WHERE scored_on < ?1",
        [as_of.to_string()],
        |r| r.get(0),
    )?;
    Ok(day.as_deref().and_then(ymd))
}

fn score_from_row(r: &rusqlite::Row<'_>) -> Result<StoredScore, StoreError> {
    Ok(StoredScore {
        client_id: r.get(0)?,
        scored_on: text_date(r, 1)?,
        score: r.get(2)?,
        grade: r.get(3)?,
        probability_bp: r.get(4)?,
        reasons_json: r.get(5)?,
        suggested_limit: from_units(r.get(6)?),
        limit_rule: r.get(7)?,
        invoices_scored: r.get(8)?,
        external_json: r.get(9)?,
    })
}

const SCORE_COLUMNS: &str = "s.client_id, s.scored_on, s.score, s.grade, s.probability_bp, s.reasons_json, \
                             s.suggested_limit, s.limit_rule, s.invoices_scored, s.external_json";

/// One client's scores up to a day: the scoring days in order, and for each the client's row found
/// by the table's key (day, client) — one lookup per day (migration 0024: the table is kept in day
/// order, so that a day's run appends its rows).
fn client_scores_sql() -> String {
    format!(
        "SELECT {SCORE_COLUMNS} FROM score_days d CROSS JOIN client_scores s \
         ON s.scored_on = d.scored_on AND s.client_id = ?1 WHERE d.scored_on <= ?2 ORDER BY d.scored_on"
    )
}

/// A client's scores up to `as_of`, oldest first (the last is the current one).
pub fn client_scores(d: &Dossier, client_id: i64, as_of: NaiveDate) -> Result<Vec<StoredScore>, StoreError> {
    let mut stmt = d.conn.prepare(&client_scores_sql())?;
    let mut rows = stmt.query(params![client_id, as_of.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(score_from_row(r)?);
    }
    Ok(out)
}

/// Every client's scores of one day.
pub fn scores_of_day(d: &Dossier, day: NaiveDate) -> Result<Vec<StoredScore>, StoreError> {
    let mut stmt = d
        .conn
        .prepare(&format!("SELECT {SCORE_COLUMNS} FROM client_scores s WHERE s.scored_on = ?1 ORDER BY s.client_id"))?;
    let mut rows = stmt.query([day.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(score_from_row(r)?);
    }
    Ok(out)
}

/// The client's name, if it exists.
pub fn client_name(d: &Dossier, client_id: i64) -> Result<Option<String>, StoreError> {
    Ok(d.conn.query_row("SELECT name FROM clients WHERE id = ?1", [client_id], |r| r.get(0)).optional()?)
}

/// Alerts, newest first; `state` filters on `open`, `acknowledged` or `snoozed` when given.
pub fn alerts(d: &Dossier, state: Option<&str>) -> Result<Vec<StoredAlert>, StoreError> {
    let mut stmt = d.conn.prepare(
        "SELECT a.id, a.client_id, coalesce(c.name, ''), a.rule, a.dedupe_key, a.raised_on, a.details, a.state, a.snoozed_until
         FROM score_alerts a LEFT JOIN clients c ON c.id = a.client_id
         WHERE ?1 IS NULL OR a.state = ?1 ORDER BY a.raised_on DESC, a.id DESC",
    )?;
    let mut rows = stmt.query([state])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let until: Option<String> = r.get(8)?;
        out.push(StoredAlert {
            id: r.get(0)?,
            client_id: r.get(1)?,
            client_name: r.get(2)?,
            rule: r.get(3)?,
            dedupe_key: r.get(4)?,
            raised_on: text_date(r, 5)?,
            details: r.get(6)?,
            state: r.get(7)?,
            snoozed_until: until.as_deref().and_then(ymd),
        });
    }
    Ok(out)
}

/// Sets an alert's state (`acknowledged`, or `snoozed` until a day, or back to `open`), audited.
/// Returns false when no alert has that id.
pub fn set_alert_state(
    d: &mut Dossier,
    id: i64,
    state: &str,
    snoozed_until: Option<NaiveDate>,
    actor: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    if !matches!(state, "open" | "acknowledged" | "snoozed") || (state == "snoozed") != snoozed_until.is_some() {
        return Err(StoreError::Invalid(format!("alert state {state:?} with snooze date {snoozed_until:?}")));
    }
    let tx = d.conn.transaction()?;
    let before: Option<String> =
        tx.query_row("SELECT state FROM score_alerts WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    let Some(before) = before else {
        return Ok(false);
    };
    let at_str = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    tx.execute(
        "UPDATE score_alerts SET state = ?2, snoozed_until = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, state, snoozed_until.map(|d| d.to_string()), at_str],
    )?;
    let after =
        serde_json::json!({ "state": state, "snoozed_until": snoozed_until.map(|d| d.to_string()) }).to_string();
    let before = serde_json::json!({ "state": before }).to_string();
    insert_audit(&tx, at, actor, "score.alert", "score_alert", Some(&id.to_string()), Some(&before), Some(&after))?;
    tx.commit()?;
    Ok(true)
}

/// Snoozed alerts whose date has come are open again on `today` (read as open; the row keeps its date).
pub fn is_snoozed(a: &StoredAlert, today: NaiveDate) -> bool {
    a.state == "snoozed" && a.snoozed_until.is_some_and(|u| u > today)
}

/// Keeps a scorecard (JSON) fitted on `fitted_on` (`fit` or `prior`), replacing one of the same day.
pub fn put_model(
    d: &mut Dossier,
    fitted_on: NaiveDate,
    origin: &str,
    card_json: &str,
    note: &str,
) -> Result<(), StoreError> {
    d.conn.execute(
        "INSERT INTO scoring_models (fitted_on, origin, card_json, note) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(fitted_on) DO UPDATE SET origin = excluded.origin, card_json = excluded.card_json, note = excluded.note",
        params![fitted_on.to_string(), origin, card_json, note],
    )?;
    Ok(())
}

/// The latest scorecard fitted on or before `as_of`: (fitted on, origin, JSON).
pub fn latest_model(d: &Dossier, as_of: NaiveDate) -> Result<Option<(NaiveDate, String, String)>, StoreError> {
    let row: Option<(String, String, String)> = d
        .conn
        .query_row(
            "SELECT fitted_on, origin, card_json FROM scoring_models WHERE fitted_on <= ?1 ORDER BY fitted_on DESC LIMIT 1",
            [as_of.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(row.and_then(|(d, o, j)| ymd(&d).map(|d| (d, o, j))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_date_times_read_their_day() {
        assert_eq!(ymd("2026-03-05"), NaiveDate::from_ymd_opt(2026, 3, 5));
        assert_eq!(ymd("2026-03-05T10:00:00"), NaiveDate::from_ymd_opt(2026, 3, 5));
        assert_eq!(ymd("2026-02-30"), None);
        assert_eq!(ymd("20260305"), None);
        assert_eq!(ymd("2026-0a-05"), None);
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap_or_default();
        assert_eq!(from_day_number(day_number(d)), d);
    }

    /// A new dossier, empty: its schema is what the query plans are checked against.
    fn empty_dossier(dir: &std::path::Path) -> Dossier {
        let keys = crate::KeySource::Environment(
            crate::DossierKey::from_hex(&"5a".repeat(32)).unwrap_or_else(|e| panic!("{e}")),
        );
        let siren = encours_domain::Siren::parse("552081317").unwrap_or_else(|e| panic!("{e}"));
        let at = NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(9, 0, 0)).unwrap_or_default();
        Dossier::create(&dir.join("plan.encours"), &siren, "T", &keys, at).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_read_queries_are_answered_from_their_indexes_alone() {
        // A query that stops matching its index's expressions word for word would read every
        // table row (the wide invoices: 10x the pages) while giving the same answers: only the
        // plan shows it. SQLite says "USING COVERING INDEX" for a plain covering index and, for
        // an index on expressions, "USING INDEX" with no search of the table after it.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = empty_dossier(dir.path());
        for (sql, indexes) in [
            (INVOICES_SQL, &["invoices_scoring_days"][..]),
            (ALLOCATIONS_SQL, &["allocations_scoring_days"]),
            (STATUSES_SQL, &["status_events_scoring_days"]),
            (CLIENT_INVOICES_SQL, &["invoices_scoring_days"]),
            (CLIENT_ALLOCATIONS_SQL, &["invoices_scoring_days", "allocations_scoring_days"]),
            (CLIENT_STATUSES_SQL, &["invoices_scoring_days", "status_events_scoring_days"]),
        ] {
            let mut stmt = d.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap_or_else(|e| panic!("{e}"));
            let plan: Vec<String> = stmt
                .query_map([1], |r| r.get::<_, String>(3))
                .and_then(|rows| rows.collect())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(plan.len(), indexes.len(), "{sql}: {plan:?}");
            for (step, index) in plan.iter().zip(indexes) {
                assert!(step.contains(&format!("INDEX {index}")), "{plan:?}");
            }
            if sql.contains("WHERE client_id = ?1") || sql.contains("WHERE i.client_id = ?1") {
                assert!(plan[0].starts_with("SEARCH"), "one client's rows are searched, not scanned: {plan:?}");
            }
            // The bytecode must not read a column of the table: SQLite may open the table's cursor
            // (a deferred seek, in case), but no `Column` reads from it.
            let mut ops = d.conn.prepare(&format!("EXPLAIN {sql}")).unwrap_or_else(|e| panic!("{e}"));
            let ops: Vec<(String, i64, String)> = ops
                .query_map([1], |r| {
                    Ok((
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    ))
                })
                .and_then(|rows| rows.collect())
                .unwrap_or_else(|e| panic!("{e}"));
            // An index cursor's OpenRead carries its key description `k(…)`; a table's does not.
            let tables: Vec<i64> =
                ops.iter().filter(|(op, _, p4)| op == "OpenRead" && !p4.starts_with("k(")).map(|o| o.1).collect();
            assert!(ops.iter().any(|(op, _, _)| op == "Column"), "{sql}: {ops:?}");
            let from_table: Vec<&(String, i64, String)> =
                ops.iter().filter(|(op, c, _)| op == "Column" && tables.contains(c)).collect();
            assert!(from_table.is_empty(), "{sql} reads the table: {from_table:?}");
        }
    }

    #[test]
    fn a_clients_score_history_is_found_day_by_day_by_key() {
        // The scores are kept in day order (migration 0024); a client's history must be one key
        // lookup per scoring day, never a scan of every client's rows.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = empty_dossier(dir.path());
        let mut stmt =
            d.conn.prepare(&format!("EXPLAIN QUERY PLAN {}", client_scores_sql())).unwrap_or_else(|e| panic!("{e}"));
        let plan: Vec<String> = stmt
            .query_map(params![1, "2026-11-23"], |r| r.get::<_, String>(3))
            .and_then(|rows| rows.collect())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan.len(), 2, "{plan:?}");
        assert!(plan[0].starts_with("SEARCH d USING PRIMARY KEY"), "{plan:?}");
        assert!(plan[1].starts_with("SEARCH s USING PRIMARY KEY (scored_on=? AND client_id=?)"), "{plan:?}");
    }

    #[test]
    fn the_id_index_finds_each_invoices_rows_dense_or_sparse() {
        // Rows of invoices 3 (two), 4 (none), 5 (one), 9 (three): dense ids use the array.
        let keys = [3, 3, 5, 9, 9, 9];
        let dense = IdIndex::build(&keys);
        assert!(matches!(dense, IdIndex::Dense { .. }));
        // Ids spread far apart (a dossier with huge rowids) use the map, with the same answers.
        let far: Vec<i64> = keys.iter().map(|k| k * 1_000_000_000).collect();
        let sparse = IdIndex::build(&far);
        assert!(matches!(sparse, IdIndex::Sparse(_)));
        for (id, range) in [(3, 0..2), (4, 2..2), (5, 2..3), (9, 3..6), (2, 0..0), (10, 0..0)] {
            assert_eq!(dense.range(id).len(), range.len(), "dense {id}");
            if !range.is_empty() {
                assert_eq!(dense.range(id), range, "dense {id}");
            }
            assert_eq!(sparse.range(id * 1_000_000_000).len(), range.len(), "sparse {id}");
            if !range.is_empty() {
                assert_eq!(sparse.range(id * 1_000_000_000), range, "sparse {id}");
            }
        }
        assert_eq!(IdIndex::build(&[]).range(1), 0..0);
        assert_eq!(dense.range(-5), 0..0);
    }
}
