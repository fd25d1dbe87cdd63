/** Names of the lifecycle statuses the dictionaries know (legal-rules B.3 table, 200–221). */
import type { MessageKey } from "../i18n";

const KNOWN = new Set([200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 220, 221]);

/** The message key of a status code's name, or null for a code without a name here. */
export function statusKey(code: number): MessageKey | null {
  return KNOWN.has(code) ? (`lifecycle.${code}` as MessageKey) : null;
}
