import { describe, expect, it } from "vitest";
import { alertProblems, isEmail, isThisMachine, smsProblems, smtpProblems, urlProblem, wholeIn, type SmsForm } from "./validation";

describe("settings validation", () => {
  it("tells addresses, hosts, numbers and URLs apart the way the channels do", () => {
    expect(isEmail(" camille@acme.fr ")).toBe(true);
    expect(isEmail("camille@acme")).toBe(false);
    expect(isThisMachine("[::1]")).toBe(true);
    expect(isThisMachine("LOCALHOST")).toBe(true);
    expect(isThisMachine("mail.acme.fr")).toBe(false);
    expect(wholeIn("587", 1, 65535)).toBe(587);
    expect(wholeIn("5.5", 1, 10)).toBeNull();
    expect(wholeIn("0", 1, 10)).toBeNull();
    expect(urlProblem("https://a.fr/x", true)).toBeNull();
    expect(urlProblem("http://127.0.0.1:8080/x", true)).toBeNull();
    expect(urlProblem("http://a.fr/x", true)).toBe("settings.error.urlHttps");
    expect(urlProblem("ftp://a.fr", true)).toBe("settings.error.url");
    expect(urlProblem("a.fr", true)).toBe("settings.error.url");
    expect(urlProblem("", true)).toBe("settings.error.urlRequired");
    expect(urlProblem("", false)).toBeNull();
  });

  it("accepts a complete SMTP form and a relay without a user or password", () => {
    const form = { host: "smtp.acme.fr", port: "587", security: "starttls" as const, username: "", password: "", fromAddress: "r@acme.fr", fromName: "", timeout: "30", hasPassword: false };
    expect(Object.values(smtpProblems(form)).every((p) => p === null)).toBe(true);
    expect(smtpProblems({ ...form, username: "u", hasPassword: true }).password).toBeNull();
    expect(smtpProblems({ ...form, security: "plain-local", host: "localhost" }).security).toBeNull();
    expect(smtpProblems({ ...form, host: "[::1]" }).host).toBeNull();
  });

  it("checks the SMS body in its format and a form body's fields", () => {
    const form: SmsForm = {
      endpoint: "https://sms.fr/send",
      sender: "+33612345678",
      apiKey: "",
      bodyKind: "form",
      bodyTemplate: "to={to}&text={text}",
      keyPlacement: "basic",
      keyHeader: "",
      keyPrefix: "",
      basicUsername: "acct",
      timeout: "30",
      hasKey: true,
    };
    expect(Object.values(smsProblems(form)).every((p) => p === null)).toBe(true);
    expect(smsProblems({ ...form, bodyTemplate: "to={to}&{text}" }).bodyTemplate).toBe("settings.sms.error.bodyForm");
    expect(smsProblems({ ...form, bodyTemplate: "to={to}" }).bodyTemplate).toBe("settings.sms.error.bodyVariables");
    expect(smsProblems({ ...form, basicUsername: " " }).basicUsername).toBe("settings.sms.error.basicUser");
    expect(smsProblems({ ...form, sender: "Société" }).sender).toBe("settings.sms.error.sender");
  });

  it("needs no alert channel at all, and a kept secret is enough for a webhook", () => {
    const none = { emailTo: "", webhookUrl: "", webhookSecret: "", timeout: "", attempts: "", backoff: "", hasWebhookSecret: false };
    expect(Object.values(alertProblems(none)).every((p) => p === null)).toBe(true);
    const kept = { ...none, webhookUrl: "https://h.fr", timeout: "10", attempts: "3", backoff: "0", hasWebhookSecret: true };
    expect(Object.values(alertProblems(kept)).every((p) => p === null)).toBe(true);
  });
});
