// End-to-end test of dropping files on the real Encours window with the mouse (see run.sh).
//
// A real X11 drag: a small GTK window (drag-source.py) offers files as a `text/uri-list`, the way a
// file manager does, and xdotool moves the X pointer (XTEST input events) from it onto the Encours
// window. The drop goes through XDND, GTK, WebKitGTK and Tauri's drag-and-drop events — nothing is
// injected into the page. Checks that the drop zone lights up while files hover over the window,
// and that the dropped files are imported with a per-file report: two readable invoices and one
// broken file, which is reported by name while the others are imported.
//
// Prints "e2e dragdrop: N passed, M failed" last and exits non-zero on any failure.
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ARTIFACTS, HERE, checks, openSession } from "./harness.mjs";

const APP = process.env.APP;
const CORPUS = resolve(process.env.ENCOURS_CORPUS ?? join(HERE, "..", "..", "..", "shared", "corpus"));
const DEMO_TIMEOUT_MS = 120_000;

const { record, finish } = checks("dragdrop", [
  "files dragged over the window light up the drop zone",
  "files dropped with the mouse are imported, each with its line in the report",
  "the broken file among them is reported by name, the others are imported",
]);



/** Runs xdotool with the given arguments (the display is the test's own, from xvfb-run). */
function xdotool(...args) {
  return execFileSync("xdotool", args.map(String), { encoding: "utf8", timeout: 10_000 });
}

/** The screen geometry of the first window whose title matches `pattern`. */
function windowGeometry(pattern) {
  const id = xdotool("search", "--onlyvisible", "--name", pattern).trim().split("\n")[0];
  const shell = Object.fromEntries(
    xdotool("getwindowgeometry", "--shell", id)
      .trim()
      .split("\n")
      .map((line) => line.split("=")),
  );
  return { id, x: Number(shell.X), y: Number(shell.Y), width: Number(shell.WIDTH), height: Number(shell.HEIGHT) };
}

/** Starts the GTK drag source offering `files`; resolves once its window is on screen. */
function startDragSource(files) {
  // Debian's own Python: it has the GTK bindings (python3-gi), a pyenv or venv Python may not.
  const child = spawn("/usr/bin/python3", [join(HERE, "drag-source.py"), ...files], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error("the drag source did not show its window in 15 s")), 15_000);
    child.on("exit", (code) => reject(new Error(`the drag source exited (${code}) before its window showed`)));
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text) => {
      if (text.includes("ready")) {
        clearTimeout(timer);
        resolveReady(child);
      }
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (!APP) {
  console.error("APP must be set (see tests/e2e/run.sh)");
  finish();
}

// Two invoices of the corpus (one CII, one UBL) and a file that is not one.
const broken = join(ARTIFACTS, "facture-cassee.xml");
writeFileSync(broken, "<?xml version='1.0'?><rsm:CrossIndustryInvoice><ram:ID>F-1</rsm:Cross");
const dropped = [
  join(CORPUS, "cii", "01.01a-INVOICE_uncefact.xml"),
  broken,
  join(CORPUS, "ubl", "04.01a-INVOICE_ubl.xml"),
];

let browser;
let source;
try {
  browser = await openSession(APP);

  const demoButton = await browser.$("#open-demo");
  await demoButton.waitForEnabled({ timeout: 30_000 });
  await demoButton.click();
  await browser.$("#summary-open-balance").waitForExist({ timeout: DEMO_TIMEOUT_MS });
  await browser.$("#nav-imports").click();
  const zone = await browser.$("#import-drop");
  await zone.waitForExist({ timeout: 10_000 });

  source = await startDragSource(dropped);
  const from = windowGeometry("^encours-drag-source$");
  const app = windowGeometry("^Encours$");
  // The middle of the drop zone, on the screen: the window's origin plus the zone's place in it.
  const place = await zone.getLocation();
  const size = await zone.getSize();
  const to = {
    x: Math.round(app.x + place.x + size.width / 2),
    y: Math.round(app.y + place.y + size.height / 2),
  };

  // Press on the source, move in steps (GTK starts a drag past a few pixels; XDND needs motion
  // events over the target), hover, then release over the drop zone.
  xdotool("mousemove", from.x + Math.round(from.width / 2), from.y + Math.round(from.height / 2));
  await sleep(200);
  xdotool("mousedown", 1);
  const steps = 20;
  const start = { x: from.x + from.width / 2, y: from.y + from.height / 2 };
  for (let i = 1; i <= steps; i += 1) {
    xdotool("mousemove", Math.round(start.x + ((to.x - start.x) * i) / steps), Math.round(start.y + ((to.y - start.y) * i) / steps));
    await sleep(50);
  }
  let lit = false;
  await browser
    .waitUntil(async () => (lit = (await zone.getAttribute("data-dragging")) === "true"), { timeout: 5_000, interval: 100 })
    .catch(() => {});
  await browser.saveScreenshot(join(ARTIFACTS, "drag-over.png"));
  record("files dragged over the window light up the drop zone", lit, `data-dragging while hovering: ${lit}`);
  xdotool("mousemove", to.x + 3, to.y + 3);
  await sleep(100);
  xdotool("mouseup", 1);

  const report = await browser.$("#import-report");
  await report.waitForExist({ timeout: 60_000 });
  const imported = Number(await browser.$("#import-count-imported").getAttribute("data-value"));
  const duplicates = Number(await browser.$("#import-count-duplicates").getAttribute("data-value"));
  const failed = Number(await browser.$("#import-count-failed").getAttribute("data-value"));
  const rows = await browser.$$("#import-table tbody tr");
  const lines = [];
  for (const row of rows) lines.push((await row.getText()).replace(/\s+/g, " "));
  record(
    "files dropped with the mouse are imported, each with its line in the report",
    rows.length === dropped.length && imported + duplicates === 2,
    `${rows.length} rows, ${imported} imported, ${duplicates} duplicates, ${failed} failed`,
  );
  const brokenLine = lines.find((line) => line.includes("facture-cassee.xml")) ?? "";
  record(
    "the broken file among them is reported by name, the others are imported",
    failed === 1 && brokenLine !== "" && imported + duplicates === 2,
    brokenLine,
  );
  await report.scrollIntoView();
  await browser.pause(300);
  await browser.saveScreenshot(join(ARTIFACTS, "drag-drop-report.png"));
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  if (browser) {
    try {
      await browser.saveScreenshot(join(ARTIFACTS, "dragdrop-failure.png"));
    } catch {
      // the window may be gone
    }
  }
} finally {
  source?.kill();
  if (browser) {
    try {
      await browser.deleteSession();
    } catch {
      // tauri-driver may already have closed the app
    }
  }
}
finish();
