/**
 * The checks the Paramètres forms make before saving, as pure functions: each returns the key of
 * the message to show under the field, or null. The core checks again (and has the last word); these
 * catch the typo while the person is still in the form, in their language.
 */
import type { MessageKey } from "../i18n";

export type Problem = MessageKey | null;

/** `name@domain.tld`, no spaces: the shape the core also asks for. */
export function isEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim());
}

/** localhost, 127.0.0.1 or ::1: the only hosts clear text may go to (channels: PlainLocalOnly). */
export function isThisMachine(host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return h === "localhost" || h === "127.0.0.1" || h === "::1";
}

/** A whole number typed in `text` within [min, max], or null. */
export function wholeIn(text: string, min: number, max: number): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return n >= min && n <= max ? n : null;
}

/** An HTTPS URL, or an HTTP one to this machine (what the channels accept). */
export function urlProblem(text: string, required: boolean): Problem {
  const trimmed = text.trim();
  if (trimmed === "") return required ? "settings.error.urlRequired" : null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return "settings.error.url";
  }
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && isThisMachine(url.hostname)) return null;
  return url.protocol === "http:" ? "settings.error.urlHttps" : "settings.error.url";
}

export const SMTP_SECURITIES = ["starttls", "tls", "plain-local"] as const;
export type SmtpSecurity = (typeof SMTP_SECURITIES)[number];

/** The SMTP form as typed. */
export interface SmtpForm {
  host: string;
  port: string;
  security: SmtpSecurity;
  username: string;
  password: string;
  fromAddress: string;
  fromName: string;
  timeout: string;
  /** The keyring already holds a password for these settings. */
  hasPassword: boolean;
}

export function smtpProblems(f: SmtpForm): Record<"host" | "port" | "security" | "password" | "fromAddress" | "timeout", Problem> {
  const host = f.host.trim();
  return {
    host:
      host === ""
        ? "settings.smtp.error.host"
        : /[\s/:]/.test(host.replace(/^\[.*\]$/, "x"))
          ? "settings.smtp.error.hostShape"
          : null,
    port: wholeIn(f.port, 1, 65535) === null ? "settings.smtp.error.port" : null,
    security: f.security === "plain-local" && host !== "" && !isThisMachine(host) ? "settings.smtp.error.plain" : null,
    password:
      f.username.trim() !== "" && f.password === "" && !f.hasPassword ? "settings.smtp.error.password" : null,
    fromAddress: isEmail(f.fromAddress) ? null : "settings.smtp.error.from",
    timeout: wholeIn(f.timeout, 1, 300) === null ? "settings.error.timeout" : null,
  };
}

/** The SMS form as typed. */
export interface SmsForm {
  endpoint: string;
  sender: string;
  apiKey: string;
  bodyKind: "json" | "form";
  bodyTemplate: string;
  keyPlacement: "header" | "basic" | "body";
  keyHeader: string;
  keyPrefix: string;
  basicUsername: string;
  timeout: string;
  hasKey: boolean;
}

export function smsProblems(
  f: SmsForm,
): Record<"endpoint" | "sender" | "apiKey" | "bodyTemplate" | "basicUsername" | "timeout", Problem> {
  const sender = f.sender.trim();
  let body: Problem = null;
  if (!f.bodyTemplate.includes("{text}") || !f.bodyTemplate.includes("{to}")) body = "settings.sms.error.bodyVariables";
  if (f.bodyKind === "json") {
    try {
      JSON.parse(f.bodyTemplate);
    } catch {
      body = "settings.sms.error.bodyJson";
    }
  } else if (f.bodyTemplate.split("&").some((p) => p.trim() !== "" && !p.includes("="))) {
    body = "settings.sms.error.bodyForm";
  }
  return {
    endpoint: urlProblem(f.endpoint, true),
    // An alphanumeric sender is 11 characters at most; a number sender is up to 15 digits (E.164).
    sender:
      sender === ""
        ? "settings.sms.error.senderRequired"
        : /^[A-Za-z0-9 ]{1,11}$/.test(sender) || /^\+?\d{3,15}$/.test(sender)
          ? null
          : "settings.sms.error.sender",
    apiKey: f.apiKey === "" && !f.hasKey ? "settings.sms.error.key" : null,
    bodyTemplate: body,
    basicUsername: f.keyPlacement === "basic" && f.basicUsername.trim() === "" ? "settings.sms.error.basicUser" : null,
    timeout: wholeIn(f.timeout, 1, 300) === null ? "settings.error.timeout" : null,
  };
}

/** The alert delivery form as typed. */
export interface AlertForm {
  emailTo: string;
  webhookUrl: string;
  webhookSecret: string;
  timeout: string;
  attempts: string;
  backoff: string;
  hasWebhookSecret: boolean;
}

export function alertProblems(f: AlertForm): Record<"emailTo" | "webhookUrl" | "webhookSecret" | "timeout" | "attempts" | "backoff", Problem> {
  const hasUrl = f.webhookUrl.trim() !== "";
  return {
    emailTo: f.emailTo.trim() === "" || isEmail(f.emailTo) ? null : "settings.alerts.error.email",
    webhookUrl: urlProblem(f.webhookUrl, false),
    webhookSecret: !hasUrl
      ? f.webhookSecret !== ""
        ? "settings.alerts.error.secretWithoutUrl"
        : null
      : f.webhookSecret === "" && !f.hasWebhookSecret
        ? "settings.alerts.error.secret"
        : f.webhookSecret !== "" && f.webhookSecret.length < 16
          ? "settings.alerts.error.secretShort"
          : null,
    timeout: !hasUrl || wholeIn(f.timeout, 1, 300) !== null ? null : "settings.error.timeout",
    attempts: !hasUrl || wholeIn(f.attempts, 1, 10) !== null ? null : "settings.alerts.error.attempts",
    backoff: !hasUrl || wholeIn(f.backoff, 0, 60000) !== null ? null : "settings.alerts.error.backoff",
  };
}

/** True when no field has a problem. */
export const clean = (problems: Record<string, Problem>): boolean => Object.values(problems).every((p) => p === null);
