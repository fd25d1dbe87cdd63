// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { unmount, type mount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { locale } from "../../i18n";
import { lockMinutes } from "../../security/inactivity";
import { render, submit, text, type } from "../../settings/testing";
import { el } from "../../testing/dom";
import SecuritySettings from "./SecuritySettings.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  localStorage.clear();
  locale.set("fr");
  clearMocks();
});

const backups = (cmd: string): unknown => {
  if (cmd === "backup_list") return [];
  if (cmd === "backup_policy") return { keep: 7, every_days: 1, dir: null };
  throw new Error(`unexpected ${cmd}`);
};

describe("SecuritySettings", () => {
  it("sets the inactivity lock delay on this machine, refusing what is not 1 to 240 minutes, above the backups", async () => {
    component = await render(SecuritySettings, backups);
    expect(el<HTMLInputElement>("#lock-minutes").value).toBe("10");
    expect(document.querySelector("#backup-now")).not.toBeNull();
    for (const bad of ["0", "241", "5,5", "dix"]) {
      type("#lock-minutes", bad);
      await submit("#lock-form");
      expect(text("#lock-minutes-error"), bad).toBe("Un nombre entier de minutes entre 1 et 240.");
      expect(el("#lock-minutes").getAttribute("aria-invalid")).toBe("true");
    }
    expect(lockMinutes()).toBe(10);
    type("#lock-minutes", " 25 ");
    await submit("#lock-form");
    expect(text("#lock-saved")).toBe("Délai enregistré : 25 min.");
    expect(lockMinutes()).toBe(25);
  });

  it("in English", async () => {
    locale.set("en");
    component = await render(SecuritySettings, backups);
    type("#lock-minutes", "0");
    await submit("#lock-form");
    expect(text("#lock-minutes-error")).toBe("A whole number of minutes between 1 and 240.");
  });
});
