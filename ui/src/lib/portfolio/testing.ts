/** Fakes of the portfolio, client page and palette commands for component tests. */
import type { ClientPageView } from "../bindings/ClientPageView";
import type { PlannedActionView } from "../bindings/PlannedActionView";
import type { PaletteResults } from "../bindings/PaletteResults";
import type { PortfolioRowView } from "../bindings/PortfolioRowView";
import type { PortfolioView } from "../bindings/PortfolioView";

/** `n` clients; every seventh has an open dispute, every fifth is more than 90 days late. */
export function fakeRows(n: number): PortfolioRowView[] {
  const rows: PortfolioRowView[] = [];
  for (let i = 1; i <= n; i++) {
    rows.push({
      clientId: i,
      name: i === 3 ? "Boulangerie Martin" : `Client ${String(i).padStart(5, "0")}`,
      siren: String(300000000 + i),
      segment: i % 2 === 0 ? "PME" : "ETI",
      sector: "4711D",
      owner: "Marie",
      outstanding: `${i * 10}.00`,
      overdue: i % 5 === 0 ? `${i}.50` : "0.00",
      openItems: 2,
      oldestDaysOverdue: i % 5 === 0 ? 120 : 0,
      bucket: i % 5 === 0 ? "d90" : "none",
      otherCurrencies: false,
      score: 50,
      grade: i % 3 === 0 ? "E" : "B",
      openDisputes: i % 7 === 0 ? 1 : 0,
      lastStatus: i % 7 === 0 ? 207 : null,
      lastStatusAt: i % 7 === 0 ? "2026-11-02T08:30:00" : null,
    });
  }
  return rows;
}

export function fakePortfolio(n: number): PortfolioView {
  return { asOf: "2026-11-23", currency: "EUR", rows: fakeRows(n) };
}

export function fakeClientPage(id: number): ClientPageView {
  return {
    asOf: "2026-11-23",
    identity: {
      id,
      name: "Boulangerie Martin",
      siren: "300000003",
      siret: "30000000300012",
      vat: "FR12300000003",
      legalForm: "SARL",
      naf: "1071C",
      segment: "PME",
      owner: "Marie",
      address: ["3 rue du Four", "69001 Lyon"],
      contacts: ["Paul Martin — Gérant — paul@martin.fr"],
      currency: "EUR",
      since: "2021-03-01",
      isIndividual: false,
    },
    outstanding: "1500.00",
    overdue: "1200.00",
    invoices: [
      {
        id: 11,
        number: "F-2026-0042",
        kind: "invoice",
        issueDate: "2026-08-01",
        dueDate: "2026-08-31",
        currency: "EUR",
        grandTotal: "1200.00",
        outstanding: "1200.00",
        daysPastDue: 84,
        statuses: [203, 207],
        lastStatusAt: "2026-09-02T10:00:00",
        dunningHold: "dispute",
      },
      {
        id: 12,
        number: "F-2026-0050",
        kind: "invoice",
        issueDate: "2026-11-01",
        dueDate: "2026-12-01",
        currency: "EUR",
        grandTotal: "300.00",
        outstanding: "300.00",
        daysPastDue: -8,
        statuses: [],
        lastStatusAt: null,
        dunningHold: null,
      },
    ],
    invoiceCount: 40,
    payments: [
      {
        id: 5,
        bookedOn: "2026-10-10",
        currency: "EUR",
        amount: "500.00",
        unallocated: "0.00",
        remittance: "VIR F-2026-0030",
        allocations: [{ invoiceId: 9, invoiceNumber: "F-2026-0030", amount: "500.00", appliedOn: "2026-10-10" }],
      },
    ],
    disputes: [],
    promises: [],
    timeline: [
      { at: "2026-10-10", kind: "payment", title: "500.00", detail: "F-2026-0030", invoiceNumber: null },
      { at: "2026-09-02T10:00:00", kind: "status", title: "207", detail: "", invoiceNumber: "F-2026-0042" },
    ],
    dunning: { paused: false, pausedUntil: null, reason: "", insolvency: null, insolvencyOn: null },
    score: null,
  };
}

/** Records the calls and answers the commands a portfolio, client page or palette sends. */
export class FakeNavigation {
  calls: [string, unknown][] = [];
  /** The client's planned actions `client_plan` answers. */
  plan: PlannedActionView[] = [];
  constructor(
    public rows = 200,
    public search: PaletteResults = { clients: [], invoices: [] },
  ) {}

  handle(cmd: string, args: unknown): unknown {
    this.calls.push([cmd, args]);
    switch (cmd) {
      case "portfolio":
        return fakePortfolio(this.rows);
      case "client_page":
        return fakeClientPage((args as { clientId: number }).clientId);
      case "client_plan":
        return { asOf: "2026-11-23", actions: this.plan, paused: [] };
      case "palette_search":
        return this.search;
      case "add_client_note":
      case "record_promise":
      case "open_dispute":
        return 1;
      case "pause_client":
        return null;
      case "generate_letter":
        return {
          path: "/tmp/courriers/relance.pdf",
          kind: "reminder",
          clientId: 3,
          clientName: "Boulangerie Martin",
          invoices: 1,
          amount: "1200.00",
          currency: "EUR",
          bytes: 1000,
          notes: [],
        };
      default:
        throw { code: "Internal", message: `unexpected command ${cmd}` };
    }
  }
}
