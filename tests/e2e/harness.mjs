// What the end-to-end specs share: the checks they report, the WebDriver session of the real
// window, and where screenshots go. Each spec prints one line per check and a last line
// "e2e<label>: N passed, M failed", and exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(HERE, "artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

// webdriverio is a devDependency of ui/ (one `npm ci` installs everything): resolve it from there.
const requireFromUi = createRequire(join(HERE, "..", "..", "ui", "package.json"));
const { remote } = requireFromUi("webdriverio");

/**
 * The checks a spec runs: `record` prints each result; `finish` marks the ones never reached as
 * failed ("not run"), prints the counts and exits.
 */
export function checks(label, names) {
  /** @type {{ name: string, ok: boolean, detail: string }[]} */
  const results = [];
  const record = (name, ok, detail = "") => {
    results.push({ name, ok, detail });
    console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
  };
  const finish = () => {
    for (const name of names) {
      if (!results.some((r) => r.name === name)) record(name, false, "not run");
    }
    const passed = results.filter((r) => r.ok).length;
    console.log(`e2e${label ? ` ${label}` : ""}: ${passed} passed, ${results.length - passed} failed`);
    process.exit(passed === results.length ? 0 : 1);
  };
  return { record, finish };
}

/** The desktop binary under test (see run.sh). */
export const APP_PATH = process.env.APP;

/**
 * A WebDriver session on the app at `app`, through tauri-driver on port 4444 (see run.sh);
 * `options` adds to `tauri:options` (e.g. `args`, the app's command line).
 */
export function openSession(app, options = {}) {
  return remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "warn",
    // A session that cannot start should fail in a minute, not after three two-minute retries.
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    capabilities: {
      browserName: "wry",
      "tauri:options": { application: app, ...options },
      // Without it WebdriverIO 9 asks for BiDi and tauri-driver refuses the session.
      "wdio:enforceWebDriverClassic": true,
    },
  });
}

export const CLI = process.env.ENCOURS_CLI;
/** The shared test corpus lives next to the repository unless ENCOURS_CORPUS says otherwise. */
export const CORPUS = resolve(process.env.ENCOURS_CORPUS ?? join(HERE, "..", "..", "..", "shared", "corpus"));
/** Generating the demo on first use takes a while in a debug build on a loaded machine. */
export const DEMO_TIMEOUT_MS = 120_000;

/** Saves a screenshot of the window as artifacts/`name`.png once WebKit has painted its last frame. */
export async function shot(browser, name, settleMs = 500) {
  await browser.pause(settleMs);
  await browser.saveScreenshot(join(ARTIFACTS, `${name}.png`));
}

/**
 * Runs `encours [--dossier D] args…` with the test's environment (the same key lookup as the
 * app) and returns its JSON output; throws an Error with the command's standard error otherwise.
 */
export function cliJson(dossierPath, args) {
  const full = dossierPath ? ["--dossier", dossierPath, ...args] : args;
  try {
    const output = execFileSync(CLI, full, {
      env: process.env,
      encoding: "utf8",
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.parse(output);
  } catch (error) {
    const stderr = error && typeof error === "object" && "stderr" in error ? String(error.stderr).trim() : "";
    throw new Error(`\`encours ${full.join(" ")}\` failed: ${stderr || String(error)}`.slice(0, 400));
  }
}

/**
 * Waits for an open dossier's summary; throws if the window shows an error instead (`errorSelector`,
 * from the error table, with its code). Returns the dossier's path as the window shows it.
 */
export async function waitForSummary(browser, errorSelector = "#demo-error", timeout = DEMO_TIMEOUT_MS) {
  const balance = await browser.$("#summary-open-balance");
  const shownError = await browser.$(errorSelector);
  await browser.waitUntil(async () => (await balance.isExisting()) || (await shownError.isExisting()), {
    timeout,
    interval: 250,
    timeoutMsg: `no summary after ${timeout / 1000} s`,
  });
  if (await shownError.isExisting()) {
    const code = await shownError.getAttribute("data-code");
    throw new Error(`the window shows an error (${code}): ${await shownError.getText()}`);
  }
  return (await browser.$("#dossier-path").getProperty("textContent")).trim();
}

/** Clicks "open the demo" on the welcome screen and returns the demo dossier's path. */
export async function openDemo(browser) {
  const demoButton = await browser.$("#open-demo");
  await demoButton.waitForEnabled({ timeout: 30_000 });
  await demoButton.click();
  return waitForSummary(browser);
}

/** Reads a `data-value` attribute as a number (NaN when missing or empty). */
export async function numberValue(browser, selector) {
  const element = await browser.$(selector);
  if (!(await element.isExisting())) return Number.NaN;
  const value = await element.getAttribute("data-value");
  return value === null || value === "" ? Number.NaN : Number(value);
}

/** Opens a section from the sidebar and waits for an element of its page. */
export async function goTo(browser, section, readySelector, timeout = 30_000) {
  await browser.$(`#nav-${section}`).click();
  await browser.$(readySelector).waitForExist({ timeout });
}

/**
 * Imports what `paths` names (files or folders, one per line) through the Imports screen and waits
 * for the report. Returns its counts and, from an observer put in the page before the import starts,
 * the largest progress the bar showed (`progressSeen`: {done, total} or null if it never showed).
 */
export async function importThroughWindow(browser, paths, timeout = 120_000) {
  await goTo(browser, "imports", "#import-path");
  await browser.execute(() => {
    const seen = { done: -1, total: -1, shown: false };
    window.__e2eImportProgress = seen;
    const look = () => {
      const bar = document.getElementById("import-progress");
      if (!bar) return;
      seen.shown = true;
      seen.done = Math.max(seen.done, Number(bar.getAttribute("data-done") ?? -1));
      seen.total = Math.max(seen.total, Number(bar.getAttribute("data-total") ?? -1));
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  // The report of an earlier import may still be on the page: mark it, and wait for a new one.
  await browser.execute(() => document.getElementById("import-report")?.setAttribute("data-e2e-earlier", ""));
  const field = await browser.$("#import-path");
  await field.setValue(paths);
  await browser.$("#import-submit").click();
  const report = await browser.$("#import-report:not([data-e2e-earlier])");
  const importError = await browser.$("#import-error");
  await browser.waitUntil(
    async () =>
      (await importError.isExisting()) ||
      ((await report.isExisting()) && !(await browser.$("#import-progress").isExisting())),
    { timeout, interval: 250, timeoutMsg: `no import report after ${timeout / 1000} s` },
  );
  if (await importError.isExisting()) {
    throw new Error(`the import was rejected (${await importError.getAttribute("data-code")}): ${await importError.getText()}`);
  }
  const progress = await browser.execute(() => window.__e2eImportProgress);
  return {
    imported: await numberValue(browser, "#import-count-imported"),
    duplicates: await numberValue(browser, "#import-count-duplicates"),
    failed: await numberValue(browser, "#import-count-failed"),
    rows: (await browser.$$("#import-table tbody tr")).length,
    progressSeen: progress?.shown ? { done: progress.done, total: progress.total } : null,
  };
}

/**
 * Queues today's whole plan from "Plan du jour" (the actions are recorded in the outbox, nothing
 * is sent) and returns {shown, recorded, left, error}: the planned actions before, those the
 * report says were recorded, those left in the plan, and the error shown, if any.
 */
export async function queueTodaysPlan(browser) {
  await goTo(browser, "dailyPlan", "#plan-count-actions", 60_000);
  const shown = await numberValue(browser, "#plan-count-actions");
  const queue = await browser.$("#plan-queue");
  await queue.waitForEnabled({ timeout: 30_000 });
  await queue.click();
  await browser.$("#plan-report-recorded").waitForExist({ timeout: 120_000 });
  await browser.$("#plan-queue").waitForEnabled({ timeout: 120_000 });
  const error = await browser.$("#plan-error");
  return {
    shown,
    recorded: await numberValue(browser, "#plan-report-recorded"),
    left: await numberValue(browser, "#plan-count-actions"),
    error: (await error.isExisting()) ? await error.getText() : "",
  };
}

/**
 * Points the dossier's SMTP settings at `smtp` (a server from startSmtpServer) with the CLI, sends
 * the outbox from "Plan du jour" and returns {sent, failed} as the window reports them, once the
 * server has received as many messages as were sent (or 10 s have passed).
 */
export async function sendOutbox(browser, dossierPath, smtp) {
  execFileSync(
    CLI,
    ["--dossier", dossierPath, "settings", "smtp", "--host", "127.0.0.1", "--port", String(smtp.port),
      "--security", "plain-local", "--from", "relances@atelier-demo.fr"],
    { env: process.env, encoding: "utf8", timeout: 60_000 },
  );
  await browser.$("#outbox-send").click();
  await browser.$("#outbox-sent-count").waitForExist({ timeout: 120_000 });
  const sent = await numberValue(browser, "#outbox-sent-count");
  const failed = await numberValue(browser, "#outbox-failed-count");
  await browser.waitUntil(async () => smtp.messages.length >= sent, { timeout: 10_000, interval: 100 }).catch(() => {});
  return { sent, failed };
}

/**
 * A minimal SMTP server on 127.0.0.1 (no TLS, no AUTH: the dossier is set to `plain-local`, which
 * Encours allows only towards this machine). Collects each message as sent after DATA.
 */
export function startSmtpServer() {
  const messages = [];
  const server = net.createServer((socket) => {
    socket.setEncoding("latin1");
    let pending = "";
    let data = null;
    socket.write("220 localhost ESMTP encours-e2e\r\n");
    socket.on("data", (chunk) => {
      pending += chunk;
      let end;
      while ((end = pending.indexOf("\r\n")) >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (data !== null) {
          if (line === ".") {
            messages.push(data);
            data = null;
            socket.write("250 2.0.0 queued\r\n");
          } else {
            data += `${line.startsWith("..") ? line.slice(1) : line}\r\n`;
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") socket.write("250-localhost\r\n250 8BITMIME\r\n");
        else if (verb === "HELO" || verb === "MAIL" || verb === "RCPT" || verb === "RSET" || verb === "NOOP") {
          socket.write("250 2.0.0 ok\r\n");
        } else if (verb === "DATA") {
          data = "";
          socket.write("354 end with <CRLF>.<CRLF>\r\n");
        } else if (verb === "QUIT") {
          socket.end("221 2.0.0 bye\r\n");
        } else socket.write("502 5.5.2 not implemented\r\n");
      }
    });
    socket.on("error", () => {});
  });
  return new Promise((resolveServer) => {
    server.listen(0, "127.0.0.1", () => resolveServer({ server, port: server.address().port, messages }));
  });
}

/** An overdue invoice of the demo's own numbering (F2025-001219), from `encours items --overdue`. */
export function overdueDemoInvoice(dossierPath, skip = 0) {
  // The corpus files imported by other specs reuse numbers across dates ("471102" four times),
  // which a number cannot pick.
  const items = cliJson(dossierPath, ["items", "--overdue", "--limit", "500", "--json"]);
  const own = (items.items ?? []).filter((i) => i.kind === "invoice" && /^F\d{4}-\d{6}$/.test(i.number));
  const invoice = own[skip];
  if (!invoice) throw new Error("the demo has no overdue invoice of its own numbering");
  return invoice;
}

/** Opens a dispute by hand on `invoice` from "Litiges"; returns its id once its dossier shows. */
export async function openDisputeByHand(browser, invoice, reason = "delivery", note = "livraison incomplète selon l'acheteur") {
  await goTo(browser, "disputes", "#disputes-page");
  await browser.$("#dispute-new").click();
  await browser.$("#dispute-new-invoices").setValue(invoice.number);
  await browser.$("#dispute-new-client").setValue(String(invoice.clientId));
  await browser.$("#dispute-new-reason").selectByAttribute("value", reason);
  await browser.$("#dispute-new-note").setValue(note);
  await browser.$("#dispute-new-submit").click();
  const dossier = await browser.$("#dispute-dossier");
  await dossier.waitForExist({ timeout: 30_000 });
  await browser.$("#dispute-reason").waitForExist({ timeout: 30_000 });
  return dossier.getAttribute("data-id");
}

/** Resolves the dispute whose dossier is shown with `outcome` and waits until it says "resolved". */
export async function resolveShownDispute(browser, outcome, note) {
  await browser.$("#dispute-resolve-outcome").selectByAttribute("value", outcome);
  await browser.$("#dispute-resolve-note").setValue(note);
  await browser.$("#dispute-resolve-submit").click();
  await browser.waitUntil(async () => (await browser.$("#dispute-state").getAttribute("data-value")) === "resolved", {
    timeout: 30_000,
    interval: 200,
  });
}

/**
 * Runs a spec's body with a session on the app, then ends it: an error is printed with a screenshot
 * (artifacts/`label`-failure.png), and `cleanup` runs in any case; `options` go to openSession.
 */
export async function withSession(label, body, { cleanup = () => {}, options = {} } = {}) {
  let browser;
  try {
    browser = await openSession(APP_PATH, options);
    await body(browser);
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    if (browser) {
      try {
        await browser.saveScreenshot(join(ARTIFACTS, `${label}-failure.png`));
        console.error(`screenshot: ${join(ARTIFACTS, `${label}-failure.png`)}`);
      } catch {
        // the window may be gone
      }
    }
  } finally {
    await cleanup();
    if (browser) {
      try {
        await browser.deleteSession();
      } catch {
        // tauri-driver may already have closed the app
      }
    }
  }
}

/**
 * Runs the automatic matching from "Rapprochement" and waits until the dossier's automatic
 * matches shown reach `expected` (or 60 s pass); returns the count shown.
 */
export async function runMatchingInWindow(browser, expected) {
  await goTo(browser, "reconciliation", "#reconciliation-auto-count");
  await browser.$("#run-matching").click();
  let shown = Number.NaN;
  await browser
    .waitUntil(async () => (shown = await numberValue(browser, "#reconciliation-auto-count")) === expected, {
      timeout: 60_000,
      interval: 250,
    })
    .catch(() => {});
  return shown;
}

/**
 * Accepts the first proposal "Rapprochement" shows and waits until the manual matches shown reach
 * `expected` (or 30 s pass); returns the count shown (NaN when there was no proposal to accept).
 */
export async function acceptFirstProposal(browser, expected) {
  const accept = await browser.$(".accept-proposal");
  if (!(await accept.isExisting())) return Number.NaN;
  await accept.scrollIntoView();
  await accept.click();
  let manual = Number.NaN;
  await browser
    .waitUntil(async () => (manual = await numberValue(browser, "#reconciliation-manual-count")) === expected, {
      timeout: 30_000,
      interval: 250,
    })
    .catch(() => {});
  return manual;
}

/** The credit lines (money in) of the bank statements in `files`, as `encours bank inspect` reads them. */
export function statementCredits(files) {
  return cliJson(null, ["bank", "inspect", "--json", ...files])
    .flatMap((file) => file.statements ?? [])
    .flatMap((st) => st.entries)
    .filter((entry) => !entry.amount.startsWith("-")).length;
}

/** The files an import of `folder` reads: PDF and XML files, recursively, sorted. */
export function invoiceFiles(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(pdf|xml)$/i.test(entry.name))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** What `encours einvoice inspect` reads in `files`, without a dossier: {readable, errors}. */
export function inspectInvoices(files) {
  const inspected = cliJson(null, ["einvoice", "inspect", "--json", ...files]);
  if (!Array.isArray(inspected) || inspected.length !== files.length) {
    throw new Error(`einvoice inspect returned ${inspected?.length} entries for ${files.length} files`);
  }
  const errors = inspected.filter((entry) => Object.hasOwn(entry, "error")).length;
  return { readable: inspected.length - errors, errors };
}
