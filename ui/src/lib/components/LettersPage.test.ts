// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { GeneratedLetter } from "../bindings/GeneratedLetter";
import { locale } from "../i18n";
import { JobsStore } from "../jobs/jobs.svelte";
import { fakeJobs } from "../jobs/testing";
import { NBSP, NNBSP } from "../i18n/format";
import { click, el, settle } from "../testing/dom";
import LettersPage from "./LettersPage.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

const generated: GeneratedLetter = {
  path: "/dossiers/courriers/demeure-2026-06-22-c7-garage-dupuis.pdf",
  kind: "demeure",
  clientId: 7,
  clientName: "Garage Dupuis",
  invoices: 2,
  amount: "3400.50",
  currency: "EUR",
  bytes: 31000,
  notes: ["facture F-9 non réclamée : en litige (207)"],
};

function choose(selector: string, v: string): void {
  const select = el<HTMLSelectElement>(selector);
  select.value = v;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  flushSync();
}

function type(selector: string, text: string): void {
  const input = el<HTMLInputElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

/** Mounts the page on its own jobs store; `handle` (when given) answers the mocked commands. */
async function render(handle: ((cmd: string, args: unknown) => unknown) | null): Promise<void> {
  if (handle) mockIPC(handle);
  component = mount(LettersPage, { target: document.body, props: { store: new JobsStore() } });
  flushSync();
  await settle();
}

describe("LettersPage", () => {
  it("generates the chosen document for a client, shows where it went and opens it", async () => {
    const calls: [string, unknown][] = [];
    await render((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "generate_letter") return generated;
      if (cmd === "open_document") return null;
      throw new Error(`unexpected ${cmd}`);
    });
    choose("#letters-kind", "demeure");
    expect(document.querySelector("#letters-tone")).toBeNull();
    type("#letters-client", "7");
    await click("#letters-generate");
    expect(calls).toContainEqual([
      "generate_letter",
      { request: { kind: "demeure", tone: null, clientId: 7, invoiceNumber: null, sample: false } },
    ]);
    expect(el("#letters-path").textContent).toBe(generated.path);
    expect(el("#letters-result").textContent).toContain(`3${NNBSP}400,50${NBSP}€`);
    expect(el("#letters-result").textContent).toContain("en litige (207)");
    await click("#letters-open");
    expect(calls).toContainEqual(["open_document", { path: generated.path }]);
  });

  it("asks for a target before calling the core, and shows the core's refusal", async () => {
    const calls: string[] = [];
    await render((cmd) => {
      calls.push(cmd);
      return Promise.reject({ code: "InvalidInput", message: "the company's details are incomplete: town is missing" });
    });
    await click("#letters-generate");
    expect(el("#letters-invalid").textContent).toContain("Indiquez un client");
    expect(calls).toEqual([]);
    el<HTMLInputElement>("#letters-target-invoice").click();
    flushSync();
    type("#letters-invoice", "F2026-000123");
    await click("#letters-generate");
    expect(el("#letters-error").textContent).toContain("town is missing");
  });

  it("generates every letter of the plan as a background job, with its progress bar, then its report", async () => {
    const core = fakeJobs();
    await render(null);
    await click("#letters-batch");
    expect(core.calls.map(([cmd]) => cmd)).toEqual(["jobs_watch", "job_letters"]);
    core.progress(1, 1, 4, "Boulangerie Martin");
    await settle();
    expect(el("#letters-progress").textContent).toContain("1 sur 4 — Boulangerie Martin");
    expect(el("[role=progressbar]").getAttribute("aria-valuenow")).toBe("25");
    expect(el<HTMLButtonElement>("#letters-batch").disabled).toBe(true);
    core.finish(1, {
      kind: "letters",
      report: {
        asOf: "2026-06-22",
        folder: "/dossiers/courriers/plan-2026-06-22",
        generated: [generated, generated, generated],
        failed: ["SARL Lenoir (relance) — no overdue invoice"],
        cancelled: false,
      },
    });
    await settle();
    expect(document.querySelector("#letters-progress")).toBeNull();
    expect(el("#letters-batch-report").textContent).toContain("3 courrier(s) dans /dossiers/courriers/plan-2026-06-22");
    expect(el("#letters-batch-failed").textContent).toContain("SARL Lenoir");
    expect(el<HTMLButtonElement>("#letters-batch").disabled).toBe(false);
  });

  it("cancels the batch and says how far it went", async () => {
    const core = fakeJobs();
    await render(null);
    await click("#letters-batch");
    core.progress(1, 2, 4, "Garage Dupuis");
    await settle();
    await click("#letters-batch-cancel");
    expect(core.calls.map(([cmd, args]) => [cmd, args])).toContainEqual(["job_cancel", { id: 1 }]);
    expect(el<HTMLButtonElement>("#letters-batch-cancel").disabled).toBe(true);
    core.cancelled(1);
    await settle();
    expect(document.querySelector("#letters-progress")).toBeNull();
    expect(el("#letters-batch-cancelled").textContent).toBe(
      "Lot interrompu après 2 sur 4 : les courriers déjà écrits sont conservés.",
    );
  });

  it("shows why a batch failed", async () => {
    const core = fakeJobs();
    await render(null);
    await click("#letters-batch");
    core.fail(1, { code: "InvalidInput", message: "the company's details are incomplete: town is missing" });
    await settle();
    expect(el("#letters-batch-error").textContent).toContain("town is missing");
    expect(document.querySelector("#letters-batch-report")).toBeNull();
  });

  it("follows a batch that was already running when the page opened", async () => {
    const core = fakeJobs();
    const store = new JobsStore();
    await store.start({ kind: "letters" });
    core.progress(1, 3, 6, "SARL Lenoir");
    component = mount(LettersPage, { target: document.body, props: { store } });
    await settle();
    expect(el("#letters-progress").textContent).toContain("3 sur 6 — SARL Lenoir");
    expect(el<HTMLButtonElement>("#letters-batch").disabled).toBe(true);
    core.finish(1, { kind: "letters", report: { asOf: "2026-06-22", folder: "/f", generated: [generated], failed: [], cancelled: false } });
    await settle();
    expect(el("#letters-batch-report").textContent).toContain("1 courrier(s) dans /f");
  });
});
