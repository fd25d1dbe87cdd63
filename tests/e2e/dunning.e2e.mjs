// End-to-end test of the dunning screens in the real Encours window (see run.sh).
//
// Opens the demo, goes to "Plan du jour", checks that the window shows as many planned actions as
// `encours --dossier D dunning plan --json` computes on the same file, queues the whole plan
// (dunning_run: the actions are recorded in the outbox, nothing is sent), checks that the report
// says they were all recorded, then queues again and checks that nothing new is recorded (the core
// is idempotent). Screenshots of the plan, the report and the Relances page go to artifacts/.
//
// Prints "e2e dunning: N passed, M failed" last and exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(HERE, "artifacts");
const requireFromUi = createRequire(join(HERE, "..", "..", "ui", "package.json"));
const { remote } = requireFromUi("webdriverio");

const APP = process.env.APP;
const CLI = process.env.ENCOURS_CLI;
const DEMO_TIMEOUT_MS = 120_000;

const CHECKS = [
  "Plan du jour shows as many planned actions as the CLI",
  "queueing the plan records every planned action",
  "queueing again records nothing new",
];
/** @type {{ name: string, ok: boolean, detail: string }[]} */
const results = [];

function record(name, ok, detail = "") {
  results.push({ name, ok, detail });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
}

function finish() {
  for (const name of CHECKS) {
    if (!results.some((r) => r.name === name)) record(name, false, "not run");
  }
  const passed = results.filter((r) => r.ok).length;
  console.log(`e2e dunning: ${passed} passed, ${results.length - passed} failed`);
  process.exit(passed === results.length ? 0 : 1);
}

/** The number of planned actions the CLI computes, or an Error saying why there is none. */
function cliPlannedActions(dossierPath) {
  try {
    const output = execFileSync(CLI, ["--dossier", dossierPath, "dunning", "plan", "--json"], {
      env: process.env,
      encoding: "utf8",
      timeout: 120_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const plan = JSON.parse(output);
    const actions = plan.actions ?? plan.planned ?? null;
    if (!Array.isArray(actions)) return new Error(`no actions array in the CLI's JSON: ${output.slice(0, 200)}`);
    return actions.length;
  } catch (error) {
    const stderr = error && typeof error === "object" && "stderr" in error ? String(error.stderr).trim() : "";
    return new Error(`\`encours dunning plan --json\` failed: ${stderr || String(error)}`.slice(0, 400));
  }
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
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    capabilities: {
      browserName: "wry",
      "tauri:options": { application: APP },
      "wdio:enforceWebDriverClassic": true,
    },
  });

  const demoButton = await browser.$("#open-demo");
  await demoButton.waitForEnabled({ timeout: 30_000 });
  await demoButton.click();
  await browser.$("#summary-open-balance").waitForExist({ timeout: DEMO_TIMEOUT_MS });
  const dossierPath = (await browser.$("#dossier-path").getProperty("textContent")).trim();

  await browser.$("#nav-dailyPlan").click();
  const shownCount = await browser.$("#plan-count-actions");
  await shownCount.waitForExist({ timeout: 60_000 });
  const shown = Number(await shownCount.getAttribute("data-value"));
  await browser.pause(500);
  await browser.saveScreenshot(join(ARTIFACTS, "dunning-plan.png"));

  const cli = cliPlannedActions(dossierPath);
  record(
    "Plan du jour shows as many planned actions as the CLI",
    typeof cli === "number" && cli === shown,
    typeof cli === "number" ? `window ${shown}, CLI ${cli}` : `window ${shown}; ${cli.message}`,
  );

  // Tick the first action: the preview shows its step and template.
  const firstRow = await browser.$("input.plan-select");
  if (await firstRow.isExisting()) {
    await firstRow.click();
    await browser.$("#plan-preview-client").waitForExist({ timeout: 10_000 });
    await browser.pause(300);
    await browser.saveScreenshot(join(ARTIFACTS, "dunning-preview.png"));
  }

  // Queue the whole plan: every planned action is recorded once.
  const queue = await browser.$("#plan-queue");
  await queue.waitForEnabled({ timeout: 30_000 });
  await queue.click();
  const recordedCount = await browser.$("#plan-report-recorded");
  await recordedCount.waitForExist({ timeout: 120_000 });
  await browser.$("#plan-queue").waitForEnabled({ timeout: 120_000 });
  const recorded = Number(await recordedCount.getAttribute("data-value"));
  const left = Number(await browser.$("#plan-count-actions").getAttribute("data-value"));
  const error = await browser.$("#plan-error");
  const errorText = (await error.isExisting()) ? await error.getText() : "";
  record(
    "queueing the plan records every planned action",
    recorded === shown && left === 0 && errorText === "",
    `${recorded} recorded of ${shown} planned, ${left} left in the plan${errorText ? `; error: ${errorText}` : ""}`,
  );
  await browser.pause(300);
  await browser.saveScreenshot(join(ARTIFACTS, "dunning-queued.png"));

  // Queue again: the core recognises every action by its key and records none.
  await browser.$("#plan-queue").click();
  await browser.waitUntil(
    async () => {
      const enabled = await browser.$("#plan-queue").isEnabled();
      const value = await browser.$("#plan-report-recorded").getAttribute("data-value");
      return enabled && value === "0";
    },
    { timeout: 60_000, interval: 250 },
  ).catch(() => {});
  const again = Number(await browser.$("#plan-report-recorded").getAttribute("data-value"));
  const already = Number(await browser.$("#plan-report-already").getAttribute("data-value"));
  record(
    "queueing again records nothing new",
    again === 0 && already >= recorded,
    `${again} recorded, ${already} already queued`,
  );

  const outbox = await browser.$("#outbox-table");
  if (await outbox.isExisting()) {
    await outbox.scrollIntoView();
    await browser.pause(300);
    await browser.saveScreenshot(join(ARTIFACTS, "dunning-outbox.png"));
  }

  await browser.$("#nav-dunning").click();
  await browser.$("#phone-tasks").waitForExist({ timeout: 30_000 });
  await browser.pause(500);
  await browser.saveScreenshot(join(ARTIFACTS, "dunning-phone.png"));
  await browser.$("#dunning-tab-promises").click();
  await browser.$("#promise-form").waitForExist({ timeout: 10_000 });
  await browser.pause(300);
  await browser.saveScreenshot(join(ARTIFACTS, "dunning-promises.png"));
  await browser.$("#dunning-tab-scenarios").click();
  await browser.$("#scenarios").waitForExist({ timeout: 10_000 });
  await browser.pause(300);
  await browser.saveScreenshot(join(ARTIFACTS, "dunning-scenarios.png"));
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  if (browser) {
    try {
      await browser.saveScreenshot(join(ARTIFACTS, "dunning-failure.png"));
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
