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
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ARTIFACTS, HERE, checks, openSession } from "./harness.mjs";

const APP = process.env.APP;
const CLI = process.env.ENCOURS_CLI;
const DEMO_TIMEOUT_MS = 120_000;
const IMPORT_TIMEOUT_MS = 120_000;
// The shared test corpus lives next to the repository unless ENCOURS_CORPUS says otherwise.
const CORPUS = resolve(process.env.ENCOURS_CORPUS ?? join(HERE, "..", "..", "..", "shared", "corpus"));
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

/** The files an import of `folder` reads: PDF and XML files, recursively, sorted. */
function invoiceFiles(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(pdf|xml)$/i.test(entry.name))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** Reads a `data-value` attribute as an integer (NaN when missing). */
async function intValue(element) {
  const value = await element.getAttribute("data-value");
  return value === null || value === "" ? Number.NaN : Number(value);
}

if (!APP || !CLI) {
  console.error("APP and ENCOURS_CLI must be set (see tests/e2e/run.sh)");
  finish();
}

let browser;
try {
  browser = await openSession(APP);

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

  await browser.pause(500);
  await browser.saveScreenshot(join(ARTIFACTS, "welcome-error.png"));

  await demoButton.waitForEnabled({ timeout: 10_000 });
  await demoButton.click();

  // Wait for the summary, or stop early if the window shows an error from the error table.
  const balance = await browser.$("#summary-open-balance");
  const demoError = await browser.$("#demo-error");
  await browser.waitUntil(async () => (await balance.isExisting()) || (await demoError.isExisting()), {
    timeout: DEMO_TIMEOUT_MS,
    interval: 250,
    timeoutMsg: `no summary after ${DEMO_TIMEOUT_MS / 1000} s`,
  });
  if (await demoError.isExisting()) {
    const code = await demoError.getAttribute("data-code");
    throw new Error(`the window shows an error (${code}): ${await demoError.getText()}`);
  }

  const shownBalance = await balance.getAttribute("data-value");
  const shownBalanceText = await balance.getText();
  const dossierPath = (await browser.$("#dossier-path").getProperty("textContent")).trim();
  const clientsElement = await browser.$("#summary-clients");
  const shownClientsText = await clientsElement.getText();
  const shownClients = shownClientsText.replace(/\D/g, "");
  record(
    "demo opens and shows its summary",
    Boolean(shownBalance && dossierPath && shownClients),
    `${dossierPath}: ${shownBalanceText} (${shownBalance}), ${shownClientsText} clients`,
  );

  await browser.pause(500); // let WebKit paint the last frame before the screenshot
  await browser.saveScreenshot(join(ARTIFACTS, "summary.png"));

  // The CLI reads the same file with the same key lookup (environment passed through unchanged).
  const output = execFileSync(CLI, ["--dossier", dossierPath, "status", "--json"], {
    env: process.env,
    encoding: "utf8",
    timeout: 60_000,
  });
  const status = JSON.parse(output);

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
  const aging = JSON.parse(
    execFileSync(CLI, ["--dossier", dossierPath, "report", "aging", "--as-of", asOf, "--json"], {
      env: process.env,
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
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
  await browser.pause(1500); // the charts' entry animation, then WebKit's last frame
  await browser.saveScreenshot(join(ARTIFACTS, "dashboard.png"));

  await bucketButton.click();
  const itemsTotal = await browser.$("#dashboard-items-total");
  await itemsTotal.waitForExist({ timeout: 30_000 }).catch(() => {});
  const listTotal = (await itemsTotal.isExisting()) ? await itemsTotal.getAttribute("data-value") : null;
  const itemsSummary = await browser.$("#dashboard-items-summary");
  const listCount = (await itemsSummary.isExisting()) ? Number(await itemsSummary.getAttribute("data-count")) : Number.NaN;
  const listRows = (await browser.$$("#dashboard-items tbody tr")).length;
  const cliItems = JSON.parse(
    execFileSync(
      CLI,
      ["--dossier", dossierPath, "items", "--as-of", asOf, "--bucket", String(bucket), "--limit", "0", "--json"],
      { env: process.env, encoding: "utf8", timeout: 60_000 },
    ),
  );
  record(
    "the invoices listed under a bucket add up to it",
    listTotal === shownBucket && cliItems.total === shownBucket && listCount === cliItems.count && listRows > 0,
    `list total ${JSON.stringify(listTotal)} of ${listCount} items (${listRows} shown), bucket ${JSON.stringify(shownBucket)}; ` +
      `encours items: ${JSON.stringify(cliItems.total)} of ${cliItems.count}`,
  );
  await browser.execute(() => document.getElementById("dashboard-drill")?.scrollIntoView({ block: "start" }));
  await browser.pause(500);
  await browser.saveScreenshot(join(ARTIFACTS, "dashboard-drill.png"));
  await browser.$("#dashboard-drill-close").click();
  await browser.execute(() => document.getElementById("company-name")?.scrollIntoView({ block: "start" }));

  // --- Imports: the corpus's CII folder into the demo dossier --------------------------------
  // What the CLI reads in the same files, without a dossier: readable invoices vs errors.
  const files = invoiceFiles(IMPORT_FOLDER);
  if (files.length === 0) throw new Error(`no PDF or XML file under ${IMPORT_FOLDER} (set ENCOURS_CORPUS)`);
  const inspected = JSON.parse(
    execFileSync(CLI, ["einvoice", "inspect", "--json", ...files], {
      env: process.env,
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
  if (!Array.isArray(inspected) || inspected.length !== files.length) {
    throw new Error(`einvoice inspect returned ${inspected?.length} entries for ${files.length} files`);
  }
  const cliErrors = inspected.filter((entry) => Object.hasOwn(entry, "error")).length;
  const cliReadable = inspected.length - cliErrors;

  const invoicesBefore = await intValue(await browser.$("#summary-invoices"));

  const importsLink = await browser.$("#nav-imports");
  await importsLink.click();
  const pathField = await browser.$("#import-path");
  await pathField.waitForExist({ timeout: 10_000 });
  record(
    "the Imports screen opens from the sidebar",
    (await importsLink.getAttribute("aria-current")) === "page" && (await browser.$("#import-drop").isExisting()),
    `aria-current=${await importsLink.getAttribute("aria-current")}`,
  );

  await pathField.setValue(IMPORT_FOLDER);
  await browser.$("#import-submit").click();
  const report = await browser.$("#import-report");
  const importError = await browser.$("#import-error");
  await browser.waitUntil(async () => (await report.isExisting()) || (await importError.isExisting()), {
    timeout: IMPORT_TIMEOUT_MS,
    interval: 250,
    timeoutMsg: `no import report after ${IMPORT_TIMEOUT_MS / 1000} s`,
  });
  if (await importError.isExisting()) {
    const code = await importError.getAttribute("data-code");
    throw new Error(`the import was rejected (${code}): ${await importError.getText()}`);
  }

  const imported = await intValue(await browser.$("#import-count-imported"));
  const duplicates = await intValue(await browser.$("#import-count-duplicates"));
  const failed = await intValue(await browser.$("#import-count-failed"));
  const rows = (await browser.$$("#import-table tbody tr")).length;
  record(
    "import counts match the CLI inspection of the same files",
    imported + duplicates === cliReadable && failed === cliErrors && rows === files.length,
    `window ${imported} imported + ${duplicates} duplicates, ${failed} failed, ${rows} rows; ` +
      `CLI ${cliReadable} readable, ${cliErrors} errors, ${files.length} files`,
  );

  await report.scrollIntoView();
  await browser.pause(500); // let WebKit paint the last frame before the screenshot
  await browser.saveScreenshot(join(ARTIFACTS, "import-report.png"));

  await browser.$("#nav-dashboard").click();
  const invoicesElement = await browser.$("#summary-invoices");
  await invoicesElement.waitForExist({ timeout: 10_000 });
  let invoicesAfter = Number.NaN;
  await browser
    .waitUntil(
      async () => {
        invoicesAfter = await intValue(invoicesElement);
        return invoicesAfter === invoicesBefore + imported;
      },
      { timeout: 10_000, interval: 250 },
    )
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
  const bank = JSON.parse(
    execFileSync(CLI, ["bank", "inspect", "--json", statementFile], { env: process.env, encoding: "utf8" }),
  );
  const credits = bank[0].statements
    .flatMap((st) => st.entries)
    .filter((entry) => !entry.amount.startsWith("-")).length;

  await browser.$("#nav-imports").click();
  await pathField.waitForExist({ timeout: 10_000 });
  await pathField.setValue(statementFile);
  await browser.$("#import-submit").click();
  await browser.waitUntil(
    async () => (await browser.$$("#import-table tbody tr")).length === 1 || (await importError.isExisting()),
    { timeout: IMPORT_TIMEOUT_MS, interval: 250, timeoutMsg: "no report for the bank statement" },
  );

  await browser.$("#nav-reconciliation").click();
  const unmatchedCount = await browser.$("#reconciliation-unmatched-count");
  await unmatchedCount.waitForExist({ timeout: 30_000 });
  let unmatched = Number.NaN;
  await browser
    .waitUntil(async () => (unmatched = await intValue(unmatchedCount)) === credits, { timeout: 30_000, interval: 250 })
    .catch(() => {});
  record(
    "a bank statement imported through the Imports screen lists its credits to reconcile",
    unmatched === credits && (await browser.$$("[data-payment-id]")).length > 0,
    `window ${unmatched} to reconcile, CLI ${credits} credits in ${statementFile}`,
  );
  await browser.pause(500);
  await browser.saveScreenshot(join(ARTIFACTS, "reconciliation-before.png"));

  const dry = JSON.parse(
    execFileSync(CLI, ["--dossier", dossierPath, "match", "--json"], { env: process.env, encoding: "utf8" }),
  );
  await browser.$("#run-matching").click();
  const autoCount = await browser.$("#reconciliation-auto-count");
  let autoMatched = Number.NaN;
  await browser
    .waitUntil(async () => (autoMatched = await intValue(autoCount)) === dry.autoMatched, {
      timeout: 60_000,
      interval: 250,
    })
    .catch(() => {});
  record(
    "the automatic run matches what the CLI dry run announced",
    dry.autoMatched > 0 && autoMatched === dry.autoMatched,
    `window ${autoMatched} matched automatically, CLI dry run ${dry.autoMatched} of ${dry.considered}`,
  );
  await browser.pause(500);
  await browser.saveScreenshot(join(ARTIFACTS, "reconciliation-after-run.png"));

  const accept = await browser.$(".accept-proposal");
  const manualCount = await browser.$("#reconciliation-manual-count");
  let manual = Number.NaN;
  if (await accept.isExisting()) {
    await accept.scrollIntoView();
    await accept.click();
    await browser
      .waitUntil(async () => (manual = await intValue(manualCount)) === 1, { timeout: 30_000, interval: 250 })
      .catch(() => {});
  }
  record(
    "accepting a proposal makes the payment a manual match",
    manual === 1,
    `manual matches after accepting: ${manual}`,
  );
  await browser.pause(500);
  await browser.saveScreenshot(join(ARTIFACTS, "reconciliation-accepted.png"));
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  if (browser) {
    try {
      await browser.saveScreenshot(join(ARTIFACTS, "failure.png"));
      console.error(`screenshot: ${join(ARTIFACTS, "failure.png")}`);
    } catch {
      // the window may be gone
    }
  }
} finally {
  if (browser) {
    try {
      await browser.deleteSession();
    } catch {
      // tauri-driver may already have closed the app
    }
  }
}
finish();
