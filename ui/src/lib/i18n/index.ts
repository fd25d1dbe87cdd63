export { LOCALES, type Locale, type MessageKey } from "./messages";
export { locale, t, money, count, date, currencyAmount } from "./locale.svelte";
export { formatMoney, formatCount, formatCurrencyAmount, formatDate, formatSiren } from "./format";
