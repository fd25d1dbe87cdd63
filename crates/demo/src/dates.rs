//! The time frame of a portfolio: two years of invoicing up to `as_of`, French working days, and
//! the sorted issue dates of one client's documents.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use encours_domain::FrenchCalendar;
use rand::Rng;

use crate::draw::{as_f64, DemoRng};

/// Invoices span the two years before `as_of` (730 days, plus `as_of` itself).
pub(crate) const WINDOW_DAYS: u32 = 730;

/// Days after `as_of` for which working days are tabulated: planned payment dates may fall there
/// before being dropped as "not paid yet".
const LOOKAHEAD_DAYS: u32 = 400;

/// Start of the French e-invoicing reform: lifecycle statuses exist only for invoices issued on or
/// after this date (legal-rules.md B.1).
pub(crate) const REFORM_START: NaiveDate = match NaiveDate::from_ymd_opt(2026, 9, 1) {
    Some(d) => d,
    None => panic!("2026-09-01 is a valid date"),
};

/// `d` moved by `n` days, saturating at the ends of the calendar.
pub(crate) fn shift(d: NaiveDate, n: i64) -> NaiveDate {
    TimeDelta::try_days(n).and_then(|t| d.checked_add_signed(t)).unwrap_or(if n < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// A time of day at `h:m`, clamped to a valid time.
pub(crate) fn at(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h.min(23), m.min(59), 0).unwrap_or(NaiveTime::MIN))
}

/// The window, its working days and the invoicing intensity of each day.
pub(crate) struct Timeline {
    /// The "today" of the portfolio.
    pub as_of: NaiveDate,
    /// The last second of `as_of`: no status is dated after it.
    pub as_of_end: NaiveDateTime,
    /// First day of the invoicing window.
    pub start: NaiveDate,
    /// Working days from `start` to `as_of + LOOKAHEAD_DAYS` (a table: `FrenchCalendar` rebuilds
    /// the holiday list on every call, far too slow for millions of dates).
    business: Vec<bool>,
    /// Cumulative invoicing intensity: `cum[d]` is the weight of days `0..d` of the window.
    cum: Vec<f64>,
}

impl Timeline {
    pub(crate) fn new(as_of: NaiveDate) -> Timeline {
        let start = shift(as_of, -i64::from(WINDOW_DAYS));
        let cal = FrenchCalendar::national();
        let business: Vec<bool> =
            (0..=WINDOW_DAYS + LOOKAHEAD_DAYS).map(|i| cal.is_business_day(shift(start, i64::from(i)))).collect();
        let mut cum = Vec::with_capacity(WINDOW_DAYS as usize + 2);
        cum.push(0.0);
        let mut total = 0.0;
        for i in 0..=WINDOW_DAYS {
            total += intensity(shift(start, i64::from(i)), i, business[i as usize]);
            cum.push(total);
        }
        let as_of_end = as_of.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
        Timeline { as_of, as_of_end, start, business, cum }
    }

    /// The date of a window offset.
    pub(crate) fn date(&self, offset: u32) -> NaiveDate {
        shift(self.start, i64::from(offset))
    }

    /// The window offset of a date, clamped to the window.
    pub(crate) fn offset(&self, d: NaiveDate) -> u32 {
        let n = (d - self.start).num_days().clamp(0, i64::from(WINDOW_DAYS));
        u32::try_from(n).unwrap_or(0)
    }

    /// `d` itself on a working day, else the next working day (banks book on working days).
    pub(crate) fn next_business_day(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d;
        loop {
            let i = (day - self.start).num_days();
            match usize::try_from(i).ok().and_then(|i| self.business.get(i)) {
                Some(true) => return day,
                // At the end of the calendar the day cannot move: stop rather than spin.
                Some(false) if shift(day, 1) == day => return day,
                Some(false) => day = shift(day, 1),
                None => return FrenchCalendar::national().next_business_day(day),
            }
        }
    }

    /// The share of the window's invoicing that falls in `first..=last` (window offsets).
    pub(crate) fn activity(&self, first: u32, last: u32) -> f64 {
        let total = self.cum[self.cum.len() - 1];
        if total <= 0.0 {
            return 1.0;
        }
        (self.cum[last as usize + 1] - self.cum[first as usize]) / total
    }

    /// The day (window offset in `first..=last`) at quantile `u` of the invoicing intensity over
    /// that range. Falls back to a uniform spread when the range has no working day.
    pub(crate) fn day_at(&self, first: u32, last: u32, u: f64) -> u32 {
        let (lo, hi) = (self.cum[first as usize], self.cum[last as usize + 1]);
        if hi <= lo {
            let span = f64::from(last - first + 1);
            return first + ((u * span) as u32).min(last - first);
        }
        let target = lo + u * (hi - lo);
        // First index whose cumulative weight exceeds the target; the day is the one before it.
        let idx = self.cum[first as usize..=last as usize + 1].partition_point(|c| *c <= target);
        (first + u32::try_from(idx).unwrap_or(1).saturating_sub(1)).min(last)
    }
}

/// How much invoicing happens on a day: nothing on weekends and holidays, less in August and at
/// Christmas, more at month end (monthly invoicing runs), and a slow growth of the business.
fn intensity(d: NaiveDate, offset: u32, business: bool) -> f64 {
    if !business {
        return 0.0;
    }
    let mut w = 1.0 + 0.08 * f64::from(offset) / 365.0;
    match d.month() {
        8 => w *= 0.55,
        12 if d.day() >= 20 => w *= 0.6,
        7 if d.day() >= 14 => w *= 0.8,
        _ => {}
    }
    let next_month_first = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    };
    if next_month_first.is_some_and(|f| (f - d).num_days() <= 4) {
        w *= 1.7;
    }
    w
}

/// `n` sorted uniform draws in [0, 1), produced one at a time in increasing order (order
/// statistics by successive minima), so a client's 100,000 issue dates never sit in memory.
pub(crate) struct SortedUniforms {
    remaining: u64,
    current: f64,
}

impl SortedUniforms {
    pub(crate) fn new(n: u64) -> SortedUniforms {
        SortedUniforms { remaining: n, current: 0.0 }
    }

    /// The next value, or `None` after `n` values.
    pub(crate) fn next(&mut self, rng: &mut DemoRng) -> Option<f64> {
        if self.remaining == 0 {
            return None;
        }
        let k = as_f64(i64::try_from(self.remaining).unwrap_or(i64::MAX));
        let v: f64 = 1.0 - rng.random::<f64>();
        // The minimum of k uniforms on [current, 1) is 1 - (1 - current) * V^(1/k).
        self.current = 1.0 - (1.0 - self.current) * v.powf(1.0 / k);
        self.remaining -= 1;
        Some(self.current.clamp(0.0, 1.0 - f64::EPSILON))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test dates are valid")
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let tl = Timeline::new(d("2027-03-31"));
        assert_eq!(tl.next_business_day(d("2026-12-25")), d("2026-12-28"), "Christmas Friday moves to Monday");
        assert_eq!(tl.next_business_day(d("2026-11-11")), d("2026-11-12"), "Armistice is a holiday");
        assert_eq!(tl.next_business_day(d("2027-03-30")), d("2027-03-30"), "a Tuesday is a working day");
        assert_eq!(tl.next_business_day(d("2030-06-01")), d("2030-06-03"), "beyond the table, the calendar decides");
    }

    #[test]
    fn issue_days_fall_on_working_days_within_the_range() {
        let tl = Timeline::new(d("2027-03-31"));
        let cal = FrenchCalendar::national();
        for i in 0..=100 {
            let u = f64::from(i) / 101.0;
            let day = tl.day_at(10, 500, u);
            assert!((10..=500).contains(&day), "offset {day} stays in the client's range");
            assert!(cal.is_business_day(tl.date(day)), "{} is a working day", tl.date(day));
        }
        let single = tl.day_at(tl.offset(d("2026-12-26")), tl.offset(d("2026-12-27")), 0.5);
        assert!(single <= tl.offset(d("2026-12-27")), "a weekend-only range still gives a day inside it");
    }

    #[test]
    fn sorted_uniforms_are_sorted_and_counted() {
        let mut rng = DemoRng::seed_from_u64(7);
        let mut s = SortedUniforms::new(10_000);
        let mut last = 0.0;
        let mut n = 0;
        let mut below_half = 0;
        while let Some(u) = s.next(&mut rng) {
            assert!(u >= last && u < 1.0, "draws come in increasing order inside [0, 1)");
            last = u;
            n += 1;
            if u < 0.5 {
                below_half += 1;
            }
        }
        assert_eq!(n, 10_000, "exactly n draws");
        assert!((4_700..5_300).contains(&below_half), "uniform: about half below 0.5, got {below_half}");
    }
}
