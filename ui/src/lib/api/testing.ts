/**
 * Test helpers for code that calls the core through `api` (used by the unit tests only).
 *
 * `mockIPC` hands the mock the arguments as given, so a `Channel` argument arrives as the
 * `Channel` object itself. `sendOnChannel` delivers a message the way the Rust side does (through
 * the callback registered by the channel, with its index), so ordering logic is exercised too.
 * `fakeReconciliation` stands in for the reconciliation commands, keeping the payments in memory.
 */
import { Channel } from "@tauri-apps/api/core";
import type { AllocationView } from "../bindings/AllocationView";
import type { ApiError } from "../bindings/ApiError";
import type { BankLineView } from "../bindings/BankLineView";
import type { ClientRef } from "../bindings/ClientRef";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { MatchRunReport } from "../bindings/MatchRunReport";
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
