// @vitest-environment jsdom
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { JobView } from "../bindings/JobView";
import { api, CommandError, onFileDrag, type FileDrag } from "./index";
import { channelArg, sendOnChannel } from "./testing";

const SUMMARY: DossierSummary = {
  path: "/tmp/demo.encours",
  companyName: "Démo Industrie SAS",
  companySiren: "732829320",
  asOf: "2026-11-23",
  currency: "EUR",
  clients: 120,
  invoices: 2400,
  openItems: 830,
  openBalance: "1234567.89",
  overdueBalance: "234567.10",
  overdueItems: 210,
  otherCurrencies: [],
  integrity: "ok",
  integrityCheckedAt: "2026-11-23T09:00:00",
};

afterEach(() => clearMocks());

async function rejection(promise: Promise<unknown>): Promise<CommandError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommandError) return error;
    throw new Error(`rejected with something else: ${String(error)}`);
  }
  throw new Error("did not reject");
}

describe("api", () => {
  it("sends the dunning commands with the argument names the shell expects", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === "record_promise" || cmd === "update_scenario" ? 7 : null;
    });
    const template = { id: "relance", language: "fr", tone: "ferme", subject: "S", body: "{client}", variables: [] };
    await api.dunningPlan();
    await api.dunningRun();
    await api.sendOutbox();
    await api.dunningActions("planned", 50);
    await api.setActionState(3, "validated");
    expect(
      await api.recordPromise({ clientId: 1, invoiceIds: [], promisedFor: "2026-12-01", amount: "10.00", currency: null, channel: "phone" }),
    ).toBe(7);
    await api.promises();
    await api.phoneTasks(true);
    await api.recordPhoneOutcome(4, { kind: "no_answer" });
    await api.templates();
    await api.updateTemplate(template);
    expect(calls).toEqual([
      ["dunning_plan", {}],
      ["dunning_run", {}],
      ["send_outbox", {}],
      ["dunning_actions", { actionState: "planned", limit: 50 }],
      ["set_action_state", { action: 3, actionState: "validated", outcome: null }],
      ["record_promise", { promise: { clientId: 1, invoiceIds: [], promisedFor: "2026-12-01", amount: "10.00", currency: null, channel: "phone" } }],
      ["promises", { asOf: null }],
      ["phone_tasks", { openOnly: true }],
      ["record_phone_outcome", { task: 4, outcome: { kind: "no_answer" } }],
      ["templates", {}],
      ["update_template", { template }],
    ]);
  });

  it("sends the partial run and the preview with the argument names the shell expects", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    await api.dunningRunSelected({ clientIds: [12], keys: ["reminder:12:1:2:345"] });
    await api.dunningPreview(12, "reminder:12:1:2:345");
    expect(calls).toEqual([
      ["dunning_run_selected", { selection: { clientIds: [12], keys: ["reminder:12:1:2:345"] } }],
      ["dunning_preview", { clientId: 12, key: "reminder:12:1:2:345" }],
    ]);
  });

  it("sends each command with camelCase arguments", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "app_info") return { version: "0.1.0", demoPath: "/d.encours", keyMode: "environment", openOnStart: null };
      if (cmd === "close_dossier") return null;
      return SUMMARY;
    });

    expect(await api.appInfo()).toEqual({ version: "0.1.0", demoPath: "/d.encours", keyMode: "environment", openOnStart: null });
    expect(await api.createDossier({ path: "/a.encours", siren: "732829320", name: "ACME" })).toEqual(SUMMARY);
    await api.openDossier("/b.encours");
    await api.openDemo();
    await api.dossierSummary();
    expect(await api.closeDossier()).toBeNull();

    expect(calls.map(([cmd]) => cmd)).toEqual([
      "app_info",
      "create_dossier",
      "open_dossier",
      "open_demo",
      "dossier_summary",
      "close_dossier",
    ]);
    expect(calls[1]?.[1]).toEqual({ path: "/a.encours", siren: "732829320", name: "ACME", passphrase: null });
    expect(calls[2]?.[1]).toEqual({ path: "/b.encours", passphrase: null });
  });

  it("asks for the open items behind a figure with the dashboard's date, the filter and a limit", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return { asOf: "2026-11-23", currency: "EUR", filter: { kind: "overdue" }, items: [], count: 0, total: "0.00", otherCurrencies: [] };
    });
    const answer = await api.openItems("2026-11-23", { kind: "client", clientId: 12 }, 200);
    expect(answer.total).toBe("0.00");
    expect(calls).toEqual([["open_items", { asOf: "2026-11-23", filter: { kind: "client", clientId: 12 }, limit: 200 }]]);
  });

  it("keeps the code and message of a backend ApiError", async () => {
    mockIPC(() => {
      throw { code: "WrongKey", message: "file is not a database" };
    });
    const error = await rejection(api.openDossier("/x.encours"));
    expect(error.code).toBe("WrongKey");
    expect(error.message).toBe("file is not a database");
    expect(error.command).toBe("open_dossier");
  });

  it.each([
    ["a plain string", "command open_demo not found", "command open_demo not found"],
    ["an Error", new Error("boom"), "boom"],
    ["an unknown code", { code: "Teapot", message: "short and stout" }, "short and stout"],
    ["a code that is not a string", { code: 42, message: "m" }, "m"],
    ["an object without message", { code: "Nope" }, '{"code":"Nope"}'],
    ["null", null, "null"],
  ])("maps %s to Internal", async (_label, thrown, message) => {
    mockIPC(() => {
      throw thrown;
    });
    const error = await rejection(api.openDemo());
    expect(error.code).toBe("Internal");
    expect(error.message).toBe(message);
  });

  it("does not treat inherited properties as error codes", async () => {
    mockIPC(() => {
      throw { code: "toString", message: "x" };
    });
    expect((await rejection(api.dossierSummary())).code).toBe("Internal");
  });
});

describe("background jobs", () => {
  const job = (id: number, done: number): JobView => ({
    id,
    kind: "import",
    label: "Import",
    state: "running",
    progress: { done, total: 3, current: `/in/${done}.xml` },
    startedAt: "2026-11-24T10:00:00",
    finishedAt: null,
    cancelRequested: false,
    report: null,
    error: null,
  });

  it("starts an import with the paths and passes the watched jobs' messages on, in order", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "job_import") return job(1, 0);
      if (cmd !== "jobs_watch") throw new Error(`unexpected ${cmd}`);
      const channel = channelArg<JobView>(args, "onEvent");
      // Out of order on purpose: the channel reorders by index.
      sendOnChannel(channel, 1, job(1, 2));
      sendOnChannel(channel, 0, job(1, 1));
      sendOnChannel(channel, 2, job(1, 3));
      return [];
    });
    const seen: JobView[] = [];
    expect(await api.jobsWatch((j) => seen.push(j))).toEqual([]);
    expect(seen.map((j) => j.progress.done)).toEqual([1, 2, 3]);
    // The channel goes over the wire as a reference.
    expect(JSON.stringify(channelArg(calls[0]?.[1], "onEvent"))).toMatch(/^"__CHANNEL__:\d+"$/);
    expect(await api.jobImport(["/in", "/lot.zip"])).toMatchObject({ id: 1, state: "running" });
    expect(calls[1]).toEqual(["job_import", { paths: ["/in", "/lot.zip"] }]);
  });

  it("maps a refused job through the error table codes", async () => {
    mockIPC(() => {
      throw { code: "InvalidInput", message: "Import déjà en cours" };
    });
    const error = await rejection(api.jobImport(["/in"]));
    expect(error.code).toBe("InvalidInput");
    expect(error.command).toBe("job_import");
  });

  it("asks the core to cancel a job by its id", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return { ...job(4, 1), cancelRequested: true };
    });
    expect((await api.jobCancel(4)).cancelRequested).toBe(true);
    expect(calls).toEqual([["job_cancel", { id: 4 }]]);
  });
});

describe("onFileDrag", () => {
  it("does nothing outside Tauri", async () => {
    const handler = vi.fn();
    const stop = await onFileDrag(handler);
    expect(handler).not.toHaveBeenCalled();
    expect(() => stop()).not.toThrow();
  });

  it("passes on Tauri's drag-and-drop events", async () => {
    mockWindows("main");
    mockIPC(() => null, { shouldMockEvents: true });
    const seen: FileDrag[] = [];
    const stop = await onFileDrag((drag) => seen.push(drag));
    const position = { x: 10, y: 20 };
    await emit("tauri://drag-enter", { paths: ["/in/a.pdf"], position });
    await emit("tauri://drag-over", { position });
    await emit("tauri://drag-leave", null);
    await emit("tauri://drag-drop", { paths: ["/in/a.pdf", "/in/lot.zip"], position });
    expect(seen).toEqual([
      { type: "enter" },
      { type: "over" },
      { type: "leave" },
      { type: "drop", paths: ["/in/a.pdf", "/in/lot.zip"] },
    ]);
    stop();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await emit("tauri://drag-drop", { paths: ["/late.pdf"], position });
    expect(seen).toHaveLength(4);
  });
});
