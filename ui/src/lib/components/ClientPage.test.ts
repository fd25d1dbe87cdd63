// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { locale } from "../i18n";
import { FakeNavigation } from "../portfolio/testing";
import { click, el, settle } from "../testing/dom";
import ClientPage from "./ClientPage.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

async function render(invoice?: string, prepare: (fake: FakeNavigation) => void = () => {}): Promise<{ fake: FakeNavigation; backs: number[] }> {
  const fake = new FakeNavigation();
  prepare(fake);
  const backs: number[] = [];
  mockIPC((cmd, args) => fake.handle(cmd, args));
  component = mount(ClientPage, {
    target: document.body,
    props: { clientId: 3, invoice, onBack: () => backs.push(1) },
  });
  flushSync();
  await settle();
  return { fake, backs };
}

async function type(selector: string, text: string): Promise<void> {
  const input = el<HTMLInputElement | HTMLTextAreaElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  await settle();
}

describe("ClientPage", () => {
  it("shows identity, balances, open items with their status, lettrage and the timeline", async () => {
    await render();
    expect(el("#client-title").textContent).toBe("Boulangerie Martin");
    expect(el("#client-outstanding").getAttribute("data-value")).toBe("1500.00");
    expect(el("#client-outstanding").textContent).toBe("1\u202f500,00\u00a0€");
    const rows = [...document.querySelectorAll("#client-invoices tbody tr")];
    expect(rows[0]?.textContent).toContain("207 En litige");
    expect(rows[0]?.textContent).toContain("84 j");
    expect(rows[0]?.textContent).toContain("relance suspendue");
    expect(rows[1]?.textContent).toContain("non échue");
    expect(el("#client-payments").textContent).toContain("F-2026-0030");
    expect(el("#client-timeline").textContent).toContain("207 En litige");
    expect(el("#client-score").textContent).toContain("pas encore de score");
    expect(el("#client-next").textContent).toContain("Aucune relance prévue");
  });

  it("puts the invoice of a deep link first, highlighted", async () => {
    await render("F-2026-0050");
    const first = document.querySelector("#client-invoices tbody tr");
    expect(first?.getAttribute("data-invoice")).toBe("F-2026-0050");
    expect(first?.classList.contains("highlight")).toBe(true);
  });

  it("generates a letter for the client and for one invoice in one click", async () => {
    const { fake } = await render();
    await click("#client-letter-demeure");
    expect(fake.calls).toContainEqual([
      "generate_letter",
      { request: { kind: "demeure", tone: null, clientId: 3, invoiceNumber: null, sample: false } },
    ]);
    expect(el("#client-notice").textContent).toContain("/tmp/courriers/relance.pdf");
    el<HTMLButtonElement>('[aria-label="Relancer la facture F-2026-0042"]').click();
    await settle();
    expect(fake.calls).toContainEqual([
      "generate_letter",
      { request: { kind: "reminder", tone: "ferme", clientId: null, invoiceNumber: "F-2026-0042", sample: false } },
    ]);
  });

  it("records a call note, refuses an empty one, and reloads the page", async () => {
    const { fake } = await render();
    await click("#client-call");
    await click("#client-form-save");
    expect(el("[role=alert]").textContent).toContain("Vérifiez");
    await type("#client-form-text", "Rappeler lundi");
    await click("#client-form-save");
    expect(fake.calls).toContainEqual(["add_client_note", { clientId: 3, note: { kind: "call", text: "Rappeler lundi" } }]);
    expect(el("#client-notice").textContent).toContain("Note enregistrée");
    expect(fake.calls.filter(([c]) => c === "client_page")).toHaveLength(2);
  });

  it("records a promise, a dispute on one invoice and a pause", async () => {
    const { fake } = await render();
    await click("#client-promise");
    await type("#client-form-date", "2026-12-05");
    await type("#client-form-amount", "1 200,50");
    await click("#client-form-save");
    expect(fake.calls).toContainEqual([
      "record_promise",
      { promise: { clientId: 3, invoiceIds: [], promisedFor: "2026-12-05", amount: "1200.50", currency: null, channel: "phone" } },
    ]);
    el<HTMLButtonElement>('[aria-label="Contester la facture F-2026-0042"]').click();
    await settle();
    await type("#client-form-text", "Prix non conforme au devis");
    await click("#client-form-save");
    expect(fake.calls).toContainEqual([
      "open_dispute",
      {
        input: { invoiceIds: [11], invoiceNumbers: [], clientId: null, reason: "price", amount: null, note: "Prix non conforme au devis" },
      },
    ]);
    await click("#client-pause");
    await type("#client-form-text", "Négociation en cours");
    await click("#client-form-save");
    expect(fake.calls).toContainEqual(["pause_client", { client: 3, until: null, reason: "Négociation en cours" }]);
  });

  it("shows the client's next reminder from its part of today's plan", async () => {
    const { fake } = await render(undefined, (f) => {
      f.plan = [
        {
          key: "3:1:2:11",
          kind: "reminder",
          clientId: 3,
          clientName: "Boulangerie Martin",
          scenario: "Standard",
          stepName: "Relance ferme",
          level: 2,
          channel: "email",
          tone: "ferme",
          templateId: "ferme",
          needsValidation: false,
          escalation: false,
          currency: "EUR",
          amount: "1200.00",
          referenceDue: "2026-08-31",
          daysLate: 84,
          invoices: [],
          note: "",
        },
      ];
    });
    expect(fake.calls).toContainEqual(["client_plan", { clientId: 3 }]);
    expect(el("#client-next").textContent).toContain("Relance ferme · email · 1\u202f200,00\u00a0€ · 84 j de retard");
  });

  it("goes back", async () => {
    const { backs } = await render();
    await click("#client-back");
    expect(backs).toEqual([1]);
  });
});
