#!/usr/bin/env bash
# End-to-end test of the real desktop window: tauri-driver + WebKitWebDriver + WebdriverIO.
#
# Environment:
#   APP          path to the desktop binary built with `--features tauri/custom-protocol`
#                (e.g. target/debug/encours-desktop)
#   ENCOURS_CLI  path to the CLI binary (e.g. target/debug/encours)
#   ENCOURS_CORPUS  the shared test corpus; its cii/ folder is imported into the demo dossier
#                (default: <repo>/../shared/corpus)
#   The encryption key is found as the app finds it (ENCOURS_KEY_HEX, else the OS keyring);
#   the environment is passed through unchanged to the app and the CLI.
#
# Needs a display: run under `xvfb-run -a -s "-screen 0 1280x800x24" tests/e2e/run.sh`.
# Dependencies: `npm ci` in ui/ (webdriverio), `tauri-driver` 2.1.0 on PATH, WebKitWebDriver;
# for the drag-and-drop test, xdotool and Debian's python3-gi with gir1.2-gtk-3.0.
set -u

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ARTIFACTS="$HERE/artifacts"
mkdir -p "$ARTIFACTS"

fail() {
  echo "e2e: $*" >&2
  echo "e2e: 0 passed, 1 failed"
  exit 1
}

[ -n "${APP:-}" ] || fail "set APP to the desktop binary (target/debug/encours-desktop)"
[ -n "${ENCOURS_CLI:-}" ] || fail "set ENCOURS_CLI to the CLI binary (target/debug/encours)"
[ -x "$APP" ] || fail "APP is not an executable file: $APP"
[ -x "$ENCOURS_CLI" ] || fail "ENCOURS_CLI is not an executable file: $ENCOURS_CLI"
command -v tauri-driver >/dev/null || fail "tauri-driver not found (cargo install tauri-driver --locked --version 2.1.0)"
command -v WebKitWebDriver >/dev/null || fail "WebKitWebDriver not found (apt-get install webkit2gtk-driver)"
[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || fail "no display: run under xvfb-run"

APP="$(realpath "$APP")"
ENCOURS_CLI="$(realpath "$ENCOURS_CLI")"
export APP ENCOURS_CLI

PORT=4444
DRIVER=
stop_driver() {
  [ -n "$DRIVER" ] || return 0
  kill "$DRIVER" 2>/dev/null
  wait "$DRIVER" 2>/dev/null
  DRIVER=
}
trap stop_driver EXIT

# Starts tauri-driver (the apps it starts get its environment) and waits until it answers.
start_driver() {
  tauri-driver --port "$PORT" --native-port 4445 >>"$ARTIFACTS/tauri-driver.log" 2>&1 &
  DRIVER=$!
  local ready=0
  for _ in $(seq 1 100); do
    if curl -sf "http://127.0.0.1:$PORT/status" >/dev/null 2>&1; then
      ready=1
      break
    fi
    kill -0 "$DRIVER" 2>/dev/null || break
    sleep 0.2
  done
  if [ "$ready" != 1 ]; then
    cat "$ARTIFACTS/tauri-driver.log" >&2
    fail "tauri-driver did not answer on port $PORT"
  fi
}
: >"$ARTIFACTS/tauri-driver.log"
start_driver

# E2E_ONLY=disputes (a spec's name) runs that spec alone, when working on it.
rc=0
# journeys: a credit manager's day on a fresh demo (it moves the earlier specs' demo aside);
# perf: start, client pages and scrolling timed in the window (the 2M dossier if E2E_PERF_DOSSIER);
# a11y: axe-core on every screen, light and dark, and the README's screenshots.
# sync: a platform account added in Paramètres and synced from the Sync section (encours pa-serve).
for spec in app dragdrop dunning disputes sync journeys perf a11y; do
  # dragdrop: files dropped on the window with the mouse, a real X drag (xdotool, python3-gi).
  [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = "$spec" ] || continue
  if [ "$spec" = perf ] && [ "${WEBKIT_DISABLE_COMPOSITING_MODE:-}" != 0 ]; then
    # Xvfb has no GPU: WebKitGTK's accelerated compositing runs on software OpenGL (llvmpipe) and
    # paints a few frames a second under load; without it WebKit paints straight to the window, as
    # near as Xvfb gets to a desktop with a GPU. Only for perf: in that mode a screenshot of some
    # pages never returns. WEBKIT_DISABLE_COMPOSITING_MODE=0 measures with compositing.
    stop_driver
    WEBKIT_DISABLE_COMPOSITING_MODE=1 start_driver
    node "$HERE/$spec.e2e.mjs" || rc=1
    stop_driver
    start_driver
    continue
  fi
  node "$HERE/$spec.e2e.mjs" || rc=1
done
stop_driver
trap - EXIT
exit $rc
