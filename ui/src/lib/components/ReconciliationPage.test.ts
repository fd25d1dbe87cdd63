// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeReconciliation, type FakeReconciliationOptions } from "../api/testing";
import type { DossierSummary } from "../bindings/DossierSummary";
import { locale } from "../i18n";
import { NBSP, NNBSP } from "../i18n/format";
import { ReconciliationDesk } from "../reconciliation/desk.svelte";
import { LINES, MATCHED, SUMMARY, UNKNOWN } from "../reconciliation/fixtures";
import DossierView from "./DossierView.svelte";
import ReconciliationLine from "./ReconciliationLine.svelte";
import ReconciliationPage from "./ReconciliationPage.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

/** "1 234,56 €" as the French format writes it: U+202F between thousands, U+00A0 before the symbol. */
const euros = (text: string): string => text.replace(/ €$/, `${NBSP}€`).replaceAll(" ", NNBSP);

function backend(options: Partial<FakeReconciliationOptions> = {}): ReturnType<typeof fakeReconciliation> {
  const fake = fakeReconciliation({ lines: LINES, summary: SUMMARY, ...options });
  mockIPC((cmd, args) => fake.handle(cmd, args));
  return fake;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await tick();
  }
  flushSync();
}

async function render(
  props: { onSummary?: (summary: DossierSummary) => void; onImports?: () => void; pageSize?: number } = {},
): Promise<ReconciliationDesk> {
  const desk = new ReconciliationDesk(props.onSummary ?? (() => {}));
  const { onImports, pageSize } = props;
  component = mount(ReconciliationPage, {
    target: document.body,
    props: { desk, ...(onImports ? { onImports } : {}), ...(pageSize ? { pageSize } : {}) },
  });
  flushSync();
  await settle();
  return desk;
}

const el = <T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T => {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};
const text = (selector: string, root: ParentNode = document): string => el(selector, root).textContent?.trim() ?? "";
const texts = (selector: string, root: ParentNode = document): string[] =>
  [...root.querySelectorAll(selector)].map((node) => node.textContent?.trim() ?? "");
const line = (id: number): HTMLElement => el(`[data-payment-id="${id}"]`);
const proposal = (key: string): HTMLElement => el(`[data-proposal-key="${key}"]`);
const shownIds = (): string[] =>
  [...document.querySelectorAll<HTMLElement>("#reconciliation-lines > [data-payment-id]")].map(
    (item) => item.dataset.paymentId ?? "",
  );
const counts = (): (string | null)[] =>
  ["unmatched", "auto", "manual", "ignored"].map((state) =>
    el(`#reconciliation-${state}-count`).getAttribute("data-value"),
  );

async function click(selector: string, root: ParentNode = document): Promise<void> {
  el<HTMLButtonElement>(selector, root).click();
  await settle();
}

function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

/** Opens the manual match form of payment `id`, types `numbers` and sends them. */
async function matchByHand(id: number, numbers: string): Promise<void> {
  await click(".manual-toggle", line(id));
  type(el<HTMLInputElement>(".manual-numbers", line(id)), numbers);
  await click(".manual-match", line(id));
}

describe("ReconciliationPage", () => {
  it("shows the counts and the payments to reconcile, with their proposals best first, in French", async () => {
    const fake = backend();
    await render();
    expect(fake.calls).toEqual([["reconciliation", { all: false }]]);
    expect(text("#reconciliation-title")).toBe("Rapprochement bancaire");
    expect(counts()).toEqual(["3", "1", "0", "1"]);
    expect(texts("#reconciliation-unmatched-count span")).toEqual(["3", "À rapprocher"]);
    expect(text("#reconciliation-threshold")).toBe(
      `Le rapprochement automatique applique les propositions à partir de 90${NNBSP}% de confiance.`,
    );
    expect(text("#reconciliation-as-of")).toBe("Propositions calculées au 23/11/2026");
    expect(shownIds()).toEqual(["101", "102", "103"]);

    const clear = line(101);
    expect(text(".date", clear)).toBe("20/11/2026");
    expect(text(".payer-name", clear)).toBe("ACME INDUSTRIE");
    expect(text(".iban", clear)).toBe("FR76 3000 6000 0112 3456 7890 189");
    expect(text(".amount", clear)).toBe(`1${NNBSP}234,56${NBSP}€`);
    expect(el(".amount", clear).getAttribute("data-value")).toBe("1234.56");
    expect(text(".short", clear)).toBe("VIR SEPA ACME INDUSTRIE · RF18539007547034");
    expect(text(".badge", clear)).toBe("À rapprocher");
    expect([...clear.querySelectorAll("[data-proposal-key]")].map((node) => node.getAttribute("data-proposal-key"))).toEqual(
      ["p101-a", "p101-b"],
    );

    const best = proposal("p101-a");
    expect(text(".client", best)).toBe("ACME Industrie SAS");
    const meter = el("[role=meter]", best);
    expect(meter.getAttribute("aria-valuenow")).toBe("97");
    expect(meter.getAttribute("aria-valuetext")).toBe(`97${NNBSP}%`);
    expect(meter.getAttribute("data-band")).toBe("high");
    expect(el<HTMLElement>(".fill", best).style.width).toBe("97%");
    expect(text(".invoices .number", best)).toBe("F-2026-0042");
    expect(text(".invoices .amount", best)).toBe(euros("1 234,56 €"));
    expect(best.querySelector(".residual")).toBeNull();
    expect(best.querySelector(".overpayment")).toBeNull();
    expect(texts(".reasons li", best)).toEqual([
      "Référence structurée RF18539007547034 sur le virement",
      "Montant égal à la facture",
      "IBAN déjà connu pour ce client",
    ]);
    expect(text(".accept-proposal", best)).toBe("Accepter");
    expect(el(".accept-proposal", best).getAttribute("aria-label")).toBe(
      `Accepter la proposition : ACME Industrie SAS, confiance 97${NNBSP}%`,
    );
    expect(text(".reject-proposal", best)).toBe("Rejeter");

    const weak = proposal("p101-b");
    expect(el("[role=meter]", weak).getAttribute("data-band")).toBe("low");
    expect(text(".residual", weak)).toBe(`reste ${euros("265,44 €")}`);
    expect(texts(".reasons li", weak)).toEqual([
      `Paiement partiel : reste ${euros("265,44 €")}`,
      "Montant seul, sans autre indice",
    ]);

    const combination = proposal("p103");
    expect(el("[role=meter]", combination).getAttribute("data-band")).toBe("medium");
    expect(texts(".invoices .amount", combination)).toEqual([
      euros("3 000,00 €"),
      euros("2 100,00 €"),
      euros("-150,00 €"),
    ]);
    expect(text(".overpayment", combination)).toBe(`Trop-perçu non imputé : ${euros("50,00 €")}`);
    expect(texts(".reasons li", combination)).toEqual([
      "Montant égal à 3 factures du client",
      "Avoir imputé : AV-2026-003",
      `Trop-perçu de ${euros("50,00 €")} laissé en avoir`,
    ]);

    const unknown = line(102);
    expect(text(".payer-name", unknown)).toBe("Payeur non indiqué");
    expect(unknown.querySelector(".iban")).toBeNull();
    expect(text(".short", unknown)).toBe("Sans libellé");
    expect(text(".amount", unknown)).toBe(euros("80,00 €"));
    expect(text(".none-proposed", unknown)).toBe(
      "Aucune proposition : aucune facture ouverte ne correspond à ce paiement.",
    );
    expect(unknown.querySelector("[data-proposal-key]")).toBeNull();
    // Every unmatched payment can be set aside.
    expect(texts("#reconciliation-lines .ignore-payment")).toEqual(["Écarter", "Écarter", "Écarter"]);
    expect(document.querySelector(".unmatch-payment")).toBeNull();
  });

  it("accepts a proposal: the payment leaves the list, the counts and the dashboard follow", async () => {
    const fake = backend();
    const onSummary = vi.fn();
    await render({ onSummary });
    await click(".accept-proposal", proposal("p101-a"));
    expect(fake.calls.slice(1)).toEqual([
      ["accept_proposal", { paymentId: 101, key: "p101-a" }],
      ["dossier_summary", {}],
    ]);
    expect(shownIds()).toEqual(["102", "103"]);
    expect(counts()).toEqual(["2", "1", "1", "1"]);
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    expect(text("#reconciliation-status")).toBe(`Paiement de ${euros("1 234,56 €")} rapproché : ACME Industrie SAS.`);
    // The keyboard goes on with the payment that took its place.
    expect((document.activeElement as HTMLElement | null)?.dataset.paymentId).toBe("102");
  });

  it("rejects a proposal and keeps the payment with its other proposals", async () => {
    const fake = backend();
    await render();
    await click(".reject-proposal", proposal("p101-a"));
    expect(fake.calls[1]).toEqual(["reject_proposal", { paymentId: 101, key: "p101-a" }]);
    expect(shownIds()).toEqual(["101", "102", "103"]);
    expect([...line(101).querySelectorAll("[data-proposal-key]")].map((node) => node.getAttribute("data-proposal-key"))).toEqual([
      "p101-b",
    ]);
    expect(counts()).toEqual(["3", "1", "0", "1"]);
    expect(text("#reconciliation-status")).toBe("Proposition rejetée.");
    expect((document.activeElement as HTMLElement | null)?.dataset.paymentId).toBe("101");
  });

  it("sets a payment aside", async () => {
    const fake = backend();
    await render();
    await click(".ignore-payment", line(102));
    expect(fake.calls[1]).toEqual(["ignore_payment", { paymentId: 102 }]);
    expect(shownIds()).toEqual(["101", "103"]);
    expect(counts()).toEqual(["2", "1", "0", "2"]);
    expect(text("#reconciliation-status")).toBe(`Paiement de ${euros("80,00 €")} écarté.`);
  });

  it("shows every payment on demand, and undoes a match", async () => {
    const fake = backend();
    await render();
    expect(el("#reconciliation-filter-unmatched").getAttribute("aria-pressed")).toBe("true");
    await click("#reconciliation-filter-all");
    expect(fake.calls[1]).toEqual(["reconciliation", { all: true }]);
    expect(el("#reconciliation-filter-all").getAttribute("aria-pressed")).toBe("true");
    expect(shownIds()).toEqual(["101", "102", "103", "104", "105"]);

    const matched = line(104);
    expect(text(".badge", matched)).toBe("Rapproché auto");
    expect(text(".matched-client strong", matched)).toBe("ACME Industrie SAS");
    expect(texts(".invoices li span", matched)).toEqual(["F-2026-0040", euros("600,00 €")]);
    expect(matched.querySelector(".ignore-payment")).toBeNull();
    expect(text(".unmatch-payment", matched)).toBe("Annuler le rapprochement");

    const ignored = line(105);
    expect(text(".badge", ignored)).toBe("Écarté");
    expect(text(".ignored-note", ignored)).toBe("Écarté : ce paiement n'est pas un règlement client.");
    expect(text(".unmatch-payment", ignored)).toBe("Remettre à rapprocher");

    await click(".unmatch-payment", matched);
    expect(fake.calls[2]).toEqual(["unmatch_payment", { paymentId: 104 }]);
    // Every payment is listed: it stays where it was, to reconcile again.
    expect(shownIds()).toEqual(["101", "102", "103", "104", "105"]);
    expect(line(104).getAttribute("data-state")).toBe("unmatched");
    expect(text(".badge", line(104))).toBe("À rapprocher");
    expect(counts()).toEqual(["4", "0", "0", "1"]);
    expect(text("#reconciliation-status")).toBe(
      `Rapprochement annulé : le paiement de ${euros("600,00 €")} est de nouveau à rapprocher.`,
    );

    // An accepted payment stays in the full list too, matched by hand.
    await click(".accept-proposal", proposal("p103"));
    expect(line(103).getAttribute("data-state")).toBe("manual");
    expect(text(".badge", line(103))).toBe("Rapproché manuellement");
    expect(text(".unallocated", line(103))).toBe(`Non imputé : ${euros("50,00 €")}`);

    await click("#reconciliation-filter-unmatched");
    expect(fake.calls.at(-1)).toEqual(["reconciliation", { all: false }]);
    expect(shownIds()).toEqual(["101", "102", "104"]);
  });

  it("runs the automatic matching and announces its report", async () => {
    const fake = backend({ allocated: "1234567.8" });
    const onSummary = vi.fn();
    await render({ onSummary });
    const release = fake.holdNext("run_matching");
    el<HTMLButtonElement>("#run-matching").click();
    await settle();
    expect(el<HTMLButtonElement>("#run-matching").disabled).toBe(true);
    expect(text("#run-matching")).toBe("Rapprochement en cours…");
    expect([...document.querySelectorAll<HTMLButtonElement>(".accept-proposal")].every((b) => b.disabled)).toBe(true);
    release();
    await settle();

    expect(fake.calls.map(([cmd]) => cmd)).toEqual(["reconciliation", "run_matching", "reconciliation", "dossier_summary"]);
    expect(el<HTMLButtonElement>("#run-matching").disabled).toBe(false);
    expect(text("#run-matching")).toBe("Lancer le rapprochement automatique");
    const report = el("#run-report");
    expect(report.closest("[aria-live=polite]")).not.toBeNull();
    expect(text("#run-report-title")).toBe("Rapprochement automatique terminé");
    expect(el("#run-report-auto").getAttribute("data-value")).toBe("1");
    expect(text("#run-report-auto")).toBe("Rapprochés automatiquement : 1");
    expect(text("#run-report-review")).toBe("À revoir : 1");
    expect(text("#run-report-none")).toBe("Sans proposition : 1");
    expect(text("#run-report-considered")).toBe("Paiements examinés : 3");
    expect(text("#run-report-allocated")).toBe(`Montant imputé : ${euros("1 234 567,80 €")}`);
    expect(el("#run-report-allocated").getAttribute("data-value")).toBe("1234567.8");
    expect(text("summary", report)).toBe("Paiements rapprochés (1)");
    expect(texts("details li", report)).toEqual(["101: ACME Industrie SAS ← F-2026-0042"]);
    // The list was read again: the payment matched by the run has left it.
    expect(shownIds()).toEqual(["102", "103"]);
    expect(counts()).toEqual(["2", "2", "0", "1"]);
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);

    await click("#run-report .dismiss");
    expect(document.querySelector("#run-report")).toBeNull();
  });

  it("busies only the payment being changed", async () => {
    const fake = backend();
    await render();
    const release = fake.holdNext("accept_proposal");
    await click(".accept-proposal", proposal("p101-a"));
    const accept = el<HTMLButtonElement>(".accept-proposal", proposal("p101-a"));
    expect(accept.disabled).toBe(true);
    expect(accept.querySelector(".spinner")).not.toBeNull();
    expect(el<HTMLButtonElement>(".ignore-payment", line(101)).disabled).toBe(true);
    expect(line(101).getAttribute("aria-busy")).toBe("true");
    expect(el<HTMLButtonElement>(".accept-proposal", proposal("p103")).disabled).toBe(false);
    expect(el<HTMLButtonElement>("#run-matching").disabled).toBe(true);
    release();
    await settle();
    expect(shownIds()).toEqual(["102", "103"]);
    expect(el<HTMLButtonElement>("#run-matching").disabled).toBe(false);
  });

  it("shows the whole remittance text and the source on demand", async () => {
    backend();
    await render();
    const combination = line(103);
    const short = text(".short", combination);
    expect(short.endsWith("…")).toBe(true);
    expect(short.length).toBeLessThan(120);
    const expand = el<HTMLButtonElement>(".expand", combination);
    expect(expand.getAttribute("aria-expanded")).toBe("false");
    expect(expand.getAttribute("aria-controls")).toBe("payment-103-texts");
    expect(text(".expand", combination)).toBe("Voir le libellé complet");
    await click(".expand", combination);
    expect(expand.getAttribute("aria-expanded")).toBe("true");
    expect(texts(".full li", combination)).toEqual([
      "VIREMENT GAMMA DISTRIBUTION REGLEMENT FACTURES F-2026-0031 F-2026-0032 AVOIR AV-2026-003 SOLDE NOVEMBRE 2026",
      "REF CLIENT 411GAMMA",
    ]);
    expect(text(".source", combination)).toBe("Source : /releves/novembre.xml: /Document/BkToCstmrStmt/Stmt/Ntry[5]");
    expect(text(".expand", combination)).toBe("Réduire le libellé");
    await click(".expand", combination);
    expect(combination.querySelector(".full")).toBeNull();
  });

  it("says there is nothing to reconcile and points to the imports", async () => {
    backend({ lines: [MATCHED] });
    const onImports = vi.fn();
    await render({ onImports });
    expect(document.querySelector("#reconciliation-lines")).toBeNull();
    expect(text("#reconciliation-empty p")).toBe(
      "Aucun paiement à rapprocher. Importez un relevé bancaire (camt.053, camt.054, CFONB 120) depuis Imports.",
    );
    expect(el("#reconciliation-unmatched-count").getAttribute("data-value")).toBe("0");
    await click("#reconciliation-go-imports");
    expect(onImports).toHaveBeenCalledOnce();
    await click("#reconciliation-filter-all");
    expect(shownIds()).toEqual(["104"]);
  });

  it("shows a refused action with the error table and keeps the payment", async () => {
    const fake = backend();
    const onSummary = vi.fn();
    await render({ onSummary });
    fake.failNext("accept_proposal", { code: "InvalidInput", message: "invoice F-2026-0042 is already settled" });
    await click(".accept-proposal", proposal("p101-a"));
    const panel = el("#reconciliation-error");
    expect(panel.getAttribute("role")).toBe("alert");
    expect(panel.getAttribute("data-code")).toBe("InvalidInput");
    expect(panel.textContent).toContain("Saisie invalide");
    expect(panel.textContent).toContain("invoice F-2026-0042 is already settled");
    expect(shownIds()).toEqual(["101", "102", "103"]);
    expect(el<HTMLButtonElement>(".accept-proposal", proposal("p101-a")).disabled).toBe(false);
    expect(text("#reconciliation-status")).toBe("");
    expect(onSummary).not.toHaveBeenCalled();
    await click("#reconciliation-error .dismiss");
    expect(document.querySelector("#reconciliation-error")).toBeNull();
  });

  it("shows why the payments could not be read", async () => {
    const fake = backend();
    fake.failNext("reconciliation", { code: "NoDossierOpen", message: "no dossier is open" });
    await render();
    expect(el("#reconciliation-error").getAttribute("data-code")).toBe("NoDossierOpen");
    expect(text("#reconciliation-error .title")).toBe("Aucun dossier ouvert");
    expect(document.querySelector("#reconciliation-lines")).toBeNull();
    expect(document.querySelector("#reconciliation-empty")).toBeNull();
    expect(document.querySelector("#reconciliation-unmatched-count")).toBeNull();
  });

  it("says when the dashboard could not be refreshed", async () => {
    backend({ summary: null });
    await render();
    await click(".ignore-payment", line(102));
    expect(shownIds()).toEqual(["101", "103"]);
    expect(text(".refresh-error p")).toBe("Les chiffres du tableau de bord n'ont pas pu être mis à jour.");
    expect(el("#reconciliation-refresh-error").getAttribute("data-code")).toBe("NoDossierOpen");
  });

  it("draws long lists a page at a time", async () => {
    backend();
    await render({ pageSize: 2 });
    expect(shownIds()).toEqual(["101", "102"]);
    expect(text("#reconciliation-more")).toBe("Afficher la suite (1)");
    await click("#reconciliation-more");
    expect(shownIds()).toEqual(["101", "102", "103"]);
    expect(document.querySelector("#reconciliation-more")).toBeNull();
  });

  it("switches to English", async () => {
    backend();
    await render();
    locale.set("en");
    flushSync();
    expect(text("#reconciliation-title")).toBe("Bank reconciliation");
    expect(texts("#reconciliation-unmatched-count span")).toEqual(["3", "To reconcile"]);
    expect(text(".amount", line(101))).toBe("€1,234.56");
    expect(text(".date", line(101))).toBe("20 Nov 2026");
    expect(texts(".reasons li", proposal("p101-a"))).toEqual([
      "Structured reference RF18539007547034 on the transfer",
      "Amount equal to the invoice",
      "IBAN already known for this customer",
    ]);
    expect(el("[role=meter]", proposal("p101-a")).getAttribute("aria-valuetext")).toBe("97%");
    expect(text(".accept-proposal", proposal("p101-a"))).toBe("Accept");
    expect(text(".ignore-payment", line(102))).toBe("Set aside");
    expect(text("#run-matching")).toBe("Run automatic matching");
  });
});

describe("ReconciliationPage, manual match", () => {
  it("opens a form for invoice numbers on a payment to reconcile, hidden until asked for", async () => {
    const fake = backend();
    await render();
    expect(document.querySelector(".manual-numbers")).toBeNull();
    expect(document.querySelector("form.manual")).toBeNull();
    expect(texts("#reconciliation-lines .manual-toggle")).toEqual([
      "Rapprocher manuellement",
      "Rapprocher manuellement",
      "Rapprocher manuellement",
    ]);
    const toggle = el<HTMLButtonElement>(".manual-toggle", line(102));
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(toggle.getAttribute("aria-controls")).toBe("payment-102-manual");
    expect(el("#payment-102-manual").closest("[data-payment-id]")).toBe(line(102));

    await click(".manual-toggle", line(102));
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(document.querySelectorAll(".manual-numbers")).toHaveLength(1);
    const input = el<HTMLInputElement>(".manual-numbers", line(102));
    expect([...(input.labels ?? [])].map((label) => label.textContent?.trim())).toEqual(["N° de facture(s)"]);
    expect(el("form.manual", line(102)).getAttribute("aria-label")).toBe("Rapprochement manuel");
    expect(text(".hint", line(102))).toBe(
      "Séparez les numéros par des espaces, des virgules ou des points-virgules. Les factures sont réglées de la plus ancienne échéance à la plus récente ; le reste du paiement demeure non imputé, en avoir.",
    );
    expect(text(".manual-match", line(102))).toBe("Rapprocher");
    // The keyboard goes to the numbers.
    expect(document.activeElement).toBe(input);

    // Nothing typed: said under the field, nothing sent.
    type(input, " ;, ");
    input.blur();
    await click(".manual-match", line(102));
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(text(".invalid", line(102))).toBe("Indiquez au moins un numéro de facture.");
    expect(input.getAttribute("aria-describedby")).toBe("payment-102-manual-hint payment-102-manual-invalid");
    expect(document.activeElement).toBe(input);
    expect(fake.calls).toEqual([["reconciliation", { all: false }]]);
    type(input, "F");
    expect(line(102).querySelector(".invalid")).toBeNull();

    await click(".manual-toggle", line(102));
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(line(102).querySelector(".manual-numbers")).toBeNull();

    // Matched and set-aside payments have no such form.
    await click("#reconciliation-filter-all");
    expect(line(104).querySelector(".manual-toggle")).toBeNull();
    expect(line(105).querySelector(".manual-toggle")).toBeNull();
  });

  it("sends the numbers read from the field: the payment leaves the list, the counts and the dashboard follow", async () => {
    const fake = backend();
    const onSummary = vi.fn();
    await render({ onSummary });
    await matchByHand(103, " F-2026-0031; F-2026-0031,F-2026-0032 ");
    expect(fake.calls.slice(1)).toEqual([
      ["manual_match", { paymentId: 103, numbers: ["F-2026-0031", "F-2026-0032"] }],
      ["dossier_summary", {}],
    ]);
    expect(shownIds()).toEqual(["101", "102"]);
    expect(counts()).toEqual(["2", "1", "1", "1"]);
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);
    expect(text("#reconciliation-status")).toBe(`Paiement de ${euros("5 000,00 €")} rapproché : Gamma Distribution.`);
    // The keyboard goes on with the payment that took its place.
    expect((document.activeElement as HTMLElement | null)?.dataset.paymentId).toBe("102");
  });

  it("shows what a manual match settled and what it left unapplied, then forgets the form on unmatch", async () => {
    backend();
    await render();
    await click("#reconciliation-filter-all");
    await matchByHand(103, "F-2026-0031");
    const matched = line(103);
    expect(shownIds()).toEqual(["101", "102", "103", "104", "105"]);
    expect(matched.getAttribute("data-state")).toBe("manual");
    expect(text(".badge", matched)).toBe("Rapproché manuellement");
    expect(text(".matched-client strong", matched)).toBe("Gamma Distribution");
    expect(texts(".invoices li span", matched)).toEqual(["F-2026-0031", euros("3 000,00 €")]);
    expect(text(".unallocated", matched)).toBe(`Non imputé : ${euros("2 000,00 €")}`);
    expect(counts()).toEqual(["2", "1", "1", "1"]);
    expect(matched.querySelector(".manual-numbers")).toBeNull();

    await click(".unmatch-payment", matched);
    expect(line(103).getAttribute("data-state")).toBe("unmatched");
    expect(el(".manual-toggle", line(103)).getAttribute("aria-expanded")).toBe("false");
    await click(".manual-toggle", line(103));
    expect(el<HTMLInputElement>(".manual-numbers", line(103)).value).toBe("");
  });

  it("busies the payment while its manual match runs", async () => {
    const fake = backend();
    await render();
    const release = fake.holdNext("manual_match");
    await matchByHand(103, "F-2026-0031");
    const payment = line(103);
    const submit = el<HTMLButtonElement>(".manual-match", payment);
    expect(submit.disabled).toBe(true);
    expect(submit.querySelector(".spinner")).not.toBeNull();
    expect(el<HTMLInputElement>(".manual-numbers", payment).disabled).toBe(true);
    expect(el<HTMLButtonElement>(".ignore-payment", payment).disabled).toBe(true);
    expect(el<HTMLButtonElement>(".accept-proposal", proposal("p103")).disabled).toBe(true);
    expect(payment.getAttribute("aria-busy")).toBe("true");
    expect(el<HTMLButtonElement>(".ignore-payment", line(101)).disabled).toBe(false);
    expect(el<HTMLButtonElement>("#run-matching").disabled).toBe(true);
    // A second press sends nothing more.
    submit.click();
    await settle();
    expect(fake.calls.filter(([cmd]) => cmd === "manual_match")).toHaveLength(1);
    release();
    await settle();
    expect(shownIds()).toEqual(["101", "102"]);
    expect(el<HTMLButtonElement>("#run-matching").disabled).toBe(false);
  });

  it("shows a refused manual match with the error table, keeps the payment and what was typed", async () => {
    const fake = backend();
    const onSummary = vi.fn();
    await render({ onSummary });
    await click(".manual-toggle", line(102));
    const input = el<HTMLInputElement>(".manual-numbers", line(102));
    type(input, "F-2026-0042");
    // As in a browser: the pressed button has the focus, and loses it once disabled.
    const submit = el<HTMLButtonElement>(".manual-match", line(102));
    submit.focus();
    submit.click();
    await settle();
    expect(fake.calls.slice(1)).toEqual([["manual_match", { paymentId: 102, numbers: ["F-2026-0042"] }]]);
    // The refusal shows under the form of that payment, not at the top of the page.
    expect(document.querySelector("#reconciliation-error")).toBeNull();
    const panel = el("#payment-102-manual-error");
    expect(panel.getAttribute("data-code")).toBe("InvalidInput");
    expect(panel.textContent).toContain("Saisie invalide");
    expect(panel.textContent).toContain("no open invoice numbered F-2026-0042");
    expect(shownIds()).toEqual(["101", "102", "103"]);
    expect(counts()).toEqual(["3", "1", "0", "1"]);
    expect(line(102).getAttribute("data-state")).toBe("unmatched");
    expect(input.value).toBe("F-2026-0042");
    expect(input.disabled).toBe(false);
    expect(submit.disabled).toBe(false);
    // Back to the numbers, to correct them.
    expect(document.activeElement).toBe(input);
    expect(text("#reconciliation-status")).toBe("");
    expect(onSummary).not.toHaveBeenCalled();

    await matchByHand(101, "F-2026-0042 F-2026-0051");
    expect(el("#payment-101-manual-error").textContent).toContain(
      "these invoices belong to several clients: match them one client at a time",
    );
    expect(shownIds()).toEqual(["101", "102", "103"]);
  });

  it("shows the refusal it is given under the form", async () => {
    const onAction = vi.fn();
    const onDismissError = vi.fn();
    component = mount(ReconciliationLine, {
      target: document.body,
      props: {
        line: UNKNOWN,
        autoThreshold: 90,
        manualError: { code: "InvalidInput", message: "no open invoice numbered F-9" },
        onDismissError,
        onAction,
      },
    });
    flushSync();
    expect(document.querySelector("#payment-102-manual-error")).toBeNull();
    await click(".manual-toggle");
    const panel = el("#payment-102-manual-error");
    expect(panel.closest("#payment-102-manual")).not.toBeNull();
    expect(panel.getAttribute("role")).toBe("alert");
    expect(panel.getAttribute("data-code")).toBe("InvalidInput");
    expect(panel.textContent).toContain("no open invoice numbered F-9");
    await click("#payment-102-manual-error .dismiss");
    expect(onDismissError).toHaveBeenCalledOnce();

    type(el<HTMLInputElement>(".manual-numbers"), "F-9, F-10");
    await click(".manual-match");
    expect(onAction).toHaveBeenCalledExactlyOnceWith("manual", "F-9 F-10");
  });

  it("speaks English", async () => {
    backend();
    await render();
    locale.set("en");
    flushSync();
    expect(text(".manual-toggle", line(102))).toBe("Match by hand");
    await click(".manual-toggle", line(102));
    const input = el<HTMLInputElement>(".manual-numbers", line(102));
    expect(input.labels?.[0]?.textContent?.trim()).toBe("Invoice number(s)");
    expect(el("form.manual", line(102)).getAttribute("aria-label")).toBe("Manual match");
    expect(text(".hint", line(102))).toBe(
      "Separate the numbers with spaces, commas or semicolons. The invoices are settled oldest due date first; what is left of the payment stays unapplied, as a credit.",
    );
    expect(text(".manual-match", line(102))).toBe("Match");
    await click(".manual-match", line(102));
    expect(text(".invalid", line(102))).toBe("Enter at least one invoice number.");
  });
});

describe("DossierView with the reconciliation", () => {
  const DOSSIER: DossierSummary = {
    path: "/tmp/demo.encours",
    companyName: "Démo Industrie SAS",
    companySiren: "732829320",
    asOf: "2026-11-23",
    currency: "EUR",
    clients: 3,
    invoices: 12,
    openItems: 8,
    openBalance: "9000.00",
    overdueBalance: "0.00",
    overdueItems: 0,
    otherCurrencies: [],
    integrity: "ok",
    integrityCheckedAt: null,
  };

  it("opens from the sidebar and passes the refreshed summary up after an action", async () => {
    const fake = backend();
    const onSummary = vi.fn();
    component = mount(DossierView, { target: document.body, props: { summary: DOSSIER, onClosed: () => {}, onSummary } });
    flushSync();
    const nav = el<HTMLAnchorElement>("#nav-reconciliation");
    expect(nav.tagName).toBe("A");
    expect(nav.getAttribute("href")).toBe("#reconciliation");
    expect(nav.textContent).not.toContain("bientôt");
    nav.click();
    await settle();
    expect(nav.getAttribute("aria-current")).toBe("page");
    expect(document.querySelector("#summary-open-balance")).toBeNull();
    expect(shownIds()).toEqual(["101", "102", "103"]);

    const release = fake.holdNext("accept_proposal");
    await click(".accept-proposal", proposal("p101-a"));
    // No closing the dossier under an action.
    expect(el<HTMLButtonElement>("#close-dossier").disabled).toBe(true);
    release();
    await settle();
    expect(el<HTMLButtonElement>("#close-dossier").disabled).toBe(false);
    expect(onSummary).toHaveBeenCalledWith(SUMMARY);

    // The empty state leads to the imports.
    fake.lines.splice(0, fake.lines.length, MATCHED);
    el<HTMLAnchorElement>("#nav-dashboard").click();
    await settle();
    el<HTMLAnchorElement>("#nav-reconciliation").click();
    await settle();
    await click("#reconciliation-go-imports");
    expect(el("#nav-imports").getAttribute("aria-current")).toBe("page");
    expect(document.querySelector("#import-drop")).not.toBeNull();
  });
});
