// @vitest-environment jsdom
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { locale } from "../../i18n";
import { DENSITY_KEY, preferences, THEME_KEY } from "../../settings/preferences.svelte";
import { el } from "../../testing/dom";
import DisplaySettings from "./DisplaySettings.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  preferences.setTheme("system");
  preferences.setDensity("comfortable");
});

function check(selector: string): void {
  const input = el<HTMLInputElement>(selector);
  input.checked = true;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  flushSync();
}

describe("DisplaySettings", () => {
  it("applies the theme and density at once to <html> and remembers them on this machine", () => {
    component = mount(DisplaySettings, { target: document.body, props: {} });
    flushSync();
    expect(el<HTMLInputElement>('#display-theme input[value="system"]').checked).toBe(true);
    check('#display-theme input[value="dark"]');
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem(THEME_KEY)).toBe("dark");
    check('#display-density input[value="compact"]');
    expect(document.documentElement.dataset.density).toBe("compact");
    expect(localStorage.getItem(DENSITY_KEY)).toBe("compact");
    check('#display-theme input[value="system"]');
    // "System": no attribute, app.css follows prefers-color-scheme.
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });

  it("reads the stored choices again, ignoring a value it does not know", () => {
    localStorage.setItem(THEME_KEY, "light");
    localStorage.setItem(DENSITY_KEY, "enormous");
    preferences.reload();
    expect(preferences.theme).toBe("light");
    expect(preferences.density).toBe("comfortable");
    expect(preferences.resolvedTheme).toBe("light");
    expect(document.documentElement.dataset.theme).toBe("light");
  });

  it("switches the language of the whole panel", () => {
    component = mount(DisplaySettings, { target: document.body, props: {} });
    flushSync();
    expect(el("#display-title").textContent).toBe("Affichage");
    check('#display-language input[value="en"]');
    expect(locale.current).toBe("en");
    expect(el("#display-title").textContent).toBe("Display");
    expect(el("#display-theme legend").textContent).toBe("Theme");
    expect(document.documentElement.lang).toBe("en");
  });
});
