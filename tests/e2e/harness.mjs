// What the end-to-end specs share: the checks they report, the WebDriver session of the real
// window, and where screenshots go. Each spec prints one line per check and a last line
// "e2e<label>: N passed, M failed", and exits non-zero on any failure.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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

/** A WebDriver session on the app at `app`, through tauri-driver on port 4444 (see run.sh). */
export function openSession(app) {
  return remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "warn",
    // A session that cannot start should fail in a minute, not after three two-minute retries.
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    capabilities: {
      browserName: "wry",
      "tauri:options": { application: app },
      // Without it WebdriverIO 9 asks for BiDi and tauri-driver refuses the session.
      "wdio:enforceWebDriverClassic": true,
    },
  });
}
