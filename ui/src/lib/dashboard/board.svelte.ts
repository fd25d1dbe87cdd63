/**
 * The state of the dashboard of one open dossier: the view the core computed, its load, and what
 * the person asked to see in detail. Kept outside the page (like the reconciliation desk) so that
 * the summary cards, which live in `DossierView`, can open a detail too.
 */
import { api, toCommandError, type CommandError } from "../api";
import type { DashboardView } from "../bindings/DashboardView";
import type { DrillTarget } from "./view";

export class DashboardBoard {
  /** The dashboard; null until the first load succeeds. */
  view = $state.raw<DashboardView | null>(null);
  /** A load is under way. */
  loading = $state(false);
  /** Why the last load was refused. */
  error = $state.raw<CommandError | null>(null);
  /** What is shown in detail; null when no detail is open. */
  drill = $state.raw<DrillTarget | null>(null);

  readonly #onDrill: (target: DrillTarget) => void;
  /** Numbers the loads, so that the answer of an older one never replaces a newer one. */
  #load = 0;

  /**
   * `onDrill` hears every detail opened, with its filter: the hook for the list of open items that
   * will show the invoices behind a figure (no such list exists yet).
   */
  constructor(onDrill: (target: DrillTarget) => void = () => {}) {
    this.#onDrill = onDrill;
  }

  /** Reads the dashboard again. The view shown stays until the new one arrives. */
  async load(): Promise<void> {
    const load = ++this.#load;
    this.loading = true;
    try {
      const view = await api.dashboard();
      if (load !== this.#load) return;
      this.view = view;
      this.error = null;
    } catch (reason) {
      if (load === this.#load) this.error = toCommandError(reason, "dashboard");
    } finally {
      if (load === this.#load) this.loading = false;
    }
  }

  /** Opens the detail of `target` (a figure, a bucket, a client, a week) and tells `onDrill`. */
  open(target: DrillTarget): void {
    this.drill = target;
    this.#onDrill(target);
  }

  /** Closes the detail. */
  close(): void {
    this.drill = null;
  }

  dismissError(): void {
    this.error = null;
  }
}
