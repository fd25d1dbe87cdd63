// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { locale } from "../i18n";
import { click, el, settle } from "../testing/dom";
import { JobsStore } from "./jobs.svelte";
import JobsTray from "./JobsTray.svelte";
import { fakeJobs } from "./testing";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

function render(store: JobsStore, onOpen = vi.fn()): typeof onOpen {
  component = mount(JobsTray, { target: document.body, props: { store, onOpen } });
  flushSync();
  return onOpen;
}

describe("JobsTray", () => {
  it("calls nothing until opened, and says when there is no job", async () => {
    const core = fakeJobs();
    render(new JobsStore());
    expect(el("#jobs-tray").textContent?.trim()).toBe("Tâches");
    expect(el("#jobs-tray").getAttribute("aria-expanded")).toBe("false");
    expect(core.calls).toEqual([]);
    await click("#jobs-tray");
    expect(core.calls.map(([cmd]) => cmd)).toEqual(["jobs_watch"]);
    expect(el("#jobs-empty").textContent).toBe("Aucune tâche récente.");
  });

  it("shows a running job with its bar, percentage and current item, and cancels it", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    await store.start({ kind: "import", paths: ["/in"] });
    core.progress(1, 40, 120, "/in/F-0040.xml");
    render(store);
    await settle();
    expect(el("#jobs-tray").textContent).toContain("1 en cours");
    expect(el("#jobs-tray").textContent).toContain("33 %");
    await click("#jobs-tray");
    expect(el("#job-1").getAttribute("data-state")).toBe("running");
    expect(el("#job-1-progress").getAttribute("aria-valuenow")).toBe("33");
    expect(el("#job-1-progress").getAttribute("data-done")).toBe("40");
    expect(el("#job-1-percent").textContent).toBe("40 / 120 (33 %)");
    expect(el("#job-1").textContent).toContain("/in/F-0040.xml");

    await click("#job-1-cancel");
    expect(core.calls).toContainEqual(["job_cancel", { id: 1 }]);
    expect(el<HTMLButtonElement>("#job-1-cancel").disabled).toBe(true);
    expect(el("#job-1").textContent).toContain("Arrêt demandé…");

    core.cancelled(1, { kind: "import", report: { files: [], imported: 40, duplicates: 0, failed: 0, cancelled: true } });
    await settle();
    expect(el("#job-1").getAttribute("data-state")).toBe("cancelled");
    expect(el("#job-1-outcome").textContent).toBe("Annulé après 40/120");
    expect(document.querySelector("#job-1-cancel")).toBeNull();
    expect(el("#jobs-tray").textContent?.trim()).toBe("Tâches");
  });

  it("says what each finished job did and opens the page with its report", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    await store.start({ kind: "import", paths: ["/in"] });
    await store.start({ kind: "letters" });
    await store.start({ kind: "rescoring" });
    core.finish(1, { kind: "import", report: { files: [], imported: 142, duplicates: 5, failed: 3, cancelled: false } });
    core.fail(2, { code: "InvalidInput", message: "town is missing" });
    core.progress(3, 10, 0);
    const onOpen = render(store);
    await settle();
    await click("#jobs-tray");
    expect(el("#job-1-outcome").textContent).toBe("142 facture(s) importée(s), 3 erreur(s)");
    expect(el("#job-2-outcome").textContent).toBe("Échec : town is missing");
    // A job whose total is not known yet shows a count and an indeterminate bar.
    expect(el("#job-3-percent").textContent).toBe("10 traités");
    expect(el("#job-3-progress").classList.contains("indeterminate")).toBe(true);

    await click("#job-1-open");
    expect(onOpen).toHaveBeenCalledWith("imports");
    expect(document.querySelector("#jobs-panel")).toBeNull();
    await click("#jobs-tray");
    await click("#job-2-open");
    expect(onOpen).toHaveBeenLastCalledWith("letters");
  });

  it("counts a sync's flows imported and its errors over every account", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    await store.start({ kind: "sync" });
    const run = {
      account: "pa",
      downloaded: 9,
      imported: 7,
      duplicates: 1,
      failed: 1,
      known: 0,
      ignored: 0,
      cursorBefore: null,
      cursorAfter: null,
      error: null,
    };
    core.finish(1, {
      kind: "sync",
      report: { runs: [run, { ...run, account: "pb", imported: 2, failed: 0, error: "timeout" }], upload: null, uploadError: null, cancelled: false },
    });
    const onOpen = render(store);
    await settle();
    await click("#jobs-tray");
    expect(el("#job-1-outcome").textContent).toBe("9 flux importé(s), 2 erreur(s)");
    await click("#job-1-open");
    expect(onOpen).toHaveBeenCalledWith("sync");
  });

  it("closes with Escape, giving the focus back to its button", async () => {
    fakeJobs();
    render(new JobsStore());
    await click("#jobs-tray");
    el("#jobs-panel").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    flushSync();
    expect(document.querySelector("#jobs-panel")).toBeNull();
    expect(document.activeElement?.id).toBe("jobs-tray");
  });

  it("speaks English too", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    await store.start({ kind: "letters" });
    core.cancelled(1);
    locale.set("en");
    render(store);
    await settle();
    await click("#jobs-tray");
    expect(el("#job-1-outcome").textContent).toBe("Cancelled before it started");
    expect(el("#job-1").textContent).toContain("Letters");
  });
});
