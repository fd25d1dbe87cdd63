import { describe, expect, it } from "vitest";
import type { ReconciliationView } from "../bindings/ReconciliationView";
import { NBSP, NNBSP } from "../i18n/format";
import { CLEAR, COMBINATION, IGNORED, MATCHED, UNKNOWN } from "./fixtures";
import {
  confidenceBand,
  confidencePercent,
  formatIban,
  isSomeAmount,
  isZeroAmount,
  parseInvoiceNumbers,
  reasonText,
  summarizeTexts,
  withLine,
} from "./view";

const fr = (code: string, detail = "", currency = "EUR"): string => reasonText({ code, detail }, currency, "fr");
const en = (code: string, detail = "", currency = "EUR"): string => reasonText({ code, detail }, currency, "en");

describe("reasonText", () => {
  it("says every reason of the engine in plain French", () => {
    expect(fr("structuredReference", "RF18539007547034")).toBe("Référence structurée RF18539007547034 sur le virement");
    expect(fr("invoiceNumberInText", "F-2026-0042")).toBe("N° de facture trouvé dans le libellé : F-2026-0042");
    expect(fr("exactAmount")).toBe("Montant égal à la facture");
    expect(fr("amountCombination", "3")).toBe("Montant égal à 3 factures du client");
    expect(fr("payerIbanKnown")).toBe("IBAN déjà connu pour ce client");
    expect(fr("payerNameKnown")).toBe("Nom du payeur déjà connu");
    expect(fr("partialPayment", "265.44")).toBe(`Paiement partiel : reste 265,44${NBSP}€`);
    expect(fr("overpayment", "1250.5")).toBe(`Trop-perçu de 1${NNBSP}250,50${NBSP}€ laissé en avoir`);
    expect(fr("creditNoteOffset")).toBe("Avoir imputé");
    expect(fr("ambiguous")).toBe("Plusieurs propositions proches");
    expect(fr("amountOnly")).toBe("Montant seul, sans autre indice");
  });

  it("and in English", () => {
    expect(en("structuredReference", "RF18539007547034")).toBe("Structured reference RF18539007547034 on the transfer");
    expect(en("amountCombination", "2")).toBe("Amount equal to 2 of the customer's invoices");
    expect(en("partialPayment", "1265.44")).toBe("Partial payment: €1,265.44 left");
    expect(en("creditNoteOffset", "AV-3")).toBe("Credit note applied: AV-3");
  });

  it("adds a detail the sentence has no place for", () => {
    expect(fr("creditNoteOffset", "AV-2026-003")).toBe("Avoir imputé : AV-2026-003");
    expect(fr("exactAmount", "1234.56")).toBe(`Montant égal à la facture : 1${NNBSP}234,56${NBSP}€`);
    expect(fr("payerNameKnown", " ACME ")).toBe("Nom du payeur déjà connu : ACME");
  });

  it("formats amounts in the payment's currency, and leaves what is not an amount as written", () => {
    expect(fr("overpayment", "12.5", "USD")).toBe(`Trop-perçu de 12,50${NBSP}USD laissé en avoir`);
    expect(fr("partialPayment", "GBP 80.00")).toBe(`Paiement partiel : reste 80,00${NBSP}GBP`);
    expect(fr("partialPayment", "about 80")).toBe("Paiement partiel : reste about 80");
    // A count is never turned into money.
    expect(fr("amountCombination", "12")).toBe("Montant égal à 12 factures du client");
    expect(fr("partialPayment")).toBe("Paiement partiel : reste —");
  });

  it("falls back to the code and its detail for a code it does not know", () => {
    expect(fr("sameDayTransfer", "J+0")).toBe("sameDayTransfer : J+0");
    expect(en("sameDayTransfer", "J+0")).toBe("sameDayTransfer: J+0");
    expect(fr("sameDayTransfer")).toBe("sameDayTransfer");
    expect(fr("toString", "x")).toBe("toString : x");
  });
});

describe("confidence", () => {
  it("is high from the automatic threshold, medium from 50, low below", () => {
    expect(confidenceBand(100, 90)).toBe("high");
    expect(confidenceBand(90, 90)).toBe("high");
    expect(confidenceBand(89, 90)).toBe("medium");
    expect(confidenceBand(50, 90)).toBe("medium");
    expect(confidenceBand(49, 90)).toBe("low");
    expect(confidenceBand(0, 90)).toBe("low");
    // A threshold under 50 leaves no room for a medium band above it.
    expect(confidenceBand(40, 40)).toBe("high");
    expect(confidenceBand(39, 40)).toBe("low");
  });

  it("draws its bar between 0 and 100", () => {
    expect(confidencePercent(72)).toBe(72);
    expect(confidencePercent(130)).toBe(100);
    expect(confidencePercent(-3)).toBe(0);
  });
});

describe("amounts", () => {
  it("tells zero from the rest by reading the digits", () => {
    for (const zero of ["0", "0.00", "-0.0", "000.000"]) expect(isZeroAmount(zero), zero).toBe(true);
    for (const other of ["0.01", "-0.001", "10", "", "abc"]) expect(isZeroAmount(other), other).toBe(false);
    expect(isSomeAmount("265.44")).toBe(true);
    expect(isSomeAmount("0.00")).toBe(false);
    expect(isSomeAmount("")).toBe(false);
  });
});

describe("formatIban", () => {
  it("groups by four", () => {
    expect(formatIban("FR7630006000011234567890189")).toBe("FR76 3000 6000 0112 3456 7890 189");
    expect(formatIban("fr76 3000 6000 0112")).toBe("FR76 3000 6000 0112");
    expect(formatIban("")).toBe("");
  });
});

describe("summarizeTexts", () => {
  it("joins the texts and cuts a long line", () => {
    expect(summarizeTexts(["VIR SEPA ACME", " ", "RF18"])).toEqual({ short: "VIR SEPA ACME · RF18", truncated: false });
    expect(summarizeTexts([])).toEqual({ short: "", truncated: false });
    const long = summarizeTexts(COMBINATION.texts, 40);
    expect(long.truncated).toBe(true);
    expect(long.short).toBe("VIREMENT GAMMA DISTRIBUTION REGLEMENT FA…");
    // A cut just after a separator does not leave it dangling.
    expect(summarizeTexts(["ABCDEF", "GHIJ"], 9).short).toBe("ABCDEF…");
  });
});

describe("parseInvoiceNumbers", () => {
  it("splits on spaces, commas and semicolons, in the order typed, each number once", () => {
    expect(parseInvoiceNumbers("F-2026-0031, F-2026-0032;AV-2026-003  F-2026-0040")).toEqual([
      "F-2026-0031",
      "F-2026-0032",
      "AV-2026-003",
      "F-2026-0040",
    ]);
    expect(parseInvoiceNumbers("  F-2\tF-1\nF-2 ;; , F-1 ")).toEqual(["F-2", "F-1"]);
    // Non-breaking spaces pasted from a PDF or a spreadsheet separate too.
    expect(parseInvoiceNumbers("F-1\u00a0F-2\u202fF-3")).toEqual(["F-1", "F-2", "F-3"]);
  });

  it("keeps each number as written", () => {
    expect(parseInvoiceNumbers("f-1 F-1 2026/0042 FA.12")).toEqual(["f-1", "F-1", "2026/0042", "FA.12"]);
  });

  it("gives nothing for blank text or separators only", () => {
    expect(parseInvoiceNumbers("")).toEqual([]);
    expect(parseInvoiceNumbers(" ,; \t\n")).toEqual([]);
  });
});

describe("withLine", () => {
  const VIEW: ReconciliationView = {
    asOf: "2026-11-23",
    lines: [CLEAR, UNKNOWN, COMBINATION],
    unmatched: 3,
    auto: 1,
    manual: 0,
    ignored: 1,
    autoThreshold: 90,
  };
  const accepted = { ...CLEAR, state: "manual", proposals: [] };

  it("drops a payment that is no longer unmatched from the unmatched list, and moves the counts", () => {
    const next = withLine(VIEW, accepted, false);
    expect(next.lines.map((line) => line.paymentId)).toEqual([102, 103]);
    expect([next.unmatched, next.auto, next.manual, next.ignored]).toEqual([2, 1, 1, 1]);
    expect(VIEW.lines).toHaveLength(3);
  });

  it("replaces it in place when every payment is shown", () => {
    const next = withLine({ ...VIEW, lines: [CLEAR, UNKNOWN, MATCHED, IGNORED] }, accepted, true);
    expect(next.lines.map((line) => [line.paymentId, line.state])).toEqual([
      [101, "manual"],
      [102, "unmatched"],
      [104, "auto"],
      [105, "ignored"],
    ]);
  });

  it("keeps the counts when the state is the same (a rejected proposal)", () => {
    const next = withLine(VIEW, { ...CLEAR, proposals: CLEAR.proposals.slice(1) }, false);
    expect(next.lines[0]?.proposals.map((proposal) => proposal.key)).toEqual(["p101-b"]);
    expect([next.unmatched, next.manual]).toEqual([3, 0]);
  });

  it("brings an unmatched payment back in the counts", () => {
    const next = withLine({ ...VIEW, lines: [MATCHED] }, { ...MATCHED, state: "unmatched" }, true);
    expect([next.unmatched, next.auto]).toEqual([4, 0]);
  });

  it("leaves the view as it was for a payment it does not show", () => {
    const next = withLine(VIEW, MATCHED, false);
    expect(next.lines).toEqual(VIEW.lines);
    expect(next.auto).toBe(1);
  });
});
