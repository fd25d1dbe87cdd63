/**
 * Days and percentages as the dashboard writes them, in the current language, from the core's
 * decimal strings ("45.25" → "45,3 j", "39.9" → "39,9 %"). A missing figure (`null`) reads "—".
 * Called from components, so a change of language re-renders them.
 */
import { count, locale, t } from "../i18n";
import { formatDecimal } from "./decimal";

/** Days with one decimal ("52,4 j"); "—" when not available. */
export function daysText(value: string | null): string {
  return value === null ? t("dashboard.none") : t("dashboard.days", { value: formatDecimal(value, 1, locale.current) });
}

/** Whole days ("124 j"). */
export function wholeDaysText(days: number): string {
  return t("dashboard.days", { value: count(days) });
}

/** A percentage with one decimal ("39,9 %"); "—" when not available. */
export function percentText(value: string | null): string {
  return value === null ? t("dashboard.none") : t("dashboard.percent", { value: formatDecimal(value, 1, locale.current) });
}
