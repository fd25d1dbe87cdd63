/**
 * The state of the dashboard of one open dossier: the view the core computed, its load, what the
 * person asked to see in detail, and the open items behind it. Kept outside the page (like the
 * reconciliation desk) so that the summary cards, which live in `DossierView`, can open a detail too.
 */
import { api, toCommandError, type CommandError } from "../api";
import type { DashboardView } from "../bindings/DashboardView";
import type { OpenItemsFilter } from "../bindings/OpenItemsFilter";
import type { OpenItemsView } from "../bindings/OpenItemsView";
import { mark } from "../perf";
import { takePrefetchedDashboard } from "./prefetch";
import { itemsFilter, type DrillTarget } from "./view";

/** Items listed under a detail; the count and total always cover every item behind the figure. */
export const ITEMS_LIMIT = 200;

/** True when `items` is the list of `filter` as of `asOf`. */
function sameList(items: OpenItemsView, asOf: string, filter: OpenItemsFilter): boolean {
  return items.asOf === asOf && JSON.stringify(items.filter) === JSON.stringify(filter);
}

export class DashboardBoard {
  /** The dashboard; null until the first load succeeds. */
  view = $state.raw<DashboardView | null>(null);
  /** A load is under way. */
  loading = $state(false);
  /** Why the last load was refused. */
  error = $state.raw<CommandError | null>(null);
  /** What is shown in detail; null when no detail is open. */
  drill = $state.raw<DrillTarget | null>(null);
  /** The open items behind the detail shown; null while none is read or the detail has none. */
  items = $state.raw<OpenItemsView | null>(null);
  /** The open items of the detail are being read. */
  itemsLoading = $state(false);
  /** Why the last read of the open items was refused. */
  itemsError = $state.raw<CommandError | null>(null);

  readonly #onDrill: (target: DrillTarget) => void;
  /** Numbers the loads, so that the answer of an older one never replaces a newer one. */
  #load = 0;
  /** The same for the reads of open items. */
  #itemsLoad = 0;

  /** `onDrill` hears every detail opened, with its filter. */
  constructor(onDrill: (target: DrillTarget) => void = () => {}) {
    this.#onDrill = onDrill;
  }

  /** Reads the dashboard again. The view shown stays until the new one arrives. */
  async load(): Promise<void> {
    const load = ++this.#load;
    this.loading = true;
    try {
      // The first load after opening finds the dashboard already asked for (./prefetch); if that
      // request was refused, ask again: the refusal reported is this one's.
      const prefetched = takePrefetchedDashboard();
      const view = await (prefetched ? prefetched.catch(() => api.dashboard()) : api.dashboard());
      if (load !== this.#load) return;
      mark("dashboard-view");
      this.view = view;
      this.error = null;
      // The detail open lists the items of the new view's date (and of the ledger as it now is).
      if (this.drill) void this.loadItems();
    } catch (reason) {
      if (load === this.#load) this.error = toCommandError(reason, "dashboard");
    } finally {
      if (load === this.#load) this.loading = false;
    }
  }

  /**
   * Reads the open items behind the detail shown, as of the view's date so that they add up to
   * the figure on screen. The list shown stays while the same list is read again.
   */
  async loadItems(): Promise<void> {
    const load = ++this.#itemsLoad;
    const view = this.view;
    const filter = view && this.drill ? itemsFilter(view, this.drill) : null;
    if (!view || !filter) {
      this.items = null;
      this.itemsError = null;
      this.itemsLoading = false;
      return;
    }
    if (this.items && !sameList(this.items, view.asOf, filter)) this.items = null;
    this.itemsError = null;
    this.itemsLoading = true;
    try {
      const items = await api.openItems(view.asOf, filter, ITEMS_LIMIT);
      if (load === this.#itemsLoad) this.items = items;
    } catch (reason) {
      if (load === this.#itemsLoad) this.itemsError = toCommandError(reason, "open_items");
    } finally {
      if (load === this.#itemsLoad) this.itemsLoading = false;
    }
  }

  /** Opens the detail of `target` (a figure, a bucket, a client, a week), tells `onDrill`, and reads its items. */
  open(target: DrillTarget): void {
    this.drill = target;
    this.#onDrill(target);
    void this.loadItems();
  }

  /** Closes the detail. */
  close(): void {
    this.drill = null;
    // An answer still on its way is for a detail that is gone.
    this.#itemsLoad++;
    this.items = null;
    this.itemsError = null;
    this.itemsLoading = false;
  }

  dismissError(): void {
    this.error = null;
  }

  dismissItemsError(): void {
    this.itemsError = null;
  }
}
