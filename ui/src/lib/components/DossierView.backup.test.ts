// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeDashboard, smallSummaryFixture } from "../api/testing";
import { DAY_MS, FIRST_DELAY_MS } from "../backup/schedule";
import { FakeChart } from "./charts/testing";
import DossierView from "./DossierView.svelte";

vi.mock("chart.js", async () => (await import("./charts/testing")).chartJsMock());

const SUMMARY = smallSummaryFixture();

let component: ReturnType<typeof mount> | undefined;
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  clearMocks();
  FakeChart.reset();
  vi.useRealTimers();
});

describe("DossierView scheduled backup", () => {
  it("asks for a backup in the background after opening and daily; a failure is a discreet notice", async () => {
    const dashboard = fakeDashboard();
    const asked: string[] = [];
    let fail = true;
    mockIPC((cmd, args) => {
      // A day without activity locks the app too (AppLock); that is not what is tested here.
      if (cmd === "lock_dossier") return SUMMARY.path;
      if (cmd !== "backup_if_due") return dashboard.handle(cmd, args);
      asked.push(cmd);
      if (fail) throw { code: "Io", message: "/srv/acme.encours.backups: no space left on device" };
      return null;
    });
    component = mount(DossierView, { target: document.body, props: { summary: SUMMARY, onClosed: () => {} } });
    flushSync();
    // The dossier is shown at once; the backup request comes after it.
    expect(document.querySelector("#company-name")?.textContent).toBe("ACME");
    expect(asked).toEqual([]);

    await vi.advanceTimersByTimeAsync(FIRST_DELAY_MS);
    flushSync();
    expect(asked).toEqual(["backup_if_due"]);
    const notice = document.querySelector("#backup-notice");
    expect(notice?.getAttribute("role")).toBe("status");
    expect(notice?.textContent).toContain("La sauvegarde automatique n'a pas pu être faite");
    expect(notice?.textContent).toContain("no space left on device");
    // Not a modal: no dialog, nothing blocks the page.
    expect(document.querySelector('[role="dialog"], [aria-modal="true"]')).toBeNull();

    fail = false;
    await vi.advanceTimersByTimeAsync(DAY_MS);
    flushSync();
    expect(asked).toEqual(["backup_if_due", "backup_if_due"]);
    expect(document.querySelector("#backup-notice")).toBeNull();
  });

  it("stops asking once the dossier view is gone", async () => {
    const dashboard = fakeDashboard();
    const asked: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "backup_if_due") return dashboard.handle(cmd, args);
      asked.push(cmd);
      return null;
    });
    component = mount(DossierView, { target: document.body, props: { summary: SUMMARY, onClosed: () => {} } });
    flushSync();
    unmount(component);
    component = undefined;
    await vi.advanceTimersByTimeAsync(2 * DAY_MS);
    expect(asked).toEqual([]);
  });
});
