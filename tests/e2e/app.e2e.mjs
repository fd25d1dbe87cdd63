// End-to-end test of the real Encours window (see run.sh for how it is started).
//
// Opens the demo dossier through the UI, then checks the figures the window shows against
// what the CLI reports for the same dossier file. Prints "e2e: N passed, M failed" last and
// exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(HERE, "artifacts");
// webdriverio is a devDependency of ui/ (one `npm ci` installs everything): resolve it from there.
const requireFromUi = createRequire(join(HERE, "..", "..", "ui", "package.json"));
const { remote } = requireFromUi("webdriverio");

const APP = process.env.APP;
const CLI = process.env.ENCOURS_CLI;
const DEMO_TIMEOUT_MS = 120_000;

/** @type {{ name: string, ok: boolean, detail: string }[]} */
const results = [];
const CHECKS = [
  "a missing dossier shows the DossierNotFound message",
  "demo opens and shows its summary",
  "open balance matches the CLI",
  "client count matches the CLI",
];
const MISSING_PATH = "/nonexistent-encours-e2e/missing.encours";

function record(name, ok, detail = "") {
  results.push({ name, ok, detail });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
}

function finish() {
  for (const name of CHECKS) {
    if (!results.some((r) => r.name === name)) record(name, false, "not run");
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

if (!APP || !CLI) {
  console.error("APP and ENCOURS_CLI must be set (see tests/e2e/run.sh)");
  finish();
}
mkdirSync(ARTIFACTS, { recursive: true });

let browser;
try {
  browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "warn",
    // A session that cannot start should fail in a minute, not after three two-minute retries.
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    capabilities: {
      browserName: "wry",
      "tauri:options": { application: APP },
      // Without it WebdriverIO 9 asks for BiDi and tauri-driver refuses the session.
      "wdio:enforceWebDriverClassic": true,
    },
  });

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
