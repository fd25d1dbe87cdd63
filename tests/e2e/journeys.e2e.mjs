// The journeys of a credit manager's day, end to end in the real Encours window (issue 11 §7; see
// run.sh). One session, one fresh demo dossier, each journey on what the one before left:
//   a. first run: the welcome screen, "open the demo" (generated now: the test moves an earlier
//      demo file aside), the dashboard shows its figures — the open balance as the CLI reads it;
//   b. a folder of 20 e-invoices from the corpus (Factur-X PDFs and UBL) imported from the Imports
//      screen: the progress bar shows the files counted, the report has a line per file, and its
//      counts are what `encours einvoice inspect` reads in the same files;
//   c. a bank statement reconciled: a camt.053 of the corpus and one of the demo's clients'
//      payments (`encours bank simulate`) imported, the automatic matching run from
//      "Rapprochement", a proposal accepted;
//   d. today's reminders queued from "Plan du jour" and sent to an SMTP server the test runs:
//      the server receives as many messages as the window says were sent;
//   e. a dispute opened by hand on an overdue invoice, then resolved: the CLI reads it resolved;
//   f. a client found with the command palette: Ctrl+K, part of its name, Enter → its page.
// The checks compare the window with the CLI on the same file; screenshots go to artifacts/.
//
// Prints "e2e journeys: N passed, M failed" last and exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, join } from "node:path";
import {
  CLI,
  CORPUS,
  acceptFirstProposal,
  checks,
  cliJson,
  goTo,
  importThroughWindow,
  inspectInvoices,
  numberValue,
  openDemo,
  openDisputeByHand,
  overdueDemoInvoice,
  queueTodaysPlan,
  resolveShownDispute,
  runMatchingInWindow,
  sendOutbox,
  shot,
  startSmtpServer,
  statementCredits,
  withSession,
} from "./harness.mjs";

const { record, finish } = checks("journeys", [
  "a. first run: the demo opens on a dashboard with its figures",
  "b. a folder of e-invoices is imported with its progress and a report per file",
  "c. a statement is imported, matched and a proposal accepted",
  "d. today's reminders are sent to the SMTP server",
  "e. a dispute is opened on an invoice and resolved",
  "f. the palette finds a client by name and opens its page",
]);

/** Where the app keeps its demo dossier (Tauri's app data folder for fr.encours.desktop). */
const DEMO_FILE = join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "fr.encours.desktop", "demo.encours");

/** The temporary folders this run made, removed at the end. */
const scratchFolders = [];
function scratch(what) {
  const folder = mkdtempSync(join(tmpdir(), `encours-e2e-${what}-`));
  scratchFolders.push(folder);
  return folder;
}

/** A temporary folder of `count` e-invoices of the corpus: Factur-X PDFs, then UBL files. */
function invoiceFolder(count) {
  const folder = scratch("inbox");
  const pick = (dir, ext) =>
    readdirSync(join(CORPUS, dir))
      .filter((name) => name.toLowerCase().endsWith(ext))
      .sort()
      .map((name) => join(CORPUS, dir, name));
  const files = [...pick("facturx", ".pdf").slice(0, count / 2), ...pick("ubl", ".xml")].slice(0, count);
  for (const file of files) copyFileSync(file, join(folder, basename(file)));
  return { folder, files: files.map((file) => join(folder, basename(file))) };
}

if (!process.env.APP || !CLI) {
  console.error("APP and ENCOURS_CLI must be set (see tests/e2e/run.sh)");
  finish();
}

// A first run: earlier specs used (and changed) the demo; keep their file aside, the app makes a new one.
for (const suffix of ["", "-wal", "-shm"]) {
  if (existsSync(DEMO_FILE + suffix)) renameSync(DEMO_FILE + suffix, `${DEMO_FILE}.before-journeys${suffix}`);
}

let smtp;
await withSession(
  "journeys",
  async (browser) => {
    // --- a. First run → open the demo → dashboard ------------------------------------------
    await browser.$("#welcome-title").waitForExist({ timeout: 30_000 });
    const welcomed = !(await browser.$("#dossier-path").isExisting());
    const dossierPath = await openDemo(browser);
    await browser.$("#dashboard-dso").waitForExist({ timeout: 60_000 });
    const balance = await browser.$("#summary-open-balance").getAttribute("data-value");
    const dso = await browser.$("#dashboard-dso").getAttribute("data-value");
    const status = cliJson(dossierPath, ["status", "--json"]);
    record(
      "a. first run: the demo opens on a dashboard with its figures",
      welcomed && dossierPath === DEMO_FILE && balance === status.open_balance && Boolean(dso),
      `welcome shown: ${welcomed}; ${dossierPath}: open balance ${balance} (CLI ${status.open_balance}), DSO ${dso}`,
    );
    await shot(browser, "journey-a-dashboard");

    // --- b. A folder of e-invoices, with progress and a report ------------------------------
    const inbox = invoiceFolder(20);
    const inspected = inspectInvoices(inbox.files);
    const report = await importThroughWindow(browser, inbox.folder);
    const progress = report.progressSeen;
    record(
      "b. a folder of e-invoices is imported with its progress and a report per file",
      progress !== null &&
        progress.total === inbox.files.length &&
        report.rows === inbox.files.length &&
        report.imported + report.duplicates === inspected.readable &&
        report.failed === inspected.errors &&
        report.imported > 0,
      `${inbox.files.length} files in ${inbox.folder}; progress bar seen: ${JSON.stringify(progress)}; report: ` +
        `${report.imported} imported, ${report.duplicates} duplicates, ${report.failed} failed, ${report.rows} lines; ` +
        `CLI: ${inspected.readable} readable, ${inspected.errors} errors`,
    );
    await (await browser.$("#import-report")).scrollIntoView();
    await shot(browser, "journey-b-import");

    // --- c. Reconcile a statement ------------------------------------------------------------
    // A folder with both statements (Enter in the path field starts the import: one path).
    const bankFolder = scratch("bank");
    const statements = [join(bankFolder, "camt053.v8.xml"), join(bankFolder, "releve-demo.xml")];
    copyFileSync(join(CORPUS, "bank", "camt053.v8.xml"), statements[0]);
    execFileSync(CLI, ["--dossier", dossierPath, "bank", "simulate", "--out", statements[1], "--payments", "40"], {
      env: process.env,
      encoding: "utf8",
      timeout: 60_000,
    });
    const credits = statementCredits(statements);
    const bankImport = await importThroughWindow(browser, bankFolder);
    await goTo(browser, "reconciliation", "#reconciliation-unmatched-count");
    const unmatched = await numberValue(browser, "#reconciliation-unmatched-count");
    const dry = cliJson(dossierPath, ["match", "--json"]);
    const auto = await runMatchingInWindow(browser, dry.autoMatched);
    const manualShownBefore = await numberValue(browser, "#reconciliation-manual-count");
    const manual = await acceptFirstProposal(browser, manualShownBefore + 1);
    record(
      "c. a statement is imported, matched and a proposal accepted",
      bankImport.rows === 2 && unmatched === credits && dry.autoMatched > 0 && auto === dry.autoMatched && manual === manualShownBefore + 1,
      `${bankImport.rows} statements imported, ${unmatched} lines to reconcile (CLI: ${credits} credits); ` +
        `matched automatically ${auto} (CLI dry run ${dry.autoMatched}); manual matches ${manualShownBefore} → ${manual}`,
    );
    await shot(browser, "journey-c-reconciliation");

    // --- d. Today's reminders, sent to a local SMTP server ------------------------------------
    const queued = await queueTodaysPlan(browser);
    smtp = await startSmtpServer();
    const { sent, failed } = await sendOutbox(browser, dossierPath, smtp);
    record(
      "d. today's reminders are sent to the SMTP server",
      queued.recorded > 0 && queued.error === "" && sent > 0 && smtp.messages.length === sent,
      `${queued.recorded} of ${queued.shown} planned actions queued; window: ${sent} sent, ${failed} failed; ` +
        `SMTP server: ${smtp.messages.length} messages`,
    );
    await (await browser.$("#outbox-sent")).scrollIntoView();
    await shot(browser, "journey-d-sent");

    // --- e. Open a dispute on an invoice and resolve it ---------------------------------------
    const invoice = overdueDemoInvoice(dossierPath, 1);
    const disputeId = await openDisputeByHand(browser, invoice, "price", "prix unitaire contesté par l'acheteur");
    const opened = cliJson(dossierPath, ["dispute", "show", disputeId, "--json"]);
    await resolveShownDispute(browser, "rejected", "prix conforme au devis signé");
    const resolved = cliJson(dossierPath, ["dispute", "show", disputeId, "--json"]);
    record(
      "e. a dispute is opened on an invoice and resolved",
      opened.summary.state === "open" &&
        opened.summary.invoices.includes(invoice.number) &&
        resolved.summary.state === "resolved" &&
        resolved.summary.outcome === "rejected",
      `dispute ${disputeId} on ${invoice.number}: ${opened.summary.state} → ${resolved.summary.state} (${resolved.summary.outcome})`,
    );
    await shot(browser, "journey-e-dispute");

    // --- f. Find a client with the palette ------------------------------------------------------
    // Two words of the invoice's client's name (enough to tell it from the others, as a user types).
    const typed = invoice.clientName.split(/\s+/).slice(0, 2).join(" ");
    await browser.keys(["Control", "k"]);
    const input = await browser.$("#palette-input");
    await input.waitForDisplayed({ timeout: 10_000 });
    await input.setValue(typed);
    const option = await browser.$(`#palette-client-${invoice.clientId}`);
    await option.waitForExist({ timeout: 10_000 });
    // The first entry is active after typing; move down to the client if something comes before it.
    for (let k = 0; k < 20 && (await option.getAttribute("aria-selected")) !== "true"; k++) await browser.keys(["ArrowDown"]);
    await shot(browser, "journey-f-palette", 300);
    await browser.keys(["Enter"]);
    const title = await browser.$(`#client-title[data-client="${invoice.clientId}"]`);
    await title.waitForExist({ timeout: 10_000 }).catch(() => {});
    const hash = await browser.execute(() => location.hash);
    record(
      "f. the palette finds a client by name and opens its page",
      (await title.isExisting()) && hash === `#client/${invoice.clientId}` && !(await browser.$("#palette").isExisting()),
      `typed "${typed}"; page ${hash}: ${(await title.isExisting()) ? await title.getText() : "not shown"}`,
    );
    await shot(browser, "journey-f-client");
  },
  {
    cleanup: () => {
      smtp?.server.close();
      for (const folder of scratchFolders) rmSync(folder, { recursive: true, force: true });
    },
  },
);
finish();
