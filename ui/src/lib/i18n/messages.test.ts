import { describe, expect, it } from "vitest";
import { DICTIONARIES, interpolate, LOCALES } from "./messages";

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "").sort();

describe("dictionaries", () => {
  it("have the same keys, none empty, with the same placeholders", () => {
    const reference = DICTIONARIES.fr;
    for (const locale of LOCALES) {
      const dict = DICTIONARIES[locale];
      expect(Object.keys(dict).sort()).toEqual(Object.keys(reference).sort());
      for (const [key, text] of Object.entries(dict)) {
        expect(text.trim(), `${locale}:${key}`).not.toBe("");
        expect(placeholders(text), `${locale}:${key}`).toEqual(placeholders(reference[key as keyof typeof reference]));
      }
    }
  });

  it("has the product pitch in French", () => {
    expect(DICTIONARIES.fr["app.pitch"]).toBe("Vos créances clients, à jour chaque jour.");
  });
});

describe("interpolate", () => {
  it("fills placeholders and leaves unknown ones", () => {
    expect(interpolate("au {date}", { date: "23/11/2026" })).toBe("au 23/11/2026");
    expect(interpolate("{a} et {b}", { a: 1 })).toBe("1 et {b}");
    expect(interpolate("{toString}", {})).toBe("{toString}");
  });
});
