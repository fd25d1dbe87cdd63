// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { dashboardFixture } from "./lib/api/testing";
import type { DossierSummary } from "./lib/bindings/DossierSummary";
import type { ImportReport } from "./lib/bindings/ImportReport";
import { fakeJobs } from "./lib/jobs/testing";

const SUMMARY: DossierSummary = {
  path: "/tmp/demo.encours",
  companyName: "Démo Industrie SAS",
  companySiren: "732829320",
  asOf: "2026-11-23",
  currency: "EUR",
  clients: 120,
  invoices: 240,
  openItems: 83,
  openBalance: "1234.5",
  overdueBalance: "0",
  overdueItems: 2,
  otherCurrencies: [],
  integrity: "ok",
  integrityCheckedAt: "2026-11-23T09:00:00",
};
const REPORT: ImportReport = { files: [], imported: 3, duplicates: 1, failed: 2, cancelled: false };

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  clearMocks();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await tick();
  flushSync();
}

const el = <T extends Element = HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};

// jsdom has no canvas: the dashboard's charts draw into a stand-in.
vi.mock("chart.js", async () => (await import("./lib/components/charts/testing")).chartJsMock());

describe("App", () => {
  it("refreshes the dashboard after an import", async () => {
    let invoices = SUMMARY.invoices;
    const calls: string[] = [];
    const core = fakeJobs((cmd) => {
      calls.push(cmd);
      switch (cmd) {
        case "app_info":
          return { version: "0.1.0", demoPath: "/tmp/demo.encours", keyMode: "keyring", openOnStart: null };
        case "dossier_summary":
          return { ...SUMMARY, invoices };
        case "dashboard":
          return dashboardFixture();
        default:
          throw new Error(`unexpected ${cmd}`);
      }
    });
    component = mount(App, { target: document.body });
    await settle();
    expect(el("#summary-invoices").getAttribute("data-value")).toBe("240");

    el<HTMLAnchorElement>("#nav-imports").click();
    await settle();
    expect(document.activeElement?.id).toBe("main");
    const input = el<HTMLTextAreaElement>("#import-path");
    input.value = "/in";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    el<HTMLButtonElement>("#import-submit").click();
    await vi.waitFor(() => expect(core.jobs.get(1)?.state).toBe("running"));
    invoices += REPORT.imported;
    core.finish(1, { kind: "import", report: REPORT });
    await settle();
    expect(el("#import-count-imported").getAttribute("data-value")).toBe("3");

    el<HTMLAnchorElement>("#nav-dashboard").click();
    await settle();
    expect(el("#summary-invoices").getAttribute("data-value")).toBe("243");
    // The dashboard's figures are read on each visit to the dashboard, as is the summary after an import.
    expect(core.calls.map(([cmd]) => cmd)).toEqual([
      "app_info",
      "dossier_summary",
      "dashboard",
      "jobs_watch",
      "job_import",
      "dossier_summary",
      "dashboard",
    ]);
    expect(calls).toEqual(["app_info", "dossier_summary", "dashboard", "dossier_summary", "dashboard"]);
  });
});
