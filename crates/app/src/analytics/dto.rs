//! The receivables analytics that cross the IPC boundary: the dashboard and the four reports
//! (aged balance, DSO, forecast, French compliance). Money and ratios are decimal strings (never
//! numbers: the UI formats them by string arithmetic); dates are ISO `YYYY-MM-DD`; ids are numbers.
//! Figures that the dossier cannot give are `None` with a reason in `notes`, never a made-up zero.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the rows of an aged balance are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AgingDimension {
    /// One row per client.
    Client,
    /// One row per segment (the company's own classification: "Grands comptes", "PME"…).
    Segment,
    /// One row per sector: the NAF rév. 2 division (two digits) of the client.
    Sector,
    /// One row per account owner.
    Owner,
}

/// One column of an aged balance: days past the due date, both bounds included. `minDays` is
/// `null` for "not due"; `maxDays` is `null` for the last, open-ended bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AgingBucketView {
    /// Label as printed ("Non échu", "1–30 j", "> 90 j").
    pub label: String,
    /// Lowest days past due in the bucket (`null`: not yet due).
    pub min_days: Option<i32>,
    /// Highest days past due in the bucket (`null`: no upper bound).
    pub max_days: Option<i32>,
}

/// One row of an aged balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AgingRowView {
    /// What the row is: the client id, the segment name, the NAF division or the owner's name
    /// (`"total"` for the total row).
    pub key: String,
    /// What to show: the client's name, the segment, "47 — Commerce de détail", the owner.
    pub label: String,
    /// Open items (invoices still due and unused credit notes) counted in the row.
    #[ts(type = "number")]
    pub items: u64,
    /// Amount per bucket, in the order of [`AgingTableView::buckets`] (decimal strings).
    pub buckets: Vec<String>,
    /// Open items total (decimal string): the sum of the buckets.
    pub total: String,
    /// The part past due (decimal string).
    pub overdue: String,
    /// Past-due share of the total, percent with one decimal (`null` when the total is not positive).
    pub overdue_percent: Option<String>,
    /// Amount-weighted average age of the open invoices, days since issue (one decimal).
    pub average_age_days: Option<String>,
}

/// An aged balance (balance âgée) as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AgingTableView {
    /// The date the ages are computed for (ISO).
    pub as_of: String,
    /// The currency of every amount (other currencies are listed in the dashboard, never added).
    pub currency: String,
    /// How rows are grouped.
    pub dimension: AgingDimension,
    /// The columns.
    pub buckets: Vec<AgingBucketView>,
    /// The rows, largest total first.
    pub rows: Vec<AgingRowView>,
    /// All rows together.
    pub total: AgingRowView,
    /// Payments received and not yet applied to invoices on that date (decimal string, positive).
    pub unapplied_cash: String,
    /// What clients owe on that date: the open items total minus the unapplied cash.
    pub net_balance: String,
}

/// The headline figures of the dashboard. Percentages and days are decimal strings with one
/// decimal; `None` means "not available" and `notes` of the dashboard says why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyFiguresView {
    /// What clients owe: open items minus unapplied cash (decimal string).
    pub net_balance: String,
    /// Open items total (invoices still due minus unused credit notes).
    pub open_items_total: String,
    /// Past-due part of the open invoices.
    pub overdue: String,
    /// Taux d'échu by amount: overdue / open items total, percent.
    pub overdue_percent: Option<String>,
    /// Taux d'échu by count: overdue open invoices / open invoices, percent.
    pub overdue_count_percent: Option<String>,
    /// Days of the KPI period (the current month to date and the two months before it).
    #[ts(type = "number")]
    pub period_days: u32,
    /// DSO by the countback (épuisement) method, days.
    pub dso_countback: Option<String>,
    /// DSO by the simple (comptable) method over the period, days.
    pub dso_simple: Option<String>,
    /// Best possible DSO (countback on the receivables not yet due), days.
    pub best_possible_dso: Option<String>,
    /// Overdue DSO: DSO − best possible DSO (countback), days.
    pub overdue_dso: Option<String>,
    /// Average days delinquent: amount-weighted days past due of the overdue open invoices.
    pub average_days_delinquent: Option<String>,
    /// Collection effectiveness index over the period, percent.
    pub cei_percent: Option<String>,
    /// Bad-debt ratio over the last 12 months: (write-offs − recoveries) / credit sales, percent.
    pub bad_debt_percent: Option<String>,
    /// Mean days from opening to resolution of the disputes resolved in the last 12 months.
    pub dispute_resolution_days: Option<String>,
    /// Open disputed amount (decimal string).
    pub disputed: String,
    /// Promises to pay whose date fell in the last 12 months and that were kept, percent (by count).
    pub promise_kept_percent: Option<String>,
    /// Cash collected over the period (payments booked, decimal string).
    pub cash_collected: String,
    /// Amount-weighted average age of the open invoices, days since issue.
    pub average_age_days: Option<String>,
    /// Share of reminders sent automatically: not available until dunning exists (always `null`).
    pub automatic_reminder_percent: Option<String>,
}

/// One month of the DSO series (figures at the month's end, or at the as-of date for the
/// current month).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DsoPointView {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The date the figures are taken at: the month's last day, or the as-of date.
    pub at: String,
    /// Open items total at that date (decimal string).
    pub receivables: String,
    /// The part not yet due.
    pub not_due: String,
    /// Sales of the month (invoices minus credit notes, tax included).
    pub sales: String,
    /// Payments booked in the month.
    pub cash_collected: String,
    /// DSO, countback method, days.
    pub dso_countback: Option<String>,
    /// DSO, simple method over the three months ending at `at`, days.
    pub dso_simple: Option<String>,
    /// Best possible DSO, days.
    pub best_possible_dso: Option<String>,
    /// Overdue DSO (DSO − best possible DSO), days.
    pub overdue_dso: Option<String>,
    /// Past-due share of the receivables, percent.
    pub overdue_percent: Option<String>,
}

/// One week of the collections forecast.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ForecastWeekView {
    /// Week number in the forecast, 1 to 13.
    pub week: u32,
    /// First day (ISO).
    pub starts: String,
    /// Last day (ISO).
    pub ends: String,
    /// Expected collections (decimal string).
    pub expected: String,
    /// Of which: promised by the client for that week.
    pub promised: String,
    /// Of which: invoices already past due today.
    pub from_overdue: String,
    /// Open invoices expected that week.
    #[ts(type = "number")]
    pub items: u64,
}

/// The collections forecast for the next 13 weeks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ForecastView {
    /// The forecast starts the day after this date (ISO).
    pub as_of: String,
    /// Currency.
    pub currency: String,
    /// The 13 weeks.
    pub weeks: Vec<ForecastWeekView>,
    /// Total expected over the 13 weeks.
    pub total_expected: String,
    /// Expected after the 13th week.
    pub beyond_horizon: String,
    /// Held by an open dispute: not expected until resolved.
    pub held_in_dispute: String,
    /// Not expected at all: invoices the platform says cannot be collected (210/213), clients that
    /// stopped paying (nothing paid for 120 days while invoices are more than 90 days late).
    pub not_expected: String,
    /// Unused credit notes and unapplied cash, which reduce what will come in.
    pub credits: String,
    /// How the dates were estimated, in plain words.
    pub method: String,
}

/// One of the largest client balances.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExposureView {
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Name.
    pub name: String,
    /// Segment.
    pub segment: String,
    /// Account owner.
    pub owner: String,
    /// NAF code, when known.
    pub naf: Option<String>,
    /// What the client owes: open items minus unapplied cash (decimal string).
    pub balance: String,
    /// The past-due part.
    pub overdue: String,
    /// Share of the whole net balance, percent.
    pub share_percent: Option<String>,
    /// Days past due of the oldest overdue invoice (0 when nothing is overdue).
    #[ts(type = "number")]
    pub oldest_days_overdue: i64,
    /// Open disputed amount.
    pub disputed: String,
    /// Amount-weighted days late of what the client paid over the last 12 months (negative: early).
    pub average_days_late: Option<String>,
}

/// How serious an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AlertSeverity {
    /// Worth a look.
    Info,
    /// Needs action.
    Warning,
    /// Needs action now.
    Critical,
}

/// Something the dashboard wants the user to see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AlertView {
    /// Stable code the UI translates: `paymentTermsOverCeiling`, `concentration`, `dsoRising`,
    /// `brokenPromise`, `longDispute`, `overdueOver90`.
    pub code: String,
    /// Severity.
    pub severity: AlertSeverity,
    /// Plain French message with the figures.
    pub message: String,
    /// The client concerned, if one.
    #[ts(type = "number | null")]
    pub client_id: Option<i64>,
    /// The invoice concerned, if one.
    #[ts(type = "number | null")]
    pub invoice_id: Option<i64>,
}

/// The receivables dashboard as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DashboardView {
    /// The date every figure is computed for (ISO).
    pub as_of: String,
    /// Currency of every amount (the euro; other currencies in `otherCurrencies`).
    pub currency: String,
    /// Headline figures.
    pub key_figures: KeyFiguresView,
    /// Aged balance by segment, with its total row.
    pub aging: AgingTableView,
    /// DSO and receivables over the last 24 months, oldest first; the last point is the as-of date.
    pub dso_series: Vec<DsoPointView>,
    /// Collections forecast, 13 weeks.
    pub forecast: ForecastView,
    /// The 20 largest client balances.
    pub top_exposures: Vec<ExposureView>,
    /// Alerts, most serious first.
    pub alerts: Vec<AlertView>,
    /// Open balances in other currencies (`"USD 120.00"`), never added to the figures above.
    pub other_currencies: Vec<String>,
    /// Why a figure is not available, or how it was computed when it matters.
    pub notes: Vec<String>,
}

/// The aged balance report: the total and the four groupings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AgingReportView {
    /// As-of date (ISO).
    pub as_of: String,
    /// By client.
    pub by_client: AgingTableView,
    /// By segment.
    pub by_segment: AgingTableView,
    /// By sector (NAF division).
    pub by_sector: AgingTableView,
    /// By account owner.
    pub by_owner: AgingTableView,
}

/// One group's figure in a breakdown (cash collected by segment, average age by owner…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GroupFigureView {
    /// The group: segment, owner or NAF division.
    pub key: String,
    /// What to show.
    pub label: String,
    /// The figure (decimal string: an amount or days).
    pub value: String,
}

/// The DSO report: the series and the breakdowns behind the key figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DsoReportView {
    /// As-of date (ISO).
    pub as_of: String,
    /// Currency.
    pub currency: String,
    /// Key figures at the as-of date.
    pub key_figures: KeyFiguresView,
    /// 24 months, oldest first.
    pub months: Vec<DsoPointView>,
    /// Cash collected over the KPI period, by segment.
    pub cash_by_segment: Vec<GroupFigureView>,
    /// Average age of the open invoices (days since issue), by owner.
    pub average_age_by_owner: Vec<GroupFigureView>,
    /// Average age of the open invoices, by sector.
    pub average_age_by_sector: Vec<GroupFigureView>,
    /// How each figure is computed, and what is not available.
    pub notes: Vec<String>,
}

/// An invoice whose agreed payment term exceeds the legal ceiling (legal-rules A.2, L441-10 I).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TermsViolationView {
    /// Invoice id.
    #[ts(type = "number")]
    pub invoice_id: i64,
    /// BT-1 number.
    pub number: String,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Issue date (ISO).
    pub issue_date: String,
    /// Due date (ISO).
    pub due_date: String,
    /// Days from issue to due date.
    #[ts(type = "number")]
    pub days_granted: i64,
    /// The latest due date the law allows (the later of 60 days and 45 days end of month).
    pub latest_legal_due_date: String,
    /// Days beyond it.
    #[ts(type = "number")]
    pub days_over: i64,
    /// Amount of the invoice, tax included (decimal string).
    pub amount: String,
}

/// One column of the annual-report table of late receivables (Code de commerce D441-6, model
/// table I: invoices issued, unpaid at the closing date, whose term has passed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LateColumnView {
    /// "0 jour (indicatif)", "1 à 30 jours", "31 à 60 jours", "61 à 90 jours", "91 jours et plus",
    /// "Total (1 jour et plus)".
    pub label: String,
    /// Number of invoices.
    #[ts(type = "number")]
    pub invoices: u64,
    /// Total amount, tax included (decimal string).
    pub amount: String,
    /// Share of the year's sales, tax included, percent with two decimals.
    pub percent_of_sales: Option<String>,
}

/// The annual-report table of late receivables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LateReceivablesTableView {
    /// Closing date (ISO).
    pub closing_date: String,
    /// First day of the financial year (ISO).
    pub year_starts: String,
    /// Sales of the year, tax included (decimal string), the base of the percentages.
    pub sales: String,
    /// The columns: not due (indicative), 1–30, 31–60, 61–90, 91+, total.
    pub columns: Vec<LateColumnView>,
    /// (B) invoices left out because they are disputed: number.
    #[ts(type = "number")]
    pub excluded_disputed_invoices: u64,
    /// (B) their amount, tax included.
    pub excluded_disputed_amount: String,
    /// (C) payment terms used as the reference for lateness.
    pub reference_terms: String,
}

/// Why a receivable is proposed as doubtful.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DoubtfulReason {
    /// Past due for longer than the policy's threshold.
    Age,
    /// Disputed by the client.
    Dispute,
    /// The client is in an insolvency procedure.
    Insolvency,
}

/// A proposal for the accountant: transfer to 416 and impair through 491 (legal-rules A.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DoubtfulProposalView {
    /// Invoice id.
    #[ts(type = "number")]
    pub invoice_id: i64,
    /// BT-1 number.
    pub number: String,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Issue date (ISO).
    pub issue_date: String,
    /// Due date (ISO).
    pub due_date: String,
    /// Days past due at the closing date.
    #[ts(type = "number")]
    pub days_overdue: i64,
    /// Why.
    pub reason: DoubtfulReason,
    /// Open amount tax included: what moves from 411 to 416 (decimal string).
    pub open_incl_tax: String,
    /// Open amount excluding tax: the base of the impairment.
    pub open_excl_tax: String,
    /// Proposed probability of loss, percent.
    pub rate_percent: String,
    /// Proposed impairment (491), excluding tax.
    pub impairment: String,
}

/// An invoice that is definitively irrecoverable, whose VAT can be recovered (CGI 272-1,
/// legal-rules A.7) once the invoice is rectified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct IrrecoverableView {
    /// Invoice id.
    #[ts(type = "number")]
    pub invoice_id: i64,
    /// BT-1 number.
    pub number: String,
    /// Client id.
    #[ts(type = "number")]
    pub client_id: i64,
    /// Client name.
    pub client_name: String,
    /// Issue date (ISO).
    pub issue_date: String,
    /// Open amount excluding tax (decimal string).
    pub open_excl_tax: String,
    /// The VAT in the open amount: what can be recovered when VAT was due on debits.
    pub vat: String,
    /// The event that makes it irrecoverable ("liquidation judiciaire du 2026-03-12"…).
    pub event: String,
    /// True when the VAT was paid on debit (goods, or services with the option); when false, no VAT
    /// was paid on it and there is nothing to recover.
    pub vat_on_debits: bool,
}

/// The French compliance report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ComplianceReportView {
    /// Closing date (ISO).
    pub as_of: String,
    /// Currency.
    pub currency: String,
    /// Invoices of the year checked against the legal ceilings.
    #[ts(type = "number")]
    pub invoices_checked: u64,
    /// Those over the ceiling.
    pub terms_violations: Vec<TermsViolationView>,
    /// The annual-report table.
    pub late_receivables: LateReceivablesTableView,
    /// Doubtful receivables proposed (411 → 416, 491).
    pub doubtful: Vec<DoubtfulProposalView>,
    /// Total to transfer to 416, tax included.
    pub doubtful_total_incl_tax: String,
    /// Total impairment proposed (491), excluding tax.
    pub impairment_total: String,
    /// Irrecoverable invoices (CGI 272).
    pub irrecoverable: Vec<IrrecoverableView>,
    /// VAT recoverable on them (only those with VAT on debits).
    pub recoverable_vat_total: String,
    /// What the report assumes, and what it cannot check.
    pub notes: Vec<String>,
}
