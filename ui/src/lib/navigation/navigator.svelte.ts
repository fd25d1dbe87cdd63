/**
 * The navigation of an open dossier: the current route, back/forward, the URL hash kept in step
 * (deep links `#client/42`, `#invoice/F-2026-0042`), and an invoice link resolved to its client.
 */
import { api } from "../api";
import type { Section } from "../components/Sidebar.svelte";
import * as routes from "./routes";
import type { Route } from "./routes";

export class Navigator {
  #history = $state.raw<routes.History>(routes.start({ kind: "section", section: "dashboard" }));
  /** Whether the command palette is open. */
  paletteOpen = $state(false);

  constructor(initialHash = typeof location === "undefined" ? "" : location.hash) {
    const first = routes.parseRoute(initialHash);
    if (first) {
      this.#history = routes.start(first);
      if (first.kind === "invoice") void this.#resolveInvoice(first.number);
    }
  }

  get route(): Route {
    return routes.current(this.#history);
  }

  get section(): Section {
    return routes.sectionOf(this.route);
  }

  get canGoBack(): boolean {
    return this.#history.index > 0;
  }

  get canGoForward(): boolean {
    return this.#history.index < this.#history.entries.length - 1;
  }

  /** Goes to a route, adding it to the history. */
  go(route: Route): void {
    this.#history = routes.push(this.#history, route);
    this.#writeHash();
    if (route.kind === "invoice") void this.#resolveInvoice(route.number);
  }

  openClient(id: number, invoice?: string): void {
    this.go(invoice ? { kind: "client", id, invoice } : { kind: "client", id });
  }

  back(): void {
    this.#history = routes.back(this.#history);
    this.#writeHash();
  }

  forward(): void {
    this.#history = routes.forward(this.#history);
    this.#writeHash();
  }

  /** Follows a hash typed or clicked (`hashchange`); unknown hashes are ignored. */
  followHash(hash: string): void {
    const route = routes.parseRoute(hash);
    if (route && !routes.sameRoute(route, this.route)) this.go(route);
  }

  #writeHash(): void {
    if (typeof history === "undefined" || typeof location === "undefined") return;
    const hash = `#${routes.formatRoute(this.route)}`;
    // replaceState: the app keeps its own history (the web view's would also hold other pages).
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  /** An invoice link opens its client's page on that invoice (the first exact number found). */
  async #resolveInvoice(number: string): Promise<void> {
    try {
      const found = await api.paletteSearch(number, 10);
      const hit = found.invoices.find((i) => i.number === number) ?? found.invoices[0];
      if (hit && this.route.kind === "invoice") {
        this.#history = routes.replace(this.#history, { kind: "client", id: hit.clientId, invoice: hit.number });
        this.#writeHash();
      }
    } catch {
      // The invoice route stays; the page says the invoice was not found.
    }
  }
}
