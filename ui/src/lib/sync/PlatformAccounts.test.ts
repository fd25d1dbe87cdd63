// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectionTest } from "../bindings/ConnectionTest";
import type { PlatformAccount } from "../bindings/PlatformAccount";
import PlatformAccounts from "../components/settings/PlatformAccounts.svelte";
import { locale } from "../i18n";
import { click, el, settle } from "../testing/dom";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

function type(selector: string, value: string): void {
  const input = el<HTMLInputElement>(selector);
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

function account(name: string, extra: Partial<PlatformAccount> = {}): PlatformAccount {
  return {
    name,
    baseUrl: "https://pa.example/flows",
    tokenUrl: "https://pa.example/oauth/token",
    grant: "clientCredentials",
    clientId: "encours",
    scopes: null,
    flowTypes: ["CustomerInvoice", "CustomerInvoiceLC"],
    scheduleMinutes: 30,
    enabled: true,
    hasSecret: true,
    ...extra,
  };
}

/** A core keeping accounts in memory; the secret is recorded apart, as the keyring would. */
function fakeCore(initial: PlatformAccount[] = [account("PA principale")]) {
  const calls: [string, Record<string, unknown>][] = [];
  let accounts = [...initial];
  const secrets = new Map<string, string>();
  let connection: ConnectionTest = { ok: true, step: "done", status: null, message: "ok" };
  const handle = (cmd: string, raw: unknown): unknown => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push([cmd, args]);
    switch (cmd) {
      case "platform_accounts":
        return accounts;
      case "add_platform_account": {
        const a = { ...(args.account as PlatformAccount), hasSecret: true };
        secrets.set(a.name, args.secret as string);
        accounts = [...accounts, a].sort((x, y) => x.name.localeCompare(y.name));
        return a;
      }
      case "update_platform_account": {
        const a = args.account as PlatformAccount;
        if (args.secret) secrets.set(a.name, args.secret as string);
        accounts = accounts.map((x) => (x.name === a.name ? { ...a, hasSecret: true } : x));
        return { ...a, hasSecret: true };
      }
      case "delete_platform_account":
        accounts = accounts.filter((a) => a.name !== args.name);
        return null;
      case "test_platform_connection":
        return connection;
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  };
  return {
    calls,
    handle,
    secrets,
    accounts: () => accounts,
    answerTest: (c: ConnectionTest) => (connection = c),
  };
}

describe("PlatformAccounts", () => {
  it("lists the accounts with their schedule and whether the keyring holds the secret", async () => {
    const core = fakeCore([account("PA principale"), account("Secours", { scheduleMinutes: null, enabled: false, hasSecret: false })]);
    mockIPC(core.handle);
    component = mount(PlatformAccounts, { target: document.body });
    await settle();
    const rows = [...document.querySelectorAll("#platform-accounts tbody tr")];
    expect(rows.map((r) => r.getAttribute("data-account"))).toEqual(["PA principale", "Secours"]);
    expect(rows[0]?.textContent).toContain("toutes les 30 min");
    expect(rows[0]?.textContent).toContain("dans le trousseau");
    expect(rows[1]?.textContent).toContain("désactivé");
    expect(rows[1]?.textContent).toContain("à la demande");
    expect(rows[1]?.textContent).toContain("manquant");
  });

  it("checks the form before adding, then sends the secret to the core only", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(PlatformAccounts, { target: document.body });
    await settle();
    await click("#platform-add");
    el<HTMLButtonElement>("#platform-save").click();
    await settle();
    expect(el("#platform-name-error").textContent).toContain("Indiquez un nom");
    expect(el("#platform-baseUrl-error").textContent).toContain("adresse");
    expect(el("#platform-clientId-error").textContent).toContain("identifiant client");
    expect(el("#platform-secret-error").textContent).toContain("secret");
    expect(core.calls.some(([c]) => c === "add_platform_account")).toBe(false);

    type("#platform-name", "pa principale");
    type("#platform-baseUrl", "http://pa.example");
    await settle();
    expect(el("#platform-name-error").textContent).toContain("déjà ce nom");
    expect(el("#platform-baseUrl-error").textContent).toContain("https://");

    type("#platform-name", "Locale");
    type("#platform-baseUrl", "http://127.0.0.1:8080");
    await settle();
    expect(el<HTMLInputElement>("#platform-tokenUrl").value).toBe("http://127.0.0.1:8080/oauth/token");
    type("#platform-clientId", "encours");
    type("#platform-secret", "top-secret");
    el<HTMLInputElement>("#platform-schedule-auto").click();
    await settle();
    type("#platform-minutes", "0");
    await settle();
    expect(el("#platform-minutes-error").textContent).toContain("entre 1 et 1440");
    type("#platform-minutes", "15");
    el<HTMLInputElement>("#platform-flow-SupplierInvoice").click();
    await settle();
    el<HTMLButtonElement>("#platform-save").click();
    await settle();
    const add = core.calls.find(([c]) => c === "add_platform_account")?.[1];
    expect(add?.secret).toBe("top-secret");
    const sent = add?.account as PlatformAccount;
    expect(sent).toMatchObject({
      name: "Locale",
      baseUrl: "http://127.0.0.1:8080",
      tokenUrl: "http://127.0.0.1:8080/oauth/token",
      scheduleMinutes: 15,
      flowTypes: ["CustomerInvoice", "CustomerInvoiceLC", "SupplierInvoice"],
      hasSecret: false,
    });
    expect(JSON.stringify(sent)).not.toContain("top-secret");
    expect(el("#platforms-notice").textContent).toContain("Locale");
    expect(document.querySelector("#platform-account-form")).toBeNull();
    expect(document.querySelectorAll("#platform-accounts tbody tr")).toHaveLength(2);
  });

  it("edits an account keeping the keyring's secret when the field is left empty", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(PlatformAccounts, { target: document.body });
    await settle();
    await click(".platform-edit");
    expect(el<HTMLInputElement>("#platform-name").readOnly).toBe(true);
    expect(el<HTMLInputElement>("#platform-secret").value).toBe("");
    expect(el("#platform-secret-hint").textContent).toContain("laissez vide pour le garder");
    el<HTMLInputElement>("#platform-enabled").click();
    await settle();
    await click("#platform-save");
    const update = core.calls.find(([c]) => c === "update_platform_account")?.[1];
    expect(update?.secret).toBeNull();
    expect((update?.account as PlatformAccount).enabled).toBe(false);
  });

  it("tests the connection and says when the platform refuses the credentials", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(PlatformAccounts, { target: document.body });
    await settle();
    await click(".platform-edit");
    await click("#platform-test");
    expect(el("#platform-test-result").textContent).toContain("Connexion réussie");
    core.answerTest({ ok: false, step: "token", status: 401, message: "http://x/oauth/token refused the credentials (HTTP 401)" });
    type("#platform-secret", "wrong");
    await click("#platform-test");
    const result = el("#platform-test-result");
    expect(result.textContent).toContain("refuse les identifiants (HTTP 401)");
    expect(result.textContent).toContain("refused the credentials");
    const call = core.calls.filter(([c]) => c === "test_platform_connection").pop()?.[1];
    expect(call?.secret).toBe("wrong");
    core.answerTest({ ok: false, step: "healthcheck", status: null, message: "cannot reach" });
    await click("#platform-test");
    expect(el("#platform-test-result").textContent).toContain("ne répond pas");
  });

  it("deletes an account only after confirmation", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(PlatformAccounts, { target: document.body });
    await settle();
    await click(".platform-delete");
    expect(el("#platform-delete-confirm").textContent).toContain("« PA principale »");
    await click("#platform-delete-no");
    expect(document.querySelector("#platform-delete-confirm")).toBeNull();
    expect(core.calls.some(([c]) => c === "delete_platform_account")).toBe(false);
    await click(".platform-delete");
    await click("#platform-delete-yes");
    expect(core.calls.find(([c]) => c === "delete_platform_account")?.[1]).toEqual({ name: "PA principale" });
    expect(el("#platforms-empty")).toBeTruthy();
  });

  it("speaks English when asked", async () => {
    locale.set("en");
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(PlatformAccounts, { target: document.body });
    await settle();
    await click(".platform-edit");
    expect(document.body.textContent).toContain("Test the connection");
    expect(document.body.textContent).toContain("every 30 min");
    expect(document.body.textContent).not.toContain("Tester");
  });
});
