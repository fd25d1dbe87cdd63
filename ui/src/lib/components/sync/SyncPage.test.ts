// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { SyncStatus } from "../../bindings/SyncStatus";
import type { SyncSummary } from "../../bindings/SyncSummary";
import { locale } from "../../i18n";
import { JobsStore } from "../../jobs/jobs.svelte";
import { fakeJobs, runningJob, type FakeJobs } from "../../jobs/testing";
import { click, el, settle } from "../../testing/dom";
import SyncPage from "./SyncPage.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

function statusFixture(): SyncStatus {
  return {
    accounts: [
      {
        name: "PA principale",
        enabled: true,
        scheduleMinutes: 15,
        lastRun: {
          startedAt: "2026-11-24T10:00:00",
          stored: 42,
          known: 3,
          ignored: 0,
          cursor: "2026-11-24T09:59:00+00:00",
          error: null,
        },
        nextRun: "2026-11-24T10:15:00",
        flows: [
          { outcome: "imported", count: 1200 },
          { outcome: "duplicate", count: 4 },
        ],
      },
      {
        name: "Secours",
        enabled: true,
        scheduleMinutes: null,
        lastRun: {
          startedAt: "2026-11-23T18:30:00",
          stored: 0,
          known: 0,
          ignored: 0,
          cursor: null,
          error: "http://127.0.0.1:9/oauth/token refused the credentials (HTTP 401): invalid_client",
        },
        nextRun: null,
        flows: [],
      },
    ],
    outboxAccount: "PA principale",
    queue: [
      {
        id: 7,
        kind: "cdar212",
        createdAt: "2026-11-24T09:00:00",
        state: "failed",
        sentAt: "2026-11-24T10:00:00",
        account: "PA principale",
        flowId: "flow-77",
        error: "InvoiceLCAmountError montant incohérent",
      },
      {
        id: 6,
        kind: "cdar212",
        createdAt: "2026-11-24T08:00:00",
        state: "acknowledged",
        sentAt: "2026-11-24T10:00:00",
        account: "PA principale",
        flowId: "flow-66",
        error: null,
      },
      { id: 5, kind: "cdar209", createdAt: "2026-11-24T07:00:00", state: "waiting", sentAt: null, account: null, flowId: null, error: null },
    ],
    queueCounts: { waiting: 1, uploaded: 0, acknowledged: 1, failed: 1 },
  };
}

/** The job commands answered by `fakeJobs`, `sync_status` by `status`; every command is recorded. */
function fakeCore(status: SyncStatus = statusFixture()): FakeJobs & { statusReads: () => number } {
  const core = fakeJobs((cmd) => {
    if (cmd === "sync_status") return status;
    throw new Error(`unexpected command ${cmd}`);
  });
  return Object.assign(core, { statusReads: () => core.calls.filter(([cmd]) => cmd === "sync_status").length });
}

/** Mounts the page on its own jobs store. */
async function render(store: JobsStore = new JobsStore()): Promise<void> {
  component = mount(SyncPage, { target: document.body, props: { store } });
  await settle();
}

/** The core's sync job reports as the sync of `accounts` goes: `current` the flow counts. */
const counts = (account: string, flows: number, imported: number): string =>
  `${account} : ${flows} flux, ${imported} importé(s)`;

function summary(extra: Partial<SyncSummary> = {}): SyncSummary {
  return {
    runs: [
      {
        account: "PA principale",
        downloaded: 12,
        imported: 10,
        duplicates: 2,
        failed: 0,
        known: 0,
        ignored: 0,
        cursorBefore: null,
        cursorAfter: null,
        error: null,
      },
    ],
    upload: null,
    uploadError: null,
    cancelled: false,
    ...extra,
  };
}

describe("SyncPage", () => {
  it("shows each account's last and next run, counts and error, and the outgoing queue", async () => {
    fakeCore();
    await render();
    const rows = [...document.querySelectorAll("#sync-accounts tbody tr")];
    expect(rows).toHaveLength(2);
    expect(rows[0]?.querySelector(".last-run")?.textContent).toBe("24/11/2026 10:00");
    expect(rows[0]?.querySelector(".next-run")?.textContent).toBe("24/11/2026 10:15");
    expect(rows[0]?.querySelector(".counts")?.textContent).toContain("42 reçus, 3 déjà connus");
    expect(rows[0]?.querySelector(".counts")?.textContent).toMatch(/1\s200 importés au total/);
    expect(rows[1]?.querySelector(".next-run")?.textContent).toBe("à la demande");
    expect(rows[1]?.querySelector(".run-error")?.textContent).toContain("HTTP 401");

    expect(el("#sync-queue-counts").textContent).toBe("1 en attente, 0 envoyés, 1 acceptés, 1 refusés");
    const queue = [...document.querySelectorAll("#sync-queue tbody tr")];
    expect(queue.map((r) => r.getAttribute("data-state"))).toEqual(["failed", "acknowledged", "waiting"]);
    expect(queue[0]?.textContent).toContain("Refusé");
    expect(queue[0]?.textContent).toContain("InvoiceLCAmountError");
    expect(queue[0]?.textContent).toContain("flow-77");
    expect(queue[2]?.textContent).toContain("En attente");
    expect(document.body.textContent).toContain("plateforme PA principale");
  });

  it("syncs now as a job with its progress, cancels it, and reads the status again at its end", async () => {
    const core = fakeCore();
    await render();
    await click("#sync-now");
    expect(core.calls.map(([cmd]) => cmd)).toContain("job_sync");
    expect(core.calls).toContainEqual(["job_sync", { account: null }]);
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(true);
    expect(el("#sync-now").textContent).toContain("Synchronisation en cours");
    expect(el("#sync-progress").textContent).toContain("Synchronisation en cours");
    core.progress(1, 0, 2, counts("PA principale", 1500, 1400));
    await settle();
    expect(el("#sync-progress").textContent).toContain("PA principale : 1500 flux, 1400 importé(s)");
    expect(el("progress").getAttribute("max")).toBe("2");
    expect(el("progress").getAttribute("value")).toBe("0");

    await click("#sync-cancel");
    expect(core.calls).toContainEqual(["job_cancel", { id: 1 }]);
    expect(el("#sync-progress").textContent).toContain("Arrêt après le flux en cours");
    expect(el<HTMLButtonElement>("#sync-cancel").disabled).toBe(true);

    const statusReads = core.statusReads();
    core.cancelled(1, { kind: "sync", report: summary({ cancelled: true }) });
    await settle();
    expect(el("#sync-result").textContent).toContain("Synchronisation annulée");
    expect(el("#sync-result").getAttribute("data-cancelled")).toBe("true");
    expect(document.querySelector("#sync-cancel")).toBeNull();
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(false);
    expect(core.statusReads()).toBe(statusReads + 1);
  });

  it("says how many flows a finished run brought, or that it had errors", async () => {
    const core = fakeCore();
    await render();
    await click("#sync-now");
    core.finish(1, { kind: "sync", report: summary() });
    await settle();
    expect(el("#sync-result").textContent).toContain("12 flux reçus, 10 importés");
    expect(el("#sync-result").getAttribute("data-cancelled")).toBe("false");
    await click("#sync-now");
    expect(document.querySelector("#sync-result")).toBeNull();
    core.finish(2, { kind: "sync", report: summary({ uploadError: "upload to PA principale: refused" }) });
    await settle();
    expect(el("#sync-result").textContent).toContain("avec des erreurs");
  });

  it("shows why a run failed", async () => {
    const core = fakeCore();
    await render();
    await click("#sync-now");
    core.fail(1, { code: "Platform", message: "PA principale: HTTP 503" });
    await settle();
    expect(el("#sync-run-error").textContent).toContain("HTTP 503");
    expect(document.querySelector("#sync-result")).toBeNull();
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(false);
  });

  it("follows a run started by the schedule: its progress, its cancel, and the status at its end", async () => {
    const core = fakeCore();
    const store = new JobsStore();
    await render(store);
    expect(core.calls.map(([cmd]) => cmd)).toContain("jobs_watch");
    expect(document.querySelector("#sync-cancel")).toBeNull();
    // The shell's schedule starts a job: the window hears of it through the jobs channel only.
    core.jobs.set(1, { ...runningSync(1), label: "Synchronisation planifiée de PA principale" });
    core.progress(1, 0, 1, counts("PA principale", 7, 6));
    await settle();
    expect(el("#sync-progress").textContent).toContain("PA principale : 7 flux, 6 importé(s)");
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(true);
    await click("#sync-cancel");
    expect(core.calls).toContainEqual(["job_cancel", { id: 1 }]);
    const reads = core.statusReads();
    core.cancelled(1, { kind: "sync", report: summary({ cancelled: true }) });
    await settle();
    expect(core.statusReads()).toBe(reads + 1);
    expect(el("#sync-result").getAttribute("data-cancelled")).toBe("true");
    expect(document.querySelector("#sync-cancel")).toBeNull();
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(false);
  });

  it("shows a run already going when the page opens and cannot start a second one", async () => {
    const core = fakeCore();
    const store = new JobsStore();
    await store.start({ kind: "sync" });
    core.progress(1, 1, 2, counts("Secours", 3, 3));
    await render(store);
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(true);
    expect(el("#sync-now").textContent).toContain("Synchronisation en cours");
    expect(el("#sync-progress").textContent).toContain("Secours : 3 flux, 3 importé(s)");
    expect(el("progress").getAttribute("value")).toBe("1");
    expect(core.calls.filter(([cmd]) => cmd === "job_sync")).toHaveLength(1);
  });

  it("points to the settings when there is no account, in English too", async () => {
    locale.set("en");
    fakeCore({ accounts: [], outboxAccount: null, queue: [], queueCounts: { waiting: 0, uploaded: 0, acknowledged: 0, failed: 0 } });
    await render();
    expect(el("#sync-no-accounts").textContent).toContain("Settings › Platforms");
    expect(el("#sync-queue-empty").textContent).toBe("No outgoing message.");
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(true);
  });
});

/** A sync job as the shell's schedule starts it. */
function runningSync(id: number) {
  return runningJob(id, "sync");
}
