/**
 * The dashboard asked for as soon as a dossier is open, before its page is built: the core reads
 * it (from its materialised view, or the aggregates) while the window renders the dossier's page,
 * and the board takes the answer instead of asking again (issue 11: cold start to an interactive
 * dashboard < 1 s). Used once, and only within a few seconds of the opening: when the window
 * opened on another page (a deep link), the dashboard visited later is read afresh.
 */
import { api } from "../api";
import type { DashboardView } from "../bindings/DashboardView";

/** How long a prefetched dashboard may wait for the board, in ms. */
export const PREFETCH_FRESH_MS = 5000;

let pending: { request: Promise<DashboardView>; at: number } | null = null;

/** Starts reading the dashboard of the dossier just opened; the request, which never rejects. */
export function prefetchDashboard(): Promise<unknown> {
  const request = api.dashboard();
  // A refusal is reported by the board's own load, which asks again.
  const settled = request.catch(() => {});
  pending = { request, at: performance.now() };
  return settled;
}

/** The dashboard being read since the dossier opened, once; null when none is pending. */
export function takePrefetchedDashboard(): Promise<DashboardView> | null {
  const taken = pending;
  pending = null;
  return taken && performance.now() - taken.at <= PREFETCH_FRESH_MS ? taken.request : null;
}
