/**
 * The inactivity timer that locks the app (issue 12). Any keyboard, pointer, wheel or touch
 * activity restarts it; after `minutes` without any, `onIdle` runs once (until `restart`).
 * The delay is a setting kept in `localStorage` (`encours.lockMinutes`, default 10, 1 to 240).
 */

/** The default delay before the app locks, minutes. */
export const DEFAULT_LOCK_MINUTES = 10;
const STORAGE_KEY = "encours.lockMinutes";
const ACTIVITY_EVENTS = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"] as const;

/** The configured delay, minutes (the default when unset or invalid). */
export function lockMinutes(storage: Pick<Storage, "getItem"> | undefined = globalThis.localStorage): number {
  const raw = storage?.getItem(STORAGE_KEY);
  const n = raw == null ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 240 ? n : DEFAULT_LOCK_MINUTES;
}

/** Sets the delay (whole minutes, 1 to 240); returns what was stored. */
export function setLockMinutes(
  minutes: number,
  storage: Pick<Storage, "setItem"> | undefined = globalThis.localStorage,
): number {
  const n = Math.min(240, Math.max(1, Math.round(minutes)));
  storage?.setItem(STORAGE_KEY, String(n));
  return n;
}

export class InactivityTimer {
  #handle: ReturnType<typeof setTimeout> | undefined;
  #target: EventTarget | undefined;
  #idle = false;
  readonly #onActivity = (): void => {
    if (!this.#idle) this.#arm();
  };

  readonly #minutes: number;
  readonly #onIdle: () => void;

  constructor(minutes: number, onIdle: () => void) {
    this.#minutes = minutes;
    this.#onIdle = onIdle;
  }

  /** Starts watching `target` (the window by default). */
  start(target: EventTarget = window): void {
    this.stop();
    this.#target = target;
    for (const e of ACTIVITY_EVENTS) target.addEventListener(e, this.#onActivity, { passive: true });
    this.restart();
  }

  /** Counts again from now (after an unlock). */
  restart(): void {
    this.#idle = false;
    this.#arm();
  }

  /** Stops watching; `onIdle` will not run. */
  stop(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
    if (this.#target) {
      for (const e of ACTIVITY_EVENTS) this.#target.removeEventListener(e, this.#onActivity);
    }
    this.#target = undefined;
  }

  #arm(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = setTimeout(() => {
      this.#handle = undefined;
      this.#idle = true;
      this.#onIdle();
    }, this.#minutes * 60_000);
  }
}
