//! Payment habits: how a client pays, and therefore what a credit manager sees in its history.
//!
//! The five habits are the patterns the collection literature describes (collections-anchors.md,
//! e.4 early-warning signals): prompt payers, chronic slow payers, seasonal payers (late in summer
//! and at year end), clients that deteriorate and then stop paying (delays lengthening, partial
//! payments, broken promises, then nothing), and clients that dispute.

use chrono::{Datelike, NaiveDate};

use crate::dates::shift;
use crate::draw::{as_f64, chance, days, normal, DemoRng};

/// How a client pays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Habit {
    /// Around the due date, some early.
    Prompt,
    /// Consistently late, by `mean_late` days on average (12–40).
    Slow { mean_late: f64 },
    /// On time most of the year, late in summer and in December.
    Seasonal,
    /// Delays lengthen from `decline_from`; nothing is paid after `stop_paying`; the seller stops
    /// invoicing at `stop_invoicing` (credit hold), leaving the last invoices open and overdue.
    Deteriorating { decline_from: NaiveDate, stop_paying: NaiveDate, stop_invoicing: NaiveDate },
    /// Pays reasonably but disputes often; more credit notes.
    Disputing,
}

/// The habit families, for drawing shares and counting them in tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum HabitKind {
    Prompt,
    Slow,
    Seasonal,
    Deteriorating,
    Disputing,
}

/// Shares of clients per habit, in per mille. Deteriorating clients are only drawn among small
/// and mid-sized accounts (see `party`): a large account drawn as failing becomes a prompt payer.
pub(crate) const HABIT_SHARES: &[(HabitKind, u32)] = &[
    (HabitKind::Prompt, 470),
    (HabitKind::Slow, 250),
    (HabitKind::Seasonal, 100),
    (HabitKind::Disputing, 120),
    (HabitKind::Deteriorating, 60),
];

impl Habit {
    #[cfg(test)]
    pub(crate) fn kind(&self) -> HabitKind {
        match self {
            Habit::Prompt => HabitKind::Prompt,
            Habit::Slow { .. } => HabitKind::Slow,
            Habit::Seasonal => HabitKind::Seasonal,
            Habit::Deteriorating { .. } => HabitKind::Deteriorating,
            Habit::Disputing => HabitKind::Disputing,
        }
    }

    /// The last day this client pays anything.
    pub(crate) fn stop_paying(&self) -> Option<NaiveDate> {
        match self {
            Habit::Deteriorating { stop_paying, .. } => Some(*stop_paying),
            _ => None,
        }
    }

    /// True once a deteriorating client's delays have started to lengthen.
    pub(crate) fn in_decline(&self, d: NaiveDate) -> bool {
        matches!(self, Habit::Deteriorating { decline_from, .. } if d >= *decline_from)
    }

    /// When this client would pay an invoice, before bank working days and pay runs; `None` when
    /// it never will.
    pub(crate) fn planned_payment(&self, issue: NaiveDate, due: NaiveDate, rng: &mut DemoRng) -> Option<NaiveDate> {
        let late = match *self {
            Habit::Prompt => {
                if chance(rng, 0.22) {
                    -as_f64(days(rng, 2, 15))
                } else {
                    1.0 + 3.0 * normal(rng)
                }
            }
            Habit::Slow { mean_late } => mean_late + 7.0 * normal(rng),
            Habit::Seasonal => {
                let base = 3.0 + 4.0 * normal(rng);
                let when = shift(due, base as i64);
                let bump = match (when.month(), when.day()) {
                    (7, d) if d >= 10 => days(rng, 20, 40),
                    (8, _) => days(rng, 15, 35),
                    (12, d) if d >= 10 => days(rng, 15, 30),
                    _ => 0,
                };
                base + as_f64(bump)
            }
            Habit::Disputing => 8.0 + 6.0 * normal(rng),
            Habit::Deteriorating { decline_from, stop_paying, .. } => {
                if due < decline_from {
                    4.0 + 4.0 * normal(rng)
                } else {
                    let span = as_f64((stop_paying - decline_from).num_days().max(1));
                    let progress = as_f64((due - decline_from).num_days()) / span;
                    5.0 + 60.0 * progress.min(1.5) + 8.0 * normal(rng)
                }
            }
        };
        // Every ledger has a few stragglers: an invoice lost in an approval circuit, paid months
        // late or still open. They are what fills the oldest buckets of an aged balance.
        let straggler = if matches!(self, Habit::Prompt) { 0.004 } else { 0.015 };
        let late = if chance(rng, straggler) { late.max(as_f64(days(rng, 60, 300))) } else { late };
        let date = shift(due, late.round() as i64).max(shift(issue, 1));
        match self.stop_paying() {
            Some(stop) if date > stop => None,
            _ => Some(date),
        }
    }

    /// Probability that an invoice is paid in two instalments (a deposit, then the balance).
    pub(crate) fn partial_rate(&self, due: NaiveDate) -> f64 {
        match self {
            Habit::Prompt => 0.01,
            Habit::Slow { .. } => 0.05,
            Habit::Seasonal | Habit::Disputing => 0.03,
            Habit::Deteriorating { .. } if self.in_decline(due) => 0.25,
            Habit::Deteriorating { .. } => 0.03,
        }
    }

    /// Probability that a late invoice brings a promise to pay.
    pub(crate) fn promise_rate(&self, due: NaiveDate) -> f64 {
        match self {
            Habit::Slow { .. } => 0.05,
            Habit::Seasonal => 0.03,
            Habit::Deteriorating { .. } if self.in_decline(due) => 0.25,
            _ => 0.0,
        }
    }

    /// Probability that an invoice is disputed (207 En litige).
    pub(crate) fn dispute_rate(&self) -> f64 {
        match self {
            Habit::Disputing => 0.06,
            _ => 0.008,
        }
    }

    /// Probability that an invoice is partly credited for a return or a commercial gesture.
    pub(crate) fn return_rate(&self) -> f64 {
        match self {
            Habit::Disputing => 0.035,
            _ => 0.025,
        }
    }

    /// Probability that the buyer approves an invoice (205) on the platform.
    pub(crate) fn approval_rate(&self) -> f64 {
        match self {
            Habit::Prompt => 0.85,
            Habit::Seasonal => 0.75,
            Habit::Slow { .. } => 0.6,
            Habit::Disputing => 0.5,
            Habit::Deteriorating { .. } => 0.4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test dates are valid")
    }

    fn mean_delay(h: Habit, due: &str) -> f64 {
        let mut rng = DemoRng::seed_from_u64(3);
        let (issue, due) = (shift(d(due), -30), d(due));
        let mut sum = 0.0;
        let mut n = 0.0;
        for _ in 0..2_000 {
            if let Some(p) = h.planned_payment(issue, due, &mut rng) {
                sum += as_f64((p - due).num_days());
                n += 1.0;
            }
        }
        sum / n
    }

    #[test]
    fn habits_give_their_delays() {
        let prompt = mean_delay(Habit::Prompt, "2026-03-10");
        assert!((-4.0..3.0).contains(&prompt), "prompt payers pay around the due date ({prompt:.1})");
        let slow = mean_delay(Habit::Slow { mean_late: 30.0 }, "2026-03-10");
        assert!((25.0..35.0).contains(&slow), "slow payers are about a month late ({slow:.1})");
        let spring = mean_delay(Habit::Seasonal, "2026-03-10");
        let summer = mean_delay(Habit::Seasonal, "2026-07-20");
        assert!(summer > spring + 15.0, "seasonal payers are late in summer ({spring:.1} vs {summer:.1})");
    }

    #[test]
    fn deteriorating_clients_slow_down_then_stop() {
        let h = Habit::Deteriorating {
            decline_from: d("2026-06-01"),
            stop_paying: d("2026-12-31"),
            stop_invoicing: d("2027-01-31"),
        };
        let before = mean_delay(h, "2026-03-10");
        let during = mean_delay(h, "2026-10-01");
        assert!(during > before + 20.0, "delays lengthen during the decline ({before:.1} → {during:.1})");
        let mut rng = DemoRng::seed_from_u64(1);
        for _ in 0..100 {
            let p = h.planned_payment(d("2026-12-01"), d("2026-12-31"), &mut rng);
            assert!(p.is_none_or(|p| p <= d("2026-12-31")), "nothing is paid after the stop");
        }
    }
}
