#!/usr/bin/env bash
# Runs a command inside a private desktop-like session, as a headless machine (CI) has none:
#   - a private D-Bus session bus (dbus-run-session), so nothing leaks to or from the user's own session;
#   - an unlocked gnome-keyring Secret Service in it, with a throwaway HOME (the keyring files land there);
#   - an Xvfb display when DISPLAY is unset (the app's window and notifications need one).
#
#   scripts/with-session.sh CMD [ARGS...]        e.g. scripts/with-session.sh cargo test -p brightrun-core
#
# The exit status is the command's. Needs: dbus, gnome-keyring, xvfb (apt). The keyring tests refuse to run
# without a Secret Service and point here.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi

for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "with-session.sh: $tool not found; install the Debian packages dbus and gnome-keyring" >&2
    exit 2
  }
done

if [ "${BRIGHTRUN_IN_SESSION:-}" != 1 ]; then
  # Re-enter this script inside the private bus; the second pass below sets the rest up.
  export BRIGHTRUN_IN_SESSION=1
  exec dbus-run-session -- bash "$0" "$@"
fi

# Second pass: inside dbus-run-session.
cleanup_pids=()
session_home=""
cleanup() {
  for pid in "${cleanup_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$session_home" ] && rm -rf "$session_home"
}
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
  command -v Xvfb >/dev/null 2>&1 || {
    echo "with-session.sh: DISPLAY is unset and Xvfb is not installed (apt install xvfb)" >&2
    exit 2
  }
  # -displayfd picks a free display number and reports it, so parallel runs never collide.
  fd_file="$(mktemp)"
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$fd_file" 2>/dev/null &
  cleanup_pids+=("$!")
  for _ in $(seq 1 100); do
    [ -s "$fd_file" ] && break
    sleep 0.1
  done
  display_number="$(tr -dc '0-9' <"$fd_file")"
  rm -f "$fd_file"
  [ -n "$display_number" ] || { echo "with-session.sh: Xvfb did not start" >&2; exit 2; }
  export DISPLAY=":$display_number"
fi

# gnome-keyring keeps its keyrings under HOME: the daemon alone gets a throwaway one, so the user's real
# keys stay out of reach while the command itself keeps the real HOME (caches, toolchains).
session_home="$(mktemp -d)"
# The daemon prints GNOME_KEYRING_CONTROL=... (and SSH_AUTH_SOCK=...); the password unlocks the new login keyring.
eval "$(printf 'brightrun-session' | HOME="$session_home" gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
"$@"
