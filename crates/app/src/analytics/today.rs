//! The dashboard of the ledger's own day from the aggregates kept by triggers (migration 0019),
//! without reading the open items one by one.
//!
//! Why: on the 2,000,000-invoice demo, reading the 194,000 open items alone took 60–85 ms, over
//! the issue's 50 ms for the whole dashboard. On a date on or after the ledger's last dated event
//! the open amounts are the invoices' `outstanding`, which the aggregates sum:
//! - **aged balance by segment**: one row per currency, segment and due date (count, open amount,
//!   and over the invoices count, amount and amount × days from issue to due); a row's days past
//!   due is `as_of − due date`, so each row lands in one column and adds its weighted age
//!   (`amount × (as_of − due) + amount × (due − issue)`) and delinquency exactly as its items would;
//! - **top exposures**: each client's net balance (open items − cash not applied) indexed; the 20
//!   first clients' items are then read to give their overdue and oldest days;
//! - **forecast**: the positive open items by their client's rounded habit (whole days late, or
//!   "never paid": the portfolio's average, applied here) and due date, each row put in the week of
//!   `due + habit` as the engine would put each item. The items that follow another rule are few
//!   and read one by one, taken out of their week and put where the rule says: refused or
//!   cancelled invoices (not expected), open disputes (held), clients that stopped paying (not
//!   expected), and clients with a pending promise (the engine itself, as in [`super::fast`]).
//!
//! Every sum is of stored units (exact); the tests compare this dashboard with the reference
//! computation after every kind of ledger write.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Days, NaiveDate};
use encours_domain::{Currency, Money, Totals};
use encours_engines::analytics::aging::{AgingBuckets, AgingLine};
use encours_engines::analytics::forecast::{Forecast, ForecastItem, ItemState, PendingPromise, STALLED_AFTER_DAYS};
use encours_store::analytics as store;
use encours_store::analytics::today as agg;
use encours_store::Dossier;
use rust_decimal::Decimal;

use super::fast::{round_ratio, ForecastUnits};
use super::{
    aging_table_of, alerts, behaviour_of, disputed_by_client, exposure_view, forecast_of, key_figures,
    other_currencies_of, units, with_dispute_tasks, AgingDimension, DashboardView, ExposureView, History, OpenOn,
    UnitsLine, FORECAST_WEEKS, TOP_EXPOSURES,
};
use crate::error::ApiError;

/// Days past due after which a silent client's items are not expected (the engine's rule: more
/// than 90 days late and no payment for [`STALLED_AFTER_DAYS`]).
const STALLED_OVERDUE_DAYS: u64 = 90;

/// The whole dashboard of `as_of`, a date on or after the ledger's last dated event
/// ([`store::is_current`]): the caller checks it.
pub(super) fn dashboard(d: &Dossier, as_of: NaiveDate) -> Result<DashboardView, ApiError> {
    let buckets = AgingBuckets::default();
    let n = buckets.len();
    let today = i64::from(as_of.num_days_from_ce());

    // Aged balance by segment, from the rows by currency, segment and due date.
    let (names, rows) = agg::open_by_due(d)?;
    let mut per_segment: Vec<Option<UnitsLine>> = vec![None; names.len()];
    let mut other = Totals::new();
    let mut credits = 0i64;
    for r in &rows {
        if r.currency != Currency::EUR {
            other.add(&Money::new(units(r.open), r.currency)).map_err(|e| ApiError::invalid(e.to_string()))?;
            continue;
        }
        let dpd = today - i64::from(r.due_date.num_days_from_ce());
        if let Some(slot) = per_segment.get_mut(r.segment as usize) {
            slot.get_or_insert_with(|| UnitsLine::new(n)).add_group(&buckets, r, dpd);
        }
        credits += r.positive - r.open;
    }
    let mut by_segment: BTreeMap<&str, UnitsLine> = BTreeMap::new();
    for (name, line) in names.iter().zip(per_segment) {
        if let Some(line) = line.filter(|l| l.items > 0) {
            by_segment.entry(name.as_str()).or_insert_with(|| UnitsLine::new(n)).merge(&line);
        }
    }
    let mut all = UnitsLine::new(n);
    for line in by_segment.values() {
        all.merge(line);
    }
    let total = all.to_line();
    let segment_rows: Vec<((String, String), AgingLine)> =
        by_segment.into_iter().map(|(name, line)| ((name.to_owned(), name.to_owned()), line.to_line())).collect();

    let mut unapplied_units = 0i64;
    for (_, currency, u) in store::unapplied_as_of(d, as_of)? {
        if currency == Currency::EUR {
            unapplied_units += u;
        } else {
            other.add(&Money::new(-units(u), currency)).map_err(|e| ApiError::invalid(e.to_string()))?;
        }
    }
    let unapplied_total = units(unapplied_units);

    let disputes = store::disputes_open_at(d, as_of)?;
    let h = History::load(d, as_of, &total)?;
    let k = key_figures(d, &OpenOn { as_of, total: &total, unapplied_total, disputes: &disputes }, &h)?;

    // The habits this dashboard needs, client by client.
    let mut habits: HashMap<i64, store::PaymentHabit> = HashMap::new();
    let mut habit_of = |client: i64| -> Result<store::PaymentHabit, ApiError> {
        if let Some(h) = habits.get(&client) {
            return Ok(*h);
        }
        let h = agg::habit_of(d, client)?;
        habits.insert(client, h);
        Ok(h)
    };
    let (lcd, paid) = agg::portfolio_habit(d)?;
    let portfolio = (paid > 0).then(|| Decimal::from_i128_with_scale(lcd, 0) / Decimal::from_i128_with_scale(paid, 3));
    let portfolio_days = if paid > 0 { round_ratio(lcd * 1000, paid) } else { 0 };
    let late_days = |h: &store::PaymentHabit| {
        if h.paid > 0 {
            round_ratio(i128::from(h.late_cent_days) * 1000, i128::from(h.paid))
        } else {
            portfolio_days
        }
    };

    let forecast = {
        let mut f_units = ForecastUnits::new(today);
        for (late, due, invoices, positive) in agg::open_by_habit(d, Currency::EUR)? {
            let late = if late == agg::NO_HABIT { portfolio_days } else { late };
            let due = i64::from(due.num_days_from_ce());
            let items = i64::try_from(invoices).unwrap_or(i64::MAX);
            f_units.put_n(f_units.expected(due, late), positive, items, due < today);
        }
        f_units.credits = credits;
        // Takes one positive item back out of the week where its client's habit put it.
        let take_out = |f: &mut ForecastUnits, it: &store::ItemAt, late: i64| {
            let due = i64::from(it.due_date.num_days_from_ce());
            f.put_n(f.expected(due, late), -it.open, -1, due < today);
        };

        let mut promises: HashMap<i64, Vec<PendingPromise>> = HashMap::new();
        let horizon = as_of + Days::new(7 * FORECAST_WEEKS as u64 + 366);
        for p in store::promises_between(d, as_of.succ_opt().unwrap_or(as_of), horizon, as_of)? {
            if p.currency == Currency::EUR {
                promises.entry(p.client_id).or_default().push(PendingPromise {
                    date: p.promised_for,
                    amount: units(p.amount),
                    invoice_ids: p.invoice_ids,
                });
            }
        }
        let stopped = store::stopped_invoices(d, as_of)?;
        let disputed: HashSet<i64> = disputes.iter().flat_map(|r| r.invoice_ids.iter().copied()).collect();
        let late_of = |paid: i64, late_cent_days: i64| {
            if paid > 0 {
                round_ratio(i128::from(late_cent_days) * 1000, i128::from(paid))
            } else {
                portfolio_days
            }
        };
        let mut handled: HashSet<i64> = HashSet::new();
        // Refused, rejected or cancelled invoices (a few), then open disputes (the engine's order).
        let mut ids: Vec<i64> = stopped.iter().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let Some(it) = agg::open_item(d, id)? else { continue };
            if it.currency != Currency::EUR || it.open <= 0 || promises.contains_key(&it.client_id) {
                continue;
            }
            let h = habit_of(it.client_id)?;
            take_out(&mut f_units, &it, late_days(&h));
            f_units.not_expected += it.open;
            handled.insert(id);
        }
        let mut disputed_ids: Vec<i64> = disputed.iter().copied().collect();
        disputed_ids.sort_unstable();
        for x in agg::open_items_with_habits(d, Currency::EUR, &disputed_ids)? {
            let it = &x.item;
            if stopped.contains(&it.invoice_id) || promises.contains_key(&it.client_id) {
                continue;
            }
            take_out(&mut f_units, it, late_of(x.paid, x.late_cent_days));
            f_units.held_in_dispute += it.open;
            handled.insert(it.invoice_id);
        }
        // Clients that stopped paying: their other items are not expected.
        let due_before = as_of.checked_sub_days(Days::new(STALLED_OVERDUE_DAYS)).unwrap_or(as_of);
        let silent_since =
            as_of.checked_sub_days(Days::new(u64::try_from(STALLED_AFTER_DAYS).unwrap_or(0))).unwrap_or(as_of);
        for x in agg::stalled_open_items(d, Currency::EUR, due_before, silent_since)? {
            let it = &x.item;
            if it.open > 0 && !handled.contains(&it.invoice_id) && !promises.contains_key(&it.client_id) {
                take_out(&mut f_units, it, late_of(x.paid, x.late_cent_days));
                f_units.not_expected += it.open;
            }
        }
        // Clients with a pending promise: every item through the engine.
        let mut f = Forecast::new(as_of, FORECAST_WEEKS);
        let mut promised: Vec<&i64> = promises.keys().collect();
        promised.sort_unstable();
        for client in promised {
            let h = habit_of(*client)?;
            let late = late_days(&h);
            let mut list = Vec::new();
            for it in agg::client_open_items(d, *client, Currency::EUR)? {
                if it.open > 0 {
                    take_out(&mut f_units, &it, late);
                } else {
                    f_units.credits += it.open;
                }
                let state = if stopped.contains(&it.invoice_id) {
                    ItemState::NotCollectable
                } else if disputed.contains(&it.invoice_id) {
                    ItemState::Disputed
                } else {
                    ItemState::Normal
                };
                list.push(ForecastItem { invoice_id: it.invoice_id, open: units(it.open), due: it.due_date, state });
            }
            if list.is_empty() {
                continue;
            }
            let behaviour = behaviour_of(&h, portfolio);
            f.add_client(&list, &behaviour, promises.get(client).map(Vec::as_slice).unwrap_or(&[]));
        }
        f_units.into_engine(&mut f);
        f.credits += unapplied_total;
        forecast_of(&f)
    };

    // The largest net balances, from the index of each client's net balance.
    let net_total = total.total() - unapplied_total;
    let ranked = agg::top_net_balances(d, Currency::EUR, TOP_EXPOSURES)?;
    let ids: Vec<i64> = ranked.iter().map(|r| r.0).collect();
    let attrs: HashMap<i64, store::ClientAttributes> =
        store::client_attributes_of(d, &ids)?.into_iter().map(|a| (a.id, a)).collect();
    let disputed = disputed_by_client(&disputes);
    let mut top: Vec<ExposureView> = Vec::with_capacity(ranked.len());
    for (client, balance) in ranked {
        let mut line = UnitsLine::new(n);
        for it in agg::client_open_items(d, client, Currency::EUR)? {
            line.add(
                &buckets,
                it.open,
                today - i64::from(it.due_date.num_days_from_ce()),
                today - i64::from(it.issue_date.num_days_from_ce()),
            );
        }
        let line = line.to_line();
        let balance = units(balance);
        let h = habit_of(client)?;
        top.push(exposure_view(client, attrs.get(&client), balance, Some(&line), net_total, &disputed, Some(&h)));
    }

    let alerts = with_dispute_tasks(d, as_of, alerts(&total, &buckets, &k, &top))?;
    Ok(DashboardView {
        as_of: as_of.to_string(),
        currency: Currency::EUR.to_string(),
        aging: aging_table_of(as_of, &buckets, AgingDimension::Segment, segment_rows, &total, unapplied_total),
        dso_series: k.dso_points,
        forecast,
        top_exposures: top,
        alerts,
        other_currencies: other_currencies_of(&other),
        notes: k.notes,
        key_figures: k.view,
    })
}
