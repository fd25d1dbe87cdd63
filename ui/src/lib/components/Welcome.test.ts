// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DossierSummary } from "../bindings/DossierSummary";
import Welcome from "./Welcome.svelte";

const SUMMARY = { path: "/tmp/demo.encours" } as DossierSummary;
const INFO = { version: "0.1.0", demoPath: "/tmp/demo.encours", keyMode: "keyring", openOnStart: null } as const;

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  clearMocks();
});

function render(onOpened: (s: DossierSummary) => void, openOnStart: string | null = null): void {
  component = mount(Welcome, { target: document.body, props: { info: INFO, openOnStart, onOpened } });
  flushSync();
}

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

describe("Welcome", () => {
  it("shows the pitch and the three choices", () => {
    render(() => {});
    expect(document.body.textContent).toContain("Vos créances clients, à jour chaque jour.");
    expect(el("#open-demo").textContent).toContain("Ouvrir la démo");
    expect(el("#open-submit")).toBeTruthy();
    expect(el("#create-submit")).toBeTruthy();
    // Every input has a label.
    for (const input of document.querySelectorAll("input")) {
      expect(document.querySelector(`label[for="${input.id}"]`), input.id).not.toBeNull();
    }
  });

  it("opens the demo and shows progress while it runs", async () => {
    let finish: (value: DossierSummary) => void = () => {};
    mockIPC((cmd) => {
      if (cmd === "open_demo") return new Promise<DossierSummary>((resolve) => (finish = resolve));
      throw new Error(`unexpected ${cmd}`);
    });
    const onOpened = vi.fn();
    render(onOpened);
    el<HTMLButtonElement>("#open-demo").click();
    await settle();
    expect(el("#demo-progress").textContent).toContain("Génération du portefeuille de démonstration…");
    expect(el<HTMLButtonElement>("#open-submit").disabled).toBe(true);
    finish(SUMMARY);
    await settle();
    expect(onOpened).toHaveBeenCalledWith(SUMMARY);
  });

  it("shows the error table text when opening fails", async () => {
    mockIPC(() => {
      throw { code: "DossierNotFound", message: "/nope.encours: not found" };
    });
    render(() => {});
    type("#open-path", "/nope.encours");
    el<HTMLButtonElement>("#open-submit").click();
    await settle();
    const panel = el("#open-error");
    expect(panel.getAttribute("data-code")).toBe("DossierNotFound");
    expect(panel.textContent).toContain("Dossier introuvable");
    expect(panel.textContent).toContain("/nope.encours: not found");
  });

  it("validates the SIREN before calling the backend", async () => {
    const calls: string[] = [];
    mockIPC((cmd, args) => {
      calls.push(cmd);
      expect(args).toEqual({ path: "/a.encours", siren: "732829320", name: "ACME", passphrase: null });
      return SUMMARY;
    });
    const onOpened = vi.fn();
    render(onOpened);
    type("#create-path", "/a.encours");
    type("#create-siren", "732 829 321");
    type("#create-name", " ACME ");
    el<HTMLButtonElement>("#create-submit").click();
    await settle();
    expect(el("#create-siren-error").textContent).toContain("clé de contrôle");
    expect(el("#create-siren").getAttribute("aria-invalid")).toBe("true");
    expect(calls).toEqual([]);

    type("#create-siren", "732 829 320");
    el<HTMLButtonElement>("#create-submit").click();
    await settle();
    expect(calls).toEqual(["create_dossier"]);
    expect(onOpened).toHaveBeenCalledWith(SUMMARY);
  });

  it("opens the demo at once when the command line asked for it", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      return SUMMARY;
    });
    const onOpened = vi.fn();
    render(onOpened, "demo");
    await settle();
    expect(calls).toEqual(["open_demo"]);
    expect(onOpened).toHaveBeenCalledWith(SUMMARY);
  });

  it("opens a dossier path given on the command line", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      throw { code: "WrongKey", message: "file is not a database" };
    });
    render(() => {}, "/srv/acme.encours");
    await settle();
    expect(calls).toEqual([["open_dossier", { path: "/srv/acme.encours", passphrase: null }]]);
    expect(el<HTMLInputElement>("#open-path").value).toBe("/srv/acme.encours");
    expect(el("#open-error").textContent).toContain("Clé de chiffrement incorrecte");
  });
});
