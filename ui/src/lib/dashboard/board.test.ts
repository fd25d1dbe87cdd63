// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, CommandError } from "../api";
import { dashboardFixture, emptyDashboardFixture, fakeDashboard, openItemsFixture } from "../api/testing";
import type { OpenItemsFilter } from "../bindings/OpenItemsFilter";
import { DashboardBoard, ITEMS_LIMIT } from "./board.svelte";

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

  it("reads the open items behind a detail as of the view's date, and none for a ratio", async () => {
    const seen: [string, unknown][] = [];
    const fake = fakeDashboard();
    mockIPC((cmd, args) => {
      if (cmd === "open_items") seen.push([cmd, args]);
      return fake.handle(cmd, args);
    });
    const board = new DashboardBoard();
    board.open({ kind: "bucket", index: 4 });
    expect(seen).toEqual([]); // no view yet: nothing to filter on
    // The view arrives with the detail open: its items are read for the view's date.
    await board.load();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual([
      ["open_items", { asOf: "2026-11-23", filter: { kind: "bucket", minDays: 91, maxDays: null }, limit: ITEMS_LIMIT }],
    ]);
    expect(board.items).toMatchObject({ count: 9, total: "67050.30" });
    expect(board.itemsLoading).toBe(false);

    board.open({ kind: "figure", figure: "dso" });
    await Promise.resolve();
    expect(board.items).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it("keeps the answer for the detail shown: a late one for another detail, or after closing, is dropped", async () => {
    const fake = backend();
    const board = new DashboardBoard();
    await board.load();
    // Each open_items call waits until the test answers it.
    const answer: (() => void)[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "open_items") return fake.handle(cmd, args);
      const { filter } = args as { filter: OpenItemsFilter };
      return new Promise((resolve) => answer.push(() => resolve(openItemsFixture("2026-11-23", filter))));
    });
    const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

    board.open({ kind: "figure", figure: "overdue" });
    board.open({ kind: "exposure", clientId: 12 });
    await flush();
    expect(answer).toHaveLength(2);
    expect(board.itemsLoading).toBe(true);
    answer[1]?.(); // the client's list, asked last, arrives first…
    await flush();
    answer[0]?.(); // …and the overdue list, asked first, arrives late
    await flush();
    expect(board.items?.filter).toEqual({ kind: "client", clientId: 12 });
    expect(board.itemsLoading).toBe(false);

    board.open({ kind: "figure", figure: "openBalance" });
    expect(board.items).toBeNull(); // not the client's list under the open balance
    board.close();
    await flush();
    answer[2]?.();
    await flush();
    expect(board.items).toBeNull();
    expect(board.itemsLoading).toBe(false);
  });

  it("keeps a refusal of the open items apart from the dashboard's, and reads them again with the view", async () => {
    const fake = backend();
    const board = new DashboardBoard();
    await board.load();
    fake.items = () => {
      throw { code: "Storage", message: "database is locked" };
    };
    board.open({ kind: "bucket", index: 2 });
    await board.loadItems();
    expect(board.itemsError).toMatchObject({ code: "Storage", command: "open_items" });
    expect(board.error).toBeNull();
    board.dismissItemsError();
    expect(board.itemsError).toBeNull();

    fake.items = openItemsFixture;
    const before = fake.calls.length;
    await board.load();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fake.calls.slice(before)).toEqual(["dashboard", "open_items"]);
    expect(board.items).toMatchObject({ total: "118402.75" });
  });
});
