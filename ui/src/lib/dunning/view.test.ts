import { describe, expect, it } from "vitest";
import type { PlannedActionView } from "../bindings/PlannedActionView";
import {
  codeKey,
  groupByClient,
  isIsoDate,
  keepListed,
  outcomeInput,
  parseAmount,
  phoneNumber,
  ratePercent,
  toggle,
  toggleAll,
} from "./view";

function action(key: string, clientId: number, clientName: string): PlannedActionView {
  return {
    key,
    kind: "reminder",
    clientId,
    clientName,
    scenario: "Standard",
    stepName: "Relance 1",
    level: 1,
    channel: "email",
    tone: "courtois",
    templateId: "relance_1",
    needsValidation: false,
    escalation: false,
    currency: "EUR",
    amount: "100.00",
    referenceDue: "2026-11-01",
    daysLate: 23,
    invoices: [],
    note: "",
  };
}

describe("groupByClient", () => {
  it("keeps the plan's order and puts each client's actions together", () => {
    const groups = groupByClient([action("a", 2, "Beta"), action("b", 1, "Alpha"), action("c", 2, "Beta")]);
    expect(groups.map((g) => [g.clientName, g.actions.map((a) => a.key)])).toEqual([
      ["Beta", ["a", "c"]],
      ["Alpha", ["b"]],
    ]);
    expect(groupByClient([])).toEqual([]);
  });
});

describe("selection", () => {
  it("toggles one key without changing the given set", () => {
    const start = new Set(["a"]);
    expect([...toggle(start, "b")].sort()).toEqual(["a", "b"]);
    expect([...toggle(start, "a")]).toEqual([]);
    expect([...start]).toEqual(["a"]);
  });

  it("selects all, and clears when all already are", () => {
    expect([...toggleAll(new Set(["a"]), ["a", "b"])].sort()).toEqual(["a", "b"]);
    expect([...toggleAll(new Set(["a", "b"]), ["a", "b"])]).toEqual([]);
    expect([...toggleAll(new Set(), [])]).toEqual([]);
  });

  it("drops keys that are no longer listed", () => {
    expect([...keepListed(new Set(["a", "gone"]), ["a", "b"])]).toEqual(["a"]);
  });
});

describe("ratePercent", () => {
  it("moves the decimal point without floating point and rounds half up", () => {
    expect(ratePercent("0.6667", "fr")).toBe("66,7\u00A0%");
    expect(ratePercent("0.6667", "en")).toBe("66.7%");
    expect(ratePercent("1", "fr")).toBe("100,0\u00A0%");
    expect(ratePercent("0.0005", "en")).toBe("0.1%");
    expect(ratePercent("0", "en")).toBe("0.0%");
  });

  it("keeps null and unreadable values as received", () => {
    expect(ratePercent(null, "fr")).toBeNull();
    expect(ratePercent("n/a", "fr")).toBe("n/a");
  });
});

describe("parseAmount", () => {
  it("reads French and English writing into the core's decimal string", () => {
    expect(parseAmount("1 234,5")).toBe("1234.50");
    expect(parseAmount("1\u202F234,56")).toBe("1234.56");
    expect(parseAmount("500")).toBe("500.00");
    expect(parseAmount("0012.3")).toBe("12.30");
  });

  it("refuses zero, negatives, three decimals and text", () => {
    for (const bad of ["", "0", "0,00", "-5", "1.234", "12a", "1,2,3"]) expect(parseAmount(bad), bad).toBeNull();
  });
});

describe("isIsoDate", () => {
  it("accepts real calendar dates only", () => {
    expect(isIsoDate("2026-12-01")).toBe(true);
    expect(isIsoDate("2028-02-29")).toBe(true);
    expect(isIsoDate("2026-02-29")).toBe(false);
    expect(isIsoDate("2026-13-01")).toBe(false);
    expect(isIsoDate("01/12/2026")).toBe(false);
  });
});

describe("outcomeInput", () => {
  const base = { date: "", amount: "", note: "" };
  it("builds the promise outcome with a decimal string, or names the field to fix", () => {
    expect(outcomeInput({ ...base, kind: "promise", date: "2026-12-01", amount: "500,5" })).toEqual({
      ok: { kind: "promise", date: "2026-12-01", amount: "500.50" },
    });
    expect(outcomeInput({ ...base, kind: "promise", amount: "5" })).toEqual({ problem: "date" });
    expect(outcomeInput({ ...base, kind: "promise", date: "2026-12-01", amount: "-5" })).toEqual({ problem: "amount" });
  });

  it("needs a note for a dispute and nothing for the other outcomes", () => {
    expect(outcomeInput({ ...base, kind: "dispute", note: "  " })).toEqual({ problem: "note" });
    expect(outcomeInput({ ...base, kind: "dispute", note: " livraison incomplète " })).toEqual({
      ok: { kind: "dispute", note: "livraison incomplète" },
    });
    expect(outcomeInput({ ...base, kind: "no_answer" })).toEqual({ ok: { kind: "no_answer" } });
    expect(outcomeInput({ ...base, kind: "wrong_contact" })).toEqual({ ok: { kind: "wrong_contact" } });
  });
});

describe("codeKey and phoneNumber", () => {
  it("finds a label for a known code and none for a new one", () => {
    expect(codeKey("channel", "lrar")).toBe("channel.lrar");
    expect(codeKey("pause", "payment_transmitted")).toBe("pause.payment_transmitted");
    expect(codeKey("channel", "pigeon")).toBeNull();
  });

  it("finds a French phone number in a task's text", () => {
    expect(phoneNumber("Appeler au 01 23 45 67 89 avant midi")).toBe("01 23 45 67 89");
    expect(phoneNumber("Tél. +33 6.12.34.56.78")).toBe("+33 6.12.34.56.78");
    expect(phoneNumber("Facture F-2026-0012 de 1234,00 €")).toBeNull();
  });
});
