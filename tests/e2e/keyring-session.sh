#!/usr/bin/env bash
# Runs a command with a real Secret Service: an unlocked gnome-keyring in the current D-Bus
# session (start it under `dbus-run-session`). Keyrings and app data go to throw-away folders.
set -euo pipefail
XDG_RUNTIME_DIR="$(mktemp -d)"
XDG_DATA_HOME="$(mktemp -d)"
chmod 700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR XDG_DATA_HOME
eval "$(printf 'encours-ci' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
sleep 1
"$@"
