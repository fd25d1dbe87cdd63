//! The French business calendar: weekends and public holidays (Code du travail L3133-1),
//! including the Easter-based ones, with Alsace-Moselle's two extra days as an option.
//!
//! Used to push a deadline that falls on a non-working day to the next working day and to count
//! working days. Every function takes its dates as parameters.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1..=31 by construction of the algorithm.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or(NaiveDate::MIN)
}

/// The French calendar of working days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrenchCalendar {
    /// Adds Good Friday and 26 December (Bas-Rhin, Haut-Rhin, Moselle).
    pub alsace_moselle: bool,
}

impl FrenchCalendar {
    /// The calendar of metropolitan France outside Alsace-Moselle.
    pub const fn national() -> FrenchCalendar {
        FrenchCalendar { alsace_moselle: false }
    }

    /// The public holidays of a year with their French names, in date order.
    pub fn holidays(&self, year: i32) -> Vec<(NaiveDate, &'static str)> {
        let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d).unwrap_or(NaiveDate::MIN);
        let easter = easter_sunday(year);
        let after = |n: u64| easter.checked_add_days(Days::new(n)).unwrap_or(easter);
        let mut days = vec![
            (ymd(1, 1), "Jour de l'an"),
            (after(1), "Lundi de Pâques"),
            (ymd(5, 1), "Fête du Travail"),
            (ymd(5, 8), "Victoire 1945"),
            (after(39), "Ascension"),
            (after(50), "Lundi de Pentecôte"),
            (ymd(7, 14), "Fête nationale"),
            (ymd(8, 15), "Assomption"),
            (ymd(11, 1), "Toussaint"),
            (ymd(11, 11), "Armistice 1918"),
            (ymd(12, 25), "Noël"),
        ];
        if self.alsace_moselle {
            let good_friday = easter.checked_sub_days(Days::new(2)).unwrap_or(easter);
            days.push((good_friday, "Vendredi saint"));
            days.push((ymd(12, 26), "Saint-Étienne"));
        }
        days.sort();
        days
    }

    /// True on a public holiday.
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays(date.year()).iter().any(|(d, _)| *d == date)
    }

    /// True on a working day: not a Saturday, Sunday or public holiday.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_holiday(date)
    }

    /// The date itself when it is a working day, otherwise the next working day (a deadline that
    /// falls on a Sunday or a holiday moves to the next working day, CPC 642).
    pub fn next_business_day(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        while !self.is_business_day(d) {
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        d
    }

    /// `n` working days after `date` (not counting `date` itself).
    pub fn add_business_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_business_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in `(from, to]`.
    pub fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut d = from;
        while d < to {
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_business_day(d) {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn easter_dates() {
        for (y, e) in [
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(y), d(e), "Easter {y}");
        }
    }

    #[test]
    fn holidays_2026() {
        let cal = FrenchCalendar::national();
        let h: Vec<String> = cal.holidays(2026).iter().map(|(d, _)| d.to_string()).collect();
        assert_eq!(
            h,
            [
                "2026-01-01",
                "2026-04-06",
                "2026-05-01",
                "2026-05-08",
                "2026-05-14",
                "2026-05-25",
                "2026-07-14",
                "2026-08-15",
                "2026-11-01",
                "2026-11-11",
                "2026-12-25"
            ]
        );
        let am = FrenchCalendar { alsace_moselle: true };
        assert!(am.is_holiday(d("2026-04-03")), "Good Friday in Alsace-Moselle");
        assert!(!cal.is_holiday(d("2026-04-03")));
        assert!(am.is_holiday(d("2026-12-26")));
    }

    #[test]
    fn business_days() {
        let cal = FrenchCalendar::national();
        // Friday 13 Nov 2026 + 1 working day = Monday 16 Nov.
        assert_eq!(cal.add_business_days(d("2026-11-13"), 1), d("2026-11-16"));
        // Tuesday 10 Nov + 1 = Thursday 12 Nov (11 Nov is a holiday).
        assert_eq!(cal.add_business_days(d("2026-11-10"), 1), d("2026-11-12"));
        // Saturday 14 Nov 2026 → Monday 16 Nov; Friday 25 Dec 2026 → Monday 28 Dec.
        assert_eq!(cal.next_business_day(d("2026-11-14")), d("2026-11-16"));
        assert_eq!(cal.next_business_day(d("2026-12-25")), d("2026-12-28"));
        assert_eq!(cal.next_business_day(d("2026-11-23")), d("2026-11-23"));
        assert_eq!(cal.business_days_between(d("2026-11-06"), d("2026-11-13")), 4, "11 Nov excluded");
    }
}
