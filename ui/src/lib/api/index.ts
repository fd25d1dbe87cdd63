/**
 * The only module that talks to the Rust core. One typed function per Tauri command; every
 * rejection becomes a `CommandError` with a known `ErrorCode`.
 */
import { Channel, invoke, type InvokeArgs } from "@tauri-apps/api/core";
import type { AppInfo } from "../bindings/AppInfo";
import type { BankLineView } from "../bindings/BankLineView";
import type { DashboardView } from "../bindings/DashboardView";
import type { DossierSummary } from "../bindings/DossierSummary";
import type { JobView } from "../bindings/JobView";
import type { MatchRunReport } from "../bindings/MatchRunReport";
import type { NewPromise } from "../bindings/NewPromise";
import type { OutboxActionView } from "../bindings/OutboxActionView";
import type { PhoneOutcomeInput } from "../bindings/PhoneOutcomeInput";
import type { PhoneTaskView } from "../bindings/PhoneTaskView";
import type { PlanView } from "../bindings/PlanView";
import type { PreviewView } from "../bindings/PreviewView";
import type { PromisesView } from "../bindings/PromisesView";
import type { RunReport } from "../bindings/RunReport";
import type { RunSelection } from "../bindings/RunSelection";
import type { SendReport } from "../bindings/SendReport";
import type { ScenarioDto } from "../bindings/ScenarioDto";
import type { TemplateDto } from "../bindings/TemplateDto";
import type { OpenItemsFilter } from "../bindings/OpenItemsFilter";
import type { OpenItemsView } from "../bindings/OpenItemsView";
import type { ReconciliationView } from "../bindings/ReconciliationView";
import type { DisputeFilter } from "../bindings/DisputeFilter";
import type { DisputeListView } from "../bindings/DisputeListView";
import type { DisputeView } from "../bindings/DisputeView";
import type { EvidenceContentView } from "../bindings/EvidenceContentView";
import type { EvidenceView } from "../bindings/EvidenceView";
import type { NewDisputeInput } from "../bindings/NewDisputeInput";
import type { ResolveInput } from "../bindings/ResolveInput";
import type { CompanyProfileDto } from "../bindings/CompanyProfileDto";
import type { GeneratedLetter } from "../bindings/GeneratedLetter";
import type { LetterRequest } from "../bindings/LetterRequest";
import type { RiskAlertView } from "../bindings/RiskAlertView";
import type { ClientScoreView } from "../bindings/ClientScoreView";
import type { ScoreRunReport } from "../bindings/ScoreRunReport";
import type { PortfolioView } from "../bindings/PortfolioView";
import type { ClientPageView } from "../bindings/ClientPageView";
import type { ClientNoteInput } from "../bindings/ClientNoteInput";
import type { PaletteResults } from "../bindings/PaletteResults";
import type { ClientPlanView } from "../bindings/ClientPlanView";
import type { BackupEntry } from "../bindings/BackupEntry";
import type { BackupPolicy } from "../bindings/BackupPolicy";
import type { BackupReport } from "../bindings/BackupReport";
import type { ClientExternalView } from "../bindings/ClientExternalView";
import type { RefreshReport } from "../bindings/RefreshReport";
import type { DirectoryEntryView } from "../bindings/DirectoryEntryView";
import type { WriteOffView } from "../bindings/WriteOffView";
import { toCommandError } from "./error";

export { CommandError, isErrorCode, toCommandError } from "./error";
export { onFileDrag, type FileDrag } from "./dragdrop";

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toCommandError(reason, command);
  }
}

export interface CreateDossierArgs {
  path: string;
  siren: string;
  name: string;
  /** Passphrase mode (at least 12 characters); absent: the system keyring's key. Never stored. */
  passphrase?: string | null;
}

export const api = {
  appInfo: (): Promise<AppInfo> => call<AppInfo>("app_info"),
  createDossier: (args: CreateDossierArgs): Promise<DossierSummary> =>
    call<DossierSummary>("create_dossier", {
      path: args.path,
      siren: args.siren,
      name: args.name,
      passphrase: args.passphrase ?? null,
    }),
  /** Opens a dossier with the keyring key, or with a passphrase (passphrase mode; never stored). */
  openDossier: (path: string, passphrase: string | null = null): Promise<DossierSummary> =>
    call<DossierSummary>("open_dossier", { path, passphrase }),
  /** Takes an encrypted backup of the open dossier now, into the policy's folder. */
  backupCreate: (): Promise<BackupReport> => call<BackupReport>("backup_create", { dir: null }),
  /** The scheduled backup: taken only when the newest is older than the policy's period (else null). */
  backupIfDue: (): Promise<BackupReport | null> => call<BackupReport | null>("backup_if_due"),
  /** The open dossier's backups, newest first. */
  backupList: (): Promise<BackupEntry[]> => call<BackupEntry[]>("backup_list"),
  /** The backup policy: generations kept, days between scheduled backups, folder. */
  backupPolicy: (): Promise<BackupPolicy> => call<BackupPolicy>("backup_policy"),
  /** Saves the backup policy (the core refuses 0 generations or 0 days); resolves with it as saved. */
  setBackupPolicy: (policy: BackupPolicy): Promise<BackupPolicy> =>
    call<BackupPolicy>("set_backup_policy", { policy }),
  openDemo: (): Promise<DossierSummary> => call<DossierSummary>("open_demo"),
  dossierSummary: (): Promise<DossierSummary> => call<DossierSummary>("dossier_summary"),
  closeDossier: (): Promise<null> => call<null>("close_dossier"),
  /** Locks: closes the open dossier (its key leaves memory); the locked file's path, if any. */
  lockDossier: (): Promise<string | null> => call<string | null>("lock_dossier"),
  /** Reopens the locked dossier with the keyring key, or with a passphrase (never stored). */
  unlockDossier: (passphrase: string | null): Promise<DossierSummary> =>
    call<DossierSummary>("unlock_dossier", { passphrase }),
  /** Starts importing files, folders and zip archives as a background job; resolves with the job at once. */
  jobImport: (paths: readonly string[]): Promise<JobView> => call<JobView>("job_import", { paths: [...paths] }),
  /** Starts generating every document of today's plan as a background job. */
  jobLetters: (): Promise<JobView> => call<JobView>("job_letters"),
  /**
   * Starts rescoring every client (on `asOf`, default today) as a background job; `ifDue`: only if
   * that day is not scored yet (the daily run; otherwise the job ends with a `rescoringSkipped` report).
   */
  jobRescoring: (asOf?: string, ifDue = false): Promise<JobView> =>
    call<JobView>("job_rescoring", ifDue ? { asOf: asOf ?? null, ifDue } : { asOf: asOf ?? null }),
  /** Starts syncing every enabled platform account (or `account`) as a background job. */
  jobSync: (account?: string): Promise<JobView> => call<JobView>("job_sync", { account: account ?? null }),
  /** Every change of every job is sent to `onEvent` from now on; resolves with the jobs as they are. */
  jobsWatch: (onEvent: (job: JobView) => void): Promise<JobView[]> => {
    const channel = new Channel<JobView>();
    channel.onmessage = onEvent;
    return call<JobView[]>("jobs_watch", { onEvent: channel });
  },
  /** The running jobs, then the recent finished ones (newest first). */
  jobsList: (): Promise<JobView[]> => call<JobView[]>("jobs_list"),
  /** Asks job `id` to stop at its next item; resolves with the job as it now is. */
  jobCancel: (id: number): Promise<JobView> => call<JobView>("job_cancel", { id }),
  /** The bank payments with their proposals: the unmatched ones only, or every one when `all`. */
  reconciliation: (all: boolean): Promise<ReconciliationView> => call<ReconciliationView>("reconciliation", { all }),
  /** Applies every proposal at or above the automatic threshold. */
  runMatching: (): Promise<MatchRunReport> => call<MatchRunReport>("run_matching"),
  /** Applies proposal `key` to payment `paymentId`; resolves with the payment as it now is. */
  acceptProposal: (paymentId: number, key: string): Promise<BankLineView> =>
    call<BankLineView>("accept_proposal", { paymentId, key }),
  /**
   * Matches payment `paymentId` by hand to the open invoices numbered `numbers` (one client's): the
   * core settles them oldest due date first, each up to what it leaves open, and leaves the rest of
   * the payment unallocated (a credit). Resolves with the payment as it now is.
   */
  manualMatch: (paymentId: number, numbers: readonly string[]): Promise<BankLineView> =>
    call<BankLineView>("manual_match", { paymentId, numbers: [...numbers] }),
  /** Drops proposal `key` of payment `paymentId` for good; resolves with the payment's other proposals. */
  rejectProposal: (paymentId: number, key: string): Promise<BankLineView> =>
    call<BankLineView>("reject_proposal", { paymentId, key }),
  /** Takes a matched (or set aside) payment back to the unmatched ones. */
  unmatchPayment: (paymentId: number): Promise<BankLineView> => call<BankLineView>("unmatch_payment", { paymentId }),
  /** Sets a payment aside: it is not a customer payment. */
  ignorePayment: (paymentId: number): Promise<BankLineView> => call<BankLineView>("ignore_payment", { paymentId }),
  /**
   * The receivables dashboard of the open dossier as of today (the shell reads the clock): key
   * figures, aged balance, 24 months of DSO, 13-week forecast, largest exposures and alerts.
   */
  dashboard: (): Promise<DashboardView> => call<DashboardView>("dashboard"),
  /**
   * The open items behind a figure of the dashboard as of `asOf` (the dashboard's own date, so the
   * list adds up to the figure shown): the first `limit` (most days late first) with the count and
   * total of all of them.
   */
  openItems: (asOf: string, filter: OpenItemsFilter, limit: number): Promise<OpenItemsView> =>
    call<OpenItemsView>("open_items", { asOf, filter, limit }),
  /** Today's dunning plan (read only): the actions due, what is paused and why. */
  dunningPlan: (): Promise<PlanView> => call<PlanView>("dunning_plan"),
  /**
   * Records today's WHOLE plan in the dunning outbox with each action's rendered text (for a part
   * of it, `dunningRunSelected`). Nothing is sent here; running twice records nothing new.
   */
  dunningRun: (): Promise<RunReport> => call<RunReport>("dunning_run"),
  /**
   * Records only the actions of the selected clients and the selected actions (by key), with the
   * same texts and keys as the whole run: nothing is ever recorded twice.
   */
  dunningRunSelected: (selection: RunSelection): Promise<RunReport> =>
    call<RunReport>("dunning_run_selected", { selection }),
  /** The message one action of today's plan would record, filled in as the run fills it. */
  dunningPreview: (clientId: number, key: string): Promise<PreviewView> =>
    call<PreviewView>("dunning_preview", { clientId, key }),
  /**
   * Sends the outbox for real: emails with their letter and SMS through the dossier's channel
   * settings; letters to print saved beside the dossier. What was sent never goes twice.
   */
  sendOutbox: (): Promise<SendReport> => call<SendReport>("send_outbox"),
  /** The dunning outbox, newest first: every state, or only `state` (`planned`, `validated`, …). */
  dunningActions: (state: string | null, limit: number): Promise<OutboxActionView[]> =>
    call<OutboxActionView[]>("dunning_actions", { actionState: state, limit }),
  /** Changes an outbox action's state (`validated`, `sent`, `failed`, `cancelled`). */
  setActionState: (action: number, state: string, outcome: string | null = null): Promise<null> =>
    call<null>("set_action_state", { action, actionState: state, outcome }),
  /** Records a promise to pay; resolves with its id. */
  recordPromise: (promise: NewPromise): Promise<number> => call<number>("record_promise", { promise }),
  /** The promises with their state as of today and the kept rate. */
  promises: (): Promise<PromisesView> => call<PromisesView>("promises", { asOf: null }),
  /** The phone tasks: the open ones only, or all. */
  phoneTasks: (openOnly: boolean): Promise<PhoneTaskView[]> => call<PhoneTaskView[]>("phone_tasks", { openOnly }),
  /** Closes a phone task with what the call gave (a promise or a dispute pauses the reminders). */
  recordPhoneOutcome: (task: number, outcome: PhoneOutcomeInput): Promise<null> =>
    call<null>("record_phone_outcome", { task, outcome }),
  /** The dunning scenarios (the defaults until the dossier has its own). */
  scenarios: (): Promise<ScenarioDto[]> => call<ScenarioDto[]>("scenarios"),
  /** Creates (id 0) or replaces a scenario; resolves with its id. */
  updateScenario: (scenario: ScenarioDto): Promise<number> => call<number>("update_scenario", { scenario }),
  /** The dunning templates. */
  templates: (): Promise<TemplateDto[]> => call<TemplateDto[]>("templates"),
  /** Creates or replaces a template; an unknown variable is refused with an error naming it. */
  updateTemplate: (template: TemplateDto): Promise<null> => call<null>("update_template", { template }),
  /** The disputes that pass the filter (newest first) with the dispute KPIs, as of today. */
  disputeList: (filter: DisputeFilter): Promise<DisputeListView> => call<DisputeListView>("dispute_list", { filter }),
  /** One dispute's dossier: invoices, amounts, evidence, tasks and timeline. */
  disputeView: (id: number): Promise<DisputeView> => call<DisputeView>("dispute_view", { id }),
  /** Opens a dispute by hand; resolves with its id. */
  openDispute: (input: NewDisputeInput): Promise<number> => call<number>("open_dispute", { input }),
  /** Attaches a file read by the window (name and bytes) to a dispute. */
  attachDisputeEvidence: (id: number, fileName: string, bytes: Uint8Array, note: string): Promise<EvidenceView> =>
    call<EvidenceView>("attach_dispute_evidence", { id, fileName, bytes: Array.from(bytes), note }),
  /** Attaches a file given by its path on this computer to a dispute. */
  attachDisputeEvidencePath: (id: number, path: string, note: string): Promise<EvidenceView> =>
    call<EvidenceView>("attach_dispute_evidence_path", { id, path, note }),
  /** An attached file with its bytes, to show it. */
  disputeEvidence: (evidenceId: number): Promise<EvidenceContentView> =>
    call<EvidenceContentView>("dispute_evidence", { evidenceId }),
  /** Writes an attached file to the `litiges` folder beside the dossier; resolves with its path. */
  exportDisputeEvidence: (evidenceId: number): Promise<string> => call<string>("export_dispute_evidence", { evidenceId }),
  /** Writes the dispute as one PDF (PDF evidence appended) beside the dossier; resolves with its path. */
  exportDispute: (id: number): Promise<string> => call<string>("export_dispute", { id }),
  /** Adds a task (owner, due date) to a dispute; resolves with its id. */
  addDisputeTask: (id: number, title: string, owner: string, dueOn: string): Promise<number> =>
    call<number>("add_dispute_task", { id, title, owner, dueOn }),
  /** Sets a dispute task's state: `todo`, `done` or `cancelled`. */
  setDisputeTaskState: (taskId: number, taskState: string): Promise<null> =>
    call<null>("set_dispute_task_state", { taskId, taskState }),
  /** Adds a note, a call or a decision to a dispute's timeline. */
  addDisputeNote: (id: number, kind: string, text: string): Promise<null> =>
    call<null>("add_dispute_note", { id, kind, text }),
  /** Resolves a dispute (credit note, corrected invoice, partial agreement, claim rejected). */
  resolveDispute: (id: number, input: ResolveInput): Promise<null> => call<null>("resolve_dispute", { id, input }),
  /** The company's letterhead profile (address, VAT, contact, bank details, signatory, town). */
  companyProfile: (): Promise<CompanyProfileDto> => call<CompanyProfileDto>("company_profile"),
  /** Checks and saves the company's profile (an invalid IBAN, BIC or VAT number is refused). */
  updateCompanyProfile: (profile: CompanyProfileDto): Promise<CompanyProfileDto> =>
    call<CompanyProfileDto>("update_company_profile", { profile }),
  /** Sets (PNG or JPEG bytes) or removes (null) the letterhead logo. */
  setCompanyLogo: (bytes: Uint8Array | null): Promise<CompanyProfileDto> =>
    call<CompanyProfileDto>("set_company_logo", { bytes: bytes ? Array.from(bytes) : null }),
  /** Generates one document (reminder, demeure, statement, injonction, declaration) as of today. */
  generateLetter: (request: LetterRequest): Promise<GeneratedLetter> =>
    call<GeneratedLetter>("generate_letter", { request }),
  /** Opens a generated PDF with the system's viewer. */
  openDocument: (path: string): Promise<null> => call<null>("open_document", { path }),
  /** Rescores every client on a date (default today) and records the new risk alerts. */
  scoreRun: (asOf?: string): Promise<ScoreRunReport> => call<ScoreRunReport>("score_run", { asOf: asOf ?? null }),
  /** A client's score, grade, three reasons, suggested limit and history. */
  scoreShow: (clientId: number, asOf?: string): Promise<ClientScoreView> =>
    call<ClientScoreView>("score_show", { clientId, asOf: asOf ?? null }),
  /** The risk alerts, newest first; `state` keeps `open`, `acknowledged` or `snoozed` ones. */
  scoreAlerts: (state?: "open" | "acknowledged" | "snoozed"): Promise<RiskAlertView[]> =>
    call<RiskAlertView[]>("score_alerts", { alertState: state ?? null }),
  /** Marks a risk alert as seen. */
  acknowledgeAlert: (id: number): Promise<null> => call<null>("acknowledge_alert", { id }),
  /** Hides a risk alert until a date (YYYY-MM-DD, after today). */
  snoozeAlert: (id: number, until: string): Promise<null> => call<null>("snooze_alert", { id, until }),
  /** Every client with its figures as of today (the portfolio). */
  portfolio: (): Promise<PortfolioView> => call<PortfolioView>("portfolio"),
  /** A client's 360° page as of today. */
  clientPage: (clientId: number): Promise<ClientPageView> => call<ClientPageView>("client_page", { clientId }),
  /** Adds a call note or a note to a client's timeline. */
  addClientNote: (clientId: number, note: ClientNoteInput): Promise<number> =>
    call<number>("add_client_note", { clientId, note }),
  /** The client's part of today's dunning plan (next reminder, items held back). */
  clientPlan: (clientId: number): Promise<ClientPlanView> => call<ClientPlanView>("client_plan", { clientId }),
  /** Writes off what is open on an invoice on `on` (YYYY-MM-DD) for `reason` (legal-rules A.7); final. */
  writeOffInvoice: (invoiceId: number, on: string, reason: string): Promise<WriteOffView> =>
    call<WriteOffView>("write_off_invoice", { invoiceId, on, reason }),
  /** The client's write-offs, by date. */
  clientWriteOffs: (clientId: number): Promise<WriteOffView[]> =>
    call<WriteOffView[]>("client_write_offs", { clientId }),
  /** The command palette's search: clients by SIREN or name, invoices by number. */
  paletteSearch: (query: string, limit: number): Promise<PaletteResults> =>
    call<PaletteResults>("palette_search", { query, limit }),
  /** Pauses a client's dunning until a date (inclusive; null: until lifted). */
  pauseClient: (client: number, until: string | null, reason: string): Promise<null> =>
    call<null>("pause_client", { client, until, reason }),
  /** What the dossier knows of a client from SIRENE and the BODACC (no network). */
  clientExternal: (clientId: number): Promise<ClientExternalView> =>
    call<ClientExternalView>("client_external", { clientId }),
  /** Fetches a client's SIRENE facts and BODACC notices (the cache answers offline) and acts on a procédure collective. */
  opendataRefreshClient: (clientId: number): Promise<RefreshReport> =>
    call<RefreshReport>("opendata_refresh_client", { clientId }),
  /** The client's platform and routing as last read from the platform's directory (no network). */
  clientRouting: (clientId: number): Promise<DirectoryEntryView | null> =>
    call<DirectoryEntryView | null>("client_routing", { clientId }),
  /** Asks the platform's directory (XP Z12-013 Directory Service) for the client's SIREN and keeps the answer. */
  directoryLookup: (clientId: number, account: string | null = null): Promise<DirectoryEntryView> =>
    call<DirectoryEntryView>("directory_lookup", { clientId, account }),
};

export type Api = typeof api;
