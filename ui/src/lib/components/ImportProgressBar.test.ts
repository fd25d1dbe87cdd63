// @vitest-environment jsdom
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ImportProgress } from "../bindings/ImportProgress";
import { NNBSP } from "../i18n/format";
import { locale } from "../i18n";
import ImportProgressBar from "./ImportProgressBar.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
});

function render(progress: ImportProgress | null, cancelling = false, onCancel = () => {}): HTMLElement {
  component = mount(ImportProgressBar, { target: document.body, props: { progress, cancelling, onCancel } });
  flushSync();
  const bar = document.querySelector<HTMLElement>("#import-progress");
  if (!bar) throw new Error("missing #import-progress");
  return bar;
}

describe("ImportProgressBar", () => {
  it("shows done / total and the short name of the current file", () => {
    const bar = render({ done: 12, total: 1500, current: "/srv/factures/2026/F-2026-0012.pdf" });
    expect(bar.getAttribute("role")).toBe("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("12");
    expect(bar.getAttribute("aria-valuemax")).toBe("1500");
    expect(bar.getAttribute("aria-valuemin")).toBe("0");
    const label = document.querySelector("#import-progress-label");
    expect(label?.textContent?.trim()).toBe(`12 / 1${NNBSP}500 — F-2026-0012.pdf`);
    expect(label?.getAttribute("title")).toBe("/srv/factures/2026/F-2026-0012.pdf");
    expect(bar.getAttribute("aria-valuetext")).toBe(`12 / 1${NNBSP}500 — F-2026-0012.pdf`);
    expect(bar.querySelector<HTMLElement>(".fill")?.style.width).toBe("0.8%");
  });

  it("shows only the counts once every file is done", () => {
    render({ done: 3, total: 3, current: "" });
    expect(document.querySelector("#import-progress-label")?.textContent?.trim()).toBe("3 / 3");
  });

  it("is indeterminate while the files are being listed", () => {
    const bar = render(null);
    expect(bar.hasAttribute("aria-valuenow")).toBe(false);
    expect(bar.classList.contains("indeterminate")).toBe(true);
    expect(document.querySelector("#import-progress-label")?.textContent?.trim()).toBe("Recherche des fichiers…");
  });

  it("calls onCancel, then says it stops after the current file", () => {
    const onCancel = vi.fn();
    render({ done: 1, total: 5, current: "a.xml" }, false, onCancel);
    const button = document.querySelector<HTMLButtonElement>("#import-cancel");
    expect(button?.textContent?.trim()).toBe("Annuler");
    button?.click();
    expect(onCancel).toHaveBeenCalledOnce();
    unmount(component!);
    render({ done: 1, total: 5, current: "a.xml" }, true, onCancel);
    expect(document.querySelector<HTMLButtonElement>("#import-cancel")?.disabled).toBe(true);
    expect(document.body.textContent).toContain("Arrêt après le fichier en cours…");
  });

  it("speaks English", () => {
    locale.set("en");
    render(null);
    expect(document.querySelector("#import-progress-label")?.textContent?.trim()).toBe("Looking for files…");
    expect(document.querySelector("#import-cancel")?.textContent?.trim()).toBe("Cancel");
  });
});
