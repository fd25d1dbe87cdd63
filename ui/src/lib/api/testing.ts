/**
 * Test helpers for code that calls the core through `api` (used by the unit tests only).
 *
 * `mockIPC` hands the mock the arguments as given, so a `Channel` argument arrives as the
 * `Channel` object itself. `sendOnChannel` delivers a message the way the Rust side does (through
 * the callback registered by the channel, with its index), so ordering logic is exercised too.
 * `fakeReconciliation` stands in for the reconciliation commands, keeping the payments in memory.
 * `dashboardFixture` is a realistic dashboard and `fakeDashboard` answers the `dashboard` command,
 * and `open_items` with `openItemsFixture` (lists whose totals are the fixture's figures).
 */
import { Channel } from "@tauri-apps/api/core";
import type { ScoreRunReport } from "../bindings/ScoreRunReport";
import type { RiskAlertView } from "../bindings/RiskAlertView";
import type { AllocationView } from "../bindings/AllocationView";
import type { ApiError } from "../bindings/ApiError";
import type { BankLineView } from "../bindings/BankLineView";
import type { ClientRef } from "../bindings/ClientRef";
import type { DashboardView } from "../bindings/DashboardView";
import type { DsoPointView } from "../bindings/DsoPointView";
import type { ExposureView } from "../bindings/ExposureView";
import type { ForecastWeekView } from "../bindings/ForecastWeekView";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { MatchRunReport } from "../bindings/MatchRunReport";
import type { NewPromise } from "../bindings/NewPromise";
import type { OutboxActionView } from "../bindings/OutboxActionView";
import type { PhoneOutcomeInput } from "../bindings/PhoneOutcomeInput";
import type { PhoneTaskView } from "../bindings/PhoneTaskView";
import type { PlannedActionView } from "../bindings/PlannedActionView";
import type { PlanView } from "../bindings/PlanView";
import type { PromisesView } from "../bindings/PromisesView";
import type { RunReport } from "../bindings/RunReport";
import type { ScenarioDto } from "../bindings/ScenarioDto";
import type { PreviewView } from "../bindings/PreviewView";
import type { RunSelection } from "../bindings/RunSelection";
import type { SendReport } from "../bindings/SendReport";
import type { TemplateDto } from "../bindings/TemplateDto";
import type { OpenItemsFilter } from "../bindings/OpenItemsFilter";
import type { OpenItemsView } from "../bindings/OpenItemsView";
import type { OpenItemView } from "../bindings/OpenItemView";
import type { ProposalView } from "../bindings/ProposalView";
import type { ReconciliationView } from "../bindings/ReconciliationView";

interface MockedInternals {
  runCallback(id: number, data: unknown): void;
}

/** The channel passed as `name` in a mocked command's arguments. */
export function channelArg<T>(args: unknown, name: string): Channel<T> {
  const value = typeof args === "object" && args !== null ? (args as Record<string, unknown>)[name] : undefined;
  if (!(value instanceof Channel)) throw new Error(`argument ${name} is not a Channel`);
  return value as Channel<T>;
}

/** Sends `message` as the `index`-th message of `channel` (indexes start at 0). */
export function sendOnChannel<T>(channel: Channel<T>, index: number, message: T): void {
  const internals = (window as unknown as { __TAURI_INTERNALS__: MockedInternals }).__TAURI_INTERNALS__;
  internals.runCallback(channel.id, { index, message });
}

/** Options of `fakeReconciliation`. */
export interface FakeReconciliationOptions {
  /** The dossier's bank payments (copied; the fake never changes the caller's objects). */
  lines: readonly BankLineView[];
  /** What `dossier_summary` answers; without it (or null), that command fails with `NoDossierOpen`. */
  summary?: DossierSummary | null;
  /** `autoThreshold` of the view and of `run_matching` (default 90). */
  autoThreshold?: number;
  /** `asOf` of the view (default "2026-11-23"). */
  asOf?: string;
  /** `allocated` of the run report: the fake does no money arithmetic (default "0.00"). */
  allocated?: string;
}

/** An in-memory stand-in for the seven reconciliation commands, to hand to `mockIPC`. */
export interface FakeReconciliation {
  /** Every command received, with its arguments, in order. */
  readonly calls: [string, unknown][];
  /** The payments as the fake now holds them. */
  readonly lines: BankLineView[];
  /** The `mockIPC` handler. */
  handle(cmd: string, args: unknown): unknown;
  /** Makes the next call of `cmd` fail with `error`. */
  failNext(cmd: string, error: ApiError): void;
  /** Makes the next call of `cmd` wait until the returned function is called. */
  holdNext(cmd: string): () => void;
}

const STATES = ["unmatched", "auto", "manual", "ignored"] as const;

/** How many digits a decimal string has after its point. */
function fractionDigits(value: string): number {
  return value.trim().split(".")[1]?.length ?? 0;
}

/** A decimal string in units of 10^-scale, so that the fake adds and subtracts amounts exactly. */
function units(value: string, scale: number): bigint {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match) throw new Error(`not a decimal amount: ${value}`);
  const [, sign = "", integer = "", fraction = ""] = match;
  const magnitude = BigInt(`${integer || "0"}${fraction.padEnd(scale, "0")}`);
  return sign === "-" ? -magnitude : magnitude;
}

/** The decimal string of `value` units of 10^-scale ("-150.00" for -15000n at scale 2). */
function decimal(value: bigint, scale: number): string {
  const digits = (value < 0n ? -value : value).toString().padStart(scale + 1, "0");
  const point = digits.length - scale;
  return `${value < 0n ? "-" : ""}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * A fake core for the reconciliation screen. It follows the contract of the Tauri commands:
 * `reconciliation {all}` lists the unmatched payments first (all of them when `all`) with the
 * counts by state; `accept_proposal` applies the proposal and answers the payment, matched by
 * hand; `reject_proposal` drops one proposal; `manual_match {numbers}` matches the payment by hand
 * when every number is an invoice of its proposals (see `manualMatch` below); `unmatch_payment`
 * brings a matched or set-aside payment back with its proposals; `ignore_payment` sets it aside;
 * `run_matching` applies every first proposal at or above the threshold. Unknown payments,
 * proposals or numbers fail with `InvalidInput`.
 */
export function fakeReconciliation(options: FakeReconciliationOptions): FakeReconciliation {
  const lines: BankLineView[] = structuredClone([...options.lines]);
  /** The proposals each payment came with, so that an unmatched payment gets them back. */
  const original = new Map(lines.map((line) => [line.paymentId, structuredClone(line.proposals)]));
  const rejected = new Set<string>();
  const calls: [string, unknown][] = [];
  const failures = new Map<string, ApiError>();
  const holds = new Map<string, Promise<void>>();
  const threshold = options.autoThreshold ?? 90;

  const arg = <T>(args: unknown, name: string): T => (args as Record<string, T>)[name] as T;
  const invalid = (message: string): ApiError => ({ code: "InvalidInput", message });

  function find(paymentId: number): BankLineView {
    const line = lines.find((candidate) => candidate.paymentId === paymentId);
    if (!line) throw invalid(`payment ${paymentId} does not exist`);
    return line;
  }

  function replace(next: BankLineView): BankLineView {
    lines.splice(lines.findIndex((line) => line.paymentId === next.paymentId), 1, next);
    return structuredClone(next);
  }

  function apply(line: BankLineView, proposal: ProposalView, state: "auto" | "manual"): BankLineView {
    return {
      ...line,
      state,
      client: proposal.client,
      allocations: proposal.allocations.map((allocation) => ({ ...allocation, residual: "" })),
      unallocated: proposal.unallocated,
      proposals: [],
    };
  }

  /**
   * `manual_match`: the open invoices the fake knows are those of the payment's proposals (a credit
   * note is not one, as in the core), each open for its proposed amount plus the residual the
   * proposal leaves. They are settled in the order typed (the view carries no due dates; the core
   * takes the oldest due first), each up to what is left of the payment, and the rest stays
   * unallocated.
   */
  function manualMatch(line: BankLineView, numbers: readonly string[]): BankLineView {
    if (line.state !== "unmatched") throw invalid(`payment ${line.paymentId} is already ${line.state}`);
    if (numbers.length === 0) throw invalid("name at least one invoice number");
    const open = new Map<string, { client: ClientRef; allocation: AllocationView }>();
    for (const proposal of line.proposals) {
      for (const allocation of proposal.allocations) {
        if (!allocation.amount.trim().startsWith("-") && !open.has(allocation.number)) {
          open.set(allocation.number, { client: proposal.client, allocation });
        }
      }
    }
    const chosen = numbers.map((number) => {
      const found = open.get(number);
      if (!found) throw invalid(`no open invoice numbered ${number}`);
      return found;
    });
    const client = chosen[0]?.client ?? null;
    if (chosen.some((item) => item.client.id !== client?.id)) {
      throw invalid("these invoices belong to several clients: match them one client at a time");
    }
    const amounts = chosen.flatMap(({ allocation }) => [allocation.amount, allocation.residual || "0"]);
    const scale = Math.max(2, ...[line.amount, ...amounts].map(fractionDigits));
    let left = units(line.amount, scale);
    const allocations: AllocationView[] = [];
    for (const { allocation } of chosen) {
      if (left <= 0n) break;
      const owed = units(allocation.amount, scale) + units(allocation.residual || "0", scale);
      const take = owed < left ? owed : left;
      allocations.push({ ...allocation, amount: decimal(take, scale), residual: "" });
      left -= take;
    }
    return { ...line, state: "manual", client, allocations, unallocated: decimal(left, scale), proposals: [] };
  }

  function view(all: boolean): ReconciliationView {
    const counts = Object.fromEntries(STATES.map((state) => [state, 0])) as Record<(typeof STATES)[number], number>;
    for (const line of lines) if (Object.hasOwn(counts, line.state)) counts[line.state as (typeof STATES)[number]] += 1;
    const unmatched = lines.filter((line) => line.state === "unmatched");
    const others = all ? lines.filter((line) => line.state !== "unmatched") : [];
    others.sort((a, b) => a.bookedOn.localeCompare(b.bookedOn));
    return {
      asOf: options.asOf ?? "2026-11-23",
      lines: structuredClone([...unmatched, ...others]),
      ...counts,
      autoThreshold: threshold,
    };
  }

  function run(): MatchRunReport {
    const report: MatchRunReport = {
      considered: 0,
      autoMatched: 0,
      toReview: 0,
      withoutProposal: 0,
      allocated: options.allocated ?? "0.00",
      applied: [],
    };
    for (const line of lines.filter((candidate) => candidate.state === "unmatched")) {
      report.considered += 1;
      const best = line.proposals[0];
      if (best && best.confidence >= threshold) {
        replace(apply(line, best, "auto"));
        report.autoMatched += 1;
        report.applied.push(
          `${line.paymentId}: ${best.client.name} ← ${best.allocations.map((a) => a.number).join(", ")}`,
        );
      } else if (best) {
        report.toReview += 1;
      } else {
        report.withoutProposal += 1;
      }
    }
    return report;
  }

  function answer(cmd: string, args: unknown): unknown {
    switch (cmd) {
      case "reconciliation":
        return view(arg<boolean>(args, "all"));
      case "run_matching":
        return run();
      case "accept_proposal":
      case "reject_proposal": {
        const line = find(arg<number>(args, "paymentId"));
        const key = arg<string>(args, "key");
        const proposal = line.proposals.find((candidate) => candidate.key === key);
        if (line.state !== "unmatched" || !proposal) throw invalid(`no proposal ${key} for payment ${line.paymentId}`);
        if (cmd === "accept_proposal") return replace(apply(line, proposal, "manual"));
        rejected.add(key);
        return replace({ ...line, proposals: line.proposals.filter((candidate) => candidate.key !== key) });
      }
      case "manual_match":
        return replace(manualMatch(find(arg<number>(args, "paymentId")), arg<string[]>(args, "numbers")));
      case "unmatch_payment": {
        const line = find(arg<number>(args, "paymentId"));
        if (line.state === "unmatched") throw invalid(`payment ${line.paymentId} is not matched`);
        const proposals = (original.get(line.paymentId) ?? []).filter((proposal) => !rejected.has(proposal.key));
        const back = { ...line, state: "unmatched", client: null, allocations: [], unallocated: line.amount };
        return replace({ ...back, proposals });
      }
      case "ignore_payment": {
        const line = find(arg<number>(args, "paymentId"));
        if (line.state !== "unmatched") throw invalid(`payment ${line.paymentId} is matched`);
        return replace({ ...line, state: "ignored", proposals: [] });
      }
      case "dossier_summary":
        if (options.summary) return options.summary;
        throw { code: "NoDossierOpen", message: "no dossier is open" } satisfies ApiError;
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  }

  return {
    calls,
    lines,
    handle(cmd, args) {
      calls.push([cmd, args]);
      const failure = failures.get(cmd);
      if (failure) {
        failures.delete(cmd);
        throw failure;
      }
      const hold = holds.get(cmd);
      if (hold) {
        holds.delete(cmd);
        return hold.then(() => answer(cmd, args));
      }
      return answer(cmd, args);
    },
    failNext(cmd, error) {
      failures.set(cmd, error);
    },
    holdNext(cmd) {
      let release: () => void = () => {};
      holds.set(cmd, new Promise<void>((resolve) => (release = resolve)));
      return () => release();
    },
  };
}

/**
 * 24 months of DSO as the core computes them (month, at, receivables, not due, sales, cash
 * collected, DSO countback, DSO simple, best possible DSO, overdue DSO, overdue %). The first two
 * months have no DSO: the dossier holds no sales before them.
 */
const DSO_ROWS: readonly (readonly [string, string, string, string, string, string, ...(string | null)[]])[] = [
  ["2024-12", "2024-12-31", "1166240.39", "684583.11", "708660.24", "630616.58", null, null, null, null, "41.3"],
  ["2025-01", "2025-01-31", "1237786.96", "745147.75", "616202.23", "604305.58", null, null, null, null, "39.8"],
  ["2025-02", "2025-02-28", "1197775.60", "794125.22", "631584.80", "702704.83", "61.8", "64.6", "39.5", "22.3", "33.7"],
  ["2025-03", "2025-03-31", "1106290.72", "729045.58", "770267.17", "652040.75", "60.9", "60.6", "39.1", "21.8", "34.1"],
  ["2025-04", "2025-04-30", "1140376.55", "751508.15", "740315.29", "603439.59", "62.3", "62.8", "40.2", "22.1", "34.1"],
  ["2025-05", "2025-05-31", "1238722.76", "740756.21", "742445.00", "599834.19", "59.7", "57.4", "38.8", "20.9", "40.2"],
  ["2025-06", "2025-06-30", "1196821.80", "713305.79", "674906.56", "600757.45", "58.2", "57.7", "38.6", "19.6", "40.4"],
  ["2025-07", "2025-07-31", "1107815.27", "663581.35", "616639.41", "654182.75", "57.9", "60.3", "38.9", "19.0", "40.1"],
  ["2025-08", "2025-08-31", "1170319.86", "763048.55", "644686.05", "677176.75", "59.4", "59.8", "39.7", "19.7", "34.8"],
  ["2025-09", "2025-09-30", "1193995.57", "696099.42", "639524.51", "683509.32", "60.1", "58.2", "40.0", "20.1", "41.7"],
  ["2025-10", "2025-10-31", "1162477.94", "764910.48", "634579.75", "643039.05", "58.8", "59.3", "39.2", "19.6", "34.2"],
  ["2025-11", "2025-11-30", "1203852.57", "775281.06", "621068.48", "599998.83", "57.0", "57.1", "38.4", "18.6", "35.6"],
  ["2025-12", "2025-12-31", "1230397.35", "775150.33", "778415.70", "723476.16", "56.3", "56.2", "38.1", "18.2", "37.0"],
  ["2026-01", "2026-01-31", "1150292.55", "735036.94", "752063.44", "701326.90", "55.9", "57.9", "38.3", "17.6", "36.1"],
  ["2026-02", "2026-02-28", "1113732.99", "664898.60", "660319.71", "661905.19", "57.2", "56.1", "39.0", "18.2", "40.3"],
  ["2026-03", "2026-03-31", "1246823.70", "781758.46", "776226.70", "746133.48", "56.4", "58.0", "38.7", "17.7", "37.3"],
  ["2026-04", "2026-04-30", "1202166.36", "794631.96", "750603.76", "676615.88", "54.8", "52.5", "37.9", "16.9", "33.9"],
  ["2026-05", "2026-05-31", "1127676.04", "707052.88", "771776.15", "720298.73", "53.9", "51.8", "37.6", "16.3", "37.3"],
  ["2026-06", "2026-06-30", "1106577.88", "647348.06", "764068.79", "721498.48", "54.6", "52.0", "38.2", "16.4", "41.5"],
  ["2026-07", "2026-07-31", "1216651.20", "761623.65", "705276.19", "694126.12", "53.1", "53.9", "37.4", "15.7", "37.4"],
  ["2026-08", "2026-08-31", "1111536.50", "732502.55", "766656.40", "733077.10", "52.7", "55.7", "37.2", "15.5", "34.1"],
  ["2026-09", "2026-09-30", "1216944.25", "711912.39", "690576.59", "739081.00", "53.5", "50.9", "37.8", "15.7", "41.5"],
  ["2026-10", "2026-10-31", "1208570.20", "721516.41", "620357.28", "683886.99", "52.0", "53.3", "37.1", "14.9", "40.3"],
  ["2026-11", "2026-11-23", "1234567.80", "742310.45", "512430.60", "498120.35", "52.4", "53.9", "37.6", "14.8", "39.9"],
];

/** 13 weeks from the day after 23/11/2026 (starts, ends, expected, promised, from overdue, items). */
const FORECAST_ROWS: readonly (readonly [string, string, string, string, string, number])[] = [
  ["2026-11-24", "2026-11-30", "48210.40", "12000.00", "31210.40", 41],
  ["2026-12-01", "2026-12-07", "61880.15", "0.00", "24880.15", 57],
  ["2026-12-08", "2026-12-14", "39420.00", "8400.00", "10420.00", 33],
  ["2026-12-15", "2026-12-21", "72145.90", "15000.00", "18145.90", 66],
  ["2026-12-22", "2026-12-28", "55300.25", "0.00", "9300.25", 49],
  ["2026-12-29", "2027-01-04", "44980.70", "0.00", "6980.70", 38],
  ["2027-01-05", "2027-01-11", "38750.00", "6200.00", "4750.00", 31],
  ["2027-01-12", "2027-01-18", "51230.45", "0.00", "3230.45", 44],
  ["2027-01-19", "2027-01-25", "29870.10", "0.00", "1870.10", 24],
  ["2027-01-26", "2027-02-01", "33410.80", "0.00", "1410.80", 27],
  ["2027-02-02", "2027-02-08", "26540.00", "0.00", "540.00", 21],
  ["2027-02-09", "2027-02-15", "21980.35", "0.00", "0.00", 17],
  ["2027-02-16", "2027-02-22", "18750.60", "0.00", "0.00", 14],
];

function exposure(
  clientId: number,
  name: string,
  segment: string,
  figures: { balance: string; overdue: string; share: string; oldest: number; disputed?: string; late: string | null },
): ExposureView {
  return {
    clientId,
    name,
    segment,
    owner: segment === "Collectivités" ? "Claire Dubois" : "Marc Lefèvre",
    naf: segment === "Collectivités" ? "84.11Z" : "46.69B",
    balance: figures.balance,
    overdue: figures.overdue,
    sharePercent: figures.share,
    oldestDaysOverdue: figures.oldest,
    disputed: figures.disputed ?? "0.00",
    averageDaysLate: figures.late,
  };
}

/**
 * A dashboard as the core computes it for a mid-sized portfolio as of 23/11/2026: three segments
 * whose buckets add up to the total row (1 234 567,80 €, of which 492 257,35 € past due), 24 months
 * of DSO, 13 weeks of forecast (542 469,70 € expected), the 8 largest clients and four alerts.
 * Returns a fresh copy each time.
 */
export function dashboardFixture(): DashboardView {
  const dsoSeries: DsoPointView[] = DSO_ROWS.map(([month, at, receivables, notDue, sales, cashCollected, ...rest]) => ({
    month,
    at,
    receivables,
    notDue,
    sales,
    cashCollected,
    dsoCountback: rest[0] ?? null,
    dsoSimple: rest[1] ?? null,
    bestPossibleDso: rest[2] ?? null,
    overdueDso: rest[3] ?? null,
    overduePercent: rest[4] ?? null,
  }));
  const weeks: ForecastWeekView[] = FORECAST_ROWS.map(([starts, ends, expected, promised, fromOverdue, items], i) => ({
    week: i + 1,
    starts,
    ends,
    expected,
    promised,
    fromOverdue,
    items,
  }));
  const bucket = (label: string, minDays: number | null, maxDays: number | null) => ({ label, minDays, maxDays });
  return {
    asOf: "2026-11-23",
    currency: "EUR",
    keyFigures: {
      netBalance: "1222117.80",
      openItemsTotal: "1234567.80",
      overdue: "492257.35",
      overduePercent: "39.9",
      overdueCountPercent: "31.4",
      periodDays: 84,
      dsoCountback: "52.4",
      dsoSimple: "53.9",
      bestPossibleDso: "37.6",
      overdueDso: "14.8",
      averageDaysDelinquent: "27.3",
      ceiPercent: "81.6",
      badDebtPercent: "0.4",
      disputeResolutionDays: "34.5",
      disputed: "8400.00",
      promiseKeptPercent: "72.0",
      cashCollected: "1865126.34",
      averageAgeDays: "61.2",
      automaticReminderPercent: null,
    },
    aging: {
      asOf: "2026-11-23",
      currency: "EUR",
      dimension: "segment",
      buckets: [
        bucket("Non échu", null, null),
        bucket("1–30 j", 1, 30),
        bucket("31–60 j", 31, 60),
        bucket("61–90 j", 61, 90),
        bucket("> 90 j", 91, null),
      ],
      rows: [
        {
          key: "Grands comptes",
          label: "Grands comptes",
          items: 212,
          buckets: ["412300.15", "141250.00", "62100.40", "18400.00", "21950.30"],
          total: "656000.85",
          overdue: "243700.70",
          overduePercent: "37.1",
          averageAgeDays: "55.4",
        },
        {
          key: "PME",
          label: "PME",
          items: 486,
          buckets: ["251880.30", "88634.20", "41302.35", "29120.10", "38400.00"],
          total: "449336.95",
          overdue: "197456.65",
          overduePercent: "43.9",
          averageAgeDays: "68.9",
        },
        {
          key: "Collectivités",
          label: "Collectivités",
          items: 132,
          buckets: ["78130.00", "22000.00", "15000.00", "7400.00", "6700.00"],
          total: "129230.00",
          overdue: "51100.00",
          overduePercent: "39.5",
          averageAgeDays: "62.0",
        },
      ],
      total: {
        key: "total",
        label: "Total",
        items: 830,
        buckets: ["742310.45", "251884.20", "118402.75", "54920.10", "67050.30"],
        total: "1234567.80",
        overdue: "492257.35",
        overduePercent: "39.9",
        averageAgeDays: "61.2",
      },
      unappliedCash: "12450.00",
      netBalance: "1222117.80",
    },
    dsoSeries,
    forecast: {
      asOf: "2026-11-23",
      currency: "EUR",
      weeks,
      totalExpected: "542469.70",
      beyondHorizon: "418655.20",
      heldInDispute: "8400.00",
      notExpected: "38730.30",
      credits: "12450.00",
      method: "Dates estimées d'après les retards de paiement observés par client sur 12 mois, promesses de paiement comprises.",
    },
    topExposures: [
      exposure(11, "Groupe Lemoine Distribution", "Grands comptes", {
        balance: "184320.00", overdue: "62400.00", share: "15.1", oldest: 48, late: "12.4",
      }),
      exposure(12, "Batiself Rhône SAS", "PME", {
        balance: "96450.60", overdue: "51230.60", share: "7.9", oldest: 124, disputed: "8400.00", late: "38.0",
      }),
      exposure(13, "Métropole de Lyon", "Collectivités", {
        balance: "71200.00", overdue: "18000.00", share: "5.8", oldest: 41, late: "21.5",
      }),
      exposure(14, "Transports Garnier & Fils", "PME", {
        balance: "58904.35", overdue: "0.00", share: "4.8", oldest: 0, late: "-2.1",
      }),
      exposure(15, "Nordis Emballages SA", "Grands comptes", {
        balance: "54112.80", overdue: "23112.80", share: "4.4", oldest: 75, late: "15.0",
      }),
      exposure(16, "Atelier Vasseur SARL", "PME", {
        balance: "31760.00", overdue: "31760.00", share: "2.6", oldest: 97, late: "64.2",
      }),
      exposure(17, "Clinique Saint-Roch", "Grands comptes", {
        balance: "28430.10", overdue: "4210.00", share: "2.3", oldest: 12, late: null,
      }),
      exposure(18, "Boulangeries Martin", "PME", {
        balance: "19880.00", overdue: "9940.00", share: "1.6", oldest: 33, late: "9.8",
      }),
    ],
    alerts: [
      {
        code: "overdueOver90",
        severity: "critical",
        message: "Batiself Rhône SAS : facture F-2026-0417 échue depuis 124 jours (18 400,00 €).",
        clientId: 12,
        invoiceId: 417,
      },
      {
        code: "concentration",
        severity: "warning",
        message: "Groupe Lemoine Distribution représente 15,1 % de l'encours (seuil 10 %).",
        clientId: 11,
        invoiceId: null,
      },
      {
        code: "brokenPromise",
        severity: "warning",
        message: "Atelier Vasseur SARL n'a pas tenu sa promesse de payer 12 000,00 € le 16/11/2026.",
        clientId: 16,
        invoiceId: null,
      },
      {
        code: "paymentTermsOverCeiling",
        severity: "info",
        message: "3 factures prévoient un délai de 75 jours, au-delà du plafond légal de 60 jours (C. com. L441-10).",
        clientId: null,
        invoiceId: null,
      },
    ],
    otherCurrencies: ["USD 12400.00"],
    notes: ["Le taux d'impayés porte sur les 12 derniers mois ; aucune relance automatique n'existe encore."],
  };
}

/** The dashboard the core sends today for a dossier whose analytics are still being written. */
export function emptyDashboardFixture(): DashboardView {
  const view = dashboardFixture();
  const zero = "0.00";
  return {
    ...view,
    keyFigures: {
      ...view.keyFigures,
      overduePercent: null,
      overdueCountPercent: null,
      periodDays: 0,
      dsoCountback: null,
      dsoSimple: null,
      bestPossibleDso: null,
      overdueDso: null,
      averageDaysDelinquent: null,
      ceiPercent: null,
      badDebtPercent: null,
      disputeResolutionDays: null,
      disputed: zero,
      promiseKeptPercent: null,
      cashCollected: zero,
      averageAgeDays: null,
    },
    aging: {
      ...view.aging,
      rows: [],
      total: { ...view.aging.total, items: 0, buckets: view.aging.buckets.map(() => zero), total: zero, overdue: zero },
      unappliedCash: zero,
      netBalance: zero,
    },
    dsoSeries: [],
    forecast: {
      ...view.forecast,
      weeks: [],
      totalExpected: zero,
      beyondHorizon: zero,
      heldInDispute: zero,
      notExpected: zero,
      credits: zero,
      method: "",
    },
    topExposures: [],
    alerts: [],
    otherCurrencies: [],
    notes: ["work in progress: only the balances are computed"],
  };
}

function item(
  invoiceId: number,
  number: string,
  client: [number, string],
  issueDate: string,
  dueDate: string,
  daysPastDue: number,
  open: string,
  extra: Partial<OpenItemView> = {},
): OpenItemView {
  const [clientId, clientName] = client;
  return {
    invoiceId,
    number,
    kind: "invoice",
    clientId,
    clientName,
    issueDate,
    dueDate,
    daysPastDue,
    currency: "EUR",
    open,
    disputed: false,
    ...extra,
  };
}

const BATISELF: [number, string] = [12, "Batiself Rhône SAS"];
const VASSEUR: [number, string] = [16, "Atelier Vasseur SARL"];
const LEMOINE: [number, string] = [11, "Groupe Lemoine Distribution"];

/**
 * The open items the core lists for `filter` as of `asOf` on the fixture's dossier: a few items
 * (the oldest first), with the count and total of every item behind the figure, which are the
 * fixture dashboard's own (the "> 90 j" bucket: 9 items, 67 050,30 €; overdue: 492 257,35 €…).
 */
export function openItemsFixture(asOf: string, filter: OpenItemsFilter, limit = 200): OpenItemsView {
  const view = dashboardFixture();
  const late = [
    item(417, "F-2026-0417", BATISELF, "2026-06-22", "2026-07-22", 124, "18400.00", { disputed: true }),
    item(388, "F-2026-0388", VASSEUR, "2026-07-19", "2026-08-18", 97, "12000.00"),
    item(402, "F-2026-0402", BATISELF, "2026-07-21", "2026-08-20", 95, "9630.30"),
  ];
  const notDue = [
    item(512, "F-2026-0512", LEMOINE, "2026-11-02", "2026-12-02", -9, "24800.00"),
    item(31, "A-2026-0031", LEMOINE, "2026-11-10", "2026-12-10", -17, "-1200.00", { kind: "credit_note" }),
  ];
  let items = late;
  let count = 9;
  let total = "67050.30";
  switch (filter.kind) {
    case "all":
      [items, count, total] = [[...late, ...notDue], view.aging.total.items, view.keyFigures.openItemsTotal];
      break;
    case "overdue":
      [count, total] = [251, view.keyFigures.overdue];
      break;
    case "bucket": {
      const index = view.aging.buckets.findIndex((b) => b.minDays === filter.minDays && b.maxDays === filter.maxDays);
      if (index === 0) items = notDue;
      if (index !== 4) count = [579, 160, 52, 30][index] ?? 0;
      total = view.aging.total.buckets[index] ?? "0.00";
      break;
    }
    case "client": {
      const exposure = view.topExposures.find((e) => e.clientId === filter.clientId);
      items = [...late, ...notDue].filter((i) => i.clientId === filter.clientId);
      [count, total] = [items.length + 10, exposure?.balance ?? "0.00"];
      break;
    }
    case "dueBetween":
      [items, count, total] = [notDue.slice(0, 1), 1, "24800.00"];
      break;
  }
  return {
    asOf,
    currency: "EUR",
    filter,
    items: items.slice(0, limit),
    count,
    total,
    otherCurrencies: filter.kind === "all" ? ["USD 12400.00"] : [],
  };
}

/** A stand-in for the `dashboard` and `open_items` commands, to hand to `mockIPC`. */
export interface FakeDashboard {
  /** Every command received, in order. */
  readonly calls: string[];
  /** What the next `dashboard` call answers (replace it to change the dossier). */
  view: DashboardView;
  /** What `open_items` answers for its arguments (default: `openItemsFixture`). */
  items: (asOf: string, filter: OpenItemsFilter, limit: number) => OpenItemsView;
  /** The `mockIPC` handler; `dossier_summary` answers `summary` when given. */
  handle(cmd: string, args: unknown): unknown;
  /** Makes the next `dashboard` call fail with `error`. */
  failNext(error: ApiError): void;
  /** Makes the next `dashboard` call wait until the returned function is called. */
  holdNext(): () => void;
}

/** A small dossier's summary, as `open_dossier` answers (the scheduled-work tests open it). */
export function smallSummaryFixture(): DossierSummary {
  return {
    path: "/srv/acme.encours",
    companyName: "ACME",
    companySiren: "732829320",
    asOf: "2026-11-24",
    currency: "EUR",
    clients: 1,
    invoices: 1,
    openItems: 0,
    openBalance: "0",
    overdueBalance: "0",
    overdueItems: 0,
    otherCurrencies: [],
    integrity: "ok",
    integrityCheckedAt: "2026-11-24T09:00:00",
  };
}

/**
 * Answers `dashboard` with `view` (a copy each time) and `open_items` with `items`; any other
 * command fails, except `dossier_summary` when `summary` is given.
 */
export function fakeDashboard(view: DashboardView = dashboardFixture(), summary?: DossierSummary): FakeDashboard {
  const calls: string[] = [];
  let failure: ApiError | null = null;
  let hold: Promise<void> | null = null;
  const fake: FakeDashboard = {
    calls,
    view,
    items: openItemsFixture,
    handle(cmd, args) {
      calls.push(cmd);
      if (cmd === "dossier_summary" && summary) return summary;
      if (cmd === "open_items") {
        const { asOf, filter, limit } = args as { asOf: string; filter: OpenItemsFilter; limit: number };
        return fake.items(asOf, filter, limit);
      }
      if (cmd !== "dashboard") throw new Error(`unexpected command ${cmd}`);
      if (failure) {
        const error = failure;
        failure = null;
        throw error;
      }
      const answer = structuredClone(fake.view);
      if (hold) {
        const waiting = hold;
        hold = null;
        return waiting.then(() => answer);
      }
      return answer;
    },
    failNext(error) {
      failure = error;
    },
    holdNext() {
      let release: () => void = () => {};
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => release();
    },
  };
  return fake;
}

// --- Dunning -------------------------------------------------------------------------------------

/** A planned action for the dunning fakes. */
export function plannedAction(
  key: string,
  client: [number, string],
  extra: Partial<PlannedActionView> = {},
): PlannedActionView {
  return {
    key,
    kind: "reminder",
    clientId: client[0],
    clientName: client[1],
    scenario: "Standard",
    stepName: "Relance courtoise",
    level: 1,
    channel: "email",
    tone: "courtois",
    templateId: "relance_courtoise",
    needsValidation: false,
    escalation: false,
    currency: "EUR",
    amount: "1200.00",
    referenceDue: "2026-10-31",
    daysLate: 24,
    invoices: [
      {
        invoiceId: client[0] * 10,
        number: `F-${client[0]}-001`,
        dueDate: "2026-10-31",
        outstanding: "1200.00",
        dunned: "1200.00",
        daysLate: 24,
        partiallyApproved: false,
      },
    ],
    note: "Première relance après l'échéance",
    ...extra,
  };
}

/** A realistic plan: three clients, one action needing validation, two paused invoices. */
export function planFixture(): PlanView {
  return {
    asOf: "2026-11-24",
    actions: [
      plannedAction("k1", [1, "Boulangerie Martin"], { daysLate: 40, level: 2, stepName: "Relance ferme", tone: "ferme", templateId: "relance_ferme" }),
      plannedAction("k2", [2, "Garage Dupuis"], { amount: "3400.50" }),
      plannedAction("k3", [1, "Boulangerie Martin"], { channel: "phone", stepName: "Appel", templateId: "appel" }),
      plannedAction("k4", [3, "SARL Lenoir"], {
        level: 4,
        channel: "lrar",
        tone: "mise_en_demeure",
        stepName: "Mise en demeure",
        templateId: "mise_en_demeure",
        needsValidation: true,
        escalation: true,
      }),
    ],
    paused: [
      { clientId: 4, clientName: "Hôtel du Port", invoiceId: 40, number: "F-4-001", amount: "800.00", currency: "EUR", rule: "dispute", reason: "Litige ouvert le 12/11/2026" },
      { clientId: 5, clientName: "Atelier Roux", invoiceId: null, number: null, amount: "950.00", currency: "EUR", rule: "promise", reason: "Promesse de paiement pour le 30/11/2026" },
    ],
    pausedByRule: [
      { rule: "dispute", items: 1 },
      { rule: "promise", items: 1 },
    ],
    alreadyRecorded: 0,
    defaultScenarios: true,
  };
}

/** The templates of the fixture's actions. */
export function templatesFixture(): TemplateDto[] {
  const template = (id: string, tone: string, subject: string, body: string): TemplateDto => ({
    id,
    language: "fr",
    tone,
    subject,
    body,
    variables: [...body.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? ""),
  });
  return [
    template("relance_courtoise", "courtois", "Rappel : facture échue", "Bonjour {client},\nSauf erreur, {montant_du} restent dus.\n{societe}"),
    template("relance_ferme", "ferme", "Relance : {montant_du} impayés", "Madame, Monsieur,\n{factures}\n{societe}"),
    template("appel", "courtois", "Appeler {client}", "Montant : {montant_du}"),
    template("mise_en_demeure", "mise_en_demeure", "Mise en demeure", "Nous vous mettons en demeure de payer {montant_du} sous {delai}."),
  ];
}

const KNOWN_VARIABLES = ["client", "societe", "factures", "montant_du", "date_echeance", "jours_retard", "penalites", "indemnite", "date", "delai"];

/** An in-memory stand-in for the dunning commands, to hand to `mockIPC`. */
export interface FakeDunning {
  /** Every command received, with its arguments, in order. */
  readonly calls: [string, unknown][];
  plan: PlanView;
  outbox: OutboxActionView[];
  tasks: PhoneTaskView[];
  promises: PromisesView;
  scenarios: ScenarioDto[];
  templates: TemplateDto[];
  handle(cmd: string, args: unknown): unknown;
  /** Makes the next call of `cmd` fail with `error`. */
  failNext(cmd: string, error: ApiError): void;
}

/**
 * The fake records the whole plan on `dunning_run` (or the selected part on `dunning_run_selected`)
 * the way the core does: each action once (a second run records nothing and counts them as already
 * recorded), a phone task per call, actions needing validation left `planned`. `dunning_preview`
 * fills the action's template (what has no value stays `{name}` and is listed).
 * `update_template` refuses an unknown `{variable}`, naming it; `update_scenario` a step whose
 * template does not exist.
 */
export function fakeDunning(plan: PlanView = planFixture()): FakeDunning {
  const calls: [string, unknown][] = [];
  const failures = new Map<string, ApiError>();
  const recorded = new Set<string>();
  let nextId = 100;
  const fake: FakeDunning = {
    calls,
    plan,
    outbox: [],
    tasks: [],
    promises: { asOf: plan.asOf, promises: [], due: 0, kept: 0, keptRate: null },
    scenarios: [
      {
        id: 1,
        name: "Standard",
        priority: 10,
        active: true,
        minAmount: null,
        maxAmount: null,
        riskGrades: [],
        nafPrefixes: [],
        clientIds: [],
        steps: [
          { name: "Rappel", anchor: "due_date", offsetDays: -3, channel: "email", tone: "courtois", templateId: "relance_courtoise", needsValidation: false },
          { name: "Relance ferme", anchor: "due_date", offsetDays: 15, channel: "email", tone: "ferme", templateId: "relance_ferme", needsValidation: false },
          { name: "Mise en demeure", anchor: "previous_step", offsetDays: 15, channel: "lrar", tone: "mise_en_demeure", templateId: "mise_en_demeure", needsValidation: true },
        ],
      },
    ],
    templates: templatesFixture(),
    handle(cmd, args) {
      calls.push([cmd, args]);
      const failure = failures.get(cmd);
      if (failure) {
        failures.delete(cmd);
        throw failure;
      }
      const a = (args ?? {}) as Record<string, unknown>;
      switch (cmd) {
        case "dunning_plan":
          return structuredClone({ ...fake.plan, actions: fake.plan.actions.filter((x) => !recorded.has(x.key)) });
        case "templates":
          return structuredClone(fake.templates);
        case "scenarios":
          return structuredClone(fake.scenarios);
        case "dunning_actions":
          return structuredClone(fake.outbox);
        case "phone_tasks":
          return structuredClone(a.openOnly ? fake.tasks.filter((x) => x.state === "open") : fake.tasks);
        case "promises":
          return structuredClone(fake.promises);
        case "dunning_run":
        case "dunning_run_selected": {
          const selection = cmd === "dunning_run_selected" ? (a.selection as RunSelection) : null;
          if (selection && selection.clientIds.length === 0 && selection.keys.length === 0) {
            throw { code: "InvalidInput", message: "no client or action selected: nothing to record" } satisfies ApiError;
          }
          const chosen = selection
            ? fake.plan.actions.filter((x) => selection.clientIds.includes(x.clientId) || selection.keys.includes(x.key))
            : fake.plan.actions;
          const notPlanned = selection ? selection.keys.filter((k) => recorded.has(k) || !fake.plan.actions.some((x) => x.key === k)) : [];
          const report: RunReport = { asOf: fake.plan.asOf, recorded: [], alreadyRecorded: 0, phoneTasks: 0, waitingValidation: 0, wroteDefaults: fake.plan.defaultScenarios, notPlanned };
          for (const x of chosen) {
            if (recorded.has(x.key)) {
              report.alreadyRecorded += 1;
              continue;
            }
            recorded.add(x.key);
            const id = nextId++;
            const state = x.needsValidation ? "planned" : "validated";
            const subject = `${x.stepName} — ${x.clientName}`;
            fake.outbox.unshift({ id, kind: x.kind, clientId: x.clientId, clientName: x.clientName, level: x.level, channel: x.channel, tone: x.tone, currency: x.currency, amount: x.amount, subject, body: `Bonjour ${x.clientName}`, needsValidation: x.needsValidation, state, outcome: null, plannedOn: fake.plan.asOf });
            if (x.channel === "phone") {
              fake.tasks.push({ id: id + 1000, actionId: id, clientId: x.clientId, clientName: x.clientName, dueOn: fake.plan.asOf, subject, body: "Appeler au 01 23 45 67 89", state: "open", outcome: null });
              report.phoneTasks += 1;
            }
            if (x.needsValidation) report.waitingValidation += 1;
            report.recorded.push({ id, clientName: x.clientName, channel: x.channel, state, subject, amount: x.amount });
          }
          fake.plan = { ...fake.plan, alreadyRecorded: recorded.size, defaultScenarios: false };
          return report;
        }
        case "dunning_preview": {
          const x = fake.plan.actions.find((y) => y.key === a.key && y.clientId === a.clientId && !recorded.has(y.key));
          if (!x) throw { code: "InvalidInput", message: `action ${String(a.key)} of client ${String(a.clientId)} is not in the plan of ${fake.plan.asOf}` } satisfies ApiError;
          const tp = fake.templates.find((y) => y.id === x.templateId);
          if (!tp) throw { code: "InvalidInput", message: `no template ${x.templateId} for the step ${x.stepName}` } satisfies ApiError;
          // The values the core fills in, written the way it writes them.
          const values: Record<string, string> = {
            client: x.clientName,
            societe: "Encours Démo",
            factures: x.invoices.map((i) => `- facture n° ${i.number}, échéance ${i.dueDate}, reste dû ${i.dunned} €`).join("\n"),
            montant_du: `${x.amount.replace(".", ",")} €`,
            date_echeance: x.referenceDue,
            jours_retard: String(Math.max(x.daysLate, 0)),
            date: fake.plan.asOf,
            delai: "huit jours",
          };
          const missing: string[] = [];
          const fill = (text: string): string =>
            text.replace(/\{([^}]*)\}/g, (whole, name: string) => {
              const value = values[name];
              if (value) return value;
              if (!missing.includes(name)) missing.push(name);
              return whole;
            });
          const preview: PreviewView = { key: x.key, clientId: x.clientId, clientName: x.clientName, channel: x.channel, templateId: tp.id, language: tp.language, subject: fill(tp.subject), body: fill(tp.body), missingVariables: missing };
          return preview;
        }
        case "update_scenario": {
          const sc = a.scenario as ScenarioDto;
          if (sc.name.trim() === "") throw { code: "InvalidInput", message: "a scenario needs a name" } satisfies ApiError;
          for (const st of sc.steps) {
            if (!fake.templates.some((y) => y.id === st.templateId)) {
              throw { code: "InvalidInput", message: `step ${JSON.stringify(st.name)}: no template ${JSON.stringify(st.templateId)}` } satisfies ApiError;
            }
          }
          const id = sc.id > 0 ? sc.id : nextId++;
          const stored: ScenarioDto = { ...structuredClone(sc), id, steps: sc.steps.map((st) => ({ ...st, needsValidation: st.needsValidation || st.tone === "mise_en_demeure" })) };
          fake.scenarios = fake.scenarios.some((y) => y.id === id) ? fake.scenarios.map((y) => (y.id === id ? stored : y)) : [...fake.scenarios, stored];
          return id;
        }
        case "send_outbox": {
          // Like the core: what is ready (validated, or needing nobody) goes once; emails are sent,
          // letters are to print, phone tasks are left to a person.
          const report: SendReport = { asOf: fake.plan.asOf, sent: 0, toPrint: 0, failed: 0, skipped: 0, interrupted: [], outcomes: [] };
          for (const row of fake.outbox.filter((x) => x.state === "validated")) {
            const printed = row.channel === "letter" || row.channel === "lrar" || row.channel === "lre";
            const outcome = row.channel === "phone" ? "skipped" : printed ? "to_print" : "sent";
            if (outcome === "skipped") report.skipped += 1;
            else {
              row.state = "sent";
              if (printed) report.toPrint += 1;
              else report.sent += 1;
            }
            report.outcomes.push({ actionId: row.id, clientName: row.clientName, channel: row.channel, outcome, messageId: outcome === "sent" ? `<${row.id}@encours.test>` : null, detail: null, file: printed ? `/tmp/${row.id}.pdf` : null });
          }
          return report;
        }
        case "set_action_state": {
          const row = fake.outbox.find((x) => x.id === a.action);
          if (!row) throw { code: "InvalidInput", message: `no action ${String(a.action)}` } satisfies ApiError;
          row.state = String(a.actionState);
          return null;
        }
        case "record_phone_outcome": {
          const task = fake.tasks.find((x) => x.id === a.task && x.state === "open");
          if (!task) throw { code: "InvalidInput", message: `phone task ${String(a.task)} does not exist or is already done` } satisfies ApiError;
          const outcome = a.outcome as PhoneOutcomeInput;
          task.state = "done";
          task.outcome = outcome.kind;
          if (outcome.kind === "promise") {
            fake.promises.promises.unshift({ id: nextId++, clientId: task.clientId, clientName: task.clientName, madeOn: fake.plan.asOf, promisedFor: outcome.date, amount: outcome.amount, currency: "EUR", channel: "phone", paid: "0.00", state: "pending" });
          }
          return null;
        }
        case "record_promise": {
          const p = a.promise as NewPromise;
          const id = nextId++;
          const clientName = fake.plan.actions.find((x) => x.clientId === p.clientId)?.clientName ?? fake.plan.paused.find((x) => x.clientId === p.clientId)?.clientName ?? `#${p.clientId}`;
          fake.promises.promises.unshift({ id, clientId: p.clientId, clientName, madeOn: fake.plan.asOf, promisedFor: p.promisedFor, amount: p.amount, currency: p.currency ?? "EUR", channel: p.channel, paid: "0.00", state: "pending" });
          return id;
        }
        case "update_template": {
          const tp = a.template as TemplateDto;
          for (const m of `${tp.subject}${tp.body}`.matchAll(/\{([^}]*)\}/g)) {
            const name = m[1] ?? "";
            if (!KNOWN_VARIABLES.includes(name)) {
              throw { code: "InvalidInput", message: `template ${tp.id}: unknown variable {${name}} (known: ${KNOWN_VARIABLES.join(", ")})` } satisfies ApiError;
            }
          }
          const variables = [...`${tp.subject}${tp.body}`.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
          fake.templates = fake.templates.map((x) => (x.id === tp.id && x.language === tp.language ? { ...tp, variables } : x));
          return null;
        }
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    },
    failNext(cmd, error) {
      failures.set(cmd, error);
    },
  };
  return fake;
}

/** A scoring back end in memory: alerts to list, acknowledge and snooze, and the calls made. */
export interface FakeScoring {
  calls: [string, unknown][];
  alerts: RiskAlertView[];
  handle(cmd: string, args: unknown): unknown;
}

/** Two open alerts of the same client, as `score_alerts` lists them (newest first). */
export function alertsFixture(): RiskAlertView[] {
  return [
    { id: 2, clientId: 7, clientName: "Boulangerie Martin", rule: "delays_lengthening", dedupeKey: "7:delays_lengthening:2026-11", raisedOn: "2026-11-23", details: "Les retards s'allongent depuis deux mois : 12, 21 puis 34 jours.", state: "open", snoozedUntil: null },
    { id: 1, clientId: 7, clientName: "Boulangerie Martin", rule: "collective_procedure", dedupeKey: "7:collective_procedure:2026-11-02", raisedOn: "2026-11-20", details: "Redressement judiciaire ouvert le 2 novembre 2026.", state: "open", snoozedUntil: null },
  ];
}

/**
 * `score_alerts` filters by `alertState`; `acknowledge_alert` and `snooze_alert` change the
 * alert (an unknown id is an `InvalidInput`, a snooze date must be after `today`).
 */
export function fakeScoring(alerts: RiskAlertView[] = alertsFixture(), today = "2026-11-23"): FakeScoring {
  const fake: FakeScoring = {
    calls: [],
    alerts,
    handle(cmd, args) {
      fake.calls.push([cmd, args]);
      const a = (args ?? {}) as Record<string, unknown>;
      const find = (): RiskAlertView => {
        const alert = fake.alerts.find((x) => x.id === a.id);
        if (!alert) throw { code: "InvalidInput", message: `no alert ${String(a.id)} in this dossier` } satisfies ApiError;
        return alert;
      };
      switch (cmd) {
        case "score_run": {
          // A run raises one new alert (a score drop) for a client not yet alerted.
          const id = Math.max(0, ...fake.alerts.map((x) => x.id)) + 1;
          fake.alerts.unshift({ id, clientId: 9, clientName: "Garage Dupont", rule: "score_drop", dedupeKey: `9:score_drop:${today.slice(0, 7)}`, raisedOn: today, details: "Le score passe de 72 à 41 en un mois.", state: "open", snoozedUntil: null });
          return { asOf: today, clientsScored: 120, clientsWithoutHistory: 0, replaced: 0, newAlerts: 1, knownAlerts: 0, model: "fitted", modelFittedOn: today, modelRefitted: true, modelNote: "", portfolioLateRateBp: 2300, grades: [{ grade: "A", clients: 80 }] } satisfies ScoreRunReport;
        }
        case "score_alerts":
          // Copies, as IPC gives: a mutated alert is a new object to the page.
          return fake.alerts.filter((x) => a.alertState == null || x.state === a.alertState).map((x) => ({ ...x }));
        case "acknowledge_alert": {
          const alert = find();
          alert.state = "acknowledged";
          alert.snoozedUntil = null;
          return null;
        }
        case "snooze_alert": {
          const alert = find();
          const until = String(a.until);
          if (until <= today) throw { code: "InvalidInput", message: `snooze until ${until}: the date must be after today` } satisfies ApiError;
          alert.state = "snoozed";
          alert.snoozedUntil = until;
          return null;
        }
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    },
  };
  return fake;
}
