#!/usr/bin/env bash
# Sets up a fresh machine (scripts/setup.sh) and runs every test: formatting, lints, the Rust workspace
# (core, CLI, agent with the real trainer, app commands), the trainer's pytest suite, the UI's type check,
# lint and unit tests, the bindings drift check, and the end-to-end run of the real window under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# The generated files are checked, never rewritten, here: the export_bindings and openapi tests fail on drift
# and name the command that regenerates them; these variables would make them rewrite instead.
unset BRIGHTRUN_UPDATE_BINDINGS BRIGHTRUN_UPDATE_OPENAPI

step() { printf '\n== %s ==\n' "$*" >&2; }
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

bash scripts/setup.sh
export BRIGHTRUN_PYTHON="$PWD/.venv/bin/python"
export HF_HUB_OFFLINE=1

step "ui lockfile lists every OS's native packages (npm ci on macOS and Windows too) [$(elapsed)]"
bash scripts/npm-lock.sh --check

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

step "dataset parser fuzz run, 60 s, inputs past the 4 MiB batch [$(elapsed)]"
cargo run -q -p brightrun-core --example fuzz_dataset --locked -- --seconds 60

step "cargo test, inside a private D-Bus session with an unlocked keyring and a display [$(elapsed)]"
bash scripts/with-session.sh cargo test --workspace --locked --no-fail-fast

# crates/agent/tests/slurm.rs and crates/cli/tests/slurm_cli.rs (above) started a one-node Slurm on localhost.
step "stop the local Slurm the Slurm executor tests started [$(elapsed)]"
if [ "$(id -u)" = 0 ] && command -v slurmctld >/dev/null 2>&1; then bash scripts/slurm-local.sh stop; fi

step "docs/openapi.json: openapi-spec-validator, then schemathesis against a live agent, every check [$(elapsed)]"
bash scripts/check-openapi.sh 100

# The drift itself is caught by `cargo test` above (bindings::tests::export_bindings and the agent's openapi
# test compare the committed files with what the code generates); this only makes sure no step rewrote them.
step "generated files unchanged: ui/src/bindings.ts, docs/openapi.json [$(elapsed)]"
git diff --exit-code -- ui/src/bindings.ts docs/openapi.json

step "trainer: pytest [$(elapsed)]"
(cd trainer && "$BRIGHTRUN_PYTHON" -m pytest -q tests)

step "end to end through the real window [$(elapsed)]"
E2E_TRAIN_AGAIN=1 bash tests/e2e/run.sh "$target/debug/brightrun-app"

step "single instance: a second launch focuses the first [$(elapsed)]"
bash scripts/with-session.sh bash tests/e2e/single-instance.sh "$target/debug/brightrun-app"

step "the installed bundle: .deb built, installed, prepared from the bundled trainer, trains, e2e, removed [$(elapsed)]"
if [ "$(id -u)" = 0 ]; then
  bash tests/install/run.sh
else
  echo "skipped: the install test installs a .deb and must run as root (CI does)" >&2
fi

step "all tests passed [$(elapsed)]"
