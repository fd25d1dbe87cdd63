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
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ARTIFACTS,
  CLI,
  checks,
  cliJson,
  openDemo,
  openDisputeByHand,
  overdueDemoInvoice,
  resolveShownDispute,
  shot,
  withSession,
} from "./harness.mjs";

const { record, finish } = checks("disputes", [
  "a dispute opened by hand in the window is in the dossier with its invoice",
  "a file attached in the window is kept with its SHA-256 and shown back",
  "resolving it closes it and the timeline shows each step, as the CLI reads it",
]);

/** The JSON a CLI command prints on the dossier, or the Error saying why there is none. */
function cli(dossierPath, args) {
  try {
    return cliJson(dossierPath, args);
  } catch (error) {
    return error;
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

if (!process.env.APP || !CLI) {
  console.error("APP and ENCOURS_CLI must be set (see tests/e2e/run.sh)");
  finish();
}

await withSession("disputes", async (browser) => {
  const dossierPath = await openDemo(browser);
  const invoice = overdueDemoInvoice(dossierPath);

  // Open a dispute by hand on it.
  const id = await openDisputeByHand(browser, invoice);
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
  await shot(browser, "disputes-dossier", 300);
  record(
    "a file attached in the window is kept with its SHA-256 and shown back",
    shownSha === sha && keptSha === sha && viewed.includes("8 palettes sur 10"),
    `window ${shownSha}, CLI ${keptSha}, file ${sha}; viewer: ${viewed.slice(0, 60)}`,
  );

  // Resolve it: claim rejected.
  await resolveShownDispute(browser, "rejected", "10 palettes livrées, bon signé");
  const kinds = await timelineKinds(browser);
  const resolved = cli(dossierPath, ["dispute", "show", id, "--json"]);
  const cliKinds = resolved instanceof Error ? [] : resolved.timeline.map((e) => e.kind);
  await (await browser.$("#dispute-timeline")).scrollIntoView();
  await shot(browser, "disputes-resolved", 300);
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
  await shot(browser, "disputes-list", 300);
});
finish();
