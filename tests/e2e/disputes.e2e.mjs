// End-to-end test of the Litiges screens in the real Encours window (see run.sh).
//
// Opens the demo, takes an overdue invoice from `encours items --overdue --json`, goes to
// "Litiges", opens a dispute on it by hand, attaches a file (by its path), shows it, resolves the
// dispute (claim rejected), and checks at each step what the window shows against what
// `encours --dossier D dispute show ID --json` reads from the same file: the dispute exists with
// its invoice, the file is kept with the SHA-256 of what was attached, and the timeline shows the
// opening, the file and the resolution, in that order. Screenshots go to artifacts/.
//
// Prints "e2e disputes: N passed, M failed" last and exits non-zero on any failure.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, checks, openSession } from "./harness.mjs";

const APP = process.env.APP;
const CLI = process.env.ENCOURS_CLI;
const DEMO_TIMEOUT_MS = 120_000;

const { record, finish } = checks("disputes", [
  "a dispute opened by hand in the window is in the dossier with its invoice",
  "a file attached in the window is kept with its SHA-256 and shown back",
  "resolving it closes it and the timeline shows each step, as the CLI reads it",
]);

/** The JSON a CLI command prints on the dossier, or an Error saying why there is none. */
function cli(dossierPath, args) {
  try {
    const output = execFileSync(CLI, ["--dossier", dossierPath, ...args], {
      env: process.env,
      encoding: "utf8",
      timeout: 120_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.parse(output);
  } catch (error) {
    const stderr = error && typeof error === "object" && "stderr" in error ? String(error.stderr).trim() : "";
    return new Error(`\`encours ${args.join(" ")}\` failed: ${stderr || String(error)}`.slice(0, 400));
  }
}

/** The `data-kind` of each line of the timeline shown, in order. */
async function timelineKinds(browser) {
  const lines = await browser.$$("#dispute-timeline li");
  const kinds = [];
  for (const line of lines) kinds.push(await line.getAttribute("data-kind"));
  return kinds;
}

/** True when `wanted` appears in `kinds` in that order (other lines may come between). */
function inOrder(kinds, wanted) {
  let at = 0;
  for (const k of kinds) if (k === wanted[at]) at++;
  return at === wanted.length;
}

if (!APP || !CLI) {
  console.error("APP and ENCOURS_CLI must be set (see tests/e2e/run.sh)");
  finish();
}

let browser;
try {
  browser = await openSession(APP);

  const demoButton = await browser.$("#open-demo");
  await demoButton.waitForEnabled({ timeout: 30_000 });
  await demoButton.click();
  await browser.$("#summary-open-balance").waitForExist({ timeout: DEMO_TIMEOUT_MS });
  const dossierPath = (await browser.$("#dossier-path").getProperty("textContent")).trim();

  // An overdue invoice of the demo's own numbering (F2025-001219): the corpus files imported by
  // the first spec reuse numbers across dates ("471102" four times), which a number cannot pick.
  const items = cli(dossierPath, ["items", "--overdue", "--limit", "500", "--json"]);
  if (items instanceof Error) throw items;
  const invoice = items.items?.find((i) => i.kind === "invoice" && /^F\d{4}-\d{6}$/.test(i.number));
  if (!invoice) throw new Error("the demo has no overdue invoice of its own numbering");

  // Open a dispute by hand on it.
  await browser.$("#nav-disputes").click();
  await browser.$("#disputes-page").waitForExist({ timeout: 30_000 });
  await browser.$("#dispute-new").click();
  await browser.$("#dispute-new-invoices").setValue(invoice.number);
  await browser.$("#dispute-new-client").setValue(String(invoice.clientId));
  await browser.$("#dispute-new-reason").selectByAttribute("value", "delivery");
  await browser.$("#dispute-new-note").setValue("livraison incomplète selon l'acheteur");
  await browser.$("#dispute-new-submit").click();
  const dossier = await browser.$("#dispute-dossier");
  await dossier.waitForExist({ timeout: 30_000 });
  await browser.$("#dispute-reason").waitForExist({ timeout: 30_000 });
  const id = await dossier.getAttribute("data-id");
  const opened = cli(dossierPath, ["dispute", "show", id, "--json"]);
  record(
    "a dispute opened by hand in the window is in the dossier with its invoice",
    !(opened instanceof Error) &&
      opened.summary.state === "open" &&
      opened.summary.reason === "delivery" &&
      opened.summary.invoices.includes(invoice.number),
    opened instanceof Error ? opened.message : `dispute ${id}: ${opened.summary.state}, ${opened.summary.invoices.join(", ")}`,
  );

  // Attach a file by its path, then show it.
  const text = `Bon de livraison ${invoice.number}\nLivré : 8 palettes sur 10.\n`;
  const file = join(ARTIFACTS, `bon-de-livraison-${id}.txt`);
  writeFileSync(file, text);
  const sha = createHash("sha256").update(text).digest("hex");
  await browser.$("#dispute-evidence-path").setValue(file);
  await browser.$("#dispute-evidence-note").setValue("BL signé par le transporteur");
  await browser.$("#dispute-evidence-add").click();
  await browser.waitUntil(async () => (await browser.$$("#dispute-evidence-list li")).length === 1, {
    timeout: 30_000,
    interval: 200,
  });
  const item = await browser.$("#dispute-evidence-list li");
  const shownSha = await item.getAttribute("data-sha256");
  const evidenceId = (await item.getAttribute("id")).replace("evidence-", "");
  await browser.$(`#evidence-view-${evidenceId}`).click();
  const viewer = await browser.$("#evidence-viewer-text");
  await viewer.waitForExist({ timeout: 10_000 });
  const viewed = await viewer.getText();
  const kept = cli(dossierPath, ["dispute", "show", id, "--json"]);
  const keptSha = kept instanceof Error ? null : kept.evidence?.[0]?.sha256;
  await browser.pause(300);
  await browser.saveScreenshot(join(ARTIFACTS, "disputes-dossier.png"));
  record(
    "a file attached in the window is kept with its SHA-256 and shown back",
    shownSha === sha && keptSha === sha && viewed.includes("8 palettes sur 10"),
    `window ${shownSha}, CLI ${keptSha}, file ${sha}; viewer: ${viewed.slice(0, 60)}`,
  );

  // Resolve it: claim rejected.
  await browser.$("#dispute-resolve-outcome").selectByAttribute("value", "rejected");
  await browser.$("#dispute-resolve-note").setValue("10 palettes livrées, bon signé");
  await browser.$("#dispute-resolve-submit").click();
  await browser.waitUntil(async () => (await browser.$("#dispute-state").getAttribute("data-value")) === "resolved", {
    timeout: 30_000,
    interval: 200,
  });
  const kinds = await timelineKinds(browser);
  const resolved = cli(dossierPath, ["dispute", "show", id, "--json"]);
  const cliKinds = resolved instanceof Error ? [] : resolved.timeline.map((e) => e.kind);
  await (await browser.$("#dispute-timeline")).scrollIntoView();
  await browser.pause(300);
  await browser.saveScreenshot(join(ARTIFACTS, "disputes-resolved.png"));
  record(
    "resolving it closes it and the timeline shows each step, as the CLI reads it",
    !(resolved instanceof Error) &&
      resolved.summary.state === "resolved" &&
      resolved.summary.outcome === "rejected" &&
      inOrder(kinds, ["opened", "evidence", "resolved"]) &&
      JSON.stringify(kinds) === JSON.stringify(cliKinds),
    `window [${kinds.join(", ")}], CLI [${cliKinds.join(", ")}]${resolved instanceof Error ? `; ${resolved.message}` : ""}`,
  );

  await browser.$("#dispute-back").click();
  await browser.$("#disputes-page").waitForExist({ timeout: 10_000 });
  await browser.pause(300);
  await browser.saveScreenshot(join(ARTIFACTS, "disputes-list.png"));
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  if (browser) {
    try {
      await browser.saveScreenshot(join(ARTIFACTS, "disputes-failure.png"));
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
