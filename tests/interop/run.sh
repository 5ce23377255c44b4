#!/usr/bin/env bash
# Interoperability: a real tanseeq node on an ephemeral loopback port, driven by the stock
# Python `taxii2-client` and `stix2` libraries and checked with `stix2-validator`.
#
#   tests/interop/run.sh [path/to/tanseeq]     (default: target/debug/tanseeq)
#
# With TANSEEQ_INTEROP_POSTGRES set to an admin connection string (postgres://USER@HOST:PORT/DB),
# the nodes live in fresh PostgreSQL databases, created here and dropped at exit; otherwise in
# data directories on the embedded database.
# Needs the venv of scripts/python-env.sh (created if missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${1:-$ROOT/target/debug/tanseeq}"
VENV="$("$ROOT/scripts/python-env.sh")"
WORK="$(mktemp -d)"
SERVER_PID=""
ADMIN_URL="${TANSEEQ_INTEROP_POSTGRES:-}"
DATABASES=()
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    for db in "${DATABASES[@]}"; do
        psql -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# locate NAME: sets LOCATION to the location arguments of a node called NAME (a directory or a
# fresh database). Not a command substitution: the database list must outlive it.
locate() {
    if [[ -n "$ADMIN_URL" ]]; then
        local db="tanseeq_interop_$$_$1"
        psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" \
            -c "CREATE DATABASE $db ENCODING 'UTF8' TEMPLATE template0" >/dev/null
        DATABASES+=("$db")
        LOCATION="--database ${ADMIN_URL%/*}/$db"
    else
        LOCATION="--data $WORK/$1"
    fi
}
locate node
NODE="$LOCATION"
locate demo
DEMO="$LOCATION"
echo "interop: nodes at ${NODE#--* } and ${DEMO#--* }"

# shellcheck disable=SC2086 # $NODE and $DEMO are two words each, without spaces inside.
"$BIN" init $NODE --org "Interop CERT" >"$WORK/init.out"
PASSWORD="$(awk '/^password:/ {print $2}' "$WORK/init.out")"
# shellcheck disable=SC2086
COLLECTION="$("$BIN" collection add $NODE --title interop \
    --read "Interop CERT" --write "Interop CERT")"

# shellcheck disable=SC2086
"$BIN" serve $NODE --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
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

# Everything the node exports passes the OASIS validator with no errors: the demo data (with
# its Arabic text, TLP 2.0 markings and language-content) and a real data set, MITRE ATT&CK for
# ICS, imported and exported again.
# shellcheck disable=SC2086
"$BIN" demo $DEMO --no-serve >"$WORK/demo.out"
DEMO_COLLECTION="$(awk '/^collection `memorandum`:/ {print $3}' "$WORK/demo.out")"
# shellcheck disable=SC2086
"$BIN" export $DEMO --collection "$DEMO_COLLECTION" --all-versions >"$WORK/demo-export.json"
ICS="$ROOT/../shared/data/ics-attack-18.1.json"
# shellcheck disable=SC2086
"$BIN" import $DEMO --collection "$DEMO_COLLECTION" "$ICS" >/dev/null
# shellcheck disable=SC2086
"$BIN" export $DEMO --collection "$DEMO_COLLECTION" >"$WORK/all-export.json"
for bundle in demo-export all-export; do
    if ! "$VENV/bin/stix2_validator" --silent "$WORK/$bundle.json"; then
        echo "interop: stix2-validator found errors in the export ($bundle):" >&2
        "$VENV/bin/stix2_validator" "$WORK/$bundle.json" 2>&1 | grep '\[X\]' | head -20 >&2
        exit 1
    fi
done
echo "stix2-validator: exports valid ($(grep -c '"id"' "$WORK/all-export.json") objects)"
