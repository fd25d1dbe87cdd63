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
import net from "node:net";
import { join } from "node:path";
import { ARTIFACTS, checks, openSession } from "./harness.mjs";

const APP = process.env.APP;
const CLI = process.env.ENCOURS_CLI;
const DEMO_TIMEOUT_MS = 120_000;

const { record, finish } = checks("dunning", [
  "Plan du jour shows as many planned actions as the CLI",
  "queueing the plan records every planned action",
  "queueing again records nothing new",
  "sending the outbox delivers each email with its letter to the SMTP server, once",
]);



/** The number of planned actions the CLI computes, or an Error saying why there is none. */
/**
 * A minimal SMTP server on 127.0.0.1 (no TLS, no AUTH: the dossier is set to `plain-local`, which
 * Encours allows only towards this machine). Collects each message as sent after DATA.
 */
function startSmtpServer() {
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

let browser;
let smtp;
try {
  browser = await openSession(APP);

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

  // Send for real: the dossier's SMTP settings point at a server this test runs on 127.0.0.1.
  smtp = await startSmtpServer();
  execFileSync(
    CLI,
    ["--dossier", dossierPath, "settings", "smtp", "--host", "127.0.0.1", "--port", String(smtp.port),
      "--security", "plain-local", "--from", "relances@atelier-demo.fr"],
    { env: process.env, encoding: "utf8", timeout: 60_000 },
  );
  await browser.$("#outbox-send").click();
  const sentCount = await browser.$("#outbox-sent-count");
  await sentCount.waitForExist({ timeout: 120_000 });
  const sent = Number(await sentCount.getAttribute("data-value"));
  const failedSends = Number(await browser.$("#outbox-failed-count").getAttribute("data-value"));
  await browser.waitUntil(async () => smtp.messages.length >= sent, { timeout: 10_000, interval: 100 }).catch(() => {});
  const withPdf = smtp.messages.filter((m) => m.includes("application/pdf")).length;
  await (await browser.$("#outbox-sent")).scrollIntoView();
  await browser.pause(300);
  await browser.saveScreenshot(join(ARTIFACTS, "dunning-sent.png"));
  // Again: nothing that went out goes twice.
  await browser.$("#outbox-send").click();
  await browser
    .waitUntil(async () => (await browser.$("#outbox-sent-count").getAttribute("data-value")) === "0", { timeout: 60_000, interval: 250 })
    .catch(() => {});
  const secondSent = Number(await browser.$("#outbox-sent-count").getAttribute("data-value"));
  record(
    "sending the outbox delivers each email with its letter to the SMTP server, once",
    sent > 0 && smtp.messages.length === sent && withPdf === sent && secondSent === 0,
    `window: ${sent} sent, ${failedSends} failed; server: ${smtp.messages.length} messages, ${withPdf} with a PDF; second send: ${secondSent}`,
  );

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
  smtp?.server.close();
  if (browser) {
    try {
      await browser.deleteSession();
    } catch {
      // tauri-driver may already have closed the app
    }
  }
}
finish();
