#!/usr/bin/env bash
# The README's first command: install qlikreconcile into .venv, then plan, apply and plan again
# the example fleet in desired/ against the embedded Qlik Cloud emulator. Needs nothing but
# python3 >= 3.11; the emulator's state stays in .qlikreconcile/ (delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .

# The example fleet's data connections take their passwords from these variables. They are demo
# values for the emulator only; against Qlik Cloud they come from your CI's secret store.
export VENDOR_DW_PASSWORD="${VENDOR_DW_PASSWORD:-demo-only-vendor-dw}"
export GLOBEX_PG_PASSWORD="${GLOBEX_PG_PASSWORD:-demo-only-globex-pg}"
# Keys the password fingerprints kept on connections (docs/spec.md, "Credentials follow git").
export QLIKRECONCILE_FINGERPRINT_KEY="${QLIKRECONCILE_FINGERPRINT_KEY:-demo-only-fingerprint-key}"
export QLIKRECONCILE_TARGET="${QLIKRECONCILE_TARGET:-emulator}"

run() { printf '\n$ qlikreconcile %s\n' "$*"; .venv/bin/qlikreconcile "$@"; }

run validate
set +e
run plan --detailed-exitcode
status=$?
set -e
if [ "$status" -eq 1 ]; then exit 1; fi
run apply --auto-approve
run plan --detailed-exitcode
