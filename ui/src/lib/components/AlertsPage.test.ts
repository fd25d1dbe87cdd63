// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { fakeScoring, type FakeScoring } from "../api/testing";
import { locale } from "../i18n";
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

async function render(): Promise<FakeScoring> {
  const fake = fakeScoring();
  mockIPC((cmd, args) => fake.handle(cmd, args));
  component = mount(AlertsPage, { target: document.body, props: {} });
  flushSync();
  await settle();
  return fake;
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
    const items = [...document.querySelectorAll(".alerts li")];
    expect(items.map((li) => li.getAttribute("data-rule"))).toEqual(["delays_lengthening", "collective_procedure"]);
    expect(el("#risk-alert-2").textContent).toContain("Retards qui s'allongent");
    expect(el("#risk-alert-2").textContent).toContain("Boulangerie Martin");
    expect(el("#risk-alert-1").textContent).toContain("Procédure collective");
  });

  it("acknowledges an alert and the list shows it seen", async () => {
    const fake = await render();
    await click("#risk-alert-ack-2");
    expect(fake.calls).toContainEqual(["acknowledge_alert", { id: 2 }]);
    expect(el("#risk-alert-2").getAttribute("data-state")).toBe("acknowledged");
    expect(document.querySelector("#risk-alert-ack-2")).toBeNull();
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

  it("rescores the portfolio and lists the alert the run raised", async () => {
    const fake = await render();
    await click("#risk-rescore");
    expect(fake.calls.some(([cmd]) => cmd === "score_run")).toBe(true);
    expect(el("#risk-rescored").textContent).toContain("120 clients notés, 1 nouvelle(s) alerte(s)");
    expect(el("#risk-alert-3").getAttribute("data-rule")).toBe("score_drop");
  });

  it("filters by state through the core", async () => {
    const fake = await render();
    await click("#risk-alert-ack-2");
    await setValue("#risk-alerts-filter", "open", "change");
    expect(fake.calls).toContainEqual(["score_alerts", { alertState: "open" }]);
    expect([...document.querySelectorAll(".alerts li")].map((li) => li.id)).toEqual(["risk-alert-1"]);
  });
});
