/**
 * What the dispute screens compute without the core: the reason and outcome codes the core
 * accepts (crates/app/src/disputes.rs), the checks of the forms before they are sent, and how an
 * attached file can be shown in the window (images as data URLs, text as text; the CSP allows
 * `data:` images only, so other files are exported instead). Amounts stay decimal strings.
 */
import type { MessageKey } from "../i18n";

/** The reason categories, in the order they are offered (legal-rules B.2 mapping in the core). */
export const REASONS = [
  "price",
  "quantity",
  "quality",
  "delivery",
  "duplicate",
  "vat",
  "missing_reference",
  "other",
] as const;
export type ReasonCode = (typeof REASONS)[number];

/** How a dispute can end. */
export const OUTCOMES = ["credit_note", "corrected", "partial", "rejected"] as const;
export type OutcomeCode = (typeof OUTCOMES)[number];

export const TASK_STATES = ["todo", "done", "cancelled"] as const;
export const NOTE_KINDS = ["note", "call", "decision"] as const;

export const reasonKey = (code: string): MessageKey =>
  ((REASONS as readonly string[]).includes(code) ? `disputes.reason.${code}` : "disputes.reason.other") as MessageKey;
export const outcomeKey = (code: string): MessageKey =>
  ((OUTCOMES as readonly string[]).includes(code) || code === "status"
    ? `disputes.outcome.${code}`
    : "disputes.outcome.status") as MessageKey;
export const timelineKey = (kind: string): MessageKey => `disputes.timeline.${kind}` as MessageKey;
export const taskStateKey = (state: string): MessageKey => `disputes.taskState.${state}` as MessageKey;

/** A decimal amount as typed (comma or point, spaces allowed), normalised; null when not one. */
export function parseAmount(typed: string): string | null {
  const s = typed.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return null;
  return s;
}

/** Invoice numbers typed separated by commas, semicolons or spaces. */
export function invoiceNumbers(typed: string): string[] {
  return typed
    .split(/[\s,;]+/)
    .map((n) => n.trim())
    .filter((n) => n.length > 0);
}

export interface NewDisputeForm {
  invoices: string;
  clientId: string;
  reason: string;
  amount: string;
  note: string;
}

export type NewDisputeProblem = "target" | "client" | "amount";

/** What is wrong with the new-dispute form, or null. */
export function newDisputeProblem(f: NewDisputeForm): NewDisputeProblem | null {
  if (invoiceNumbers(f.invoices).length === 0 && f.clientId.trim() === "") return "target";
  if (f.clientId.trim() !== "" && !/^\d+$/.test(f.clientId.trim())) return "client";
  if (f.amount.trim() !== "" && parseAmount(f.amount) === null) return "amount";
  return null;
}

export interface ResolveForm {
  outcome: OutcomeCode;
  creditNote: string;
  corrected: string;
  accepted: string;
  note: string;
}

export type ResolveProblem = "creditNote" | "corrected" | "accepted";

/** What is wrong with the resolution form, or null (the core checks the rest against the ledger). */
export function resolveProblem(f: ResolveForm): ResolveProblem | null {
  if (f.outcome === "credit_note" && f.creditNote.trim() === "") return "creditNote";
  if (f.outcome === "corrected" && f.corrected.trim() === "") return "corrected";
  if (f.outcome === "partial" && parseAmount(f.accepted) === null) return "accepted";
  return null;
}

/** How the window can show a file of this media type. */
export function viewable(mediaType: string): "image" | "text" | "none" {
  if (["image/png", "image/jpeg", "image/gif", "image/webp"].includes(mediaType)) return "image";
  if (mediaType.startsWith("text/") || mediaType === "message/rfc822" || mediaType === "application/xml") return "text";
  return "none";
}

/** A data URL of the bytes (for an image). */
export function dataUrl(mediaType: string, bytes: readonly number[]): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.slice(i, i + chunk));
  }
  return `data:${mediaType};base64,${btoa(binary)}`;
}

/** The bytes as UTF-8 text (invalid sequences replaced), for a text file or an e-mail. */
export function asText(bytes: readonly number[]): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(new Uint8Array(bytes));
}

/** A size in bytes in words: "812 o", "12,4 Ko", "3,1 Mo" (French) or "812 B", "12.4 KB" (English). */
export function humanSize(size: number, lang: "fr" | "en"): string {
  const units = lang === "fr" ? ["o", "Ko", "Mo"] : ["B", "KB", "MB"];
  if (size < 1024) return `${size} ${units[0]}`;
  const kb = size / 1024;
  const [n, unit] = kb < 1024 ? [kb, units[1]] : [kb / 1024, units[2]];
  const text = n.toFixed(1);
  return `${lang === "fr" ? text.replace(".", ",") : text} ${unit}`;
}
