/**
 * The commands of Paramètres (src-tauri/src/settings.rs), typed like `api` in ../api: every
 * rejection becomes a `CommandError`. Secrets (SMTP password, SMS key, webhook secret) only ever
 * go to the core, which keeps them in the OS keyring; the core answers whether one is kept.
 */
import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { toCommandError } from "../api";
import type { AlertDeliverySettingsDto } from "../bindings/AlertDeliverySettingsDto";
import type { RateTableInfo } from "../bindings/RateTableInfo";
import type { RatesOverview } from "../bindings/RatesOverview";
import type { SmsSettingsDto } from "../bindings/SmsSettingsDto";
import type { SmtpSettingsDto } from "../bindings/SmtpSettingsDto";
import type { TestAlertReport } from "../bindings/TestAlertReport";
import type { TestEmailReport } from "../bindings/TestEmailReport";

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toCommandError(reason, command);
  }
}

/** An empty secret field means "keep the one already in the keyring". */
const secret = (value: string): string | null => (value === "" ? null : value);

export const settingsApi = {
  smtpSettings: (): Promise<SmtpSettingsDto | null> => call("smtp_settings"),
  /** Saves the SMTP settings (and the password, when typed); resolves with them as saved. */
  updateSmtpSettings: (settings: SmtpSettingsDto, password: string): Promise<SmtpSettingsDto | null> =>
    call("update_smtp_settings", { settings, password: secret(password) }),
  smsSettings: (): Promise<SmsSettingsDto | null> => call("sms_settings"),
  /** Saves the SMS provider settings (and the API key, when typed). */
  updateSmsSettings: (settings: SmsSettingsDto, apiKey: string): Promise<SmsSettingsDto | null> =>
    call("update_sms_settings", { settings, apiKey: secret(apiKey) }),
  /** Sends a test email with the saved SMTP settings; a server's refusal is in the report. */
  sendTestEmail: (to: string): Promise<TestEmailReport> => call("send_test_email", { to }),
  /** The rate tables in force and each half-year's rates. */
  ratesOverview: (): Promise<RatesOverview> => call("rates_overview"),
  /** Imports a rate table from its CSV text, recorded under `file`. */
  importRateTable: (file: string, text: string): Promise<RateTableInfo> => call("import_rate_table", { file, text }),
  alertDeliverySettings: (): Promise<AlertDeliverySettingsDto | null> => call("alert_delivery_settings"),
  /** Saves where alerts go (and the webhook secret, when typed). */
  updateAlertDeliverySettings: (
    settings: AlertDeliverySettingsDto,
    webhookSecret: string,
  ): Promise<AlertDeliverySettingsDto | null> =>
    call("update_alert_delivery_settings", { settings, webhookSecret: secret(webhookSecret) }),
  /** Sends a test alert on each configured channel (nothing is marked delivered). */
  sendTestAlert: (): Promise<TestAlertReport> => call("send_test_alert"),
};
