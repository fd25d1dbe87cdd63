// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { unmount, type mount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { AlertDeliverySettingsDto } from "../../bindings/AlertDeliverySettingsDto";
import { locale } from "../../i18n";
import { render, submit, text, type } from "../../settings/testing";
import { click, el } from "../../testing/dom";
import AlertDeliverySettings from "./AlertDeliverySettings.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

describe("AlertDeliverySettings", () => {
  it("checks the address, the webhook URL and its secret before saving", async () => {
    const calls: string[] = [];
    component = await render(AlertDeliverySettings, (cmd) => {
      calls.push(cmd);
      if (cmd === "alert_delivery_settings") return null;
      throw new Error(`unexpected ${cmd}`);
    });
    expect((el<HTMLButtonElement>("#alerts-test")).disabled).toBe(true);
    expect(text("#alerts-test-none")).toContain("Aucun canal");
    type("#alerts-emailTo", "credit manager@acme");
    type("#alerts-webhookUrl", "http://hooks.acme.fr/encours");
    type("#alerts-attempts", "12");
    await submit("#alerts-form");
    expect(text("#alerts-emailTo-error")).toContain("adresse e-mail valide");
    expect(text("#alerts-webhookUrl-error")).toContain("https://");
    expect(text("#alerts-webhookSecret-error")).toContain("aucun n'est enregistré");
    expect(text("#alerts-attempts-error")).toBe("Entre 1 et 10 tentatives.");

    type("#alerts-webhookUrl", "");
    type("#alerts-webhookSecret", "un secret quelconque");
    await submit("#alerts-form");
    expect(text("#alerts-webhookSecret-error")).toContain("sans adresse de webhook");
    // Without a URL, the webhook's numbers do not matter.
    expect(document.querySelector("#alerts-attempts-error")).toBeNull();

    type("#alerts-webhookUrl", "https://hooks.acme.fr/encours");
    type("#alerts-webhookSecret", "court");
    await submit("#alerts-form");
    expect(text("#alerts-webhookSecret-error")).toContain("16 caractères");
    expect(calls).not.toContain("update_alert_delivery_settings");
  });

  it("saves the settings with the secret, says a secret is kept, and sends a test alert", async () => {
    const calls: [string, unknown][] = [];
    component = await render(AlertDeliverySettings, (cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "alert_delivery_settings") return null;
      if (cmd === "update_alert_delivery_settings") {
        return { ...(args as { settings: AlertDeliverySettingsDto }).settings, hasWebhookSecret: true };
      }
      if (cmd === "send_test_alert") {
        return {
          emailTo: "risque@acme.fr",
          emailMessageId: "<t@acme.fr>",
          emailError: null,
          webhookUrl: "https://hooks.acme.fr/encours",
          webhookStatus: null,
          webhookError: "HTTP 401 from hooks.acme.fr",
        };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    type("#alerts-emailTo", "risque@acme.fr");
    type("#alerts-webhookUrl", "https://hooks.acme.fr/encours");
    type("#alerts-webhookSecret", "whsec-0123456789abcdef");
    await submit("#alerts-form");
    const saved = calls.find(([c]) => c === "update_alert_delivery_settings")?.[1] as {
      settings: AlertDeliverySettingsDto;
      webhookSecret: string;
    };
    expect(saved.settings).toMatchObject({ emailTo: "risque@acme.fr", webhookUrl: "https://hooks.acme.fr/encours", webhookMaxAttempts: 3 });
    expect(saved.webhookSecret).toBe("whsec-0123456789abcdef");
    expect(text("#alerts-saved")).toBe("Réglages d'envoi des alertes enregistrés.");
    expect(el<HTMLInputElement>("#alerts-webhookSecret").value).toBe("");
    expect(text("#alerts-webhookSecret-hint")).toContain("laissez vide pour le garder");

    await click("#alerts-test");
    const result = text("#alerts-test-result") ?? "";
    expect(result).toContain("E-mail de test envoyé à risque@acme.fr.");
    expect(result).toContain("Webhook https://hooks.acme.fr/encours : HTTP 401");
  });

  it("asks for the secret again when the webhook URL changes (the keyring keeps it under the URL)", async () => {
    component = await render(AlertDeliverySettings, (cmd) => {
      if (cmd === "alert_delivery_settings") {
        return { emailTo: null, webhookUrl: "https://hooks.acme.fr/a", webhookTimeoutSeconds: 10, webhookMaxAttempts: 3, webhookBackoffMillis: 1000, hasWebhookSecret: true };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    expect(text("#alerts-webhookSecret-hint")).toContain("laissez vide pour le garder");
    type("#alerts-webhookUrl", "https://hooks.acme.fr/b");
    await submit("#alerts-form");
    expect(text("#alerts-webhookSecret-error")).toContain("aucun n'est enregistré");
  });

  it("in English", async () => {
    locale.set("en");
    component = await render(AlertDeliverySettings, (cmd) => {
      if (cmd === "alert_delivery_settings") return null;
      throw new Error(`unexpected ${cmd}`);
    });
    type("#alerts-emailTo", "nope");
    await submit("#alerts-form");
    expect(text("#alerts-emailTo-error")).toBe("Enter a valid email address, or leave the field empty.");
  });
});
