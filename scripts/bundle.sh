#!/usr/bin/env bash
# Builds the installers of this machine's OS into dist/bundles/:
#
#   bash scripts/bundle.sh [--debug]
#
#   Linux    .deb and .rpm (and .AppImage where linuxdeploy can be downloaded; skipped with a message otherwise)
#   macOS    .app and .dmg                      (untested here)
#   Windows  .msi and the NSIS setup .exe       (untested here; run it from Git Bash)
#
# Each bundle holds the three programs and the trainer: brightrun-app, with brightrun (the CLI) and brightrun-agent
# beside it as sidecars, and the trainer's Python package as a resource (docs/install.md says where each lands).
# --debug bundles the debug build, the one the tests already made (target/debug), so CI adds no second build.
# The version is the workspace's (Cargo.toml [workspace.package] version); tauri.conf.json carries none.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
profile=release
for arg in "$@"; do
  case "$arg" in
    --debug) profile=debug ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bundle.sh: unknown argument $arg (usage: bash scripts/bundle.sh [--debug])" >&2; exit 2 ;;
  esac
done
log() { echo "bundle: $*" >&2; }

case "$(uname -s)" in
  Linux) os=linux; kinds="deb,rpm" ;;
  Darwin) os=macos; kinds="app,dmg" ;;
  MINGW*|MSYS*|CYGWIN*) os=windows; kinds="msi,nsis" ;;
  *) echo "bundle.sh: no bundles for $(uname -s)" >&2; exit 2 ;;
esac
exe=""
[ "$os" = windows ] && exe=".exe"

# One version: the workspace's. The UI's and the trainer's own manifests must agree with it.
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)"
for other in "ui/package.json:$(node -p 'require("./ui/package.json").version')" \
             "trainer/pyproject.toml:$(sed -n 's/^version *= *"\(.*\)"/\1/p' trainer/pyproject.toml)"; do
  if [ "${other#*:}" != "$version" ]; then
    echo "bundle.sh: ${other%%:*} says version ${other#*:}, Cargo.toml says $version; make them agree" >&2
    exit 1
  fi
done
log "BrightRun $version, $profile build, bundles: $kinds"

[ -x ui/node_modules/.bin/tauri ] || npm --prefix ui install --no-audit --no-fund >&2

# The app embeds ui/dist when it compiles. Rebuilding the UI when nothing changed would touch ui/dist and make
# cargo relink the app, so the UI is built only when its sources are newer than the last build.
if [ ! -f ui/dist/index.html ] || [ -n "$(find ui/src ui/index.html ui/package.json ui/public ui/vite.config.ts \
    -newer ui/dist/index.html -print -quit 2>/dev/null)" ]; then
  log "building the UI"
  npm --prefix ui run build >&2
fi

cargo_flags=(--locked -p brightrun-app -p brightrun-cli -p brightrun-agent)
[ "$profile" = release ] && cargo_flags+=(--release)
log "cargo build ${cargo_flags[*]}"
cargo build "${cargo_flags[@]}"

target_dir="$(cargo metadata --format-version 1 --no-deps | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
triple="$(rustc -vV | sed -n 's/^host: //p')"
built="$target_dir/$profile"

# Sidecars: the bundler wants each externalBin as <name>-<target triple>; it installs it without the suffix.
mkdir -p src-tauri/binaries
for name in brightrun brightrun-agent; do
  cp -f "$built/$name$exe" "src-tauri/binaries/$name-$triple$exe"
done

# The trainer as a resource: its package and the files that describe its environment, nothing else (no caches,
# no tests).
rm -rf src-tauri/bundle-resources
mkdir -p src-tauri/bundle-resources/trainer
cp trainer/pyproject.toml trainer/requirements.txt trainer/overrides.txt src-tauri/bundle-resources/trainer/
(cd trainer && find brightrun_trainer -name '*.py' -print0 | \
  while IFS= read -r -d '' file; do
    mkdir -p "../src-tauri/bundle-resources/trainer/$(dirname "$file")"
    cp "$file" "../src-tauri/bundle-resources/trainer/$file"
  done)

bundle_dir="$built/bundle"
rm -rf "$bundle_dir"
tauri_flags=(bundle --ci --no-sign
  # Patching writes the bundle type into the built binary in place (for tauri-plugin-updater, which BrightRun
  # does not use); the debug binary is shared with the tests, so it stays untouched.
  --no-binary-patching)
[ "$profile" = debug ] && tauri_flags+=(--debug)
bash scripts/tauri.sh "${tauri_flags[@]}" --bundles "$kinds"

if [ "$os" = linux ]; then
  # linuxdeploy (which the AppImage needs) is downloaded from GitHub by the bundler; where that is not possible
  # (CI machines that reach only the package registries) there is no AppImage, and that is not a failure.
  if appimage_log="$(bash scripts/tauri.sh "${tauri_flags[@]}" --bundles appimage 2>&1)"; then
    log "AppImage built"
  else
    log "AppImage skipped: the bundler could not prepare linuxdeploy (it downloads it from GitHub). Its last words:"
    printf '%s\n' "$appimage_log" | tail -n 3 | sed 's/^/bundle:   /' >&2
  fi
fi

rm -rf dist/bundles
mkdir -p dist/bundles
find "$bundle_dir" -maxdepth 2 -mindepth 2 \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' \
  -o -name '*.dmg' -o -name '*.msi' -o -name '*.exe' -o -name '*.app' \) -exec cp -R {} dist/bundles/ \;
log "bundles in dist/bundles:"
ls -1 dist/bundles | sed 's/^/bundle:   /' >&2
