// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DossierSummary } from "../bindings/DossierSummary";
import LockScreen from "./LockScreen.svelte";
import AppLock from "../security/AppLock.svelte";

const SUMMARY = { path: "/tmp/acme.encours", companyName: "ACME" } as DossierSummary;

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  clearMocks();
  vi.useRealTimers();
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

describe("LockScreen", () => {
  it("unlocks with the keyring key when no passphrase is typed", async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "unlock_dossier") return SUMMARY;
      throw new Error(`unexpected ${cmd}`);
    });
    const onUnlocked = vi.fn();
    component = mount(LockScreen, { target: document.body, props: { path: "/tmp/acme.encours", onUnlocked } });
    flushSync();
    expect(el("#lock-title").textContent).toBe("Dossier verrouillé");
    expect(el("#lock-path").textContent).toContain("/tmp/acme.encours");
    el<HTMLButtonElement>("#unlock-dossier").click();
    await settle();
    expect(calls).toEqual([["unlock_dossier", { passphrase: null }]]);
    expect(onUnlocked).toHaveBeenCalledWith(SUMMARY);
  });

  it("says a wrong passphrase plainly, stays locked and clears the field", async () => {
    const passphrases: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "unlock_dossier") throw new Error(`unexpected ${cmd}`);
      const given = (args as { passphrase: string | null }).passphrase;
      passphrases.push(given);
      if (given !== "un cheval blanc au galop") throw { code: "WrongKey", message: "cannot decrypt" };
      return SUMMARY;
    });
    const onUnlocked = vi.fn();
    component = mount(LockScreen, { target: document.body, props: { path: null, onUnlocked } });
    flushSync();
    type("#lock-passphrase", "un cheval noir");
    el<HTMLButtonElement>("#unlock-dossier").click();
    await settle();
    expect(el("#lock-wrong").textContent).toContain("n'ouvre pas le dossier");
    expect(el<HTMLInputElement>("#lock-passphrase").value).toBe("");
    expect(onUnlocked).not.toHaveBeenCalled();
    type("#lock-passphrase", "un cheval blanc au galop");
    el<HTMLButtonElement>("#unlock-dossier").click();
    await settle();
    expect(passphrases).toEqual(["un cheval noir", "un cheval blanc au galop"]);
    expect(onUnlocked).toHaveBeenCalledWith(SUMMARY);
    expect(document.querySelector("#lock-wrong")).toBeNull();
  });
});

describe("AppLock", () => {
  it("locks on demand and after the configured inactivity, and unlocks", async () => {
    vi.useFakeTimers();
    const commands: string[] = [];
    mockIPC((cmd) => {
      commands.push(cmd);
      if (cmd === "lock_dossier") return "/tmp/acme.encours";
      if (cmd === "unlock_dossier") return SUMMARY;
      throw new Error(`unexpected ${cmd}`);
    });
    const onUnlocked = vi.fn();
    component = mount(AppLock, { target: document.body, props: { minutes: 2, onUnlocked } });
    flushSync();
    // Activity keeps it open.
    vi.advanceTimersByTime(90_000);
    window.dispatchEvent(new Event("keydown"));
    vi.advanceTimersByTime(90_000);
    await settle();
    expect(commands).toEqual([]);
    expect(document.querySelector("#lock-title")).toBeNull();
    // Two minutes without any: locked.
    vi.advanceTimersByTime(31_000);
    await settle();
    expect(commands).toEqual(["lock_dossier"]);
    expect(el("#lock-title").textContent).toBe("Dossier verrouillé");
    el<HTMLButtonElement>("#unlock-dossier").click();
    await settle();
    expect(onUnlocked).toHaveBeenCalledWith(SUMMARY);
    expect(document.querySelector("#lock-title")).toBeNull();
    // On demand.
    el<HTMLButtonElement>("#lock-dossier").click();
    await settle();
    expect(commands).toEqual(["lock_dossier", "unlock_dossier", "lock_dossier"]);
    expect(el("#lock-path").textContent).toContain("/tmp/acme.encours");
  });
});
