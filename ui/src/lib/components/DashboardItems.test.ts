// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { openItemsFixture } from "../api/testing";
import type { GeneratedLetter } from "../bindings/GeneratedLetter";
import { locale } from "../i18n";
import { el, settle } from "../testing/dom";
import DashboardItems from "./DashboardItems.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

function letter(path: string): GeneratedLetter {
  return { path, kind: "reminder", clientId: 3, clientName: "X", invoices: 1, amount: "1.00", currency: "EUR", bytes: 1, notes: [] };
}

describe("DashboardItems", () => {
  it("generates a letter from a row in one click: a reminder for an overdue invoice, the statement otherwise", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "generate_letter") return letter("/d/courriers/reminder.pdf");
      if (cmd === "open_document") return null;
      throw new Error(`unexpected ${cmd}`);
    });
    const items = openItemsFixture("2026-11-23", { kind: "all" });
    component = mount(DashboardItems, {
      target: document.body,
      props: { items, loading: false, error: null, onDismissError: () => {} },
    });
    flushSync();
    const overdue = items.items.find((i) => i.daysPastDue > 0 && i.kind !== "credit_note")!;
    const notDue = items.items.find((i) => i.daysPastDue <= 0 && i.kind !== "credit_note")!;
    // Credit notes get no letter.
    const credit = items.items.find((i) => i.kind === "credit_note")!;
    expect(el(`[data-invoice-id="${credit.invoiceId}"]`).querySelector("button.letter")).toBeNull();

    el<HTMLButtonElement>(`[data-invoice-id="${overdue.invoiceId}"] button.letter.icon`).click();
    await settle();
    expect(calls).toContainEqual([
      "generate_letter",
      { request: { kind: "reminder", tone: "ferme", clientId: null, invoiceNumber: overdue.number, sample: false } },
    ]);
    expect(el("#dashboard-items-letter").textContent).toContain("/d/courriers/reminder.pdf");

    el<HTMLButtonElement>(`[data-invoice-id="${notDue.invoiceId}"] button.letter.icon`).click();
    await settle();
    expect(calls).toContainEqual([
      "generate_letter",
      { request: { kind: "statement", tone: null, clientId: notDue.clientId, invoiceNumber: null, sample: false } },
    ]);
    el<HTMLButtonElement>("#dashboard-items-letter button.letter").click();
    await settle();
    expect(calls).toContainEqual(["open_document", { path: "/d/courriers/reminder.pdf" }]);
  });
});
