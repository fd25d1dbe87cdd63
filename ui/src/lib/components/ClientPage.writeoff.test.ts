// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { ClientPageView } from "../bindings/ClientPageView";
import type { WriteOffView } from "../bindings/WriteOffView";
import { locale } from "../i18n";
import { FakeNavigation } from "../portfolio/testing";
import { click, el, settle } from "../testing/dom";
import ClientPage from "./ClientPage.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

/** The fake client page, where a write-off of invoice 12 zeroes its open amount once recorded. */
class FakeWithWriteOffs extends FakeNavigation {
  writeOffs: WriteOffView[] = [];
  override handle(cmd: string, args: unknown): unknown {
    if (cmd === "client_write_offs") {
      this.calls.push([cmd, args]);
      return this.writeOffs;
    }
    if (cmd === "write_off_invoice") {
      this.calls.push([cmd, args]);
      const a = args as { invoiceId: number; on: string; reason: string };
      const w: WriteOffView = {
        id: 1,
        invoiceId: a.invoiceId,
        number: "F-2026-0050",
        clientId: 3,
        currency: "EUR",
        amount: "300.00",
        amountExclTax: "250.00",
        vat: "50.00",
        vatOnDebits: true,
        writtenOn: a.on,
        reason: a.reason,
      };
      this.writeOffs = [w];
      return w;
    }
    const answer = super.handle(cmd, args);
    if (cmd === "client_page" && this.writeOffs.length > 0) {
      const page = answer as ClientPageView;
      return { ...page, invoices: page.invoices.map((i) => (i.id === 12 ? { ...i, outstanding: "0.00" } : i)) };
    }
    return answer;
  }
}

describe("ClientPage write-off", () => {
  it("writes an open invoice off from its row, refreshes the page and marks it written off", async () => {
    const fake = new FakeWithWriteOffs();
    mockIPC((cmd, args) => fake.handle(cmd, args));
    component = mount(ClientPage, { target: document.body, props: { clientId: 3, onBack: () => {} } });
    flushSync();
    await settle();
    expect(document.querySelector("[data-written-off]")).toBeNull();
    await click("#writeoff-12");
    // The default date is the page's own date (the shell's today).
    expect(el<HTMLInputElement>("#writeoff-date").value).toBe("2026-11-23");
    const reason = el<HTMLTextAreaElement>("#writeoff-reason");
    reason.value = "Certificat d'irrécouvrabilité";
    reason.dispatchEvent(new Event("input", { bubbles: true }));
    const day = el<HTMLInputElement>("#writeoff-date");
    day.value = "2026-11-20";
    day.dispatchEvent(new Event("input", { bubbles: true }));
    await settle();
    await click("#writeoff-confirm");
    expect(fake.calls).toContainEqual([
      "write_off_invoice",
      { invoiceId: 12, on: "2026-11-20", reason: "Certificat d'irrécouvrabilité" },
    ]);
    expect(fake.calls.filter(([c]) => c === "client_page")).toHaveLength(2);
    expect(fake.calls.filter(([c]) => c === "client_write_offs")).toHaveLength(2);
    expect(document.querySelector("#writeoff-dialog")).toBeNull();
    const badge = el('tr[data-invoice="F-2026-0050"] [data-written-off]');
    expect(badge.getAttribute("data-written-off")).toBe("2026-11-20");
    expect(badge.textContent).toContain("Passée en perte le 20/11/2026");
    expect(el("#client-notice").textContent).toContain("F-2026-0050");
    // A written-off invoice has nothing open: no more actions on its row.
    expect(document.querySelector("#writeoff-12")).toBeNull();
    expect(document.querySelector("#writeoff-11")).not.toBeNull();
  });

  it("names the client's written-off invoices the page does not list", async () => {
    const fake = new FakeWithWriteOffs();
    fake.writeOffs = [
      {
        id: 4,
        invoiceId: 3,
        number: "F-2019-0003",
        clientId: 3,
        currency: "EUR",
        amount: "90.00",
        amountExclTax: "75.00",
        vat: "15.00",
        vatOnDebits: true,
        writtenOn: "2021-06-30",
        reason: "Liquidation clôturée",
      },
    ];
    mockIPC((cmd, args) => fake.handle(cmd, args));
    component = mount(ClientPage, { target: document.body, props: { clientId: 3, onBack: () => {} } });
    flushSync();
    await settle();
    expect(el("#client-writeoffs-older").textContent).toContain("F-2019-0003 (30/06/2021)");
    expect(document.querySelector("[data-written-off]")).toBeNull();
  });
});
