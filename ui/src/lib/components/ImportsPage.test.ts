// @vitest-environment jsdom
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportReport } from "../bindings/ImportReport";
import { ImportJob } from "../imports/job.svelte";
import { JobsStore } from "../jobs/jobs.svelte";
import { fakeJobs } from "../jobs/testing";
import ImportsPage from "./ImportsPage.svelte";

const SUMMARY = { path: "/tmp/demo.encours", invoices: 12 } as DossierSummary;
const REPORT: ImportReport = {
  files: [
    {
      file: "/in/a.xml",
      outcome: "imported",
      invoiceNumber: "F-1",
      client: "ACME",
      newClient: true,
      message: "imported",
      warnings: 0,
    },
  ],
  imported: 1,
  duplicates: 0,
  failed: 0,
  cancelled: false,
};

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  clearMocks();
});

function render(job: ImportJob = new ImportJob(() => {}, new JobsStore())): ImportJob {
  component = mount(ImportsPage, { target: document.body, props: { job } });
  flushSync();
  return job;
}

const el = <T extends Element = HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};

/** Lets the job commands answer (a few IPC round trips) and the page update. */
async function settle(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (let i = 0; i < 5; i++) await tick();
  }
  flushSync();
}

function type(value: string): void {
  const input = el<HTMLTextAreaElement>("#import-path");
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

/**
 * Backend whose import job runs until `finish` (or `cancelled`); `progress` moves it, as the core's
 * job events do. `calls` are the commands other than `jobs_watch`.
 */
function backend(): {
  calls: [string, unknown][];
  progress: (message: ImportProgress) => void;
  finish: (report: ImportReport) => void;
  cancelled: (report: ImportReport) => void;
} {
  const jobs = fakeJobs(
    (cmd) => {
      if (cmd === "dossier_summary") return SUMMARY;
      throw new Error(`unexpected ${cmd}`);
    },
    { shouldMockEvents: true },
  );
  return {
    get calls() {
      return jobs.calls.filter(([cmd]) => cmd !== "jobs_watch");
    },
    progress: (m) => jobs.progress(1, m.done, m.total, m.current),
    finish: (report) => jobs.finish(1, { kind: "import", report }),
    cancelled: (report) => jobs.cancelled(1, { kind: "import", report }),
  };
}

describe("ImportsPage", () => {
  it("labels the path field and the drop zone", () => {
    render();
    expect(el(`label[for="import-path"]`).textContent).toBe("Chemin d'un fichier, dossier ou archive");
    expect(el("#import-submit").textContent?.trim()).toBe("Importer");
    expect(el("#import-drop").textContent).toContain(
      "Déposez ici des factures électroniques (PDF Factur-X, XML CII ou UBL), des dossiers ou des archives zip",
    );
    expect(document.querySelector("#import-progress")).toBeNull();
    expect(document.querySelector("#import-report")).toBeNull();
  });

  it("asks for a path before calling the core", async () => {
    const core = backend();
    render();
    type("  \n ");
    el<HTMLButtonElement>("#import-submit").click();
    await settle();
    expect(el("#import-path").getAttribute("aria-invalid")).toBe("true");
    expect(el("#import-path-error").textContent).toBe("Indiquez au moins un chemin.");
    expect(core.calls).toEqual([]);
    type("/in");
    expect(document.querySelector("#import-path-error")).toBeNull();
  });

  it("imports the typed paths with a progress bar, a cancel button, then the report", async () => {
    const core = backend();
    const onSummary = vi.fn();
    render(new ImportJob(onSummary));
    type("/srv/factures\n\n /srv/lot.zip \n");
    el<HTMLButtonElement>("#import-submit").click();
    await settle();
    expect(core.calls.map(([cmd]) => cmd)).toEqual(["job_import"]);
    expect(core.calls[0]?.[1]).toMatchObject({ paths: ["/srv/factures", "/srv/lot.zip"] });
    expect(el<HTMLButtonElement>("#import-submit").disabled).toBe(true);
    expect(el<HTMLTextAreaElement>("#import-path").disabled).toBe(true);
    expect(el("#import-progress").getAttribute("role")).toBe("progressbar");

    core.progress({ done: 11, total: 150, current: "/srv/factures/nov/F-0012.pdf" });
    core.progress({ done: 12, total: 150, current: "/srv/factures/nov/F-0013.pdf" });
    await settle();
    expect(el("#import-progress").getAttribute("aria-valuenow")).toBe("12");
    expect(el("#import-progress").getAttribute("aria-valuemax")).toBe("150");
    expect(el("#import-progress-label").textContent?.trim()).toBe("12 / 150 — F-0013.pdf");

    el<HTMLButtonElement>("#import-cancel").click();
    await settle();
    expect(core.calls.map(([cmd]) => cmd)).toEqual(["job_import", "job_cancel"]);
    expect(el<HTMLButtonElement>("#import-cancel").disabled).toBe(true);

    core.cancelled({ ...REPORT, cancelled: true });
    await settle();
    expect(document.querySelector("#import-progress")).toBeNull();
    expect(el("#import-count-imported").getAttribute("data-value")).toBe("1");
    expect(el("#import-cancelled").textContent).toBe("Import interrompu : les fichiers déjà traités sont conservés.");
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    expect(el<HTMLButtonElement>("#import-submit").disabled).toBe(false);
  });

  it("imports with Ctrl+Enter in the path field", async () => {
    const core = backend();
    render();
    type("/in/a.xml");
    const field = el<HTMLTextAreaElement>("#import-path");
    field.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    await settle();
    expect(core.calls).toEqual([]);
    field.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, bubbles: true, cancelable: true }));
    await settle();
    expect(core.calls.map(([cmd, args]) => [cmd, (args as { paths: string[] }).paths])).toEqual([
      ["job_import", ["/in/a.xml"]],
    ]);
  });

  it("shows a rejection with the error table", async () => {
    mockIPC((cmd) => {
      if (cmd === "jobs_watch") return [];
      if (cmd === "job_import") throw { code: "NoDossierOpen", message: "no dossier is open" };
      throw { code: "NoDossierOpen", message: "no dossier is open" };
    });
    render();
    type("/in");
    el<HTMLButtonElement>("#import-submit").click();
    await settle();
    const panel = el("#import-error");
    expect(panel.getAttribute("data-code")).toBe("NoDossierOpen");
    expect(panel.textContent).toContain("Aucun dossier ouvert");
    expect(panel.textContent).toContain("no dossier is open");
    expect(el("#import-refresh-error").getAttribute("data-code")).toBe("NoDossierOpen");
    expect(document.querySelector("#import-report")).toBeNull();
  });

  it("highlights the drop zone during a drag and imports what is dropped", async () => {
    mockWindows("main");
    const core = backend();
    render();
    await settle();
    const position = { x: 100, y: 100 };
    await emit("tauri://drag-enter", { paths: ["/in/a.pdf"], position });
    await settle();
    expect(el("#import-drop").classList.contains("over")).toBe(true);
    expect(el("#import-drop").textContent).toContain("Relâchez pour importer");
    await emit("tauri://drag-leave", null);
    await settle();
    expect(el("#import-drop").classList.contains("over")).toBe(false);

    await emit("tauri://drag-drop", { paths: ["/in/a.pdf", "/in/lot.zip"], position });
    await settle();
    expect(core.calls.filter(([cmd]) => cmd === "job_import").map(([, args]) => args)).toMatchObject([
      { paths: ["/in/a.pdf", "/in/lot.zip"] },
    ]);
    expect(el("#import-drop").textContent).toContain("Import en cours");

    // A second drop while the import runs is ignored.
    await emit("tauri://drag-drop", { paths: ["/in/b.pdf"], position });
    await settle();
    expect(core.calls.filter(([cmd]) => cmd === "job_import")).toHaveLength(1);
    core.finish(REPORT);
    await settle();
    expect(el("#import-report")).toBeTruthy();
  });

  it("stops listening to drags when it goes away", async () => {
    mockWindows("main");
    const core = backend();
    render();
    await settle();
    await emit("tauri://drag-enter", { paths: ["/in/a.pdf"], position: { x: 0, y: 0 } });
    await settle();
    expect(el("#import-drop").classList.contains("over")).toBe(true);
    unmount(component!);
    component = undefined;
    await new Promise((resolve) => setTimeout(resolve, 0));
    await emit("tauri://drag-drop", { paths: ["/in/a.pdf"], position: { x: 0, y: 0 } });
    await settle();
    expect(core.calls.filter(([cmd]) => cmd === "job_import")).toEqual([]);
  });
});
