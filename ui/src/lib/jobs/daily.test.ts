// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeDashboard, smallSummaryFixture } from "../api/testing";
import { DAY_MS } from "../backup/schedule";
import { FakeChart } from "../components/charts/testing";
import DossierView from "../components/DossierView.svelte";
import { dailyRescoring, RESCORING_DELAY_MS } from "./daily";
import { JobsStore } from "./jobs.svelte";
import { fakeJobs } from "./testing";

vi.mock("chart.js", async () => (await import("../components/charts/testing")).chartJsMock());

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

const rescorings = (calls: [string, unknown][]): unknown[] =>
  calls.filter(([cmd]) => cmd === "job_rescoring").map(([, args]) => args);

describe("daily rescoring", () => {
  it("starts the rescoring job once, if due, a few seconds after the dossier view opens", async () => {
    const dashboard = fakeDashboard();
    const core = fakeJobs((cmd, args) => {
      // Other background requests of the view (backup, lock) are not what is tested here.
      if (cmd === "backup_if_due" || cmd === "lock_dossier") return null;
      return dashboard.handle(cmd, args);
    });
    component = mount(DossierView, { target: document.body, props: { summary: SUMMARY, onClosed: () => {} } });
    flushSync();
    // The dossier is shown at once; the rescoring comes after its first screens.
    expect(rescorings(core.calls)).toEqual([]);
    await vi.advanceTimersByTimeAsync(RESCORING_DELAY_MS);
    expect(rescorings(core.calls)).toEqual([{ asOf: null, ifDue: true }]);
    // Still once a while later: the next start is the next day's.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(rescorings(core.calls)).toHaveLength(1);
  });

  it("ignores a refused start and tries again the next day; stops with the view", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    // A rescoring already runs (started by "Recalculer"): the daily start is refused, silently.
    await store.start({ kind: "rescoring" });
    const daily = dailyRescoring(store);
    daily.start();
    await vi.advanceTimersByTimeAsync(RESCORING_DELAY_MS);
    expect(rescorings(core.calls)).toEqual([{ asOf: null }, { asOf: null, ifDue: true }]);
    expect(store.running.map((j) => j.id)).toEqual([1]);
    core.finish(1, { kind: "rescoringSkipped", report: { asOf: "2026-11-24" } });
    await vi.advanceTimersByTimeAsync(DAY_MS);
    expect(rescorings(core.calls)).toHaveLength(3);
    expect(store.running.map((j) => j.kind)).toEqual(["rescoring"]);
    daily.stop();
    await vi.advanceTimersByTimeAsync(2 * DAY_MS);
    expect(rescorings(core.calls)).toHaveLength(3);
  });
});
