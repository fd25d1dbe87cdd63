/**
 * The checks of the platform account form, as pure functions, the same rules the core applies
 * (encours_app::sync::normalized): each field's message key or null. The core checks again.
 */
import type { GrantKind } from "../bindings/GrantKind";
import type { PlatformAccount } from "../bindings/PlatformAccount";
import { urlProblem, wholeIn, type Problem } from "../settings/validation";

export const FLOW_TYPES = ["CustomerInvoice", "CustomerInvoiceLC", "SupplierInvoice"] as const;
export type FlowTypeName = (typeof FLOW_TYPES)[number];

/** Longest schedule: one day. */
export const MAX_MINUTES = 1440;

/** The form as typed. */
export interface AccountForm {
  name: string;
  baseUrl: string;
  tokenUrl: string;
  grant: GrantKind;
  clientId: string;
  scopes: string;
  secret: string;
  flowTypes: FlowTypeName[];
  scheduled: boolean;
  minutes: string;
  enabled: boolean;
  /** Editing an existing account (its name is fixed, its secret may be kept). */
  editing: boolean;
  /** The keyring holds the account's secret already. */
  hasSecret: boolean;
}

export function emptyForm(): AccountForm {
  return {
    name: "",
    baseUrl: "",
    tokenUrl: "",
    grant: "clientCredentials",
    clientId: "",
    scopes: "",
    secret: "",
    flowTypes: ["CustomerInvoice", "CustomerInvoiceLC"],
    scheduled: false,
    minutes: "30",
    enabled: true,
    editing: false,
    hasSecret: false,
  };
}

export function formOf(a: PlatformAccount): AccountForm {
  return {
    name: a.name,
    baseUrl: a.baseUrl,
    tokenUrl: a.tokenUrl,
    grant: a.grant,
    clientId: a.clientId,
    scopes: a.scopes ?? "",
    secret: "",
    flowTypes: a.flowTypes.filter((t): t is FlowTypeName => (FLOW_TYPES as readonly string[]).includes(t)),
    scheduled: a.scheduleMinutes !== null,
    minutes: String(a.scheduleMinutes ?? 30),
    enabled: a.enabled,
    editing: true,
    hasSecret: a.hasSecret,
  };
}

/** The account the form describes (call once the form is clean). */
export function accountOf(f: AccountForm): PlatformAccount {
  const scopes = f.scopes.trim();
  return {
    name: f.name.trim(),
    baseUrl: f.baseUrl.trim(),
    tokenUrl: f.tokenUrl.trim(),
    grant: f.grant,
    clientId: f.clientId.trim(),
    scopes: scopes === "" ? null : scopes,
    flowTypes: FLOW_TYPES.filter((t) => f.flowTypes.includes(t)),
    scheduleMinutes: f.scheduled ? wholeIn(f.minutes, 1, MAX_MINUTES) : null,
    enabled: f.enabled,
    hasSecret: false,
  };
}

export type AccountField = "name" | "baseUrl" | "tokenUrl" | "clientId" | "secret" | "flowTypes" | "minutes";

/** Each field's problem; `taken`: the names of the other accounts. */
export function accountProblems(f: AccountForm, taken: readonly string[]): Record<AccountField, Problem> {
  const name = f.name.trim();
  const nameShape = name !== "" && [...name].length <= 60 && /^[\p{L}\p{N} ._-]+$/u.test(name);
  return {
    name: !nameShape
      ? "platforms.error.name"
      : !f.editing && taken.some((n) => n.toLowerCase() === name.toLowerCase())
        ? "platforms.error.nameTaken"
        : null,
    baseUrl: urlProblem(f.baseUrl, true),
    tokenUrl: urlProblem(f.tokenUrl, true),
    clientId: f.clientId.trim() === "" ? "platforms.error.clientId" : null,
    secret: f.secret.trim() === "" && !(f.editing && f.hasSecret) ? "platforms.error.secret" : null,
    flowTypes: f.flowTypes.length === 0 ? "platforms.error.flowTypes" : null,
    minutes: f.scheduled && wholeIn(f.minutes, 1, MAX_MINUTES) === null ? "platforms.error.minutes" : null,
  };
}
