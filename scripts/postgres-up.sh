#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at the host and port of the admin connection string
# given (default postgres://postgres@127.0.0.1:5432/postgres), with trust authentication for
# that user on loopback: starts the installed server if it is down, and installs one (Debian
# packages) if there is none. Exit status 0 when it answers, 1 when it cannot be had.
set -euo pipefail
URL="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
HOSTPORT="${URL#*://}"; HOSTPORT="${HOSTPORT#*@}"; HOSTPORT="${HOSTPORT%%/*}"
HOST="${HOSTPORT%%:*}"
PORT="5432"; [[ "$HOSTPORT" == *:* ]] && PORT="${HOSTPORT##*:}"

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }

if ready; then echo "PostgreSQL answers on $HOST:$PORT"; exit 0; fi
if [[ "$HOST" != "127.0.0.1" && "$HOST" != "localhost" ]]; then
    echo "PostgreSQL on $HOST:$PORT does not answer (not a local server: not starting one)" >&2
    exit 1
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "no PostgreSQL installed: installing the Debian packages"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
        || { as_root apt-get update -q >/dev/null && \
             as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
        || { echo "cannot install postgresql" >&2; exit 1; }
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if [[ ! -d "/etc/postgresql/$VERSION/main" ]]; then
    as_root pg_createcluster "$VERSION" main -p "$PORT" >/dev/null
fi
CONF="/etc/postgresql/$VERSION/main"
# The tests connect over TCP on loopback as `postgres` without a password.
if ! as_root grep -q '^host all all 127.0.0.1/32 trust' "$CONF/pg_hba.conf"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$CONF/pg_hba.conf"
fi
as_root sed -i "s/^#\?port = .*/port = $PORT/" "$CONF/postgresql.conf"
as_root pg_ctlcluster --skip-systemctl-redirect "$VERSION" main start 2>/dev/null \
    || as_root pg_ctlcluster --skip-systemctl-redirect "$VERSION" main reload 2>/dev/null || true
for _ in $(seq 50); do
    if ready; then echo "PostgreSQL $VERSION started on $HOST:$PORT"; exit 0; fi
    sleep 0.2
done
echo "PostgreSQL did not come up on $HOST:$PORT" >&2
exit 1
