// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { fakeDunning, type FakeDunning } from "../api/testing";
import { locale } from "../i18n";
import { click, el, settle } from "../testing/dom";
import DunningPage from "./DunningPage.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});


async function render(prepare: (fake: FakeDunning) => void = () => {}): Promise<FakeDunning> {
  const fake = fakeDunning();
  prepare(fake);
  mockIPC((cmd, args) => fake.handle(cmd, args));
  component = mount(DunningPage, { target: document.body, props: {} });
  flushSync();
  await settle();
  return fake;
}

async function type(selector: string, text: string): Promise<void> {
  const input = el<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
  await settle();
}

/** Queues the fake's plan so that it has a phone task (as the core's run does). */
const queued = (fake: FakeDunning): void => void fake.handle("dunning_run", {});

describe("DunningPage — phone tasks", () => {
  it("lists open tasks with client and number, and records a promise through the API", async () => {
    const fake = await render(queued);
    const task = el("article.phone-task");
    expect(task.textContent).toContain("Boulangerie Martin");
    expect(task.textContent).toContain("Téléphone : 01 23 45 67 89");
    await click("article.phone-task button.record");
    await click("#outcome-save");
    expect(el("#outcome-problem").textContent).toBe("Indiquez une date valide.");
    await type("#outcome-date", "2026-12-05");
    await type("#outcome-amount", "1 200,5");
    await click("#outcome-save");
    const sent = fake.calls.filter(([c]) => c === "record_phone_outcome").map(([, a]) => a);
    expect(sent).toEqual([{ task: expect.any(Number), outcome: { kind: "promise", date: "2026-12-05", amount: "1200.50" } }]);
    expect(document.querySelectorAll("article.phone-task")).toHaveLength(0);
    expect(el("#dunning-notice").textContent).toContain("Boulangerie Martin");
  });

  it("records no answer without any field", async () => {
    const fake = await render(queued);
    await click("article.phone-task button.record");
    el<HTMLInputElement>("input[value=no_answer]").click();
    await settle();
    await click("#outcome-save");
    expect(fake.calls.find(([c]) => c === "record_phone_outcome")?.[1]).toEqual({ task: expect.any(Number), outcome: { kind: "no_answer" } });
  });

  it("says how tasks appear when there is none", async () => {
    await render();
    expect(el("#phone-tasks").textContent).toContain("Aucune tâche d'appel ouverte");
  });
});

describe("DunningPage — promises", () => {
  it("shows the kept rate and each promise's state", async () => {
    await render((fake) => {
      fake.promises = {
        asOf: "2026-11-24",
        promises: [
          { id: 1, clientId: 1, clientName: "Boulangerie Martin", madeOn: "2026-11-01", promisedFor: "2026-11-30", amount: "500.00", currency: "EUR", channel: "phone", paid: "0.00", state: "pending" },
          { id: 2, clientId: 2, clientName: "Garage Dupuis", madeOn: "2026-10-01", promisedFor: "2026-10-15", amount: "300.00", currency: "EUR", channel: null, paid: "300.00", state: "kept" },
          { id: 3, clientId: 3, clientName: "SARL Lenoir", madeOn: "2026-10-01", promisedFor: "2026-10-20", amount: "700.00", currency: "EUR", channel: "email", paid: "100.00", state: "broken" },
        ],
        due: 2,
        kept: 1,
        keptRate: "0.5000",
      };
    });
    await click("#dunning-tab-promises");
    expect(el("#promises-rate").textContent).toBe("50,0\u00A0%");
    const states = [...document.querySelectorAll("#promises-table tbody tr td:last-child")].map((n) => n.textContent?.trim());
    expect(states).toEqual(["À venir", "Tenue", "Non tenue"]);
    expect(el("#promises").textContent).toContain("1 tenue(s) sur 2 échue(s)");
  });

  it("records a new promise for a known client with a decimal string", async () => {
    const fake = await render();
    await click("#dunning-tab-promises");
    expect(el("#promises-rate").textContent).toBe("Aucune promesse échue");
    await click("#promise-save");
    expect(el("#promise-problem").textContent).toBe("Choisir un client");
    await type("#promise-client", "2");
    await type("#promise-date", "2026-12-10");
    await type("#promise-amount", "3400,5");
    await type("#promise-channel", "email");
    await click("#promise-save");
    expect(fake.calls.find(([c]) => c === "record_promise")?.[1]).toEqual({
      promise: { clientId: 2, invoiceIds: [], promisedFor: "2026-12-10", amount: "3400.50", currency: null, channel: "email" },
    });
    expect(el("#promises-table").textContent).toContain("Garage Dupuis");
  });
});

describe("DunningPage — scenarios and templates", () => {
  it("lists the scenario's steps with when they happen", async () => {
    await render();
    await click("#dunning-tab-scenarios");
    const text = el("#scenarios").textContent ?? "";
    expect(text).toContain("3 j avant l'échéance");
    expect(text).toContain("15 j après l'échéance");
    expect(text).toContain("15 j après l'étape précédente");
    expect(text).toContain("LRAR · Mise en demeure");
  });

  it("saves an edited template and shows the core's error for an unknown variable", async () => {
    const fake = await render();
    await click("#dunning-tab-scenarios");
    await click("[data-template=relance_ferme] button.edit");
    expect(el("#scenarios").textContent).toContain("{montant_du}");
    await type("#template-body", "Bonjour {nom_du_client}");
    await click("#template-save");
    expect(el("#template-error").getAttribute("data-code")).toBe("InvalidInput");
    expect(el("#template-error").textContent).toContain("unknown variable {nom_du_client}");
    await type("#template-body", "Bonjour {client}, {montant_du} restent dus.");
    await click("#template-save");
    expect(document.querySelector("#template-error")).toBeNull();
    expect(fake.templates.find((x) => x.id === "relance_ferme")?.body).toBe("Bonjour {client}, {montant_du} restent dus.");
    expect(el("#template-notice").textContent).toBe("Modèle relance_ferme enregistré.");
  });

  it("edits the English template of a family apart from the French one", async () => {
    const fake = await render((f) => {
      const fr = f.templates.find((x) => x.id === "relance_ferme");
      if (fr) f.templates.push({ ...fr, language: "en", subject: "Reminder: {montant_du} unpaid", body: "Dear Sir or Madam,\n{factures}\n{societe}" });
    });
    await click("#dunning-tab-scenarios");
    expect(document.querySelectorAll("[data-template=relance_ferme]")).toHaveLength(2);
    expect(el("[data-template=relance_ferme][data-language=en]").textContent).toContain("Langue : en");
    await click("[data-template=relance_ferme][data-language=en] button.edit");
    expect(document.querySelectorAll("#template-body")).toHaveLength(1);
    expect(el<HTMLTextAreaElement>("#template-body").value).toContain("Dear Sir or Madam");
    await type("#template-body", "Dear {client}, {montant_du} is still due.");
    await click("#template-save");
    const saved = fake.templates.filter((x) => x.id === "relance_ferme");
    expect(saved.find((x) => x.language === "en")?.body).toBe("Dear {client}, {montant_du} is still due.");
    expect(saved.find((x) => x.language === "fr")?.body).toBe("Madame, Monsieur,\n{factures}\n{societe}");
  });
});
