#!/usr/bin/env bash
# Creates (or updates) the Python environment of the trainer in ONE `uv pip install`.
#
#   scripts/setup-python.sh [--gpu] [VENV_DIR]      (VENV_DIR defaults to <repo>/.venv)
#
# Idempotent: a second run finds everything installed and takes a couple of seconds. The last line printed on
# stdout is the absolute path of the environment's python (CI and the app's "prepare the local cluster" read it).
# --gpu: keep the CUDA extras the CPU install leaves out (trainer/overrides.txt) and add bitsandbytes (QLoRA),
#        liger-kernel and nvidia-ml-py (GPU utilisation in the metrics); for GPU machines only.
# Env: BRIGHTRUN_PYTHON  interpreter for `uv venv` (default python3.11).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gpu=0
venv=""
for arg in "$@"; do
  case "$arg" in
    --gpu) gpu=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "setup-python.sh: unknown option $arg" >&2; exit 2 ;;
    *) venv="$arg" ;;
  esac
done
venv="${venv:-$repo/.venv}"
mkdir -p "$(dirname "$venv")"
venv="$(cd "$(dirname "$venv")" && pwd)/$(basename "$venv")"

# Progress goes to stderr so that stdout carries only the python path.
log() { echo "setup-python: $*" >&2; }

if ! command -v uv >/dev/null 2>&1; then
  log "uv not found; installing it from PyPI with pip"
  python3 -m pip install --quiet --user uv >&2
  export PATH="$HOME/.local/bin:$PATH"
fi

python="$venv/bin/python"
if [ -x "$python" ] && "$python" -c 'import sys' >/dev/null 2>&1; then
  log "reusing $venv"
else
  log "creating $venv"
  # --clear: a half-made folder from an interrupted run is replaced rather than refused.
  uv venv --quiet --clear --python "${BRIGHTRUN_PYTHON:-python3.11}" "$venv" >&2
fi

args=(-r "$repo/trainer/requirements.txt" -e "$repo/trainer")
if [ "$gpu" = 1 ]; then
  args+=(bitsandbytes==0.50.2 liger-kernel==0.8.5 nvidia-ml-py==13.615.71)
else
  args+=(--overrides "$repo/trainer/overrides.txt")
fi
# One install for the whole stack: a later separate install (say, of peft alone) could pull torch's
# CUDA extras back in.
uv pip install --quiet --python "$python" "${args[@]}" >&2

# The import check costs ~10 s on 2 cores, so it runs once per set of pins (the stamp records which).
stamp="$venv/.brightrun-trainer-stamp"
want="$(cat "$repo/trainer/requirements.txt" "$repo/trainer/overrides.txt" | sha256sum | cut -d' ' -f1) gpu=$gpu"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$python" -c 'import torch, transformers, peft, accelerate, brightrun_trainer' >&2 || {
    log "the environment at $venv does not import the training stack"
    exit 1
  }
  echo "$want" > "$stamp"
fi
echo "$python"
