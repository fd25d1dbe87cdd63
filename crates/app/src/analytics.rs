//! Receivables analytics: the dashboard and the reports (aged balance, DSO, forecast, French
//! compliance), each as of any date, rebuilt from the ledger.
//!
//! The pure computations live in `encours_engines::analytics`; the read models that rebuild the
//! ledger as of a date in `encours_store::analytics`. This module joins them and shapes the DTOs.
//! Every amount is in the euro: items in other currencies are listed apart, never added.
//!
//! Definitions (collections-anchors.md (d), the anchor each follows):
//! - **open items** on `D`: invoices issued by `D` minus the allocations applied by `D`, credit
//!   notes not used by `D` (negative); **net balance**: open items minus cash booked by `D` and not
//!   applied by `D`;
//! - **KPI period**: the month of `D` up to `D` and the two months before it;
//! - **DSO countback** (épuisement) over the months before `D` (the month of `D` counts its days
//!   elapsed), **best possible DSO** the same on the part not yet due, **overdue DSO** their
//!   difference [K1][K2][K4]; **DSO simple**: open items / sales of the period × its days [K3];
//! - **CEI**: `(AR at the start of the period + sales − AR at D) / (AR at start + sales − AR not
//!   due at D)`, with the full sales of the period [K6];
//! - **average days delinquent**: the overdue open invoices' days past due weighted by amount;
//! - **% overdue**: overdue / open items (amount) and overdue invoices / open invoices (count);
//! - **dispute resolution time**: mean days from opening to resolution of the disputes resolved in
//!   the 12 months to `D`; **promise-kept rate**: kept / promises whose date fell in those 12
//!   months (by count, as recorded);
//! - **share of automatic reminders**: of the reminders that went out in the KPI period, those an
//!   email or SMS step sent with nobody's validation; letters, registered letters, validated steps
//!   and calls made are by hand (`store::analytics::reminders_sent_between`);
//! - **bad-debt ratio**: write-offs (654, [`writeoff`]) dated in the 12 months to `D` over the
//!   sales of those months, incl. tax; no recovery after a write-off is recorded.

pub mod dto;
pub mod export;
mod fast;
mod today;
pub mod writeoff;

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Months, NaiveDate};
use encours_domain::{Currency, Money, Totals};
use encours_engines::analytics::aging::{Aging, AgingBuckets, AgingLine};
use encours_engines::analytics::compliance::{self, ImpairmentPolicy, Insolvency, LateTable};
use encours_engines::analytics::forecast::{Behaviour, Forecast, ForecastItem, ItemState, PendingPromise};
use encours_engines::analytics::kpi::{self, round1, round2, MonthSales, WeightedMean};
use encours_store::analytics as store;
use encours_store::{Dossier, AMOUNT_SCALE};
use rust_decimal::Decimal;

use crate::error::ApiError;
pub use dto::*;

/// Weeks in the collections forecast.
pub const FORECAST_WEEKS: usize = 13;
/// Months in the DSO series.
pub const SERIES_MONTHS: u32 = 24;
/// Clients in the top exposures.
pub const TOP_EXPOSURES: usize = 20;

/// What the reports can be asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnalyticsOptions {
    /// Aged-balance columns.
    pub buckets: AgingBuckets,
    /// Clients declared in an insolvency procedure, with the judgment date (compliance report).
    pub insolvencies: Vec<(i64, Insolvency, NaiveDate)>,
    /// The accountant's impairment policy (compliance report).
    pub policy: ImpairmentPolicy,
    /// First day of the financial year closing on the as-of date; default: the day after the same
    /// date a year before.
    pub year_starts: Option<NaiveDate>,
}

fn units(u: i64) -> Decimal {
    Decimal::new(u, AMOUNT_SCALE)
}

/// An amount as a decimal string with two decimals (cents, half away from zero).
fn money(x: Decimal) -> String {
    let mut r = round2(x);
    r.rescale(2);
    r.to_string()
}

/// Days or a percentage with one decimal.
fn one(x: Decimal) -> String {
    let mut r = round1(x);
    r.rescale(1);
    r.to_string()
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn last_of_month(d: NaiveDate) -> NaiveDate {
    first_of_month(d).checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(d)
}

fn months_back(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(n)).unwrap_or(NaiveDate::MIN)
}

/// NAF division (two digits) of a code like "47.11Z".
fn naf_division(naf: Option<&str>) -> String {
    naf.and_then(|n| n.get(..2)).filter(|d| d.bytes().all(|b| b.is_ascii_digit())).unwrap_or("—").to_owned()
}

/// The open items on a date, accumulated per client (euro only), in one pass.
struct Snapshot {
    as_of: NaiveDate,
    buckets: AgingBuckets,
    per_client: HashMap<i64, AgingLine>,
    total: AgingLine,
    items: HashMap<i64, Vec<ForecastItem>>,
    unapplied: HashMap<i64, Decimal>,
    unapplied_total: Decimal,
    other_currencies: Totals,
    /// Disputes open on the date.
    disputes: Vec<store::DisputeRow>,
}

impl Snapshot {
    fn take(d: &Dossier, as_of: NaiveDate, buckets: &AgingBuckets, with_items: bool) -> Result<Snapshot, ApiError> {
        let disputes = store::disputes_open_at(d, as_of)?;
        let disputed: HashSet<i64> = disputes.iter().flat_map(|r| r.invoice_ids.iter().copied()).collect();
        let stopped = if with_items { store::stopped_invoices(d, as_of)? } else { HashSet::new() };
        let n = buckets.len();
        let mut per_client: HashMap<i64, AgingLine> = HashMap::new();
        let mut items: HashMap<i64, Vec<ForecastItem>> = HashMap::new();
        let mut other = Totals::new();
        // The hot loop adds integers (stored units); each client's row becomes decimals once.
        let mut last_client = i64::MIN;
        let mut line = UnitsLine::new(n);
        let mut client_items: Vec<ForecastItem> = Vec::new();
        let mut flush = |client: i64,
                         line: &mut UnitsLine,
                         client_items: &mut Vec<ForecastItem>,
                         per_client: &mut HashMap<i64, AgingLine>| {
            if client != i64::MIN && line.items > 0 {
                per_client.entry(client).or_insert_with(|| AgingLine::new(n)).merge(&line.to_line());
            }
            if !client_items.is_empty() {
                items.entry(client).or_default().append(client_items);
            }
            *line = UnitsLine::new(n);
        };
        store::for_each_item_as_of(d, as_of, |it| {
            if it.currency != Currency::EUR {
                return other
                    .add(&Money::new(units(it.open), it.currency))
                    .map_err(|e| encours_store::StoreError::Decode(e.to_string()));
            }
            if it.client_id != last_client {
                flush(last_client, &mut line, &mut client_items, &mut per_client);
                last_client = it.client_id;
            }
            line.add(buckets, it.open, (as_of - it.due_date).num_days(), (as_of - it.issue_date).num_days());
            if with_items {
                let state = if stopped.contains(&it.invoice_id) {
                    ItemState::NotCollectable
                } else if disputed.contains(&it.invoice_id) {
                    ItemState::Disputed
                } else {
                    ItemState::Normal
                };
                client_items.push(ForecastItem {
                    invoice_id: it.invoice_id,
                    open: units(it.open),
                    due: it.due_date,
                    state,
                });
            }
            Ok(())
        })?;
        flush(last_client, &mut line, &mut client_items, &mut per_client);
        let mut total = AgingLine::new(n);
        for l in per_client.values() {
            total.merge(l);
        }
        let mut unapplied = HashMap::new();
        let mut unapplied_total = Decimal::ZERO;
        for (client, currency, u) in store::unapplied_as_of(d, as_of)? {
            if currency == Currency::EUR {
                *unapplied.entry(client).or_default() += units(u);
                unapplied_total += units(u);
            } else {
                other.add(&Money::new(-units(u), currency)).map_err(|e| ApiError::invalid(e.to_string()))?;
            }
        }
        Ok(Snapshot {
            as_of,
            buckets: buckets.clone(),
            per_client,
            total,
            items,
            unapplied,
            unapplied_total,
            other_currencies: other,
            disputes,
        })
    }

    fn other_currencies(&self) -> Vec<String> {
        other_currencies_of(&self.other_currencies)
    }
}

/// The open items in other currencies, one line each ("USD 120.00"), none for a zero total.
fn other_currencies_of(other: &Totals) -> Vec<String> {
    other.iter().filter(|m| !m.amount.is_zero()).map(|m| format!("{} {}", m.currency, money(m.amount))).collect()
}

/// One client's aged-balance row in stored units, for the hot loop; [`UnitsLine::to_line`] gives
/// exactly the engine's [`AgingLine`] of the same items.
#[derive(Clone)]
struct UnitsLine {
    items: u64,
    invoices: u64,
    overdue_invoices: u64,
    buckets: Vec<i64>,
    age_weighted: i128,
    age_weight: i64,
    late_weighted: i128,
    late_weight: i64,
    oldest: i64,
}

impl UnitsLine {
    fn new(n: usize) -> UnitsLine {
        UnitsLine {
            items: 0,
            invoices: 0,
            overdue_invoices: 0,
            buckets: vec![0; n],
            age_weighted: 0,
            age_weight: 0,
            late_weighted: 0,
            late_weight: 0,
            oldest: 0,
        }
    }

    /// The same rule as [`AgingLine::add`], on units.
    fn add(&mut self, buckets: &AgingBuckets, open: i64, days_past_due: i64, age_days: i64) {
        self.items += 1;
        if let Some(b) = self.buckets.get_mut(buckets.index(days_past_due)) {
            *b += open;
        }
        if open > 0 {
            self.invoices += 1;
            self.age_weighted += i128::from(age_days) * i128::from(open);
            self.age_weight += open;
            if days_past_due > 0 {
                self.overdue_invoices += 1;
                self.late_weighted += i128::from(days_past_due) * i128::from(open);
                self.late_weight += open;
                self.oldest = self.oldest.max(days_past_due);
            }
        }
    }

    /// The items of one aggregate row (one due date, `days_past_due` on the date) at once: the
    /// same sums as [`UnitsLine::add`] of each item, since the age of each is `days_past_due` plus
    /// its days from issue to due date (`terms` sums those, weighted).
    fn add_group(&mut self, buckets: &AgingBuckets, r: &store::today::OpenByDue, days_past_due: i64) {
        self.items += r.items;
        if let Some(b) = self.buckets.get_mut(buckets.index(days_past_due)) {
            *b += r.open;
        }
        if r.invoices > 0 {
            self.invoices += r.invoices;
            self.age_weighted += i128::from(days_past_due) * i128::from(r.positive) + i128::from(r.terms);
            self.age_weight += r.positive;
            if days_past_due > 0 {
                self.overdue_invoices += r.invoices;
                self.late_weighted += i128::from(days_past_due) * i128::from(r.positive);
                self.late_weight += r.positive;
                self.oldest = self.oldest.max(days_past_due);
            }
        }
    }

    /// The same as [`AgingLine::merge`], on units: sums of the parts, the oldest of both.
    fn merge(&mut self, other: &UnitsLine) {
        if self.buckets.len() < other.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += *b;
        }
        self.items += other.items;
        self.invoices += other.invoices;
        self.overdue_invoices += other.overdue_invoices;
        self.age_weighted += other.age_weighted;
        self.age_weight += other.age_weight;
        self.late_weighted += other.late_weighted;
        self.late_weight += other.late_weight;
        self.oldest = self.oldest.max(other.oldest);
    }

    fn to_line(&self) -> AgingLine {
        let mean = |weighted: i128, weight: i64| WeightedMean {
            weighted: Decimal::from_i128_with_scale(weighted, AMOUNT_SCALE),
            weight: units(weight),
        };
        AgingLine {
            items: self.items,
            invoices: self.invoices,
            overdue_invoices: self.overdue_invoices,
            buckets: self.buckets.iter().map(|b| units(*b)).collect(),
            age: mean(self.age_weighted, self.age_weight),
            delinquency: mean(self.late_weighted, self.late_weight),
            oldest_days_past_due: self.oldest,
        }
    }
}

fn row_view(key: String, label: String, line: &AgingLine) -> AgingRowView {
    AgingRowView {
        key,
        label,
        items: line.items,
        buckets: line.buckets.iter().map(|b| money(*b)).collect(),
        total: money(line.total()),
        overdue: money(line.overdue()),
        overdue_percent: kpi::percent(line.overdue(), line.total()).map(one),
        average_age_days: line.age.mean().map(one),
    }
}

fn bucket_views(b: &AgingBuckets) -> Vec<AgingBucketView> {
    b.labels()
        .into_iter()
        .zip(b.ranges())
        .map(|(label, (min, max))| AgingBucketView {
            label,
            min_days: min.and_then(|m| i32::try_from(m).ok()),
            max_days: max.and_then(|m| i32::try_from(m).ok()),
        })
        .collect()
}

/// Client attributes by id.
struct Clients(HashMap<i64, store::ClientAttributes>);

impl Clients {
    fn load(d: &Dossier) -> Result<Clients, ApiError> {
        Ok(Clients(store::client_attributes(d)?.into_iter().map(|c| (c.id, c)).collect()))
    }

    fn key(&self, client: i64, dim: AgingDimension) -> (String, String) {
        let c = self.0.get(&client);
        match dim {
            AgingDimension::Client => {
                (client.to_string(), c.map(|c| c.name.clone()).unwrap_or_else(|| format!("client {client}")))
            }
            AgingDimension::Segment => {
                let s = c.map(|c| c.segment.clone()).unwrap_or_default();
                (s.clone(), s)
            }
            AgingDimension::Owner => {
                let s = c.map(|c| c.owner.clone()).unwrap_or_default();
                (s.clone(), s)
            }
            AgingDimension::Sector => {
                let div = naf_division(c.and_then(|c| c.naf.as_deref()));
                (div.clone(), format!("NAF {div}"))
            }
        }
    }
}

fn aging_table(s: &Snapshot, clients: &Clients, dim: AgingDimension) -> AgingTableView {
    let mut grouped: Aging<(String, String)> = Aging::new(s.buckets.clone());
    for (client, line) in &s.per_client {
        grouped.add_line(clients.key(*client, dim), line);
    }
    let rows: Vec<((String, String), AgingLine)> = grouped.rows.into_iter().collect();
    aging_table_of(s.as_of, &s.buckets, dim, rows, &s.total, s.unapplied_total)
}

/// The table of grouped rows (any order: sorted here, largest first, then by key).
fn aging_table_of(
    as_of: NaiveDate,
    buckets: &AgingBuckets,
    dim: AgingDimension,
    mut rows: Vec<((String, String), AgingLine)>,
    total: &AgingLine,
    unapplied_total: Decimal,
) -> AgingTableView {
    rows.sort_by(|a, b| b.1.total().cmp(&a.1.total()).then_with(|| a.0.cmp(&b.0)));
    AgingTableView {
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        dimension: dim,
        buckets: bucket_views(buckets),
        rows: rows.into_iter().map(|((k, l), line)| row_view(k, l, &line)).collect(),
        total: row_view("total".to_owned(), "Total".to_owned(), total),
        unapplied_cash: money(unapplied_total),
        net_balance: money(total.total() - unapplied_total),
    }
}

/// A month-end (or as-of) point of the history.
#[derive(Clone, Copy, Debug, Default)]
struct Point {
    at: NaiveDate,
    open: Decimal,
    not_due: Decimal,
    sales: Decimal,
    cash: Decimal,
}

/// The history behind the DSO figures: month-end open items (from the flows) and monthly sales and
/// cash (from the daily totals), euro only.
struct History {
    /// Month ends before the month of `as_of`, oldest first, then the as-of point.
    points: Vec<Point>,
    /// Sales per month, newest first, the month of `as_of` counted to `as_of`: `(days, sales)`.
    months_newest_first: Vec<MonthSales>,
}

impl History {
    fn load(d: &Dossier, as_of: NaiveDate, at_as_of: &AgingLine) -> Result<History, ApiError> {
        let this_month = first_of_month(as_of);
        let oldest = months_back(this_month, SERIES_MONTHS + 12);
        // Open by due date at each month end before this month, from the cumulated flows.
        let flows = store::flows_until(d, months_back(this_month, 1))?;
        let mut by_due: std::collections::BTreeMap<NaiveDate, i64> = std::collections::BTreeMap::new();
        let mut month_ends: Vec<(NaiveDate, Decimal, Decimal)> = Vec::new();
        let mut k = 0;
        let mut month = flows.first().map(|f| f.month).unwrap_or(oldest).min(oldest);
        while month < this_month {
            while let Some(f) = flows.get(k).filter(|f| f.month <= month) {
                if f.currency == Currency::EUR {
                    *by_due.entry(f.due_date).or_default() += f.delta;
                }
                k += 1;
            }
            let end = last_of_month(month);
            if month >= oldest {
                let open: i64 = by_due.values().sum();
                let not_due: i64 = by_due.range(end.succ_opt().unwrap_or(end)..).map(|(_, v)| *v).sum();
                month_ends.push((end, units(open), units(not_due)));
            }
            month = month.checked_add_months(Months::new(1)).unwrap_or(this_month);
        }
        // Sales and cash per month.
        let mut sales: HashMap<NaiveDate, (Decimal, Decimal)> = HashMap::new();
        for t in store::days_between(d, oldest, as_of)? {
            if t.currency == Currency::EUR {
                let e = sales.entry(first_of_month(t.day)).or_default();
                e.0 += units(t.sales);
                e.1 += units(t.cash);
            }
        }
        let mut points: Vec<Point> = month_ends
            .into_iter()
            .map(|(end, open, not_due)| {
                let (s, c) = sales.get(&first_of_month(end)).copied().unwrap_or_default();
                Point { at: end, open, not_due, sales: s, cash: c }
            })
            .collect();
        let (s, c) = sales.get(&this_month).copied().unwrap_or_default();
        points.push(Point { at: as_of, open: at_as_of.total(), not_due: at_as_of.not_due(), sales: s, cash: c });
        let mut months_newest_first = Vec::new();
        let mut m = this_month;
        while m >= oldest {
            let days = if m == this_month { as_of.day() } else { last_of_month(m).day() };
            months_newest_first.push(MonthSales { days, sales: sales.get(&m).map(|x| x.0).unwrap_or_default() });
            m = months_back(m, 1);
        }
        Ok(History { points, months_newest_first })
    }

    /// The sales months before (and including) the month of `at`, newest first.
    fn months_at(&self, at: NaiveDate, as_of: NaiveDate) -> &[MonthSales] {
        let back = (as_of.year() * 12 + as_of.month0() as i32) - (at.year() * 12 + at.month0() as i32);
        self.months_newest_first.get(usize::try_from(back).unwrap_or(0)..).unwrap_or(&[])
    }
}

/// DSO figures at one point: (countback, best possible, simple).
fn dso_at(h: &History, p: &Point, as_of: NaiveDate) -> (Option<Decimal>, Option<Decimal>, Option<Decimal>) {
    let months = h.months_at(p.at, as_of);
    let countback = kpi::dso_countback(p.open, months);
    let best = kpi::dso_countback(p.not_due, months);
    let three = months.get(..3.min(months.len())).unwrap_or(&[]);
    let sales: Decimal = three.iter().map(|m| m.sales).sum();
    let days: u32 = three.iter().map(|m| m.days).sum();
    (countback, best, kpi::dso_simple(p.open, sales, days))
}

fn point_view(h: &History, p: &Point, as_of: NaiveDate) -> DsoPointView {
    let (countback, best, simple) = dso_at(h, p, as_of);
    DsoPointView {
        month: p.at.format("%Y-%m").to_string(),
        at: p.at.to_string(),
        receivables: money(p.open),
        not_due: money(p.not_due),
        sales: money(p.sales),
        cash_collected: money(p.cash),
        dso_countback: countback.map(one),
        dso_simple: simple.map(one),
        best_possible_dso: best.map(one),
        overdue_dso: countback.zip(best).map(|(c, b)| one(kpi::overdue_dso(c, b))),
        overdue_percent: kpi::percent(p.open - p.not_due, p.open).map(one),
    }
}

/// Everything the key figures need, computed once.
struct Kpis {
    view: KeyFiguresView,
    notes: Vec<String>,
    dso_points: Vec<DsoPointView>,
}

/// What of the open items on the date the key figures read.
struct OpenOn<'a> {
    as_of: NaiveDate,
    total: &'a AgingLine,
    unapplied_total: Decimal,
    disputes: &'a [store::DisputeRow],
}

impl Snapshot {
    fn open_on(&self) -> OpenOn<'_> {
        OpenOn {
            as_of: self.as_of,
            total: &self.total,
            unapplied_total: self.unapplied_total,
            disputes: &self.disputes,
        }
    }
}

fn key_figures(d: &Dossier, s: &OpenOn<'_>, h: &History) -> Result<Kpis, ApiError> {
    let as_of = s.as_of;
    let t = s.total;
    let now = h.points.last().copied().unwrap_or_default();
    let (countback, best, _) = dso_at(h, &now, as_of);
    // The KPI period: this month to date and the two months before it.
    let period_start = months_back(first_of_month(as_of), 2);
    let period_days = u32::try_from((as_of - period_start).num_days() + 1).unwrap_or(0);
    let period: Vec<&Point> = h.points.iter().filter(|p| p.at >= period_start).collect();
    let period_sales: Decimal = period.iter().map(|p| p.sales).sum();
    let period_cash: Decimal = period.iter().map(|p| p.cash).sum();
    let ar_begin = h.points.iter().rev().find(|p| p.at < period_start).map(|p| p.open);
    let cei = ar_begin.and_then(|b| kpi::cei(b, period_sales, t.total(), t.not_due()));
    let simple = kpi::dso_simple(t.total(), period_sales, period_days);

    // Disputes and promises over the 12 months to the date.
    let year_ago = months_back(as_of, 12).succ_opt().unwrap_or(as_of);
    // Each resolved dispute weighs one: the mean of the days from opening to resolution.
    let (resolved, resolution_days) = store::dispute_resolution_between(d, year_ago, as_of)?;
    let resolution = WeightedMean { weighted: Decimal::from(resolution_days), weight: Decimal::from(resolved) };
    let mut disputed = Decimal::ZERO;
    for r in s.disputes.iter().filter(|r| r.currency == Currency::EUR) {
        disputed += units(r.amount);
    }
    let (promised, kept) = store::promises_kept_between(d, year_ago, as_of, as_of)?;
    let promise_kept = kpi::percent(Decimal::from(kept), Decimal::from(promised));

    // Reminders over the KPI period: sent by the scenarios on their own, or by a person.
    let (automatic, by_hand) = store::reminders_sent_between(d, period_start, as_of)?;
    let automatic_share = kpi::percent(Decimal::from(automatic), Decimal::from(automatic + by_hand));

    // Bad-debt ratio over the 12 months to the date: write-offs (654) / sales incl. tax
    // (collections-anchors (d); no recovery after a write-off is recorded, so none is deducted).
    let written_off = store::writeoff::written_off_between(d, Currency::EUR, year_ago, as_of)?;
    let year_sales = store::today::sales_between(d, Currency::EUR, year_ago, as_of)?;
    let bad_debt = kpi::percent(units(written_off), units(year_sales));
    let mut notes = vec![format!(
        "Taux de créances irrécouvrables : pertes des 12 derniers mois ({} €) / ventes TTC des 12 mois ; \
         les recouvrements après passage en perte ne sont pas enregistrés.",
        money(units(written_off))
    )];
    if automatic_share.is_none() {
        notes.push("Part des relances automatiques : aucune relance envoyée sur la période.".to_owned());
    }
    if ar_begin.is_none() {
        notes.push("CEI : pas d'historique au début de la période.".to_owned());
    }
    let view = KeyFiguresView {
        net_balance: money(t.total() - s.unapplied_total),
        open_items_total: money(t.total()),
        overdue: money(t.overdue()),
        overdue_percent: kpi::percent(t.overdue(), t.total()).map(one),
        overdue_count_percent: kpi::percent(Decimal::from(t.overdue_invoices), Decimal::from(t.invoices)).map(one),
        period_days,
        dso_countback: countback.map(one),
        dso_simple: simple.map(one),
        best_possible_dso: best.map(one),
        overdue_dso: countback.zip(best).map(|(c, b)| one(kpi::overdue_dso(c, b))),
        average_days_delinquent: t.delinquency.mean().map(one),
        cei_percent: cei.map(one),
        bad_debt_percent: bad_debt.map(one),
        dispute_resolution_days: resolution.mean().map(one),
        disputed: money(disputed),
        promise_kept_percent: promise_kept.map(one),
        cash_collected: money(period_cash),
        average_age_days: t.age.mean().map(one),
        automatic_reminder_percent: automatic_share.map(one),
    };
    let first = h.points.len().saturating_sub(SERIES_MONTHS as usize);
    let dso_points = h.points.iter().skip(first).map(|p| point_view(h, p, as_of)).collect();
    Ok(Kpis { view, notes, dso_points })
}

fn forecast_view(
    d: &Dossier,
    s: &Snapshot,
    habits: &HashMap<i64, store::PaymentHabit>,
) -> Result<ForecastView, ApiError> {
    let as_of = s.as_of;
    // Portfolio average days late, for clients that never paid.
    let mut portfolio = WeightedMean::default();
    for h in habits.values() {
        if h.paid > 0 {
            portfolio.weighted += Decimal::from(h.late_cent_days);
            portfolio.weight += Decimal::new(h.paid, 3);
        }
    }
    let mut promises: HashMap<i64, Vec<PendingPromise>> = HashMap::new();
    let horizon = as_of + chrono::Days::new(7 * FORECAST_WEEKS as u64 + 366);
    for p in store::promises_between(d, as_of.succ_opt().unwrap_or(as_of), horizon, as_of)? {
        if p.currency == Currency::EUR {
            promises.entry(p.client_id).or_default().push(PendingPromise {
                date: p.promised_for,
                amount: units(p.amount),
                invoice_ids: p.invoice_ids,
            });
        }
    }
    let mut f = Forecast::new(as_of, FORECAST_WEEKS);
    let mut clients: Vec<&i64> = s.items.keys().collect();
    clients.sort_unstable();
    for client in clients {
        let items = s.items.get(client).map(Vec::as_slice).unwrap_or(&[]);
        let h = habits.get(client).copied().unwrap_or_default();
        let behaviour = behaviour_of(&h, portfolio.mean());
        f.add_client(items, &behaviour, promises.get(client).map(Vec::as_slice).unwrap_or(&[]));
    }
    f.credits += s.unapplied_total;
    Ok(forecast_of(&f))
}

/// The forecast's view, once every client is in it.
fn forecast_of(f: &Forecast) -> ForecastView {
    let as_of = f.as_of;
    let weeks = f
        .weeks
        .iter()
        .enumerate()
        .map(|(k, w)| {
            let (starts, ends) = f.week_range(k);
            ForecastWeekView {
                week: k as u32 + 1,
                starts: starts.to_string(),
                ends: ends.to_string(),
                expected: money(w.expected),
                promised: money(w.promised),
                from_overdue: money(w.from_overdue),
                items: w.items,
            }
        })
        .collect();
    ForecastView {
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        weeks,
        total_expected: money(f.total_expected()),
        beyond_horizon: money(f.beyond),
        held_in_dispute: money(f.held_in_dispute),
        not_expected: money(f.not_expected),
        credits: money(f.credits),
        method: "Date attendue = échéance + retard moyen observé du client (pondéré par les montants payés ; \
                 moyenne du portefeuille pour un client sans historique). Une facture déjà au-delà de cette date \
                 est attendue avec autant de retard encore. Promesses en cours à leur date ; litiges ouverts \
                 retenus ; factures refusées, rejetées ou annulées et clients sans paiement depuis 120 jours \
                 avec un retard de plus de 90 jours : non attendues."
            .to_owned(),
    }
}

fn exposures(
    s: &Snapshot,
    clients: &Clients,
    habits: &HashMap<i64, store::PaymentHabit>,
    top: usize,
) -> Vec<ExposureView> {
    let net_total = s.total.total() - s.unapplied_total;
    let mut rows: Vec<(i64, Decimal)> =
        s.per_client.iter().map(|(c, l)| (*c, l.total() - s.unapplied.get(c).copied().unwrap_or_default())).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    rows.truncate(top);
    let disputed = disputed_by_client(&s.disputes);
    rows.into_iter()
        .map(|(client, balance)| {
            exposure_view(
                client,
                clients.0.get(&client),
                balance,
                s.per_client.get(&client),
                net_total,
                &disputed,
                habits.get(&client),
            )
        })
        .collect()
}

/// The open disputed amount of each client (in euros), for the exposures' "disputed" column.
pub(crate) fn disputed_by_client(disputes: &[store::DisputeRow]) -> HashMap<i64, Decimal> {
    let mut out: HashMap<i64, Decimal> = HashMap::new();
    for r in disputes.iter().filter(|r| r.currency == Currency::EUR) {
        *out.entry(r.client_id).or_default() += units(r.amount);
    }
    out
}

/// A client's average days late weighted by amount (from the sums the analytics keep), when it
/// has paid anything.
fn average_days_late(h: &store::PaymentHabit) -> Option<Decimal> {
    (h.paid > 0).then(|| Decimal::from(h.late_cent_days) / Decimal::new(h.paid, 3))
}

/// One row of the largest exposures: the client's attributes, its net balance and its share of
/// `net_total`, its aging line, disputed amount and payment habit.
pub(crate) fn exposure_view(
    client: i64,
    attrs: Option<&store::ClientAttributes>,
    balance: Decimal,
    line: Option<&AgingLine>,
    net_total: Decimal,
    disputed: &HashMap<i64, Decimal>,
    habit: Option<&store::PaymentHabit>,
) -> ExposureView {
    ExposureView {
        client_id: client,
        name: attrs.map(|a| a.name.clone()).unwrap_or_default(),
        segment: attrs.map(|a| a.segment.clone()).unwrap_or_default(),
        owner: attrs.map(|a| a.owner.clone()).unwrap_or_default(),
        naf: attrs.and_then(|a| a.naf.clone()),
        balance: money(balance),
        overdue: money(line.map(AgingLine::overdue).unwrap_or_default()),
        share_percent: kpi::percent(balance, net_total).map(one),
        oldest_days_overdue: line.map(|l| l.oldest_days_past_due).unwrap_or(0),
        disputed: money(disputed.get(&client).copied().unwrap_or_default()),
        average_days_late: habit.and_then(average_days_late).map(one),
    }
}

/// Adds the dispute tasks past their date (issue 8 §4: "reminders of overdue tasks in the
/// alerts") to the ledger's alerts, keeping the most severe first.
fn with_dispute_tasks(d: &Dossier, as_of: NaiveDate, mut out: Vec<AlertView>) -> Result<Vec<AlertView>, ApiError> {
    out.extend(crate::disputes::overdue_dispute_task_alerts(d, as_of)?);
    out.sort_by_key(|a| match a.severity {
        AlertSeverity::Critical => 0,
        AlertSeverity::Warning => 1,
        AlertSeverity::Info => 2,
    });
    Ok(out)
}

fn alerts(all: &AgingLine, buckets: &AgingBuckets, k: &Kpis, top: &[ExposureView]) -> Vec<AlertView> {
    let mut out = Vec::new();
    let total = all.total();
    // The total row is the sum of the clients' rows: its columns over 90 days are theirs.
    let over90: Decimal =
        all.buckets.iter().zip(buckets.ranges()).filter(|(_, r)| r.0.is_some_and(|m| m > 90)).map(|(b, _)| *b).sum();
    if let Some(p) = kpi::percent(over90, total).filter(|p| *p >= Decimal::from(10)) {
        out.push(AlertView {
            code: "overdueOver90".to_owned(),
            severity: if p >= Decimal::from(20) { AlertSeverity::Critical } else { AlertSeverity::Warning },
            message: format!("{} % de l'encours est échu depuis plus de 90 jours ({} €).", one(p), money(over90)),
            client_id: None,
            invoice_id: None,
        });
    }
    for e in top.iter().take(3) {
        let share = e.share_percent.as_deref().and_then(|s| s.parse::<Decimal>().ok()).unwrap_or_default();
        if share >= Decimal::from(10) {
            out.push(AlertView {
                code: "concentration".to_owned(),
                severity: AlertSeverity::Warning,
                message: format!("{} représente {} % de l'encours ({} €).", e.name, one(share), e.balance),
                client_id: Some(e.client_id),
                invoice_id: None,
            });
        }
    }
    let dso: Vec<Decimal> =
        k.dso_points.iter().rev().take(4).filter_map(|p| p.dso_countback.as_deref()?.parse().ok()).collect();
    if let (Some(now), Some(before)) = (dso.first(), dso.get(3)) {
        if *before > Decimal::ZERO && *now > *before * Decimal::new(11, 1) {
            out.push(AlertView {
                code: "dsoRising".to_owned(),
                severity: AlertSeverity::Warning,
                message: format!("Le DSO est passé de {} à {} jours en trois mois.", one(*before), one(*now)),
                client_id: None,
                invoice_id: None,
            });
        }
    }
    for e in top.iter().filter(|e| e.oldest_days_overdue > 90) {
        out.push(AlertView {
            code: "largeOverdue".to_owned(),
            severity: AlertSeverity::Critical,
            message: format!(
                "{} : {} € échus, la plus ancienne facture a {} jours de retard.",
                e.name, e.overdue, e.oldest_days_overdue
            ),
            client_id: Some(e.client_id),
            invoice_id: None,
        });
    }
    out.sort_by_key(|a| match a.severity {
        AlertSeverity::Critical => 0,
        AlertSeverity::Warning => 1,
        AlertSeverity::Info => 2,
    });
    out
}

/// The receivables dashboard as of a date: key figures, aged balance by segment, 24 months of
/// DSO, the 13-week collections forecast, the 20 largest exposures and alerts.
///
/// The dashboard of a date is materialised in the dossier for the ledger's version: computed from
/// the ledger on the first request ([`compute_dashboard`]), read back until the ledger changes.
pub fn dashboard(d: &Dossier, as_of: NaiveDate) -> Result<DashboardView, ApiError> {
    if let Some(json) = store::materialised(d, "dashboard", as_of, DASHBOARD_CODE)? {
        if let Ok(view) = serde_json::from_str::<DashboardView>(&json) {
            return Ok(view);
        }
    }
    let view = compute_dashboard(d, as_of)?;
    if let Ok(json) = serde_json::to_string(&view) {
        // Derived data: a dossier that cannot keep it still gets its dashboard.
        let _ = store::materialise(d, "dashboard", as_of, DASHBOARD_CODE, &json);
    }
    Ok(view)
}

/// Names this computation of the dashboard in its materialised form: change it when the figures
/// change, so that a dossier never shows figures of an older computation.
const DASHBOARD_CODE: &str = concat!("dashboard/", env!("CARGO_PKG_VERSION"), "/4");

/// The dashboard computed from the ledger, without reading or writing its materialised form:
/// on the ledger's own day (on or after its last dated event) from the aggregates kept by triggers
/// ([`today`]), on an earlier date in one pass over the open items in integers ([`fast`]); the
/// figures equal to [`compute_dashboard_reference`]'s to the cent.
pub fn compute_dashboard(d: &Dossier, as_of: NaiveDate) -> Result<DashboardView, ApiError> {
    let _snapshot = store::read_snapshot(d)?;
    if store::is_current(d, as_of)? {
        // The ledger's own day: from the aggregates kept by triggers (migration 0019).
        today::dashboard(d, as_of)
    } else {
        fast::dashboard(d, as_of)
    }
}

/// The one-pass computation of [`compute_dashboard`] on any date (the items read one by one),
/// for the tests and the benchmark that compare it with the aggregates.
#[doc(hidden)]
pub fn compute_dashboard_one_pass(d: &Dossier, as_of: NaiveDate) -> Result<DashboardView, ApiError> {
    fast::dashboard(d, as_of)
}

/// The dashboard computed the straightforward way (every client's row and every item as
/// decimals, through the engines): slower, kept as the reference the one-pass computation is
/// tested against.
#[doc(hidden)]
pub fn compute_dashboard_reference(d: &Dossier, as_of: NaiveDate) -> Result<DashboardView, ApiError> {
    let s = Snapshot::take(d, as_of, &AgingBuckets::default(), true)?;
    let clients = Clients::load(d)?;
    let h = History::load(d, as_of, &s.total)?;
    let k = key_figures(d, &s.open_on(), &h)?;
    let habits = store::payment_habits(d, as_of)?;
    let forecast = forecast_view(d, &s, &habits)?;
    let top = exposures(&s, &clients, &habits, TOP_EXPOSURES);
    let alerts = with_dispute_tasks(d, as_of, alerts(&s.total, &s.buckets, &k, &top))?;
    Ok(DashboardView {
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        aging: aging_table(&s, &clients, AgingDimension::Segment),
        dso_series: k.dso_points,
        forecast,
        top_exposures: top,
        alerts,
        other_currencies: s.other_currencies(),
        notes: k.notes,
        key_figures: k.view,
    })
}

/// The aged balance as of a date, by client, segment, sector and owner.
pub fn aging_report(d: &Dossier, as_of: NaiveDate, options: &AnalyticsOptions) -> Result<AgingReportView, ApiError> {
    let s = Snapshot::take(d, as_of, &options.buckets, false)?;
    let clients = Clients::load(d)?;
    Ok(AgingReportView {
        as_of: as_of.to_string(),
        by_client: aging_table(&s, &clients, AgingDimension::Client),
        by_segment: aging_table(&s, &clients, AgingDimension::Segment),
        by_sector: aging_table(&s, &clients, AgingDimension::Sector),
        by_owner: aging_table(&s, &clients, AgingDimension::Owner),
    })
}

/// The DSO report as of a date: key figures, 24 months, and the breakdowns.
pub fn dso_report(d: &Dossier, as_of: NaiveDate) -> Result<DsoReportView, ApiError> {
    let s = Snapshot::take(d, as_of, &AgingBuckets::default(), false)?;
    let clients = Clients::load(d)?;
    let h = History::load(d, as_of, &s.total)?;
    let k = key_figures(d, &s.open_on(), &h)?;
    let mut by_owner: HashMap<String, WeightedMean> = HashMap::new();
    let mut by_sector: HashMap<String, WeightedMean> = HashMap::new();
    for (client, line) in &s.per_client {
        by_owner.entry(clients.key(*client, AgingDimension::Owner).0).or_default().merge(&line.age);
        by_sector.entry(clients.key(*client, AgingDimension::Sector).0).or_default().merge(&line.age);
    }
    let groups = |m: HashMap<String, WeightedMean>, prefix: &str| {
        let mut v: Vec<GroupFigureView> = m
            .into_iter()
            .filter_map(|(k, w)| Some(GroupFigureView { label: format!("{prefix}{k}"), key: k, value: one(w.mean()?) }))
            .collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    };
    let period_start = months_back(first_of_month(as_of), 2);
    let mut cash: HashMap<String, Decimal> = HashMap::new();
    for (client, currency, amount) in store::cash_by_client(d, period_start, as_of)? {
        if currency == Currency::EUR {
            *cash.entry(clients.key(client, AgingDimension::Segment).0).or_default() += units(amount);
        }
    }
    let mut cash_by_segment: Vec<GroupFigureView> =
        cash.into_iter().map(|(k, v)| GroupFigureView { label: k.clone(), key: k, value: money(v) }).collect();
    cash_by_segment.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(DsoReportView {
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        key_figures: k.view,
        months: k.dso_points,
        cash_by_segment,
        average_age_by_owner: groups(by_owner, ""),
        average_age_by_sector: groups(by_sector, "NAF "),
        notes: k.notes,
    })
}

/// The collections forecast for the 13 weeks after a date.
pub fn forecast_report(d: &Dossier, as_of: NaiveDate) -> Result<ForecastView, ApiError> {
    let s = Snapshot::take(d, as_of, &AgingBuckets::default(), true)?;
    forecast_view(d, &s, &store::payment_habits(d, as_of)?)
}

/// No legal ceiling on payment terms is shorter than this many days after the invoice date
/// (`compliance::latest_legal_due_date` is the latest of 60 days and two readings of 45 days end
/// of month, legal-rules A.2): only longer terms can be over it.
pub const SHORTEST_CEILING_DAYS: i64 = 60;

/// The French compliance report at a closing date: payment terms over the legal ceilings among
/// the year's invoices, the annual-report table of late receivables, doubtful receivables and
/// impairments to propose, irrecoverable invoices whose VAT can be recovered.
pub fn compliance_report(
    d: &Dossier,
    as_of: NaiveDate,
    options: &AnalyticsOptions,
) -> Result<ComplianceReportView, ApiError> {
    let year_starts = options.year_starts.unwrap_or_else(|| months_back(as_of, 12).succ_opt().unwrap_or(as_of));
    let clients = Clients::load(d)?;
    let name = |c: i64| clients.0.get(&c).map(|a| a.name.clone()).unwrap_or_default();
    // Open items at the closing date: the late table, and the candidates for the proposals.
    let disputed: HashSet<i64> = store::disputes_open_at(d, as_of)?.into_iter().flat_map(|r| r.invoice_ids).collect();
    let insolvency: HashMap<i64, (Insolvency, NaiveDate)> =
        options.insolvencies.iter().filter(|(_, _, on)| *on <= as_of).map(|(c, k, on)| (*c, (*k, *on))).collect();
    let mut table = LateTable::default();
    let mut open: Vec<store::ItemAt> = Vec::new();
    store::for_each_item_as_of(d, as_of, |it| {
        if it.currency == Currency::EUR && it.open > 0 {
            let days = (as_of - it.due_date).num_days();
            table.add(units(it.open), days, disputed.contains(&it.invoice_id));
            let candidate = insolvency.contains_key(&it.client_id)
                || disputed.contains(&it.invoice_id)
                || options.policy.age_steps.first().is_some_and(|(from, _)| days >= *from);
            if candidate {
                open.push(*it);
            }
        }
        Ok(())
    })?;
    // The terms and sales of the year from the indexes (reading every invoice of the year took
    // 5–6 s at 2,000,000 invoices): the count and sum in SQL, and only the invoices whose terms are
    // longer than the shortest ceiling (60 days: `latest_legal_due_date` is never earlier, legal-rules
    // A.2) checked here. Then the facts of only the invoices over the ceiling and the candidates, by id.
    let (checked, sales_units, long) = store::year_terms(d, Currency::EUR, year_starts, as_of, SHORTEST_CEILING_DAYS)?;
    let over: Vec<(store::InvoiceDates, i64)> = long
        .into_iter()
        .filter_map(|f| compliance::days_over_ceiling(f.issue_date, f.due_date).map(|days| (f, days)))
        .collect();
    let sales = units(sales_units);
    let mut violations = Vec::with_capacity(over.len());
    for (f, days_over) in over {
        let number = store::invoice_facts(d, f.id)?.map(|x| x.number).unwrap_or_default();
        violations.push((
            f.issue_date,
            TermsViolationView {
                invoice_id: f.id,
                number,
                client_id: f.client_id,
                client_name: String::new(),
                issue_date: f.issue_date.to_string(),
                due_date: f.due_date.to_string(),
                days_granted: (f.due_date - f.issue_date).num_days(),
                latest_legal_due_date: compliance::latest_legal_due_date(f.issue_date).to_string(),
                days_over,
                amount: money(units(f.receivable)),
            },
        ));
    }
    let mut facts: HashMap<i64, store::InvoiceFacts> = HashMap::with_capacity(open.len());
    for it in &open {
        if let Some(f) = store::invoice_facts(d, it.invoice_id)? {
            facts.insert(it.invoice_id, f);
        }
    }
    // By issue date, then id: the order of the year's documents.
    violations.sort_by_key(|(issued, v)| (*issued, v.invoice_id));
    let mut violations: Vec<TermsViolationView> = violations.into_iter().map(|(_, v)| v).collect();
    for v in &mut violations {
        v.client_name = name(v.client_id);
    }
    let mut doubtful = Vec::new();
    let mut irrecoverable = Vec::new();
    let (mut total_416, mut total_491, mut total_vat) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    open.sort_by_key(|i| (i.client_id, i.due_date, i.invoice_id));
    for it in open {
        let Some(f) = facts.get(&it.invoice_id) else { continue };
        let open_ttc = units(it.open);
        let open_ht = compliance::excl_tax(open_ttc, units(f.tax_basis_total), units(f.grand_total));
        let days = (as_of - it.due_date).num_days();
        let ins = insolvency.get(&it.client_id).copied();
        if let Some(p) =
            options.policy.propose(open_ttc, open_ht, days, disputed.contains(&it.invoice_id), ins.map(|i| i.0))
        {
            total_416 += open_ttc;
            total_491 += p.impairment;
            doubtful.push(DoubtfulProposalView {
                invoice_id: it.invoice_id,
                number: f.number.clone(),
                client_id: it.client_id,
                client_name: name(it.client_id),
                issue_date: f.issue_date.to_string(),
                due_date: f.due_date.to_string(),
                days_overdue: days.max(0),
                reason: match p.cause {
                    compliance::DoubtfulCause::Age => DoubtfulReason::Age,
                    compliance::DoubtfulCause::Dispute => DoubtfulReason::Dispute,
                    compliance::DoubtfulCause::Insolvency => DoubtfulReason::Insolvency,
                },
                open_incl_tax: money(open_ttc),
                open_excl_tax: money(open_ht),
                rate_percent: p.percent.normalize().to_string(),
                impairment: money(p.impairment),
            });
        }
        if let Some((kind, on)) = ins.filter(|(k, _)| k.is_irrecoverable()) {
            let brief = encours_store::money_in::invoice(d, encours_domain::InvoiceId(it.invoice_id))?;
            let on_debits = brief.as_ref().is_some_and(|b| !crate::collect::vat_due_on_receipt(b));
            let vat = open_ttc - open_ht;
            if on_debits {
                total_vat += vat;
            }
            irrecoverable.push(IrrecoverableView {
                invoice_id: it.invoice_id,
                number: f.number.clone(),
                client_id: it.client_id,
                client_name: name(it.client_id),
                issue_date: f.issue_date.to_string(),
                open_excl_tax: money(open_ht),
                vat: money(vat),
                event: format!("{} du {on}", kind.label_fr()),
                vat_on_debits: on_debits,
            });
        }
    }
    // Invoices written off during the year (legal-rules A.7): the VAT of those taxed on debits is
    // recoverable (CGI 272).
    for w in store::writeoff::writeoffs_between(d, year_starts, as_of)? {
        if w.currency != Currency::EUR {
            continue;
        }
        let brief = encours_store::money_in::invoice(d, encours_domain::InvoiceId(w.invoice_id))?;
        let on_debits = brief.as_ref().is_some_and(|b| !crate::collect::vat_due_on_receipt(b));
        if on_debits {
            total_vat += units(w.vat);
        }
        irrecoverable.push(IrrecoverableView {
            invoice_id: w.invoice_id,
            number: w.number.clone(),
            client_id: w.client_id,
            client_name: name(w.client_id),
            issue_date: brief.as_ref().map(|b| b.issue_date.to_string()).unwrap_or_default(),
            open_excl_tax: money(units(w.amount - w.vat)),
            vat: money(units(w.vat)),
            event: format!("passée en perte le {} : {}", w.written_on, w.reason),
            vat_on_debits: on_debits,
        });
    }
    let late = table.total_late();
    let column = |label: &str, c: compliance::LateColumn| LateColumnView {
        label: label.to_owned(),
        invoices: c.invoices,
        amount: money(c.amount),
        percent_of_sales: kpi::percent(c.amount, sales).map(|p| {
            let mut r = round2(p);
            r.rescale(2);
            r.to_string()
        }),
    };
    let labels = ["0 jour (indicatif)", "1 à 30 jours", "31 à 60 jours", "61 à 90 jours", "91 jours et plus"];
    let mut columns: Vec<LateColumnView> = labels.iter().zip(table.columns).map(|(l, c)| column(l, c)).collect();
    columns.push(column("Total (1 jour et plus)", late));
    Ok(ComplianceReportView {
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        invoices_checked: checked,
        terms_violations: violations,
        late_receivables: LateReceivablesTableView {
            closing_date: as_of.to_string(),
            year_starts: year_starts.to_string(),
            sales: money(sales),
            columns,
            excluded_disputed_invoices: table.excluded_disputed.invoices,
            excluded_disputed_amount: money(table.excluded_disputed.amount),
            reference_terms: "Délais contractuels (échéance de chaque facture)".to_owned(),
        },
        doubtful,
        doubtful_total_incl_tax: money(total_416),
        impairment_total: money(total_491),
        irrecoverable,
        recoverable_vat_total: money(total_vat),
        notes: vec![
            "Plafonds légaux (L441-10 I) : 60 jours date de facture ou 45 jours fin de mois ; une facture n'est \
             signalée que si elle dépasse toutes les lectures du « 45 jours fin de mois ». Les plafonds sectoriels \
             (L441-11 : transport, denrées périssables…) et les 45 jours des factures récapitulatives ne sont pas \
             vérifiés : le dossier ne sait pas ce qui est vendu."
                .to_owned(),
            "Tableau D441-6 : montants TTC restant dus à la clôture ; pourcentages du chiffre d'affaires TTC de \
             l'exercice ; factures en litige exclues (B). Modèle à vérifier (collections-anchors (f))."
                .to_owned(),
            "Créances douteuses : propositions selon la politique de dépréciation (le seul retard ne rend pas une \
             créance douteuse) ; virement 411 → 416 pour le TTC, dépréciation 491 sur le HT."
                .to_owned(),
            "TVA récupérable (CGI 272) : seulement pour la TVA acquittée sur les débits, après rectification de la \
             facture initiale ; les procédures collectives sont celles déclarées, le dossier ne lit pas le BODACC."
                .to_owned(),
        ],
    })
}

/// The four reports of `encours report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// Aged balance by client, segment, sector and owner.
    Aging,
    /// DSO series, key figures and breakdowns.
    Dso,
    /// 13-week collections forecast.
    Forecast,
    /// French compliance: terms, late-receivables table, 416/491, CGI 272.
    Compliance,
}

impl std::str::FromStr for ReportKind {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<ReportKind, ApiError> {
        match s {
            "aging" => Ok(ReportKind::Aging),
            "dso" => Ok(ReportKind::Dso),
            "forecast" => Ok(ReportKind::Forecast),
            "compliance" => Ok(ReportKind::Compliance),
            other => Err(ApiError::invalid(format!("unknown report {other:?}: aging, dso, forecast or compliance"))),
        }
    }
}

/// A computed report: its DTO as JSON, and its tables for CSV, XLSX and the terminal.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The report's DTO, serialised.
    pub json: serde_json::Value,
    /// Its tables.
    pub tables: Vec<export::Table>,
}

/// Computes one report as of a date.
pub fn report(d: &Dossier, kind: ReportKind, as_of: NaiveDate, options: &AnalyticsOptions) -> Result<Report, ApiError> {
    let json = |v: &dyn erased::Json| v.value();
    Ok(match kind {
        ReportKind::Aging => {
            let r = aging_report(d, as_of, options)?;
            Report { json: json(&r)?, tables: export::aging_tables(&r) }
        }
        ReportKind::Dso => {
            let r = dso_report(d, as_of)?;
            Report { json: json(&r)?, tables: export::dso_tables(&r) }
        }
        ReportKind::Forecast => {
            let r = forecast_report(d, as_of)?;
            Report { json: json(&r)?, tables: export::forecast_tables(&r) }
        }
        ReportKind::Compliance => {
            let r = compliance_report(d, as_of, options)?;
            Report { json: json(&r)?, tables: export::compliance_tables(&r) }
        }
    })
}

mod erased {
    use crate::error::{ApiError, ErrorCode};

    /// A serialisable DTO, without naming its type.
    pub trait Json {
        fn value(&self) -> Result<serde_json::Value, ApiError>;
    }

    impl<T: serde::Serialize> Json for T {
        fn value(&self) -> Result<serde_json::Value, ApiError> {
            serde_json::to_value(self).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
        }
    }
}

/// Reads a declared insolvency `CLIENT:KIND:DATE` (`12:liquidation:2026-03-12`; kinds:
/// `safeguard`, `receivership`, `liquidation`, `irrecoverable`, or their French names).
pub fn parse_insolvency(s: &str) -> Result<(i64, Insolvency, NaiveDate), ApiError> {
    let bad = || ApiError::invalid(format!("{s:?}: expected CLIENT:KIND:DATE, e.g. 12:liquidation:2026-03-12"));
    let mut parts = s.splitn(3, ':');
    let client = parts.next().and_then(|p| p.trim().parse::<i64>().ok()).ok_or_else(bad)?;
    let kind = parts.next().and_then(Insolvency::parse).ok_or_else(bad)?;
    let on = parts.next().and_then(|p| p.trim().parse::<NaiveDate>().ok()).ok_or_else(bad)?;
    Ok((client, kind, on))
}

/// Reads aged-balance columns given as upper bounds in days past due (`"30,60,90"`).
pub fn parse_buckets(s: &str) -> Result<AgingBuckets, ApiError> {
    AgingBuckets::parse(s).map_err(|e| ApiError::invalid(e.to_string()))
}

/// A client's payment behaviour for the forecast: its amount-weighted average days late (from the
/// sums the analytics keep), or the portfolio's for a client that never paid (collections-anchors
/// (d): a forecast from observed delays, not contractual due dates).
pub(crate) fn behaviour_of(h: &store::PaymentHabit, portfolio: Option<Decimal>) -> Behaviour {
    Behaviour { average_days_late: average_days_late(h).or(portfolio), last_payment: h.last_payment }
}
