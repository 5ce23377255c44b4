#!/usr/bin/env bash
# Install what the browser tests (tests/browser) need: Debian's Chromium (with a font that
# has Arabic glyphs) and the pinned npm packages of tests/browser/package-lock.json
# (playwright-core, which drives the system Chromium; it never downloads a browser).
#
# Idempotent and quick when everything is there: apt is asked only when /usr/bin/chromium is
# missing, and `npm ci` runs only when the lock file changed (sha256 kept in
# tests/browser/node_modules/.package-lock.sha256). Quiet on success; prints the Chromium
# path on stdout as its only output.
#
#   CHROMIUM=$(scripts/browser-env.sh) && node --test tests/browser/tests/
#
# Env: TANSEEQ_CHROMIUM (default /usr/bin/chromium) — a Chromium already installed elsewhere.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tests/browser"
CHROMIUM="${TANSEEQ_CHROMIUM:-/usr/bin/chromium}"
STAMP="$DIR/node_modules/.package-lock.sha256"
# chromium: the browser; fonts-dejavu-core: DejaVu Sans has Arabic, so Arabic text renders
# as letters (not boxes) in screenshots.
PACKAGES=(chromium fonts-dejavu-core)

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
fail() { cat "$log" >&2; echo "browser-env.sh: $1" >&2; exit 1; }

if [[ ! -x "$CHROMIUM" || ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]]; then
    command -v apt-get >/dev/null || fail "$CHROMIUM is missing and there is no apt-get"
    SUDO=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null || fail "installing ${PACKAGES[*]} needs root (or sudo)"
        SUDO=(sudo -n)
    fi
    export DEBIAN_FRONTEND=noninteractive
    # The package lists may be stale or absent on a new machine: update once and retry.
    if ! "${SUDO[@]}" apt-get install -y --no-install-recommends "${PACKAGES[@]}" >"$log" 2>&1; then
        "${SUDO[@]}" apt-get update >>"$log" 2>&1 || fail "apt-get update failed"
        "${SUDO[@]}" apt-get install -y --no-install-recommends "${PACKAGES[@]}" >>"$log" 2>&1 ||
            fail "apt-get install ${PACKAGES[*]} failed"
    fi
    [[ -x "$CHROMIUM" ]] || fail "apt-get installed chromium but $CHROMIUM is not there"
fi

command -v node >/dev/null || fail "node (Node.js 20 or later) is not installed"
command -v npm >/dev/null || fail "npm is not installed"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$node_major" -ge 20 ]] || fail "Node.js $node_major is too old: the tests need Node.js 20 or later"
want="$(sha256sum "$DIR/package-lock.json" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [[ ! -d "$DIR/node_modules/playwright-core" || "$want" != "$have" ]]; then
    # playwright-core has no install script and never downloads a browser; the variable is
    # belt and braces should a future version grow one.
    (cd "$DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) >"$log" 2>&1 ||
        fail "npm ci in tests/browser failed"
    echo "$want" >"$STAMP"
fi

# Sanity: the browser starts and the driver loads.
"$CHROMIUM" --version >"$log" 2>&1 || fail "$CHROMIUM --version failed"
(cd "$DIR" && node -e "require('playwright-core')") >"$log" 2>&1 ||
    fail "playwright-core does not load"
echo "$CHROMIUM"
