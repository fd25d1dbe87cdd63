// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DossierSummary } from "../bindings/DossierSummary";
import CreateDossierForm from "./CreateDossierForm.svelte";
import OpenDossierForm from "./OpenDossierForm.svelte";

const SUMMARY = { path: "/tmp/acme.encours" } as DossierSummary;

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  clearMocks();
});

const el = <T extends Element = HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
  flushSync();
}

function type(selector: string, value: string): void {
  const input = el<HTMLInputElement>(selector);
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

describe("OpenDossierForm with a passphrase", () => {
  function render(onOpened: (s: DossierSummary) => void): void {
    component = mount(OpenDossierForm, { target: document.body, props: { onBusy: () => {}, onOpened } });
    flushSync();
  }

  it("sends the passphrase once, clears it, and says a wrong one next to the field", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if ((args as { passphrase: string | null }).passphrase === "correct horse battery") return SUMMARY;
      throw { code: "WrongKey", message: "file is not a database" };
    });
    const onOpened = vi.fn();
    render(onOpened);
    const field = el<HTMLInputElement>("#open-passphrase");
    expect(field.type).toBe("password");
    expect(document.querySelector('label[for="open-passphrase"]')?.textContent).toContain("Phrase secrète");

    type("#open-path", " /srv/acme.encours ");
    type("#open-passphrase", "wrong guess");
    el<HTMLButtonElement>("#open-submit").click();
    await settle();
    expect(calls).toEqual([["open_dossier", { path: "/srv/acme.encours", passphrase: "wrong guess" }]]);
    expect(field.value).toBe("");
    expect(el("#open-passphrase-wrong").textContent).toContain("Cette phrase secrète ou cette clé n'ouvre pas");
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(document.querySelector("#open-error")).toBeNull();
    expect(onOpened).not.toHaveBeenCalled();

    type("#open-passphrase", "correct horse battery");
    el<HTMLButtonElement>("#open-submit").click();
    await settle();
    expect(calls[1]).toEqual(["open_dossier", { path: "/srv/acme.encours", passphrase: "correct horse battery" }]);
    expect(field.value).toBe("");
    expect(document.querySelector("#open-passphrase-wrong")).toBeNull();
    expect(onOpened).toHaveBeenCalledWith(SUMMARY);
  });

  it("without a passphrase a wrong key is the error table's explanation", async () => {
    mockIPC(() => {
      throw { code: "WrongKey", message: "file is not a database" };
    });
    render(() => {});
    type("#open-path", "/srv/acme.encours");
    el<HTMLButtonElement>("#open-submit").click();
    await settle();
    expect(el("#open-error").getAttribute("data-code")).toBe("WrongKey");
    expect(document.querySelector("#open-passphrase-wrong")).toBeNull();
  });
});

describe("CreateDossierForm with a passphrase", () => {
  function render(onOpened: (s: DossierSummary) => void): void {
    component = mount(CreateDossierForm, { target: document.body, props: { onBusy: () => {}, onOpened } });
    flushSync();
  }

  function fillCompany(): void {
    type("#create-path", "/srv/new.encours");
    type("#create-siren", "732 829 320");
    type("#create-name", "ACME");
  }

  it("asks for the passphrase only in passphrase mode, every input labelled", () => {
    render(() => {});
    expect(document.querySelector("#create-passphrase")).toBeNull();
    el<HTMLInputElement>("#create-use-passphrase").click();
    flushSync();
    expect(el<HTMLInputElement>("#create-passphrase").type).toBe("password");
    expect(el<HTMLInputElement>("#create-passphrase-confirm").type).toBe("password");
    for (const input of document.querySelectorAll("input")) {
      expect(document.querySelector(`label[for="${input.id}"]`), input.id).not.toBeNull();
    }
  });

  it("refuses a passphrase under 12 characters or a different confirmation, then sends it and clears both", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return SUMMARY;
    });
    const onOpened = vi.fn();
    render(onOpened);
    fillCompany();
    el<HTMLInputElement>("#create-use-passphrase").click();
    flushSync();

    // 11 characters (one of them outside the BMP counts once).
    type("#create-passphrase", "short pass😀");
    type("#create-passphrase-confirm", "short pass😀");
    el<HTMLButtonElement>("#create-submit").click();
    await settle();
    expect(el("#create-passphrase-error").textContent).toContain("au moins 12 caractères");
    expect(document.activeElement?.id).toBe("create-passphrase");
    expect(calls).toEqual([]);

    type("#create-passphrase", "twelve chars");
    type("#create-passphrase-confirm", "twelve charz");
    el<HTMLButtonElement>("#create-submit").click();
    await settle();
    expect(document.querySelector("#create-passphrase-error")).toBeNull();
    expect(el("#create-passphrase-confirm-error").textContent).toContain("ne sont pas identiques");
    expect(calls).toEqual([]);

    type("#create-passphrase-confirm", "twelve chars");
    el<HTMLButtonElement>("#create-submit").click();
    await settle();
    expect(calls).toEqual([
      ["create_dossier", { path: "/srv/new.encours", siren: "732829320", name: "ACME", passphrase: "twelve chars" }],
    ]);
    expect(el<HTMLInputElement>("#create-passphrase").value).toBe("");
    expect(el<HTMLInputElement>("#create-passphrase-confirm").value).toBe("");
    expect(onOpened).toHaveBeenCalledWith(SUMMARY);
  });

  it("keyring mode sends no passphrase", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return SUMMARY;
    });
    render(() => {});
    fillCompany();
    el<HTMLButtonElement>("#create-submit").click();
    await settle();
    expect(calls).toEqual([
      ["create_dossier", { path: "/srv/new.encours", siren: "732829320", name: "ACME", passphrase: null }],
    ]);
  });
});
