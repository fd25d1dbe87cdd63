import { describe, expect, it } from "vitest";
import {
  formatCount,
  formatCurrencyAmount,
  formatDate,
  formatMoney,
  formatSiren,
  groupThousands,
  NBSP,
  NNBSP,
  parseDecimal,
  roundDecimal,
} from "./format";

/** Writes expectations readably: "_" stands for U+202F (thousands), "~" for U+00A0 (before €). */
const fr = (pattern: string): string => pattern.replaceAll("_", NNBSP).replaceAll("~", NBSP);

describe("parseDecimal", () => {
  it("parses plain decimal strings", () => {
    expect(parseDecimal("1234.50")).toEqual({ negative: false, integer: "1234", fraction: "50" });
    expect(parseDecimal("-0.5")).toEqual({ negative: true, integer: "0", fraction: "5" });
    expect(parseDecimal("+007")).toEqual({ negative: false, integer: "7", fraction: "" });
    expect(parseDecimal(" 12 ")).toEqual({ negative: false, integer: "12", fraction: "" });
  });

  it("rejects anything else", () => {
    for (const bad of ["", "abc", "1,5", "1.2.3", "1e5", ".5", "5.", "--1", "NaN", "1 000"]) {
      expect(parseDecimal(bad), bad).toBeNull();
    }
  });
});

describe("roundDecimal (half away from zero, string arithmetic)", () => {
  const round = (value: string): string => {
    const parsed = parseDecimal(value);
    if (!parsed) throw new Error(value);
    const r = roundDecimal(parsed, 2);
    return `${r.negative ? "-" : ""}${r.integer}.${r.fraction}`;
  };

  it.each([
    ["0", "0.00"],
    ["1.2", "1.20"],
    ["1.234", "1.23"],
    ["1.235", "1.24"],
    ["1.2349999", "1.23"],
    ["-1.235", "-1.24"],
    ["-1.234", "-1.23"],
    ["0.005", "0.01"],
    ["-0.005", "-0.01"],
    ["-0.004", "0.00"],
    ["9.995", "10.00"],
    ["999999.999", "1000000.00"],
    ["-99.995", "-100.00"],
    ["0.125", "0.13"],
    ["2.675", "2.68"], // 2.675 is 2.67499… as a float: string rounding gets it right
    ["1.005", "1.01"], // same trap for floats
    ["123456789012345678901234567890.125", "123456789012345678901234567890.13"],
  ])("%s → %s", (input, expected) => {
    expect(round(input)).toBe(expected);
  });
});

describe("groupThousands", () => {
  it.each([
    ["0", "0"],
    ["12", "12"],
    ["123", "123"],
    ["1234", "1 234"],
    ["123456", "123 456"],
    ["1234567", "1 234 567"],
  ])("%s → %s", (input, expected) => {
    expect(groupThousands(input, " ")).toBe(expected);
  });
});

describe("formatMoney", () => {
  it("formats French amounts with a narrow no-break space and a comma", () => {
    expect(formatMoney("1234567.8", "EUR", "fr")).toBe(fr("1_234_567,80~€"));
    expect(formatMoney("0", "EUR", "fr")).toBe(fr("0,00~€"));
    expect(formatMoney("999.999", "EUR", "fr")).toBe(fr("1_000,00~€"));
    expect(formatMoney("-1234.505", "EUR", "fr")).toBe(fr("-1_234,51~€"));
    expect(formatMoney("-0.001", "EUR", "fr")).toBe(fr("0,00~€"));
    expect(formatMoney("12.00", "USD", "fr")).toBe(fr("12,00~USD"));
  });

  it("formats English amounts", () => {
    expect(formatMoney("1234567.8", "EUR", "en")).toBe("€1,234,567.80");
    expect(formatMoney("-1234.5", "EUR", "en")).toBe("-€1,234.50");
    expect(formatMoney("12", "USD", "en")).toBe(`USD${NBSP}12.00`);
  });

  it("matches Intl fr-FR / en-GB output for values a float represents exactly", () => {
    const frIntl = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
    const enIntl = new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" });
    // Strings only on our side; Intl gets the same value as a literal, for comparison only.
    expect(formatMoney("-1234567.5", "EUR", "fr")).toBe(frIntl.format(-1234567.5));
    expect(formatMoney("1000", "EUR", "fr")).toBe(frIntl.format(1000));
    expect(formatMoney("-1234567.5", "EUR", "en")).toBe(enIntl.format(-1234567.5));
  });

  it("keeps precision far beyond what a float holds", () => {
    expect(formatMoney("90071992547409931.01", "EUR", "en")).toBe("€90,071,992,547,409,931.01");
  });

  it("returns malformed input unchanged instead of inventing a number", () => {
    expect(formatMoney("n/a", "EUR", "fr")).toBe("n/a");
    expect(formatMoney("1e3", "EUR", "en")).toBe("1e3");
  });
});

describe("formatCount", () => {
  it("groups integers", () => {
    expect(formatCount(0, "fr")).toBe("0");
    expect(formatCount(1234, "fr")).toBe(fr("1_234"));
    expect(formatCount(1234567, "en")).toBe("1,234,567");
    expect(formatCount(-4200, "en")).toBe("-4,200");
    expect(formatCount(12345678901234567890n, "en")).toBe("12,345,678,901,234,567,890");
    expect(formatCount(1.5, "en")).toBe("1.5");
  });
});

describe("formatCurrencyAmount", () => {
  it("formats a currency code and a decimal", () => {
    expect(formatCurrencyAmount("USD 1234.5", "fr")).toBe(fr("1_234,50~USD"));
    expect(formatCurrencyAmount("GBP 12", "en")).toBe(`GBP${NBSP}12.00`);
    expect(formatCurrencyAmount("EUR -3.456", "en")).toBe("-€3.46");
  });

  it("returns anything else unchanged", () => {
    for (const bad of ["", "USD", "usd 12", "USD 1,5", "120.00 USD"]) {
      expect(formatCurrencyAmount(bad, "fr"), bad).toBe(bad);
    }
  });
});

describe("formatDate", () => {
  it("formats ISO dates", () => {
    expect(formatDate("2026-11-23", "fr")).toBe("23/11/2026");
    expect(formatDate("2026-11-23", "en")).toBe("23 Nov 2026");
    expect(formatDate("2027-01-05", "en")).toBe("05 Jan 2027");
  });

  it("returns anything else unchanged", () => {
    for (const bad of ["", "23/11/2026", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32", "2026-11-23T10:00"]) {
      expect(formatDate(bad, "fr"), bad).toBe(bad);
    }
  });
});

describe("formatSiren", () => {
  it("groups nine digits by three", () => {
    expect(formatSiren("732829320")).toBe(`732${NBSP}829${NBSP}320`);
    expect(formatSiren("12345")).toBe("12345");
  });
});
