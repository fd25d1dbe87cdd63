import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_LOCK_MINUTES, InactivityTimer, lockMinutes, setLockMinutes } from "./inactivity";

afterEach(() => vi.useRealTimers());

function memory(): Storage {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
  } as Storage;
}

describe("InactivityTimer", () => {
  it("runs once after the delay without activity, and not while there is some", () => {
    vi.useFakeTimers();
    const target = new EventTarget();
    const idle = vi.fn();
    const timer = new InactivityTimer(10, idle);
    timer.start(target);
    vi.advanceTimersByTime(9 * 60_000);
    target.dispatchEvent(new Event("pointerdown"));
    vi.advanceTimersByTime(9 * 60_000);
    expect(idle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(idle).toHaveBeenCalledTimes(1);
    // Idle: activity does not re-arm it until restart (the lock screen is up).
    target.dispatchEvent(new Event("keydown"));
    vi.advanceTimersByTime(20 * 60_000);
    expect(idle).toHaveBeenCalledTimes(1);
    timer.restart();
    vi.advanceTimersByTime(10 * 60_000);
    expect(idle).toHaveBeenCalledTimes(2);
    timer.stop();
    vi.advanceTimersByTime(60 * 60_000);
    expect(idle).toHaveBeenCalledTimes(2);
  });
});

describe("lock delay setting", () => {
  it("defaults to 10 minutes and keeps whole minutes between 1 and 240", () => {
    const s = memory();
    expect(lockMinutes(s)).toBe(DEFAULT_LOCK_MINUTES);
    expect(DEFAULT_LOCK_MINUTES).toBe(10);
    expect(setLockMinutes(5, s)).toBe(5);
    expect(lockMinutes(s)).toBe(5);
    expect(setLockMinutes(0, s)).toBe(1);
    expect(setLockMinutes(1000, s)).toBe(240);
    s.setItem("encours.lockMinutes", "abc");
    expect(lockMinutes(s)).toBe(DEFAULT_LOCK_MINUTES);
  });
});
