/**
 * The dashboard's pure helpers: what each card shows, taken from the `DashboardView` the core
 * sends, and what a drill-down can list from that same view. Amounts stay decimal strings; numbers
 * appear only as chart geometry (`chartValue`).
 */
import type { AgingBucketView } from "../bindings/AgingBucketView";
import type { AgingTableView } from "../bindings/AgingTableView";
import type { AlertView } from "../bindings/AlertView";
import type { DashboardView } from "../bindings/DashboardView";
import type { DsoPointView } from "../bindings/DsoPointView";
import type { ExposureView } from "../bindings/ExposureView";
import type { ForecastView } from "../bindings/ForecastView";
import type { OpenItemsFilter } from "../bindings/OpenItemsFilter";
import { t } from "../i18n";
import { chartValue, compareDecimals, isPositiveDecimal, isZeroDecimal } from "./decimal";

/** The headline figures a person can open (the first two are the dossier summary's cards). */
export type FigureKey = "openBalance" | "overdue" | "dso" | "overduePercent" | "cei" | "add" | "disputed";

/**
 * What a click on the dashboard asks to see: the detail panel shows what the view carries about it
 * and, where the figure is a sum of open items, the list of those items (`itemsFilter`).
 */
export type DrillTarget =
  | { kind: "figure"; figure: FigureKey }
  | { kind: "bucket"; index: number }
  | { kind: "exposure"; clientId: number }
  | { kind: "week"; week: number };

/**
 * The open items behind `target`, as the core filters them: every open item behind the open items
 * total, the past-due ones behind the overdue figures (amount, rate, average days delinquent), a
 * bucket's items by its bounds, a client's, and the items falling due in a forecast week. `null`
 * for a figure that is not a sum of open items (DSO, CEI, disputed amount) or a target that left
 * the view.
 */
export function itemsFilter(view: DashboardView, target: DrillTarget): OpenItemsFilter | null {
  switch (target.kind) {
    case "figure":
      switch (target.figure) {
        case "openBalance":
          return { kind: "all" };
        case "overdue":
        case "overduePercent":
        case "add":
          return { kind: "overdue" };
        default:
          return null;
      }
    case "bucket": {
      const bucket = view.aging.buckets[target.index];
      return bucket ? { kind: "bucket", minDays: bucket.minDays, maxDays: bucket.maxDays } : null;
    }
    case "exposure":
      return view.topExposures.some((exposure) => exposure.clientId === target.clientId)
        ? { kind: "client", clientId: target.clientId }
        : null;
    case "week": {
      const week = view.forecast.weeks.find((candidate) => candidate.week === target.week);
      return week ? { kind: "dueBetween", from: week.starts, to: week.ends } : null;
    }
  }
}

/** One bar of the aged balance: a bucket of the total row. */
export interface AgingBar {
  index: number;
  bucket: AgingBucketView;
  /** The amount (decimal string), as the core sent it. */
  amount: string;
  /** Past due (every bucket but "not due"). */
  overdue: boolean;
}

/** The aged balance's total row, bucket by bucket. */
export function agingBars(table: AgingTableView): AgingBar[] {
  return table.buckets.map((bucket, index) => ({
    index,
    bucket,
    amount: table.total.buckets[index] ?? "0.00",
    overdue: bucket.minDays !== null,
  }));
}

/** Something to draw: an open item counted, or a bucket that is not zero. */
export function hasAging(table: AgingTableView): boolean {
  return table.total.items > 0 || table.total.buckets.some((amount) => !isZeroDecimal(amount));
}

/** Bar heights of the aged balance (geometry only). */
export function agingValues(table: AgingTableView): number[] {
  return agingBars(table).map((bar) => chartValue(bar.amount));
}

/** The bucket's name in the current language, from its bounds ("1–30 j", "> 90 j", "Non échu"). */
export function bucketLabel(bucket: AgingBucketView): string {
  if (bucket.minDays === null) return t("dashboard.bucket.notDue");
  if (bucket.maxDays === null) return t("dashboard.bucket.over", { days: bucket.minDays - 1 });
  return t("dashboard.bucket.range", { from: bucket.minDays, to: bucket.maxDays });
}

/** One row's share of a bucket. */
export interface BucketShare {
  key: string;
  label: string;
  amount: string;
}

/** The rows (segments, owners…) holding something in bucket `index`, largest first. */
export function bucketBreakdown(table: AgingTableView, index: number): BucketShare[] {
  return table.rows
    .map((row) => ({ key: row.key, label: row.label, amount: row.buckets[index] ?? "0.00" }))
    .filter((share) => !isZeroDecimal(share.amount))
    .sort((a, b) => compareDecimals(b.amount, a.amount));
}

/** True when `days` past due fall in `bucket` (0 days: not due). */
export function inBucket(days: number, bucket: AgingBucketView): boolean {
  if (bucket.minDays === null) return days <= 0;
  return days >= bucket.minDays && (bucket.maxDays === null || days <= bucket.maxDays);
}

/**
 * The exposures whose OLDEST overdue invoice falls in `bucket`: what the view can say about a past-due
 * bucket (it does not carry each client's amount per bucket). Empty for the not-due bucket.
 */
export function exposuresInBucket(exposures: readonly ExposureView[], bucket: AgingBucketView): ExposureView[] {
  if (bucket.minDays === null) return [];
  return exposures.filter((exposure) => exposure.oldestDaysOverdue > 0 && inBucket(exposure.oldestDaysOverdue, bucket));
}

/** The exposures with something overdue (or disputed), largest first. */
export function largestBy(exposures: readonly ExposureView[], field: "overdue" | "disputed"): ExposureView[] {
  return exposures
    .filter((exposure) => isPositiveDecimal(exposure[field]))
    .sort((a, b) => compareDecimals(b[field], a[field]));
}

/** The alerts about one client. */
export function alertsFor(alerts: readonly AlertView[], clientId: number): AlertView[] {
  return alerts.filter((alert) => alert.clientId === clientId);
}

/** A DSO series worth drawing: at least one month with a DSO. */
export function hasDso(series: readonly DsoPointView[]): boolean {
  return series.some((point) => point.dsoCountback !== null || point.bestPossibleDso !== null);
}

/** A forecast worth drawing: at least one week. */
export function hasForecast(forecast: ForecastView): boolean {
  return forecast.weeks.length > 0;
}

/**
 * Alert codes the UI has a title for (`AlertView.code`): the six the DTO documents, and
 * `largeOverdue` (a client whose oldest invoice is more than 90 days late), which the core sends too.
 * Another code is shown under a plain "Alerte" title with the core's message.
 */
export const ALERT_CODES = [
  "paymentTermsOverCeiling",
  "concentration",
  "dsoRising",
  "brokenPromise",
  "longDispute",
  "overdueOver90",
  "largeOverdue",
  "overdueDisputeTask",
] as const;
export type AlertCode = (typeof ALERT_CODES)[number];

export function isAlertCode(code: string): code is AlertCode {
  return (ALERT_CODES as readonly string[]).includes(code);
}
