// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { locale } from "../i18n";
import { FakeNavigation } from "../portfolio/testing";
import { click, el, settle } from "../testing/dom";
import PortfolioPage from "./PortfolioPage.svelte";

// jsdom has no layout: a ResizeObserver that never reports (the window then uses its minimum height).
globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
};

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  localStorage.clear();
  locale.set("fr");
  clearMocks();
});

async function render(rows: number): Promise<{ fake: FakeNavigation; opened: number[] }> {
  const fake = new FakeNavigation(rows);
  const opened: number[] = [];
  mockIPC((cmd, args) => fake.handle(cmd, args));
  component = mount(PortfolioPage, { target: document.body, props: { onOpenClient: (id: number) => opened.push(id) } });
  flushSync();
  await settle();
  return { fake, opened };
}

async function type(selector: string, text: string, event = "input"): Promise<void> {
  const input = el<HTMLInputElement | HTMLSelectElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event(event, { bubbles: true }));
  await settle();
}

const shownCount = (): string | null => el("#portfolio-count").getAttribute("data-value");
const rowIds = (): number[] => [...document.querySelectorAll("tr.row")].map((r) => Number(r.getAttribute("data-client")));

describe("PortfolioPage", () => {
  it("keeps fewer than 60 rows in the DOM with 50,000 clients, and scrolling moves the window", async () => {
    await render(50_000);
    expect(el("#portfolio-count").getAttribute("data-value")).toBe("50000");
    expect(document.querySelectorAll("tr.row").length).toBeGreaterThan(0);
    expect(document.querySelectorAll("tr.row").length).toBeLessThan(60);
    const scroller = el<HTMLDivElement>("#portfolio-scroller");
    scroller.scrollTop = 36 * 20_000;
    scroller.dispatchEvent(new Event("scroll"));
    await settle();
    expect(document.querySelectorAll("tr.row").length).toBeLessThan(60);
    const rows = [...document.querySelectorAll("tr.row")];
    const first = Number(rows[0]?.getAttribute("aria-rowindex"));
    expect(first).toBeGreaterThan(19_000);
    expect(first).toBeLessThan(20_100);
  });

  it("sorts by overdue first, then by any column clicked, both ways", async () => {
    await render(30);
    expect(rowIds().slice(0, 3)).toEqual([30, 25, 20]);
    await click("#portfolio-sort-name");
    expect(rowIds().slice(0, 2)).toEqual([3, 1]);
    expect(el("#portfolio-sort-name").closest("th")?.getAttribute("aria-sort")).toBe("ascending");
    await click("#portfolio-sort-name");
    expect(el("#portfolio-sort-name").closest("th")?.getAttribute("aria-sort")).toBe("descending");
    expect(rowIds()[0]).toBe(30);
  });

  it("searches by name or SIREN and filters on grade, bucket and dispute", async () => {
    await render(30);
    await type("#portfolio-search", "boulangerie");
    expect(rowIds()).toEqual([3]);
    await type("#portfolio-search", "3000000 1");
    expect(rowIds().sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    await type("#portfolio-search", "");
    await type("#portfolio-filter-dispute", "yes", "change");
    expect(rowIds().sort((a, b) => a - b)).toEqual([7, 14, 21, 28]);
    await type("#portfolio-filter-bucket", "d90", "change");
    expect(rowIds()).toEqual([]);
    expect(el("#portfolio-empty").textContent).toContain("Aucun client");
    await click("#portfolio-reset");
    expect(shownCount()).toBe("30");
  });

  it("opens a client from its row", async () => {
    const { opened } = await render(30);
    el<HTMLElement>('tr.row[data-client="25"] a').click();
    el<HTMLElement>('tr.row[data-client="20"]').click();
    expect(opened).toEqual([25, 20]);
  });

  it("saves a view and brings it back", async () => {
    await render(30);
    await type("#portfolio-filter-grade", "E", "change");
    await type("#portfolio-view-name", "Risqués");
    await click("#portfolio-view-save");
    await click("#portfolio-reset");
    expect(shownCount()).toBe("30");
    await type("#portfolio-view", "Risqués", "change");
    expect(shownCount()).toBe("10");
    expect(JSON.parse(localStorage.getItem("encours.portfolio.views") ?? "[]")[0].name).toBe("Risqués");
  });
});
