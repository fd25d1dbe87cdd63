// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { fakeDunning, type FakeDunning } from "../api/testing";
import { locale } from "../i18n";
import { click, el, settle, value } from "../testing/dom";
import { NBSP, NNBSP } from "../i18n/format";
import DunningPlanPage from "./DunningPlanPage.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});


async function render(): Promise<FakeDunning> {
  const fake = fakeDunning();
  mockIPC((cmd, args) => fake.handle(cmd, args));
  component = mount(DunningPlanPage, { target: document.body, props: {} });
  flushSync();
  await settle();
  return fake;
}


describe("DunningPlanPage", () => {
  it("shows the plan grouped per client with counts, amounts and the paused items with their rule", async () => {
    await render();
    expect(value("#plan-count-actions")).toBe("4");
    expect(value("#plan-count-clients")).toBe("3");
    expect(value("#plan-count-validation")).toBe("1");
    expect(value("#plan-count-paused")).toBe("2");
    const clients = [...document.querySelectorAll("article.client strong")].map((n) => n.textContent);
    expect(clients).toEqual(["Boulangerie Martin", "Garage Dupuis", "SARL Lenoir"]);
    expect(document.querySelectorAll("article.client")[0]?.querySelectorAll("tr.plan-row")).toHaveLength(2);
    expect(document.body.textContent).toContain(`3${NNBSP}400,50${NBSP}€`);
    expect(el("[data-key=k4]").textContent).toContain("À valider");
    expect(el("[data-key=k4]").textContent).toContain("LRAR · Mise en demeure");
    const paused = el("#plan-paused").textContent ?? "";
    expect(paused).toContain("Litige");
    expect(paused).toContain("Promesse de paiement");
    expect(paused).toContain("Tout le compte");
    expect(el("#plan-queue").textContent).toContain("Mettre tout le plan en file d'envoi (4)");
  });

  it("selects rows and all, and previews the selected action's text filled in by the core", async () => {
    const fake = await render();
    expect(el("#plan-preview").textContent).toContain("Cochez ou cliquez une action");
    el<HTMLInputElement>("[data-key=k2] input.plan-select").click();
    await settle();
    expect(value("#plan-selected-count")).toBe("1");
    expect(el("#plan-preview-client").textContent).toBe("Garage Dupuis");
    // The text the run would record, not the raw template.
    expect(fake.calls).toContainEqual(["dunning_preview", { clientId: 2, key: "k2" }]);
    expect(el("#plan-preview-text").textContent).toContain("Bonjour Garage Dupuis");
    expect(el("#plan-preview-text").textContent).toContain("3400,50 €");
    expect(el("#plan-preview-text").textContent).not.toContain("{client}");
    expect(el("#plan-preview-template").textContent).toContain("relance_courtoise (fr)");
    expect(document.querySelector("#plan-preview-missing")).toBeNull();
    await click("#plan-select-all");
    expect(value("#plan-selected-count")).toBe("4");
    expect(el("#plan-preview").textContent).toContain("Action 2 sur 4 sélectionnées");
    expect(el("#plan-preview-client").textContent).toBe("Garage Dupuis");
    await click("#plan-select-all");
    expect(value("#plan-selected-count")).toBe("0");
  });

  it("lists the variables a template cannot fill in the preview", async () => {
    const fake = await render();
    const tp = fake.templates.find((x) => x.id === "relance_ferme");
    if (tp) tp.body = "{factures}\nPénalités : {penalites}";
    await click("[data-key=k1] button.link");
    expect(el("#plan-preview-missing").textContent).toContain("{penalites}");
    expect(el("#plan-preview-text").textContent).toContain("F-1-001");
  });

  it("queues only the ticked actions, once", async () => {
    const fake = await render();
    expect(el<HTMLButtonElement>("#plan-queue-selected").disabled).toBe(true);
    el<HTMLInputElement>("[data-key=k2] input.plan-select").click();
    el<HTMLInputElement>("[data-key=k4] input.plan-select").click();
    await settle();
    expect(el("#plan-queue-selected").textContent).toContain("Mettre la sélection en file (2)");
    await click("#plan-queue-selected");
    expect(fake.calls.filter(([c]) => c === "dunning_run")).toHaveLength(0);
    expect(fake.calls.filter(([c]) => c === "dunning_run_selected").map(([, a]) => a)).toEqual([
      { selection: { clientIds: [], keys: ["k2", "k4"] } },
    ]);
    expect(value("#plan-report-recorded")).toBe("2");
    expect(value("#plan-count-actions")).toBe("2");
    expect(document.querySelectorAll("#outbox-table tr.outbox-row")).toHaveLength(2);
    // The rest of the plan stays; queueing the whole plan now records only the rest.
    expect(document.querySelector("[data-key=k2]")).toBeNull();
    await click("#plan-queue");
    expect(value("#plan-report-recorded")).toBe("2");
    expect(document.querySelectorAll("#outbox-table tr.outbox-row")).toHaveLength(4);
  });

  it("queues the whole plan, shows the report, and a second queue adds nothing", async () => {
    const fake = await render();
    await click("#plan-queue");
    expect(fake.calls.filter(([c]) => c === "dunning_run")).toHaveLength(1);
    expect(value("#plan-report-recorded")).toBe("4");
    expect(value("#plan-report-already")).toBe("0");
    expect(value("#plan-count-actions")).toBe("0");
    expect(value("#plan-count-already")).toBe("4");
    // The outbox shows each action's state: the mise en demeure waits for a person.
    const states = [...document.querySelectorAll("#outbox-table tr.outbox-row")].map((r) => r.getAttribute("data-state"));
    expect(states.sort()).toEqual(["planned", "validated", "validated", "validated"]);
    expect(el("#outbox-table").textContent).toContain("À valider");

    await click("#plan-queue");
    expect(value("#plan-report-recorded")).toBe("0");
    expect(value("#plan-report-already")).toBe("4");
    expect(el("#plan-report").textContent).toContain("Rien de nouveau à mettre en file");
    expect(document.querySelectorAll("#outbox-table tr.outbox-row")).toHaveLength(4);
  });

  it("sends the outbox once: what is ready goes, what waits for a person stays", async () => {
    const fake = await render();
    await click("#plan-queue");
    await click("#outbox-send");
    expect(fake.calls.filter(([c]) => c === "send_outbox")).toHaveLength(1);
    const sent = Number(el("#outbox-sent-count").getAttribute("data-value"));
    const ready = fake.outbox.filter((x) => x.state === "sent").length;
    expect(sent).toBeGreaterThan(0);
    expect(el("#outbox-sent").textContent).toContain(`Envoyées : ${sent}`);
    // The mise en demeure still waits for its validation.
    expect(document.querySelectorAll("#outbox-table tr[data-state=planned]")).toHaveLength(1);
    expect(document.querySelectorAll("#outbox-table tr[data-state=sent]")).toHaveLength(ready);

    await click("#outbox-send");
    expect(el("#outbox-sent-count").getAttribute("data-value")).toBe("0");
    expect(el("#outbox-sent").textContent).toContain("Envoyées : 0");
  });

  it("validates the ticked outbox actions one by one through the API", async () => {
    const fake = await render();
    await click("#plan-queue");
    expect(el<HTMLButtonElement>("#outbox-validate").disabled).toBe(true);
    el<HTMLInputElement>("#outbox-table tr[data-state=planned] input").click();
    await settle();
    await click("#outbox-validate");
    const sets = fake.calls.filter(([c]) => c === "set_action_state").map(([, a]) => a);
    expect(sets).toEqual([{ action: expect.any(Number), actionState: "validated", outcome: null }]);
    expect(document.querySelectorAll("#outbox-table tr[data-state=planned]")).toHaveLength(0);
    expect(el("#outbox-notice").textContent).toContain("1 action(s) validée(s)");
  });

  it("shows the core's error when the run fails, and records nothing", async () => {
    const fake = await render();
    fake.failNext("dunning_run", { code: "InvalidInput", message: "template relance_ferme: variable {factures} has no value" });
    await click("#plan-queue");
    expect(el("#plan-error").getAttribute("data-code")).toBe("InvalidInput");
    expect(el("#plan-error").textContent).toContain("{factures}");
    expect(document.querySelector("#plan-report")).toBeNull();
    expect(value("#plan-count-actions")).toBe("4");
  });

  it("speaks English too", async () => {
    locale.set("en");
    await render();
    expect(el("#plan-queue").textContent).toContain("Queue the whole plan (4)");
    expect(el("#plan-paused").textContent).toContain("Dispute");
  });
});
