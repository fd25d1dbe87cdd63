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
  component = mount(DunningPage, { target: document.body, props: { initialTab: "scenarios" } });
  flushSync();
  await settle();
  return fake;
}

async function type(selector: string, text: string): Promise<void> {
  const input = el<HTMLInputElement | HTMLSelectElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
  await settle();
}

const saved = (fake: FakeDunning) => fake.calls.filter(([c]) => c === "update_scenario").map(([, a]) => (a as { scenario: unknown }).scenario);

describe("DunningScenarios", () => {
  it("lists each scenario with its segment filters and ordered steps", async () => {
    await render((fake) => {
      const s = fake.scenarios[0];
      if (s) Object.assign(s, { riskGrades: ["C"], nafPrefixes: ["41"], minAmount: "5000.00" });
    });
    const card = el("[data-scenario='1']").textContent ?? "";
    expect(card).toContain("Standard");
    expect(card).toContain("Priorité 10");
    expect(card).toContain("1. Rappel");
    expect(card).toContain("3 j avant l'échéance");
    expect(card).toContain("3. Mise en demeure");
    expect(card).toContain("LRAR · Mise en demeure");
    expect(card).toContain("Cotes : C");
    expect(card).toContain("NAF : 41");
    expect(card).toContain("5\u202F000,00");
  });

  it("edits a step, reorders, removes and adds steps, and saves the scenario through the core", async () => {
    const fake = await render();
    await click("[data-scenario='1'] button.scenario-edit");
    expect(document.querySelectorAll("#scenario-steps tr.step-row")).toHaveLength(3);
    // The J-3 reminder becomes a J-5 SMS.
    await type("[data-step='0'] input.step-offset", "-5");
    await type("[data-step='0'] select.step-channel", "sms");
    // The firm reminder goes first, the mise en demeure is removed, a new step is added and named.
    await click("[data-step='1'] button.step-up");
    await click("[data-step='2'] button.step-remove");
    await click("#scenario-add-step");
    await type("[data-step='2'] input.step-name", "J+30 courrier");
    await type("[data-step='2'] select.step-channel", "letter");
    await type("[data-step='2'] select.step-tone", "mise_en_demeure");
    // A mise en demeure is always validated: the box is ticked and locked.
    const validation = el<HTMLInputElement>("[data-step='2'] input.step-validation");
    expect(validation.checked && validation.disabled).toBe(true);
    await type("#scenario-min", "1 000,5");
    await click("#scenario-save");

    expect(document.querySelector("#scenario-error")).toBeNull();
    expect(el("#scenario-notice").textContent).toContain("Scénario Standard enregistré.");
    const [sent] = saved(fake) as [{ id: number; minAmount: string; steps: { name: string; offsetDays: number; channel: string; needsValidation: boolean; anchor: string }[] }];
    expect(sent.id).toBe(1);
    expect(sent.minAmount).toBe("1000.50");
    expect(sent.steps.map((s) => [s.name, s.offsetDays, s.channel])).toEqual([
      ["Relance ferme", 15, "email"],
      ["Rappel", -5, "sms"],
      ["J+30 courrier", 15, "letter"],
    ]);
    expect(sent.steps[2]).toMatchObject({ anchor: "previous_step", needsValidation: true });
    // The list shows what the core now holds.
    const card = el("[data-scenario='1']").textContent ?? "";
    expect(card).toContain("1. Relance ferme");
    expect(card).toContain("3. J+30 courrier");
    expect(card).not.toContain("3. Mise en demeure");
    expect(fake.scenarios).toHaveLength(1);
  });

  it("shows the core's error through the error table and keeps the form", async () => {
    const fake = await render();
    await click("#scenario-new");
    await type("#scenario-name", "Sans modèle");
    await click("#scenario-add-step");
    await type("[data-step='0'] select.step-template", "relance_ferme");
    fake.failNext("update_scenario", { code: "InvalidInput", message: 'step "Nouvelle étape": no template "relance_ferme"' });
    await click("#scenario-save");
    expect(el("#scenario-error").getAttribute("data-code")).toBe("InvalidInput");
    expect(el("#scenario-error").textContent).toContain('no template "relance_ferme"');
    expect(document.querySelector("#scenario-form")).not.toBeNull();
    // Saved again once the core accepts it: a new scenario (id 0 sent) appears in the list.
    await click("#scenario-save");
    expect(document.querySelector("#scenario-form")).toBeNull();
    expect((saved(fake)[1] as { id: number }).id).toBe(0);
    expect(document.querySelectorAll("article.scenario")).toHaveLength(2);
    expect(el("#scenarios").textContent).toContain("Sans modèle");
  });

  it("refuses unreadable client ids before calling the core", async () => {
    const fake = await render();
    await click("[data-scenario='1'] button.scenario-edit");
    await type("#scenario-clients", "12, douze");
    await click("#scenario-save");
    expect(el("#scenario-error").getAttribute("data-code")).toBe("InvalidInput");
    expect(el("#scenario-error").textContent).toContain("douze");
    expect(saved(fake)).toHaveLength(0);
  });

  it("speaks English too", async () => {
    locale.set("en");
    await render();
    await click("[data-scenario='1'] button.scenario-edit");
    expect(el("#scenario-form").textContent).toContain("Add a step");
    expect(el("#scenario-save").textContent).toContain("Save the scenario");
  });
});
