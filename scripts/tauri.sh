#!/usr/bin/env bash
# Runs the Tauri CLI (from the UI's devDependencies) against the top-level tauri.conf.json:
#
#   bash scripts/tauri.sh <tauri arguments>        e.g.  bash scripts/tauri.sh dev,  bash scripts/tauri.sh info
#
# The CLI wants its configuration inside the app's crate folder; this writes the merged, absolute-path
# configuration there first (scripts/tauri-config.mjs explains why) and removes it afterwards. Hooks
# (beforeDevCommand, beforeBuildCommand) run in ui/. Bundles: use scripts/bundle.sh.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$repo/ui/node_modules/.bin/tauri"
if [ ! -x "$cli" ]; then
  echo "tauri.sh: installing the UI's npm packages (the Tauri CLI is one of them)" >&2
  npm --prefix "$repo/ui" install --no-audit --no-fund >&2
fi

conf="$repo/src-tauri/tauri.conf.json"
node "$repo/scripts/tauri-config.mjs" > "$conf.tmp"
mv "$conf.tmp" "$conf"
trap 'rm -f "$conf"' EXIT

export TAURI_APP_PATH="$repo/src-tauri" TAURI_FRONTEND_PATH="$repo/ui"
"$cli" "$@"
