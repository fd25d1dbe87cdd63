/**
 * Named moments of the window's start, for the e2e perf spec (tests/e2e/perf.e2e.mjs), which reads
 * them with `performance.getEntriesByType("mark")` to say where the cold start's time goes: the
 * dossier's summary in, the dashboard's figures in, each chart drawn. Marks cost nothing to users.
 */
export function mark(name: string): void {
  if (typeof performance !== "undefined" && typeof performance.mark === "function") performance.mark(`encours:${name}`);
}
