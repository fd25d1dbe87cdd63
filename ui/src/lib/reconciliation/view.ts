/**
 * What the reconciliation screen shows, computed without Svelte so it can be tested alone:
 * the wording of the engine's reasons, the confidence bands, the invoice numbers typed for a
 * manual match, and how the view changes when one payment comes back from an action. Amounts stay
 * decimal strings throughout.
 */
import type { BankLineView } from "../bindings/BankLineView";
import type { MatchReason } from "../bindings/MatchReason";
import type { ReconciliationView } from "../bindings/ReconciliationView";
import { formatCurrencyAmount, formatMoney, parseDecimal } from "../i18n/format";
import { DICTIONARIES, interpolate, type Locale, type MessageKey } from "../i18n/messages";

/** The states of a bank payment, as the core names them. */
export const LINE_STATES = ["unmatched", "auto", "manual", "ignored"] as const;
export type LineState = (typeof LINE_STATES)[number];

export function isLineState(value: string): value is LineState {
  return (LINE_STATES as readonly string[]).includes(value);
}

/**
 * The text of each reason code. The engine's `detail` is, per code: `structuredReference` the
 * reference (RF…), `invoiceNumberInText` the number found, `amountCombination` how many invoices,
 * `partialPayment` what stays open and `overpayment` the excess (decimal strings); the other
 * codes may carry a detail (the amount, the IBAN, the payer, the credit note…), shown after them.
 */
const REASONS: Readonly<Record<string, MessageKey>> = {
  structuredReference: "reconciliation.reason.structuredReference",
  invoiceNumberInText: "reconciliation.reason.invoiceNumberInText",
  exactAmount: "reconciliation.reason.exactAmount",
  amountCombination: "reconciliation.reason.amountCombination",
  payerIbanKnown: "reconciliation.reason.payerIbanKnown",
  payerNameKnown: "reconciliation.reason.payerNameKnown",
  partialPayment: "reconciliation.reason.partialPayment",
  overpayment: "reconciliation.reason.overpayment",
  creditNoteOffset: "reconciliation.reason.creditNoteOffset",
  ambiguous: "reconciliation.reason.ambiguous",
  amountOnly: "reconciliation.reason.amountOnly",
};

/** Codes whose detail is an amount in the payment's currency. */
const MONEY_DETAIL: ReadonlySet<string> = new Set(["exactAmount", "partialPayment", "overpayment"]);

/**
 * A reason in plain words. A code the UI does not know yet is shown as the code and its detail,
 * so a newer engine never hides why it proposes something.
 */
export function reasonText(reason: MatchReason, currency: string, locale: Locale): string {
  const dictionary = DICTIONARIES[locale];
  const withDetail = (text: string, detail: string): string =>
    detail === "" ? text : interpolate(dictionary["reconciliation.reason.withDetail"], { reason: text, detail });
  const raw = reason.detail.trim();
  if (!Object.hasOwn(REASONS, reason.code)) return withDetail(reason.code, raw);
  const key = REASONS[reason.code] as MessageKey;
  let detail = raw;
  if (MONEY_DETAIL.has(reason.code)) {
    // "120.5" in the payment's currency; "USD 120.50" as written; anything else as is.
    detail = parseDecimal(raw) ? formatMoney(raw, currency, locale) : formatCurrencyAmount(raw, locale);
  }
  const template = dictionary[key];
  if (template.includes("{detail}")) return interpolate(template, { detail: detail === "" ? "—" : detail });
  return withDetail(template, detail);
}

export type ConfidenceBand = "high" | "medium" | "low";

/**
 * High from the automatic threshold (what a run would apply by itself), medium from 50 (worth a
 * look), low below.
 */
export function confidenceBand(confidence: number, autoThreshold: number): ConfidenceBand {
  if (confidence >= autoThreshold) return "high";
  return confidence >= Math.min(50, autoThreshold) ? "medium" : "low";
}

/** A confidence clamped to 0–100, for the width of its bar. */
export function confidencePercent(confidence: number): number {
  return Math.min(100, Math.max(0, Math.round(confidence)));
}

/** True for "0", "0.00", "-0.0"; false for anything else, including what is not a decimal. */
export function isZeroAmount(value: string): boolean {
  const parsed = parseDecimal(value);
  return parsed !== null && /^0*$/.test(parsed.integer + parsed.fraction);
}

/** True when an amount is worth showing: a decimal other than zero (empty means "none"). */
export function isSomeAmount(value: string): boolean {
  return value.trim() !== "" && !isZeroAmount(value);
}

/** "FR7630006000011234567890189" → "FR76 3000 6000 0112 3456 7890 189" (display only). */
export function formatIban(iban: string): string {
  const compact = iban.replace(/\s+/g, "").toUpperCase();
  return compact.match(/.{1,4}/g)?.join(" ") ?? compact;
}

/** The texts of a payment on one line, cut at `limit` characters. */
export function summarizeTexts(texts: readonly string[], limit = 110): { short: string; truncated: boolean } {
  const joined = texts
    .map((text) => text.trim())
    .filter((text) => text !== "")
    .join(" · ");
  if (joined.length <= limit) return { short: joined, truncated: false };
  return { short: `${joined.slice(0, limit).replace(/[\s·]+$/, "")}…`, truncated: true };
}

/**
 * The invoice numbers typed for a manual match: split on whitespace, commas and semicolons,
 * blanks dropped, in the order typed, each once. Numbers are compared as written (the core
 * matches BT-1 numbers exactly), so "f-1" and "F-1" stay two numbers.
 */
export function parseInvoiceNumbers(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[\s,;]+/)) if (part !== "") seen.add(part);
  return [...seen];
}

/**
 * The view once `line` came back from an action: the line is replaced where it was, or dropped
 * when only unmatched payments are listed and it is no longer one; the counts follow its move
 * from its old state to its new one.
 */
export function withLine(view: ReconciliationView, line: BankLineView, all: boolean): ReconciliationView {
  const index = view.lines.findIndex((candidate) => candidate.paymentId === line.paymentId);
  const before = index >= 0 ? view.lines[index] : undefined;
  const lines = [...view.lines];
  if (index >= 0) {
    if (!all && line.state !== "unmatched") lines.splice(index, 1);
    else lines.splice(index, 1, line);
  }
  const next: ReconciliationView = { ...view, lines };
  if (before && before.state !== line.state) {
    if (isLineState(before.state)) next[before.state] = Math.max(0, next[before.state] - 1);
    if (isLineState(line.state)) next[line.state] += 1;
  }
  return next;
}
