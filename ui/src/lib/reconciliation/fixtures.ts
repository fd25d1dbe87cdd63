/**
 * Bank payments for the reconciliation tests: one of each kind a credit manager meets (a clear
 * match with a weaker alternative, a payment with nothing to propose, a combination with a credit
 * note and an overpayment, a payment matched by a run, one set aside).
 */
import type { BankLineView } from "../bindings/BankLineView";
import type { ClientRef } from "../bindings/ClientRef";
import type { DossierSummary } from "../bindings/DossierSummary";

export const ACME: ClientRef = { id: 7, name: "ACME Industrie SAS" };
export const BETA: ClientRef = { id: 8, name: "Bêta Services SARL" };
export const GAMMA: ClientRef = { id: 9, name: "Gamma Distribution" };

/** Clear match (97, structured reference) and a partial alternative (41). */
export const CLEAR: BankLineView = {
  paymentId: 101,
  bookedOn: "2026-11-20",
  amount: "1234.56",
  unallocated: "1234.56",
  currency: "EUR",
  payerName: "ACME INDUSTRIE",
  payerIban: "FR7630006000011234567890189",
  texts: ["VIR SEPA ACME INDUSTRIE", "RF18539007547034"],
  state: "unmatched",
  client: null,
  allocations: [],
  proposals: [
    {
      key: "p101-a",
      client: ACME,
      allocations: [{ invoiceId: 42, number: "F-2026-0042", amount: "1234.56", residual: "0.00" }],
      unallocated: "0.00",
      confidence: 97,
      reasons: [
        { code: "structuredReference", detail: "RF18539007547034" },
        { code: "exactAmount", detail: "" },
        { code: "payerIbanKnown", detail: "" },
      ],
    },
    {
      key: "p101-b",
      client: BETA,
      allocations: [{ invoiceId: 51, number: "F-2026-0051", amount: "1234.56", residual: "265.44" }],
      unallocated: "0.00",
      confidence: 41,
      reasons: [
        { code: "partialPayment", detail: "265.44" },
        { code: "amountOnly", detail: "" },
      ],
    },
  ],
  source: "/releves/novembre.xml: /Document/BkToCstmrStmt/Stmt/Ntry[3]",
};

/** Nothing to propose, no payer, no text. */
export const UNKNOWN: BankLineView = {
  paymentId: 102,
  bookedOn: "2026-11-21",
  amount: "80",
  unallocated: "80",
  currency: "EUR",
  payerName: null,
  payerIban: null,
  texts: [],
  state: "unmatched",
  client: null,
  allocations: [],
  proposals: [],
  source: "/releves/novembre.cfonb: line 14",
};

/** Three invoices less a credit note, 50.00 paid too much (72: to review). */
export const COMBINATION: BankLineView = {
  paymentId: 103,
  bookedOn: "2026-11-22",
  amount: "5000.00",
  unallocated: "5000.00",
  currency: "EUR",
  payerName: "GAMMA DISTRIBUTION",
  payerIban: "FR7617515900000800000000000",
  texts: [
    "VIREMENT GAMMA DISTRIBUTION REGLEMENT FACTURES F-2026-0031 F-2026-0032 AVOIR AV-2026-003 SOLDE NOVEMBRE 2026",
    "REF CLIENT 411GAMMA",
  ],
  state: "unmatched",
  client: null,
  allocations: [],
  proposals: [
    {
      key: "p103",
      client: GAMMA,
      allocations: [
        { invoiceId: 31, number: "F-2026-0031", amount: "3000.00", residual: "0.00" },
        { invoiceId: 32, number: "F-2026-0032", amount: "2100.00", residual: "0.00" },
        { invoiceId: 33, number: "AV-2026-003", amount: "-150.00", residual: "0.00" },
      ],
      unallocated: "50.00",
      confidence: 72,
      reasons: [
        { code: "amountCombination", detail: "3" },
        { code: "creditNoteOffset", detail: "AV-2026-003" },
        { code: "overpayment", detail: "50.00" },
      ],
    },
  ],
  source: "/releves/novembre.xml: /Document/BkToCstmrStmt/Stmt/Ntry[5]",
};

/** Matched by a run. */
export const MATCHED: BankLineView = {
  paymentId: 104,
  bookedOn: "2026-11-02",
  amount: "600.00",
  unallocated: "0.00",
  currency: "EUR",
  payerName: "ACME INDUSTRIE",
  payerIban: "FR7630006000011234567890189",
  texts: ["VIR ACME F-2026-0040"],
  state: "auto",
  client: ACME,
  allocations: [{ invoiceId: 40, number: "F-2026-0040", amount: "600.00", residual: "" }],
  proposals: [],
  source: "/releves/octobre.xml: /Document/BkToCstmrStmt/Stmt/Ntry[1]",
};

/** Set aside: a refund from a social body, not a customer. */
export const IGNORED: BankLineView = {
  paymentId: 105,
  bookedOn: "2026-11-05",
  amount: "312.00",
  unallocated: "312.00",
  currency: "EUR",
  payerName: "URSSAF",
  payerIban: null,
  texts: ["REMBOURSEMENT TROP PERCU"],
  state: "ignored",
  client: null,
  allocations: [],
  proposals: [],
  source: "/releves/novembre.xml: /Document/BkToCstmrStmt/Stmt/Ntry[2]",
};

export const LINES: readonly BankLineView[] = [CLEAR, UNKNOWN, COMBINATION, MATCHED, IGNORED];

export const SUMMARY = { path: "/tmp/demo.encours", openBalance: "1000.00" } as DossierSummary;
