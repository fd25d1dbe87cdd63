/**
 * The two palettes of app.css, read from the file itself: the dark palette applied by the system
 * preference and the one applied by `data-theme="dark"` are the same, both palettes define the
 * same tokens, and every text colour reaches WCAG 2.x contrast 4.5:1 on the backgrounds it is
 * used on (1.4.3), in both themes; non-text marks (focus ring, chart colours) reach 3:1 (1.4.11).
 */
/// <reference types="node" />
// Read from disk: vitest hands CSS imports (even ?raw) to its CSS pipeline, which empties them.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FALLBACK_COLORS } from "../components/charts/config";

const css = readFileSync(new URL("../../app.css", import.meta.url), "utf8");

/** The custom properties declared in the first block after `selector`. */
function tokens(selector: string, from = 0): Record<string, string> {
  const at = css.indexOf(selector, from);
  if (at < 0) throw new Error(`no ${selector} in app.css`);
  const open = css.indexOf("{", at);
  const close = css.indexOf("}", open);
  const out: Record<string, string> = {};
  for (const m of css.slice(open + 1, close).matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)) out[m[1] ?? ""] = (m[2] ?? "").trim();
  return out;
}

const light = tokens(":root {");
const mediaDark = tokens(':root:not([data-theme="light"])', css.indexOf("@media (prefers-color-scheme: dark)"));
const dark = tokens(':root[data-theme="dark"] {');

function rgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1] ?? "", 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** WCAG 2.x relative luminance. */
function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

/** Text colour → the backgrounds it is written on. */
const TEXT_ON: Record<string, string[]> = {
  "--text": ["--bg", "--surface", "--surface-2", "--accent-soft", "--danger-soft", "--ok-soft", "--warning-soft"],
  "--muted": ["--bg", "--surface", "--surface-2"],
  "--accent": ["--bg", "--surface", "--surface-2", "--accent-soft"],
  "--on-accent": ["--accent", "--accent-hover"],
  "--danger": ["--bg", "--surface", "--surface-2", "--danger-soft"],
  "--warning": ["--bg", "--surface", "--surface-2", "--warning-soft"],
  "--ok": ["--bg", "--surface", "--surface-2", "--ok-soft"],
  "--on-brand": ["--brand"],
};

/** Non-text marks → what they sit on (3:1). */
const MARK_ON: Record<string, string[]> = {
  "--focus": ["--bg", "--surface"],
  "--accent": ["--surface"],
  "--aging-1": ["--surface"],
  "--aging-2": ["--surface"],
  "--aging-3": ["--surface"],
  "--danger": ["--surface"],
  "--border-strong": ["--surface"],
};

describe("themes", () => {
  it("the system's dark palette and the chosen one are the same", () => {
    expect(Object.keys(dark).length).toBeGreaterThan(15);
    expect(mediaDark).toEqual(dark);
  });

  it("both palettes define the same colour tokens", () => {
    const colourTokens = Object.keys(light).filter((k) => !["--font", "--mono", "--radius", "--radius-sm"].includes(k));
    expect(Object.keys(dark).sort()).toEqual(colourTokens.sort());
  });

  for (const [name, palette] of [
    ["light", light],
    ["dark", dark],
  ] as const) {
    it(`${name}: every text colour reaches 4.5:1 on its backgrounds`, () => {
      const failures: string[] = [];
      for (const [fg, bgs] of Object.entries(TEXT_ON)) {
        for (const bg of bgs) {
          const ratio = contrast(palette[fg] ?? "", palette[bg] ?? "");
          if (ratio < 4.5) failures.push(`${fg} on ${bg}: ${ratio.toFixed(2)}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it(`${name}: focus ring, chart colours and field borders reach 3:1`, () => {
      const failures: string[] = [];
      for (const [fg, bgs] of Object.entries(MARK_ON)) {
        for (const bg of bgs) {
          const ratio = contrast(palette[fg] ?? "", palette[bg] ?? "");
          if (ratio < 3) failures.push(`${fg} on ${bg}: ${ratio.toFixed(2)}`);
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it("every var(--token) a component or stylesheet uses is defined (a missing one silently falls back, and misses the dark theme)", () => {
    const root = new URL("../../", import.meta.url);
    const files = (readdirSync(root, { recursive: true }) as string[]).filter(
      (f) => (f.endsWith(".svelte") || f.endsWith(".css")) && !f.includes("node_modules"),
    );
    expect(files.length).toBeGreaterThan(30);
    const global = new Set([...css.matchAll(/(--[\w-]+)\s*:/g)].map((m) => m[1]));
    const undefinedTokens: string[] = [];
    for (const file of files) {
      const source = readFileSync(new URL(file, root), "utf8");
      const local = new Set([...source.matchAll(/(--[\w-]+)\s*:/g)].map((m) => m[1]));
      for (const m of source.matchAll(/var\((--[\w-]+)/g)) {
        if (!global.has(m[1]) && !local.has(m[1])) undefinedTokens.push(`${file}: ${m[1]}`);
      }
    }
    expect(undefinedTokens).toEqual([]);
  });

  it("no component hard-codes a colour: colours are tokens of app.css, so both themes reach them", () => {
    const root = new URL("../../", import.meta.url);
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(".svelte"));
    const literals: string[] = [];
    for (const file of files) {
      const source = readFileSync(new URL(file, root), "utf8").replace(/<!--[\s\S]*?-->/g, "");
      // In <style> and in markup attributes (fill="#…", style="color: rgb(…)"); script strings are not colours.
      // A fallback inside var(--token, …) is never used: the token-defined test above sees to that.
      const outsideScript = source.replace(/<script[\s\S]*?<\/script>/g, "").replace(/var\(--[\w-]+,[^)]*\)/g, "var()");
      for (const m of outsideScript.matchAll(/#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(/g)) literals.push(`${file}: ${m[0]}`);
    }
    expect(literals).toEqual([]);
  });

  it("the charts' fallback colours are the light palette's", () => {
    for (const [token, colour] of Object.entries(FALLBACK_COLORS)) expect(colour, token).toBe(light[token]);
  });

  it("computes the WCAG ratio", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#ffffff", "#ffffff")).toBeCloseTo(1, 5);
    expect(contrast("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
  });
});
