// End-to-end test of the real Encours window (see run.sh for how it is started).
//
// Opens the demo dossier through the UI, then checks the figures the window shows against
// what the CLI reports for the same dossier file; then checks the dashboard's aged balance against
// `encours report aging` for the dashboard's date and opens its oldest bucket, whose invoice list
// must add up to it (and agree with `encours items`); then imports the corpus's CII folder into the
// demo dossier through the Imports screen and checks the report against `encours einvoice
// inspect`; then imports a bank statement of the demo's clients (`encours bank simulate`), runs
// the automatic lettrage from the Rapprochement screen and accepts a proposal. Prints "e2e: N passed, M failed" last and exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import {
  ARTIFACTS,
  CLI,
  CORPUS,
  DEMO_TIMEOUT_MS,
  acceptFirstProposal,
  checks,
  cliJson,
  importThroughWindow,
  inspectInvoices,
  invoiceFiles,
  numberValue,
  runMatchingInWindow,
  shot,
  statementCredits,
  waitForSummary,
  withSession,
} from "./harness.mjs";

const APP = process.env.APP;
const IMPORT_FOLDER = join(CORPUS, "cii");

const { record, finish } = checks("", [
  "a missing dossier shows the DossierNotFound message",
  "demo opens and shows its summary",
  "open balance matches the CLI",
  "client count matches the CLI",
  "the dashboard's aged balance matches encours report aging",
  "the invoices listed under a bucket add up to it",
  "the Imports screen opens from the sidebar",
  "import counts match the CLI inspection of the same files",
  "the dashboard invoice count grows by the imported count",
  "a bank statement imported through the Imports screen lists its credits to reconcile",
  "the automatic run matches what the CLI dry run announced",
  "accepting a proposal makes the payment a manual match",
]);
const MISSING_PATH = "/nonexistent-encours-e2e/missing.encours";

if (!APP || !CLI) {
  console.error("APP and ENCOURS_CLI must be set (see tests/e2e/run.sh)");
  finish();
}

await withSession("app", async (browser) => {
  // The session is returned before the page has loaded.
  const demoButton = await browser.$("#open-demo");
  await demoButton.waitForExist({ timeout: 30_000 });

  // A backend error reaches the window as a code from the error table, with the message as detail.
  await browser.$("#open-path").setValue(MISSING_PATH);
  await browser.$("#open-submit").click();
  const openError = await browser.$("#open-error");
  await openError.waitForExist({ timeout: 10_000 });
  const errorCode = await openError.getAttribute("data-code");
  const errorText = await openError.getText();
  record(
    "a missing dossier shows the DossierNotFound message",
    errorCode === "DossierNotFound" && errorText.includes("Dossier introuvable") && errorText.includes(MISSING_PATH),
    `${errorCode}: ${errorText.replace(/\s+/g, " ")}`,
  );
  await shot(browser, "welcome-error");

  await demoButton.waitForEnabled({ timeout: 10_000 });
  await demoButton.click();
  // Wait for the summary, or stop early if the window shows an error from the error table.
  const dossierPath = await waitForSummary(browser);
  const shownBalance = await browser.$("#summary-open-balance").getAttribute("data-value");
  const shownBalanceText = await browser.$("#summary-open-balance").getText();
  const shownClientsText = await browser.$("#summary-clients").getText();
  const shownClients = shownClientsText.replace(/\D/g, "");
  record(
    "demo opens and shows its summary",
    Boolean(shownBalance && dossierPath && shownClients),
    `${dossierPath}: ${shownBalanceText} (${shownBalance}), ${shownClientsText} clients`,
  );
  await shot(browser, "summary");

  // The CLI reads the same file with the same key lookup (environment passed through unchanged).
  const status = cliJson(dossierPath, ["status", "--json"]);
  const cliBalance = status.open_balance;
  record(
    "open balance matches the CLI",
    typeof cliBalance === "string" && cliBalance === shownBalance,
    `window ${JSON.stringify(shownBalance)}, CLI ${JSON.stringify(cliBalance)}`,
  );
  record(
    "client count matches the CLI",
    Number.isSafeInteger(status.clients) && String(status.clients) === shownClients,
    `window ${JSON.stringify(shownClientsText)}, CLI ${JSON.stringify(status.clients)}`,
  );

  // --- Dashboard: a figure against `encours report aging`, then the invoices behind it --------
  const bucketShown = (index) => browser.$(`#dashboard-aging-bucket-${index}`);
  await (await bucketShown(4)).waitForExist({ timeout: DEMO_TIMEOUT_MS });
  const asOf = await browser.$("#dashboard-as-of").getAttribute("data-value");
  const aging = cliJson(dossierPath, ["report", "aging", "--as-of", asOf, "--json"]);
  const cliTotal = aging.byClient.total;
  // The oldest overdue bucket holding something ("> 90 j" on the demo portfolio).
  let bucket = 4;
  while (bucket > 1 && /^-?0+(\.0+)?$/.test(cliTotal.buckets[bucket])) bucket--;
  const bucketButton = await bucketShown(bucket);
  const shownBucket = await bucketButton.getAttribute("data-value");
  const shownAgingTotal = await browser.$("#dashboard-aging-total").getAttribute("data-value");
  record(
    "the dashboard's aged balance matches encours report aging",
    typeof asOf === "string" && shownBucket === cliTotal.buckets[bucket] && shownAgingTotal === cliTotal.total,
    `as of ${asOf}: bucket ${bucket} window ${JSON.stringify(shownBucket)}, CLI ${JSON.stringify(cliTotal.buckets[bucket])}; ` +
      `total window ${JSON.stringify(shownAgingTotal)}, CLI ${JSON.stringify(cliTotal.total)}`,
  );

  // The key figures at the top of the window, the aged balance and the forecast under them.
  await browser.execute(() => document.getElementById("dashboard")?.scrollIntoView({ block: "start" }));
  // The pointer off the charts (it is where the demo button was): no tooltip in the picture.
  await browser.action("pointer").move({ x: 5, y: 5 }).perform();
  await shot(browser, "dashboard", 1500); // the charts' entry animation, then WebKit's last frame

  await bucketButton.click();
  const itemsTotal = await browser.$("#dashboard-items-total");
  await itemsTotal.waitForExist({ timeout: 30_000 }).catch(() => {});
  const listTotal = (await itemsTotal.isExisting()) ? await itemsTotal.getAttribute("data-value") : null;
  const itemsSummary = await browser.$("#dashboard-items-summary");
  const listCount = (await itemsSummary.isExisting()) ? Number(await itemsSummary.getAttribute("data-count")) : Number.NaN;
  const listRows = (await browser.$$("#dashboard-items tbody tr")).length;
  const cliItems = cliJson(dossierPath, ["items", "--as-of", asOf, "--bucket", String(bucket), "--limit", "0", "--json"]);
  record(
    "the invoices listed under a bucket add up to it",
    listTotal === shownBucket && cliItems.total === shownBucket && listCount === cliItems.count && listRows > 0,
    `list total ${JSON.stringify(listTotal)} of ${listCount} items (${listRows} shown), bucket ${JSON.stringify(shownBucket)}; ` +
      `encours items: ${JSON.stringify(cliItems.total)} of ${cliItems.count}`,
  );
  await browser.execute(() => document.getElementById("dashboard-drill")?.scrollIntoView({ block: "start" }));
  await shot(browser, "dashboard-drill");
  await browser.$("#dashboard-drill-close").click();
  await browser.execute(() => document.getElementById("company-name")?.scrollIntoView({ block: "start" }));

  // --- Imports: the corpus's CII folder into the demo dossier --------------------------------
  // What the CLI reads in the same files, without a dossier: readable invoices vs errors.
  const files = invoiceFiles(IMPORT_FOLDER);
  if (files.length === 0) throw new Error(`no PDF or XML file under ${IMPORT_FOLDER} (set ENCOURS_CORPUS)`);
  const cli = inspectInvoices(files);
  const invoicesBefore = await numberValue(browser, "#summary-invoices");

  const report = await importThroughWindow(browser, IMPORT_FOLDER);
  const importsCurrent = await browser.$("#nav-imports").getAttribute("aria-current");
  record(
    "the Imports screen opens from the sidebar",
    importsCurrent === "page" && (await browser.$("#import-drop").isExisting()),
    `aria-current=${importsCurrent}`,
  );
  const { imported, duplicates, failed, rows } = report;
  record(
    "import counts match the CLI inspection of the same files",
    imported + duplicates === cli.readable && failed === cli.errors && rows === files.length,
    `window ${imported} imported + ${duplicates} duplicates, ${failed} failed, ${rows} rows; ` +
      `CLI ${cli.readable} readable, ${cli.errors} errors, ${files.length} files`,
  );
  await (await browser.$("#import-report")).scrollIntoView();
  await shot(browser, "import-report");

  await browser.$("#nav-dashboard").click();
  await browser.$("#summary-invoices").waitForExist({ timeout: 10_000 });
  let invoicesAfter = Number.NaN;
  await browser
    .waitUntil(async () => (invoicesAfter = await numberValue(browser, "#summary-invoices")) === invoicesBefore + imported, {
      timeout: 10_000,
      interval: 250,
    })
    .catch(() => {});
  record(
    "the dashboard invoice count grows by the imported count",
    Number.isSafeInteger(invoicesBefore) && invoicesAfter === invoicesBefore + imported,
    `before ${invoicesBefore}, after ${invoicesAfter}, imported ${imported}`,
  );

  // --- Reconciliation: a statement of the demo's clients, matched from the window ------------
  const statementFile = join(ARTIFACTS, "releve-demo.xml");
  execFileSync(CLI, ["--dossier", dossierPath, "bank", "simulate", "--out", statementFile, "--payments", "60"], {
    env: process.env,
    encoding: "utf8",
    timeout: 60_000,
  });
  const credits = statementCredits([statementFile]);
  const statement = await importThroughWindow(browser, statementFile);
  if (statement.rows !== 1) throw new Error(`the statement's import report has ${statement.rows} rows`);

  await browser.$("#nav-reconciliation").click();
  await browser.$("#reconciliation-unmatched-count").waitForExist({ timeout: 30_000 });
  let unmatched = Number.NaN;
  await browser
    .waitUntil(async () => (unmatched = await numberValue(browser, "#reconciliation-unmatched-count")) === credits, {
      timeout: 30_000,
      interval: 250,
    })
    .catch(() => {});
  record(
    "a bank statement imported through the Imports screen lists its credits to reconcile",
    unmatched === credits && (await browser.$$("[data-payment-id]")).length > 0,
    `window ${unmatched} to reconcile, CLI ${credits} credits in ${statementFile}`,
  );
  await shot(browser, "reconciliation-before");

  const dry = cliJson(dossierPath, ["match", "--json"]);
  const autoMatched = await runMatchingInWindow(browser, dry.autoMatched);
  record(
    "the automatic run matches what the CLI dry run announced",
    dry.autoMatched > 0 && autoMatched === dry.autoMatched,
    `window ${autoMatched} matched automatically, CLI dry run ${dry.autoMatched} of ${dry.considered}`,
  );
  await shot(browser, "reconciliation-after-run");

  const manual = await acceptFirstProposal(browser, 1);
  record("accepting a proposal makes the payment a manual match", manual === 1, `manual matches after accepting: ${manual}`);
  await shot(browser, "reconciliation-accepted");
});
finish();
