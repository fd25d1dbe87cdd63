// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeReconciliation, type FakeReconciliationOptions } from "../api/testing";
import { ReconciliationDesk } from "./desk.svelte";
import { LINES, SUMMARY } from "./fixtures";

afterEach(() => clearMocks());

function backend(options: Partial<FakeReconciliationOptions> = {}): ReturnType<typeof fakeReconciliation> {
  const fake = fakeReconciliation({ lines: LINES, summary: SUMMARY, ...options });
  mockIPC((cmd, args) => fake.handle(cmd, args));
  return fake;
}

const ids = (desk: ReconciliationDesk): number[] => desk.view?.lines.map((line) => line.paymentId) ?? [];

describe("ReconciliationDesk", () => {
  it("loads the unmatched payments, then every payment", async () => {
    const fake = backend();
    const desk = new ReconciliationDesk(() => {});
    const loading = desk.load();
    expect(desk.loading).toBe(true);
    await loading;
    expect(desk.loading).toBe(false);
    expect(ids(desk)).toEqual([101, 102, 103]);
    await desk.load(true);
    expect(desk.all).toBe(true);
    expect(ids(desk)).toEqual([101, 102, 103, 104, 105]);
    // A reload keeps the chosen filter.
    await desk.load();
    expect(fake.calls).toEqual([
      ["reconciliation", { all: false }],
      ["reconciliation", { all: true }],
      ["reconciliation", { all: true }],
    ]);
  });

  it("keeps the answer of the last load when an older one arrives late", async () => {
    const fake = backend();
    const desk = new ReconciliationDesk(() => {});
    const release = fake.holdNext("reconciliation");
    const first = desk.load(false);
    await desk.load(true);
    release();
    await first;
    expect(desk.all).toBe(true);
    expect(ids(desk)).toHaveLength(5);
    expect(desk.loading).toBe(false);
  });

  it("accepts a proposal, updates the view and refreshes the dashboard", async () => {
    const fake = backend();
    const onSummary = vi.fn();
    const desk = new ReconciliationDesk(onSummary);
    await desk.load();
    expect(await desk.act(101, "accept", "p101-a")).toBe(true);
    expect(ids(desk)).toEqual([102, 103]);
    expect([desk.view?.unmatched, desk.view?.manual]).toEqual([2, 1]);
    expect(desk.done).toMatchObject({ action: "accept", line: { paymentId: 101, state: "manual" } });
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    expect(fake.calls.slice(1)).toEqual([
      ["accept_proposal", { paymentId: 101, key: "p101-a" }],
      ["dossier_summary", {}],
    ]);
    expect(desk.pending.size).toBe(0);
  });

  it("does one action at a time on a payment, and none during a run", async () => {
    const fake = backend();
    const desk = new ReconciliationDesk(() => {});
    await desk.load();
    const release = fake.holdNext("accept_proposal");
    const first = desk.act(101, "accept", "p101-a");
    expect(desk.pending.get(101)).toEqual({ action: "accept", key: "p101-a" });
    expect(desk.busy).toBe(true);
    expect(await desk.act(101, "ignore")).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(desk.busy).toBe(false);

    const releaseRun = fake.holdNext("run_matching");
    const run = desk.run();
    expect(desk.running).toBe(true);
    expect(await desk.act(102, "ignore")).toBe(false);
    releaseRun();
    await run;
    expect(fake.calls.filter(([cmd]) => cmd === "ignore_payment")).toEqual([]);
  });

  it("keeps a refused action's error and the view as it was", async () => {
    const fake = backend();
    const onSummary = vi.fn();
    const desk = new ReconciliationDesk(onSummary);
    await desk.load();
    fake.failNext("accept_proposal", { code: "InvalidInput", message: "invoice F-2026-0042 is already settled" });
    expect(await desk.act(101, "accept", "p101-a")).toBe(false);
    expect(desk.error).toMatchObject({ code: "InvalidInput", command: "accept_proposal" });
    expect(ids(desk)).toEqual([101, 102, 103]);
    expect(desk.done).toBeNull();
    expect(onSummary).not.toHaveBeenCalled();
    desk.dismissError();
    expect(desk.error).toBeNull();
  });

  it("matches a payment by hand: the answer replaces it, the counts and the dashboard follow", async () => {
    const fake = backend();
    const onSummary = vi.fn();
    const desk = new ReconciliationDesk(onSummary);
    await desk.load(true);
    const release = fake.holdNext("manual_match");
    const matching = desk.manualMatch(103, ["F-2026-0031", "F-2026-0032"]);
    expect(desk.pending.get(103)).toEqual({ action: "manual", key: "F-2026-0031 F-2026-0032" });
    // One action at a time on the payment, and no run meanwhile.
    expect(await desk.act(103, "ignore")).toBe(false);
    expect(await desk.manualMatch(103, ["F-2026-0031"])).toBe(false);
    expect(desk.busy).toBe(true);
    release();
    expect(await matching).toBe(true);
    expect(desk.pending.size).toBe(0);
    const line = desk.view?.lines.find((candidate) => candidate.paymentId === 103);
    expect(line).toMatchObject({ state: "manual", client: { name: "Gamma Distribution" }, unallocated: "0.00" });
    expect(line?.allocations.map((allocation) => allocation.amount)).toEqual(["3000.00", "2000.00"]);
    expect([desk.view?.unmatched, desk.view?.manual]).toEqual([2, 1]);
    // Told as an accepted proposal: the payment is matched by hand to its client.
    expect(desk.done).toMatchObject({ action: "accept", line: { paymentId: 103, state: "manual" } });
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    expect(fake.calls.slice(1)).toEqual([
      ["manual_match", { paymentId: 103, numbers: ["F-2026-0031", "F-2026-0032"] }],
      ["dossier_summary", {}],
    ]);
  });

  it("keeps a refused manual match's error for its payment only, and the view as it was", async () => {
    const fake = backend();
    const onSummary = vi.fn();
    const desk = new ReconciliationDesk(onSummary);
    await desk.load();
    expect(await desk.manualMatch(102, ["F-2026-0042"])).toBe(false);
    expect(desk.error).toMatchObject({
      code: "InvalidInput",
      message: "no open invoice numbered F-2026-0042",
      command: "manual_match",
    });
    expect(desk.refused).toEqual({ paymentId: 102, action: "manual" });
    expect(desk.manualError(102)).toBe(desk.error);
    expect(desk.manualError(101)).toBeNull();
    expect(ids(desk)).toEqual([101, 102, 103]);
    expect(desk.done).toBeNull();
    expect(onSummary).not.toHaveBeenCalled();
    expect(fake.calls.at(-1)).toEqual(["manual_match", { paymentId: 102, numbers: ["F-2026-0042"] }]);

    // Another action's refusal is not the manual match's.
    fake.failNext("ignore_payment", { code: "Storage", message: "database is locked" });
    expect(await desk.act(102, "ignore")).toBe(false);
    expect(desk.refused).toEqual({ paymentId: 102, action: "ignore" });
    expect(desk.manualError(102)).toBeNull();
    // A new attempt clears the error, and a dismissed one is gone.
    expect(await desk.manualMatch(102, ["F-2026-0042"])).toBe(false);
    desk.dismissError();
    expect([desk.error, desk.refused, desk.manualError(102)]).toEqual([null, null, null]);
  });

  it("sends the numbers as typed ones are read", async () => {
    const fake = backend();
    const desk = new ReconciliationDesk(() => {});
    await desk.load();
    expect(await desk.manualMatch(101, [" F-2026-0042 ", "", "F-2026-0042"])).toBe(true);
    expect(fake.calls[1]).toEqual(["manual_match", { paymentId: 101, numbers: ["F-2026-0042"] }]);
  });

  it("runs the matching, then reads the view and the dashboard again", async () => {
    const fake = backend({ allocated: "1234.56" });
    const onSummary = vi.fn();
    const desk = new ReconciliationDesk(onSummary);
    await desk.load();
    await desk.run();
    expect(desk.running).toBe(false);
    expect(desk.report).toMatchObject({ considered: 3, autoMatched: 1, toReview: 1, withoutProposal: 1 });
    expect(desk.report?.applied).toEqual(["101: ACME Industrie SAS ← F-2026-0042"]);
    expect(ids(desk)).toEqual([102, 103]);
    expect(desk.view?.auto).toBe(2);
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    expect(fake.calls.map(([cmd]) => cmd)).toEqual(["reconciliation", "run_matching", "reconciliation", "dossier_summary"]);
    desk.dismissReport();
    expect(desk.report).toBeNull();
  });

  it("reads the view again after a refused run and keeps the run's error", async () => {
    const fake = backend();
    const desk = new ReconciliationDesk(() => {});
    await desk.load();
    fake.failNext("run_matching", { code: "Storage", message: "database is locked" });
    await desk.run();
    expect(desk.report).toBeNull();
    expect(desk.error).toMatchObject({ code: "Storage", message: "database is locked", command: "run_matching" });
    expect(fake.calls.map(([cmd]) => cmd)).toEqual(["reconciliation", "run_matching", "reconciliation", "dossier_summary"]);
  });

  it("keeps the change when the dashboard cannot be read again", async () => {
    backend({ summary: null });
    const onSummary = vi.fn();
    const desk = new ReconciliationDesk(onSummary);
    await desk.load();
    expect(await desk.act(102, "ignore")).toBe(true);
    expect(ids(desk)).toEqual([101, 103]);
    expect(desk.refreshError?.code).toBe("NoDossierOpen");
    expect(onSummary).not.toHaveBeenCalled();
    desk.dismissRefreshError();
    expect(desk.refreshError).toBeNull();
  });

  it("keeps a load error until a load succeeds", async () => {
    const fake = backend();
    const desk = new ReconciliationDesk(() => {});
    fake.failNext("reconciliation", { code: "NoDossierOpen", message: "no dossier is open" });
    await desk.load();
    expect(desk.view).toBeNull();
    expect(desk.error).toMatchObject({ code: "NoDossierOpen", command: "reconciliation" });
    await desk.load();
    expect(desk.error).toBeNull();
    expect(ids(desk)).toHaveLength(3);
  });
});
