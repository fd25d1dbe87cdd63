import { describe, expect, it } from "vitest";
import {
  asText,
  dataUrl,
  humanSize,
  invoiceNumbers,
  newDisputeProblem,
  parseAmount,
  reasonKey,
  resolveProblem,
  viewable,
} from "./view";

describe("dispute forms", () => {
  it("reads amounts as decimal strings, with a comma or a point", () => {
    expect(parseAmount("1 234,50")).toBe("1234.50");
    expect(parseAmount("100")).toBe("100");
    expect(parseAmount("12.345")).toBeNull();
    expect(parseAmount("-5")).toBeNull();
    expect(parseAmount("")).toBeNull();
  });

  it("splits invoice numbers on commas, semicolons and spaces", () => {
    expect(invoiceNumbers(" F-1, F-2;F-3  F-4 ")).toEqual(["F-1", "F-2", "F-3", "F-4"]);
    expect(invoiceNumbers("  ")).toEqual([]);
  });

  it("needs invoices or a client, and a valid amount when one is given", () => {
    const base = { invoices: "", clientId: "", reason: "price", amount: "", note: "" };
    expect(newDisputeProblem(base)).toBe("target");
    expect(newDisputeProblem({ ...base, clientId: "x1" })).toBe("client");
    expect(newDisputeProblem({ ...base, invoices: "F-1", amount: "abc" })).toBe("amount");
    expect(newDisputeProblem({ ...base, invoices: "F-1", amount: "10,5" })).toBeNull();
    expect(newDisputeProblem({ ...base, clientId: "12" })).toBeNull();
  });

  it("asks each outcome for what it needs", () => {
    const base = { outcome: "rejected" as const, creditNote: "", corrected: "", accepted: "", note: "" };
    expect(resolveProblem(base)).toBeNull();
    expect(resolveProblem({ ...base, outcome: "credit_note" })).toBe("creditNote");
    expect(resolveProblem({ ...base, outcome: "corrected" })).toBe("corrected");
    expect(resolveProblem({ ...base, outcome: "partial", accepted: "x" })).toBe("accepted");
    expect(resolveProblem({ ...base, outcome: "partial", accepted: "900" })).toBeNull();
  });

  it("knows every reason and falls back to other", () => {
    expect(reasonKey("vat")).toBe("disputes.reason.vat");
    expect(reasonKey("weather")).toBe("disputes.reason.other");
  });
});

describe("evidence", () => {
  it("shows images and text in the window, exports the rest", () => {
    expect(viewable("image/jpeg")).toBe("image");
    expect(viewable("message/rfc822")).toBe("text");
    expect(viewable("application/pdf")).toBe("none");
  });

  it("turns bytes into a data URL and into text", () => {
    expect(dataUrl("image/png", [0x89, 0x50, 0x4e, 0x47])).toBe("data:image/png;base64,iVBORw==");
    expect(asText([0x43, 0x61, 0x66, 0xc3, 0xa9])).toBe("Café");
  });

  it("writes sizes in words", () => {
    expect(humanSize(812, "fr")).toBe("812 o");
    expect(humanSize(12_697, "fr")).toBe("12,4 Ko");
    expect(humanSize(3_250_000, "en")).toBe("3.1 MB");
  });
});
