// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeDashboard, type FakeDashboard } from "../api/testing";
import type { DossierSummary } from "../bindings/DossierSummary";
import { NBSP, NNBSP } from "../i18n/format";
import { locale } from "../i18n";
import { FakeChart } from "./charts/testing";
import DossierView from "./DossierView.svelte";

vi.mock("chart.js", async () => (await import("./charts/testing")).chartJsMock());

const SUMMARY: DossierSummary = {
  path: "/home/marie/.local/share/encours/demo.encours",
  companyName: "Démo Industrie SAS",
  companySiren: "732829320",
  asOf: "2026-11-23",
  currency: "EUR",
  clients: 1240,
  invoices: 18500,
  openItems: 830,
  openBalance: "1234567.8",
  overdueBalance: "-0.005",
  overdueItems: 210,
  otherCurrencies: [],
  integrity: "ok",
  integrityCheckedAt: "2026-11-23T09:00:00",
};

let component: ReturnType<typeof mount> | undefined;
let core: FakeDashboard;
beforeEach(() => {
  core = fakeDashboard();
  mockIPC((cmd, args) => core.handle(cmd, args));
});
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
  FakeChart.reset();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await tick();
  }
  flushSync();
}

const text = (selector: string): string => document.querySelector(selector)?.textContent?.trim() ?? "";
const attr = (selector: string, name: string): string | null | undefined =>
  document.querySelector(selector)?.getAttribute(name);

function render(summary: DossierSummary = SUMMARY): void {
  component = mount(DossierView, { target: document.body, props: { summary, onClosed: () => {} } });
  flushSync();
}

describe("DossierView", () => {
  it("shows the summary in French with raw values in data-value", () => {
    render();
    expect(text("#dossier-path")).toBe(SUMMARY.path);
    expect(text("#company-name")).toBe("Démo Industrie SAS");
    expect(text("#summary-open-balance")).toBe(`1${NNBSP}234${NNBSP}567,80${NBSP}€`);
    expect(attr("#summary-open-balance", "data-value")).toBe("1234567.8");
    expect(text("#summary-overdue-balance")).toBe(`-0,01${NBSP}€`);
    expect(attr("#summary-overdue-balance", "data-value")).toBe("-0.005");
    expect(text("#summary-clients")).toBe(`1${NNBSP}240`);
    expect(attr("#summary-clients", "data-value")).toBe("1240");
    expect(text("#summary-invoices")).toBe(`18${NNBSP}500`);
    expect(text("#summary-overdue-items")).toBe("210");
    expect(text("#summary-integrity")).toBe("Intégrité : ok");
    expect(text("#summary-as-of")).toBe("au 23/11/2026");
  });

  it("lists every section as a link, none disabled", () => {
    render();
    const items = [...document.querySelectorAll("nav li")];
    expect(items).toHaveLength(11);
    expect(items[0]?.querySelector("[aria-current=page]")?.textContent).toContain("Tableau de bord");
    expect(document.querySelector("nav [aria-disabled=true]")).toBeNull();
    expect(items[9]?.querySelector("a#nav-sync")?.textContent).toContain("Synchronisation");
    expect(items[1]?.querySelector("a#nav-portfolio")?.textContent).toContain("Portefeuille");
    expect(items[1]?.textContent).not.toContain("bientôt");
    expect(items[2]?.textContent).toContain("Plan du jour");
    expect(items[2]?.textContent).not.toContain("bientôt");
    expect(items[3]?.textContent).toContain("Relances");
    expect(items[4]?.textContent).toContain("Courriers");
    expect(items[8]?.textContent).not.toContain("bientôt");
    expect(items[10]?.textContent).toContain("Paramètres");
    expect(items[10]?.textContent).not.toContain("bientôt");
  });

  it("navigates between the dashboard and the imports with links", () => {
    render();
    const dashboard = document.querySelector<HTMLAnchorElement>("#nav-dashboard");
    const imports = document.querySelector<HTMLAnchorElement>("#nav-imports");
    // Real links: focusable and activated with the keyboard like any link.
    expect(imports?.tagName).toBe("A");
    expect(imports?.getAttribute("href")).toBe("#imports");
    expect(imports?.hasAttribute("aria-current")).toBe(false);
    imports?.click();
    flushSync();
    expect(imports?.getAttribute("aria-current")).toBe("page");
    expect(dashboard?.hasAttribute("aria-current")).toBe(false);
    expect(document.querySelector("#import-drop")?.textContent).toContain(
      "Déposez ici des factures électroniques (PDF Factur-X, XML CII ou UBL), des dossiers ou des archives zip",
    );
    expect(document.querySelector("#summary-open-balance")).toBeNull();
    // The company stays in the header.
    expect(text("#company-name")).toBe("Démo Industrie SAS");
    dashboard?.click();
    flushSync();
    expect(dashboard?.getAttribute("aria-current")).toBe("page");
    expect(document.querySelector("#import-drop")).toBeNull();
    expect(text("#summary-invoices")).toBe(`18${NNBSP}500`);
  });

  it("switches to English", () => {
    render();
    locale.set("en");
    flushSync();
    expect(text("#summary-open-balance")).toBe("€1,234,567.80");
    expect(text("#summary-as-of")).toBe("as of 23 Nov 2026");
    expect(text("#close-dossier")).toBe("Close dossier");
  });

  it("lists balances in other currencies apart", () => {
    render({ ...SUMMARY, otherCurrencies: ["USD 1200.5", "GBP 80.00"] });
    expect(text("#summary-other-currencies")).toBe(
      `Hors euro, non inclus : 1${NNBSP}200,50${NBSP}USD · 80,00${NBSP}GBP`,
    );
  });

  it("has no other-currency line when there are none", () => {
    render();
    expect(document.querySelector("#summary-other-currencies")).toBeNull();
  });

  it("flags an integrity problem", () => {
    render({ ...SUMMARY, integrity: "3 invoices without client" });
    expect(text("#summary-integrity")).toBe("Intégrité : 3 invoices without client");
    expect(attr("#summary-integrity", "data-ok")).toBe("false");
  });

  it("shows the dashboard under the summary cards, which keep their ids and values", async () => {
    render();
    await settle();
    const main = document.querySelector("#main");
    const order = [...(main?.querySelectorAll("#summary-open-balance, #dashboard, #summary-clients") ?? [])].map((e) => e.id);
    expect(order).toEqual(["summary-open-balance", "dashboard", "summary-clients"]);
    expect(attr("#summary-open-balance", "data-value")).toBe("1234567.8");
    expect(attr("#dashboard-dso", "data-value")).toBe("52.4");
    expect(document.querySelector("#dashboard-aging canvas")).not.toBeNull();
    expect(core.calls).toEqual(["dashboard"]);
  });

  it("opens the detail of the open and overdue balances from their cards once the dashboard is read", async () => {
    const release = core.holdNext();
    render();
    const open = document.querySelector<HTMLButtonElement>("#summary-open-balance-detail");
    expect(open?.disabled).toBe(true);
    expect(open?.getAttribute("aria-label")).toBe("Voir le détail : Encours total");
    release();
    await settle();
    expect(open?.disabled).toBe(false);
    open?.click();
    await settle();
    expect(text("#dashboard-drill-title")).toBe("Encours total");
    expect(document.activeElement?.id).toBe("dashboard-drill-title");
    expect([...document.querySelectorAll("#dashboard-drill-segments tbody th")].map((th) => th.textContent)).toEqual([
      "Grands comptes",
      "PME",
      "Collectivités",
    ]);
    // A click focuses the button in a browser; `click()` alone does not.
    const overdue = document.querySelector<HTMLButtonElement>("#summary-overdue-detail");
    overdue?.focus();
    overdue?.click();
    await settle();
    expect(text("#dashboard-drill-title")).toBe("Échu");
    document.querySelector<HTMLButtonElement>("#dashboard-drill-close")?.click();
    await settle();
    expect(document.querySelector("#dashboard-drill")).toBeNull();
    expect(document.activeElement?.id).toBe("summary-overdue-detail");
  });

  it("reads the dashboard again on coming back to it", async () => {
    render();
    await settle();
    document.querySelector<HTMLAnchorElement>("#nav-imports")?.click();
    await settle();
    expect(document.querySelector("#dashboard")).toBeNull();
    document.querySelector<HTMLAnchorElement>("#nav-dashboard")?.click();
    await settle();
    expect(document.querySelector("#dashboard")).not.toBeNull();
    expect(core.calls).toEqual(["dashboard", "dashboard"]);
  });
});
