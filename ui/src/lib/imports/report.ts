/** Pure helpers of the Imports screen: what the user typed, and how a report is shown. */
import type { ImportFileReport } from "../bindings/ImportFileReport";
import type { ImportOutcome } from "../bindings/ImportOutcome";

/** The paths in the text field: one per line, trimmed, blank lines and repeats dropped. */
export function parsePaths(text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split(/\r\n|\r|\n/)) {
    const path = line.trim();
    if (path !== "") seen.add(path);
  }
  return [...seen];
}

/**
 * The last part of a file label: "/a/b/facture.pdf" → "facture.pdf",
 * "lot.zip!2026/f.xml" → "f.xml". The label itself when it ends with a separator.
 */
export function shortName(label: string): string {
  const parts = label.split(/[/\\!]/);
  const last = parts[parts.length - 1] ?? "";
  return last === "" ? label : last;
}

/**
 * A file name cut after each "_", "-" and ".", so that a long name wraps at those places
 * ("F2025_INV.xml" → ["F2025_", "INV.", "xml"]).
 */
export function nameParts(name: string): string[] {
  return name.split(/(?<=[_.-])/);
}

/** Outcomes in the order of the summary line and of the filter chips. */
export const OUTCOMES: readonly ImportOutcome[] = ["imported", "duplicate", "failed", "ignored"];

export type OutcomeCounts = Readonly<Record<ImportOutcome, number>>;

export function countOutcomes(files: readonly ImportFileReport[]): OutcomeCounts {
  const counts: Record<ImportOutcome, number> = { failed: 0, duplicate: 0, imported: 0, ignored: 0 };
  for (const file of files) counts[file.outcome] += 1;
  return counts;
}

/** The lines to show: those of `filter` (all when null), failures first, otherwise in reading order. */
export function visibleLines(
  files: readonly ImportFileReport[],
  filter: ImportOutcome | null,
): ImportFileReport[] {
  const kept = filter === null ? [...files] : files.filter((file) => file.outcome === filter);
  // Array.prototype.sort is stable: lines of the same rank keep the order the core read them in.
  return kept.sort((a, b) => Number(b.outcome === "failed") - Number(a.outcome === "failed"));
}
