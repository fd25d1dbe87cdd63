// @vitest-environment jsdom
import { clearMocks } from "@tauri-apps/api/mocks";
import { unmount, type mount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { SmsSettingsDto } from "../../bindings/SmsSettingsDto";
import type { SmtpSettingsDto } from "../../bindings/SmtpSettingsDto";
import { locale } from "../../i18n";
import { choose, render, submit, text, type } from "../../settings/testing";
import { el } from "../../testing/dom";
import MessagingSettings from "./MessagingSettings.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

function stored(): SmtpSettingsDto {
  return {
    host: "smtp.acme.fr",
    port: 587,
    security: "starttls",
    username: "relances@acme.fr",
    fromAddress: "relances@acme.fr",
    fromName: "ACME Relances",
    replyTo: "compta@acme.fr",
    timeoutSeconds: 30,
    extraRootCertificatePem: null,
    hasPassword: true,
  };
}

describe("MessagingSettings", () => {
  it("checks every SMTP field before saving, with French messages, and saves nothing while one is wrong", async () => {
    const calls: [string, unknown][] = [];
    component = await render(MessagingSettings, (cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "smtp_settings" || cmd === "sms_settings") return null;
      throw new Error(`unexpected ${cmd}`);
    });
    type("#smtp-host", "smtp://mail.acme.fr");
    type("#smtp-port", "70000");
    type("#smtp-username", "relances@acme.fr");
    type("#smtp-fromAddress", "relances");
    type("#smtp-timeout", "0");
    await submit("#smtp-form");
    expect(text("#smtp-host-error")).toContain("ni « / », ni « : »");
    expect(text("#smtp-port-error")).toBe("Un port entre 1 et 65535.");
    expect(text("#smtp-password-error")).toContain("aucun n'est enregistré");
    expect(text("#smtp-fromAddress-error")).toContain("adresse e-mail valide");
    expect(text("#smtp-timeout-error")).toContain("entre 1 et 300");
    expect(el("#smtp-host").getAttribute("aria-invalid")).toBe("true");
    expect(el("#smtp-host").getAttribute("aria-describedby")).toBe("smtp-host-error");
    expect(document.activeElement?.id).toBe("smtp-host");

    // Clear text is only for a server on this machine.
    type("#smtp-host", "mail.acme.fr");
    choose("#smtp-security", "plain-local");
    await submit("#smtp-form");
    expect(text("#smtp-security-error")).toContain("localhost");
    expect(calls.map(([c]) => c)).not.toContain("update_smtp_settings");
  });

  it("saves the SMTP settings with the typed password, keeps what it does not show, and says a password is kept", async () => {
    const calls: [string, unknown][] = [];
    component = await render(MessagingSettings, (cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "smtp_settings") return stored();
      if (cmd === "sms_settings") return null;
      if (cmd === "update_smtp_settings") return { ...(args as { settings: SmtpSettingsDto }).settings, hasPassword: true };
      throw new Error(`unexpected ${cmd}`);
    });
    expect(el<HTMLInputElement>("#smtp-host").value).toBe("smtp.acme.fr");
    expect(el<HTMLInputElement>("#smtp-password").value).toBe("");
    expect(text("#smtp-password-state")).toContain("laissez vide pour le garder");
    type("#smtp-port", "465");
    choose("#smtp-security", "tls");
    type("#smtp-password", "n0uveau secret");
    await submit("#smtp-form");
    const saved = calls.find(([c]) => c === "update_smtp_settings")?.[1] as { settings: SmtpSettingsDto; password: string | null };
    expect(saved.settings).toMatchObject({ host: "smtp.acme.fr", port: 465, security: "tls", replyTo: "compta@acme.fr" });
    expect(saved.password).toBe("n0uveau secret");
    expect(text("#smtp-saved")).toBe("Réglages e-mail enregistrés.");
    // Write-only: the field is emptied once saved.
    expect(el<HTMLInputElement>("#smtp-password").value).toBe("");

    // Saved again without typing a password: the one in the keyring is kept (null sent).
    await submit("#smtp-form");
    const again = calls.filter(([c]) => c === "update_smtp_settings")[1]?.[1] as { password: string | null };
    expect(again.password).toBeNull();
  });

  it("asks for the password again when the user, server or port changes (the keyring keeps it under them)", async () => {
    component = await render(MessagingSettings, (cmd) => {
      if (cmd === "smtp_settings") return stored();
      if (cmd === "sms_settings") return null;
      throw new Error(`unexpected ${cmd}`);
    });
    type("#smtp-username", "autre@acme.fr");
    expect(text("#smtp-password-state")).toBe("Aucun secret enregistré.");
    await submit("#smtp-form");
    expect(text("#smtp-password-error")).toContain("aucun n'est enregistré");
    type("#smtp-username", "relances@acme.fr");
    expect(text("#smtp-password-state")).toContain("laissez vide pour le garder");
  });

  it("sends a test email to the address typed and shows the server's refusal", async () => {
    let answer: unknown = { to: "camille@acme.fr", server: "smtp.acme.fr:587", messageId: "<1@acme.fr>", error: null };
    const calls: [string, unknown][] = [];
    component = await render(MessagingSettings, (cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "smtp_settings") return stored();
      if (cmd === "sms_settings") return null;
      if (cmd === "send_test_email") return answer;
      throw new Error(`unexpected ${cmd}`);
    });
    type("#smtp-test-to", "camille");
    await submit("#smtp-test");
    expect(text("#smtp-test-to-error")).toBe("Saisissez l'adresse e-mail à laquelle envoyer le test.");
    type("#smtp-test-to", " camille@acme.fr ");
    await submit("#smtp-test");
    expect(calls.find(([c]) => c === "send_test_email")?.[1]).toEqual({ to: "camille@acme.fr" });
    expect(text("#smtp-test-result")).toBe("E-mail de test envoyé à camille@acme.fr par smtp.acme.fr:587.");

    answer = { to: "camille@acme.fr", server: "smtp.acme.fr:587", messageId: null, error: "authentication refused by smtp.acme.fr:587" };
    await submit("#smtp-test");
    expect(text("#smtp-test-result")).toContain("authentication refused");
    expect(el("#smtp-test-result").className).toContain("invalid");
  });

  it("asks to save the SMTP settings before a test when there are none", async () => {
    component = await render(MessagingSettings, (cmd) => {
      if (cmd === "smtp_settings" || cmd === "sms_settings") return null;
      throw new Error(`unexpected ${cmd}`);
    });
    type("#smtp-test-to", "camille@acme.fr");
    await submit("#smtp-test");
    expect(text("#smtp-test-to-error")).toContain("Enregistrez d'abord");
  });

  it("checks the SMS provider (URL, sender, key, template) and saves it with the key", async () => {
    const calls: [string, unknown][] = [];
    component = await render(MessagingSettings, (cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "smtp_settings" || cmd === "sms_settings") return null;
      if (cmd === "update_sms_settings") return { ...(args as { settings: SmsSettingsDto }).settings, hasKey: true };
      throw new Error(`unexpected ${cmd}`);
    });
    type("#sms-endpoint", "http://sms.example.com/send");
    type("#sms-sender", "ACME Industrie SAS");
    type("#sms-bodyTemplate", "{not json");
    await submit("#sms-form");
    expect(text("#sms-endpoint-error")).toContain("https://");
    expect(text("#sms-sender-error")).toContain("11 lettres ou chiffres");
    expect(text("#sms-apiKey-error")).toContain("clé d'API");
    expect(text("#sms-bodyTemplate-error")).toBe("Le modèle n'est pas un JSON valide.");
    expect(el<HTMLDetailsElement>("details").open).toBe(true);
    expect(calls.map(([c]) => c)).not.toContain("update_sms_settings");

    type("#sms-endpoint", "https://sms.example.com/send");
    type("#sms-sender", "ACME");
    type("#sms-apiKey", "k-123");
    type("#sms-bodyTemplate", '{"to": "{to}", "message": "{text}"}');
    await submit("#sms-form");
    const saved = calls.find(([c]) => c === "update_sms_settings")?.[1] as { settings: SmsSettingsDto; apiKey: string };
    expect(saved.apiKey).toBe("k-123");
    expect(saved.settings).toMatchObject({ endpoint: "https://sms.example.com/send", sender: "ACME", keyPlacement: "header", keyHeader: "Authorization" });
    expect(text("#sms-saved")).toBe("Réglages SMS enregistrés.");
    expect(text("#sms-key-state")).toContain("laissez vide");
  });

  it("speaks English when the language is English", async () => {
    locale.set("en");
    component = await render(MessagingSettings, (cmd) => {
      if (cmd === "smtp_settings" || cmd === "sms_settings") return null;
      throw new Error(`unexpected ${cmd}`);
    });
    await submit("#smtp-form");
    expect(text("#smtp-host-error")).toBe("Enter the SMTP server name.");
    expect(text("#smtp-title")).toBe("Email (SMTP server)");
  });

  it("shows the core's refusal of the settings", async () => {
    component = await render(MessagingSettings, (cmd) => {
      if (cmd === "smtp_settings") return stored();
      if (cmd === "sms_settings") return null;
      if (cmd === "update_smtp_settings") return Promise.reject({ code: "KeyUnavailable", message: "no keyring" });
      throw new Error(`unexpected ${cmd}`);
    });
    await submit("#smtp-form");
    expect(el("#smtp-error").getAttribute("data-code")).toBe("KeyUnavailable");
    expect(document.querySelector("#smtp-saved")).toBeNull();
  });
});
