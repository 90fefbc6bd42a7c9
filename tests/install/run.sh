#!/usr/bin/env bash
# The installed app, tried as a new user would (issue 8's contract). As root, on a Debian machine set up by
# scripts/setup.sh:
#
#   bash tests/install/run.sh          (INSTALL_TEST_REUSE_BUNDLE=1: use the .deb already in dist/bundles)
#
#   1. builds the .deb with `bash scripts/bundle.sh --debug` (reusing target/debug) and installs it with dpkg -i;
#   2. checks that brightrun-app, brightrun and brightrun-agent are in /usr/bin and the trainer in
#      /usr/lib/BrightRun/trainer;
#   3. from an empty folder, with a fresh HOME and no BRIGHTRUN_PYTHON / BRIGHTRUN_AGENT_BIN / BRIGHTRUN_TRAINER_DIR:
#      `brightrun cluster prepare-local` (from the bundled trainer), the tiny model built with the installed
#      trainer, `brightrun train FILE --cluster local --wait --json` (a verified adapter);
#   4. opens the installed app's window under Xvfb and sees it; a second launch hands over to the first; the
#      WebDriver flows (datasets, clusters, configure -> launch -> loss chart -> notification -> adapter) pass
#      against the installed binary;
#   5. `dpkg -r` removes the programs and leaves the user's data folder.
# Prints how long each part took. uv's download cache is the machine's own (UV_CACHE_DIR, default ~/.cache/uv, which
# scripts/setup-python.sh filled): a fresh HOME should not download 3 GB of wheels again to prove the same thing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "install test: run as root (it installs a .deb)" >&2; exit 2; }
started=$(date +%s)
phase_started=$started
phase() {
  local now
  now=$(date +%s)
  echo "install test: ---- $1 (previous part took $((now - phase_started)) s)" >&2
  phase_started=$now
}
fail() { echo "install test: FAILED: $*" >&2; exit 1; }

sample="$repo/../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl"
[ -f "$sample" ] || sample="$repo/crates/core/tests/dataset_fixtures/brightrun-v4/EQ-12-conversations-demo.jsonl"
uv_cache="${UV_CACHE_DIR:-$HOME/.cache/uv}"

phase "bundle (scripts/bundle.sh --debug)"
# INSTALL_TEST_REUSE_BUNDLE=1 takes the .deb already in dist/bundles (a run right after bundle.sh).
[ "${INSTALL_TEST_REUSE_BUNDLE:-}" = 1 ] || bash "$repo/scripts/bundle.sh" --debug
debs=("$repo"/dist/bundles/*.deb)
[ "${#debs[@]}" = 1 ] && [ -f "${debs[0]}" ] || fail "expected exactly one .deb in dist/bundles, found: ${debs[*]}"
deb="${debs[0]}"
package="$(dpkg-deb -f "$deb" Package)"
echo "install test: $deb ($(du -h "$deb" | cut -f1)), package $package" >&2

phase "install with dpkg -i"
if ! dpkg -i "$deb"; then
  # Missing dependencies: let apt bring them, as `apt install ./file.deb` would have.
  apt-get install -f -y
fi
for program in brightrun-app brightrun brightrun-agent; do
  [ -x "/usr/bin/$program" ] || fail "/usr/bin/$program is missing"
done
[ -f /usr/lib/BrightRun/trainer/brightrun_trainer/__init__.py ] || fail "the trainer is not in /usr/lib/BrightRun/trainer"
[ -f /usr/lib/BrightRun/trainer/requirements.txt ] || fail "the trainer's lock is not in /usr/lib/BrightRun/trainer"

work="$(mktemp -d)"
keep_work="${KEEP_INSTALL_TEST:-}"
cleanup() {
  HOME="$work/home" /usr/bin/brightrun cluster local --stop >/dev/null 2>&1 || true
  dpkg -r "$package" >/dev/null 2>&1 || true
  [ -n "$keep_work" ] || rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/home" "$work/cwd"
# A folder that looks like a checkout, to prove it is never used: its setup script would leave a mark.
mkdir -p "$work/cwd/scripts" "$work/cwd/trainer"
printf '#!/bin/sh\ntouch "%s/ran-from-cwd"\n' "$work" > "$work/cwd/scripts/setup-python.sh"
cp "$sample" "$work/cwd/conversations.jsonl"

# The installed programs, as a new user runs them: empty folder, fresh HOME, none of the developer's variables.
as_user() {
  (cd "$work/cwd" && env -u BRIGHTRUN_PYTHON -u BRIGHTRUN_AGENT_BIN -u BRIGHTRUN_TRAINER_DIR -u BRIGHTRUN_DATA_DIR \
    -u BRIGHTRUN_UV -u VIRTUAL_ENV -u PYTHONPATH HOME="$work/home" UV_CACHE_DIR="$uv_cache" HF_HUB_OFFLINE=1 \
    BRIGHTRUN_KEYRING_SERVICE="app.brightrun.install-test.$$" "$@")
}

phase "prepare-local from the bundled trainer"
as_user bash "$repo/scripts/with-session.sh" /usr/bin/brightrun cluster prepare-local --json > "$work/prepare.json"
cat "$work/prepare.json"
python3 - "$work/prepare.json" <<'PY'
import json, os, sys
p = json.load(open(sys.argv[1]))
assert p["trainer_origin"] == "bundled", p
assert os.path.realpath(p["trainer"]) == "/usr/lib/BrightRun/trainer", p
assert p["already_prepared"] is False, p
PY
python="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["python"])' "$work/prepare.json")"
case "$python" in "$work/home/"*) ;; *) fail "the environment is not in the user's data folder: $python" ;; esac
[ ! -e "$work/ran-from-cwd" ] || fail "prepare-local ran the current directory's scripts/setup-python.sh"
# <data>/python/bin/python
data_dir="$(dirname "$(dirname "$(dirname "$python")")")"
if ls -a "$data_dir" | grep -q '\.partial$'; then fail "a partial folder was left behind in $data_dir"; fi

phase "a second prepare-local finds it ready"
second="$(as_user bash "$repo/scripts/with-session.sh" /usr/bin/brightrun cluster prepare-local --json)" \
  || fail "a second prepare-local failed"
grep -q '"already_prepared": true' <<<"$second" || fail "a second prepare-local did not find the environment ready"

phase "train on the local cluster with the tiny model built by the installed trainer"
as_user "$python" -I -m brightrun_trainer.tiny_model --out "$data_dir/local-agent/models/tiny-llama" >/dev/null
as_user bash "$repo/scripts/with-session.sh" /usr/bin/brightrun train conversations.jsonl --cluster local \
  --set max_steps=6 --set learning_rate=1e-3 --set logging_steps=2 --set eval_steps=3 --wait --json > "$work/train.json"
tail -c 2000 "$work/train.json"
python3 - "$work/train.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["job"]["status"] == "completed", doc["job"]
assert doc["model"]["verified"] is True, doc["model"]
PY

phase "the installed app's window opens and draws its UI"
# The window is there when X lists "BrightRun"; the UI is drawn when a screenshot holds more than a plain
# background (ImageMagick's count of distinct colours).
as_user bash "$repo/scripts/with-session.sh" bash -c '
  shot="'"$work"'/app.png"
  /usr/bin/brightrun-app > "'"$work"'/app.log" 2>&1 &
  app=$!
  for _ in $(seq 1 90); do
    kill -0 "$app" 2>/dev/null || { echo "the app exited:"; tail -20 "'"$work"'/app.log"; exit 1; }
    if xwininfo -root -tree 2>/dev/null | grep -q "\"BrightRun\""; then
      import -window root "$shot" 2>/dev/null || true
      if [ "$(identify -format %k "$shot" 2>/dev/null || echo 0)" -gt 50 ]; then
        kill "$app"; wait "$app" 2>/dev/null || true; exit 0
      fi
    fi
    sleep 1
  done
  echo "no drawn BrightRun window after 90 s"; tail -20 "'"$work"'/app.log"; kill "$app"; exit 1
' || fail "the installed app's window did not open"
echo "install test: the window, as drawn: $work/app.png (kept with KEEP_INSTALL_TEST=1)" >&2

phase "a second launch of the installed app focuses the first (one process)"
as_user bash "$repo/scripts/with-session.sh" bash "$repo/tests/e2e/single-instance.sh" /usr/bin/brightrun-app \
  || fail "a second launch of the installed app did not hand over to the first"

phase "the WebDriver flows (datasets, clusters, training) against the installed app"
# The installed app starts its bundled agent (no BRIGHTRUN_AGENT_BIN); the Python environment is the one
# prepare-local made above, named explicitly so the e2e's fresh data folder need not prepare its own 4 GB.
(cd "$work/cwd" && env -u BRIGHTRUN_AGENT_BIN -u BRIGHTRUN_TRAINER_DIR -u BRIGHTRUN_DATA_DIR BRIGHTRUN_PYTHON="$python" \
  HF_HUB_OFFLINE=1 E2E_SCREENSHOTS="$work/screenshots" bash "$repo/tests/e2e/run.sh" /usr/bin/brightrun-app) \
  || fail "the WebDriver flows failed against the installed app"

phase "dpkg -r keeps the user's data"
as_user /usr/bin/brightrun cluster local --stop >/dev/null 2>&1 || true
dpkg -r "$package"
for program in brightrun-app brightrun brightrun-agent; do
  [ ! -e "/usr/bin/$program" ] || fail "/usr/bin/$program is still there after dpkg -r"
done
[ ! -e /usr/lib/BrightRun ] || fail "/usr/lib/BrightRun is still there after dpkg -r"
[ -x "$python" ] || fail "dpkg -r removed the user's environment at $python"
[ -f "$data_dir/brightrun.db" ] || fail "dpkg -r removed the user's database in $data_dir"

phase "done"
echo "install test: PASSED in $(( $(date +%s) - started )) s" >&2
