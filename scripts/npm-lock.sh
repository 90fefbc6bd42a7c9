#!/usr/bin/env bash
# Keeps ui/package-lock.json usable by `npm ci` on Linux, macOS and Windows.
#
#   bash scripts/npm-lock.sh          # complete the lockfile (after `npm install <pkg>` on any one OS)
#   bash scripts/npm-lock.sh --check  # exit 1 when a locked package's optional dependency is missing
#
# Why: an `npm install` run with a node_modules folder present writes only this OS's optional native packages
# (rollup's, tailwind's, lightningcss's, esbuild's, the Tauri CLI's) into the lockfile (npm/cli#4828); `npm ci`
# on another OS then installs none and the build fails with "Cannot find module @rollup/rollup-darwin-arm64".
# Resolving the lockfile again in a folder with no node_modules adds every platform's entry and keeps every
# version already locked.
set -euo pipefail
cd "$(dirname "$0")/.."

check() {
  node - "$1" <<'EOF'
const lock = require(require("path").resolve(process.argv[2]));
const packages = lock.packages;
const missing = [];
for (const [path, entry] of Object.entries(packages)) {
  for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
    // npm looks a dependency up in the package's own node_modules first, then each folder above it.
    let dir = path;
    let found = false;
    while (true) {
      if (packages[`${dir ? dir + "/" : ""}node_modules/${dep}`]) { found = true; break; }
      const at = dir.lastIndexOf("/node_modules/");
      if (dir === "") break;
      dir = at < 0 ? "" : dir.slice(0, at);
    }
    if (!found) missing.push(`${path || "(root)"} -> ${dep}`);
  }
}
if (missing.length) {
  console.error(`ui/package-lock.json lacks ${missing.length} optional packages another OS needs:`);
  for (const m of missing.slice(0, 20)) console.error(`  ${m}`);
  console.error("run: bash scripts/npm-lock.sh");
  process.exit(1);
}
console.log("ui/package-lock.json lists every platform's optional packages");
EOF
}

if [ "${1:-}" = "--check" ]; then
  check ui/package-lock.json
  exit
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp ui/package.json ui/package-lock.json "$scratch/"
(cd "$scratch" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error)
check "$scratch/package-lock.json"
cp "$scratch/package-lock.json" ui/package-lock.json
echo "ui/package-lock.json updated; commit it"
