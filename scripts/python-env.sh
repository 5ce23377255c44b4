#!/usr/bin/env bash
# Create / refresh the repository's Python virtualenv (.venv at the repo root)
# with the pinned packages of tests/requirements.txt (taxii2-client, stix2,
# stix2-validator, medallion + gunicorn, pytest).
#
# Idempotent: does nothing when .venv exists and the requirements file is
# unchanged (sha256 kept in .venv/.requirements.sha256). Quiet on success;
# prints the venv path on stdout as its only output.
#
#   VENV=$(scripts/python-env.sh) && "$VENV/bin/pytest" tests/interop
#
# Env: PYTHON (default python3), TANSEEQ_VENV (default <repo>/.venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQ="$ROOT/tests/requirements.txt"
VENV="${TANSEEQ_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
STAMP="$VENV/.requirements.sha256"

want="$(sha256sum "$REQ" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"

if [[ -x "$VENV/bin/python" && "$want" == "$have" ]]; then
    echo "$VENV"
    exit 0
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
fail() { cat "$log" >&2; echo "python-env.sh: $1" >&2; exit 1; }

if [[ ! -x "$VENV/bin/python" ]]; then
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" >"$log" 2>&1 || fail "python3 -m venv failed (apt-get install python3-venv?)"
fi
rm -f "$STAMP"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$REQ" >"$log" 2>&1 || fail "pip install -r tests/requirements.txt failed"
# Sanity: the pieces the tests and the medallion harness import.
"$VENV/bin/python" -c 'import taxii2client.v21, stix2, stix2validator, medallion, gunicorn, pytest' \
    >"$log" 2>&1 || fail "installed packages do not import"
echo "$want" >"$STAMP"
echo "$VENV"
