/**
 * The current UI language, as reactive state. French is the default; the choice is remembered
 * in localStorage. Reading `t()` or `locale.current` inside a component makes it re-render on change.
 */
import { DICTIONARIES, interpolate, LOCALES, type Locale, type MessageKey } from "./messages";
import { formatCount, formatCurrencyAmount, formatDate, formatMoney } from "./format";

const STORAGE_KEY = "encours.locale";

function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

function storedLocale(): Locale {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return isLocale(value) ? value : "fr";
  } catch {
    return "fr";
  }
}

const state = $state<{ current: Locale }>({ current: storedLocale() });

function applyToDocument(value: Locale): void {
  if (typeof document !== "undefined") document.documentElement.lang = value;
}
applyToDocument(state.current);

export const locale = {
  get current(): Locale {
    return state.current;
  },
  set(value: Locale): void {
    state.current = value;
    applyToDocument(value);
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, value);
    } catch {
      // Storage can be unavailable (private mode, tests): the choice then lasts for the session.
    }
  },
};

/** The text for `key` in the current language, with `{placeholders}` filled in. */
export function t(key: MessageKey, params?: Readonly<Record<string, string | number>>): string {
  return interpolate(DICTIONARIES[state.current][key], params);
}

/** Money from a backend decimal string, in the current language. */
export function money(value: string, currency: string): string {
  return formatMoney(value, currency, state.current);
}

export function count(value: number | bigint): string {
  return formatCount(value, state.current);
}

/** A backend "CODE amount" pair ("USD 120.00"), in the current language. */
export function currencyAmount(value: string): string {
  return formatCurrencyAmount(value, state.current);
}

export function date(isoDate: string): string {
  return formatDate(isoDate, state.current);
}
