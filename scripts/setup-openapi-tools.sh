#!/usr/bin/env bash
# Installs the two public tools that check docs/openapi.json (scripts/check-openapi.sh) into their own venv,
# .venv-openapi (or $BRIGHTRUN_OPENAPI_VENV), pinned so CI's verdict does not change under us. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${BRIGHTRUN_OPENAPI_VENV:-$PWD/.venv-openapi}"
want_schemathesis="4.32.5"
want_validator="0.7.2"

installed() { "$venv/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p'; }

if [ -x "$venv/bin/schemathesis" ] && [ -x "$venv/bin/openapi-spec-validator" ] \
  && [ "$(installed schemathesis)" = "$want_schemathesis" ] \
  && [ "$(installed openapi-spec-validator)" = "$want_validator" ]; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "openapi-spec-validator==$want_validator" "schemathesis==$want_schemathesis"
