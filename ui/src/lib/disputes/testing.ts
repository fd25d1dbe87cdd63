/**
 * An in-memory stand-in for the dispute commands (unit tests only), to hand to `mockIPC`. It
 * keeps one or more dispute dossiers, appends to their timeline as the core does, and records
 * every command with its arguments. It does no money arithmetic: amounts are the fixture's.
 */
import type { ApiError } from "../bindings/ApiError";
import type { DisputeListView } from "../bindings/DisputeListView";
import type { DisputeView } from "../bindings/DisputeView";
import type { EvidenceView } from "../bindings/EvidenceView";
import type { NewDisputeInput } from "../bindings/NewDisputeInput";
import type { ResolveInput } from "../bindings/ResolveInput";

const AT = "2026-11-23T09:30:00";

/** A dispute a 207 En litige opened (TX_TVA_ERR, NIN), with one invoice. */
export function disputeFixture(id = 1): DisputeView {
  return {
    summary: {
      id,
      clientId: 7,
      clientName: "Boulangerie Martin",
      openedOn: "2026-11-02",
      reason: "vat",
      reasonLabel: "TVA",
      origin: "status",
      statusCode: 207,
      reasonCode: "TX_TVA_ERR",
      actionCode: "NIN",
      currency: "EUR",
      disputed: "1200.00",
      undisputed: "0.00",
      outstanding: "1200.00",
      invoices: ["F-2026-0042"],
      state: "open",
      resolvedOn: null,
      outcome: null,
      ageDays: 21,
    },
    reasonText: "Taux de TVA erroné",
    actionText: "Créer une Facture Rectificative",
    note: "",
    invoices: [
      {
        id: 42,
        number: "F-2026-0042",
        kind: "invoice",
        issueDate: "2026-09-01",
        dueDate: "2026-10-01",
        amount: "1200.00",
        outstanding: "1200.00",
      },
    ],
    evidence: [],
    tasks: [],
    timeline: [
      { at: "2026-11-02T08:30:00", kind: "status", text: "statut 207 En litige reçu pour F-2026-0042 · motif TX_TVA_ERR", actor: "platform" },
      { at: "2026-11-02T08:30:00", kind: "opened", text: "ouvert par le statut 207", actor: "platform" },
    ],
    resolution: null,
  };
}

export interface FakeDisputes {
  readonly calls: [string, unknown][];
  readonly dossiers: Map<number, DisputeView>;
  /** Bytes of each evidence, by id. */
  readonly files: Map<number, number[]>;
  handle(cmd: string, args: unknown): unknown;
  /** Makes the next call of `cmd` fail with `error`. */
  failNext(cmd: string, error: ApiError): void;
}

export function fakeDisputes(initial: readonly DisputeView[] = [disputeFixture()]): FakeDisputes {
  const calls: [string, unknown][] = [];
  const dossiers = new Map<number, DisputeView>(initial.map((d) => [d.summary.id, structuredClone(d)]));
  const files = new Map<number, number[]>();
  const failures = new Map<string, ApiError>();
  let nextEvidence = 1;
  let nextTask = 1;

  const get = (id: number): DisputeView => {
    const d = dossiers.get(id);
    if (!d) throw { code: "InvalidInput", message: `no dispute ${id} in this dossier` } satisfies ApiError;
    return d;
  };
  const log = (d: DisputeView, kind: string, text: string): void => {
    d.timeline = [...d.timeline, { at: AT, kind, text, actor: "user" }];
  };
  const list = (filter: { state?: string | null; reason?: string | null; clientId?: number | null }): DisputeListView => {
    const all = [...dossiers.values()].map((d) => d.summary);
    const open = all.filter((s) => s.state === "open");
    const group = {
      key: "all",
      label: "Tous les litiges",
      open: open.length,
      openAmount: open.length ? "1200.00" : "0.00",
      averageAgeDays: open.length ? "21.0" : null,
      resolved: all.length - open.length,
      averageResolutionDays: all.length > open.length ? "0.0" : null,
    };
    return {
      disputes: all
        .filter((s) => !filter.state || s.state === filter.state)
        .filter((s) => !filter.reason || s.reason === filter.reason)
        .filter((s) => filter.clientId == null || s.clientId === filter.clientId)
        .sort((a, b) => b.id - a.id),
      kpis: {
        asOf: "2026-11-23",
        total: group,
        oldestOpenDays: open.length ? 21 : null,
        byReason: [{ ...group, key: "vat", label: "TVA" }],
        byClient: [{ ...group, key: "7", label: "Boulangerie Martin" }],
      },
    };
  };

  const handlers: Record<string, (a: Record<string, unknown>) => unknown> = {
    dispute_list: (a) => list((a.filter ?? {}) as { state?: string | null }),
    dispute_view: (a) => structuredClone(get(Number(a.id))),
    open_dispute: (a) => {
      const input = a.input as NewDisputeInput;
      if (input.invoiceNumbers.includes("NOPE")) {
        throw { code: "InvalidInput", message: 'no invoice numbered "NOPE" in this dossier' } satisfies ApiError;
      }
      const id = Math.max(0, ...dossiers.keys()) + 1;
      const d = disputeFixture(id);
      d.summary = {
        ...d.summary,
        origin: "manual",
        statusCode: null,
        reasonCode: null,
        actionCode: null,
        reason: input.reason,
        invoices: input.invoiceNumbers,
        disputed: input.amount ?? "1200.00",
        ageDays: 0,
        openedOn: "2026-11-23",
      };
      d.reasonText = null;
      d.actionText = null;
      d.timeline = [];
      log(d, "opened", `litige ouvert sur ${input.invoiceNumbers.join(", ")}`);
      dossiers.set(id, d);
      return id;
    },
    attach_dispute_evidence: (a) => {
      const d = get(Number(a.id));
      const e: EvidenceView = {
        id: nextEvidence++,
        fileName: String(a.fileName),
        mediaType: String(a.fileName).endsWith(".txt") ? "text/plain" : "application/octet-stream",
        size: (a.bytes as number[]).length,
        sha256: "ab".repeat(32),
        addedAt: AT,
        note: String(a.note),
      };
      files.set(e.id, a.bytes as number[]);
      d.evidence = [...d.evidence, e];
      log(d, "evidence", `pièce ajoutée : ${e.fileName}`);
      return e;
    },
    attach_dispute_evidence_path: (a) => {
      const d = get(Number(a.id));
      const name = String(a.path).split("/").pop() ?? "";
      const e: EvidenceView = { id: nextEvidence++, fileName: name, mediaType: "application/pdf", size: 10, sha256: "cd".repeat(32), addedAt: AT, note: String(a.note) };
      d.evidence = [...d.evidence, e];
      log(d, "evidence", `pièce ajoutée : ${name}`);
      return e;
    },
    dispute_evidence: (a) => {
      const id = Number(a.evidenceId);
      const evidence = [...dossiers.values()].flatMap((d) => d.evidence).find((e) => e.id === id);
      return { evidence, bytes: files.get(id) ?? [] };
    },
    export_dispute_evidence: (a) => `/dossiers/litiges/evidence-${String(a.evidenceId)}`,
    export_dispute: (a) => `/dossiers/litiges/litige-${String(a.id)}.pdf`,
    add_dispute_task: (a) => {
      const d = get(Number(a.id));
      const id = nextTask++;
      d.tasks = [...d.tasks, { id, title: String(a.title), owner: String(a.owner), dueOn: String(a.dueOn), state: "todo", overdue: String(a.dueOn) < "2026-11-23" }];
      log(d, "task", `tâche : ${String(a.title)}`);
      return id;
    },
    set_dispute_task_state: (a) => {
      for (const d of dossiers.values()) {
        const k = d.tasks.find((x) => x.id === Number(a.taskId));
        if (k) {
          d.tasks = d.tasks.map((x) => (x.id === k.id ? { ...x, state: String(a.taskState), overdue: false } : x));
          log(d, "task_state", `tâche « ${k.title} » : ${String(a.taskState)}`);
        }
      }
      return null;
    },
    add_dispute_note: (a) => {
      log(get(Number(a.id)), String(a.kind), String(a.text));
      return null;
    },
    resolve_dispute: (a) => {
      const d = get(Number(a.id));
      const input = a.input as ResolveInput;
      d.summary = { ...d.summary, state: "resolved", outcome: input.outcome, resolvedOn: "2026-11-23" };
      log(d, "resolved", `${input.outcome}${input.creditNote ? ` ${input.creditNote}` : ""}`);
      return null;
    },
  };

  return {
    calls,
    dossiers,
    files,
    failNext(cmd, error) {
      failures.set(cmd, error);
    },
    handle(cmd, args) {
      calls.push([cmd, args]);
      const failure = failures.get(cmd);
      if (failure) {
        failures.delete(cmd);
        throw failure;
      }
      const h = handlers[cmd];
      if (!h) throw { code: "Internal", message: `unexpected command ${cmd}` } satisfies ApiError;
      return h((args ?? {}) as Record<string, unknown>);
    },
  };
}
