// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { JobView } from "../bindings/JobView";
import { isFinished, JobsStore, reportOf } from "./jobs.svelte";
import { fakeJobs, runningJob } from "./testing";

afterEach(() => clearMocks());

const ids = (jobs: JobView[]): number[] => jobs.map((j) => j.id);

describe("JobsStore", () => {
  it("subscribes once, then starts each kind of job through its command", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    const a = await store.start({ kind: "import", paths: ["/in/a.xml", "/in/lot.zip"] });
    const b = await store.start({ kind: "letters" });
    const c = await store.start({ kind: "rescoring", asOf: "2026-11-01" });
    const d = await store.start({ kind: "sync", account: "pa" });
    expect(core.calls).toEqual([
      ["jobs_watch", expect.anything()],
      ["job_import", { paths: ["/in/a.xml", "/in/lot.zip"] }],
      ["job_letters", {}],
      ["job_rescoring", { asOf: "2026-11-01" }],
      ["job_sync", { account: "pa" }],
    ]);
    expect([a.kind, b.kind, c.kind, d.kind]).toEqual(["import", "letters", "rescoring", "sync"]);
    expect(ids(store.running)).toEqual([1, 2, 3, 4]);
    expect(store.runningOf("letters")?.id).toBe(2);
  });

  it("follows progress pushed by the core, and keeps finished jobs newest first after the running ones", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    await store.start({ kind: "import", paths: ["/in"] });
    await store.start({ kind: "letters" });
    await store.start({ kind: "rescoring" });
    core.progress(1, 40, 120, "/in/F-40.xml");
    await vi.waitFor(() => expect(store.get(1)?.progress).toEqual({ done: 40, total: 120, current: "/in/F-40.xml" }));
    core.finish(1, { kind: "import", report: { files: [], imported: 142, duplicates: 0, failed: 3, cancelled: false } });
    core.cancelled(2);
    await vi.waitFor(() => expect(ids(store.finished)).toEqual([2, 1]));
    expect(ids(store.jobs)).toEqual([3, 2, 1]);
    expect(reportOf(store.get(1), "import")?.imported).toBe(142);
    expect(reportOf(store.get(1), "letters")).toBeNull();
    expect(store.runningOf("import")).toBeNull();
  });

  it("never takes an ended job back to running (a late message)", () => {
    const store = new JobsStore();
    const job = runningJob(7, "sync");
    store.apply({ ...job, state: "done" });
    store.apply({ ...job, progress: { done: 1, total: 2, current: "" } });
    expect(store.get(7)?.state).toBe("done");
    expect(isFinished(store.get(7)!)).toBe(true);
  });

  it("resolves wait() when the job ends, at once if it has", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    const job = await store.start({ kind: "letters" });
    const waiting = store.wait(job.id);
    core.fail(job.id, { code: "Io", message: "disk full" });
    const end = await waiting;
    expect(end.state).toBe("failed");
    expect(end.error).toEqual({ code: "Io", message: "disk full" });
    expect((await store.wait(job.id)).state).toBe("failed");
  });

  it("asks the core to cancel, and keeps the refusal of a second job of a kind", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    await store.start({ kind: "import", paths: ["/in"] });
    await store.cancel(1);
    expect(core.calls).toContainEqual(["job_cancel", { id: 1 }]);
    expect(store.get(1)?.cancelRequested).toBe(true);
    await expect(store.start({ kind: "import", paths: ["/b"] })).rejects.toMatchObject({ code: "InvalidInput" });
    await store.cancel(99);
    expect(store.error?.code).toBe("InvalidInput");
  });

  it("reads the jobs that ran before the window was (re)loaded", async () => {
    const core = fakeJobs();
    core.jobs.set(4, { ...runningJob(4, "rescoring"), state: "done" });
    core.jobs.set(5, runningJob(5, "import"));
    const store = new JobsStore();
    await store.watch();
    expect(ids(store.jobs)).toEqual([5, 4]);
    await store.refresh();
    expect(core.calls.map(([cmd]) => cmd)).toEqual(["jobs_watch", "jobs_list"]);
  });
});
