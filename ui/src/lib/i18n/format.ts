/**
 * Locale formatting for amounts, counts and dates, by string manipulation only.
 *
 * Money never goes through a JavaScript number: the backend sends decimals as strings
 * ("1234567.8") and they are rounded and grouped here digit by digit.
 *
 * Conventions (the same as `Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" })`):
 * - French: thousands separator U+202F (narrow no-break space), decimal comma, then U+00A0
 *   (no-break space) before the currency symbol: "1 234 567,80 €"; negative: "-1 234,50 €".
 * - English: "€1,234,567.80", negative "-€1,234.50".
 * - Two decimals, rounded half away from zero ("0.005" → "0,01 €", "-0.005" → "-0,01 €").
 */
import type { Locale } from "./messages";

/** U+202F NARROW NO-BREAK SPACE: the French thousands separator (CLDR / Intl fr-FR). */
export const NNBSP = "\u202F";
/** U+00A0 NO-BREAK SPACE: between an amount and its currency symbol. */
export const NBSP = "\u00A0";

export interface ParsedDecimal {
  negative: boolean;
  /** Integer digits without leading zeros ("0" for zero). */
  integer: string;
  /** Fraction digits as written (may be empty). */
  fraction: string;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Parses a plain decimal string ("-1234.50"); `null` when it is not one. */
export function parseDecimal(value: string): ParsedDecimal | null {
  const match = DECIMAL.exec(value.trim());
  if (!match) return null;
  const [, sign = "", integer = "0", fraction = ""] = match;
  return { negative: sign === "-", integer: integer.replace(/^0+(?=\d)/, ""), fraction };
}

/** Adds one to a string of decimal digits ("199" → "200", "999" → "1000"). */
function incrementDigits(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === "9") {
      out[i] = "0";
    } else {
      out[i] = String.fromCharCode((out[i] ?? "0").charCodeAt(0) + 1);
      return out.join("");
    }
  }
  return "1" + out.join("");
}

/** Rounds to `places` fraction digits, half away from zero. The result has exactly `places` digits. */
export function roundDecimal(value: ParsedDecimal, places: number): ParsedDecimal {
  const kept = value.fraction.slice(0, places).padEnd(places, "0");
  let digits = value.integer + kept;
  const next = value.fraction.charAt(places);
  if (next !== "" && next >= "5") digits = incrementDigits(digits);
  const integer = (places === 0 ? digits : digits.slice(0, -places)).replace(/^0+(?=\d)/, "") || "0";
  const fraction = places === 0 ? "" : digits.slice(-places);
  const isZero = /^0*$/.test(integer + fraction);
  return { negative: value.negative && !isZero, integer, fraction };
}

/** Inserts `separator` every three digits from the right ("1234567" → "1 234 567"). */
export function groupThousands(integer: string, separator: string): string {
  let out = "";
  for (let i = integer.length; i > 0; i -= 3) {
    const chunk = integer.slice(Math.max(0, i - 3), i);
    out = out === "" ? chunk : chunk + separator + out;
  }
  return out;
}

const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = { EUR: "€" };

/**
 * Formats a decimal string as money in `locale`. Anything that is not a plain decimal string is
 * returned unchanged, so a malformed value is shown as received rather than as a wrong number.
 */
export function formatMoney(value: string, currency: string, locale: Locale): string {
  const parsed = parseDecimal(value);
  if (!parsed) return value;
  const { negative, integer, fraction } = roundDecimal(parsed, 2);
  const sign = negative ? "-" : "";
  const symbol = CURRENCY_SYMBOLS[currency];
  if (locale === "fr") {
    return `${sign}${groupThousands(integer, NNBSP)},${fraction}${NBSP}${symbol ?? currency}`;
  }
  const amount = `${groupThousands(integer, ",")}.${fraction}`;
  return symbol ? `${sign}${symbol}${amount}` : `${sign}${currency}${NBSP}${amount}`;
}

/** Formats a count (an integer, never money) with the locale's thousands separator. */
export function formatCount(value: number | bigint, locale: Locale): string {
  const text = value.toString();
  const match = /^(-?)(\d+)$/.exec(text);
  if (!match) return text;
  const [, sign = "", digits = ""] = match;
  return sign + groupThousands(digits, locale === "fr" ? NNBSP : ",");
}

/**
 * Formats a backend "CODE amount" pair ("USD 120.00") as money; anything else is returned unchanged.
 */
export function formatCurrencyAmount(value: string, locale: Locale): string {
  const match = /^([A-Z]{3}) (\S+)$/.exec(value.trim());
  if (!match) return value;
  const [, currency = "", amount = ""] = match;
  return parseDecimal(amount) ? formatMoney(amount, currency, locale) : value;
}

const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2026-11-23" → "23/11/2026" (fr) or "23 Nov 2026" (en); anything else is returned unchanged. */
export function formatDate(isoDate: string, locale: Locale): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) return isoDate;
  const [, year = "", month = "", day = ""] = match;
  const monthName = MONTHS_EN[Number(month) - 1];
  if (monthName === undefined || day === "00" || day > "31") return isoDate;
  return locale === "fr" ? `${day}/${month}/${year}` : `${day} ${monthName} ${year}`;
}

/** "732829320" → "732 829 320" (no-break spaces, so it never wraps). Other input unchanged. */
export function formatSiren(siren: string): string {
  return /^\d{9}$/.test(siren) ? groupThousands(siren, NBSP) : siren;
}
