#!/usr/bin/env bash
# Sets up a fresh machine (scripts/setup.sh) and runs every test: formatting, lints, the Rust workspace
# (core, CLI, agent with the real trainer, app commands), the trainer's pytest suite, the UI's type check,
# lint and unit tests, the bindings drift check, and the end-to-end run of the real window under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n== %s ==\n' "$*" >&2; }
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

bash scripts/setup.sh
export BRIGHTRUN_PYTHON="$PWD/.venv/bin/python"
export HF_HUB_OFFLINE=1

step "web UI: build (the app embeds ui/dist), type check, lint, unit tests [$(elapsed)]"
npm --prefix ui run build
npm --prefix ui run typecheck
npm --prefix ui run lint
npm --prefix ui test

step "the core knows nothing of Tauri [$(elapsed)]"
if cargo tree -p brightrun-core -e normal --prefix none | grep -Eq '^tauri( |-)'; then
  echo "brightrun-core depends on Tauri" >&2; exit 1
fi

step "the agent links no keyring, D-Bus, tokenizers or core (wire types come from crates/api) [$(elapsed)]"
if cargo tree -p brightrun-agent --prefix none | grep -Eq '^(keyring|dbus|libdbus-sys|tokenizers|brightrun-core) '; then
  echo "brightrun-agent depends on the keyring, D-Bus, tokenizers or the core" >&2; exit 1
fi

step "cargo fmt [$(elapsed)]"
cargo fmt --all --check

step "cargo clippy [$(elapsed)]"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo build (binaries the tests start) [$(elapsed)]"
cargo build --workspace --locked --bins
target="${CARGO_TARGET_DIR:-$PWD/target}"
export BRIGHTRUN_AGENT_BIN="$target/debug/brightrun-agent"

step "cargo test, inside a private D-Bus session with an unlocked keyring and a display [$(elapsed)]"
bash scripts/with-session.sh cargo test --workspace --locked --no-fail-fast

step "docs/openapi.json: openapi-spec-validator, then schemathesis against a live agent [$(elapsed)]"
bash scripts/check-openapi.sh

step "bindings drift: ui/src/bindings.ts must match the commands [$(elapsed)]"
git diff --exit-code -- ui/src/bindings.ts docs/openapi.json

step "trainer: pytest [$(elapsed)]"
(cd trainer && "$BRIGHTRUN_PYTHON" -m pytest -q tests)

step "end to end through the real window [$(elapsed)]"
bash tests/e2e/run.sh "$target/debug/brightrun-app"

step "all tests passed [$(elapsed)]"
