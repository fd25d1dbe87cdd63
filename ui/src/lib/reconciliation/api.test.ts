// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { api, CommandError } from "../api";
import { fakeReconciliation } from "../api/testing";
import { CLEAR, LINES, MATCHED, UNKNOWN } from "./fixtures";

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
    const accepted = await api.acceptProposal(101, "p101-a");
    expect(accepted).toMatchObject({ paymentId: 101, state: "manual", client: { name: "ACME Industrie SAS" } });
    expect((await api.ignorePayment(102)).state).toBe("ignored");
    expect((await api.unmatchPayment(104)).state).toBe("unmatched");
    const report = await api.runMatching();
    // Left unmatched: 103 (72, below the threshold) and 104 (back without proposals).
    expect(report).toMatchObject({ considered: 2, autoMatched: 0, toReview: 1, withoutProposal: 1 });

    expect(fake.calls).toEqual([
      ["reconciliation", { all: false }],
      ["reconciliation", { all: true }],
      ["reject_proposal", { paymentId: 101, key: "p101-b" }],
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
});
