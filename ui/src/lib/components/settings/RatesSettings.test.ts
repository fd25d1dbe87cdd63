// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync, unmount, type mount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { HalfYearRates } from "../../bindings/HalfYearRates";
import type { RatesOverview } from "../../bindings/RatesOverview";
import { locale } from "../../i18n";
import { render, submit, text } from "../../settings/testing";
import { el, settle } from "../../testing/dom";
import RatesSettings from "./RatesSettings.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

const half = (year: number, h: number, ecb: string | null, legal: string | null, current = false): HalfYearRates => ({
  year,
  half: h,
  ecbPercent: ecb,
  penaltyPercent: ecb === null ? null : String(Number(ecb) + 10),
  legalProfessionalPercent: legal,
  legalIndividualPercent: legal === null ? null : "6.67",
  contractualFloorPercent: legal === null ? null : "7.86",
  current,
});

function overview(): RatesOverview {
  return {
    tables: [
      { name: "ecb_mro", origin: "shipped", source: null, coveredFrom: "2023-09-20", coveredUntil: "2026-02-05", rows: 9 },
      { name: "legal_interest", origin: "dossier", source: "taux-legal.csv", coveredFrom: "2024-01-01", coveredUntil: "2026-06-30", rows: 5 },
    ],
    halfYears: [half(2026, 2, null, null, true), half(2026, 1, "2.15", "2.62")],
  };
}

/** Puts `file` in the file input as a person choosing it would. */
function pick(file: File): void {
  const input = el<HTMLInputElement>("#rates-file");
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  input.dispatchEvent(new Event("change", { bubbles: true }));
  flushSync();
}

describe("RatesSettings", () => {
  it("lists each half-year's rates in French, marks the current one and what is missing, and names each table's source", async () => {
    component = await render(RatesSettings, (cmd) => {
      if (cmd === "rates_overview") return overview();
      throw new Error(`unexpected ${cmd}`);
    });
    const current = el('[data-period="2026-H2"]');
    expect(current.textContent).toContain("2nd semestre 2026");
    expect(current.textContent).toContain("en cours");
    expect(current.textContent).toContain("non publié");
    expect(text("#rates-gap")).toContain("manque dans les tables");
    const h1 = [...el('[data-period="2026-H1"]').querySelectorAll("td")].map((td) => td.textContent);
    expect(h1).toEqual(["2,15\u202f%", "12,15\u202f%", "2,62\u202f%", "6,67\u202f%", "7,86\u202f%"]);
    expect(text('[data-table="ecb_mro"]')).toContain("Table fournie avec Encours");
    expect(text('[data-table="ecb_mro"]')).toContain("Banque centrale européenne");
    expect(text('[data-table="legal_interest"]')).toContain("Table importée dans ce dossier : taux-legal.csv");
    expect(text('[data-table="legal_interest"]')).toContain("du 01/01/2024 au 30/06/2026");
  });

  it("in English", async () => {
    locale.set("en");
    component = await render(RatesSettings, (cmd) => {
      if (cmd === "rates_overview") return overview();
      throw new Error(`unexpected ${cmd}`);
    });
    expect(text('[data-period="2026-H1"] th')).toBe("H1 2026");
    expect(el('[data-period="2026-H1"] td').textContent).toBe("2.15%");
    expect(text('[data-period="2026-H2"] td')).toBe("not published");
  });

  it("checks the file before importing it, then imports it and shows the tables read again", async () => {
    const calls: [string, unknown][] = [];
    let view = overview();
    component = await render(RatesSettings, (cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "rates_overview") return view;
      if (cmd === "import_rate_table") {
        view = { ...view, halfYears: [half(2026, 2, null, "2.5", true), ...view.halfYears.slice(1)] };
        return { name: "legal_interest", origin: "dossier", source: "t.csv", coveredFrom: "2025-07-01", coveredUntil: "2026-12-31", rows: 3 };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    await submit("#rates-import");
    expect(text("#rates-file-error")).toBe("Choisissez le fichier CSV à importer.");
    pick(new File(["x"], "releve.pdf"));
    await submit("#rates-import");
    expect(text("#rates-file-error")).toBe("Le fichier doit être un fichier CSV (.csv).");
    pick(new File(["effective_date,mro_percent\n2025-06-11,2.15\n"], "bce.csv"));
    await submit("#rates-import");
    await settle();
    expect(text("#rates-file-error")).toContain("covered_until");
    expect(calls.map(([c]) => c)).not.toContain("import_rate_table");

    const csv = "effective_date,professional_percent,individual_percent\n2026-07-01,2.50,6.40\ncovered_until,2026-12-31\n";
    pick(new File([csv], "t.csv"));
    await submit("#rates-import");
    await settle();
    expect(calls.find(([c]) => c === "import_rate_table")?.[1]).toEqual({ file: "t.csv", text: csv });
    expect(text("#rates-imported")).toBe("Table importée : Taux de l'intérêt légal, taux connus jusqu'au 31/12/2026.");
    expect(el('[data-period="2026-H2"]').textContent).toContain("2,50\u202f%");
  });

  it("shows the core's refusal of a table, naming the file and line", async () => {
    component = await render(RatesSettings, (cmd) => {
      if (cmd === "rates_overview") return overview();
      if (cmd === "import_rate_table") return Promise.reject({ code: "InvalidInput", message: "t.csv: line 3: not a date" });
      throw new Error(`unexpected ${cmd}`);
    });
    pick(new File(["effective_date,mro_percent\nx,1\ncovered_until,2026-12-31\n"], "t.csv"));
    await submit("#rates-import");
    await settle();
    expect(el("#rates-import-error").textContent).toContain("line 3");
  });
});
