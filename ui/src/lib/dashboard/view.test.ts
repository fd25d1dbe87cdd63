// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { dashboardFixture, emptyDashboardFixture } from "../api/testing";
import { locale } from "../i18n";
import { NBSP } from "../i18n/format";
import {
  agingBars,
  agingValues,
  alertsFor,
  bucketBreakdown,
  bucketLabel,
  exposuresInBucket,
  hasAging,
  hasDso,
  hasForecast,
  inBucket,
  isAlertCode,
  itemsFilter,
  largestBy,
} from "./view";

afterEach(() => locale.set("fr"));

/** Cents of a decimal string, exactly (the fixture's sums are checked without floats). */
const cents = (value: string): bigint => {
  const [integer = "0", fraction = ""] = value.replace("-", "").split(".");
  const magnitude = BigInt(integer + fraction.padEnd(2, "0").slice(0, 2));
  return value.startsWith("-") ? -magnitude : magnitude;
};
const sum = (values: readonly string[]): bigint => values.reduce((total, value) => total + cents(value), 0n);

describe("the dashboard fixture", () => {
  it("adds up like the core's: rows make the total row, buckets the totals, weeks the forecast", () => {
    const view = dashboardFixture();
    const { aging } = view;
    aging.buckets.forEach((_, index) => {
      expect(sum(aging.rows.map((row) => row.buckets[index] ?? "0")), `bucket ${index}`).toBe(
        cents(aging.total.buckets[index] ?? "0"),
      );
    });
    for (const row of [...aging.rows, aging.total]) {
      expect(sum(row.buckets), row.label).toBe(cents(row.total));
      expect(sum(row.buckets.slice(1)), row.label).toBe(cents(row.overdue));
    }
    expect(aging.total.items).toBe(aging.rows.reduce((total, row) => total + row.items, 0));
    expect(cents(aging.total.total) - cents(aging.unappliedCash)).toBe(cents(view.keyFigures.netBalance));
    expect(aging.total.total).toBe(view.keyFigures.openItemsTotal);
    expect(aging.total.overdue).toBe(view.keyFigures.overdue);
    expect(sum(view.forecast.weeks.map((week) => week.expected))).toBe(cents(view.forecast.totalExpected));
    expect(view.forecast.weeks.map((week) => week.week)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(view.dsoSeries).toHaveLength(24);
    expect(view.dsoSeries.at(-1)).toMatchObject({ at: view.asOf, dsoCountback: view.keyFigures.dsoCountback });
    expect(view.dsoSeries.at(-1)?.receivables).toBe(aging.total.total);
  });

  it("returns a fresh copy each time", () => {
    const first = dashboardFixture();
    first.topExposures.pop();
    expect(dashboardFixture().topExposures).toHaveLength(8);
  });
});

describe("aged balance", () => {
  it("takes its bars from the total row, the first one not due", () => {
    const bars = agingBars(dashboardFixture().aging);
    expect(bars.map((bar) => [bar.amount, bar.overdue])).toEqual([
      ["742310.45", false],
      ["251884.20", true],
      ["118402.75", true],
      ["54920.10", true],
      ["67050.30", true],
    ]);
    expect(agingValues(dashboardFixture().aging)).toEqual([742310.45, 251884.2, 118402.75, 54920.1, 67050.3]);
  });

  it("is empty when nothing is open", () => {
    expect(hasAging(dashboardFixture().aging)).toBe(true);
    expect(hasAging(emptyDashboardFixture().aging)).toBe(false);
  });

  it("names each bucket from its bounds, in the current language", () => {
    const labels = (): string[] => dashboardFixture().aging.buckets.map(bucketLabel);
    expect(labels()).toEqual(["Non échu", `1–30${NBSP}j`, `31–60${NBSP}j`, `61–90${NBSP}j`, `> 90${NBSP}j`]);
    locale.set("en");
    expect(labels()).toEqual(["Not due", "1–30 days", "31–60 days", "61–90 days", "> 90 days"]);
  });

  it("breaks a bucket down by row, largest first, without the rows that hold nothing", () => {
    const table = dashboardFixture().aging;
    expect(bucketBreakdown(table, 4)).toEqual([
      { key: "PME", label: "PME", amount: "38400.00" },
      { key: "Grands comptes", label: "Grands comptes", amount: "21950.30" },
      { key: "Collectivités", label: "Collectivités", amount: "6700.00" },
    ]);
    const row = table.rows[2];
    if (row) row.buckets[4] = "0.00";
    expect(bucketBreakdown(table, 4).map((share) => share.key)).toEqual(["PME", "Grands comptes"]);
    expect(bucketBreakdown(table, 9)).toEqual([]);
  });

  it("places days past due in buckets, both bounds included", () => {
    const [notDue, first, , , last] = dashboardFixture().aging.buckets;
    if (!notDue || !first || !last) throw new Error("fixture");
    expect([0, 1, 30, 31].map((days) => inBucket(days, first))).toEqual([false, true, true, false]);
    expect([0, 1].map((days) => inBucket(days, notDue))).toEqual([true, false]);
    expect([90, 91, 4000].map((days) => inBucket(days, last))).toEqual([false, true, true]);
  });

  it("lists the exposures whose oldest delay falls in a past-due bucket", () => {
    const view = dashboardFixture();
    const [notDue, , second, third, last] = view.aging.buckets;
    if (!notDue || !second || !third || !last) throw new Error("fixture");
    const names = (bucket: typeof last): string[] => exposuresInBucket(view.topExposures, bucket).map((e) => e.name);
    expect(names(last)).toEqual(["Batiself Rhône SAS", "Atelier Vasseur SARL"]);
    expect(names(second)).toEqual(["Groupe Lemoine Distribution", "Métropole de Lyon", "Boulangeries Martin"]);
    expect(names(third)).toEqual(["Nordis Emballages SA"]);
    expect(names(notDue)).toEqual([]);
  });
});

describe("exposures and alerts", () => {
  it("ranks the exposures by what is overdue or disputed, leaving out those with none", () => {
    const exposures = dashboardFixture().topExposures;
    expect(largestBy(exposures, "overdue").map((e) => e.overdue)).toEqual([
      "62400.00",
      "51230.60",
      "31760.00",
      "23112.80",
      "18000.00",
      "9940.00",
      "4210.00",
    ]);
    expect(largestBy(exposures, "disputed").map((e) => e.name)).toEqual(["Batiself Rhône SAS"]);
  });

  it("finds a client's alerts and knows the alert codes", () => {
    const alerts = dashboardFixture().alerts;
    expect(alertsFor(alerts, 12).map((alert) => alert.code)).toEqual(["overdueOver90"]);
    expect(alertsFor(alerts, 99)).toEqual([]);
    expect(alerts.every((alert) => isAlertCode(alert.code))).toBe(true);
    expect(isAlertCode("somethingNew")).toBe(false);
    // Sent by the core though not in the DTO's list yet.
    expect(isAlertCode("largeOverdue")).toBe(true);
  });
});

describe("series", () => {
  it("are drawn only when they hold something", () => {
    expect(hasDso(dashboardFixture().dsoSeries)).toBe(true);
    expect(hasDso([])).toBe(false);
    const blank = dashboardFixture().dsoSeries.slice(0, 2);
    expect(hasDso(blank)).toBe(false);
    expect(hasForecast(dashboardFixture().forecast)).toBe(true);
    expect(hasForecast(emptyDashboardFixture().forecast)).toBe(false);
  });
});

describe("itemsFilter", () => {
  it("lists the items behind each sum: all, overdue, a bucket by its bounds, a client, a week's due dates", () => {
    const view = dashboardFixture();
    expect(itemsFilter(view, { kind: "figure", figure: "openBalance" })).toEqual({ kind: "all" });
    for (const figure of ["overdue", "overduePercent", "add"] as const) {
      expect(itemsFilter(view, { kind: "figure", figure })).toEqual({ kind: "overdue" });
    }
    expect(itemsFilter(view, { kind: "bucket", index: 4 })).toEqual({ kind: "bucket", minDays: 91, maxDays: null });
    expect(itemsFilter(view, { kind: "bucket", index: 1 })).toEqual({ kind: "bucket", minDays: 1, maxDays: 30 });
    expect(itemsFilter(view, { kind: "bucket", index: 0 })).toEqual({ kind: "bucket", minDays: null, maxDays: null });
    expect(itemsFilter(view, { kind: "exposure", clientId: 12 })).toEqual({ kind: "client", clientId: 12 });
    expect(itemsFilter(view, { kind: "week", week: 1 })).toEqual({ kind: "dueBetween", from: "2026-11-24", to: "2026-11-30" });
  });

  it("has no list for ratios, the disputed amount, or what left the view", () => {
    const view = dashboardFixture();
    for (const figure of ["dso", "cei", "disputed"] as const) {
      expect(itemsFilter(view, { kind: "figure", figure })).toBeNull();
    }
    expect(itemsFilter(view, { kind: "bucket", index: 9 })).toBeNull();
    expect(itemsFilter(view, { kind: "exposure", clientId: 99 })).toBeNull();
    expect(itemsFilter(view, { kind: "week", week: 14 })).toBeNull();
  });
});
