/**
 * The long jobs of the open dossier (issue 11 §4): import, sync, rescoring, batch letters. The core
 * runs them in the background and pushes every change through the channel `jobs_watch` gives;
 * this store keeps the last state of each, so any page (the Imports page, the Letters page, the
 * tray in the navigation bar) shows the same progress and report, and leaving a page loses nothing.
 */
import { api, toCommandError, type CommandError } from "../api";
import type { JobKind } from "../bindings/JobKind";
import type { JobReport } from "../bindings/JobReport";
import type { JobView } from "../bindings/JobView";

/** True once a job has ended (a state it never leaves). */
export function isFinished(job: JobView): boolean {
  return job.state !== "running";
}

/** How to start a job of each kind. */
export type JobStart =
  | { kind: "import"; paths: readonly string[] }
  | { kind: "letters" }
  | { kind: "rescoring"; asOf?: string; ifDue?: boolean }
  | { kind: "sync"; account?: string };

/** The report of a job if it is of kind `K`. */
export function reportOf<K extends JobReport["kind"]>(
  job: JobView | null | undefined,
  kind: K,
): ReportOf<K> | null {
  const r = job?.report;
  return r && r.kind === kind ? (r.report as unknown as ReportOf<K>) : null;
}

/** The report type of each job kind. */
type Reports = { [R in JobReport as R["kind"]]: R["report"] };
/** The report type of a job kind. */
export type ReportOf<K extends JobReport["kind"]> = Reports[K];

export class JobsStore {
  /** Every known job: running ones first (oldest first), then finished ones (newest first). */
  jobs = $state.raw<JobView[]>([]);
  /** Why the list could not be read or a job could not be started or cancelled. */
  error = $state.raw<CommandError | null>(null);

  #watching: Promise<void> | null = null;
  #waiters = new Map<number, ((job: JobView) => void)[]>();

  /** The running jobs. */
  get running(): JobView[] {
    return this.jobs.filter((j) => !isFinished(j));
  }

  /** The finished jobs, newest first. */
  get finished(): JobView[] {
    return this.jobs.filter(isFinished);
  }

  /** Job `id`, if known. */
  get(id: number | null | undefined): JobView | null {
    return id == null ? null : (this.jobs.find((j) => j.id === id) ?? null);
  }

  /** The running job of `kind`, if any (there is at most one per kind). */
  runningOf(kind: JobKind): JobView | null {
    return this.jobs.find((j) => j.kind === kind && !isFinished(j)) ?? null;
  }

  /** Subscribes to the core's job events (once; later calls wait for the first). */
  watch(): Promise<void> {
    this.#watching ??= api
      .jobsWatch((job) => this.apply(job))
      .then((all) => all.forEach((job) => this.apply(job)))
      .catch((reason: unknown) => {
        this.#watching = null;
        this.error = toCommandError(reason, "jobs_watch");
      });
    return this.#watching;
  }

  /** Takes in a job's new state. An ended job never goes back to running (a late message). */
  apply(job: JobView): void {
    const known = this.jobs.find((j) => j.id === job.id);
    if (known && isFinished(known) && !isFinished(job)) return;
    const rest = this.jobs.filter((j) => j.id !== job.id);
    const all = [...rest, job];
    // Running first (oldest first), then finished (newest first): the core's order.
    this.jobs = [
      ...all.filter((j) => !isFinished(j)).sort((a, b) => a.id - b.id),
      ...all.filter(isFinished).sort((a, b) => b.id - a.id),
    ];
    if (isFinished(job)) {
      const waiting = this.#waiters.get(job.id) ?? [];
      this.#waiters.delete(job.id);
      waiting.forEach((resolve) => resolve(job));
    }
  }

  /** Starts a job; resolves with it as it starts (rejects when the core refuses, e.g. one already runs). */
  async start(what: JobStart): Promise<JobView> {
    await this.watch();
    let job: JobView;
    switch (what.kind) {
      case "import":
        job = await api.jobImport(what.paths);
        break;
      case "letters":
        job = await api.jobLetters();
        break;
      case "rescoring":
        job = await api.jobRescoring(what.asOf, what.ifDue ?? false);
        break;
      case "sync":
        job = await api.jobSync(what.account);
        break;
    }
    // The channel may already have brought a newer state of the job than this answer.
    if (!this.get(job.id)) this.apply(job);
    return this.get(job.id) ?? job;
  }

  /** Resolves with job `id` once it has ended. */
  wait(id: number): Promise<JobView> {
    const known = this.get(id);
    if (known && isFinished(known)) return Promise.resolve(known);
    return new Promise((resolve) => {
      this.#waiters.set(id, [...(this.#waiters.get(id) ?? []), resolve]);
    });
  }

  /** Asks job `id` to stop at its next item; the job as the core then has it. */
  async cancel(id: number): Promise<void> {
    try {
      this.apply(await api.jobCancel(id));
    } catch (reason) {
      this.error = toCommandError(reason, "job_cancel");
    }
  }

  /** Reads every job again (e.g. after the window was reloaded). */
  async refresh(): Promise<void> {
    try {
      (await api.jobsList()).forEach((job) => this.apply(job));
    } catch (reason) {
      this.error = toCommandError(reason, "jobs_list");
    }
  }
}

/** The jobs of the window. */
export const jobs = new JobsStore();
