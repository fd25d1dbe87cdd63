/**
 * The user's display preferences (issue 11 §5–6): theme and density. Like the language
 * (`i18n/locale.svelte.ts`), they belong to the person at this machine, not to a dossier, so they
 * live in localStorage and are applied to `<html>` as soon as this module is loaded (main.ts
 * imports it before mounting, so the first frame already has the right colours).
 *
 * The theme is `data-theme="light|dark"` on `<html>`; "system" removes the attribute and app.css
 * follows `prefers-color-scheme`. `resolvedTheme` is what is on screen (for the charts, which
 * paint on a canvas and must be redrawn when it changes).
 */
export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];
export const DENSITIES = ["comfortable", "compact"] as const;
export type Density = (typeof DENSITIES)[number];

export const THEME_KEY = "encours.theme";
export const DENSITY_KEY = "encours.density";

function stored<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const value = globalThis.localStorage?.getItem(key);
    return (allowed as readonly (string | null | undefined)[]).includes(value) ? (value as T) : fallback;
  } catch {
    return fallback;
  }
}

function remember(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    // Storage can be unavailable (private mode, tests): the choice then lasts for the session.
  }
}

function darkQuery(): MediaQueryList | null {
  return typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
}

const state = $state<{ theme: Theme; density: Density; systemDark: boolean }>({
  theme: stored(THEME_KEY, THEMES, "system"),
  density: stored(DENSITY_KEY, DENSITIES, "comfortable"),
  systemDark: darkQuery()?.matches ?? false,
});

function apply(): void {
  if (typeof document === "undefined") return;
  const root = document.documentElement;
  if (state.theme === "system") delete root.dataset.theme;
  else root.dataset.theme = state.theme;
  root.dataset.density = state.density;
}

apply();
// "System" follows the OS while the app runs (a scheduled dark mode at dusk).
darkQuery()?.addEventListener?.("change", (event) => {
  state.systemDark = event.matches;
});

export const preferences = {
  get theme(): Theme {
    return state.theme;
  },
  get density(): Density {
    return state.density;
  },
  /** The theme on screen: the chosen one, or the system's under "system". */
  get resolvedTheme(): "light" | "dark" {
    if (state.theme === "system") return state.systemDark ? "dark" : "light";
    return state.theme;
  },
  setTheme(value: Theme): void {
    state.theme = value;
    remember(THEME_KEY, value);
    apply();
  },
  setDensity(value: Density): void {
    state.density = value;
    remember(DENSITY_KEY, value);
    apply();
  },
  /** Reads the stored choices again (tests; another window changed them). */
  reload(): void {
    state.theme = stored(THEME_KEY, THEMES, "system");
    state.density = stored(DENSITY_KEY, DENSITIES, "comfortable");
    apply();
  },
};
