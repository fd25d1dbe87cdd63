/**
 * The daily rescoring of the portfolio (issue 9: "recomputed daily for the whole portfolio —
 * background job with progress"). A minute after a dossier opens (its first screens are read
 * first), then once a day for as long as it stays open, the window starts the rescoring job with
 * `ifDue`: the core scores only when the day is not scored yet, otherwise the job ends at once with
 * a "rescoringSkipped" report. The job shows in the tray like any other, with its progress and
 * cancel. A refused start (a rescoring already runs, the dossier is locked) is ignored: the next
 * day's start, or the user's "Recalculer", will do.
 */
import { BackupSchedule } from "../backup/schedule";
import { jobs as sharedJobs, type JobsStore } from "./jobs.svelte";

/**
 * How long after opening the daily rescoring starts. A run holds the dossier for a few seconds on a
 * large ledger (about 5 s at 2,000,000 invoices), and commands wait for it: a minute leaves the
 * first screens someone opens (dashboard, portfolio, client pages) answered at once.
 */
export const RESCORING_DELAY_MS = 60_000;

/** The schedule of the daily rescoring on `store`: `start()` when the dossier opens, `stop()` when it closes. */
export function dailyRescoring(store: JobsStore = sharedJobs): BackupSchedule {
  return new BackupSchedule(
    () => store.start({ kind: "rescoring", ifDue: true }),
    () => {},
    () => {},
    RESCORING_DELAY_MS,
  );
}
