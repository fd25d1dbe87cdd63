// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import type { DossierSummary } from "../bindings/DossierSummary";
import { api, CommandError } from "./index";

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
    expect(calls[1]?.[1]).toEqual({ path: "/a.encours", siren: "732829320", name: "ACME" });
    expect(calls[2]?.[1]).toEqual({ path: "/b.encours" });
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
