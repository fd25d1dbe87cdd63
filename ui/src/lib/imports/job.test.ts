// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { channelArg, sendOnChannel } from "../api/testing";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportReport } from "../bindings/ImportReport";
import { ImportJob } from "./job.svelte";

const SUMMARY = { path: "/tmp/demo.encours", invoices: 2403 } as DossierSummary;
const REPORT: ImportReport = { files: [], imported: 3, duplicates: 1, failed: 0, cancelled: false };

afterEach(() => clearMocks());

/** A mocked `import_files` that the test finishes by hand. */
function pendingImport(): {
  calls: string[];
  progress: (index: number, message: ImportProgress) => void;
  finish: (report: ImportReport) => void;
  fail: (error: unknown) => void;
} {
  const calls: string[] = [];
  let channel: ReturnType<typeof channelArg<ImportProgress>> | undefined;
  let resolve: (report: ImportReport) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  mockIPC((cmd, args) => {
    calls.push(cmd);
    if (cmd === "import_files") {
      channel = channelArg<ImportProgress>(args, "onProgress");
      return new Promise<ImportReport>((ok, ko) => {
        resolve = ok;
        reject = ko;
      });
    }
    if (cmd === "dossier_summary") return SUMMARY;
    if (cmd === "cancel_import") return null;
    throw new Error(`unexpected ${cmd}`);
  });
  return {
    calls,
    progress: (index, message) => {
      if (!channel) throw new Error("import_files was not called");
      sendOnChannel(channel, index, message);
    },
    finish: (report) => resolve(report),
    fail: (error) => reject(error),
  };
}

describe("ImportJob", () => {
  it("follows the progress, then keeps the report and refreshes the summary", async () => {
    const backend = pendingImport();
    const onSummary = vi.fn();
    const job = new ImportJob(onSummary);
    const done = job.start(["/in"]);
    expect(job.running).toBe(true);
    expect(job.progress).toBeNull();
    await vi.waitFor(() => expect(backend.calls).toEqual(["import_files"]));
    backend.progress(0, { done: 0, total: 4, current: "/in/a.xml" });
    expect(job.progress).toEqual({ done: 0, total: 4, current: "/in/a.xml" });
    backend.progress(1, { done: 1, total: 4, current: "/in/b.xml" });
    expect(job.progress?.done).toBe(1);
    backend.finish(REPORT);
    await done;
    expect(backend.calls).toEqual(["import_files", "dossier_summary"]);
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    expect(job.report).toEqual(REPORT);
    expect(job.running).toBe(false);
    expect(job.progress).toBeNull();
    expect(job.error).toBeNull();
  });

  it("ignores a second start while running, and empty path lists", async () => {
    const backend = pendingImport();
    const job = new ImportJob(() => {});
    await job.start([]);
    expect(backend.calls).toEqual([]);
    const first = job.start(["/a"]);
    await job.start(["/b"]);
    await vi.waitFor(() => expect(backend.calls).toEqual(["import_files"]));
    backend.finish(REPORT);
    await first;
    expect(backend.calls).toEqual(["import_files", "dossier_summary"]);
  });

  it("asks the core to stop once, and reports the cancellation", async () => {
    const backend = pendingImport();
    const job = new ImportJob(() => {});
    const done = job.start(["/in"]);
    await vi.waitFor(() => expect(backend.calls).toEqual(["import_files"]));
    await job.cancel();
    await job.cancel();
    expect(job.cancelling).toBe(true);
    expect(backend.calls).toEqual(["import_files", "cancel_import"]);
    backend.finish({ ...REPORT, cancelled: true });
    await done;
    expect(job.report?.cancelled).toBe(true);
    expect(job.cancelling).toBe(false);
  });

  it("does not cancel when nothing runs", async () => {
    const backend = pendingImport();
    const job = new ImportJob(() => {});
    await job.cancel();
    expect(backend.calls).toEqual([]);
    expect(job.cancelling).toBe(false);
  });

  it("keeps the error of a rejected import and still refreshes the summary", async () => {
    const backend = pendingImport();
    const onSummary = vi.fn();
    const job = new ImportJob(onSummary);
    const done = job.start(["/in"]);
    await vi.waitFor(() => expect(backend.calls).toEqual(["import_files"]));
    backend.fail({ code: "Storage", message: "disk I/O error" });
    await done;
    expect(job.error?.code).toBe("Storage");
    expect(job.error?.message).toBe("disk I/O error");
    expect(job.report).toBeNull();
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    job.dismissError();
    expect(job.error).toBeNull();
  });

  it("keeps the report when the summary cannot be read again", async () => {
    mockIPC((cmd) => {
      if (cmd === "import_files") return REPORT;
      throw { code: "NoDossierOpen", message: "no dossier is open" };
    });
    const onSummary = vi.fn();
    const job = new ImportJob(onSummary);
    await job.start(["/in"]);
    expect(job.report).toEqual(REPORT);
    expect(job.refreshError?.code).toBe("NoDossierOpen");
    expect(onSummary).not.toHaveBeenCalled();
  });

  it("ignores progress that arrives after the end", async () => {
    let late: (() => void) | undefined;
    mockIPC((cmd, args) => {
      if (cmd === "import_files") {
        const channel = channelArg<ImportProgress>(args, "onProgress");
        late = () => sendOnChannel(channel, 0, { done: 0, total: 1, current: "/late.xml" });
        return REPORT;
      }
      return SUMMARY;
    });
    const job = new ImportJob(() => {});
    await job.start(["/in"]);
    late?.();
    expect(job.progress).toBeNull();
  });
});
