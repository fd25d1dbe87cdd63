//! The limitation period of a trade receivable (prescription): Code de commerce L110-4 (5 years
//! between merchants), Code civil 2224 (start), 2231 and 2240–2244 (interruptions), 2230 and 2238
//! (suspension). Source: legal-rules A.4 and checklist 9.
//!
//! - An **interruption** erases the time already run: a new full period starts from its date
//!   (2231). Kinds: the debtor's acknowledgement (2240), a partial payment (an acknowledgement,
//!   2240), a court claim (2241) and a protective or enforcement measure (2244).
//! - A **court claim** interrupts until the proceedings end (2242): while they are pending the
//!   period does not run, and a new one starts on the day they end. It is void — as if never made —
//!   when the claimant withdraws, lets the case lapse or the claim is dismissed (2243).
//! - A **suspension** (mediation or conciliation, 2238; accepted small-claims procedure, L125-1
//!   CPCE) stops the clock without erasing the time already run: the end moves by its length.
//! - Nothing revives a debt once time-barred: an event after the end is ignored (Cass. civ. 1,
//!   19 May 2021, for a partial payment; legal-rules A.4).
//! - A mise en demeure is **not** an interruption (Cass. com. 18 May 2022, legal-rules A.3), so it
//!   has no variant here.

use chrono::{Days, Months, NaiveDate};

/// The length of the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionPeriod {
    /// 5 years: obligations between merchants, or between merchants and non-merchants (Code de
    /// commerce L110-4, legal-rules A.4).
    Commercial,
    /// 2 years: a professional's claim on a consumer (Code de la consommation L218-2, legal-rules A.4).
    Consumer,
}

impl PrescriptionPeriod {
    fn years(self) -> u32 {
        match self {
            PrescriptionPeriod::Commercial => 5,
            PrescriptionPeriod::Consumer => 2,
        }
    }
}

/// What became of a court claim (Code civil 2242, 2243).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourtClaimOutcome {
    /// The proceedings are still running: the period is interrupted until they end (2242).
    Pending,
    /// The proceedings ended on this date: a new period starts then (2242, 2231).
    Ended(NaiveDate),
    /// Withdrawn, lapsed or dismissed: the interruption is void (2243).
    Void,
}

/// The kind of an interrupting event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterruptionKind {
    /// The debtor acknowledged the debt (2240), e.g. in writing.
    Acknowledgement,
    /// The debtor paid part of it, which acknowledges it (2240, legal-rules A.4).
    PartialPayment,
    /// A court claim, including a référé, an injonction de payer request or a claim before a court
    /// without jurisdiction (2241).
    CourtClaim(CourtClaimOutcome),
    /// A protective measure or an act of forced enforcement (2244).
    ProtectiveOrEnforcement,
}

/// An interrupting event on a date (for a court claim: the filing date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Interruption {
    /// When it happened.
    pub date: NaiveDate,
    /// What it was.
    pub kind: InterruptionKind,
}

/// A suspension: mediation or conciliation (2238), or a small-claims procedure the debtor accepted
/// (L125-1 CPCE). Both days are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Suspension {
    /// First day suspended.
    pub from: NaiveDate,
    /// Last day suspended; `None` while it lasts.
    pub to: Option<NaiveDate>,
}

/// Why an event had no effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IgnoredWhy {
    /// It came after the period had run out: nothing revives a time-barred debt.
    AfterExpiry,
    /// It came before the start of the running period (for instance during court proceedings whose
    /// end restarted it), so restarting from it would not extend it.
    BeforeRunningPeriod,
    /// A court claim withdrawn, lapsed or dismissed (2243).
    VoidClaim,
    /// The period was not running (pending proceedings or an open suspension).
    PeriodNotRunning,
}

/// An interruption that did not restart the period, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct IgnoredInterruption {
    /// The event.
    pub interruption: Interruption,
    /// Why it had no effect.
    pub why: IgnoredWhy,
}

/// Where the limitation period stands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrescriptionStatus {
    /// Start of the period now running: the original start or the last restart.
    pub period_start: NaiveDate,
    /// Last day of the period: the debt is time-barred after it. `None` while the period does not
    /// run (proceedings pending, or a suspension with no end yet).
    pub end: Option<NaiveDate>,
    /// The interruption the running period started from (`None`: the original start).
    pub restarted_by: Option<Interruption>,
    /// A pending court claim that stops the period.
    pub pending_claim: Option<Interruption>,
    /// Days the end was pushed back by suspensions within the running period.
    pub suspended_days: u64,
    /// Interruptions that had no effect, and why.
    pub ignored: Vec<IgnoredInterruption>,
}

impl PrescriptionStatus {
    /// True when the debt is time-barred on `date` (a day after the end).
    pub fn is_time_barred(&self, date: NaiveDate) -> bool {
        self.end.is_some_and(|end| date > end)
    }

    /// The alert dates of legal-rules checklist 9: end − 6 months and end − 1 month.
    pub fn alerts(&self) -> Option<(NaiveDate, NaiveDate)> {
        let end = self.end?;
        Some((end.checked_sub_months(Months::new(6))?, end.checked_sub_months(Months::new(1))?))
    }
}

/// The conservative start of the period: the earliest of delivery (or performance), invoice date
/// and due date (legal-rules A.4 and checklist 9; case law differs, this is a design choice, \[U\]).
pub fn prescription_start(delivery: Option<NaiveDate>, invoice_date: NaiveDate, due_date: NaiveDate) -> NaiveDate {
    delivery.map_or(invoice_date, |d| d.min(invoice_date)).min(due_date)
}

/// The 5-year commercial period (L110-4) from `start`, restarted by each interruption.
pub fn prescription_end(start: NaiveDate, interruptions: &[Interruption]) -> PrescriptionStatus {
    prescription_end_with(start, PrescriptionPeriod::Commercial, interruptions, &[])
}

/// The period of the given length from `start`, with interruptions and suspensions (module
/// documentation). The end is `start + N years` as legal-rules checklist 9 writes it (29 February
/// + 5 years → 28 February); whether the last day is that date or its eve is \[U\].
///
/// Events are taken in date order. Not modelled: the 6-month minimum after a mediation (2238 al. 2)
/// and the 20-year long-stop (2232), which legal-rules does not cover, nor the separate period of a
/// judgment once obtained.
pub fn prescription_end_with(
    start: NaiveDate,
    period: PrescriptionPeriod,
    interruptions: &[Interruption],
    suspensions: &[Suspension],
) -> PrescriptionStatus {
    let plus_period = |d: NaiveDate| d.checked_add_months(Months::new(12 * period.years())).unwrap_or(NaiveDate::MAX);
    enum Event {
        Interrupt(Interruption),
        Suspend(Suspension),
    }
    let mut events: Vec<(NaiveDate, Event)> = interruptions
        .iter()
        .map(|i| (i.date, Event::Interrupt(*i)))
        .chain(suspensions.iter().map(|s| (s.from, Event::Suspend(*s))))
        .collect();
    events.sort_by_key(|(date, _)| *date);

    let mut status = PrescriptionStatus {
        period_start: start,
        end: Some(plus_period(start)),
        restarted_by: None,
        pending_claim: None,
        suspended_days: 0,
        ignored: Vec::new(),
    };
    for (date, event) in events {
        let why_ignored = match status.end {
            None => Some(IgnoredWhy::PeriodNotRunning),
            Some(end) if date > end => Some(IgnoredWhy::AfterExpiry),
            Some(_) if date < status.period_start => Some(IgnoredWhy::BeforeRunningPeriod),
            Some(_) => None,
        };
        match event {
            Event::Interrupt(interruption) => {
                let why_ignored = why_ignored.or(match interruption.kind {
                    InterruptionKind::CourtClaim(CourtClaimOutcome::Void) => Some(IgnoredWhy::VoidClaim),
                    _ => None,
                });
                if let Some(why) = why_ignored {
                    status.ignored.push(IgnoredInterruption { interruption, why });
                    continue;
                }
                let restart = match interruption.kind {
                    InterruptionKind::CourtClaim(CourtClaimOutcome::Pending) => {
                        status.pending_claim = Some(interruption);
                        status.end = None;
                        continue;
                    }
                    // The new period runs from the end of the proceedings (2242, 2231).
                    InterruptionKind::CourtClaim(CourtClaimOutcome::Ended(ended)) => ended.max(interruption.date),
                    _ => interruption.date,
                };
                status.period_start = restart;
                status.end = Some(plus_period(restart));
                status.restarted_by = Some(interruption);
                status.suspended_days = 0;
            }
            Event::Suspend(suspension) => {
                if why_ignored.is_some() {
                    continue;
                }
                status.end = match (status.end, suspension.to) {
                    (Some(end), Some(to)) => {
                        let days = u64::try_from((to - suspension.from).num_days() + 1).unwrap_or(0);
                        status.suspended_days += days;
                        Some(end.checked_add_days(Days::new(days)).unwrap_or(NaiveDate::MAX))
                    }
                    _ => None,
                };
            }
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn five_years_without_events() {
        let s = prescription_end(d(2024, 3, 15), &[]);
        assert_eq!(s.end, Some(d(2029, 3, 15)));
        assert_eq!(s.restarted_by, None);
        assert!(!s.is_time_barred(d(2029, 3, 15)));
        assert!(s.is_time_barred(d(2029, 3, 16)));
        assert_eq!(s.alerts(), Some((d(2028, 9, 15), d(2029, 2, 15))));
    }

    #[test]
    fn the_start_is_the_earliest_of_delivery_invoice_and_due_dates() {
        assert_eq!(prescription_start(Some(d(2024, 1, 10)), d(2024, 1, 31), d(2024, 3, 1)), d(2024, 1, 10));
        assert_eq!(prescription_start(None, d(2024, 1, 31), d(2024, 3, 1)), d(2024, 1, 31));
        assert_eq!(prescription_start(Some(d(2024, 2, 5)), d(2024, 1, 31), d(2024, 3, 1)), d(2024, 1, 31));
    }

    #[test]
    fn a_void_claim_and_an_event_before_the_start_change_nothing() {
        let void = Interruption { date: d(2025, 5, 1), kind: InterruptionKind::CourtClaim(CourtClaimOutcome::Void) };
        let early = Interruption { date: d(2023, 1, 1), kind: InterruptionKind::Acknowledgement };
        let s = prescription_end(d(2024, 3, 15), &[void, early]);
        assert_eq!(s.end, Some(d(2029, 3, 15)));
        assert_eq!(s.ignored.len(), 2);
        assert!(s.ignored.iter().any(|i| i.why == IgnoredWhy::VoidClaim));
        assert!(s.ignored.iter().any(|i| i.why == IgnoredWhy::BeforeRunningPeriod));
    }

    #[test]
    fn a_pending_claim_stops_the_period_and_its_end_restarts_it() {
        let filed = d(2026, 2, 2);
        let pending = Interruption { date: filed, kind: InterruptionKind::CourtClaim(CourtClaimOutcome::Pending) };
        let s = prescription_end(d(2024, 3, 15), &[pending]);
        assert_eq!(s.end, None);
        assert_eq!(s.pending_claim, Some(pending));
        assert!(!s.is_time_barred(d(2040, 1, 1)));
        let ended =
            Interruption { date: filed, kind: InterruptionKind::CourtClaim(CourtClaimOutcome::Ended(d(2027, 6, 30))) };
        let s = prescription_end(d(2024, 3, 15), &[ended]);
        assert_eq!(s.period_start, d(2027, 6, 30));
        assert_eq!(s.end, Some(d(2032, 6, 30)));
        assert_eq!(s.restarted_by, Some(ended));
    }

    #[test]
    fn a_suspension_pushes_the_end_by_its_length() {
        let mediation = Suspension { from: d(2025, 1, 1), to: Some(d(2025, 1, 31)) };
        let s = prescription_end_with(d(2024, 3, 15), PrescriptionPeriod::Commercial, &[], &[mediation]);
        assert_eq!(s.suspended_days, 31);
        assert_eq!(s.end, Some(d(2029, 4, 15)));
        let open = Suspension { from: d(2025, 1, 1), to: None };
        let s = prescription_end_with(d(2024, 3, 15), PrescriptionPeriod::Commercial, &[], &[open]);
        assert_eq!(s.end, None);
        // A later acknowledgement restarts a full period: the suspension before it no longer counts.
        let ack = Interruption { date: d(2026, 1, 10), kind: InterruptionKind::Acknowledgement };
        let s = prescription_end_with(d(2024, 3, 15), PrescriptionPeriod::Commercial, &[ack], &[mediation]);
        assert_eq!((s.end, s.suspended_days), (Some(d(2031, 1, 10)), 0));
    }

    #[test]
    fn a_consumer_debt_runs_two_years() {
        let s = prescription_end_with(d(2024, 2, 29), PrescriptionPeriod::Consumer, &[], &[]);
        assert_eq!(s.end, Some(d(2026, 2, 28)), "29 February + 2 years falls on 28 February");
    }
}
