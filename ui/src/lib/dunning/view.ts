/**
 * Pure helpers of the dunning screens: grouping today's plan per client, the selection, the kept
 * rate as a percentage and the checks of the promise and outcome forms. Amounts stay decimal
 * strings: nothing here turns money into a JavaScript number.
 */
import type { PlannedActionView } from "../bindings/PlannedActionView";
import type { PhoneOutcomeInput } from "../bindings/PhoneOutcomeInput";
import { parseDecimal, roundDecimal } from "../i18n/format";
import type { Locale, MessageKey } from "../i18n/messages";
import { DICTIONARIES } from "../i18n/messages";

/** One client's planned actions, in the plan's order (most days late first). */
export interface ClientGroup {
  clientId: number;
  clientName: string;
  actions: PlannedActionView[];
}

/** Groups the plan's actions per client, clients in the order of their first action. */
export function groupByClient(actions: readonly PlannedActionView[]): ClientGroup[] {
  const groups = new Map<number, ClientGroup>();
  for (const action of actions) {
    let group = groups.get(action.clientId);
    if (!group) {
      group = { clientId: action.clientId, clientName: action.clientName, actions: [] };
      groups.set(action.clientId, group);
    }
    group.actions.push(action);
  }
  return [...groups.values()];
}

/** The selection after toggling `key`. */
export function toggle(selected: ReadonlySet<string>, key: string): Set<string> {
  const next = new Set(selected);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return next;
}

/** Every key selected, or none when every key already is ("select all" as a toggle). */
export function toggleAll(selected: ReadonlySet<string>, keys: readonly string[]): Set<string> {
  const all = keys.length > 0 && keys.every((key) => selected.has(key));
  return all ? new Set() : new Set(keys);
}

/** The selection without keys that are no longer listed (after a reload). */
export function keepListed(selected: ReadonlySet<string>, keys: readonly string[]): Set<string> {
  const listed = new Set(keys);
  return new Set([...selected].filter((key) => listed.has(key)));
}

/**
 * A kept rate from the core ("0.6667", kept ÷ due) as a percentage with one decimal, written in
 * `locale` ("66,7 %" / "66.7%"), by moving the decimal point: no floating point. `null` stays
 * `null` (no promise is due yet); anything unreadable is returned as received.
 */
export function ratePercent(rate: string | null, locale: Locale): string | null {
  if (rate === null) return null;
  const parsed = parseDecimal(rate);
  if (!parsed) return rate;
  const fraction = parsed.fraction.padEnd(2, "0");
  const shifted = { ...parsed, integer: (parsed.integer + fraction.slice(0, 2)).replace(/^0+(?=\d)/, ""), fraction: fraction.slice(2) };
  const { negative, integer, fraction: one } = roundDecimal(shifted, 1);
  const sign = negative ? "-" : "";
  return locale === "fr" ? `${sign}${integer},${one}\u00A0%` : `${sign}${integer}.${one}%`;
}

/**
 * An amount typed by a person ("1 234,5", "1234.50") as the core's decimal string ("1234.50"), or
 * `null` when it is not a positive amount with at most two decimals.
 */
export function parseAmount(input: string): string | null {
  const compact = input.replace(/[\s\u00A0\u202F]/g, "").replace(",", ".");
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(compact);
  if (!match) return null;
  const integer = (match[1] ?? "0").replace(/^0+(?=\d)/, "");
  const fraction = (match[2] ?? "").padEnd(2, "0");
  if (/^0+$/.test(integer + fraction)) return null;
  return `${integer}.${fraction}`;
}

/** Whether `value` is a real calendar date written YYYY-MM-DD (what a date input gives). */
export function isIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [, y = "", m = "", d = ""] = match;
  const day = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return day.getUTCFullYear() === Number(y) && day.getUTCMonth() === Number(m) - 1 && day.getUTCDate() === Number(d);
}

/** What the phone outcome form holds. */
export interface OutcomeForm {
  kind: PhoneOutcomeInput["kind"];
  date: string;
  amount: string;
  note: string;
}

/** Why the outcome form cannot be sent yet. */
export type OutcomeProblem = "date" | "amount" | "note";

/** The outcome to send, or the first field to fix. */
export function outcomeInput(form: OutcomeForm): { ok: PhoneOutcomeInput } | { problem: OutcomeProblem } {
  switch (form.kind) {
    case "promise": {
      if (!isIsoDate(form.date)) return { problem: "date" };
      const amount = parseAmount(form.amount);
      if (amount === null) return { problem: "amount" };
      return { ok: { kind: "promise", date: form.date, amount } };
    }
    case "dispute":
      return form.note.trim() === "" ? { problem: "note" } : { ok: { kind: "dispute", note: form.note.trim() } };
    case "wrong_contact":
      return { ok: { kind: "wrong_contact" } };
    case "no_answer":
      return { ok: { kind: "no_answer" } };
  }
}

/**
 * The message key `prefix.code` when the dictionary has it, else `null` (the screen then shows
 * the core's code as received: a new code is never hidden).
 */
export function codeKey(prefix: string, code: string): MessageKey | null {
  const key = `${prefix}.${code}`;
  return key in DICTIONARIES.fr ? (key as MessageKey) : null;
}

/** A phone number found in a task's text (the core has no phone field yet), or `null`. */
export function phoneNumber(text: string): string | null {
  const match = /(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}/.exec(text);
  return match ? match[0] : null;
}
