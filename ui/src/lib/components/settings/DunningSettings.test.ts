// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { unmount, type mount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { fakeDunning } from "../../api/testing";
import { locale } from "../../i18n";
import { render, submit, text, type } from "../../settings/testing";
import { click, el } from "../../testing/dom";
import DunningSettings from "./DunningSettings.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

describe("DunningSettings", () => {
  it("loads the scenarios and templates through the core and shows the scenario editor", async () => {
    const fake = fakeDunning();
    component = await render(DunningSettings, (cmd, args) => fake.handle(cmd, args));
    expect(fake.calls.map(([c]) => c).sort()).toEqual(["scenarios", "templates"]);
    expect(el("[data-scenario='1']").textContent).toContain("Standard");
    expect(document.querySelectorAll(".template")).toHaveLength(fake.templates.length);
  });

  it("edits a template and shows the core's refusal of an unknown variable", async () => {
    const fake = fakeDunning();
    component = await render(DunningSettings, (cmd, args) => fake.handle(cmd, args));
    await click("[data-template='relance_ferme'] button");
    type("#template-body", "Madame, Monsieur,\n{inconnue}");
    await submit("[data-template='relance_ferme'] form");
    expect(el("#template-error").textContent).toContain("inconnue");

    type("#template-subject", "Relance ferme : {montant_du}");
    type("#template-body", "Madame, Monsieur,\n{factures}\n{societe}");
    await submit("[data-template='relance_ferme'] form");
    expect(text("#template-notice")).toBe("Modèle relance_ferme enregistré.");
    expect(text("[data-template='relance_ferme'] .subject")).toBe("Relance ferme : {montant_du}");
  });

  it("says what failed when the scenarios cannot be read", async () => {
    const fake = fakeDunning();
    fake.failNext("scenarios", { code: "NoDossierOpen", message: "no dossier is open" });
    component = await render(DunningSettings, (cmd, args) => fake.handle(cmd, args));
    expect(el("#dunning-settings-error").getAttribute("data-code")).toBe("NoDossierOpen");
  });
});
