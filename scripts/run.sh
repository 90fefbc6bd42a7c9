#!/usr/bin/env bash
# BrightRun's main job on a fresh machine, end to end and headless:
#   1. scripts/setup.sh (apt packages, the trainer's Python stack in .venv, the UI's npm packages);
#   2. cargo build (debug) of `brightrun` and `brightrun-agent`;
#   3. validate and convert the real v4 sample (../shared/datasets/brightrun-v4/);
#   4. `brightrun train <sample> --cluster local --wait`: the local cluster (an agent daemon on 127.0.0.1)
#      trains a LoRA adapter on the tiny model on this machine's CPU, the CLI follows it and downloads the
#      verified adapter;
#   5. `brightrun models list`.
#
#   bash scripts/run.sh [DATA_DIR]     DATA_DIR defaults to a temporary folder (removed at the end)
#
# Env: BRIGHTRUN_SKIP_SETUP=1 skips step 1; RUN_MAX_STEPS (default 20) bounds the training run.
# Debug, not release: the test suite builds debug already (so this reuses it), a cold debug build of the two
# binaries is several minutes shorter on 2 cores, and the run's time is spent in the Python trainer anyway.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

log() { printf '\n== %s ==\n' "$*" >&2; }

if [ "${BRIGHTRUN_RUN_IN_SESSION:-}" != 1 ]; then
  if [ "${BRIGHTRUN_SKIP_SETUP:-}" != 1 ]; then
    log "setup"
    bash scripts/setup.sh
  fi
  log "build brightrun and brightrun-agent (debug)"
  cargo build -p brightrun-cli -p brightrun-agent
  # The local cluster's API key lives in the OS keyring: without a desktop session, make a private one.
  if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    export BRIGHTRUN_RUN_IN_SESSION=1
    exec bash scripts/with-session.sh bash "$0" "$@"
  fi
fi

target="${CARGO_TARGET_DIR:-$repo/target}"
brightrun="$target/debug/brightrun"
export BRIGHTRUN_AGENT_BIN="$target/debug/brightrun-agent"
export BRIGHTRUN_PYTHON="$repo/.venv/bin/python"
export HF_HUB_OFFLINE=1

temporary=""
data_dir="${1:-}"
if [ -z "$data_dir" ]; then
  data_dir="$(mktemp -d)"
  temporary="$data_dir"
fi
export BRIGHTRUN_DATA_DIR="$data_dir"
# A keyring entry of this run alone, so it never touches a user's real local cluster.
export BRIGHTRUN_KEYRING_SERVICE="${BRIGHTRUN_KEYRING_SERVICE:-app.brightrun.run.$$}"
cleanup() {
  "$brightrun" cluster local --stop >/dev/null 2>&1 || true
  [ -n "$temporary" ] && rm -rf "$temporary"
}
trap cleanup EXIT

sample="$repo/../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl"
[ -f "$sample" ] || { echo "run.sh: the v4 sample is missing at $sample" >&2; exit 2; }

log "validate the v4 sample"
"$brightrun" dataset validate "$sample"

log "convert it to openai_messages with a 10 % validation split"
"$brightrun" dataset convert "$sample" --to openai_messages -o "$data_dir/sample.openai.jsonl" --split 0.1

log "train a LoRA adapter on the local cluster (CPU, tiny model)"
# A few steps at a high learning rate: enough for the loss to move on the tiny model, a minute or two on 2 cores.
"$brightrun" train "$sample" --cluster local --name "v4 sample on the tiny model" \
  --set "max_steps=${RUN_MAX_STEPS:-20}" --set learning_rate=1e-3 --set logging_steps=2 --set eval_steps=10 \
  --wait

log "models"
"$brightrun" models list
