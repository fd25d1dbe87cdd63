// Accessibility of every screen of the real Encours window (issue 11 §6; see run.sh): axe-core
// (ui/node_modules/axe-core, the version ui/package.json pins) is injected into the page and run on
// each screen — the welcome screen, the sections of the sidebar, a client page, each tab of
// Paramètres and the command palette — in the light theme and in the dark one
// (`data-theme="dark"` on <html>, as Paramètres → Affichage sets it). A screen passes when axe
// reports no violation of impact "serious" or "critical"; the others are printed as notes.
// It also takes the README's screenshot of each screen, in the light theme, into
// E2E_SCREENSHOTS_DIR (default artifacts/screens; `E2E_SCREENSHOTS_DIR=docs/screenshots` refreshes
// the README's, then `pngquant` keeps them small).
//
// Prints "e2e a11y: N passed, M failed" last and exits non-zero on any failure.
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ARTIFACTS, HERE, checks, openDemo, withSession } from "./harness.mjs";

const AXE = readFileSync(join(HERE, "..", "..", "ui", "node_modules", "axe-core", "axe.min.js"), "utf8");
const SHOTS = resolve(process.env.E2E_SCREENSHOTS_DIR ?? join(ARTIFACTS, "screens"));
mkdirSync(SHOTS, { recursive: true });
const BLOCKING = new Set(["serious", "critical"]);

/** The screens, in the sidebar's order: how to reach each (a hash) and what shows it is ready. */
const SCREENS = [
  // The dashboard's picture starts at its key figures (the README's: figures, aged balance, forecast).
  { name: "dashboard", hash: "#dashboard", ready: "#dashboard-dso", top: "dashboard" },
  { name: "portfolio", hash: "#portfolio", ready: "#portfolio-count" },
  { name: "client", hash: null, ready: "#client-title" },
  { name: "daily-plan", hash: "#dailyPlan", ready: "#plan-count-actions" },
  { name: "dunning", hash: "#dunning", ready: "#phone-tasks" },
  { name: "letters", hash: "#letters", ready: "#letters-form" },
  { name: "reconciliation", hash: "#reconciliation", ready: "#reconciliation-unmatched-count" },
  { name: "disputes", hash: "#disputes", ready: "#disputes-page" },
  // Scored first, so that the alerts screen has alerts to show.
  { name: "alerts", hash: "#alerts", ready: "#risk-alerts-title", prepare: "#risk-rescore", done: "#risk-rescored" },
  { name: "imports", hash: "#imports", ready: "#import-path" },
  { name: "sync", hash: "#sync", ready: "#sync-title" },
  { name: "settings", hash: "#settings", ready: "#settings-title" },
];

const { record, finish } = checks("a11y", [
  "welcome: no serious or critical axe violation",
  ...SCREENS.map((s) => `${s.name}: no serious or critical axe violation, light and dark`),
  "settings tabs: no serious or critical axe violation, light and dark",
  "palette: no serious or critical axe violation, light and dark",
]);

/** Runs axe on the page; returns its violations, shortened. */
async function axe(browser) {
  const injected = await browser.execute(() => typeof window.axe === "object");
  if (!injected) await browser.execute(AXE);
  return browser.execute(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 4).map((n) => n.target.join(" ")),
      summary: v.nodes[0]?.failureSummary?.split("\n").slice(0, 2).join(" ") ?? "",
    }));
  });
}

/** Sets the theme the way Paramètres → Affichage does ("light", "dark", or null for the system's). */
async function theme(browser, value) {
  // Then wait for the colour transitions (buttons fade their background): axe reads the colours
  // as they are, and a half-done fade is a contrast that no one sees for long.
  await browser.execute(async (v) => {
    if (v) document.documentElement.dataset.theme = v;
    else delete document.documentElement.dataset.theme;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    await Promise.race([
      Promise.allSettled(document.getAnimations().map((a) => a.finished)),
      new Promise((r) => setTimeout(r, 5000)),
    ]);
  }, value);
}

/** Runs axe in both themes; records the check with the blocking violations, prints the others. */
async function audit(browser, check, themes = ["light", "dark"]) {
  const blocking = [];
  for (const t of themes) {
    await theme(browser, t);
    for (const v of await axe(browser)) {
      const line = `[${t}] ${v.impact} ${v.id} (${v.nodes}×): ${v.help} — ${v.targets.join(", ")}; ${v.summary}`;
      if (BLOCKING.has(v.impact)) blocking.push(line);
      else console.log(`     note ${check.split(":")[0]}: ${line}`);
    }
  }
  await theme(browser, "light");
  record(check, blocking.length === 0, blocking.length === 0 ? themes.join(" and ") : blocking.join("\n       "));
}

/** A screenshot of the window for the README, the pointer out of the way. */
async function screenshot(browser, name, top = null) {
  // Low in the sidebar, where nothing reacts to it: no chart tooltip or hover in the picture.
  await browser.action("pointer").move({ x: 120, y: 760 }).perform();
  await browser.execute(() => {
    for (const canvas of document.querySelectorAll("canvas")) canvas.dispatchEvent(new MouseEvent("mouseout"));
  });
  await browser.execute((id) => {
    window.scrollTo(0, 0);
    if (id) document.getElementById(id)?.scrollIntoView({ block: "start" });
  }, top);
  await browser.pause(1200); // charts' entry animation, then WebKit's last frame
  await browser.saveScreenshot(join(SHOTS, `${name}.png`));
}

if (!process.env.APP) {
  console.error("APP must be set (see tests/e2e/run.sh)");
  finish();
}

await withSession("a11y", async (browser) => {
  await browser.setTimeout({ script: 120_000 });
  await browser.$("#open-demo").waitForEnabled({ timeout: 30_000 });
  await theme(browser, "light");
  await screenshot(browser, "welcome");
  await audit(browser, "welcome: no serious or critical axe violation", ["light"]);
  await openDemo(browser);

  for (const screen of SCREENS) {
    if (screen.hash) {
      await browser.execute((hash) => (location.hash = hash), screen.hash);
    } else {
      // The client page: the first client of the portfolio, the way a user opens it.
      await browser.$("#portfolio-scroller tr[data-client] a").click();
    }
    await browser.$(screen.ready).waitForExist({ timeout: 60_000 });
    if (screen.prepare) {
      await browser.$(screen.prepare).click();
      await browser.$(screen.done).waitForExist({ timeout: 120_000 }).catch(() => {});
    }
    await theme(browser, "light");
    await screenshot(browser, screen.name, screen.top ?? null);
    await audit(browser, `${screen.name}: no serious or critical axe violation, light and dark`);
  }

  // Each tab of Paramètres (the first is the screen above).
  const tabs = await browser.$$("[id^='settings-tab-']");
  const tabIds = [];
  for (const tab of tabs) tabIds.push(await tab.getAttribute("id"));
  const tabBlocking = [];
  for (const id of tabIds.slice(1)) {
    await browser.$(`#${id}`).click();
    await browser.pause(500);
    for (const t of ["light", "dark"]) {
      await theme(browser, t);
      for (const v of await axe(browser)) {
        if (BLOCKING.has(v.impact)) tabBlocking.push(`[${id} ${t}] ${v.impact} ${v.id}: ${v.help} — ${v.targets.join(", ")}; ${v.summary}`);
      }
    }
    await theme(browser, "light");
  }
  record(
    "settings tabs: no serious or critical axe violation, light and dark",
    tabBlocking.length === 0,
    tabBlocking.length === 0 ? tabIds.slice(1).join(", ") : tabBlocking.join("\n       "),
  );

  // The command palette, open over the dashboard with a search typed.
  await browser.execute(() => (location.hash = "#dashboard"));
  await browser.$("#dashboard-dso").waitForExist({ timeout: 60_000 });
  await browser.keys(["Control", "k"]);
  await browser.$("#palette-input").waitForDisplayed({ timeout: 10_000 });
  await browser.$("#palette-input").setValue("Boulangerie");
  await browser.$("[id^='palette-client-']").waitForExist({ timeout: 10_000 }).catch(() => {});
  await screenshot(browser, "palette");
  await audit(browser, "palette: no serious or critical axe violation, light and dark");
  await browser.keys(["Escape"]);
});
finish();
