//! The collections forecast: when each open item is expected to be paid, week by week.
//!
//! The date comes from the client's observed behaviour, not the contractual due date: the
//! amount-weighted average days late of what the client paid (days between the due date and the
//! payment; negative for early payers), added to the item's due date. Then, in this order:
//! 1. an item in an open dispute is held (not expected until the dispute is resolved);
//! 2. an item the platform says cannot be collected (210 Refusée, 213 Rejetée), or of a client that
//!    stopped paying (nothing paid for [`STALLED_AFTER_DAYS`] days while an invoice is more than
//!    90 days late), is not expected;
//! 3. a pending promise to pay puts the amount promised on the promised date (on the invoices it
//!    names, else on the client's oldest items), the rest of those items following the habit;
//! 4. an item whose expected date has already passed (the client is later than its habit) is
//!    expected as late again: `as_of + (as_of − expected)`, at least the next day. A client a
//!    little behind its habit pays soon; one far behind drifts beyond the horizon instead of
//!    swelling the first week.
//!
//! Credit notes and unapplied cash reduce what will come in; they are reported apart, not netted
//! into a week.

use chrono::{Days, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// A client without any payment for this many days, with an invoice more than 90 days late, is
/// taken as having stopped paying.
pub const STALLED_AFTER_DAYS: i64 = 120;

/// How a client pays, observed on its payments up to the as-of date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// Amount-weighted average days between due date and payment (negative: early); `None` when
    /// the client never paid anything (the caller then passes a segment or portfolio average).
    pub average_days_late: Option<Decimal>,
    /// The last payment date, if any.
    pub last_payment: Option<NaiveDate>,
}

/// What state an open item is in for the forecast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemState {
    /// Collectable.
    Normal,
    /// In an open dispute.
    Disputed,
    /// Refused or rejected on the platform (210/213), cancelled (220).
    NotCollectable,
}

/// An open item of one client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForecastItem {
    /// Invoice id (to match promises).
    pub invoice_id: i64,
    /// Open amount (negative for a credit note).
    pub open: Decimal,
    /// Due date.
    pub due: NaiveDate,
    /// State.
    pub state: ItemState,
}

/// A promise to pay pending on the as-of date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingPromise {
    /// The date promised (after the as-of date).
    pub date: NaiveDate,
    /// The amount promised.
    pub amount: Decimal,
    /// The invoices it names (empty: on the account).
    pub invoice_ids: Vec<i64>,
}

/// One week of the forecast.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Week {
    /// Expected in the week.
    pub expected: Decimal,
    /// Of which promised.
    pub promised: Decimal,
    /// Of which on items already past due on the as-of date.
    pub from_overdue: Decimal,
    /// Items (or parts of items) expected.
    pub items: u64,
}

/// A weekly forecast being accumulated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forecast {
    /// The forecast starts the day after this date.
    pub as_of: NaiveDate,
    /// The weeks: week `k` (0-based) covers days `as_of + 7k + 1 ..= as_of + 7k + 7`.
    pub weeks: Vec<Week>,
    /// Expected after the last week.
    pub beyond: Decimal,
    /// Held by open disputes.
    pub held_in_dispute: Decimal,
    /// Not expected.
    pub not_expected: Decimal,
    /// Credit notes (as a positive amount) that will not come in.
    pub credits: Decimal,
}

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d.checked_add_days(Days::new(n.unsigned_abs())).unwrap_or(NaiveDate::MAX)
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs())).unwrap_or(NaiveDate::MIN)
    }
}

/// The date an item due on `due` is expected to be paid by a client `average_days_late` late on
/// average, seen from `as_of` (rule 4 of the module documentation).
pub fn expected_date(as_of: NaiveDate, due: NaiveDate, average_days_late: Decimal) -> NaiveDate {
    expected_date_days(as_of, due, whole_days(average_days_late))
}

/// Days late rounded to whole days, half away from zero (2.5 → 3).
fn whole_days(days: Decimal) -> i64 {
    days.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero).to_i64().unwrap_or(0)
}

/// [`expected_date`] with the average already rounded to whole days.
fn expected_date_days(as_of: NaiveDate, due: NaiveDate, late: i64) -> NaiveDate {
    let habit = add_days(due, late);
    if habit > as_of {
        return habit;
    }
    let behind = (as_of - habit).num_days();
    add_days(as_of, behind.max(1))
}

/// True when the client has stopped paying: nothing paid for [`STALLED_AFTER_DAYS`] days (or
/// never) while its oldest invoice is more than 90 days past due.
pub fn stalled(as_of: NaiveDate, behaviour: &Behaviour, oldest_days_past_due: i64) -> bool {
    let silent = behaviour.last_payment.is_none_or(|d| (as_of - d).num_days() > STALLED_AFTER_DAYS);
    silent && oldest_days_past_due > 90
}

impl Forecast {
    /// An empty forecast of `weeks` weeks after `as_of`.
    pub fn new(as_of: NaiveDate, weeks: usize) -> Forecast {
        Forecast {
            as_of,
            weeks: vec![Week::default(); weeks],
            beyond: Decimal::ZERO,
            held_in_dispute: Decimal::ZERO,
            not_expected: Decimal::ZERO,
            credits: Decimal::ZERO,
        }
    }

    /// The first and last day of week `k` (0-based).
    pub fn week_range(&self, k: usize) -> (NaiveDate, NaiveDate) {
        let start = add_days(self.as_of, 7 * k as i64 + 1);
        (start, add_days(start, 6))
    }

    fn put(&mut self, date: NaiveDate, amount: Decimal, promised: bool, overdue: bool) {
        let day = (date - self.as_of).num_days().max(1);
        match self.weeks.get_mut(((day - 1) / 7) as usize) {
            Some(w) => {
                w.expected += amount;
                w.items += 1;
                if promised {
                    w.promised += amount;
                }
                if overdue {
                    w.from_overdue += amount;
                }
            }
            None => self.beyond += amount,
        }
    }

    /// Total expected over the weeks.
    pub fn total_expected(&self) -> Decimal {
        self.weeks.iter().map(|w| w.expected).sum()
    }

    /// Forecasts one client's open items (all of them, in any order) with its behaviour and its
    /// pending promises.
    pub fn add_client(&mut self, items: &[ForecastItem], behaviour: &Behaviour, promises: &[PendingPromise]) {
        let as_of = self.as_of;
        let oldest =
            items.iter().filter(|i| i.open > Decimal::ZERO).map(|i| (as_of - i.due).num_days()).max().unwrap_or(0);
        let stopped = stalled(as_of, behaviour, oldest);
        let late = whole_days(behaviour.average_days_late.unwrap_or_default());
        // What is left of each collectable invoice once promises have taken their part; oldest
        // due date first, so that account-level promises settle the oldest items as payments do.
        let mut open: Vec<(ForecastItem, Decimal)> = Vec::with_capacity(items.len());
        for i in items {
            if i.open <= Decimal::ZERO {
                self.credits -= i.open;
                continue;
            }
            match i.state {
                ItemState::Disputed => self.held_in_dispute += i.open,
                ItemState::NotCollectable => self.not_expected += i.open,
                ItemState::Normal if stopped => self.not_expected += i.open,
                ItemState::Normal => open.push((*i, i.open)),
            }
        }
        open.sort_by_key(|(i, _)| (i.due, i.invoice_id));
        for p in promises.iter().filter(|p| p.date > as_of) {
            let mut left = p.amount;
            for (item, rest) in open.iter_mut() {
                if left <= Decimal::ZERO {
                    break;
                }
                if !p.invoice_ids.is_empty() && !p.invoice_ids.contains(&item.invoice_id) {
                    continue;
                }
                let part = left.min(*rest);
                if part > Decimal::ZERO {
                    *rest -= part;
                    left -= part;
                    self.put(p.date, part, true, item.due < as_of);
                }
            }
        }
        for (item, rest) in open {
            if rest > Decimal::ZERO {
                self.put(expected_date_days(as_of, item.due, late), rest, false, item.due < as_of);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn item(id: i64, open: Decimal, due: &str, state: ItemState) -> ForecastItem {
        ForecastItem { invoice_id: id, open, due: d(due), state }
    }

    #[test]
    fn the_expected_date_follows_the_habit_not_the_due_date() {
        let as_of = d("2026-11-23");
        // Due in 10 days, pays 12 days late on average: in 22 days.
        assert_eq!(expected_date(as_of, d("2026-12-03"), dec!(12)), d("2026-12-15"));
        // Pays 5 days early.
        assert_eq!(expected_date(as_of, d("2026-12-03"), dec!(-5)), d("2026-11-28"));
        // Due 20 days ago, usually 12 days late: 8 days behind its habit, expected in 8 days.
        assert_eq!(expected_date(as_of, d("2026-11-03"), dec!(12)), d("2026-12-01"));
        // Exactly on its habit today: tomorrow.
        assert_eq!(expected_date(as_of, d("2026-11-11"), dec!(12)), d("2026-11-24"));
        // Rounded half away from zero: 2.5 → 3.
        assert_eq!(expected_date(as_of, d("2026-12-01"), dec!(2.5)), d("2026-12-04"));
    }

    #[test]
    fn weeks_disputes_promises_and_stalled_clients() {
        let as_of = d("2026-11-23");
        let mut f = Forecast::new(as_of, 13);
        assert_eq!(f.week_range(0), (d("2026-11-24"), d("2026-11-30")));
        assert_eq!(f.week_range(12), (d("2027-02-16"), d("2027-02-22")));
        let paying = Behaviour { average_days_late: Some(dec!(10)), last_payment: Some(d("2026-11-10")) };
        let items = [
            item(1, dec!(1000), "2026-11-25", ItemState::Normal), // expected 12-05: week 2
            item(2, dec!(400), "2026-12-20", ItemState::Disputed), // held
            item(3, dec!(-150), "2026-11-01", ItemState::Normal), // credit note
            item(4, dec!(600), "2026-11-01", ItemState::Normal),  // habit 11-11, 12 days behind → 12-05
            item(5, dec!(250), "2027-06-01", ItemState::Normal),  // beyond
            item(6, dec!(80), "2026-12-01", ItemState::NotCollectable),
        ];
        let promise = PendingPromise { date: d("2026-11-27"), amount: dec!(700), invoice_ids: vec![] };
        f.add_client(&items, &paying, &[promise]);
        // The promise takes the oldest items first: 600 of invoice 4, then 100 of invoice 1.
        assert_eq!(f.weeks[0].expected, dec!(700));
        assert_eq!(f.weeks[0].promised, dec!(700));
        assert_eq!(f.weeks[0].from_overdue, dec!(600));
        assert_eq!(f.weeks[1].expected, dec!(900), "the rest of invoice 1 on its habit date");
        assert_eq!(f.beyond, dec!(250));
        assert_eq!(f.held_in_dispute, dec!(400));
        assert_eq!(f.not_expected, dec!(80));
        assert_eq!(f.credits, dec!(150));
        assert_eq!(f.total_expected(), dec!(1600));

        // A client silent for 121 days with an invoice 91 days late: nothing expected.
        let silent = Behaviour { average_days_late: Some(dec!(30)), last_payment: Some(d("2026-07-25")) };
        let mut g = Forecast::new(as_of, 13);
        g.add_client(
            &[item(7, dec!(500), "2026-08-24", ItemState::Normal), item(8, dec!(300), "2026-12-01", ItemState::Normal)],
            &silent,
            &[],
        );
        assert_eq!(g.not_expected, dec!(800));
        assert_eq!(g.total_expected(), dec!(0));
        // 90 days late only: still expected.
        let mut h = Forecast::new(as_of, 13);
        h.add_client(&[item(9, dec!(500), "2026-08-25", ItemState::Normal)], &silent, &[]);
        assert_eq!(h.not_expected, dec!(0));
        assert_eq!(h.total_expected() + h.beyond, dec!(500));
    }

    #[test]
    fn a_promise_on_named_invoices_only_takes_those() {
        let as_of = d("2026-11-23");
        let mut f = Forecast::new(as_of, 13);
        let b = Behaviour { average_days_late: Some(dec!(0)), last_payment: Some(d("2026-11-20")) };
        let items =
            [item(1, dec!(100), "2026-12-10", ItemState::Normal), item(2, dec!(200), "2026-12-31", ItemState::Normal)];
        let p = PendingPromise { date: d("2026-11-24"), amount: dec!(1000), invoice_ids: vec![2] };
        f.add_client(&items, &b, &[p]);
        assert_eq!(f.weeks[0].promised, dec!(200), "capped at what invoice 2 leaves open");
        assert_eq!(f.total_expected(), dec!(300));
    }
}
