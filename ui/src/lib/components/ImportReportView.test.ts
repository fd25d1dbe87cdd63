// @vitest-environment jsdom
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { ImportFileReport } from "../bindings/ImportFileReport";
import type { ImportReport } from "../bindings/ImportReport";
import { locale } from "../i18n";
import ImportReportView from "./ImportReportView.svelte";

const FILES: ImportFileReport[] = [
  {
    file: "/srv/in/F-001.xml",
    outcome: "imported",
    invoiceNumber: "F-001",
    client: "Boulangerie Martin SARL",
    newClient: true,
    message: "imported",
    warnings: 0,
  },
  {
    file: "/srv/in/broken.xml",
    outcome: "failed",
    invoiceNumber: null,
    client: null,
    newClient: false,
    message: "not an e-invoice: the root element is <html>",
    warnings: 0,
  },
  {
    file: "/srv/in/lot.zip!nov/F-001-copie.xml",
    outcome: "duplicate",
    invoiceNumber: "F-001",
    client: null,
    newClient: false,
    message: "invoice F-001 is already in the dossier (imported from /srv/in/F-001.xml)",
    warnings: 0,
  },
  {
    file: "/srv/in/F-002.pdf",
    outcome: "imported",
    invoiceNumber: "F-002",
    client: "Boulangerie Martin SARL",
    newClient: false,
    message: "imported with 2 warnings, first: BR-CO-10 sum of lines",
    warnings: 2,
  },
  {
    file: "/srv/in/notes.txt",
    outcome: "ignored",
    invoiceNumber: null,
    client: null,
    newClient: false,
    message: "not a PDF, XML or zip file",
    warnings: 0,
  },
];
const REPORT: ImportReport = { files: FILES, imported: 2, duplicates: 1, failed: 1, cancelled: false };

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
});

function render(report: ImportReport = REPORT, pageSize?: number): void {
  component = mount(ImportReportView, {
    target: document.body,
    props: pageSize === undefined ? { report } : { report, pageSize },
  });
  flushSync();
}

const text = (selector: string): string => document.querySelector(selector)?.textContent?.trim() ?? "";
const rows = (): HTMLTableRowElement[] => [...document.querySelectorAll<HTMLTableRowElement>("#import-table tbody tr")];
/** The text of each cell, without the copy of the message shown under the file name in narrow windows. */
const cells = (row: HTMLTableRowElement | undefined): string[] =>
  [...(row?.querySelectorAll("td") ?? [])].map((td) => {
    const copy = td.cloneNode(true) as HTMLElement;
    copy.querySelector(".inline-message")?.remove();
    return copy.textContent?.replace(/\s+/g, " ").trim() ?? "";
  });
function chip(filter: string): HTMLButtonElement {
  const found = document.querySelector<HTMLButtonElement>(`.chips [data-filter="${filter}"]`);
  if (!found) throw new Error(`no chip ${filter}`);
  return found;
}

describe("ImportReportView", () => {
  it("sums up the counts with their raw values", () => {
    render();
    expect(text("#import-count-imported")).toBe("Importées : 2");
    expect(document.querySelector("#import-count-imported")?.getAttribute("data-value")).toBe("2");
    expect(text("#import-count-duplicates")).toBe("Doublons : 1");
    expect(document.querySelector("#import-count-duplicates")?.getAttribute("data-value")).toBe("1");
    expect(text("#import-count-failed")).toBe("Échecs : 1");
    expect(document.querySelector("#import-count-failed")?.getAttribute("data-value")).toBe("1");
    expect(text("#import-count-ignored")).toBe("Ignorés : 1");
    expect(document.querySelector("#import-cancelled")).toBeNull();
  });

  it("lists failures first, with French outcome badges and the backend message as detail", () => {
    render();
    const all = rows();
    expect(all.map((r) => r.dataset.outcome)).toEqual(["failed", "imported", "duplicate", "imported", "ignored"]);
    expect(cells(all[0])).toEqual(["broken.xml", "Échec", "—", "—", "not an e-invoice: the root element is <html>"]);
    expect(cells(all[1])).toEqual(["F-001.xml", "Importée", "F-001", "Boulangerie Martin SARL nouveau", "imported"]);
    expect(cells(all[2])?.slice(0, 3)).toEqual(["F-001-copie.xml", "Doublon", "F-001"]);
    expect(cells(all[3])?.slice(0, 2)).toEqual(["F-002.pdf", "Importée Avertissements : 2"]);
    expect(cells(all[4])?.slice(0, 2)).toEqual(["notes.txt", "Ignoré"]);
    // The full path is in the title; the message is marked as English.
    expect(all[2]?.querySelector("td .name")?.getAttribute("title")).toBe("/srv/in/lot.zip!nov/F-001-copie.xml");
    expect(all[2]?.querySelector(".inline-message")?.textContent).toBe(FILES[2]?.message);
    expect(all[0]?.querySelector("td.message")?.getAttribute("lang")).toBe("en");
    expect(all[1]?.querySelector(".tag")?.getAttribute("title")).toBe("Client créé par cet import");
    expect(all[3]?.querySelector(".tag")).toBeNull();
  });

  it("filters by outcome with pressed chips", () => {
    render();
    expect(chip("all").getAttribute("aria-pressed")).toBe("true");
    expect(chip("all").textContent?.replace(/\s+/g, " ").trim()).toBe("Tous 5");
    expect(chip("imported").textContent?.replace(/\s+/g, " ").trim()).toBe("Importées 2");
    chip("imported").click();
    flushSync();
    expect(chip("imported").getAttribute("aria-pressed")).toBe("true");
    expect(chip("all").getAttribute("aria-pressed")).toBe("false");
    expect(rows().map((r) => cells(r)[0])).toEqual(["F-001.xml", "F-002.pdf"]);
    chip("failed").click();
    flushSync();
    expect(rows().map((r) => cells(r)[0])).toEqual(["broken.xml"]);
    chip("all").click();
    flushSync();
    expect(rows()).toHaveLength(5);
  });

  it("has no chips when every file had the same outcome", () => {
    render({ files: [FILES[0]!], imported: 1, duplicates: 0, failed: 0, cancelled: false });
    expect(document.querySelector(".chips")).toBeNull();
    expect(document.querySelector("#import-count-ignored")).toBeNull();
  });

  it("says when the import was cancelled", () => {
    render({ ...REPORT, cancelled: true });
    expect(text("#import-cancelled")).toBe("Import interrompu : les fichiers déjà traités sont conservés.");
    expect(document.querySelector("#import-report")?.getAttribute("data-cancelled")).toBe("true");
  });

  it("says when nothing was found", () => {
    render({ files: [], imported: 0, duplicates: 0, failed: 0, cancelled: false });
    expect(text("#import-empty")).toBe("Aucun fichier n'a été trouvé à ces emplacements.");
    expect(document.querySelector("#import-table")).toBeNull();
  });

  it("draws long reports a page at a time", () => {
    const files = Array.from({ length: 7 }, (_, i) => ({ ...FILES[0]!, file: `/in/F-${i}.xml`, newClient: false }));
    render({ files, imported: 7, duplicates: 0, failed: 0, cancelled: false }, 3);
    expect(rows()).toHaveLength(3);
    expect(text(".more .muted")).toBe("3 lignes affichées sur 7");
    const more = document.querySelector<HTMLButtonElement>("#import-more");
    expect(more?.textContent?.trim()).toBe("Afficher la suite (3)");
    more?.click();
    flushSync();
    expect(rows()).toHaveLength(6);
    expect(text("#import-more")).toBe("Afficher la suite (1)");
    document.querySelector<HTMLButtonElement>("#import-more")?.click();
    flushSync();
    expect(rows()).toHaveLength(7);
    expect(document.querySelector("#import-more")).toBeNull();
  });

  it("speaks English", () => {
    locale.set("en");
    render();
    expect(text("#import-count-imported")).toBe("Imported: 2");
    expect(cells(rows()[0])[1]).toBe("Failed");
    expect(cells(rows()[1])[3]).toBe("Boulangerie Martin SARL new");
  });
});
