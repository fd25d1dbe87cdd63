/**
 * Where the user is in an open dossier, as a value: a section, a client page or an invoice (which
 * opens its client's page). Routes are written in the URL's hash (`#portfolio`, `#client/42`,
 * `#invoice/F-2026-0042`) so that a deep link opens the same place, and kept in a small history for
 * back and forward. Pure functions: the Svelte side is `navigator.svelte.ts`.
 */
import type { Section } from "../components/Sidebar.svelte";

export type Route =
  | { kind: "section"; section: Section }
  | { kind: "client"; id: number; invoice?: string }
  | { kind: "invoice"; number: string };

/** Every section, in the sidebar's order. */
export const SECTIONS: readonly Section[] = [
  "dashboard",
  "portfolio",
  "dailyPlan",
  "dunning",
  "letters",
  "reconciliation",
  "disputes",
  "alerts",
  "imports",
  "sync",
  "settings",
];

/**
 * The sections Alt+1…9 then Alt+0 reach, in this order: the sidebar's, less Sync (eleven sections,
 * ten digits; sync runs on its own schedule and stays one click or the palette away).
 */
const SHORTCUT_SECTIONS: readonly Section[] = SECTIONS.filter((s) => s !== "sync");

/** The key of Alt+key that opens a section ("1"…"9", then "0"). */
export function shortcutOf(section: Section): string | null {
  const k = SHORTCUT_SECTIONS.indexOf(section);
  if (k < 0 || k > 9) return null;
  return k === 9 ? "0" : String(k + 1);
}

/** The section Alt+`key` opens, if any. */
export function sectionOfShortcut(key: string): Section | null {
  if (!/^[0-9]$/.test(key)) return null;
  const k = key === "0" ? 9 : Number(key) - 1;
  return SHORTCUT_SECTIONS[k] ?? null;
}

/** The hash of a route (without `#`). */
export function formatRoute(route: Route): string {
  switch (route.kind) {
    case "section":
      return route.section;
    case "client":
      return route.invoice ? `client/${route.id}/${encodeURIComponent(route.invoice)}` : `client/${route.id}`;
    case "invoice":
      return `invoice/${encodeURIComponent(route.number)}`;
  }
}

/** The route a hash names (with or without `#`), or null when it names none. */
export function parseRoute(hash: string): Route | null {
  const h = hash.replace(/^#/, "");
  if ((SECTIONS as readonly string[]).includes(h)) return { kind: "section", section: h as Section };
  const client = /^client\/(\d{1,15})(?:\/(.+))?$/.exec(h);
  if (client) {
    const id = Number(client[1]);
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    try {
      return client[2] ? { kind: "client", id, invoice: decodeURIComponent(client[2]) } : { kind: "client", id };
    } catch {
      return { kind: "client", id };
    }
  }
  const invoice = /^invoice\/(.+)$/.exec(h);
  if (invoice?.[1]) {
    try {
      const number = decodeURIComponent(invoice[1]).trim();
      return number ? { kind: "invoice", number } : null;
    } catch {
      return null;
    }
  }
  return null;
}

export function sameRoute(a: Route, b: Route): boolean {
  return formatRoute(a) === formatRoute(b);
}

/** Back/forward history: a list and a position; going somewhere new drops the forward part. */
export interface History {
  entries: Route[];
  index: number;
}

export const HISTORY_LIMIT = 50;

export function start(route: Route): History {
  return { entries: [route], index: 0 };
}

export function push(h: History, route: Route): History {
  const current = h.entries[h.index];
  if (current && sameRoute(current, route)) return h;
  const entries = [...h.entries.slice(0, h.index + 1), route].slice(-HISTORY_LIMIT);
  return { entries, index: entries.length - 1 };
}

/** Replaces the current entry (an invoice link resolved to its client). */
export function replace(h: History, route: Route): History {
  const entries = [...h.entries];
  entries[h.index] = route;
  return { entries, index: h.index };
}

export function back(h: History): History {
  return h.index > 0 ? { entries: h.entries, index: h.index - 1 } : h;
}

export function forward(h: History): History {
  return h.index < h.entries.length - 1 ? { entries: h.entries, index: h.index + 1 } : h;
}

export function current(h: History): Route {
  return h.entries[h.index] ?? { kind: "section", section: "dashboard" };
}

/** The section the sidebar marks for a route (a client page belongs to the portfolio). */
export function sectionOf(route: Route): Section {
  return route.kind === "section" ? route.section : "portfolio";
}

/** The client page a route shows, if it shows one. */
export function clientOf(route: Route): { id: number; invoice: string | undefined } | null {
  return route.kind === "client" ? { id: route.id, invoice: route.invoice } : null;
}
