// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { channelArg, sendOnChannel } from "../../api/testing";
import type { SyncProgress } from "../../bindings/SyncProgress";
import type { SyncStatus } from "../../bindings/SyncStatus";
import type { SyncSummary } from "../../bindings/SyncSummary";
import { locale } from "../../i18n";
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

function progress(extra: Partial<SyncProgress>): SyncProgress {
  return {
    account: "PA principale",
    phase: "downloading",
    accountsDone: 0,
    accountsTotal: 2,
    downloaded: 0,
    imported: 0,
    duplicates: 0,
    failed: 0,
    flowId: null,
    error: null,
    cancelled: false,
    ...extra,
  };
}

/** A core with a hold on `sync_now`: the test sends progress, then finishes it. */
function fakeCore(status: SyncStatus = statusFixture()) {
  const calls: string[] = [];
  let channel: ReturnType<typeof channelArg<SyncProgress>> | null = null;
  let sent = 0;
  let finish: (s: SyncSummary) => void = () => {};
  let running = false;
  let watcher: ReturnType<typeof channelArg<SyncProgress>> | null = null;
  let watched = 0;
  const handle = (cmd: string, args: unknown): unknown => {
    calls.push(cmd);
    switch (cmd) {
      case "sync_watch":
        watcher = channelArg<SyncProgress>(args, "onProgress");
        return null;
      case "sync_status":
        return status;
      case "sync_running":
        return running;
      case "cancel_sync":
        return null;
      case "sync_now":
        channel = channelArg<SyncProgress>(args, "onProgress");
        return new Promise<SyncSummary>((resolve) => (finish = resolve));
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  };
  return {
    calls,
    handle,
    send: (p: SyncProgress) => {
      if (channel) sendOnChannel(channel, sent++, p);
    },
    finish: (s: SyncSummary) => finish(s),
    /** A message of a scheduled run, on the channel `sync_watch` gave. */
    background: (p: SyncProgress) => {
      if (watcher) sendOnChannel(watcher, watched++, p);
    },
    setRunning: (r: boolean) => (running = r),
  };
}

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
    mockIPC(fakeCore().handle);
    component = mount(SyncPage, { target: document.body });
    await settle();
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

  it("syncs now with progress, cancels, and reads the status again at the end", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(SyncPage, { target: document.body });
    await settle();
    await click("#sync-now");
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(true);
    expect(el("#sync-now").textContent).toContain("Synchronisation en cours");
    core.send(progress({ phase: "connecting" }));
    await settle();
    expect(el("#sync-progress").textContent).toContain("PA principale : connexion");
    core.send(progress({ downloaded: 1500, imported: 1400 }));
    await settle();
    expect(el("#sync-progress").textContent).toMatch(/PA principale : 1\s500 flux reçus \(1\s400 importés\)/);
    expect(el("progress").getAttribute("max")).toBe("2");

    await click("#sync-cancel");
    expect(core.calls).toContain("cancel_sync");
    expect(el("#sync-progress").textContent).toContain("Arrêt après le flux en cours");
    expect(el<HTMLButtonElement>("#sync-cancel").disabled).toBe(true);

    const statusReads = core.calls.filter((c) => c === "sync_status").length;
    core.finish(summary({ cancelled: true }));
    await settle();
    expect(el("#sync-result").textContent).toContain("Synchronisation annulée");
    expect(el("#sync-result").getAttribute("data-cancelled")).toBe("true");
    expect(document.querySelector("#sync-cancel")).toBeNull();
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(false);
    expect(core.calls.filter((c) => c === "sync_status").length).toBe(statusReads + 1);
  });

  it("says how many flows a finished run brought, or that it had errors", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(SyncPage, { target: document.body });
    await settle();
    await click("#sync-now");
    core.finish(summary());
    await settle();
    expect(el("#sync-result").textContent).toContain("12 flux reçus, 10 importés");
    await click("#sync-now");
    core.finish(summary({ uploadError: "upload to PA principale: refused" }));
    await settle();
    expect(el("#sync-result").textContent).toContain("avec des erreurs");
  });

  it("shows a background run and cannot start a second one", async () => {
    const core = fakeCore();
    core.setRunning(true);
    mockIPC(core.handle);
    component = mount(SyncPage, { target: document.body });
    await settle();
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(true);
    expect(el("#sync-now").textContent).toContain("Synchronisation en cours");
  });

  it("shows a scheduled run's progress as it comes, lets it be cancelled, and reads the status at its end", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(SyncPage, { target: document.body });
    await settle();
    expect(core.calls).toContain("sync_watch");
    expect(document.querySelector("#sync-cancel")).toBeNull();
    core.setRunning(true);
    core.background(progress({ accountsTotal: 1, downloaded: 7, imported: 6 }));
    await settle();
    expect(el("#sync-progress").textContent).toContain("PA principale : 7 flux reçus (6 importés)");
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(true);
    await click("#sync-cancel");
    expect(core.calls).toContain("cancel_sync");
    const reads = core.calls.filter((c) => c === "sync_status").length;
    core.setRunning(false);
    core.background(progress({ account: "", phase: "finished", accountsDone: 1, accountsTotal: 1, cancelled: true }));
    await settle();
    expect(core.calls.filter((c) => c === "sync_status").length).toBe(reads + 1);
    expect(el("#sync-progress").textContent?.trim()).toBe("");
    expect(document.querySelector("#sync-cancel")).toBeNull();
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(false);
  });

  it("points to the settings when there is no account, in English too", async () => {
    locale.set("en");
    mockIPC(fakeCore({ accounts: [], outboxAccount: null, queue: [], queueCounts: { waiting: 0, uploaded: 0, acknowledged: 0, failed: 0 } }).handle);
    component = mount(SyncPage, { target: document.body });
    await settle();
    expect(el("#sync-no-accounts").textContent).toContain("Settings › Platforms");
    expect(el("#sync-queue-empty").textContent).toBe("No outgoing message.");
    expect(el<HTMLButtonElement>("#sync-now").disabled).toBe(true);
  });
});
