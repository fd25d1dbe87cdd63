// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dashboardFixture, emptyDashboardFixture, fakeDashboard } from "../api/testing";
import type { DashboardView } from "../bindings/DashboardView";
import { DashboardBoard } from "../dashboard/board.svelte";
import type { DrillTarget } from "../dashboard/view";
import { locale } from "../i18n";
import { NBSP, NNBSP } from "../i18n/format";
import { FakeChart } from "./charts/testing";
import Dashboard from "./Dashboard.svelte";

vi.mock("chart.js", async () => (await import("./charts/testing")).chartJsMock());
vi.mock("./charts/schedule", async () => (await import("./charts/testing")).drawAtOnce());

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
  FakeChart.reset();
});

/**
 * French figures as the formatters write them, from text typed with plain spaces: U+202F between
 * thousands and before "%", U+00A0 before "€", "k€" and "j" ("1 234,56 €", "52,4 j", "39,9 %").
 */
const fr = (text: string): string =>
  text
    .replace(/(\d) (?=\d{3}(?!\d))/g, `$1${NNBSP}`)
    .replace(/(\d) (€|k€|j\b)/g, `$1${NBSP}$2`)
    .replace(/(\d) %/g, `$1${NNBSP}%`);

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await tick();
  }
  flushSync();
}

async function render(
  view: DashboardView = dashboardFixture(),
  onDrill: (target: DrillTarget) => void = () => {},
): Promise<{ fake: ReturnType<typeof fakeDashboard>; board: DashboardBoard; props: { board: DashboardBoard; refresh: number } }> {
  const fake = fakeDashboard(view);
  mockIPC((cmd, args) => fake.handle(cmd, args));
  const board = new DashboardBoard(onDrill);
  const props = $state({ board, refresh: 0 });
  component = mount(Dashboard, { target: document.body, props });
  flushSync();
  await settle();
  return { fake, board, props };
}

const el = <T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T => {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};
const text = (selector: string, root: ParentNode = document): string => el(selector, root).textContent?.trim() ?? "";
/** Text with the markup's line breaks and indentation collapsed (not the no-break spaces of figures). */
const squash = (value: string | null | undefined): string => (value ?? "").replace(/[ \t\n\r]+/g, " ").trim();
const texts = (selector: string, root: ParentNode = document): string[] =>
  [...root.querySelectorAll(selector)].map((node) => squash(node.textContent));
const cells = (row: Element): string[] => [...row.children].map((cell) => squash(cell.textContent));
/** Each table row as its cells' texts joined by a space. */
const rows = (selector: string): string[] => [...document.querySelectorAll(selector)].map((row) => cells(row).join(" "));

async function click(selector: string, root: ParentNode = document): Promise<void> {
  el<HTMLElement>(selector, root).click();
  await settle();
}

describe("Dashboard", () => {
  it("shows the key figures in French, with the core's decimal strings in data-value", async () => {
    await render();
    expect(text("#dashboard-as-of")).toBe("Calculés au 23/11/2026");
    expect(text("#dashboard-dso")).toBe(fr("52,4 j"));
    expect(el("#dashboard-dso").dataset.value).toBe("52.4");
    expect(text("#dashboard-overdue-percent")).toBe(fr("39,9 %"));
    expect(text("#dashboard-cei")).toBe(fr("81,6 %"));
    expect(text("#dashboard-add")).toBe(fr("27,3 j"));
    expect(text("#dashboard-disputed")).toBe(fr("8 400,00 €"));
    expect(texts("[data-figure] .sub")).toEqual([
      fr("Meilleur possible 37,6 j · échu 14,8 j"),
      fr("31,4 % des factures en nombre"),
      "Efficacité du recouvrement sur 84 jours",
      "Retard moyen pondéré des factures échues",
      fr("Résolution moyenne : 34,5 j"),
    ]);
  });

  it("draws the aged balance from the total row and lists each bucket with its exact amount", async () => {
    await render();
    const card = el("#dashboard-aging");
    const chart = FakeChart.on(card);
    expect(chart.type).toBe("bar");
    expect(chart.data.labels).toEqual(["Non échu", fr("1–30 j"), fr("31–60 j"), fr("61–90 j"), fr("> 90 j")]);
    expect(chart.data.datasets[0]?.data).toEqual([742310.45, 251884.2, 118402.75, 54920.1, 67050.3]);
    expect(chart.tooltip(2)).toEqual({ title: fr("31–60 j"), lines: [fr("118 402,75 €")] });
    expect(chart.axis(200000)).toBe(fr("200 k€"));
    expect(el("[role=img]", card).getAttribute("aria-label")).toBe("Balance âgée par tranche de retard, en euros");
    expect(texts(".bucket", card)).toEqual([
      fr("Non échu 742 310,45 €"),
      fr("1–30 j 251 884,20 €"),
      fr("31–60 j 118 402,75 €"),
      fr("61–90 j 54 920,10 €"),
      fr("> 90 j 67 050,30 €"),
    ]);
    expect(el("#dashboard-aging-bucket-4").dataset.value).toBe("67050.30");
    expect(text("#dashboard-aging-total")).toBe(fr("1 234 567,80 €"));
    expect(squash(text(".note", card))).toBe(
      fr("Encaissements non imputés : 12 450,00 € · Solde net clients : 1 222 117,80 €"),
    );
  });

  it("writes every amount from its decimal string, even one a double cannot hold", async () => {
    const view = dashboardFixture();
    view.aging.total.buckets[0] = "90071992547409.93";
    await render(view);
    expect(text("#dashboard-aging-bucket-0 .amount")).toBe(fr("90 071 992 547 409,93 €"));
    expect(FakeChart.on(el("#dashboard-aging")).tooltip(0).lines).toEqual([fr("90 071 992 547 409,93 €")]);
  });

  it("draws 24 months of DSO with gaps where there is no figure, and the months in a table", async () => {
    await render();
    const card = el("#dashboard-dso-trend");
    const chart = FakeChart.on(card);
    expect(chart.type).toBe("line");
    expect(chart.data.labels).toHaveLength(24);
    expect(chart.data.labels?.slice(0, 3)).toEqual(["déc. 24", "janv. 25", "févr. 25"]);
    const [dso, best] = chart.data.datasets;
    expect(dso?.data.slice(0, 3)).toEqual([null, null, 61.8]);
    expect(dso?.data.at(-1)).toBe(52.4);
    expect(best?.data.at(-1)).toBe(37.6);
    expect(chart.tooltip(23)).toEqual({ title: "nov. 26", lines: [fr("DSO : 52,4 j"), fr("Meilleur possible : 37,6 j")] });
    expect(chart.axis(60)).toBe(fr("60 j"));
    const rows = [...document.querySelectorAll("#dashboard-dso-table tbody tr")];
    expect(rows).toHaveLength(24);
    expect(cells(rows[0] as Element)).toEqual(["déc. 2024", "—", "—", "—", fr("1 166 240,39 €"), fr("708 660,24 €"), fr("630 616,58 €")]);
    expect(cells(rows[23] as Element).slice(0, 4)).toEqual(["nov. 2026", fr("52,4 j"), fr("37,6 j"), fr("14,8 j")]);
  });

  it("draws the 13-week forecast with weeks named by their first day, and what it leaves out", async () => {
    await render();
    const card = el("#dashboard-forecast");
    const chart = FakeChart.on(card);
    expect(chart.data.labels).toHaveLength(13);
    expect(chart.data.labels?.slice(0, 2)).toEqual(["sem. du 24/11", "sem. du 01/12"]);
    expect(chart.data.datasets[0]?.data.slice(0, 2)).toEqual([48210.4, 61880.15]);
    expect(chart.tooltip(0)).toEqual({
      title: "sem. du 24/11",
      lines: [
        "Attendu : " + fr("48 210,40 €"),
        "dont promis : " + fr("12 000,00 €"),
        "dont déjà échu : " + fr("31 210,40 €"),
        "Factures : 41",
      ],
    });
    expect(text("#dashboard-forecast-total")).toBe(fr("542 469,70 €"));
    expect(el("#dashboard-forecast-total").dataset.value).toBe("542469.70");
    expect(text("#dashboard-forecast-held")).toBe(fr("8 400,00 €"));
    expect(text("#dashboard-forecast-not-expected")).toBe(fr("38 730,30 €"));
    expect(text("#dashboard-forecast-method")).toContain("Dates estimées");
    const rows = [...document.querySelectorAll("#dashboard-forecast-table tbody tr")];
    expect(rows).toHaveLength(13);
    expect(cells(rows[3] as Element)).toEqual([
      "sem. du 15/12",
      fr("72 145,90 €"),
      fr("15 000,00 €"),
      fr("18 145,90 €"),
      "66",
    ]);
  });

  it("lists the largest exposures with their oldest delay", async () => {
    await render();
    const rows = [...document.querySelectorAll("#dashboard-exposures tbody tr")];
    expect(rows).toHaveLength(8);
    expect(cells(rows[1] as Element)).toEqual([
      "Batiself Rhône SAS PME",
      fr("96 450,60 €"),
      fr("51 230,60 €"),
      fr("124 j"),
      fr("7,9 %"),
    ]);
    // Nothing overdue: no delay, and the amount is not flagged.
    expect(cells(rows[3] as Element).slice(2, 4)).toEqual([fr("0,00 €"), "—"]);
    expect(rows[3]?.querySelector(".late")).toBeNull();
    expect(rows[1]?.querySelector(".late")).not.toBeNull();
  });

  it("lists the alerts by severity with a title for their code, and opens the client concerned", async () => {
    const view = dashboardFixture();
    view.alerts.push({ code: "somethingNew", severity: "info", message: "Nouveau.", clientId: 999, invoiceId: null });
    await render(view);
    const alerts = [...document.querySelectorAll("#dashboard-alerts [data-code]")];
    expect(alerts.map((alert) => [alert.getAttribute("data-severity"), text(".badge", alert), text(".title", alert)])).toEqual([
      ["critical", "Critique", "Retard de plus de 90 jours"],
      ["warning", "Attention", "Concentration du risque"],
      ["warning", "Attention", "Promesse de paiement non tenue"],
      ["info", "Information", "Délai de paiement au-delà du plafond légal"],
      ["info", "Information", "Alerte"],
    ]);
    expect(text(".message", alerts[0] as Element)).toBe("Batiself Rhône SAS : facture F-2026-0417 échue depuis 124 jours (18 400,00 €).");
    // Only a client among the exposures can be opened: the dashboard holds nothing on the others.
    expect(alerts.map((alert) => alert.querySelector("button") !== null)).toEqual([true, true, true, false, false]);
    await click("button", alerts[0] as Element);
    expect(el("#dashboard-drill").dataset.kind).toBe("exposure");
    expect(text("#dashboard-drill-title")).toBe("Batiself Rhône SAS");
  });

  it("shows the notes and the other currencies apart", async () => {
    await render();
    expect(texts("#dashboard-notes li")).toEqual([
      `Hors euro, non inclus : 12${NNBSP}400,00${NBSP}USD`,
      "Le taux d'impayés porte sur les 12 derniers mois ; aucune relance automatique n'existe encore.",
    ]);
  });

  it("says what is missing, card by card, while the core computes only the balances", async () => {
    await render(emptyDashboardFixture());
    expect(FakeChart.instances).toEqual([]);
    expect(text("#dashboard-dso")).toBe("—Non disponible");
    expect(el("#dashboard-dso").hasAttribute("data-value")).toBe(false);
    expect(el("#dashboard-dso").dataset.available).toBe("false");
    expect(texts("[data-figure] .sub")).toEqual([]);
    expect(text("#dashboard-disputed")).toBe(fr("0,00 €"));
    expect(text("#dashboard-aging-empty")).toBe("Aucune créance ouverte à ventiler par ancienneté.");
    expect(text("#dashboard-forecast-empty")).toBe("Aucun encaissement prévu sur les 13 prochaines semaines.");
    expect(text("#dashboard-dso-trend-empty")).toBe(
      "Pas encore d'historique : le DSO apparaîtra avec les ventes des mois passés.",
    );
    expect(text("#dashboard-exposures-empty")).toBe("Aucun client n'a d'encours ouvert.");
    expect(text("#dashboard-alerts-empty")).toBe("Aucune alerte.");
    expect(texts("#dashboard-notes li")).toEqual(["work in progress: only the balances are computed"]);
  });

  it("switches to English", async () => {
    await render();
    locale.set("en");
    flushSync();
    expect(text("#dashboard-title")).toBe("Key figures");
    expect(text("#dashboard-dso")).toBe("52.4 days");
    expect(text("#dashboard-overdue-percent")).toBe("39.9%");
    expect(texts("#dashboard-aging .bucket")[0]).toBe("Not due €742,310.45");
    const forecast = FakeChart.on(el("#dashboard-forecast"));
    expect(forecast.data.labels?.[0]).toBe("wk of 24 Nov");
    expect(forecast.axis(50000)).toBe("€50k");
    expect(FakeChart.on(el("#dashboard-dso-trend")).data.labels?.[0]).toBe("Dec 24");
  });

  it("reports a refusal and tries again from the refresh button", async () => {
    const fake = fakeDashboard();
    fake.failNext({ code: "NoDossierOpen", message: "no dossier is open" });
    mockIPC((cmd, args) => fake.handle(cmd, args));
    const board = new DashboardBoard();
    component = mount(Dashboard, { target: document.body, props: { board } });
    flushSync();
    await settle();
    expect(el("#dashboard-error").dataset.code).toBe("NoDossierOpen");
    expect(document.querySelector("#dashboard-dso")).toBeNull();
    await click("#dashboard-refresh");
    expect(document.querySelector("#dashboard-error")).toBeNull();
    expect(text("#dashboard-dso")).toBe(fr("52,4 j"));
    expect(fake.calls).toEqual(["dashboard", "dashboard"]);
  });

  it("reads the dashboard again when the dossier changes", async () => {
    const { fake, props } = await render();
    expect(fake.calls).toEqual(["dashboard"]);
    fake.view = emptyDashboardFixture();
    props.refresh += 1;
    flushSync();
    await settle();
    expect(fake.calls).toEqual(["dashboard", "dashboard"]);
    expect(document.querySelector("#dashboard-aging-empty")).not.toBeNull();
  });
});

describe("Dashboard details", () => {
  it("opens a figure's detail with what the dashboard holds and the overdue invoices, and gives the focus back", async () => {
    const onDrill = vi.fn();
    await render(dashboardFixture(), onDrill);
    const opener = el<HTMLButtonElement>("#dashboard-overdue-percent-open");
    expect(opener.getAttribute("aria-label")).toBe("Voir le détail : Taux d'échu");
    opener.focus();
    await click("#dashboard-overdue-percent-open");
    expect(onDrill).toHaveBeenCalledWith({ kind: "figure", figure: "overduePercent" });
    const panel = el("#dashboard-drill");
    expect(document.activeElement?.id).toBe("dashboard-drill-title");
    expect(text("#dashboard-drill-title")).toBe("Taux d'échu");
    expect(texts("dd", panel)).toEqual([fr("492 257,35 €"), fr("39,9 %"), fr("31,4 %"), fr("27,3 j")]);
    expect(rows("#dashboard-drill-buckets tr")).toEqual([
      fr("1–30 j 251 884,20 €"),
      fr("31–60 j 118 402,75 €"),
      fr("61–90 j 54 920,10 €"),
      fr("> 90 j 67 050,30 €"),
    ]);
    expect(rows("#dashboard-drill-segments tbody tr")).toEqual([
      fr("Grands comptes 243 700,70 € 37,1 %"),
      fr("PME 197 456,65 € 43,9 %"),
      fr("Collectivités 51 100,00 € 39,5 %"),
    ]);
    const clients = texts("#dashboard-drill-clients tbody th");
    expect(clients).toHaveLength(7);
    expect(clients.slice(0, 2)).toEqual(["Groupe Lemoine Distribution", "Batiself Rhône SAS"]);
    expect(document.querySelector("#dashboard-drill-pending")).toBeNull();
    expect(text("#dashboard-items-block h4")).toBe("Factures concernées");
    expect(squash(text("#dashboard-items-summary"))).toBe(fr("3 sur 251 affichées — total 492 257,35 €"));
    expect(el("#dashboard-items-total").dataset.value).toBe("492257.35");

    await click("#dashboard-drill-close");
    expect(document.querySelector("#dashboard-drill")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it("opens a bucket from its line or from its bar, with its breakdown and the clients whose oldest delay is in it", async () => {
    const onDrill = vi.fn();
    const { board } = await render(dashboardFixture(), onDrill);
    await click("#dashboard-aging-bucket-4");
    expect(text("#dashboard-drill-title")).toBe(fr("Tranche > 90 j"));
    expect(texts("#dashboard-drill dd")).toEqual([fr("67 050,30 €")]);
    expect(rows("#dashboard-drill-segments tr")).toEqual([
      fr("PME 38 400,00 €"),
      fr("Grands comptes 21 950,30 €"),
      fr("Collectivités 6 700,00 €"),
    ]);
    expect(rows("#dashboard-drill-clients tbody tr")).toEqual([
      fr("Batiself Rhône SAS 51 230,60 € 124 j"),
      fr("Atelier Vasseur SARL 31 760,00 € 97 j"),
    ]);
    // From the bucket to one of its clients.
    await click("#dashboard-drill-clients button");
    expect(board.drill).toEqual({ kind: "exposure", clientId: 12 });

    FakeChart.on(el("#dashboard-aging")).click(0);
    await settle();
    expect(onDrill).toHaveBeenLastCalledWith({ kind: "bucket", index: 0 });
    expect(text("#dashboard-drill-title")).toBe("Tranche Non échu");
    // Nothing is late in the not-due bucket: no client list.
    expect(document.querySelector("#dashboard-drill-clients")).toBeNull();
  });

  it("opens a client from the exposures, with its figures and its alerts", async () => {
    await render();
    await click("#dashboard-exposures [data-client-id='12'] button");
    const panel = el("#dashboard-drill");
    expect(text("#dashboard-drill-title")).toBe("Batiself Rhône SAS");
    expect(texts("dt", panel)).toContain("Retard moyen de paiement (12 mois)");
    expect(texts("dd", panel)).toEqual([
      "PME",
      "Marc Lefèvre",
      "46.69B",
      fr("96 450,60 €"),
      fr("51 230,60 €"),
      fr("8 400,00 €"),
      fr("7,9 %"),
      fr("124 j"),
      fr("38,0 j"),
    ]);
    expect(texts(".client-alerts li", panel)).toEqual([
      "Batiself Rhône SAS : facture F-2026-0417 échue depuis 124 jours (18 400,00 €).",
    ]);
  });

  it("opens a week from its bar or its row, and the DSO from its curve", async () => {
    await render();
    FakeChart.on(el("#dashboard-forecast")).click(3);
    await settle();
    expect(text("#dashboard-drill-title")).toBe("Semaine du 15/12/2026 au 21/12/2026");
    expect(texts("#dashboard-drill dd")).toEqual([fr("72 145,90 €"), fr("15 000,00 €"), fr("18 145,90 €"), "66"]);
    await click("#dashboard-forecast-table [data-week='1'] button");
    expect(text("#dashboard-drill-title")).toBe("Semaine du 24/11/2026 au 30/11/2026");

    FakeChart.on(el("#dashboard-dso-trend")).click(5);
    await settle();
    expect(text("#dashboard-drill-title")).toBe("DSO");
    expect(texts("#dashboard-drill dd")).toEqual([fr("52,4 j"), fr("53,9 j"), fr("37,6 j"), fr("14,8 j"), "84 jours"]);
    expect(document.querySelectorAll("#dashboard-drill tbody tr")).toHaveLength(24);
  });

  it("closes with Escape, the focus going to the dashboard's title when the opener is unknown", async () => {
    await render();
    // Not focused first: as in WebKit, where a clicked button does not take the focus.
    await click("#dashboard-cei-open");
    expect(text("#dashboard-drill-title")).toBe("CEI");
    el("#dashboard-drill-title").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await settle();
    expect(document.querySelector("#dashboard-drill")).toBeNull();
    expect(document.activeElement?.id).toBe("dashboard-title");
  });

  it("says so when what was open left the refreshed dashboard", async () => {
    const { fake, board } = await render();
    board.open({ kind: "exposure", clientId: 18 });
    await settle();
    fake.view = { ...dashboardFixture(), topExposures: [] };
    await click("#dashboard-refresh");
    expect(text("#dashboard-drill-title")).toBe("Principaux encours");
    expect(text("#dashboard-drill .missing")).toBe("Cet élément ne figure plus dans le tableau de bord actualisé.");
  });

  it("lists the invoices of a bucket, oldest first, in French, with the total of every one of them", async () => {
    const { fake } = await render();
    const asked: unknown[] = [];
    const answer = fake.items;
    fake.items = (asOf, filter, limit) => {
      asked.push({ asOf, filter, limit });
      return answer(asOf, filter, limit);
    };
    await click("#dashboard-aging-bucket-4");
    expect(asked).toEqual([{ asOf: "2026-11-23", filter: { kind: "bucket", minDays: 91, maxDays: null }, limit: 200 }]);
    expect(texts("#dashboard-items thead th")).toEqual(["N°", "Client", "Échéance", "Retard", "Reste dû"]);
    expect(rows("#dashboard-items tbody tr")).toEqual([
      // (Written without `fr`, which would take "2026 124" for a thousands group.)
      `F-2026-0417 litige Batiself Rhône SAS 22/07/2026 124${NBSP}j 18${NNBSP}400,00${NBSP}€`,
      fr("F-2026-0388 Atelier Vasseur SARL 18/08/2026 97 j 12 000,00 €"),
      fr("F-2026-0402 Batiself Rhône SAS 20/08/2026 95 j 9 630,30 €"),
    ]);
    expect(el("#dashboard-items [data-invoice-id='388'] td:last-child").dataset.value).toBe("12000.00");
    const summary = el("#dashboard-items-summary");
    expect(squash(summary.textContent)).toBe(fr("3 sur 9 affichées — total 67 050,30 €"));
    expect([summary.dataset.shown, summary.dataset.count]).toEqual(["3", "9"]);
    // The list's total is the bucket's amount on the card.
    expect(el("#dashboard-items-total").dataset.value).toBe(el("#dashboard-aging-bucket-4").dataset.value);

    // Not due: days read "à échoir", a credit note is marked and negative.
    await click("#dashboard-aging-bucket-0");
    expect(rows("#dashboard-items tbody tr")).toEqual([
      fr("F-2026-0512 Groupe Lemoine Distribution 02/12/2026 à échoir 24 800,00 €"),
      fr("A-2026-0031 avoir Groupe Lemoine Distribution 10/12/2026 à échoir -1 200,00 €"),
    ]);
    expect(squash(text("#dashboard-items-summary"))).toBe(fr("2 sur 579 affichées — total 742 310,45 €"));
  });

  it("lists every open item under the open balance, with other currencies apart, and in English", async () => {
    const { board } = await render();
    board.open({ kind: "figure", figure: "openBalance" });
    await settle();
    expect(texts("#dashboard-items tbody tr")).toHaveLength(5);
    expect(squash(text("#dashboard-items-summary"))).toBe(fr("5 sur 830 affichées — total 1 234 567,80 €"));
    expect(text("#dashboard-items-other-currencies")).toBe(fr("Hors euro, non additionné : 12 400,00 USD").replace(" USD", `${NBSP}USD`));
    locale.set("en");
    await settle();
    expect(text("#dashboard-items-block h4")).toBe("Invoices behind this figure");
    expect(squash(text("#dashboard-items-summary"))).toBe("5 of 830 shown — total €1,234,567.80");
    expect(rows("#dashboard-items tbody tr")[0]).toBe("F-2026-0417 dispute Batiself Rhône SAS 22 Jul 2026 124 days €18,400.00");
    expect(rows("#dashboard-items tbody tr")[4]).toContain("credit note");
  });

  it("lists a client's invoices and a week's by due date, and none under a ratio", async () => {
    const { fake, board } = await render();
    await click("#dashboard-exposures [data-client-id='12'] button");
    expect(texts("#dashboard-items tbody th")).toEqual(["F-2026-0417 litige", "F-2026-0402"]);
    await click("#dashboard-forecast-table [data-week='1'] button");
    expect(text("#dashboard-items-block h4")).toBe("Factures arrivant à échéance cette semaine");
    expect(text("#dashboard-items-block")).toContain("Liste par date d'échéance");
    const before = fake.calls.length;
    board.open({ kind: "figure", figure: "dso" });
    await settle();
    expect(document.querySelector("#dashboard-items-block")).toBeNull();
    expect(fake.calls.slice(before)).toEqual([]);
  });

  it("says when the list cannot be read, without hiding the rest of the detail", async () => {
    const { fake } = await render();
    fake.items = () => {
      throw { code: "Storage", message: "database is locked" };
    };
    await click("#dashboard-aging-bucket-4");
    expect(el("#dashboard-items-error").dataset.code).toBe("Storage");
    expect(texts("#dashboard-drill dd")).toEqual([fr("67 050,30 €")]);
    expect(document.querySelector("#dashboard-items")).toBeNull();
    await click("#dashboard-items-error .dismiss");
    expect(document.querySelector("#dashboard-items-error")).toBeNull();
  });

  it("reads the list again with the dashboard", async () => {
    const { fake } = await render();
    await click("#dashboard-aging-bucket-4");
    const before = fake.calls.length;
    await click("#dashboard-refresh");
    expect(fake.calls.slice(before)).toEqual(["dashboard", "open_items"]);
    expect(squash(text("#dashboard-items-summary"))).toBe(fr("3 sur 9 affichées — total 67 050,30 €"));
  });
});
