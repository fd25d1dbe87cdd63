// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  localStorage.clear();
  delete document.documentElement.dataset.theme;
  delete document.documentElement.dataset.density;
  vi.unstubAllGlobals();
  vi.resetModules();
});

/** A matchMedia whose dark preference is `dark`, and that lets the test change it. */
function systemScheme(dark: boolean): { set(value: boolean): void } {
  const listeners: ((e: { matches: boolean }) => void)[] = [];
  const query = {
    matches: dark,
    addEventListener: (_: string, f: (e: { matches: boolean }) => void) => listeners.push(f),
  };
  vi.stubGlobal("matchMedia", () => query);
  return {
    set(value: boolean) {
      query.matches = value;
      for (const f of listeners) f({ matches: value });
    },
  };
}

describe("display preferences", () => {
  it("are applied to <html> as soon as the module loads (main.ts imports it before mounting)", async () => {
    localStorage.setItem("encours.theme", "dark");
    localStorage.setItem("encours.density", "compact");
    systemScheme(false);
    const { preferences } = await import("./preferences.svelte");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(document.documentElement.dataset.density).toBe("compact");
    expect(preferences.resolvedTheme).toBe("dark");
  });

  it("under \"system\", follow the system's scheme while the app runs", async () => {
    const system = systemScheme(true);
    const { preferences } = await import("./preferences.svelte");
    expect(preferences.theme).toBe("system");
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(preferences.resolvedTheme).toBe("dark");
    system.set(false);
    expect(preferences.resolvedTheme).toBe("light");
    preferences.setTheme("dark");
    system.set(false);
    expect(preferences.resolvedTheme).toBe("dark");
  });
});
