// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { ClientInvoiceView } from "../bindings/ClientInvoiceView";
import type { WriteOffView } from "../bindings/WriteOffView";
import { locale } from "../i18n";
import { click, el, settle } from "../testing/dom";
import WriteOffDialog from "./WriteOffDialog.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

const invoice: ClientInvoiceView = {
  id: 42,
  number: "F-2026-0042",
  kind: "invoice",
  issueDate: "2026-03-02",
  dueDate: "2026-04-01",
  currency: "EUR",
  grandTotal: "1200.00",
  outstanding: "700.10",
  daysPastDue: 237,
  statuses: [],
  lastStatusAt: null,
  dunningHold: null,
};

const written: WriteOffView = {
  id: 1,
  invoiceId: 42,
  number: "F-2026-0042",
  clientId: 3,
  currency: "EUR",
  amount: "700.10",
  amountExclTax: "583.42",
  vat: "116.68",
  vatOnDebits: true,
  writtenOn: "2026-11-20",
  reason: "Clôture pour insuffisance d'actif",
};

interface Rendered {
  calls: [string, unknown][];
  done: WriteOffView[];
  cancelled: number[];
}

function render(answer: (cmd: string, args: unknown) => unknown): Rendered {
  const out: Rendered = { calls: [], done: [], cancelled: [] };
  mockIPC((cmd, args) => {
    out.calls.push([cmd, args]);
    return answer(cmd, args);
  });
  component = mount(WriteOffDialog, {
    target: document.body,
    props: {
      invoice,
      today: "2026-11-24",
      onDone: (v: WriteOffView) => out.done.push(v),
      onCancel: () => out.cancelled.push(1),
    },
  });
  flushSync();
  return out;
}

async function type(selector: string, text: string): Promise<void> {
  const input = el<HTMLInputElement | HTMLTextAreaElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  await settle();
}

describe("WriteOffDialog", () => {
  it("shows the open amount read-only, today's date and that the write-off is final", () => {
    render(() => written);
    expect(el("#writeoff-amount").getAttribute("data-value")).toBe("700.10");
    expect(el("#writeoff-amount").textContent).toMatch(/700,10\s*€/);
    expect(document.querySelector("#writeoff-amount input")).toBeNull();
    expect(el<HTMLInputElement>("#writeoff-date").value).toBe("2026-11-24");
    expect(el("#writeoff-warning").textContent).toContain("définitive");
    expect(el("#writeoff-title").textContent).toContain("F-2026-0042");
  });

  it("refuses an empty reason and a bad date without calling the core", async () => {
    const r = render(() => written);
    await type("#writeoff-reason", "   ");
    await click("#writeoff-confirm");
    expect(el("#writeoff-invalid").textContent).toContain("motif");
    await type("#writeoff-reason", "Liquidation clôturée");
    await type("#writeoff-date", "2026-02-30");
    await click("#writeoff-confirm");
    expect(el("#writeoff-invalid").textContent).toContain("date");
    expect(r.calls).toEqual([]);
    expect(r.done).toEqual([]);
  });

  it("calls write_off_invoice with the invoice, the date and the trimmed reason, then reports", async () => {
    const r = render(() => written);
    await type("#writeoff-date", "2026-11-20");
    await type("#writeoff-reason", "  Clôture pour insuffisance d'actif ");
    await click("#writeoff-confirm");
    expect(r.calls).toEqual([
      ["write_off_invoice", { invoiceId: 42, on: "2026-11-20", reason: "Clôture pour insuffisance d'actif" }],
    ]);
    expect(r.done).toEqual([written]);
    expect(document.querySelector("#writeoff-error")).toBeNull();
  });

  it("shows the core's refusal through the error table and stays open", async () => {
    const r = render(() => {
      throw { code: "InvalidInput", message: "F-2026-0042: a write-off dated 2026-01-01 precedes the invoice" };
    });
    await type("#writeoff-date", "2026-01-01");
    await type("#writeoff-reason", "Certificat d'irrécouvrabilité");
    await click("#writeoff-confirm");
    const error = el("#writeoff-error");
    expect(error.getAttribute("data-code")).toBe("InvalidInput");
    expect(error.textContent).toContain("Saisie invalide");
    expect(error.textContent).toContain("precedes the invoice");
    expect(r.done).toEqual([]);
    expect(el<HTMLButtonElement>("#writeoff-confirm").disabled).toBe(false);
  });

  it("cancels without calling the core, in English too", async () => {
    locale.set("en");
    const r = render(() => written);
    expect(el("#writeoff-warning").textContent).toContain("final");
    expect(el("#writeoff-confirm").textContent).toContain("Write off");
    await click("#writeoff-cancel");
    expect(r.cancelled).toEqual([1]);
    expect(r.calls).toEqual([]);
  });
});
