// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { locale } from "../i18n";
import { FakeNavigation } from "../portfolio/testing";
import { el, settle } from "../testing/dom";
import { Navigator } from "./navigator.svelte";
import Palette from "./Palette.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  history.replaceState(null, "", "#");
  locale.set("fr");
  clearMocks();
});

async function render(): Promise<{ fake: FakeNavigation; nav: Navigator }> {
  const fake = new FakeNavigation(10, {
    clients: [{ id: 3, name: "Boulangerie Martin", siren: "300000003" }],
    invoices: [{ id: 11, number: "F-2026-0042", clientId: 3, clientName: "Boulangerie Martin", issueDate: "2026-08-01" }],
  });
  mockIPC((cmd, args) => fake.handle(cmd, args));
  const nav = new Navigator("");
  component = mount(Palette, { target: document.body, props: { nav } });
  flushSync();
  await settle();
  return { fake, nav };
}

async function key(init: KeyboardEventInit, target: EventTarget = window): Promise<void> {
  target.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }));
  await settle();
}

async function wait(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  await settle();
}

describe("Palette", () => {
  it("opens with Ctrl+K, finds a client and an invoice, and Enter opens the client", async () => {
    const { fake, nav } = await render();
    expect(document.querySelector("#palette")).toBeNull();
    await key({ key: "k", ctrlKey: true });
    expect(el("#palette-shortcuts").textContent).toContain("Alt+1");
    const input = el<HTMLInputElement>("#palette-input");
    input.value = "boul";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await wait(200);
    expect(fake.calls).toContainEqual(["palette_search", { query: "boul", limit: 8 }]);
    expect(el("#palette-list").textContent).toContain("Boulangerie Martin");
    expect(el("#palette-list").textContent).toContain("F-2026-0042 · Boulangerie Martin");
    await key({ key: "Enter" }, input);
    expect(nav.route).toEqual({ kind: "client", id: 3 });
    expect(location.hash).toBe("#client/3");
    expect(document.querySelector("#palette")).toBeNull();
  });

  it("filters the sections by name and opens one with the arrows and Enter", async () => {
    const { nav } = await render();
    await key({ key: "k", metaKey: true });
    const input = el<HTMLInputElement>("#palette-input");
    input.value = "lit";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await settle();
    expect([...document.querySelectorAll("[role=option]")].map((o) => o.textContent)).toEqual([
      expect.stringContaining("Litiges"),
    ]);
    await key({ key: "Enter" }, input);
    expect(nav.section).toBe("disputes");
  });

  it("opens sections with Alt+digit on any layout, and goes back and forward with Alt+arrows", async () => {
    const { nav } = await render();
    await key({ key: "&", code: "Digit2", altKey: true });
    expect(nav.section).toBe("portfolio");
    await key({ key: "0", code: "Digit0", altKey: true });
    expect(nav.section).toBe("settings");
    await key({ key: "ArrowLeft", altKey: true });
    expect(nav.section).toBe("portfolio");
    await key({ key: "ArrowLeft", altKey: true });
    expect(nav.section).toBe("dashboard");
    expect(nav.canGoBack).toBe(false);
    await key({ key: "ArrowRight", altKey: true });
    expect(nav.section).toBe("portfolio");
    // Typing in a field is left alone.
    const field = document.body.appendChild(document.createElement("input"));
    await key({ key: "à", code: "Digit0", altKey: true }, field);
    expect(nav.section).toBe("portfolio");
  });

  it("follows a deep link to an invoice: its client's page, on that invoice", async () => {
    const { nav } = await render();
    nav.followHash("#invoice/F-2026-0042");
    await settle();
    expect(nav.route).toEqual({ kind: "client", id: 3, invoice: "F-2026-0042" });
    expect(location.hash).toBe("#client/3/F-2026-0042");
    // Closing the dossier (the palette goes with it) forgets the link.
    if (component) unmount(component);
    component = undefined;
    expect(location.hash).toBe("");
  });
});
