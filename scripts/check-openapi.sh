#!/usr/bin/env bash
# docs/openapi.json checked by two public tools, as a generated client would meet it:
#  1. openapi-spec-validator: the document is valid OpenAPI 3.1 (query parameters in the query, etc.);
#  2. schemathesis (4.x) against a live brightrun-agent on 127.0.0.1 with a real key: every check, no failure
#     (status codes the document lists, bodies that match their schemas, schema-valid requests accepted and
#     invalid ones refused).
# Needs the agent built (`cargo build -p brightrun-agent`); installs both tools (scripts/setup-openapi-tools.sh)
# on first use. The agent has no datasets and no models, so no request can start a training job or a generation
# that would hold the run: every operation still answers, with the status the document lists.
# Usage: bash scripts/check-openapi.sh [MAX_EXAMPLES]   (default 100 per operation: a few thousand cases)
#   BRIGHTRUN_OPENAPI_MAX_TIME: time budget of the schemathesis run in seconds (default 100)
#   BRIGHTRUN_OPENAPI_SEED: its seed (default 1, so a failure can be replayed)
set -euo pipefail
cd "$(dirname "$0")/.."

examples="${1:-100}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
agent="${BRIGHTRUN_AGENT_BIN:-$target/debug/brightrun-agent}"
venv="${BRIGHTRUN_OPENAPI_VENV:-$PWD/.venv-openapi}"

if [ ! -x "$agent" ]; then
  echo "the agent is missing at $agent: run \`cargo build -p brightrun-agent\` first" >&2
  exit 1
fi
BRIGHTRUN_OPENAPI_VENV="$venv" bash scripts/setup-openapi-tools.sh

echo "== openapi-spec-validator docs/openapi.json ==" >&2
"$venv/bin/openapi-spec-validator" docs/openapi.json
# BRIGHTRUN_OPENAPI_SCHEMATHESIS=0: the validator only (a quick local check).
if [ "${BRIGHTRUN_OPENAPI_SCHEMATHESIS:-1}" = 0 ]; then
  exit 0
fi

data="$(mktemp -d)"
agent_pid=""
cleanup() {
  if [ -n "$agent_pid" ]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

key="$("$agent" keys create --name schemathesis --data-dir "$data/agent" | tail -n 1 | tr -d '[:space:]')"
"$agent" serve --listen 127.0.0.1:0 --data-dir "$data/agent" >"$data/stdout" 2>"$data/agent.log" &
agent_pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^listening on //p' "$data/stdout" | head -n 1)"
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "the agent did not start; its log:" >&2
  cat "$data/agent.log" >&2
  exit 1
fi

echo "== schemathesis run docs/openapi.json --url $url --checks all ==" >&2
"$venv/bin/schemathesis" --no-color run docs/openapi.json \
  --url "$url" \
  -H "Authorization: Bearer $key" \
  --checks all \
  --max-examples "$examples" \
  --max-time "${BRIGHTRUN_OPENAPI_MAX_TIME:-100}" \
  --request-timeout 10 \
  --seed "${BRIGHTRUN_OPENAPI_SEED:-1}"
