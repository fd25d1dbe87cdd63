//! A client's risk features from its own ledger, as of a date (collections-anchors e.1 and e.4,
//! scoring.md §5 "features"). Pure functions over plain input structs the app fills from the store.
//!
//! Only what is known *strictly before* `as_of` counts: an invoice issued on or after it, a payment
//! or a status dated on or after it is ignored, so a feature row never sees the future of its date.
//! Sums of money are `Decimal`; a feature is a ratio or a day count converted to `f64` only after
//! the `Decimal` division.

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::count;

/// A payment applied to an invoice (a lettrage allocation), or a refund / application of a credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerPayment {
    /// Value date.
    pub date: NaiveDate,
    /// Amount applied to this document.
    pub amount: Decimal,
    /// Applied from a credit note (a return, a commercial gesture, a dispute settled) rather than
    /// paid by the client: the early warnings read the client's own payments only.
    #[serde(default)]
    pub from_credit_note: bool,
}

/// A lifecycle status received for an invoice (the 200–221 codes of the e-invoicing reform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerStatus {
    /// The status code (203 made available, 205 approved, 206 partly approved, 207 disputed,
    /// 210 refused, 211 payment sent, 212 collected, …).
    pub code: u16,
    /// The day it was issued.
    pub date: NaiveDate,
}

/// Invoice or credit note (EN 16931 BT-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// An invoice (380 and the like).
    Invoice,
    /// A credit note (381).
    CreditNote,
}

/// One document of a client's ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerInvoice {
    /// The invoice's id in the dossier.
    pub id: String,
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// Issue date (BT-2).
    pub issue_date: NaiveDate,
    /// Due date (BT-9).
    pub due_date: NaiveDate,
    /// Amount due including VAT (BT-115), positive for both kinds.
    pub amount: Decimal,
    /// Received as an e-invoice (rather than on paper or as a PDF by e-mail).
    pub electronic: bool,
    /// What was applied to it, in any order.
    pub payments: Vec<LedgerPayment>,
    /// Its lifecycle statuses, in any order.
    pub statuses: Vec<LedgerStatus>,
}

/// The kind of a collective procedure (BODACC, open-data §3; legal-rules C).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureKind {
    /// Procédure de sauvegarde.
    Sauvegarde,
    /// Redressement judiciaire.
    Redressement,
    /// Liquidation judiciaire.
    Liquidation,
}

/// A collective procedure opened against the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectiveProcedure {
    /// Which procedure.
    pub kind: ProcedureKind,
    /// The opening judgment's date.
    pub judgment_date: NaiveDate,
}

/// What is known of the client from outside the ledger (SIRENE, BODACC, typed in by the user).
/// Shown next to the score, never inside it (scoring.md §5: no public data validates them).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExternalFacts {
    /// Company creation date (SIRENE).
    pub creation_date: Option<NaiveDate>,
    /// Legal form (catégorie juridique), as text.
    pub legal_form: Option<String>,
    /// NAF / APE code.
    pub naf: Option<String>,
    /// Headcount band (tranche d'effectif), as text.
    pub headcount_band: Option<String>,
    /// The day activity ceased (SIRENE "cessée"), if it did.
    pub ceased_on: Option<NaiveDate>,
    /// An open collective procedure (BODACC).
    pub collective_procedure: Option<CollectiveProcedure>,
    /// Banque de France cotation typed in by the user (22-grade scale since 2022, e.g. "4+", "P").
    pub bdf_cotation: Option<String>,
}

/// A client's ledger as the scoring needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClientLedger {
    /// The client's id in the dossier.
    pub client_id: String,
    /// Its invoices and credit notes.
    pub invoices: Vec<LedgerInvoice>,
    /// Dates of the payment promises it broke.
    pub broken_promises: Vec<NaiveDate>,
    /// Dates its payment promises were made on, kept or not, in date order.
    #[serde(default)]
    pub promises_made: Vec<NaiveDate>,
    /// External facts, when known.
    pub external: ExternalFacts,
}

/// A client's features as of a date. Rates and ratios are `None` when their denominator is empty:
/// the scorecard then uses the term's neutral value, so "no data" is never read as "good" or "bad".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClientFeatures {
    /// The scoring date (features use what is dated strictly before it).
    pub as_of: NaiveDate,
    /// Amount-weighted days beyond terms of the invoices settled in the last 3 months.
    pub dbt_3m: Option<f64>,
    /// … last 6 months.
    pub dbt_6m: Option<f64>,
    /// … last 12 months (the Paydex-like figure, collections-anchors e.1).
    pub dbt_12m: Option<f64>,
    /// Trend of delays: `dbt_3m − dbt_12m` in days (positive: delays lengthen).
    pub delay_trend: Option<f64>,
    /// Share of the invoices settled in 12 months that were paid late.
    pub share_paid_late: Option<f64>,
    /// The same, smoothed toward the portfolio rate with a pseudo-count of 3 (cold start).
    pub smoothed_late_rate: f64,
    /// Share of the invoices paid in 12 months that received a partial payment.
    pub partial_payment_share: Option<f64>,
    /// Invoices disputed (207) in 12 months.
    pub disputes_12m: u32,
    /// Invoices disputed (207) in the last 90 days.
    pub disputes_90d: u32,
    /// Invoices refused (210) in 12 months.
    pub refusals_12m: u32,
    /// Invoices partly approved (206) in 12 months.
    pub partial_approvals_12m: u32,
    /// Mean days from 203 (made available) to 205 (approved), approvals of the last 12 months.
    pub days_203_to_205: Option<f64>,
    /// Mean days from 211 (payment sent) to 212 (collected), collections of the last 12 months.
    pub days_211_to_212: Option<f64>,
    /// Credit notes ÷ invoices, amounts issued in 12 months.
    pub credit_note_ratio: Option<f64>,
    /// Invoiced in the last 3 months ÷ the same 3 months a year before, minus 1 (−0.4: 40 % less).
    pub activity_trend: Option<f64>,
    /// Invoices issued in the same 3 months a year before (the base `activity_trend` compares to).
    pub activity_base_invoices: u32,
    /// Invoices issued in the last 3 months.
    pub activity_recent_invoices: u32,
    /// Open balance ÷ average monthly invoicing of the last 12 months (months of business owed).
    pub exposure_months: Option<f64>,
    /// Overdue share of the open balance.
    pub overdue_share: Option<f64>,
    /// Days the oldest overdue open invoice is past due (0 when none).
    pub max_days_overdue: i64,
    /// Open balance (invoices minus credit notes not yet applied).
    pub open_balance: Decimal,
    /// Average monthly invoicing over the last 12 months.
    pub monthly_invoicing: Decimal,
    /// Months since the first invoice.
    pub relationship_months: u32,
    /// Share of the invoices of the last 12 months received as e-invoices.
    pub electronic_share: Option<f64>,
    /// Broken promises in the last 12 months.
    pub broken_promises_12m: u32,
    /// Incidents in the last 90 days: disputes, refusals, partial approvals, partial payments,
    /// broken promises.
    pub incidents_90d: u32,
    /// Settled invoices of the last 24 months: how many invoices the score rests on.
    pub invoices_scored: u32,
}

/// How an invoice stood at a date.
struct Standing {
    settled_on: Option<NaiveDate>,
    paid: Decimal,
    /// The latest payment that left it partly paid.
    last_partial: Option<NaiveDate>,
}

fn standing(inv: &LedgerInvoice, as_of: NaiveDate) -> Standing {
    let mut s = Standing { settled_on: None, paid: Decimal::ZERO, last_partial: None };
    let mut apply = |p: &LedgerPayment| {
        if p.date >= as_of {
            return;
        }
        s.paid += p.amount;
        if s.settled_on.is_none() {
            if s.paid >= inv.amount {
                s.settled_on = Some(p.date);
            } else {
                s.last_partial = Some(p.date);
            }
        }
    };
    // Payments usually arrive in date order: sort a copy only when they do not (a rescoring of the
    // whole portfolio walks every invoice several times).
    if inv.payments.windows(2).all(|w| w[0].date <= w[1].date) {
        inv.payments.iter().for_each(&mut apply);
    } else {
        let mut sorted: Vec<&LedgerPayment> = inv.payments.iter().collect();
        sorted.sort_by_key(|p| p.date);
        sorted.into_iter().for_each(&mut apply);
    }
    s
}

/// The day a document was fully paid, counting only what was applied strictly before `as_of`.
pub fn settled_on(inv: &LedgerInvoice, as_of: NaiveDate) -> Option<NaiveDate> {
    standing(inv, as_of).settled_on
}

fn months_before(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(m)).unwrap_or(NaiveDate::MIN)
}

fn ratio(num: Decimal, den: Decimal) -> Option<f64> {
    if den.is_zero() {
        None
    } else {
        num.checked_div(den).and_then(|r| r.to_f64())
    }
}

fn days(d: i64) -> f64 {
    f64::from(i32::try_from(d).unwrap_or(if d < 0 { i32::MIN } else { i32::MAX }))
}

/// Amount-weighted days beyond terms of the invoices settled in `[from, as_of)`.
fn dbt(settled: &[(&LedgerInvoice, NaiveDate)], from: NaiveDate) -> Option<f64> {
    let (mut weighted, mut total) = (Decimal::ZERO, Decimal::ZERO);
    for (inv, on) in settled.iter().filter(|(_, on)| *on >= from) {
        let beyond = (*on - inv.due_date).num_days().max(0);
        weighted += inv.amount * Decimal::from(beyond);
        total += inv.amount;
    }
    ratio(weighted, total)
}

/// Mean days between the first `from` status and the first `to` status after it, for invoices
/// whose `to` status falls in `[since, as_of)`.
fn status_gap(invoices: &[&LedgerInvoice], from: u16, to: u16, since: NaiveDate, as_of: NaiveDate) -> Option<f64> {
    let mut gaps = Vec::new();
    for inv in invoices {
        let first = |code: u16| inv.statuses.iter().filter(|s| s.code == code && s.date < as_of).map(|s| s.date).min();
        if let (Some(a), Some(b)) = (first(from), first(to)) {
            if b >= since && b >= a {
                gaps.push(days((b - a).num_days()));
            }
        }
    }
    (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / count(gaps.len()))
}

/// The client's late rate shrunk toward the portfolio's with a pseudo-count of 3 invoices
/// (scoring.md §5, cold start): `n_late` of `n_settled` invoices settled in 12 months were late.
/// Public so that a streaming run can compute features before it knows the portfolio's rate and
/// put the rate in afterwards (the only feature that depends on it).
pub fn smoothed_late_rate(n_late: u32, n_settled: u32, portfolio_late_rate: f64) -> f64 {
    (f64::from(n_late) + 3.0 * portfolio_late_rate) / (f64::from(n_settled) + 3.0)
}

/// The client's features as of `as_of`. `portfolio_late_rate` is the prior the late rate is
/// shrunk toward (the share of the portfolio's invoices paid late, or a segment's).
pub fn client_features(ledger: &ClientLedger, as_of: NaiveDate, portfolio_late_rate: f64) -> ClientFeatures {
    let known: Vec<&LedgerInvoice> = ledger.invoices.iter().filter(|i| i.issue_date < as_of).collect();
    let invoices: Vec<&LedgerInvoice> = known.iter().copied().filter(|i| i.kind == DocumentKind::Invoice).collect();
    let (m3, m6, m12, m15, m24) = (
        months_before(as_of, 3),
        months_before(as_of, 6),
        months_before(as_of, 12),
        months_before(as_of, 15),
        months_before(as_of, 24),
    );
    let day90 = as_of - chrono::Duration::days(90);

    let mut settled: Vec<(&LedgerInvoice, NaiveDate)> = Vec::new();
    let mut open_balance = Decimal::ZERO;
    let mut overdue = Decimal::ZERO;
    let mut max_days_overdue = 0i64;
    let (mut paid_12m, mut partial_12m, mut partial_90d) = (0usize, 0usize, 0u32);
    for inv in &known {
        let s = standing(inv, as_of);
        let open = (inv.amount - s.paid).max(Decimal::ZERO);
        match inv.kind {
            DocumentKind::CreditNote => open_balance -= open,
            DocumentKind::Invoice => {
                open_balance += open;
                if let Some(on) = s.settled_on {
                    settled.push((inv, on));
                } else if inv.due_date < as_of && open > Decimal::ZERO {
                    overdue += open;
                    max_days_overdue = max_days_overdue.max((as_of - inv.due_date).num_days());
                }
                let partial_since = |from: NaiveDate| s.last_partial.is_some_and(|d| d >= from);
                if s.settled_on.is_some_and(|d| d >= m12) || partial_since(m12) {
                    paid_12m += 1;
                    partial_12m += usize::from(partial_since(m12));
                }
                partial_90d += u32::from(partial_since(day90));
            }
        }
    }
    let settled_12m: Vec<&(&LedgerInvoice, NaiveDate)> = settled.iter().filter(|(_, on)| *on >= m12).collect();
    let late_12m = settled_12m.iter().filter(|(inv, on)| *on > inv.due_date).count();
    let (dbt_3m, dbt_6m, dbt_12m) = (dbt(&settled, m3), dbt(&settled, m6), dbt(&settled, m12));

    let in_window = |s: &LedgerStatus, from: NaiveDate| s.date >= from && s.date < as_of;
    let invoices_with = |code: u16, from: NaiveDate| -> u32 {
        let n = invoices.iter().filter(|i| i.statuses.iter().any(|s| s.code == code && in_window(s, from))).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let issued = |from: NaiveDate, to: NaiveDate, kind: DocumentKind| -> Decimal {
        known.iter().filter(|i| i.kind == kind && i.issue_date >= from && i.issue_date < to).map(|i| i.amount).sum()
    };
    let invoiced_12m = issued(m12, as_of, DocumentKind::Invoice);
    let monthly_invoicing = invoiced_12m / Decimal::from(12);
    let recent = issued(m3, as_of, DocumentKind::Invoice);
    let year_before = issued(m15, m12, DocumentKind::Invoice);
    let issued_12m: Vec<&&LedgerInvoice> = invoices.iter().filter(|i| i.issue_date >= m12).collect();
    let first = known.iter().map(|i| i.issue_date).min();
    let relationship_months = first.map_or(0, |f| {
        let m = (as_of.year() - f.year()) * 12 + i32::try_from(as_of.month()).unwrap_or(0)
            - i32::try_from(f.month()).unwrap_or(0);
        u32::try_from(m.max(0)).unwrap_or(0)
    });
    let broken_12m = ledger.broken_promises.iter().filter(|d| **d >= m12 && **d < as_of).count();
    let broken_90d = ledger.broken_promises.iter().filter(|d| **d >= day90 && **d < as_of).count();
    let disputes_90d = invoices_with(207, day90);
    let n_late = u32::try_from(late_12m).unwrap_or(u32::MAX);
    let n_settled = u32::try_from(settled_12m.len()).unwrap_or(u32::MAX);
    ClientFeatures {
        as_of,
        dbt_3m,
        dbt_6m,
        dbt_12m,
        delay_trend: dbt_3m.zip(dbt_12m).map(|(a, b)| a - b),
        share_paid_late: (n_settled > 0).then(|| f64::from(n_late) / f64::from(n_settled)),
        smoothed_late_rate: smoothed_late_rate(n_late, n_settled, portfolio_late_rate),
        partial_payment_share: (paid_12m > 0).then(|| count(partial_12m) / count(paid_12m)),
        disputes_12m: invoices_with(207, m12),
        disputes_90d,
        refusals_12m: invoices_with(210, m12),
        partial_approvals_12m: invoices_with(206, m12),
        days_203_to_205: status_gap(&invoices, 203, 205, m12, as_of),
        days_211_to_212: status_gap(&invoices, 211, 212, m12, as_of),
        credit_note_ratio: ratio(issued(m12, as_of, DocumentKind::CreditNote), invoiced_12m),
        activity_trend: ratio(recent, year_before).map(|r| r - 1.0),
        activity_base_invoices: u32::try_from(
            invoices.iter().filter(|i| i.issue_date >= m15 && i.issue_date < m12).count(),
        )
        .unwrap_or(u32::MAX),
        activity_recent_invoices: u32::try_from(invoices.iter().filter(|i| i.issue_date >= m3).count())
            .unwrap_or(u32::MAX),
        exposure_months: ratio(open_balance.max(Decimal::ZERO), monthly_invoicing),
        overdue_share: if open_balance > Decimal::ZERO { ratio(overdue, open_balance) } else { None },
        max_days_overdue,
        open_balance,
        monthly_invoicing,
        relationship_months,
        electronic_share: (!issued_12m.is_empty())
            .then(|| count(issued_12m.iter().filter(|i| i.electronic).count()) / count(issued_12m.len())),
        broken_promises_12m: u32::try_from(broken_12m).unwrap_or(u32::MAX),
        incidents_90d: disputes_90d
            + invoices_with(210, day90)
            + invoices_with(206, day90)
            + partial_90d
            + u32::try_from(broken_90d).unwrap_or(u32::MAX),
        invoices_scored: u32::try_from(settled.iter().filter(|(_, on)| *on >= m24).count()).unwrap_or(u32::MAX),
    }
}

/// Amount-weighted days beyond terms of the invoices settled in one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MonthlyDelay {
    /// The month's first day.
    pub month: NaiveDate,
    /// Its weighted days beyond terms; `None` when nothing was settled that month.
    pub dbt: Option<f64>,
}

/// The last `months` complete calendar months before `as_of`'s month, oldest first, each with the
/// amount-weighted days beyond terms of the invoices settled in it (the early-warning series).
pub fn monthly_delays(ledger: &ClientLedger, as_of: NaiveDate, months: u32) -> Vec<MonthlyDelay> {
    let this_month = as_of.with_day(1).unwrap_or(as_of);
    let first = months_before(this_month, months);
    let settled: Vec<(&LedgerInvoice, NaiveDate)> = ledger
        .invoices
        .iter()
        .filter(|i| i.kind == DocumentKind::Invoice && i.issue_date < as_of)
        // The settling payment is one of the series' months: skip, without summing, invoices paid
        // in full before it (most of a long history).
        .filter(|i| i.payments.iter().any(|p| p.date >= first && p.date < this_month))
        .filter_map(|i| standing(i, as_of).settled_on.map(|on| (i, on)))
        .collect();
    (1..=months)
        .rev()
        .map(|back| {
            let start = months_before(this_month, back);
            let end = months_before(this_month, back - 1);
            let in_month: Vec<(&LedgerInvoice, NaiveDate)> =
                settled.iter().copied().filter(|(_, on)| *on >= start && *on < end).collect();
            MonthlyDelay { month: start, dbt: dbt(&in_month, start) }
        })
        .collect()
}

/// The client's recent invoices running later than its own habit, as a credit manager sees them on
/// `as_of` — open items included (the [`HabitBreak`] early warning, collections-anchors e.4
/// "a trend of longer delays", "balances rolling forward without clearing").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HabitBreak {
    /// The client's usual delay: the median days beyond terms of the invoices that fell due in the
    /// 12 months before the recent window and were settled by `as_of`, or the median of those due in
    /// the same window a year before when higher (a seasonal habit).
    pub usual_days: f64,
    /// Invoices due in the recent window already more than `usual_days` + [`HABIT_MARGIN_DAYS`]
    /// days beyond terms (paid that late, or still open that long after their due date).
    pub beyond: u32,
    /// Invoices due in the recent window old enough to be judged (due at least `usual_days` +
    /// [`HABIT_MARGIN_DAYS`] days before `as_of`).
    pub judged: u32,
    /// Of `beyond`, how many are still open on `as_of`.
    pub open_beyond: u32,
    /// Whether the judged invoice that fell due last is one of `beyond` (the slippage is current).
    #[serde(default)]
    pub latest_beyond: bool,
}

/// The recent window of [`habit_break`], in days before `as_of`.
pub const HABIT_WINDOW_DAYS: i64 = 90;
/// How many days past the client's usual worst delay an invoice must run to count as beyond habit.
pub const HABIT_MARGIN_DAYS: f64 = 20.0;
/// Fewest settled invoices the client's habit is read from.
const HABIT_MIN_HISTORY: usize = 6;

/// The client's recent invoices against its own habit (see [`HabitBreak`]); `None` when the
/// client has fewer than 6 settled invoices in its baseline year (no habit to compare with).
///
/// Why it sees a decline early where the paid-delay series cannot: an invoice paid 40 days late is
/// only counted by [`monthly_delays`] on the day it is paid, 40 days on; here it counts as soon as it
/// is `usual + 15` days overdue and still open. The baseline is the client's own median delay, so
/// a steady slow payer (40 days every time) is measured against its 40 days, not against the terms.
pub fn habit_break(ledger: &ClientLedger, as_of: NaiveDate) -> Option<HabitBreak> {
    let window_start = as_of - chrono::Duration::days(HABIT_WINDOW_DAYS);
    let base_start = window_start.checked_sub_months(Months::new(12)).unwrap_or(NaiveDate::MIN);
    let invoices = || {
        ledger
            .invoices
            .iter()
            .filter(|i| i.kind == DocumentKind::Invoice && i.issue_date < as_of && i.amount > Decimal::ZERO)
    };
    let mut base: Vec<i64> = invoices()
        .filter(|i| i.due_date >= base_start && i.due_date < window_start)
        .filter_map(|i| settled_on(i, as_of).map(|on| (on - i.due_date).num_days().max(0)))
        .collect();
    if base.len() < HABIT_MIN_HISTORY {
        return None;
    }
    base.sort_unstable();
    // The median, not a high percentile: a year holds a straggler or two (an invoice lost in an
    // approval circuit, paid months late) and a high percentile of a dozen invoices is one of them.
    let rank = (base.len() - 1) / 2;
    #[allow(clippy::cast_precision_loss)]
    let year_median = *base.get(rank)? as f64;
    // The same window a year before, when known: a client that pays late every summer (holidays)
    // or every December has that season as its habit, and is measured against it.
    let year_ago = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(NaiveDate::MIN);
    let mut season: Vec<i64> = invoices()
        .filter(|i| i.due_date >= year_ago(window_start) && i.due_date < year_ago(as_of))
        .filter_map(|i| settled_on(i, as_of).map(|on| (on - i.due_date).num_days().max(0)))
        .collect();
    season.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    let season_median = season.get(season.len().saturating_sub(1) / 2).filter(|_| season.len() >= 2).map(|d| *d as f64);
    let usual_days = season_median.map_or(year_median, |s| s.max(year_median));
    let limit = usual_days + HABIT_MARGIN_DAYS;
    let (mut beyond, mut judged, mut open_beyond) = (0u32, 0u32, 0u32);
    let mut latest: Option<(NaiveDate, bool)> = None;
    for i in invoices().filter(|i| i.due_date >= window_start && i.due_date < as_of) {
        let settled = settled_on(i, as_of);
        #[allow(clippy::cast_precision_loss)]
        let late = (settled.unwrap_or(as_of) - i.due_date).num_days() as f64;
        #[allow(clippy::cast_precision_loss)]
        let age = (as_of - i.due_date).num_days() as f64;
        if age > limit || late > limit {
            judged += 1;
            if latest.is_none_or(|(due, _)| i.due_date >= due) {
                latest = Some((i.due_date, late > limit));
            }
        }
        if late > limit {
            beyond += 1;
            open_beyond += u32::from(settled.is_none());
        }
    }
    Some(HabitBreak { usual_days, beyond, judged, open_beyond, latest_beyond: latest.is_some_and(|(_, b)| b) })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    pub(crate) fn invoice(id: &str, issue: NaiveDate, amount: Decimal, paid: &[(NaiveDate, Decimal)]) -> LedgerInvoice {
        LedgerInvoice {
            id: id.into(),
            kind: DocumentKind::Invoice,
            issue_date: issue,
            due_date: issue + chrono::Duration::days(30),
            amount,
            electronic: true,
            payments: paid
                .iter()
                .map(|&(date, amount)| LedgerPayment { date, amount, from_credit_note: false })
                .collect(),
            statuses: Vec::new(),
        }
    }

    #[test]
    fn habit_break_measures_open_items_against_the_clients_own_median() {
        // A year of invoices due monthly, each paid 30 days late: the client's habit is 30 days.
        let mut invoices: Vec<LedgerInvoice> = (0..12)
            .map(|k| {
                let issue = d(2025, 1 + k, 1);
                invoice(&format!("b{k}"), issue, dec!(100), &[(issue + chrono::Duration::days(60), dec!(100))])
            })
            .collect();
        let ledger = |invoices: &[LedgerInvoice]| ClientLedger {
            client_id: "c".into(),
            invoices: invoices.to_vec(),
            broken_promises: Vec::new(),
            promises_made: Vec::new(),
            external: ExternalFacts::default(),
        };
        let as_of = d(2026, 5, 1);
        // Recent invoices paid as usual: nothing beyond habit.
        let usual: Vec<LedgerInvoice> = (0..3)
            .map(|k| {
                let issue = d(2026, 1, 1 + 10 * k);
                invoice(&format!("u{k}"), issue, dec!(100), &[(issue + chrono::Duration::days(60), dec!(100))])
            })
            .collect();
        let mut l = invoices.clone();
        l.extend(usual);
        let h = habit_break(&ledger(&l), as_of).unwrap();
        assert_eq!((h.usual_days, h.beyond, h.open_beyond), (30.0, 0, 0));
        // Two recent invoices still open 60+ days after their due date: beyond habit, seen while open.
        invoices.push(invoice("o1", d(2026, 1, 1), dec!(100), &[]));
        invoices.push(invoice("o2", d(2026, 1, 20), dec!(100), &[(d(2026, 5, 1), dec!(100))]));
        let h = habit_break(&ledger(&invoices), as_of).unwrap();
        assert_eq!((h.beyond, h.judged, h.open_beyond, h.latest_beyond), (2, 2, 2, true));
        // Too little history: no habit to compare with.
        assert!(habit_break(&ledger(&invoices[10..]), as_of).is_none());
    }

    #[test]
    fn delays_are_amount_weighted_and_windowed() {
        // Due 31 Jan, paid 10 Feb (10 days late, 1000); due 2 Mar, paid 2 Mar (on time, 3000).
        let ledger = ClientLedger {
            client_id: "c".into(),
            invoices: vec![
                invoice("a", d(2026, 1, 1), dec!(1000), &[(d(2026, 2, 10), dec!(1000))]),
                invoice("b", d(2026, 1, 31), dec!(3000), &[(d(2026, 3, 2), dec!(3000))]),
            ],
            ..ClientLedger::default()
        };
        let f = client_features(&ledger, d(2026, 4, 1), 0.3);
        assert_eq!(f.dbt_12m, Some(2.5)); // (1000 × 10 + 3000 × 0) / 4000
        assert_eq!(f.share_paid_late, Some(0.5));
        assert!((f.smoothed_late_rate - (1.0 + 0.9) / 5.0).abs() < 1e-12);
        assert_eq!(f.invoices_scored, 2);
        assert_eq!(f.relationship_months, 3);
        // Before the first payment nothing is settled, and a future payment is never seen.
        let before = client_features(&ledger, d(2026, 2, 10), 0.3);
        assert_eq!((before.dbt_12m, before.invoices_scored), (None, 0));
        assert_eq!(before.max_days_overdue, 10);
        assert_eq!(before.open_balance, dec!(4000));
        assert_eq!(before.overdue_share, Some(0.25));
    }

    #[test]
    fn partial_payments_statuses_credit_notes_and_activity() {
        let mut a = invoice("a", d(2025, 2, 1), dec!(1000), &[(d(2025, 3, 1), dec!(400)), (d(2025, 3, 20), dec!(600))]);
        a.statuses = vec![
            LedgerStatus { code: 203, date: d(2025, 2, 1) },
            LedgerStatus { code: 205, date: d(2025, 2, 6) },
            LedgerStatus { code: 207, date: d(2025, 2, 10) },
            LedgerStatus { code: 211, date: d(2025, 3, 18) },
            LedgerStatus { code: 212, date: d(2025, 3, 20) },
        ];
        let b = invoice("b", d(2024, 2, 1), dec!(2000), &[(d(2024, 3, 1), dec!(2000))]);
        let mut cn = invoice("cn", d(2025, 2, 15), dec!(100), &[]);
        cn.kind = DocumentKind::CreditNote;
        let ledger = ClientLedger { client_id: "c".into(), invoices: vec![a, b, cn], ..ClientLedger::default() };
        let f = client_features(&ledger, d(2025, 4, 1), 0.3);
        assert_eq!(f.partial_payment_share, Some(1.0));
        assert_eq!((f.disputes_12m, f.refusals_12m), (1, 0));
        assert_eq!(f.days_203_to_205, Some(5.0));
        assert_eq!(f.days_211_to_212, Some(2.0));
        assert_eq!(f.credit_note_ratio, Some(0.1));
        // 1000 invoiced Jan–Mar 2025 against 2000 a year before: activity −50 %.
        assert_eq!(f.activity_trend, Some(-0.5));
        // The credit note is not applied yet: the balance is −100.
        assert_eq!(f.open_balance, dec!(-100));
        assert_eq!(f.exposure_months, Some(0.0));
    }

    #[test]
    fn monthly_series_are_complete_months_oldest_first() {
        let ledger = ClientLedger {
            client_id: "c".into(),
            invoices: vec![
                invoice("a", d(2026, 1, 1), dec!(100), &[(d(2026, 2, 5), dec!(100))]),
                invoice("b", d(2026, 2, 1), dec!(100), &[(d(2026, 3, 20), dec!(100))]),
            ],
            ..ClientLedger::default()
        };
        let s = monthly_delays(&ledger, d(2026, 4, 15), 3);
        assert_eq!(s.iter().map(|m| m.month).collect::<Vec<_>>(), vec![d(2026, 1, 1), d(2026, 2, 1), d(2026, 3, 1)]);
        assert_eq!(s.iter().map(|m| m.dbt).collect::<Vec<_>>(), vec![None, Some(5.0), Some(17.0)]);
    }
}
