// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { fakeScoring, type FakeScoring } from "../api/testing";
import type { ScoreRunReport } from "../bindings/ScoreRunReport";
import { locale } from "../i18n";
import { JobsStore } from "../jobs/jobs.svelte";
import { fakeJobs, type FakeJobs } from "../jobs/testing";
import { click, el, settle } from "../testing/dom";
import AlertsPage from "./AlertsPage.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

/** The page on its own jobs store: the job commands answered by `fakeJobs`, the rest by `fakeScoring`. */
async function render(store = new JobsStore()): Promise<FakeScoring & { core: FakeJobs }> {
  const fake = fakeScoring();
  const core = fakeJobs((cmd, args) => fake.handle(cmd, args));
  component = mount(AlertsPage, { target: document.body, props: { store } });
  flushSync();
  await settle();
  return Object.assign(fake, { core });
}

function runReport(newAlerts: number): ScoreRunReport {
  return {
    asOf: "2026-11-23",
    clientsScored: 120,
    clientsWithoutHistory: 0,
    replaced: 0,
    newAlerts,
    knownAlerts: 0,
    model: "fitted",
    modelFittedOn: "2026-11-23",
    modelRefitted: true,
    modelNote: "",
    portfolioLateRateBp: 2300,
    grades: [{ grade: "A", clients: 80 }],
  };
}

async function setValue(selector: string, text: string, event: string): Promise<void> {
  const input = el<HTMLInputElement | HTMLSelectElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event(event, { bubbles: true }));
  await settle();
}

describe("AlertsPage", () => {
  it("lists the alerts newest first with the rule's title and the core's details", async () => {
    await render();
    const items = [...document.querySelectorAll(".alerts tbody tr")];
    expect(items.map((li) => li.getAttribute("data-rule"))).toEqual(["delays_lengthening", "collective_procedure"]);
    expect(el("#risk-alert-2").textContent).toContain("Retards qui s'allongent");
    expect(el("#risk-alert-2").textContent).toContain("Boulangerie Martin");
    expect(el("#risk-alert-1").textContent).toContain("Procédure collective");
  });

  it("acknowledges an alert and the list shows it seen", async () => {
    const fake = await render();
    const counts = () => ["", "-open", "-acknowledged", "-snoozed"].map((s) => el(`#risk-alerts-count${s}`).textContent);
    expect(counts()).toEqual(["2", "2", "0", "0"]);
    await click("#risk-alert-ack-2");
    expect(fake.calls).toContainEqual(["acknowledge_alert", { id: 2 }]);
    expect(el("#risk-alert-2").getAttribute("data-state")).toBe("acknowledged");
    expect(document.querySelector("#risk-alert-ack-2")).toBeNull();
    expect(counts()).toEqual(["2", "1", "1", "0"]);
    // Each kind of alert has its badge: a collective procedure in the danger colour, delays in the warning one.
    expect(el("#risk-alert-1 .badge").className).toContain("rule-danger");
    expect(el("#risk-alert-2 .badge").className).toContain("rule-warning");
  });

  it("snoozes an alert to a date, and shows the core's refusal of a past date", async () => {
    const fake = await render();
    await click("#risk-alert-snooze-1");
    await setValue("#risk-alert-until-1", "2026-01-01", "input");
    await click("#risk-alert-snooze-ok-1");
    expect(el("[role=alert]").textContent).toContain("after today");
    await setValue("#risk-alert-until-1", "2026-12-31", "input");
    await click("#risk-alert-snooze-ok-1");
    expect(fake.calls).toContainEqual(["snooze_alert", { id: 1, until: "2026-12-31" }]);
    expect(el("#risk-alert-1").getAttribute("data-state")).toBe("snoozed");
    expect(el("#risk-alert-1").textContent).toContain("31");
  });

  it("rescores the portfolio as a background job and, at its end, lists the alert the run raised", async () => {
    const fake = await render();
    await click("#risk-rescore");
    expect(fake.core.calls).toContainEqual(["job_rescoring", { asOf: null }]);
    expect(el<HTMLButtonElement>("#risk-rescore").disabled).toBe(true);
    expect(document.querySelector("#risk-rescored")).toBeNull();
    fake.core.progress(1, 60, 120);
    await settle();
    expect(el<HTMLButtonElement>("#risk-rescore").disabled).toBe(true);
    // The run wrote a new alert; the page reads the list again once the job has ended.
    fake.alerts.unshift({ ...fake.alerts[0]!, id: 3, clientName: "Garage Dupont", rule: "score_drop" });
    fake.core.finish(1, { kind: "rescoring", report: runReport(1) });
    await settle();
    expect(el("#risk-rescored").textContent).toContain("120 clients notés, 1 nouvelle(s) alerte(s)");
    expect(el("#risk-alert-3").getAttribute("data-rule")).toBe("score_drop");
    expect(el<HTMLButtonElement>("#risk-rescore").disabled).toBe(false);
  });

  it("says a rescoring cancelled from the tray saved nothing, and shows why one failed", async () => {
    const fake = await render();
    await click("#risk-rescore");
    fake.core.cancelled(1);
    await settle();
    expect(el("#risk-rescored").textContent).toBe("Notation annulée : aucun score n'a été enregistré.");
    await click("#risk-rescore");
    fake.core.fail(2, { code: "Storage", message: "disk full" });
    await settle();
    expect(el("[role=alert]").textContent).toContain("disk full");
    expect(document.querySelector("#risk-rescored")).toBeNull();
  });

  it("cannot start a second rescoring while one runs (the daily one)", async () => {
    const store = new JobsStore();
    const fake = await render(store);
    await store.start({ kind: "rescoring", ifDue: true });
    await settle();
    expect(el<HTMLButtonElement>("#risk-rescore").disabled).toBe(true);
    fake.core.finish(1, { kind: "rescoringSkipped", report: { asOf: "2026-11-23" } });
    await settle();
    expect(el<HTMLButtonElement>("#risk-rescore").disabled).toBe(false);
    expect(fake.core.calls.filter(([cmd]) => cmd === "job_rescoring")).toHaveLength(1);
  });

  it("filters by state through the core", async () => {
    const fake = await render();
    await click("#risk-alert-ack-2");
    await setValue("#risk-alerts-filter", "open", "change");
    expect(fake.calls).toContainEqual(["score_alerts", { alertState: "open" }]);
    expect([...document.querySelectorAll(".alerts tbody tr")].map((li) => li.id)).toEqual(["risk-alert-1"]);
  });
});
