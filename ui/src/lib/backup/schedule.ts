/**
 * The scheduled backup of the open dossier (issue 12). The core decides whether one is due
 * (`backup_if_due`: the newest backup is older than the policy's period); the app only asks, a few
 * seconds after the dossier opens (so the first screens are read before the backup holds the
 * dossier) and then once a day for as long as it stays open. Asking never blocks the UI: the
 * request runs in the background and a failure is reported to `onFailure`, nothing else.
 */

/** How long after opening the first request waits. */
export const FIRST_DELAY_MS = 3_000;
/** How often the request is repeated while the dossier stays open. */
export const DAY_MS = 24 * 60 * 60 * 1_000;

/** What one request reports: whether a backup was taken. */
export type BackupOutcome = "taken" | "notDue";

export class BackupSchedule {
  #first: ReturnType<typeof setTimeout> | null = null;
  #daily: ReturnType<typeof setInterval> | null = null;
  #running = false;

  constructor(
    /** Asks the core; resolves with the report when a backup was taken, null when none was due. */
    private readonly ask: () => Promise<unknown>,
    private readonly onFailure: (reason: unknown) => void,
    private readonly onDone: (outcome: BackupOutcome) => void = () => {},
    private readonly firstDelayMs = FIRST_DELAY_MS,
    private readonly periodMs = DAY_MS,
  ) {}

  /** Starts: the first request after `firstDelayMs`, then one every `periodMs`. */
  start(): void {
    this.stop();
    this.#first = setTimeout(() => void this.runOnce(), this.firstDelayMs);
    this.#daily = setInterval(() => void this.runOnce(), this.periodMs);
  }

  /** Stops (the dossier was closed); a request already sent still finishes. */
  stop(): void {
    if (this.#first !== null) clearTimeout(this.#first);
    if (this.#daily !== null) clearInterval(this.#daily);
    this.#first = null;
    this.#daily = null;
  }

  /** One request; skipped while the previous one still runs (a large dossier takes a while). */
  async runOnce(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      const report = await this.ask();
      this.onDone(report === null || report === undefined ? "notDue" : "taken");
    } catch (reason) {
      this.onFailure(reason);
    } finally {
      this.#running = false;
    }
  }
}
