//! Read models over the ledger: the summary and the exports. Results stream through callbacks so
//! that a 2-million-invoice ledger is never loaded whole.

use chrono::NaiveDate;
use encours_domain::{Currency, Money, Totals};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::amount::from_units;
use crate::dossier::Dossier;
use crate::error::StoreError;

/// The numbers of the dossier's front page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerSummary {
    /// Clients.
    pub clients: u64,
    /// Invoices and credit notes.
    pub invoices: u64,
    /// Payments.
    pub payments: u64,
    /// Open items: documents with something left open (invoices still due, credit notes not yet used).
    pub open_items: u64,
    /// Open invoices past their due date on the as-of date.
    pub overdue_items: u64,
    /// What clients owe, per currency: open invoices, minus unused credit notes, minus payments
    /// received but not yet allocated.
    pub open_balance: Totals,
    /// The part of the open invoices that is past due on the as-of date, per currency.
    pub overdue_balance: Totals,
}

fn currency(code: &str) -> Result<Currency, StoreError> {
    Currency::parse(code).map_err(|e| StoreError::Decode(e.to_string()))
}

fn add_units(totals: &mut Totals, code: &str, units: i64) -> Result<(), StoreError> {
    totals.add(&Money::new(from_units(units), currency(code)?)).map_err(|e| StoreError::Decode(e.to_string()))
}

/// The queries of a summary: the three counts (clients, invoices, payments), then per currency
/// the open items (count, sum), the cash not applied of known clients (sum), and the overdue
/// items as of `?1` (count, sum).
struct SummarySql {
    counts: [&'static str; 3],
    open: &'static str,
    unapplied: &'static str,
    overdue: &'static str,
}

/// From the aggregates the triggers keep in step with the ledger (migrations 0019 and 0021):
/// counting 2,000,000 invoices and summing their open amounts read whole indexes (250–500 ms,
/// half of the app's start). Every open amount there is the current `outstanding`, as the
/// aggregates hold it; the date only decides what is overdue.
const FROM_AGGREGATES: SummarySql = SummarySql {
    counts: [
        "SELECT n FROM analytics_counts WHERE name = 'clients'",
        "SELECT n FROM analytics_counts WHERE name = 'invoices'",
        "SELECT n FROM analytics_counts WHERE name = 'payments'",
    ],
    open: "SELECT currency, sum(items), sum(open) FROM analytics_open GROUP BY currency HAVING sum(items) <> 0",
    unapplied: "SELECT currency, sum(unapplied) FROM analytics_open_clients WHERE unapplied <> 0 GROUP BY currency",
    overdue: "SELECT currency, sum(invoices), sum(positive) FROM analytics_open WHERE due_date < ?1
              GROUP BY currency HAVING sum(invoices) <> 0",
};

/// From the ledger's tables themselves (the reference the aggregates are tested against).
const FROM_TABLES: SummarySql = SummarySql {
    counts: ["SELECT count(*) FROM clients", "SELECT count(*) FROM invoices", "SELECT count(*) FROM payments"],
    open: "SELECT currency, count(*), sum(outstanding) FROM invoices WHERE outstanding <> 0 GROUP BY currency",
    unapplied: "SELECT currency, sum(unallocated) FROM payments WHERE unallocated <> 0 AND client_id IS NOT NULL
                GROUP BY currency",
    overdue: "SELECT currency, count(*), sum(outstanding) FROM invoices
              WHERE outstanding <> 0 AND outstanding > 0 AND due_date < ?1 GROUP BY currency",
};

/// The summary as of a date (the date decides what is overdue), from the aggregates.
pub fn summary(d: &Dossier, as_of: NaiveDate) -> Result<LedgerSummary, StoreError> {
    summary_by(d, as_of, &FROM_AGGREGATES)
}

/// [`summary`] counted and summed from the ledger's tables themselves, for the tests that check
/// the aggregates against it.
#[doc(hidden)]
pub fn summary_from_tables(d: &Dossier, as_of: NaiveDate) -> Result<LedgerSummary, StoreError> {
    summary_by(d, as_of, &FROM_TABLES)
}

fn summary_by(d: &Dossier, as_of: NaiveDate, q: &SummarySql) -> Result<LedgerSummary, StoreError> {
    let c = &d.conn;
    let count = |sql: &str| -> Result<u64, StoreError> {
        let n: Option<i64> = c.query_row(sql, [], |r| r.get(0)).optional()?;
        Ok(n.unwrap_or(0).max(0) as u64)
    };
    // Per currency: (code, count or 0, sum in units).
    let per_currency = |sql: &str, params: &[&dyn rusqlite::ToSql], counted: bool| {
        let mut stmt = c.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let (items, sum) = if counted { (r.get::<_, i64>(1)?, r.get(2)?) } else { (0, r.get(1)?) };
            out.push((r.get::<_, String>(0)?, items.max(0) as u64, sum));
        }
        Ok::<Vec<(String, u64, i64)>, StoreError>(out)
    };
    let [clients, invoices, payments] = [count(q.counts[0])?, count(q.counts[1])?, count(q.counts[2])?];

    let mut open_balance = Totals::new();
    let mut open_items = 0u64;
    for (code, items, sum) in per_currency(q.open, &[], true)? {
        open_items += items;
        add_units(&mut open_balance, &code, sum)?;
    }
    for (code, _, unapplied) in per_currency(q.unapplied, &[], false)? {
        add_units(&mut open_balance, &code, -unapplied)?;
    }
    let mut overdue_balance = Totals::new();
    let mut overdue_items = 0u64;
    for (code, items, sum) in per_currency(q.overdue, &[&as_of.to_string()], true)? {
        overdue_items += items;
        add_units(&mut overdue_balance, &code, sum)?;
    }
    Ok(LedgerSummary { clients, invoices, payments, open_items, overdue_items, open_balance, overdue_balance })
}

/// One client in the clients export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientRow {
    /// Id in the dossier.
    pub id: i64,
    /// Name.
    pub name: String,
    /// SIREN.
    pub siren: Option<String>,
    /// SIRET.
    pub siret: Option<String>,
    /// VAT number.
    pub vat: Option<String>,
    /// NAF code.
    pub naf: Option<String>,
    /// Segment.
    pub segment: String,
    /// Account owner.
    pub owner: String,
    /// Postcode.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Currency of the balances below.
    pub currency: String,
    /// Open balance (decimal string).
    pub open_balance: String,
    /// Overdue balance on the as-of date (decimal string).
    pub overdue_balance: String,
}

/// Calls `f` for every client, in id order, with its balances as of a date.
pub fn for_each_client(
    d: &Dossier,
    as_of: NaiveDate,
    mut f: impl FnMut(ClientRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = d.conn.prepare(
        "SELECT c.id, c.name, c.siren, c.siret, c.vat, c.naf, c.segment, c.owner, c.address_json, c.currency,
                coalesce(o.open, 0) - coalesce(p.unallocated, 0), coalesce(o.overdue, 0)
         FROM clients c
         LEFT JOIN (SELECT client_id, sum(outstanding) AS open,
                           sum(CASE WHEN outstanding > 0 AND due_date < ?1 THEN outstanding ELSE 0 END) AS overdue
                    FROM invoices WHERE outstanding <> 0 GROUP BY client_id) o ON o.client_id = c.id
         LEFT JOIN (SELECT client_id, sum(unallocated) AS unallocated FROM payments
                    WHERE unallocated <> 0 GROUP BY client_id) p ON p.client_id = c.id
         ORDER BY c.id",
    )?;
    let mut rows = stmt.query(params![as_of.to_string()])?;
    while let Some(r) = rows.next()? {
        let address: serde_json::Value = serde_json::from_str(&r.get::<_, String>(8)?)?;
        let text = |k: &str| address.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        f(ClientRow {
            id: r.get(0)?,
            name: r.get(1)?,
            siren: r.get(2)?,
            siret: r.get(3)?,
            vat: r.get(4)?,
            naf: r.get(5)?,
            segment: r.get(6)?,
            owner: r.get(7)?,
            postcode: text("postcode"),
            city: text("city"),
            currency: r.get(9)?,
            open_balance: from_units(r.get(10)?).to_string(),
            overdue_balance: from_units(r.get(11)?).to_string(),
        })?;
    }
    Ok(())
}

/// One open item in the open-items export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenItemRow {
    /// Invoice id in the dossier.
    pub invoice_id: i64,
    /// BT-1 number.
    pub number: String,
    /// BT-3 type code.
    pub type_code: u16,
    /// Kind (`invoice`, `credit_note`…).
    pub kind: String,
    /// Client id.
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// BT-2 issue date.
    pub issue_date: String,
    /// Due date.
    pub due_date: String,
    /// Currency.
    pub currency: String,
    /// What the document added to the balance (decimal string, negative for credit notes).
    pub amount: String,
    /// What is still open (decimal string).
    pub outstanding: String,
    /// Days past due on the as-of date (0 when not due).
    pub days_overdue: i64,
    /// Latest lifecycle status code, when any.
    pub last_status: Option<u16>,
    /// Where the invoice came from.
    pub source: String,
}

/// Calls `f` for every open item, ordered by due date, as of a date.
pub fn for_each_open_item(
    d: &Dossier,
    as_of: NaiveDate,
    mut f: impl FnMut(OpenItemRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = d.conn.prepare(
        "SELECT i.id, i.number, i.type_code, i.kind, i.client_id, c.name, i.issue_date, i.due_date, i.currency,
                i.receivable, i.outstanding,
                (SELECT s.code FROM status_events s WHERE s.invoice_id = i.id ORDER BY s.at DESC, s.id DESC LIMIT 1),
                src.origin || CASE WHEN i.source_locator = '' THEN '' ELSE ' / ' || i.source_locator END
         FROM invoices i JOIN clients c ON c.id = i.client_id JOIN sources src ON src.id = i.source_id
         WHERE i.outstanding <> 0
         ORDER BY i.due_date, i.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let due: String = r.get(7)?;
        let days_overdue = due
            .parse::<NaiveDate>()
            .map(|d| (as_of - d).num_days().max(0))
            .map_err(|e| StoreError::Decode(e.to_string()))?;
        f(OpenItemRow {
            invoice_id: r.get(0)?,
            number: r.get(1)?,
            type_code: r.get(2)?,
            kind: r.get(3)?,
            client_id: r.get(4)?,
            client_name: r.get(5)?,
            issue_date: r.get(6)?,
            due_date: due,
            currency: r.get(8)?,
            amount: from_units(r.get(9)?).to_string(),
            outstanding: from_units(r.get(10)?).to_string(),
            days_overdue,
            last_status: r.get(11)?,
            source: r.get(12)?,
        })?;
    }
    Ok(())
}
