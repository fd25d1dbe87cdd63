import { describe, expect, it } from "vitest";
import {
  back,
  current,
  forward,
  formatRoute,
  HISTORY_LIMIT,
  parseRoute,
  push,
  replace,
  sectionOf,
  sectionOfShortcut,
  SECTIONS,
  shortcutOf,
  start,
  type Route,
} from "./routes";

const client = (id: number, invoice?: string): Route => (invoice ? { kind: "client", id, invoice } : { kind: "client", id });

describe("routes", () => {
  it("write and read back every kind of deep link", () => {
    const routes: Route[] = [
      { kind: "section", section: "portfolio" },
      client(42),
      client(42, "F 2026/0042#1"),
      { kind: "invoice", number: "F-2026-0042" },
      { kind: "invoice", number: "FA 2026/12 é" },
    ];
    for (const r of routes) expect(parseRoute(`#${formatRoute(r)}`)).toEqual(r);
    expect(formatRoute(client(7))).toBe("client/7");
    expect(formatRoute({ kind: "invoice", number: "A/B" })).toBe("invoice/A%2FB");
  });

  it("refuse what names nothing", () => {
    for (const h of ["", "#", "#nowhere", "#client/", "#client/abc", "#client/0", "#invoice/", "#invoice/%E0%A4%A", "#client/99999999999999999"]) {
      expect(parseRoute(h), h).toBeNull();
    }
  });

  it("map Alt+1…9 and Alt+0 to ten of the sidebar's eleven sections (not Sync)", () => {
    expect(SECTIONS).toHaveLength(11);
    expect(sectionOfShortcut("1")).toBe("dashboard");
    expect(sectionOfShortcut("2")).toBe("portfolio");
    expect(sectionOfShortcut("9")).toBe("imports");
    expect(sectionOfShortcut("0")).toBe("settings");
    expect(sectionOfShortcut("x")).toBeNull();
    expect(shortcutOf("sync")).toBeNull();
    for (const s of SECTIONS.filter((s) => s !== "sync")) expect(sectionOfShortcut(shortcutOf(s) ?? "")).toBe(s);
  });

  it("keep a history: back, forward, a new page drops the forward part, a repeat is not added", () => {
    let h = start({ kind: "section", section: "dashboard" });
    h = push(h, { kind: "section", section: "portfolio" });
    h = push(h, client(3));
    h = push(h, client(3));
    expect(h.entries).toHaveLength(3);
    h = back(back(h));
    expect(current(h)).toEqual({ kind: "section", section: "dashboard" });
    expect(back(h)).toBe(h);
    h = forward(h);
    expect(sectionOf(current(h))).toBe("portfolio");
    h = push(h, client(9));
    expect(h.entries.map(formatRoute)).toEqual(["dashboard", "portfolio", "client/9"]);
    expect(forward(h)).toBe(h);
    h = replace(h, client(9, "F-1"));
    expect(current(h)).toEqual(client(9, "F-1"));
    expect(sectionOf(current(h))).toBe("portfolio");
    for (let i = 0; i < 80; i++) h = push(h, client(100 + i));
    expect(h.entries).toHaveLength(HISTORY_LIMIT);
    expect(current(h)).toEqual(client(179));
  });
});
