// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { locale } from "../i18n";
import { NBSP, NNBSP } from "../i18n/format";
import { monthLabel, shortDate } from "./dates";
import { daysText, percentText, wholeDaysText } from "./text";

afterEach(() => locale.set("fr"));

describe("dashboard text", () => {
  it("writes days and percentages in French, then in English", () => {
    expect(daysText("52.44")).toBe(`52,4${NBSP}j`);
    expect(wholeDaysText(1240)).toBe(`1${NNBSP}240${NBSP}j`);
    expect(percentText("39.95")).toBe(`40,0${NNBSP}%`);
    expect(daysText(null)).toBe("—");
    expect(percentText(null)).toBe("—");
    locale.set("en");
    expect(daysText("52.44")).toBe("52.4 days");
    expect(percentText("39.95")).toBe("40.0%");
  });
});

describe("short dates", () => {
  it("labels a week by its first day and a month by its name", () => {
    expect(shortDate("2026-11-30", "fr")).toBe("30/11");
    expect(shortDate("2026-11-30", "en")).toBe("30 Nov");
    expect(shortDate("2026-13-01", "fr")).toBe("2026-13-01");
    expect(shortDate("30/11/2026", "fr")).toBe("30/11/2026");
    expect(monthLabel("2026-02", "fr")).toBe("févr. 2026");
    expect(monthLabel("2026-08", "fr", true)).toBe("août 26");
    expect(monthLabel("2025-12", "en", true)).toBe("Dec 25");
    expect(monthLabel("2025-00", "en")).toBe("2025-00");
  });
});
