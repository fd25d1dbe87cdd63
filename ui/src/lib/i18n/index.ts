export { LOCALES, type Locale, type MessageKey } from "./messages";
export { locale, t, money, count, date } from "./locale.svelte";
export { formatMoney, formatCount, formatDate, formatSiren } from "./format";
