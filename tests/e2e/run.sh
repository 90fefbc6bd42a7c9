#!/usr/bin/env bash
# End-to-end test of the BrightRun desktop app through WebDriver.
#
#   tests/e2e/run.sh <path to brightrun-app binary>
#
# Builds nothing. Needs on PATH: xvfb-run, dbus-run-session, WebKitWebDriver (Debian webkit2gtk-driver),
# xwininfo (x11-utils), node >= 20, and tauri-driver (`cargo install tauri-driver@2.1.0 --locked`; or set
# TAURI_DRIVER to its path). The app runs with BRIGHTRUN_ENV=test and a fresh BRIGHTRUN_DATA_DIR, so it never
# sees a developer's real data. Screenshots go to tests/e2e/screenshots/ (or E2E_SCREENSHOTS).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ "${1:-}" == "--inside" ]]; then
  # Second stage: we are inside Xvfb and a private D-Bus session. Start the driver, run the test, stop the driver.
  shift
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  native_port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  driver_log="${E2E_LOG_DIR}/tauri-driver.log"
  "${TAURI_DRIVER:-tauri-driver}" --port "$port" --native-port "$native_port" >"$driver_log" 2>&1 &
  driver_pid=$!
  trap 'kill "$driver_pid" 2>/dev/null || true; wait "$driver_pid" 2>/dev/null || true' EXIT
  status=0
  E2E_DRIVER_URL="http://127.0.0.1:${port}" node "$here/app.e2e.mjs" || status=$?
  if [[ $status -ne 0 ]]; then
    echo "---- tauri-driver and app log (last 80 lines) ----" >&2
    tail -n 80 "$driver_log" >&2 || true
  fi
  exit "$status"
fi

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 <path to the brightrun-app binary>" >&2
  exit 2
fi
command -v "${TAURI_DRIVER:-tauri-driver}" >/dev/null || {
  echo "tauri-driver not found: cargo install tauri-driver@2.1.0 --locked (or set TAURI_DRIVER)" >&2
  exit 2
}
command -v WebKitWebDriver >/dev/null || { echo "WebKitWebDriver not found: apt-get install webkit2gtk-driver" >&2; exit 2; }

export E2E_APP
E2E_APP="$(realpath "$1")"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export BRIGHTRUN_ENV=test
export BRIGHTRUN_DATA_DIR="$scratch/data"
# The WebView keeps its own caches under XDG folders; point them at the scratch folder too.
export XDG_DATA_HOME="$scratch/xdg-data" XDG_CACHE_HOME="$scratch/xdg-cache" XDG_CONFIG_HOME="$scratch/xdg-config"
export E2E_LOG_DIR="$scratch"
# The save dialog cannot be driven through WebDriver: in the test flavour this folder answers for it.
export BRIGHTRUN_TEST_SAVE_DIR="$scratch/saved"
mkdir -p "$BRIGHTRUN_TEST_SAVE_DIR"
export E2E_SCREENSHOTS="${E2E_SCREENSHOTS:-$here/screenshots}"
# No GPU under Xvfb: WebKit's DMA-BUF renderer would draw a blank window.
export WEBKIT_DISABLE_DMABUF_RENDERER=1

# A private D-Bus session with an unlocked keyring (cluster keys, the local cluster's key) on the Xvfb display.
xvfb-run -a -s "-screen 0 1440x900x24" bash "$here/../../scripts/with-session.sh" "$0" --inside
