import { describe, expect, it } from "vitest";
import type { PortfolioRowView } from "../bindings/PortfolioRowView";
import {
  applyQuery,
  cents,
  DEFAULT_QUERY,
  deleteView,
  indexRows,
  loadViews,
  saveView,
  toCsv,
  virtualWindow,
  type PortfolioQuery,
} from "./table";

function row(id: number, over: Partial<PortfolioRowView> = {}): PortfolioRowView {
  return {
    clientId: id,
    name: `Client ${id}`,
    siren: String(100000000 + id),
    segment: "PME",
    sector: "4711D",
    owner: "Marie",
    outstanding: "0.00",
    overdue: "0.00",
    openItems: 0,
    oldestDaysOverdue: 0,
    bucket: "none",
    otherCurrencies: false,
    score: null,
    grade: null,
    openDisputes: 0,
    lastStatus: null,
    lastStatusAt: null,
    ...over,
  };
}

const ROWS = indexRows([
  row(1, { name: "Boulangerie Martin", outstanding: "1200.50", overdue: "100.00", grade: "B", bucket: "d1_30" }),
  row(2, { name: "Électricité Dupont", segment: "ETI", outstanding: "99999999999999.99", overdue: "0.10", grade: "E" }),
  row(3, { name: "Café de la Gare", outstanding: "-20.00", openDisputes: 2, lastStatus: 207, bucket: "d90" }),
  row(4, { name: "Garage Moreau, \"Le Bon\"", sector: null, outstanding: "99999999999999.98", overdue: "0.09" }),
]);

const q = (over: Partial<PortfolioQuery>): PortfolioQuery => ({ ...DEFAULT_QUERY, ...over });
const ids = (query: PortfolioQuery): number[] => applyQuery(ROWS, query).map((r) => r.row.clientId);

describe("portfolio table", () => {
  it("reads decimal strings as exact cents", () => {
    expect(cents("1200.5")).toBe(120050n);
    expect(cents("-20.00")).toBe(-2000n);
    expect(cents("99999999999999.99")).toBe(9999999999999999n);
    expect(cents("oops")).toBe(0n);
  });

  it("sorts amounts exactly, beyond what a float can tell apart", () => {
    expect(ids(q({ sort: "outstanding", descending: true }))).toEqual([2, 4, 1, 3]);
    expect(ids(q({ sort: "outstanding", descending: false }))).toEqual([3, 1, 4, 2]);
    expect(ids(q({ sort: "overdue", descending: true }))).toEqual([1, 2, 4, 3]);
  });

  it("sorts text in French order, accents ignored, missing values last", () => {
    expect(ids(q({ sort: "name", descending: false }))).toEqual([1, 3, 2, 4]);
    expect(ids(q({ sort: "grade", descending: false }))).toEqual([1, 2, 3, 4]);
  });

  it("searches names without accents or case, and SIREN by prefix", () => {
    expect(ids(q({ search: "electricite" }))).toEqual([2]);
    expect(ids(q({ search: "GARE" }))).toEqual([3]);
    expect(ids(q({ search: "100 000 00" }))).toEqual([1, 2, 4, 3]);
    expect(ids(q({ search: "100000003" }))).toEqual([3]);
  });

  it("filters on segment, sector, grade, bucket, dispute and platform status", () => {
    expect(ids(q({ segment: "ETI" }))).toEqual([2]);
    expect(ids(q({ grade: "E" }))).toEqual([2]);
    expect(ids(q({ grade: "none", sort: "name", descending: false }))).toEqual([3, 4]);
    expect(ids(q({ bucket: "d90" }))).toEqual([3]);
    expect(ids(q({ dispute: "yes" }))).toEqual([3]);
    expect(ids(q({ dispute: "no" })).sort()).toEqual([1, 2, 4]);
    expect(ids(q({ status: "207" }))).toEqual([3]);
    expect(ids(q({ status: "none" })).sort()).toEqual([1, 2, 4]);
    expect(ids(q({ sector: "4711D" })).sort()).toEqual([1, 2, 3]);
  });

  it("puts only the visible rows and an overscan in the window", () => {
    const w = virtualWindow(50_000, 36 * 1000, 600, 36, 8);
    expect(w.start).toBe(992);
    expect(w.end - w.start).toBeLessThan(60);
    expect(w.before).toBe(992 * 36);
    expect(w.before + (w.end - w.start) * 36 + w.after).toBe(50_000 * 36);
    const last = virtualWindow(50_000, 36 * 50_000, 600, 36, 8);
    expect(last.end).toBe(50_000);
    expect(virtualWindow(0, 0, 600, 36)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
    const top = virtualWindow(10, 0, 600, 36);
    expect([top.start, top.end, top.after]).toEqual([0, 10, 0]);
  });

  it("exports the filtered rows as CSV with quoted fields and exact amounts", () => {
    const csv = toCsv(applyQuery(ROWS, q({ sort: "name", descending: false, search: "garage" })));
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "client_id,name,siren,segment,sector,owner,outstanding,overdue,open_items,oldest_days_overdue,bucket,score,grade,open_disputes,last_status,last_status_at",
    );
    expect(lines[1]).toBe('4,"Garage Moreau, ""Le Bon""",100000004,PME,,Marie,99999999999999.98,0.09,0,0,none,,,0,,');
    expect(lines).toHaveLength(2);
  });

  it("saves, replaces, lists and deletes views, ignoring damaged storage", () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    saveView("Litiges", q({ dispute: "yes" }), storage);
    saveView("À surveiller", q({ grade: "E" }), storage);
    const views = saveView("Litiges", q({ dispute: "yes", segment: "ETI" }), storage);
    expect(views.map((v) => v.name)).toEqual(["À surveiller", "Litiges"]);
    expect(loadViews(storage)[1]!.query.segment).toBe("ETI");
    expect(deleteView("Litiges", storage).map((v) => v.name)).toEqual(["À surveiller"]);
    store.set("encours.portfolio.views", "{not json");
    expect(loadViews(storage)).toEqual([]);
  });
});
