#!/usr/bin/env bash
# Installs everything BrightRun needs on a fresh Debian machine (bookworm): system packages, the Rust
# components, the web UI's npm packages and the trainer's Python stack. Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s ==\n' "$*" >&2; }

APT_PACKAGES=(
  # build the Tauri app
  build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev libsoup-3.0-dev
  librsvg2-dev libgtk-3-dev libayatana-appindicator3-dev libxdo-dev libdbus-1-dev
  # run it headless: a display, a D-Bus session, a notification daemon, a keyring, WebDriver
  xvfb x11-utils imagemagick webkit2gtk-driver dbus dbus-x11 dunst gnome-keyring libsecret-tools keyutils
  # the e2e budget step seeds a month's spend into the app's database (tests/e2e/budget.e2e.mjs)
  sqlite3
  # what the .deb depends on beyond WebKitGTK (scripts/bundle.sh, tests/install/run.sh): Python and pip, which
  # fetches uv when the local cluster is prepared
  python3 python3-pip
  # a one-node Slurm for the agent's Slurm executor test (scripts/slurm-local.sh)
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

log "rust components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

log "tauri-driver (WebDriver for the end-to-end test)"
if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver@2.1.0 --locked --quiet
fi

log "python training stack"
bash scripts/setup-python.sh

log "OpenAPI checkers (openapi-spec-validator, schemathesis) in .venv-openapi"
bash scripts/setup-openapi-tools.sh

log "web UI packages"
# `npm ci`: exactly the lockfile. The lockfile lists every OS's optional native packages (rollup, tailwind,
# lightningcss, esbuild), so the same command works on Linux, macOS and Windows (scripts/npm-lock.sh keeps it so).
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi
