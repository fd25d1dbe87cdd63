import { describe, expect, it } from "vitest";
import type { ImportFileReport } from "../bindings/ImportFileReport";
import type { ImportOutcome } from "../bindings/ImportOutcome";
import { countOutcomes, nameParts, parsePaths, shortName, visibleLines } from "./report";

const line = (file: string, outcome: ImportOutcome): ImportFileReport => ({
  file,
  outcome,
  invoiceNumber: null,
  client: null,
  newClient: false,
  message: "",
  warnings: 0,
});

describe("parsePaths", () => {
  it("takes one path per line, trimmed, without blanks or repeats", () => {
    expect(parsePaths("  /a/b.pdf \n\n/c\r\n/a/b.pdf\r/d e/f.zip  ")).toEqual(["/a/b.pdf", "/c", "/d e/f.zip"]);
  });

  it("gives nothing for blank text", () => {
    expect(parsePaths("")).toEqual([]);
    expect(parsePaths(" \n\t\n")).toEqual([]);
  });
});

describe("shortName", () => {
  it.each([
    ["/home/marie/factures/F-001.pdf", "F-001.pdf"],
    ["C:\\Factures\\F-002.xml", "F-002.xml"],
    ["/x/lot.zip!2026/11/F-003.xml", "F-003.xml"],
    ["/x/lot.zip!F-004.xml", "F-004.xml"],
    ["F-005.xml", "F-005.xml"],
    ["/x/dossier/", "/x/dossier/"],
    ["", ""],
  ])("%s → %s", (label, expected) => {
    expect(shortName(label)).toBe(expected);
  });
});

describe("nameParts", () => {
  it("cuts after underscores, hyphens and dots, losing nothing", () => {
    expect(nameParts("F2025_INV-01.cii.xml")).toEqual(["F2025_", "INV-", "01.", "cii.", "xml"]);
    expect(nameParts("facture")).toEqual(["facture"]);
    expect(nameParts("").join("")).toBe("");
  });
});

describe("report lines", () => {
  const files = [
    line("a", "imported"),
    line("b", "failed"),
    line("c", "duplicate"),
    line("d", "ignored"),
    line("e", "failed"),
    line("f", "imported"),
  ];

  it("counts each outcome", () => {
    expect(countOutcomes(files)).toEqual({ imported: 2, failed: 2, duplicate: 1, ignored: 1 });
    expect(countOutcomes([])).toEqual({ imported: 0, failed: 0, duplicate: 0, ignored: 0 });
  });

  it("shows failures first, the rest in reading order", () => {
    expect(visibleLines(files, null).map((l) => l.file)).toEqual(["b", "e", "a", "c", "d", "f"]);
  });

  it("filters by outcome without touching the report", () => {
    expect(visibleLines(files, "imported").map((l) => l.file)).toEqual(["a", "f"]);
    expect(visibleLines(files, "duplicate").map((l) => l.file)).toEqual(["c"]);
    expect(files.map((l) => l.file)).toEqual(["a", "b", "c", "d", "e", "f"]);
  });
});
