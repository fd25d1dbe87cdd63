/**
 * The state of the reconciliation screen of one open dossier: the payments shown, the last
 * automatic run, and the actions under way. Kept outside the page (like the import job) so that
 * a run started before leaving the page still refreshes the dashboard when it ends, and a second
 * run cannot be started meanwhile.
 */
import { SvelteMap } from "svelte/reactivity";
import { api, toCommandError, type CommandError } from "../api";
import type { BankLineView } from "../bindings/BankLineView";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { MatchRunReport } from "../bindings/MatchRunReport";
import type { ReconciliationView } from "../bindings/ReconciliationView";
import { parseInvoiceNumbers, withLine } from "./view";

/** What a person can do to one payment. */
export type LineAction = "accept" | "reject" | "manual" | "unmatch" | "ignore";

/**
 * An action under way on a payment. `key` is the proposal's for accept and reject, the invoice
 * numbers separated by spaces for a manual match, empty for unmatch and ignore.
 */
export interface PendingAction {
  action: LineAction;
  key: string;
}

/**
 * The last action that went through, with the payment as the core answered it. A manual match is
 * told as an accepted proposal: either way the payment is now matched by hand to one client.
 */
export interface DoneAction {
  action: Exclude<LineAction, "manual">;
  line: BankLineView;
}

/** The action that `error` is about, with its payment. */
export interface RefusedAction {
  paymentId: number;
  action: LineAction;
}

const COMMANDS: Readonly<Record<LineAction, string>> = {
  accept: "accept_proposal",
  reject: "reject_proposal",
  manual: "manual_match",
  unmatch: "unmatch_payment",
  ignore: "ignore_payment",
};

export class ReconciliationDesk {
  /** The payments and counts; null until the first load succeeds. */
  view = $state.raw<ReconciliationView | null>(null);
  /** Every payment (true) or the unmatched ones only (false, the default). */
  all = $state(false);
  /** A load of the view is under way. */
  loading = $state(false);
  /** An automatic run is under way (until the view is read again after it). */
  running = $state(false);
  /** What the last automatic run did. */
  report = $state.raw<MatchRunReport | null>(null);
  /** Why the last load, run or action was refused. */
  error = $state.raw<CommandError | null>(null);
  /** The action `error` refused; null when the error is a load's or a run's. */
  refused = $state.raw<RefusedAction | null>(null);
  /** Why the dashboard figures could not be read again after a change. */
  refreshError = $state.raw<CommandError | null>(null);
  /** The last action that went through. */
  done = $state.raw<DoneAction | null>(null);
  /** Actions under way, by payment id. */
  readonly pending = new SvelteMap<number, PendingAction>();

  readonly #onSummary: (summary: DossierSummary) => void;
  /** Numbers the loads, so that the answer of an older one never replaces a newer one. */
  #load = 0;

  /** `onSummary` receives the dossier summary read again after each change. */
  constructor(onSummary: (summary: DossierSummary) => void) {
    this.#onSummary = onSummary;
  }

  /** True while a run or an action may still change the dossier. */
  get busy(): boolean {
    return this.running || this.pending.size > 0;
  }

  /** Reads the view again, with every payment when `all`. */
  async load(all: boolean = this.all): Promise<void> {
    const load = ++this.#load;
    this.all = all;
    this.loading = true;
    try {
      const view = await api.reconciliation(all);
      if (load !== this.#load) return;
      this.view = view;
      this.#setError(null);
    } catch (reason) {
      if (load === this.#load) this.#setError(toCommandError(reason, "reconciliation"));
    } finally {
      if (load === this.#load) this.loading = false;
    }
  }

  /** Runs the automatic matching, then reads the view and the dashboard figures again. */
  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.report = null;
    this.#setError(null);
    this.done = null;
    let failure: CommandError | null = null;
    try {
      this.report = await api.runMatching();
    } catch (reason) {
      failure = toCommandError(reason, "run_matching");
    }
    // Even a refused run is followed by a fresh view: the list must show what the dossier holds.
    await this.load();
    if (failure) this.#setError(failure);
    await this.#refresh();
    this.running = false;
  }

  /**
   * Accepts or rejects proposal `key` of `paymentId`, matches it by hand to the invoice numbers
   * in `key` (see `manualMatch`), unmatches it or sets it aside. The answer replaces the payment
   * in the view. Resolves with false when nothing was done (another action on the same payment or
   * a run is under way, or the core refused: see `error` and `refused`).
   */
  async act(paymentId: number, action: LineAction, key = ""): Promise<boolean> {
    if (this.running || this.pending.has(paymentId)) return false;
    this.pending.set(paymentId, { action, key });
    this.#setError(null);
    this.done = null;
    try {
      const line = await this.#call(paymentId, action, key);
      if (this.view) this.view = withLine(this.view, line, this.all);
      this.done = { action: action === "manual" ? "accept" : action, line };
    } catch (reason) {
      this.#setError(toCommandError(reason, COMMANDS[action]), { paymentId, action });
      return false;
    } finally {
      this.pending.delete(paymentId);
    }
    await this.#refresh();
    return true;
  }

  /**
   * Matches `paymentId` by hand to the open invoices numbered `numbers` (one client's): the core
   * settles them oldest due date first, each up to what it leaves open, and leaves the rest of the
   * payment unallocated. It goes as any other action (`act`): one at a time on a payment, the
   * answer replaces the payment, the dashboard is read again. The numbers are read as typed ones
   * are (`parseInvoiceNumbers`): a number cannot hold a space, a comma or a semicolon.
   */
  manualMatch(paymentId: number, numbers: readonly string[]): Promise<boolean> {
    return this.act(paymentId, "manual", numbers.join(" "));
  }

  /** Why the last manual match of `paymentId` was refused, while that error stands. */
  manualError(paymentId: number): CommandError | null {
    const refused = this.refused;
    return refused?.action === "manual" && refused.paymentId === paymentId ? this.error : null;
  }

  dismissError(): void {
    this.#setError(null);
  }

  dismissRefreshError(): void {
    this.refreshError = null;
  }

  dismissReport(): void {
    this.report = null;
  }

  #call(paymentId: number, action: LineAction, key: string): Promise<BankLineView> {
    switch (action) {
      case "accept":
        return api.acceptProposal(paymentId, key);
      case "reject":
        return api.rejectProposal(paymentId, key);
      case "manual":
        return api.manualMatch(paymentId, parseInvoiceNumbers(key));
      case "unmatch":
        return api.unmatchPayment(paymentId);
      case "ignore":
        return api.ignorePayment(paymentId);
    }
  }

  /** Sets `error`, with the action it refused when it is one's. */
  #setError(error: CommandError | null, refused: RefusedAction | null = null): void {
    this.error = error;
    this.refused = error ? refused : null;
  }

  async #refresh(): Promise<void> {
    try {
      this.#onSummary(await api.dossierSummary());
      this.refreshError = null;
    } catch (reason) {
      this.refreshError = toCommandError(reason, "dossier_summary");
    }
  }
}
