/**
 * Short dates for chart axes and week labels, by string manipulation (no `Date`, so no time zone
 * can move a day). Long dates use `formatDate` from `../i18n/format`.
 */
import type { Locale } from "../i18n/messages";

/** CLDR abbreviated month names ("nov." in French, "Nov" in English). */
const MONTHS: Readonly<Record<Locale, readonly string[]>> = {
  fr: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
  en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
};

/** "2026-11-30" → "30/11" (fr) or "30 Nov" (en): the day of a week label. Other input unchanged. */
export function shortDate(isoDate: string, locale: Locale): string {
  const match = /^\d{4}-(\d{2})-(\d{2})$/.exec(isoDate);
  const name = match ? MONTHS[locale][Number(match[1]) - 1] : undefined;
  if (!match || name === undefined) return isoDate;
  const [, month = "", day = ""] = match;
  return locale === "fr" ? `${day}/${month}` : `${day} ${name}`;
}

/**
 * "2026-11" → "nov. 2026" (fr) or "Nov 2026" (en); with `short`, "nov. 26" / "Nov 26" for an axis
 * of 24 months. Other input unchanged.
 */
export function monthLabel(month: string, locale: Locale, short = false): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const name = match ? MONTHS[locale][Number(match[2]) - 1] : undefined;
  if (!match || name === undefined) return month;
  const year = match[1] ?? "";
  return `${name} ${short ? year.slice(2) : year}`;
}
