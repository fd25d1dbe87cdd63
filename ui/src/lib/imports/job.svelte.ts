/**
 * The import of one open dossier, as the Imports page shows it. The import itself is a background
 * job of the core (../jobs): leaving the page, or cancelling from the jobs tray, loses nothing; the
 * report and the refreshed summary arrive when it is done.
 */
import { api, toCommandError, type CommandError } from "../api";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportReport } from "../bindings/ImportReport";
import type { JobView } from "../bindings/JobView";
import { jobs as sharedJobs, reportOf, type JobsStore } from "../jobs/jobs.svelte";

/** What a job cancelled before it read any file reports. */
const NOTHING_DONE: ImportReport = { files: [], imported: 0, duplicates: 0, failed: 0, cancelled: true };

export class ImportJob {
  /** True from the click on "Importer" until the report (and the refreshed summary) is in. */
  running = $state(false);
  /** The report of the last import. */
  report = $state.raw<ImportReport | null>(null);
  /** Why the last import (or the request to stop it) was rejected. */
  error = $state.raw<CommandError | null>(null);
  /** Why the dashboard figures could not be refreshed after the import. */
  refreshError = $state.raw<CommandError | null>(null);

  readonly #onSummary: (summary: DossierSummary) => void;
  readonly #jobs: JobsStore;
  /** The job of the running import, once the core has started it. */
  #id = $state<number | null>(null);
  /** Asked to stop from this page (the tray's request shows through the job itself). */
  #cancelling = $state(false);

  /** `onSummary` receives the dossier summary read again after each import. */
  constructor(onSummary: (summary: DossierSummary) => void, store: JobsStore = sharedJobs) {
    this.#onSummary = onSummary;
    this.#jobs = store;
  }

  /** The running import's job. */
  get job(): JobView | null {
    return this.running ? this.#jobs.get(this.#id) : null;
  }

  /** True once the user asked to stop; the core stops after the current file. */
  get cancelling(): boolean {
    return this.running && (this.#cancelling || (this.job?.cancelRequested ?? false));
  }

  /** Where the running import is; null before the files are listed. */
  get progress(): ImportProgress | null {
    const job = this.job;
    if (!job || job.state !== "running" || job.progress.total === 0) return null;
    return { done: job.progress.done, total: job.progress.total, current: job.progress.current };
  }

  /** Imports `paths`; does nothing while another import runs or when there is nothing to import. */
  async start(paths: readonly string[]): Promise<void> {
    if (this.running || paths.length === 0) return;
    this.running = true;
    this.#cancelling = false;
    this.#id = null;
    this.report = null;
    this.error = null;
    this.refreshError = null;
    let report: ImportReport | null = null;
    try {
      const started = await this.#jobs.start({ kind: "import", paths });
      this.#id = started.id;
      // "Annuler" pressed while the core was starting the job.
      if (this.#cancelling) void this.#jobs.cancel(started.id);
      const end = await this.#jobs.wait(started.id);
      if (end.state === "failed" && end.error) this.error = toCommandError(end.error, "job_import");
      else report = reportOf(end, "import") ?? (end.state === "cancelled" ? NOTHING_DONE : null);
    } catch (reason) {
      this.error = toCommandError(reason, "job_import");
    }
    // Even a failed or cancelled import may have stored some files: read the figures again.
    try {
      this.#onSummary(await api.dossierSummary());
    } catch (reason) {
      this.refreshError = toCommandError(reason, "dossier_summary");
    }
    this.report = report;
    this.#id = null;
    this.#cancelling = false;
    this.running = false;
  }

  /** Asks the core to stop after the current file. */
  async cancel(): Promise<void> {
    if (!this.running || this.cancelling) return;
    this.#cancelling = true;
    if (this.#id !== null) await this.#jobs.cancel(this.#id);
  }

  dismissError(): void {
    this.error = null;
  }

  dismissRefreshError(): void {
    this.refreshError = null;
  }
}
