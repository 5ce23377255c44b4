#!/usr/bin/env bash
# Interoperability: a real tanseeq node on an ephemeral loopback port, driven by the stock
# Python `taxii2-client` and `stix2` libraries and checked with `stix2-validator`.
#
#   tests/interop/run.sh [path/to/tanseeq]     (default: target/debug/tanseeq)
#
# Needs the venv of scripts/python-env.sh (created if missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${1:-$ROOT/target/debug/tanseeq}"
VENV="$("$ROOT/scripts/python-env.sh")"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" init --data "$WORK/node" --org "Interop CERT" >"$WORK/init.out"
PASSWORD="$(awk '/^password:/ {print $2}' "$WORK/init.out")"
COLLECTION="$("$BIN" collection add --data "$WORK/node" --title interop \
    --read "Interop CERT" --write "Interop CERT")"

"$BIN" serve --data "$WORK/node" --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
URL=""
for _ in $(seq 100); do
    URL="$(awk '/^listening on / {print $3; exit}' "$WORK/serve.out")"
    [[ -n "$URL" ]] && break
    sleep 0.1
done
if [[ -z "$URL" ]]; then
    echo "interop: the node did not start:" >&2
    cat "$WORK/serve.err" >&2
    exit 1
fi

export TAXII_URL="$URL"
export TAXII_API_ROOT_URL="${URL%/taxii2/}/api/"
export TAXII_USER=admin TAXII_PASSWORD="$PASSWORD" TAXII_COLLECTION_ID="$COLLECTION"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/tests/interop"
