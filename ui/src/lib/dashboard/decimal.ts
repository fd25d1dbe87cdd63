/**
 * Decimal strings on the dashboard: the one conversion to a JavaScript number (for chart geometry),
 * and the string-only operations the screen needs besides money (compare, test for zero, show
 * days and percentages with the locale's separators).
 *
 * The core sends amounts, days and percentages as decimal strings ("1234.56", "45.2"). What the
 * user reads is always written from those strings, digit by digit (see `../i18n/format`); a float
 * only ever decides how tall a bar is or where a point sits.
 */
import { groupThousands, NNBSP, parseDecimal, roundDecimal, type ParsedDecimal } from "../i18n/format";
import type { Locale } from "../i18n/messages";

/**
 * The number a chart draws for `value`, a decimal string from the core. FOR GEOMETRY ONLY (bar
 * heights, point positions, the scale): never format the result for display, since a double cannot
 * hold every amount exactly; labels, tooltips and tables format the string itself.
 *
 * Anything that is not a plain decimal string draws as 0 (no bar): the table beside the chart shows
 * the value as received, so the odd value is still visible and never drawn as a wrong height.
 */
export function chartValue(value: string): number {
  return chartPoint(value) ?? 0;
}

/**
 * Like `chartValue`, for a point of a line that may be missing: `null` (not available, or not a
 * decimal) leaves a gap in the line instead of a fall to zero.
 */
export function chartPoint(value: string | null): number | null {
  if (value === null || !parseDecimal(value)) return null;
  const number = Number(value.trim());
  return Number.isFinite(number) ? number : null;
}

/** True when `value` is a decimal string equal to zero ("0.00", "-0"); false otherwise. */
export function isZeroDecimal(value: string): boolean {
  const parsed = parseDecimal(value);
  return parsed !== null && /^0*$/.test(parsed.integer + parsed.fraction);
}

/** True when `value` is a decimal string above zero. */
export function isPositiveDecimal(value: string): boolean {
  const parsed = parseDecimal(value);
  return parsed !== null && !parsed.negative && !isZeroDecimal(value);
}

/** Compares magnitudes of two parsed decimals (signs ignored). */
function compareMagnitudes(a: ParsedDecimal, b: ParsedDecimal): number {
  if (a.integer.length !== b.integer.length) return a.integer.length - b.integer.length;
  if (a.integer !== b.integer) return a.integer < b.integer ? -1 : 1;
  const places = Math.max(a.fraction.length, b.fraction.length);
  const fa = a.fraction.padEnd(places, "0");
  const fb = b.fraction.padEnd(places, "0");
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

const ZERO: ParsedDecimal = { negative: false, integer: "0", fraction: "" };

/**
 * Orders two decimal strings exactly (negative, zero or positive like `Array.sort` wants), without
 * floats. A value that is not a decimal string counts as zero.
 */
export function compareDecimals(a: string, b: string): number {
  const pa = isZeroDecimal(a) ? ZERO : (parseDecimal(a) ?? ZERO);
  const pb = isZeroDecimal(b) ? ZERO : (parseDecimal(b) ?? ZERO);
  if (pa.negative !== pb.negative) return pa.negative ? -1 : 1;
  const magnitude = compareMagnitudes(pa, pb);
  return pa.negative ? -magnitude : magnitude;
}

/**
 * A decimal string rounded to `places` (half away from zero) with the locale's separators:
 * "45.25" → "45,3" (fr) or "45.3" (en); "1234.5" → "1 234,5". Anything else is returned unchanged.
 */
export function formatDecimal(value: string, places: number, locale: Locale): string {
  const parsed = parseDecimal(value);
  if (!parsed) return value;
  const { negative, integer, fraction } = roundDecimal(parsed, places);
  const grouped = groupThousands(integer, locale === "fr" ? NNBSP : ",");
  const point = locale === "fr" ? "," : ".";
  return `${negative ? "-" : ""}${grouped}${fraction === "" ? "" : point + fraction}`;
}
