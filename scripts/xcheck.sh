#!/usr/bin/env bash
# Type-checks (clippy, -D warnings) the core, the agent and the CLI for Windows and macOS from Linux, so a
# `cfg` arm that does not compile there is caught here. Not a build: nothing is linked.
#
#   bash scripts/xcheck.sh            # both targets; cold about 15 minutes on 2 cores, warm under a minute
#
# Needs: rustup targets x86_64-pc-windows-gnu and aarch64-apple-darwin (added here when missing) and Debian's
# MinGW C compiler for the C parts of dependencies (ring, bundled SQLite, oniguruma):
# `apt-get install gcc-mingw-w64-x86-64-win32`. There is no macOS C toolchain on Linux: for the macOS check
# those C parts become empty objects (a check never links them), which is why this is no build.
# The app (src-tauri) is not checked: it needs the platforms' webview SDKs (docs/platforms.md).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v x86_64-w64-mingw32-gcc >/dev/null || {
  echo "xcheck: install the MinGW C compiler: apt-get install gcc-mingw-w64-x86-64-win32" >&2
  exit 2
}
rustup target add x86_64-pc-windows-gnu aarch64-apple-darwin >/dev/null

# Its own target folder: other targets' artifacts never mix with the debug build the tests use.
export CARGO_TARGET_DIR="${XCHECK_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}/xcheck}"
crates=(-p brightrun-core -p brightrun-agent -p brightrun-cli)

echo "== Windows (x86_64-pc-windows-gnu)" >&2
cargo clippy --locked --target x86_64-pc-windows-gnu "${crates[@]}" -- -D warnings

echo "== macOS (aarch64-apple-darwin)" >&2
stand_ins="$(mktemp -d)"
trap 'rm -rf "$stand_ins"' EXIT
cat >"$stand_ins/cc" <<'EOF'
#!/bin/sh
# Writes an empty object wherever the build script asked for one (-o FILE).
out=""
while [ $# -gt 0 ]; do [ "$1" = -o ] && { out="$2"; shift; }; shift; done
[ -n "$out" ] && : >"$out"
exit 0
EOF
cat >"$stand_ins/ar" <<'EOF'
#!/bin/sh
# Writes an empty archive for each .a named.
for a in "$@"; do case "$a" in *.a) [ -s "$a" ] || printf '!<arch>\n' >"$a" ;; esac; done
exit 0
EOF
chmod +x "$stand_ins/cc" "$stand_ins/ar"
CC_aarch64_apple_darwin="$stand_ins/cc" AR_aarch64_apple_darwin="$stand_ins/ar" \
  cargo clippy --locked --target aarch64-apple-darwin "${crates[@]}" -- -D warnings

echo "xcheck: core, agent and CLI type-check for Windows and macOS" >&2
