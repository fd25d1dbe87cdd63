// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { ImportReport } from "../bindings/ImportReport";
import { JobsStore } from "../jobs/jobs.svelte";
import { fakeJobs } from "../jobs/testing";
import { ImportJob } from "./job.svelte";

const SUMMARY = { path: "/tmp/demo.encours", invoices: 2403 } as DossierSummary;
const REPORT: ImportReport = { files: [], imported: 3, duplicates: 1, failed: 0, cancelled: false };

afterEach(() => clearMocks());

/** The fake core's jobs, answering `dossier_summary` with SUMMARY. */
function core(summary: () => unknown = () => SUMMARY) {
  return fakeJobs((cmd) => {
    if (cmd === "dossier_summary") return summary();
    throw new Error(`unexpected ${cmd}`);
  });
}

const commands = (calls: [string, unknown][]): string[] => calls.map(([cmd]) => cmd);

describe("ImportJob", () => {
  it("runs the import as a background job, follows its progress, then keeps the report and refreshes the summary", async () => {
    const backend = core();
    const onSummary = vi.fn();
    const job = new ImportJob(onSummary, new JobsStore());
    const done = job.start(["/in"]);
    expect(job.running).toBe(true);
    expect(job.progress).toBeNull();
    await vi.waitFor(() => expect(commands(backend.calls)).toEqual(["jobs_watch", "job_import"]));
    expect(backend.calls[1]?.[1]).toEqual({ paths: ["/in"] });
    backend.progress(1, 0, 4, "/in/a.xml");
    await vi.waitFor(() => expect(job.progress).toEqual({ done: 0, total: 4, current: "/in/a.xml" }));
    backend.progress(1, 1, 4, "/in/b.xml");
    expect(job.progress?.done).toBe(1);
    backend.finish(1, { kind: "import", report: REPORT });
    await done;
    expect(commands(backend.calls)).toEqual(["jobs_watch", "job_import", "dossier_summary"]);
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    expect(job.report).toEqual(REPORT);
    expect(job.running).toBe(false);
    expect(job.progress).toBeNull();
    expect(job.error).toBeNull();
  });

  it("ignores a second start while running, and empty path lists", async () => {
    const backend = core();
    const job = new ImportJob(() => {}, new JobsStore());
    await job.start([]);
    expect(backend.calls).toEqual([]);
    const first = job.start(["/a"]);
    await job.start(["/b"]);
    await vi.waitFor(() => expect(commands(backend.calls)).toContain("job_import"));
    backend.finish(1, { kind: "import", report: REPORT });
    await first;
    expect(commands(backend.calls).filter((c) => c === "job_import")).toHaveLength(1);
  });

  it("asks the core to stop once, and reports the cancellation", async () => {
    const backend = core();
    const job = new ImportJob(() => {}, new JobsStore());
    const done = job.start(["/in"]);
    await vi.waitFor(() => expect(commands(backend.calls)).toContain("job_import"));
    await vi.waitFor(() => expect(job.job?.id).toBe(1));
    await job.cancel();
    await job.cancel();
    expect(job.cancelling).toBe(true);
    expect(commands(backend.calls).filter((c) => c === "job_cancel")).toHaveLength(1);
    backend.cancelled(1, { kind: "import", report: { ...REPORT, cancelled: true } });
    await done;
    expect(job.report?.cancelled).toBe(true);
    expect(job.cancelling).toBe(false);
  });

  it("says cancelled when the job stopped before reading any file", async () => {
    const backend = core();
    const job = new ImportJob(() => {}, new JobsStore());
    const done = job.start(["/in"]);
    await vi.waitFor(() => expect(job.job?.id).toBe(1));
    backend.cancelled(1);
    await done;
    expect(job.report).toEqual({ files: [], imported: 0, duplicates: 0, failed: 0, cancelled: true });
  });

  it("sees a cancel asked from elsewhere (the tray)", async () => {
    const backend = core();
    const store = new JobsStore();
    const job = new ImportJob(() => {}, store);
    const done = job.start(["/in"]);
    await vi.waitFor(() => expect(job.job?.id).toBe(1));
    await store.cancel(1);
    expect(job.cancelling).toBe(true);
    backend.cancelled(1);
    await done;
  });

  it("does not cancel when nothing runs", async () => {
    const backend = core();
    const job = new ImportJob(() => {}, new JobsStore());
    await job.cancel();
    expect(backend.calls).toEqual([]);
    expect(job.cancelling).toBe(false);
  });

  it("keeps the error of a failed import job and still refreshes the summary", async () => {
    const backend = core();
    const onSummary = vi.fn();
    const job = new ImportJob(onSummary, new JobsStore());
    const done = job.start(["/in"]);
    await vi.waitFor(() => expect(job.job?.id).toBe(1));
    backend.fail(1, { code: "Storage", message: "disk I/O error" });
    await done;
    expect(job.error?.code).toBe("Storage");
    expect(job.error?.message).toBe("disk I/O error");
    expect(job.report).toBeNull();
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    job.dismissError();
    expect(job.error).toBeNull();
  });

  it("keeps the refusal of the core (an import already running) as the error", async () => {
    const backend = core();
    const store = new JobsStore();
    const other = new ImportJob(() => {}, store);
    void other.start(["/first"]);
    await vi.waitFor(() => expect(other.job?.id).toBe(1));
    const job = new ImportJob(() => {}, store);
    await job.start(["/second"]);
    expect(job.error?.code).toBe("InvalidInput");
    expect(job.error?.message).toContain("déjà en cours");
    backend.finish(1, { kind: "import", report: REPORT });
  });

  it("keeps the report when the summary cannot be read again", async () => {
    const backend = core(() => {
      throw { code: "NoDossierOpen", message: "no dossier is open" };
    });
    const onSummary = vi.fn();
    const job = new ImportJob(onSummary, new JobsStore());
    const done = job.start(["/in"]);
    await vi.waitFor(() => expect(job.job?.id).toBe(1));
    backend.finish(1, { kind: "import", report: REPORT });
    await done;
    expect(job.report).toEqual(REPORT);
    expect(job.refreshError?.code).toBe("NoDossierOpen");
    expect(onSummary).not.toHaveBeenCalled();
  });
});
