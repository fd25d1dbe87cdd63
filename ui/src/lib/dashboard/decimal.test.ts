import { describe, expect, it } from "vitest";
import { NNBSP } from "../i18n/format";
import { chartPoint, chartValue, compareDecimals, formatDecimal, isPositiveDecimal, isZeroDecimal } from "./decimal";

describe("chartValue", () => {
  it("turns a decimal string into the number a chart draws", () => {
    expect(chartValue("742310.45")).toBe(742310.45);
    expect(chartValue(" -12.5 ")).toBe(-12.5);
    expect(chartValue("0.00")).toBe(0);
  });

  it("draws anything else as nothing rather than as a wrong height", () => {
    expect(chartValue("")).toBe(0);
    expect(chartValue("1,5")).toBe(0);
    expect(chartValue("1e6")).toBe(0);
    expect(chartValue("NaN")).toBe(0);
  });
});

describe("chartPoint", () => {
  it("leaves a gap for a missing or malformed point", () => {
    expect(chartPoint(null)).toBeNull();
    expect(chartPoint("n/a")).toBeNull();
    expect(chartPoint("52.4")).toBe(52.4);
  });
});

describe("isZeroDecimal / isPositiveDecimal", () => {
  it("read the sign from the digits", () => {
    expect(["0", "0.00", "-0.000", "+0"].map(isZeroDecimal)).toEqual([true, true, true, true]);
    expect(["0.01", "-0.01", "abc", ""].map(isZeroDecimal)).toEqual([false, false, false, false]);
    expect(["0.01", "12", "0.00", "-3", "x"].map(isPositiveDecimal)).toEqual([true, true, false, false, false]);
  });
});

describe("compareDecimals", () => {
  it("orders amounts exactly, even where doubles cannot tell them apart", () => {
    // Both parse to the same double (2^53 + 1 rounds to 2^53): only a string comparison sees the cent.
    expect(Number("90071992547409.93")).toBe(Number("90071992547409.94"));
    expect(compareDecimals("90071992547409.93", "90071992547409.94")).toBeLessThan(0);
    expect(compareDecimals("90071992547409.94", "90071992547409.93")).toBeGreaterThan(0);
  });

  it("handles signs, lengths, trailing zeros and non-decimals", () => {
    expect(compareDecimals("10.5", "10.50")).toBe(0);
    expect(compareDecimals("-0.00", "0")).toBe(0);
    expect(compareDecimals("99.99", "100")).toBeLessThan(0);
    expect(compareDecimals("-5", "-40")).toBeGreaterThan(0);
    expect(compareDecimals("-0.01", "0")).toBeLessThan(0);
    expect(compareDecimals("oops", "0.00")).toBe(0);
    const sorted = ["18000.00", "62400.00", "9940.00", "51230.60", "0.00"].sort((a, b) => compareDecimals(b, a));
    expect(sorted).toEqual(["62400.00", "51230.60", "18000.00", "9940.00", "0.00"]);
  });
});

describe("formatDecimal", () => {
  it("rounds half away from zero with the locale's separators", () => {
    expect(formatDecimal("45.25", 1, "fr")).toBe("45,3");
    expect(formatDecimal("45.25", 1, "en")).toBe("45.3");
    expect(formatDecimal("-2.15", 1, "fr")).toBe("-2,2");
    expect(formatDecimal("1234.5", 1, "fr")).toBe(`1${NNBSP}234,5`);
    expect(formatDecimal("1234.5", 1, "en")).toBe("1,234.5");
    expect(formatDecimal("39.9", 0, "fr")).toBe("40");
    expect(formatDecimal("-0.04", 1, "fr")).toBe("0,0");
    expect(formatDecimal("n/a", 1, "fr")).toBe("n/a");
  });
});
