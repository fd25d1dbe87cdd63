// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emptyDashboardFixture, fakeDashboard } from "../api/testing";
import { DashboardBoard } from "./board.svelte";
import { PREFETCH_FRESH_MS, prefetchDashboard, takePrefetchedDashboard } from "./prefetch";

afterEach(() => {
  clearMocks();
  vi.useRealTimers();
  takePrefetchedDashboard();
});

function backend(): ReturnType<typeof fakeDashboard> {
  const fake = fakeDashboard();
  mockIPC((cmd, args) => fake.handle(cmd, args));
  return fake;
}

describe("prefetchDashboard", () => {
  it("asks once: the board's first load takes the answer already on its way", async () => {
    const fake = backend();
    prefetchDashboard();
    expect(fake.calls).toEqual(["dashboard"]);
    const board = new DashboardBoard();
    await board.load();
    expect(fake.calls).toEqual(["dashboard"]);
    expect(board.view?.keyFigures.dsoCountback).toBe("52.4");
    // A later load asks the core again.
    fake.view = emptyDashboardFixture();
    await board.load();
    expect(fake.calls).toEqual(["dashboard", "dashboard"]);
    expect(board.view).toEqual(emptyDashboardFixture());
  });

  it("asks again when the prefetch was refused, and reports only the new answer", async () => {
    const fake = backend();
    fake.failNext({ code: "NoDossierOpen", message: "no dossier is open" });
    prefetchDashboard();
    const board = new DashboardBoard();
    await board.load();
    expect(fake.calls).toEqual(["dashboard", "dashboard"]);
    expect(board.error).toBeNull();
    expect(board.view?.keyFigures.dsoCountback).toBe("52.4");
  });

  it("drops a prefetch older than a few seconds (the window opened on another page)", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const fake = backend();
    prefetchDashboard();
    vi.advanceTimersByTime(PREFETCH_FRESH_MS + 1);
    fake.view = emptyDashboardFixture();
    const board = new DashboardBoard();
    await board.load();
    expect(fake.calls).toEqual(["dashboard", "dashboard"]);
    expect(board.view).toEqual(emptyDashboardFixture());
  });
});
