import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BackupSchedule, DAY_MS, FIRST_DELAY_MS } from "./schedule";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("BackupSchedule", () => {
  it("asks shortly after opening, then once a day, and stops when the dossier closes", async () => {
    const ask = vi.fn(async () => null);
    const done = vi.fn();
    const schedule = new BackupSchedule(ask, () => {}, done);
    schedule.start();
    expect(ask).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(FIRST_DELAY_MS);
    expect(ask).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenLastCalledWith("notDue");
    await vi.advanceTimersByTimeAsync(DAY_MS);
    expect(ask).toHaveBeenCalledTimes(2);
    schedule.stop();
    await vi.advanceTimersByTimeAsync(3 * DAY_MS);
    expect(ask).toHaveBeenCalledTimes(2);
  });

  it("reports a failure and a backup taken, and never overlaps two requests", async () => {
    let finish: (v: unknown) => void = () => {};
    const ask = vi.fn(() => new Promise((resolve) => (finish = resolve)));
    const failed = vi.fn();
    const done = vi.fn();
    const schedule = new BackupSchedule(ask, failed, done, 10, 100);
    schedule.start();
    await vi.advanceTimersByTimeAsync(10);
    await vi.advanceTimersByTimeAsync(100);
    expect(ask).toHaveBeenCalledTimes(1);
    finish({ path: "/b.encbak" });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toHaveBeenCalledWith("taken");

    ask.mockImplementationOnce(() => Promise.reject({ code: "Io", message: "disk full" }));
    await vi.advanceTimersByTimeAsync(100);
    expect(failed).toHaveBeenCalledWith({ code: "Io", message: "disk full" });
    schedule.stop();
  });
});
