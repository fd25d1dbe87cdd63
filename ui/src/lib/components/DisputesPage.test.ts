// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { fakeDisputes, type FakeDisputes } from "../disputes/testing";
import { locale } from "../i18n";
import { click, el, settle, value } from "../testing/dom";
import DisputesPage from "./DisputesPage.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

async function render(props: { initialDispute?: number | null } = {}): Promise<FakeDisputes> {
  const fake = fakeDisputes();
  mockIPC((cmd, args) => fake.handle(cmd, args));
  component = mount(DisputesPage, { target: document.body, props });
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

const timelineKinds = (): string[] =>
  [...document.querySelectorAll("#dispute-timeline li")].map((li) => li.getAttribute("data-kind") ?? "");

describe("DisputesPage — list", () => {
  it("lists the disputes with their reason, platform codes and KPIs", async () => {
    await render();
    const row = el("#dispute-row-1");
    expect(row.textContent).toContain("Boulangerie Martin");
    expect(row.textContent).toContain("TVA");
    expect(row.textContent).toContain("TX_TVA_ERR");
    expect(row.textContent).toContain("207");
    expect(value("#dispute-kpi-open")).toBe("1");
    expect(value("#dispute-kpi-age")).toBe("21.0");
    expect(el("#dispute-kpi-reasons").textContent).toContain("TVA");
    expect(el("#dispute-kpi-clients").textContent).toContain("Boulangerie Martin");
  });

  it("sends the filters to the core", async () => {
    const fake = await render();
    await type("#dispute-filter-state", "resolved");
    expect(document.querySelector("#disputes-empty")).not.toBeNull();
    await type("#dispute-filter-reason", "vat");
    const last = fake.calls.filter(([c]) => c === "dispute_list").pop()?.[1];
    expect(last).toEqual({ filter: { state: "resolved", reason: "vat", clientId: null } });
  });

  it("checks the new-dispute form, then opens the dispute and shows its dossier", async () => {
    const fake = await render();
    await click("#dispute-new");
    await click("#dispute-new-submit");
    expect(el("#dispute-new-problem").textContent).toBe("Indiquez au moins une facture ou un client.");
    await type("#dispute-new-invoices", "F-2026-0050, F-2026-0051");
    await type("#dispute-new-reason", "quantity");
    await type("#dispute-new-amount", "150,5");
    await type("#dispute-new-note", "palette manquante");
    await click("#dispute-new-submit");
    const sent = fake.calls.filter(([c]) => c === "open_dispute").map(([, a]) => a);
    expect(sent).toEqual([
      {
        input: {
          invoiceIds: [],
          invoiceNumbers: ["F-2026-0050", "F-2026-0051"],
          clientId: null,
          reason: "quantity",
          amount: "150.5",
          note: "palette manquante",
        },
      },
    ]);
    expect(el("#dispute-dossier").getAttribute("data-id")).toBe("2");
    expect(value("#dispute-reason")).toBe("quantity");
  });

  it("shows the core's refusal", async () => {
    await render();
    await click("#dispute-new");
    await type("#dispute-new-invoices", "NOPE");
    await click("#dispute-new-submit");
    expect(el("#disputes-error").textContent).toContain("NOPE");
  });
});

describe("DisputesPage — dossier", () => {
  it("shows the platform's reason and action, the amounts and the timeline", async () => {
    await render({ initialDispute: 1 });
    expect(el("#dispute-title").textContent).toBe("Litige n° 1 — Boulangerie Martin");
    expect(el("#dispute-dossier").textContent).toContain("Taux de TVA erroné");
    expect(el("#dispute-dossier").textContent).toContain("Créer une Facture Rectificative");
    expect(value("#dispute-disputed")).toBe("1200.00");
    expect(value("#dispute-undisputed")).toBe("0.00");
    expect(timelineKinds()).toEqual(["status", "opened"]);
  });

  it("attaches a file, views it as text, adds a task and a note: each is a line of the timeline", async () => {
    const fake = await render({ initialDispute: 1 });
    await click("#dispute-evidence-add");
    expect(el("#dispute-evidence-problem").textContent).toBe("Choisissez un fichier ou indiquez son chemin.");
    const input = el<HTMLInputElement>("#dispute-evidence-file");
    const file = new File(["Il manque 2 palettes."], "reclamation.txt", { type: "text/plain" });
    Object.defineProperty(input, "files", { value: [file], configurable: true });
    await type("#dispute-evidence-note", "courriel du client");
    await click("#dispute-evidence-add");
    await settle();
    const attached = fake.calls.find(([c]) => c === "attach_dispute_evidence")?.[1] as Record<string, unknown>;
    expect(attached.fileName).toBe("reclamation.txt");
    expect(attached.note).toBe("courriel du client");
    expect(new TextDecoder().decode(new Uint8Array(attached.bytes as number[]))).toBe("Il manque 2 palettes.");
    expect(el("#dispute-notice").textContent).toBe("reclamation.txt joint au dossier.");
    await click("#evidence-view-1");
    expect(el("#evidence-viewer-text").textContent).toBe("Il manque 2 palettes.");

    await type("#dispute-task-title", "Obtenir le BL signé");
    await type("#dispute-task-owner", "Claire");
    await type("#dispute-task-due", "2026-11-20");
    await click("#dispute-task-add");
    expect(el("#task-1").textContent).toContain("en retard");
    await click("#task-done-1");
    expect(el("#task-1").getAttribute("data-state")).toBe("done");

    await type("#dispute-note-kind", "call");
    await type("#dispute-note-text", "appel de l'acheteur");
    await click("#dispute-note-add");
    expect(timelineKinds()).toEqual(["status", "opened", "evidence", "task", "task_state", "call"]);
  });

  it("attaches a file by its path (the way the end-to-end test does) and exports it", async () => {
    const fake = await render({ initialDispute: 1 });
    await type("#dispute-evidence-path", "/home/marie/bl-0042.pdf");
    await click("#dispute-evidence-add");
    expect(fake.calls.find(([c]) => c === "attach_dispute_evidence_path")?.[1]).toEqual({
      id: 1,
      path: "/home/marie/bl-0042.pdf",
      note: "",
    });
    expect(el("#evidence-1").getAttribute("data-sha256")).toBe("cd".repeat(32));
    expect(el<HTMLInputElement>("#dispute-evidence-path").value).toBe("");
    await click("#evidence-view-1");
    expect(el("#evidence-viewer").textContent).toContain("Ce type de fichier ne s'affiche pas ici");
    await click("#evidence-export-1");
    expect(el("#dispute-notice").textContent).toBe("Fichier écrit : /dossiers/litiges/evidence-1");
  });

  it("asks for the credit note, then resolves and says so; the dossier shows the outcome", async () => {
    const fake = await render({ initialDispute: 1 });
    await click("#dispute-resolve-submit");
    expect(el("#dispute-resolve-problem").textContent).toBe("Indiquez le numéro de l'avoir.");
    await type("#dispute-resolve-credit-note", "AV-2026-001");
    await type("#dispute-resolve-note", "taux corrigé");
    await click("#dispute-resolve-submit");
    expect(fake.calls.find(([c]) => c === "resolve_dispute")?.[1]).toEqual({
      id: 1,
      input: { outcome: "credit_note", creditNote: "AV-2026-001", correctedInvoice: null, acceptedAmount: null, note: "taux corrigé" },
    });
    expect(value("#dispute-state")).toBe("resolved");
    expect(value("#dispute-outcome")).toBe("credit_note");
    expect(document.querySelector("#dispute-resolve-form")).toBeNull();
    expect(timelineKinds().at(-1)).toBe("resolved");
  });

  it("exports the dossier as a PDF and names the file written; the list is one click away", async () => {
    await render({ initialDispute: 1 });
    await click("#dispute-export");
    expect(el("#dispute-notice").textContent).toBe("Dossier PDF écrit : /dossiers/litiges/litige-1.pdf");
    await click("#dispute-back");
    expect(document.querySelector("#disputes-page")).not.toBeNull();
  });

  it("speaks English", async () => {
    locale.set("en");
    await render({ initialDispute: 1 });
    expect(el("#dispute-title").textContent).toBe("Dispute no. 1 — Boulangerie Martin");
    expect(el("#dispute-resolve-submit").textContent).toContain("Resolve");
  });
});
