// End-to-end test of the platform sync in the real Encours window (issue 10 §4; see run.sh).
//
// Starts the local platform (`encours pa-serve`, with 5xx and 429 faults), opens the demo, adds a
// platform account in Paramètres › Plateformes (its secret typed in the form), tests the
// connection, syncs from the Sync section, and checks against the CLI on the same file: the account
// is kept in the dossier, its secret is in the OS keyring (the CLI syncs with it and finds nothing
// new: the window's run committed every flow and moved the cursor), and the window's counts are
// the platform's. Screenshots go to artifacts/.
//
// Prints "e2e sync: N passed, M failed" last and exits non-zero on any failure.
import { spawn } from "node:child_process";
import { CLI, checks, cliJson, goTo, openDemo, shot, withSession } from "./harness.mjs";

const FLOWS = 150;

const { record, finish } = checks("sync", [
  "an account added in Paramètres is tested (token + healthcheck) and kept in the dossier",
  "Synchroniser maintenant downloads every flow of the platform through 5xx and 429 faults",
  "the secret went to the keyring and the window's run committed everything (the CLI finds nothing new)",
]);

if (!process.env.APP || !CLI) {
  console.error("APP and ENCOURS_CLI must be set (see tests/e2e/run.sh)");
  finish();
}

/** Starts `encours pa-serve` on a free port; resolves with its base URL and the process. */
function startPlatform() {
  const child = spawn(
    CLI,
    ["pa-serve", "--port", "0", "--generate", String(FLOWS), "--seed", "7", "--faults", "5xx=9,429=13,retry-after=1"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`pa-serve exited (${code}): ${out}`)));
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (found) resolve({ base: found[1], child });
    });
  });
}

/** Types `value` into the field `selector` (replacing what is there). */
async function fill(browser, selector, value) {
  const field = await browser.$(selector);
  await field.waitForDisplayed({ timeout: 10_000 });
  await field.setValue(value);
}

let platform;
await withSession(
  "sync",
  async (browser) => {
    platform = await startPlatform();
    const dossierPath = await openDemo(browser);

    // Paramètres › Plateformes: a new account, its connection tested, saved.
    await goTo(browser, "settings", "#settings-tab-platforms");
    await browser.$("#settings-tab-platforms").click();
    await browser.$("#platform-add").waitForClickable({ timeout: 15_000 });
    await browser.$("#platform-add").click();
    await fill(browser, "#platform-name", "PA de test");
    await fill(browser, "#platform-baseUrl", platform.base);
    await fill(browser, "#platform-tokenUrl", `${platform.base}/oauth/token`);
    await fill(browser, "#platform-clientId", "encours");
    await fill(browser, "#platform-secret", "secret");
    await browser.$("#platform-test").click();
    const result = await browser.$("#platform-test-result [data-ok]");
    await result.waitForExist({ timeout: 60_000 });
    const tested = await result.getAttribute("data-ok");
    await browser.$("#platform-save").click();
    await browser.$("#platforms-notice").waitForExist({ timeout: 15_000 });
    await shot(browser, "sync-settings-platforms");
    const listed = cliJson(dossierPath, ["sync", "accounts", "list", "--json"]);
    const kept = Array.isArray(listed) ? listed : (listed.accounts ?? []);
    const account = kept.find((a) => a.name === "PA de test");
    record(
      "an account added in Paramètres is tested (token + healthcheck) and kept in the dossier",
      tested === "true" && account !== undefined && account.baseUrl === platform.base && account.hasSecret === true,
      `test ok=${tested}; accounts: ${JSON.stringify(kept.map((a) => [a.name, a.baseUrl, a.hasSecret]))}`,
    );

    // Sync: "Synchroniser maintenant", then the result.
    await goTo(browser, "sync", "#sync-now");
    await browser.$("#sync-now").waitForEnabled({ timeout: 15_000 });
    await browser.$("#sync-now").click();
    const done = await browser.$("#sync-result");
    await done.waitForExist({ timeout: 180_000, timeoutMsg: "no sync result after 180 s" });
    const resultText = await done.getText();
    const cancelled = await done.getAttribute("data-cancelled");
    await shot(browser, "sync-page");
    const flowsShown = await browser.$("#sync-accounts").getText();
    record(
      "Synchroniser maintenant downloads every flow of the platform through 5xx and 429 faults",
      cancelled === "false" && /150/.test(resultText.replace(/\s/g, "")),
      `${resultText} | ${flowsShown.slice(0, 200)}`,
    );

    // The CLI, with the secret from the keyring only, finds nothing new.
    let again;
    try {
      again = cliJson(dossierPath, ["sync", "--account", "PA de test", "--json"]);
    } catch (error) {
      again = error;
    }
    const runs = again instanceof Error ? [] : (again.runs ?? []);
    record(
      "the secret went to the keyring and the window's run committed everything (the CLI finds nothing new)",
      !(again instanceof Error) && runs.length === 1 && runs[0].downloaded === 0 && runs[0].error === null,
      again instanceof Error ? again.message : JSON.stringify(runs),
    );
  },
  {
    cleanup: () => {
      if (platform) platform.child.kill();
    },
  },
);

finish();
