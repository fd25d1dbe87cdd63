/**
 * Text of the value axis. Ticks are round scale marks the library picks (0, 50 000, 100 000…), not
 * figures of the dossier: they are rounded to a whole number and grouped like counts. Every figure
 * a person reads comes from a decimal string, in the tooltip or the table beside the chart.
 */
import { formatCount, NBSP } from "../../i18n/format";
import type { Locale } from "../../i18n/messages";

/** "250 k€" (fr) / "€250k" (en) from 1 000 up; "800 €" / "€800" below. */
export function moneyAxis(value: number, locale: Locale): string {
  const thousands = Math.abs(value) >= 1000;
  const shown = formatCount(Math.round(thousands ? value / 1000 : value), locale);
  if (locale === "fr") return `${shown}${NBSP}${thousands ? "k€" : "€"}`;
  const sign = shown.startsWith("-") ? "-" : "";
  return `${sign}€${shown.replace(/^-/, "")}${thousands ? "k" : ""}`;
}

/** "45 j" (fr) / "45 d" (en). */
export function daysAxis(value: number, locale: Locale): string {
  return `${formatCount(Math.round(value), locale)}${NBSP}${locale === "fr" ? "j" : "d"}`;
}
