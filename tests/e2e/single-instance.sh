#!/usr/bin/env bash
# A second launch of the app hands over to the first: it exits, the first stays and shows its window, and one
# process is left. Also checks that the first writes its log file (docs/app.md, "Logs").
#
#   bash scripts/with-session.sh bash tests/e2e/single-instance.sh [path/to/brightrun-app]
#
# Needs a display and a D-Bus session (on Linux the single-instance lock is a D-Bus name): run it under
# scripts/with-session.sh. Default binary: $CARGO_TARGET_DIR/debug/brightrun-app, else target/debug/brightrun-app.
set -euo pipefail
cd "$(dirname "$0")/../.."

app="${1:-${CARGO_TARGET_DIR:-$PWD/target}/debug/brightrun-app}"
[ -x "$app" ] || { echo "single-instance: no app binary at $app (cargo build -p brightrun-app)" >&2; exit 2; }
[ -n "${DISPLAY:-}" ] && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || {
  echo "single-instance: run me under scripts/with-session.sh (needs a display and a D-Bus session)" >&2
  exit 2
}

data="$(mktemp -d)"
first=""
cleanup() {
  [ -n "$first" ] && kill "$first" 2>/dev/null || true
  [ -n "$first" ] && wait "$first" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
export BRIGHTRUN_ENV=test BRIGHTRUN_DATA_DIR="$data" RUST_LOG=info

fail() {
  echo "single-instance: FAIL: $*" >&2
  echo "--- first launch's output:" >&2; cat "$data/first.out" >&2 || true
  echo "--- second launch's output:" >&2; cat "$data/second.out" >&2 2>/dev/null || true
  exit 1
}

# The processes of this test only: the ones whose environment names our data folder (other apps may run here).
ours() {
  local pid count=0
  for pid in $(pgrep -x brightrun-app || true); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "BRIGHTRUN_DATA_DIR=$data"; then
      count=$((count + 1))
    fi
  done
  echo "$count"
}

"$app" >"$data/first.out" 2>&1 &
first=$!
for _ in $(seq 1 600); do
  grep -q "BrightRun starting" "$data/first.out" && break
  kill -0 "$first" 2>/dev/null || fail "the first launch exited"
  sleep 0.1
done
grep -q "BrightRun starting" "$data/first.out" || fail "the first launch did not start within 60 s"

# Its window is on the screen (Xvfb has no window manager, so mapped means shown).
for _ in $(seq 1 100); do
  xwininfo -root -tree 2>/dev/null | grep -q '"BrightRun"' && break
  sleep 0.1
done
xwininfo -name BrightRun 2>/dev/null | grep -q "IsViewable" || fail "the first launch shows no BrightRun window"

set +e
timeout 30 "$app" >"$data/second.out" 2>&1
second_rc=$?
set -e
[ "$second_rc" -ne 124 ] || fail "the second launch was still running after 30 s"
[ "$second_rc" -eq 0 ] || fail "the second launch exited with $second_rc"
kill -0 "$first" 2>/dev/null || fail "the first launch did not survive the second"
for _ in $(seq 1 50); do
  grep -q "a second launch asked for the window" "$data/first.out" && break
  sleep 0.1
done
grep -q "a second launch asked for the window" "$data/first.out" || fail "the first launch never heard of the second"
[ "$(ours)" -eq 1 ] || fail "expected one brightrun-app process, found $(ours)"
xwininfo -name BrightRun 2>/dev/null | grep -q "IsViewable" || fail "the window is not shown after the second launch"

# The log file: <data>/logs/brightrun.YYYY-MM-DD.log when BRIGHTRUN_DATA_DIR is set.
log_file="$(ls "$data"/logs/brightrun.*.log 2>/dev/null | head -1)"
[ -n "$log_file" ] || fail "no log file in $data/logs"
grep -q "a second launch asked for the window" "$log_file" || fail "the log file $log_file lacks the app's lines"

echo "single-instance: ok (second launch exited 0 and handed over; one process; log file $(basename "$log_file"))"
