/**
 * Test helpers for code that runs background jobs (unit tests only): `fakeJobs` answers the job
 * commands the way the shell does — `job_import`, `job_letters`, `job_rescoring` and `job_sync`
 * answer at once with a running job (refused while one of the kind runs), every later change goes
 * through the channel `jobs_watch` gave — and lets the test move each job (progress, end) by hand.
 * Other commands go to `other`.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Channel } from "@tauri-apps/api/core";
import { channelArg, sendOnChannel } from "../api/testing";
import type { ApiError } from "../bindings/ApiError";
import type { JobKind } from "../bindings/JobKind";
import type { JobReport } from "../bindings/JobReport";
import type { JobView } from "../bindings/JobView";

/** The fake core's jobs, driven by the test. */
export interface FakeJobs {
  /** Every command received, with its arguments, in order. */
  readonly calls: [string, unknown][];
  /** The jobs as the fake holds them, by id. */
  readonly jobs: Map<number, JobView>;
  /** Moves job `id` to `done` of `total`, `current` being handled (sent through the channel). */
  progress(id: number, done: number, total: number, current?: string): void;
  /** Ends job `id` as done with `report`. */
  finish(id: number, report: JobReport): void;
  /** Ends job `id` as cancelled (with what it did, if anything). */
  cancelled(id: number, report?: JobReport | null): void;
  /** Ends job `id` as failed. */
  fail(id: number, error: ApiError): void;
}

/** A running job as the shell starts it. */
export function runningJob(id: number, kind: JobKind, label = `job ${id}`): JobView {
  return {
    id,
    kind,
    label,
    state: "running",
    progress: { done: 0, total: 0, current: "" },
    startedAt: "2026-11-24T10:00:00",
    finishedAt: null,
    cancelRequested: false,
    report: null,
    error: null,
  };
}

/**
 * Installs the fake with `mockIPC` (`options` are given to it: `shouldMockEvents` for tests of the
 * window's events); `other` answers every command that is not a job command.
 */
export function fakeJobs(
  other: (cmd: string, args: unknown) => unknown = unexpected,
  options?: Parameters<typeof mockIPC>[1],
): FakeJobs {
  const calls: [string, unknown][] = [];
  const jobs = new Map<number, JobView>();
  let channel: Channel<JobView> | null = null;
  let sent = 0;
  let next = 0;
  const push = (job: JobView): void => {
    jobs.set(job.id, job);
    if (channel) sendOnChannel(channel, sent++, job);
  };
  const change = (id: number, f: (job: JobView) => JobView): void => {
    const job = jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    push(f(job));
  };
  const end = (job: JobView): JobView => ({ ...job, finishedAt: "2026-11-24T10:00:09", progress: { ...job.progress, current: "" } });
  const start = (kind: JobKind, label: string): JobView => {
    const running = [...jobs.values()].find((j) => j.kind === kind && j.state === "running");
    if (running) throw { code: "InvalidInput", message: `${kind} déjà en cours (job ${running.id})` };
    const job = runningJob(++next, kind, label);
    jobs.set(job.id, job);
    return job;
  };
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    switch (cmd) {
      case "jobs_watch":
        channel = channelArg<JobView>(args, "onEvent");
        sent = 0; // a new channel counts its messages from 0
        return [...jobs.values()];
      case "jobs_list":
        return [...jobs.values()];
      case "job_import":
        return start("import", "Import");
      case "job_letters":
        return start("letters", "Courriers du plan");
      case "job_rescoring":
        return start("rescoring", "Notation des clients");
      case "job_sync":
        return start("sync", "Synchronisation des plateformes");
      case "job_cancel": {
        const id = (args as { id: number }).id;
        const job = jobs.get(id);
        if (!job) throw { code: "InvalidInput", message: `no job ${id}` };
        if (job.state === "running") jobs.set(id, { ...job, cancelRequested: true });
        return jobs.get(id);
      }
      default:
        return other(cmd, args);
    }
  }, options);
  return {
    calls,
    jobs,
    progress: (id, done, total, current = "") => change(id, (j) => ({ ...j, progress: { done, total, current } })),
    finish: (id, report) => change(id, (j) => ({ ...end(j), state: "done", report })),
    cancelled: (id, report = null) => change(id, (j) => ({ ...end(j), state: "cancelled", report })),
    fail: (id, error) => change(id, (j) => ({ ...end(j), state: "failed", error })),
  };
}

function unexpected(cmd: string): never {
  throw new Error(`unexpected ${cmd}`);
}
