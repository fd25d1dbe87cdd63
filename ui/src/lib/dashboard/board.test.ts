// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, CommandError } from "../api";
import { dashboardFixture, emptyDashboardFixture, fakeDashboard } from "../api/testing";
import { DashboardBoard } from "./board.svelte";

afterEach(() => clearMocks());

function backend(): ReturnType<typeof fakeDashboard> {
  const fake = fakeDashboard();
  mockIPC((cmd, args) => fake.handle(cmd, args));
  return fake;
}

describe("api.dashboard", () => {
  it("sends the dashboard command without arguments and answers the core's view", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return dashboardFixture();
    });
    expect(await api.dashboard()).toEqual(dashboardFixture());
    expect(seen).toEqual([["dashboard", {}]]);
  });

  it("turns a refusal into a CommandError", async () => {
    mockIPC(() => {
      throw { code: "NoDossierOpen", message: "no dossier is open" };
    });
    const error = await api.dashboard().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ code: "NoDossierOpen", command: "dashboard" });
  });
});

describe("DashboardBoard", () => {
  it("loads the view and keeps it while reading it again", async () => {
    const fake = backend();
    const board = new DashboardBoard();
    const loading = board.load();
    expect(board.loading).toBe(true);
    await loading;
    expect(board.loading).toBe(false);
    expect(board.view?.keyFigures.dsoCountback).toBe("52.4");

    fake.view = emptyDashboardFixture();
    const release = fake.holdNext();
    const again = board.load();
    expect(board.view?.keyFigures.dsoCountback).toBe("52.4");
    release();
    await again;
    expect(board.view?.keyFigures.dsoCountback).toBeNull();
    expect(fake.calls).toEqual(["dashboard", "dashboard"]);
  });

  it("keeps the answer of the last load when an older one arrives late", async () => {
    const fake = backend();
    const board = new DashboardBoard();
    const release = fake.holdNext();
    const first = board.load();
    fake.view = emptyDashboardFixture();
    await board.load();
    release();
    await first;
    expect(board.view?.topExposures).toEqual([]);
    expect(board.loading).toBe(false);
  });

  it("keeps the refusal and the last view, and clears the refusal on the next success", async () => {
    const fake = backend();
    const board = new DashboardBoard();
    await board.load();
    fake.failNext({ code: "Storage", message: "database is locked" });
    await board.load();
    expect(board.error).toMatchObject({ code: "Storage", message: "database is locked" });
    expect(board.view).not.toBeNull();
    await board.load();
    expect(board.error).toBeNull();
    board.error = new CommandError("Internal", "x", "dashboard");
    board.dismissError();
    expect(board.error).toBeNull();
  });

  it("opens and closes a detail, telling onDrill what was asked", () => {
    const onDrill = vi.fn();
    const board = new DashboardBoard(onDrill);
    board.open({ kind: "bucket", index: 4 });
    expect(board.drill).toEqual({ kind: "bucket", index: 4 });
    board.open({ kind: "exposure", clientId: 12 });
    expect(onDrill.mock.calls).toEqual([[{ kind: "bucket", index: 4 }], [{ kind: "exposure", clientId: 12 }]]);
    board.close();
    expect(board.drill).toBeNull();
  });
});
