// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { api, CommandError } from "../api";
import { fakeReconciliation } from "../api/testing";
import { CLEAR, COMBINATION, LINES, MATCHED, UNKNOWN } from "./fixtures";

afterEach(() => clearMocks());

describe("reconciliation commands", () => {
  it("are sent with camelCase arguments and answer the core's objects", async () => {
    const fake = fakeReconciliation({ lines: LINES, allocated: "1234.56" });
    mockIPC((cmd, args) => fake.handle(cmd, args));

    const view = await api.reconciliation(false);
    expect(view.lines.map((line) => line.paymentId)).toEqual([101, 102, 103]);
    expect([view.unmatched, view.auto, view.manual, view.ignored, view.autoThreshold]).toEqual([3, 1, 0, 1, 90]);
    expect((await api.reconciliation(true)).lines.map((line) => line.paymentId)).toEqual([101, 102, 103, 104, 105]);

    const rejected = await api.rejectProposal(101, "p101-b");
    expect(rejected.proposals.map((proposal) => proposal.key)).toEqual(["p101-a"]);
    const byHand = await api.manualMatch(103, ["F-2026-0031"]);
    expect(byHand).toMatchObject({ paymentId: 103, state: "manual", client: { name: "Gamma Distribution" } });
    expect(byHand.allocations).toEqual([{ invoiceId: 31, number: "F-2026-0031", amount: "3000.00", residual: "" }]);
    expect([byHand.unallocated, byHand.proposals]).toEqual(["2000.00", []]);
    const accepted = await api.acceptProposal(101, "p101-a");
    expect(accepted).toMatchObject({ paymentId: 101, state: "manual", client: { name: "ACME Industrie SAS" } });
    expect((await api.ignorePayment(102)).state).toBe("ignored");
    expect((await api.unmatchPayment(104)).state).toBe("unmatched");
    const report = await api.runMatching();
    // Left unmatched: 104, back without proposals.
    expect(report).toMatchObject({ considered: 1, autoMatched: 0, toReview: 0, withoutProposal: 1 });

    expect(fake.calls).toEqual([
      ["reconciliation", { all: false }],
      ["reconciliation", { all: true }],
      ["reject_proposal", { paymentId: 101, key: "p101-b" }],
      ["manual_match", { paymentId: 103, numbers: ["F-2026-0031"] }],
      ["accept_proposal", { paymentId: 101, key: "p101-a" }],
      ["ignore_payment", { paymentId: 102 }],
      ["unmatch_payment", { paymentId: 104 }],
      // mockIPC hands a command without arguments an empty object.
      ["run_matching", {}],
    ]);
  });

  it("turn a refusal into a CommandError naming the command", async () => {
    const fake = fakeReconciliation({ lines: [CLEAR, UNKNOWN, MATCHED] });
    mockIPC((cmd, args) => fake.handle(cmd, args));
    const failures: [Promise<unknown>, string][] = [
      [api.acceptProposal(101, "nope"), "accept_proposal"],
      [api.rejectProposal(999, "p101-a"), "reject_proposal"],
      [api.unmatchPayment(102), "unmatch_payment"],
      [api.ignorePayment(104), "ignore_payment"],
      [api.manualMatch(102, ["F-2026-0042"]), "manual_match"],
    ];
    for (const [promise, command] of failures) {
      const error = await promise.then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(CommandError);
      expect(error).toMatchObject({ code: "InvalidInput", command });
    }
  });

  it("match by hand like the core: open invoices of one client, settled up to the payment", async () => {
    const fake = fakeReconciliation({ lines: [CLEAR, COMBINATION, MATCHED] });
    mockIPC((cmd, args) => fake.handle(cmd, args));
    const refusal = (promise: Promise<unknown>): Promise<unknown> =>
      promise.then(
        () => null,
        (reason: unknown) => reason,
      );
    expect(await refusal(api.manualMatch(103, ["F-2026-0031", "F-2026-9999"]))).toMatchObject({
      code: "InvalidInput",
      message: "no open invoice numbered F-2026-9999",
    });
    // A credit note is not an open invoice.
    expect(await refusal(api.manualMatch(103, ["AV-2026-003"]))).toMatchObject({
      message: "no open invoice numbered AV-2026-003",
    });
    expect(await refusal(api.manualMatch(101, ["F-2026-0042", "F-2026-0051"]))).toMatchObject({
      message: "these invoices belong to several clients: match them one client at a time",
    });
    expect(await refusal(api.manualMatch(101, []))).toMatchObject({ message: "name at least one invoice number" });
    expect(await refusal(api.manualMatch(104, ["F-2026-0040"]))).toMatchObject({
      message: "payment 104 is already auto",
    });
    // Nothing changed on a refusal.
    expect(fake.lines.map((line) => line.state)).toEqual(["unmatched", "unmatched", "auto"]);

    // 3,000.00 + 2,100.00 asked of a 5,000.00 payment: the second invoice takes what is left.
    const both = await api.manualMatch(103, ["F-2026-0031", "F-2026-0032"]);
    expect(both.allocations.map((allocation) => [allocation.number, allocation.amount])).toEqual([
      ["F-2026-0031", "3000.00"],
      ["F-2026-0032", "2000.00"],
    ]);
    expect(both.unallocated).toBe("0.00");
    // The payment of 1,234.56 settles 1,234.56 of an invoice of 1,500.00.
    const partial = await api.manualMatch(101, ["F-2026-0051"]);
    expect([partial.client?.name, partial.allocations[0]?.amount, partial.unallocated]).toEqual([
      "Bêta Services SARL",
      "1234.56",
      "0.00",
    ]);
  });
});
