//! The open items behind a figure of the dashboard: what a click on the open balance, the overdue
//! figure, an aged-balance bucket, a client or a forecast week lists, as of the dashboard's date.
//!
//! The list is read from `encours_store::items`, which takes its items from the same read model
//! as the aged balance and filters them on the same days past due: the total of a bucket's list is
//! the bucket's amount in [`crate::analytics::aging_report`], the total of the overdue list is the
//! dashboard's overdue figure, to the cent and on any date. Like the dashboard, the list is in the
//! euro; items of the filter in other currencies are counted apart, never added.

use chrono::NaiveDate;
use encours_domain::Currency;
use encours_engines::analytics::aging::AgingBuckets;
use encours_engines::analytics::kpi::round2;
use encours_store::items::{self as store, ItemFilter, OpenItemsQuery};
use encours_store::{Dossier, AMOUNT_SCALE};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::analytics::export::{Cell, Table};
use crate::error::ApiError;

/// The most items one call lists (the totals always count every item).
pub const MAX_OPEN_ITEMS: u32 = 5_000;

/// Which open items to list. In JSON, `{"kind": "bucket", "minDays": 91, "maxDays": null}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export)]
pub enum OpenItemsFilter {
    /// Every open item: the open items total (credit notes not fully used count negative).
    All,
    /// The items past due (one day or more): the overdue figure.
    Overdue,
    /// An aged-balance bucket, with the bounds of its `AgingBucketView`: days past due in
    /// `minDays ..= maxDays`; `minDays` null is the "not due" bucket (0 days or less, `maxDays`
    /// ignored), `maxDays` null the open-ended last one.
    Bucket {
        /// Lowest days past due (`null`: not yet due).
        #[ts(type = "number | null")]
        min_days: Option<i64>,
        /// Highest days past due (`null`: no upper bound).
        #[ts(type = "number | null")]
        max_days: Option<i64>,
    },
    /// One client's open items.
    Client {
        /// The client's id.
        #[ts(type = "number")]
        client_id: i64,
    },
    /// The items due in a date range, both ends included (a week of the forecast: `starts`,
    /// `ends`). The forecast expects each item at its own expected date, not its due date: this
    /// list is what falls due in the week.
    DueBetween {
        /// First due date (ISO).
        from: String,
        /// Last due date (ISO).
        to: String,
    },
}

/// One open item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OpenItemView {
    /// Invoice (or credit note) id.
    #[ts(type = "number")]
    pub invoice_id: i64,
    /// BT-1 number.
    pub number: String,
    /// `invoice`, `credit_note`, `corrective`, `down_payment`…
    pub kind: String,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Issue date (ISO).
    pub issue_date: String,
    /// Due date (ISO).
    pub due_date: String,
    /// Days past the due date on the as-of date (0 or less: not yet due).
    #[ts(type = "number")]
    pub days_past_due: i64,
    /// Currency.
    pub currency: String,
    /// Open amount on the as-of date (decimal string to the cent; negative for a credit note).
    pub open: String,
    /// Part of a dispute open on the as-of date.
    pub disputed: bool,
}

/// The open items behind a filter, as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OpenItemsView {
    /// The date of the open amounts (ISO).
    pub as_of: String,
    /// The currency of the items and of `total`.
    pub currency: String,
    /// What was asked.
    pub filter: OpenItemsFilter,
    /// The first items: most days past due first, then the largest open amount.
    pub items: Vec<OpenItemView>,
    /// How many items the filter selects in the currency (listed or not).
    #[ts(type = "number")]
    pub count: u64,
    /// Their open amount (decimal string to the cent): the figure the list is behind.
    pub total: String,
    /// Items the filter selects in other currencies, as `"USD 900.00"`, never added to `total`.
    pub other_currencies: Vec<String>,
}

fn money(units: i64) -> String {
    let mut r = round2(Decimal::new(units, AMOUNT_SCALE));
    r.rescale(2);
    r.to_string()
}

fn iso(s: &str, what: &str) -> Result<NaiveDate, ApiError> {
    s.trim().parse().map_err(|_| ApiError::invalid(format!("{what}: {s:?} is not a date (YYYY-MM-DD)")))
}

impl OpenItemsFilter {
    /// The store's filter.
    fn to_store(&self) -> Result<ItemFilter, ApiError> {
        Ok(match self {
            OpenItemsFilter::All => ItemFilter::All,
            OpenItemsFilter::Overdue => ItemFilter::Overdue,
            OpenItemsFilter::Bucket { min_days: None, .. } => ItemFilter::DaysPastDue { min: None, max: Some(0) },
            OpenItemsFilter::Bucket { min_days: Some(min), max_days } => {
                if *min < 1 || max_days.is_some_and(|m| m < *min) {
                    return Err(ApiError::invalid(format!(
                        "bucket {min}–{max_days:?} days: an overdue bucket starts at 1 day and ends after it starts"
                    )));
                }
                ItemFilter::DaysPastDue { min: Some(*min), max: *max_days }
            }
            OpenItemsFilter::Client { client_id } => ItemFilter::Client(*client_id),
            OpenItemsFilter::DueBetween { from, to } => {
                let (from, to) = (iso(from, "due from")?, iso(to, "due to")?);
                if to < from {
                    return Err(ApiError::invalid(format!(
                        "due dates {from} to {to}: the range ends before it starts"
                    )));
                }
                ItemFilter::DueBetween { from, to }
            }
        })
    }
}

/// The filter of bucket `index` (0: not due) of an aged balance with columns `buckets`, as the
/// aging report numbers them.
pub fn bucket_filter(buckets: &AgingBuckets, index: usize) -> Result<OpenItemsFilter, ApiError> {
    let ranges = buckets.ranges();
    let (min, max) = ranges.get(index).copied().ok_or_else(|| {
        ApiError::invalid(format!("bucket {index}: the aged balance has buckets 0 to {}", ranges.len() - 1))
    })?;
    Ok(OpenItemsFilter::Bucket { min_days: min.map(i64::from), max_days: max.map(i64::from) })
}

/// The open items on `as_of` that `filter` selects, in the euro: the first `limit` (at most
/// [`MAX_OPEN_ITEMS`]), most days past due first, with the count and total of all of them.
pub fn open_items(
    d: &Dossier,
    as_of: NaiveDate,
    filter: &OpenItemsFilter,
    limit: u32,
) -> Result<OpenItemsView, ApiError> {
    let currency = Currency::EUR;
    let q = OpenItemsQuery {
        as_of,
        filter: filter.to_store()?,
        currency: Some(currency),
        limit: usize::try_from(limit.min(MAX_OPEN_ITEMS)).unwrap_or(0),
    };
    let found = store::open_items(d, &q)?;
    let total = found.total(currency);
    let items = found
        .items
        .into_iter()
        .map(|i| OpenItemView {
            invoice_id: i.invoice_id,
            number: i.number,
            kind: i.kind,
            client_id: i.client_id,
            client_name: i.client_name,
            issue_date: i.issue_date.to_string(),
            due_date: i.due_date.to_string(),
            days_past_due: i.days_past_due,
            currency: i.currency.to_string(),
            open: money(i.open),
            disputed: i.disputed,
        })
        .collect();
    Ok(OpenItemsView {
        as_of: as_of.to_string(),
        currency: currency.to_string(),
        filter: filter.clone(),
        items,
        count: total.count,
        total: money(total.open),
        other_currencies: found
            .totals
            .iter()
            .filter(|t| t.currency != currency && t.count > 0)
            .map(|t| format!("{} {}", t.currency, money(t.open)))
            .collect(),
    })
}

/// The listed items as a table (`encours items`, CSV): one row per item, then the total of every
/// item the filter selects.
pub fn open_items_table(v: &OpenItemsView) -> Table {
    let text = |s: &str| Cell::Text(s.to_owned());
    let amount = |s: &str| s.parse::<Decimal>().map(Cell::Number).unwrap_or_else(|_| text(s));
    let mut rows: Vec<Vec<Cell>> = v
        .items
        .iter()
        .map(|i| {
            vec![
                text(&i.number),
                text(&i.client_name),
                text(&i.issue_date),
                text(&i.due_date),
                Cell::Integer(i.days_past_due),
                amount(&i.open),
                text(if i.disputed { "litige" } else { "" }),
            ]
        })
        .collect();
    // The total is of every item selected, listed or not: say how many that is.
    let selected = format!("{} pièces", v.count);
    rows.push(vec![
        text("total"),
        text(&selected),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        amount(&v.total),
        Cell::Empty,
    ]);
    let columns = ["number", "client", "issue_date", "due_date", "days_past_due", "open", "dispute"];
    Table { name: "open-items".to_owned(), columns: columns.map(str::to_owned).to_vec(), rows }
}
