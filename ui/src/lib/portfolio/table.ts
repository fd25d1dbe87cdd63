/**
 * The portfolio table's logic, apart from the DOM so that it is tested alone: search, filters,
 * sort on any column, the virtual window (which rows exist in the DOM), saved views and the CSV
 * export of the filtered rows.
 *
 * Money arrives as decimal strings with two decimals; sorting compares exact integer cents
 * (`BigInt` of the digits), never a float.
 */
import type { PortfolioRowView } from "../bindings/PortfolioRowView";
import { parseDecimal } from "../i18n/format";

export type SortKey =
  | "name"
  | "siren"
  | "segment"
  | "sector"
  | "owner"
  | "outstanding"
  | "overdue"
  | "oldestDaysOverdue"
  | "grade"
  | "openDisputes"
  | "lastStatus";

export const SORT_KEYS: readonly SortKey[] = [
  "name",
  "siren",
  "segment",
  "sector",
  "owner",
  "outstanding",
  "overdue",
  "oldestDaysOverdue",
  "grade",
  "openDisputes",
  "lastStatus",
];

export const BUCKETS = ["none", "d1_30", "d31_60", "d61_90", "d90"] as const;
export type Bucket = (typeof BUCKETS)[number];

/** What the table shows: the search, the filters and the sort. Empty strings mean "any". */
export interface PortfolioQuery {
  search: string;
  segment: string;
  sector: string;
  grade: string;
  bucket: string;
  /** "yes", "no" or "" (any). */
  dispute: string;
  /** A status code as text, "none" (no status), or "" (any). */
  status: string;
  sort: SortKey;
  descending: boolean;
}

export const DEFAULT_QUERY: PortfolioQuery = {
  search: "",
  segment: "",
  sector: "",
  grade: "",
  bucket: "",
  dispute: "",
  status: "",
  sort: "overdue",
  descending: true,
};

/** Exact cents of a decimal string ("-12.5" → -1250n); anything unreadable is 0n. */
export function cents(value: string): bigint {
  const parsed = parseDecimal(value);
  if (!parsed) return 0n;
  const magnitude = BigInt(parsed.integer + parsed.fraction.padEnd(2, "0").slice(0, 2));
  return parsed.negative ? -magnitude : magnitude;
}

/** Lower case without accents, for searching names as people type them. */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** A row with what search and sort need precomputed once. */
export interface IndexedRow {
  row: PortfolioRowView;
  folded: string;
  outstanding: bigint;
  overdue: bigint;
}

export function indexRows(rows: readonly PortfolioRowView[]): IndexedRow[] {
  return rows.map((row) => ({
    row,
    folded: fold(row.name),
    outstanding: cents(row.outstanding),
    overdue: cents(row.overdue),
  }));
}

/** Whether a row passes the query's search and filters. */
export function matches(r: IndexedRow, q: PortfolioQuery, folded = fold(q.search.trim())): boolean {
  const row = r.row;
  if (folded) {
    const digits = folded.replace(/\s+/g, "");
    const bySiren = /^\d+$/.test(digits) && (row.siren ?? "").startsWith(digits);
    if (!bySiren && !r.folded.includes(folded)) return false;
  }
  if (q.segment && row.segment !== q.segment) return false;
  if (q.sector && (row.sector ?? "") !== q.sector) return false;
  if (q.grade && (row.grade ?? "none") !== q.grade) return false;
  if (q.bucket && row.bucket !== q.bucket) return false;
  if (q.dispute === "yes" && row.openDisputes === 0) return false;
  if (q.dispute === "no" && row.openDisputes > 0) return false;
  if (q.status) {
    const code = row.lastStatus === null ? "none" : String(row.lastStatus);
    if (code !== q.status) return false;
  }
  return true;
}

/** One collator for every comparison: `localeCompare` with options builds one per call (50,000
 * names sorted took a second; with a shared collator, a few tens of milliseconds). */
const COLLATOR = new Intl.Collator("fr", { sensitivity: "base", numeric: true });

function compareText(a: string | null, b: string | null): number {
  // Missing values sort last in ascending order.
  if (a === b) return 0;
  if (a === null || a === "") return 1;
  if (b === null || b === "") return -1;
  return COLLATOR.compare(a, b);
}

function compareBig(a: bigint, b: bigint): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareNumber(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

export function compareRows(a: IndexedRow, b: IndexedRow, key: SortKey): number {
  switch (key) {
    case "name":
      return compareText(a.row.name, b.row.name);
    case "siren":
      return compareText(a.row.siren, b.row.siren);
    case "segment":
      return compareText(a.row.segment, b.row.segment);
    case "sector":
      return compareText(a.row.sector, b.row.sector);
    case "owner":
      return compareText(a.row.owner, b.row.owner);
    case "outstanding":
      return compareBig(a.outstanding, b.outstanding);
    case "overdue":
      return compareBig(a.overdue, b.overdue);
    case "oldestDaysOverdue":
      return a.row.oldestDaysOverdue - b.row.oldestDaysOverdue;
    case "grade":
      return compareText(a.row.grade, b.row.grade);
    case "openDisputes":
      return a.row.openDisputes - b.row.openDisputes;
    case "lastStatus":
      return compareNumber(a.row.lastStatus, b.row.lastStatus);
  }
}

/** The rows the query selects, in its order (ties broken by client id, so the order is stable). */
export function applyQuery(rows: readonly IndexedRow[], q: PortfolioQuery): IndexedRow[] {
  const folded = fold(q.search.trim());
  const out = rows.filter((r) => matches(r, q, folded));
  const sign = q.descending ? -1 : 1;
  out.sort((a, b) => sign * compareRows(a, b, q.sort) || a.row.clientId - b.row.clientId);
  return out;
}

/** The distinct values of a column, sorted, for a filter's options. */
export function distinct(rows: readonly PortfolioRowView[], pick: (r: PortfolioRowView) => string | null): string[] {
  const set = new Set<string>();
  for (const r of rows) {
    const v = pick(r);
    if (v) set.add(v);
  }
  return [...set].sort(COLLATOR.compare);
}

/** The rows to put in the DOM: the visible ones plus `overscan` on each side. */
export interface VirtualWindow {
  start: number;
  end: number;
  /** Space above the first rendered row, in pixels. */
  before: number;
  /** Space below the last rendered row, in pixels. */
  after: number;
}

export function virtualWindow(
  total: number,
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  overscan = 8,
): VirtualWindow {
  const first = Math.max(0, Math.floor(Math.max(0, scrollTop) / rowHeight) - overscan);
  const visible = Math.ceil(Math.max(viewport, rowHeight) / rowHeight) + 2 * overscan;
  const start = Math.min(first, Math.max(0, total - 1));
  const end = Math.min(total, start + visible);
  return { start: total === 0 ? 0 : start, end, before: (total === 0 ? 0 : start) * rowHeight, after: (total - end) * rowHeight };
}

/** A CSV field, quoted when it needs to be (RFC 4180). */
function field(value: string): string {
  return /[",;\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const CSV_COLUMNS = [
  "client_id",
  "name",
  "siren",
  "segment",
  "sector",
  "owner",
  "outstanding",
  "overdue",
  "open_items",
  "oldest_days_overdue",
  "bucket",
  "score",
  "grade",
  "open_disputes",
  "last_status",
  "last_status_at",
] as const;

/** The rows as CSV (comma-separated, decimal points: the amounts exactly as the core gave them). */
export function toCsv(rows: readonly IndexedRow[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const { row } of rows) {
    lines.push(
      [
        String(row.clientId),
        row.name,
        row.siren ?? "",
        row.segment,
        row.sector ?? "",
        row.owner,
        row.outstanding,
        row.overdue,
        String(row.openItems),
        String(row.oldestDaysOverdue),
        row.bucket,
        row.score === null ? "" : String(row.score),
        row.grade ?? "",
        String(row.openDisputes),
        row.lastStatus === null ? "" : String(row.lastStatus),
        row.lastStatusAt ?? "",
      ]
        .map(field)
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}

/** A named query the user saved. */
export interface SavedView {
  name: string;
  query: PortfolioQuery;
}

const VIEWS_KEY = "encours.portfolio.views";

/** The saved views (localStorage); a damaged entry is ignored. */
export function loadViews(storage: Pick<Storage, "getItem"> = localStorage): SavedView[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(VIEWS_KEY) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((v): v is SavedView => typeof v === "object" && v !== null && typeof v.name === "string" && typeof v.query === "object")
      .map((v) => ({ name: v.name, query: { ...DEFAULT_QUERY, ...v.query } }));
  } catch {
    return [];
  }
}

/** Saves (or replaces, by name) a view; returns the list saved. */
export function saveView(
  name: string,
  query: PortfolioQuery,
  storage: Pick<Storage, "getItem" | "setItem"> = localStorage,
): SavedView[] {
  const views = loadViews(storage).filter((v) => v.name !== name);
  views.push({ name, query: { ...query } });
  views.sort((a, b) => a.name.localeCompare(b.name, "fr"));
  storage.setItem(VIEWS_KEY, JSON.stringify(views));
  return views;
}

export function deleteView(name: string, storage: Pick<Storage, "getItem" | "setItem"> = localStorage): SavedView[] {
  const views = loadViews(storage).filter((v) => v.name !== name);
  storage.setItem(VIEWS_KEY, JSON.stringify(views));
  return views;
}
