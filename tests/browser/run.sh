#!/usr/bin/env bash
# Browser tests: the operations-room web UI (/ui/) of a real tanseeq node on an ephemeral
# loopback port, driven in headless Chromium (Debian's chromium, through playwright-core) by
# Node.js's built-in test runner.
#
#   tests/browser/run.sh [path/to/tanseeq [TEST_FILE…]]   (default: target/debug/tanseeq, all of
#                                                         tests/browser/tests/*.test.js)
#
# The node has two organizations, "BH CERT" and "AE Police", each with an analyst, both
# granted read and write on one shared collection, which also holds the demo data (imported
# from `tanseeq demo` as BH CERT's). Screenshots go to target/browser-screenshots/ (…/postgres/
# for a node on PostgreSQL).
#
# With TANSEEQ_BROWSER_POSTGRES set to an admin connection string (postgres://USER@HOST:PORT/DB)
# the node lives in a fresh PostgreSQL database, created here and dropped at exit; otherwise in
# a data directory on the embedded database.
#
# What the tests need (Chromium, playwright-core) is installed by scripts/browser-env.sh. When
# that fails the tests are SKIPPED with a message, except in CI (CI set), where it is a failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="$(realpath "${1:-$ROOT/target/debug/tanseeq}")"
shift || true
if [[ ! -x "$BIN" ]]; then
    echo "browser: no tanseeq binary at $BIN (cargo build first, or pass its path)" >&2
    exit 1
fi
TESTS=()
for test in "$@"; do
    # Test files as given from here, or relative to tests/browser.
    if [[ -e "$test" ]]; then TESTS+=("$(realpath "$test")"); else TESTS+=("$test"); fi
done
HERE="$ROOT/tests/browser"

if ! CHROMIUM="$("$ROOT/scripts/browser-env.sh")"; then
    if [[ -n "${CI:-}" ]]; then
        echo "browser tests: Chromium or playwright-core could not be installed (required in CI)" >&2
        exit 1
    fi
    echo "!!!!!! browser tests SKIPPED: Chromium or playwright-core could not be installed" >&2
    echo "!!!!!! (scripts/browser-env.sh says why above; CI requires them)" >&2
    exit 0
fi

WORK="$(mktemp -d)"
SERVER_PID=""
ADMIN_URL="${TANSEEQ_BROWSER_POSTGRES:-}"
DATABASE=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n "$DATABASE" ]]; then
        psql -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -n "$ADMIN_URL" ]]; then
    DATABASE="tanseeq_interop_browser_$$"
    psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" \
        -c "CREATE DATABASE $DATABASE ENCODING 'UTF8' TEMPLATE template0" >/dev/null
    NODE=(--database "${ADMIN_URL%/*}/$DATABASE")
else
    NODE=(--data "$WORK/node")
fi
echo "browser: node at ${NODE[1]}"
export TANSEEQ_LOG="${TANSEEQ_LOG:-warn}"

# Every test user has this password (at least 12 characters).
PASSWORD="correct-horse-battery-staple"
"$BIN" init "${NODE[@]}" --org "BH CERT" >"$WORK/init.out"
ADMIN_PASSWORD="$(awk '/^password:/ {print $2}' "$WORK/init.out")"
"$BIN" org add "${NODE[@]}" "AE Police" >/dev/null
echo "$PASSWORD" | "$BIN" user add "${NODE[@]}" --org "BH CERT" --name analyst-bh --role analyst >/dev/null
echo "$PASSWORD" | "$BIN" user add "${NODE[@]}" --org "AE Police" --name analyst-ae --role analyst >/dev/null
COLLECTION="$("$BIN" collection add "${NODE[@]}" --title "Operations room" \
    --read "BH CERT,AE Police" --write "BH CERT,AE Police")"

# Realistic content for the dashboard and its screenshots: the demo data (Arabic and English,
# every TLP), imported as BH CERT's.
"$BIN" demo --data "$WORK/demo" --no-serve >"$WORK/demo.out"
DEMO_COLLECTION="$(awk '/^collection `memorandum`:/ {print $3}' "$WORK/demo.out")"
"$BIN" export --data "$WORK/demo" --collection "$DEMO_COLLECTION" >"$WORK/demo.json"
"$BIN" import "${NODE[@]}" --collection "$COLLECTION" --org "BH CERT" "$WORK/demo.json" >/dev/null

# The file exists before the server (a background job) opens it, for the loop below.
: >"$WORK/serve.out"
"$BIN" serve "${NODE[@]}" --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
URL=""
for _ in $(seq 100); do
    URL="$(awk '/^listening on / {print $3; exit}' "$WORK/serve.out")"
    [[ -n "$URL" ]] && break
    sleep 0.1
done
if [[ -z "$URL" ]]; then
    echo "browser: the node did not start:" >&2
    cat "$WORK/serve.err" >&2
    exit 1
fi

export TANSEEQ_CHROMIUM="$CHROMIUM"
export TANSEEQ_URL="${URL%/taxii2/}"
export TANSEEQ_API_ROOT=api
export TANSEEQ_COLLECTION="$COLLECTION"
export TANSEEQ_PASSWORD="$PASSWORD"
export TANSEEQ_ADMIN=admin TANSEEQ_ADMIN_PASSWORD="$ADMIN_PASSWORD"
# The PostgreSQL pass keeps its own, beside the embedded database's.
export TANSEEQ_SCREENSHOTS="$ROOT/target/browser-screenshots${ADMIN_URL:+/postgres}"
mkdir -p "$TANSEEQ_SCREENSHOTS"

status=0
cd "$HERE"
[[ ${#TESTS[@]} -gt 0 ]] || TESTS=(tests/*.test.js)
# spec for people on stdout; TAP in a file, for the closing line's counts. A test that hangs
# is cancelled after two minutes (each step also has its own 15 s wait).
node --test --test-concurrency=1 --test-timeout=120000 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$WORK/results.tap" "${TESTS[@]}" || status=$?
count() { awk -v k="# $1" '$1 " " $2 == k {n = $3} END {print n + 0}' "$WORK/results.tap"; }
# Known faults of the interface are `todo` tests: they run, and do not fail the suite.
echo "browser: $(count pass) passed, $(($(count fail) + $(count cancelled))) failed, $(($(count skipped) + $(count todo))) skipped"
if [[ $status -ne 0 ]]; then
    echo "browser: the node's log (stderr):" >&2
    tail -50 "$WORK/serve.err" >&2
fi
exit $status
