// End-to-end test of the dunning screens in the real Encours window (see run.sh).
//
// Opens the demo, goes to "Plan du jour", checks that the window shows as many planned actions as
// `encours --dossier D dunning plan --json` computes on the same file, queues the whole plan
// (dunning_run: the actions are recorded in the outbox, nothing is sent), checks that the report
// says they were all recorded, then queues again and checks that nothing new is recorded (the core
// is idempotent); then sends the outbox to an SMTP server the test runs. Screenshots of the plan,
// the report and the Relances page go to artifacts/.
//
// Prints "e2e dunning: N passed, M failed" last and exits non-zero on any failure.
import {
  CLI,
  checks,
  cliJson,
  goTo,
  numberValue,
  openDemo,
  queueTodaysPlan,
  sendOutbox,
  shot,
  startSmtpServer,
  withSession,
} from "./harness.mjs";

const { record, finish } = checks("dunning", [
  "Plan du jour shows as many planned actions as the CLI",
  "queueing the plan records every planned action",
  "queueing again records nothing new",
  "sending the outbox delivers each email with its letter to the SMTP server, once",
]);

/** The number of planned actions the CLI computes, or an Error saying why there is none. */
function cliPlannedActions(dossierPath) {
  try {
    const plan = cliJson(dossierPath, ["dunning", "plan", "--json"]);
    const actions = plan.actions ?? plan.planned ?? null;
    if (!Array.isArray(actions)) return new Error(`no actions array in the CLI's JSON: ${JSON.stringify(plan).slice(0, 200)}`);
    return actions.length;
  } catch (error) {
    return error;
  }
}

if (!process.env.APP || !CLI) {
  console.error("APP and ENCOURS_CLI must be set (see tests/e2e/run.sh)");
  finish();
}

let smtp;
await withSession(
  "dunning",
  async (browser) => {
    const dossierPath = await openDemo(browser);

    await goTo(browser, "dailyPlan", "#plan-count-actions", 60_000);
    const shown = await numberValue(browser, "#plan-count-actions");
    await shot(browser, "dunning-plan");

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
      await shot(browser, "dunning-preview", 300);
    }

    // Queue the whole plan: every planned action is recorded once.
    const queued = await queueTodaysPlan(browser);
    record(
      "queueing the plan records every planned action",
      queued.recorded === shown && queued.left === 0 && queued.error === "",
      `${queued.recorded} recorded of ${shown} planned, ${queued.left} left in the plan` +
        `${queued.error ? `; error: ${queued.error}` : ""}`,
    );
    await shot(browser, "dunning-queued", 300);

    // Queue again: the core recognises every action by its key and records none.
    await browser.$("#plan-queue").click();
    await browser
      .waitUntil(
        async () =>
          (await browser.$("#plan-queue").isEnabled()) &&
          (await browser.$("#plan-report-recorded").getAttribute("data-value")) === "0",
        { timeout: 60_000, interval: 250 },
      )
      .catch(() => {});
    const again = await numberValue(browser, "#plan-report-recorded");
    const already = await numberValue(browser, "#plan-report-already");
    record("queueing again records nothing new", again === 0 && already >= queued.recorded, `${again} recorded, ${already} already queued`);

    const outbox = await browser.$("#outbox-table");
    if (await outbox.isExisting()) {
      await outbox.scrollIntoView();
      await shot(browser, "dunning-outbox", 300);
    }

    // Send for real: the dossier's SMTP settings point at a server this test runs on 127.0.0.1.
    smtp = await startSmtpServer();
    const { sent, failed } = await sendOutbox(browser, dossierPath, smtp);
    const withPdf = smtp.messages.filter((m) => m.includes("application/pdf")).length;
    await (await browser.$("#outbox-sent")).scrollIntoView();
    await shot(browser, "dunning-sent", 300);
    // Again: nothing that went out goes twice.
    await browser.$("#outbox-send").click();
    await browser
      .waitUntil(async () => (await browser.$("#outbox-sent-count").getAttribute("data-value")) === "0", {
        timeout: 60_000,
        interval: 250,
      })
      .catch(() => {});
    const secondSent = await numberValue(browser, "#outbox-sent-count");
    record(
      "sending the outbox delivers each email with its letter to the SMTP server, once",
      sent > 0 && smtp.messages.length === sent && withPdf === sent && secondSent === 0,
      `window: ${sent} sent, ${failed} failed; server: ${smtp.messages.length} messages, ${withPdf} with a PDF; second send: ${secondSent}`,
    );

    await goTo(browser, "dunning", "#phone-tasks");
    await shot(browser, "dunning-phone");
    await browser.$("#dunning-tab-promises").click();
    await browser.$("#promise-form").waitForExist({ timeout: 10_000 });
    await shot(browser, "dunning-promises", 300);
    await browser.$("#dunning-tab-scenarios").click();
    await browser.$("#scenarios").waitForExist({ timeout: 10_000 });
    await shot(browser, "dunning-scenarios", 300);
  },
  { cleanup: () => smtp?.server.close() },
);
finish();
