/**
 * The state of the import of one open dossier, kept outside the Imports page so that leaving the
 * page during an import loses nothing: the core goes on in the background, the report and the
 * refreshed summary arrive when it is done.
 */
import { api, toCommandError, type CommandError } from "../api";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportReport } from "../bindings/ImportReport";

export class ImportJob {
  /** True from the click on "Importer" until the report (and the refreshed summary) is in. */
  running = $state(false);
  /** True once the user asked to stop; the core stops after the current file. */
  cancelling = $state(false);
  /** The last progress message of the running import; null before the first one. */
  progress = $state.raw<ImportProgress | null>(null);
  /** The report of the last import. */
  report = $state.raw<ImportReport | null>(null);
  /** Why the last import (or the request to stop it) was rejected. */
  error = $state.raw<CommandError | null>(null);
  /** Why the dashboard figures could not be refreshed after the import. */
  refreshError = $state.raw<CommandError | null>(null);

  readonly #onSummary: (summary: DossierSummary) => void;
  /** Numbers the runs, so that a late message of a finished run is ignored. */
  #run = 0;

  /** `onSummary` receives the dossier summary read again after each import. */
  constructor(onSummary: (summary: DossierSummary) => void) {
    this.#onSummary = onSummary;
  }

  /** Imports `paths`; does nothing while another import runs or when there is nothing to import. */
  async start(paths: readonly string[]): Promise<void> {
    if (this.running || paths.length === 0) return;
    const run = ++this.#run;
    this.running = true;
    this.cancelling = false;
    this.progress = null;
    this.report = null;
    this.error = null;
    this.refreshError = null;
    let report: ImportReport | null = null;
    try {
      report = await api.importFiles(paths, (progress) => {
        if (run === this.#run && this.running) this.progress = progress;
      });
    } catch (reason) {
      this.error = toCommandError(reason, "import_files");
    }
    // Even a failed or cancelled import may have stored some files: read the figures again.
    try {
      this.#onSummary(await api.dossierSummary());
    } catch (reason) {
      this.refreshError = toCommandError(reason, "dossier_summary");
    }
    this.report = report;
    this.progress = null;
    this.cancelling = false;
    this.running = false;
  }

  /** Asks the core to stop after the current file. */
  async cancel(): Promise<void> {
    if (!this.running || this.cancelling) return;
    this.cancelling = true;
    try {
      await api.cancelImport();
    } catch (reason) {
      this.cancelling = false;
      this.error = toCommandError(reason, "cancel_import");
    }
  }

  dismissError(): void {
    this.error = null;
  }

  dismissRefreshError(): void {
    this.refreshError = null;
  }
}
