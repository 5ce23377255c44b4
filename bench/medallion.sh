#!/usr/bin/env bash
# Start / stop the OASIS reference TAXII 2.1 server (medallion 3.0.0, memory
# backend) under gunicorn with one sync worker, for interop tests and benchmarks.
#
#   bench/medallion.sh start PORT DIR   # writes DIR/{config.json,data.json,env,gunicorn.pid,medallion.log}
#   bench/medallion.sh stop DIR
#   bench/medallion.sh env DIR          # print the TAXII_* variables (also in DIR/env)
#
# `start` returns once GET /taxii2/ answers 200 (exit 1 otherwise, with the
# log on stderr). It prints the env file's contents, which can be sourced:
#   eval "$(bench/medallion.sh start 8711 /tmp/med)"
#
# Fixed contents: API root "api" (http://127.0.0.1:PORT/api/), one empty
# read/write collection MEDALLION_COLLECTION_ID, users below.
# Env knobs: MEDALLION_MAX_PAGE (server page cap, default 1000),
#            MEDALLION_MAX_CONTENT (api root max_content_length, default 10485760).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COLLECTION_ID="4f7c1a52-9b1e-4d3a-8c55-2e6b9f0d7a13"
USER_NAME="admin"
USER_PASS="Password0"

usage() { echo "usage: $0 start PORT DIR | stop DIR | env DIR" >&2; exit 2; }

write_env() { # port dir
    cat >"$2/env" <<EOT
export TAXII_URL=http://127.0.0.1:$1/taxii2/
export TAXII_API_ROOT_URL=http://127.0.0.1:$1/api/
export TAXII_COLLECTION_ID=$COLLECTION_ID
export TAXII_USER=$USER_NAME
export TAXII_PASSWORD=$USER_PASS
export TAXII_SERVER_IS_MEDALLION=1
EOT
}

start() {
    local port="$1" dir="$2"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ -f "$dir/gunicorn.pid" ]] && kill -0 "$(cat "$dir/gunicorn.pid")" 2>/dev/null; then
        echo "medallion already running in $dir (pid $(cat "$dir/gunicorn.pid"))" >&2; exit 1
    fi
    local venv
    venv="$("$ROOT/scripts/python-env.sh")"
    if "$venv/bin/python" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null; then
        echo "port $port on 127.0.0.1 is already in use" >&2; exit 1
    fi

    cat >"$dir/data.json" <<EOT
{
  "/discovery": {
    "title": "medallion reference server (tanseeq bench)",
    "description": "OASIS medallion 3.0.0, memory backend",
    "contact": "nobody@example.com",
    "default": "http://127.0.0.1:$port/api/",
    "api_roots": ["http://127.0.0.1:$port/api/"]
  },
  "api": {
    "information": {
      "title": "api",
      "description": "bench / interop API root",
      "versions": ["application/taxii+json;version=2.1"],
      "max_content_length": ${MEDALLION_MAX_CONTENT:-10485760}
    },
    "status": [],
    "collections": [
      {
        "id": "$COLLECTION_ID",
        "title": "bench",
        "description": "empty read/write collection",
        "can_read": true,
        "can_write": true,
        "media_types": ["application/stix+json;version=2.1"],
        "objects": [],
        "manifest": []
      }
    ]
  }
}
EOT
    cat >"$dir/config.json" <<EOT
{
  "backend": {
    "module": "medallion.backends.memory_backend",
    "module_class": "MemoryBackend",
    "filename": "$dir/data.json",
    "session_timeout": 600
  },
  "users": { "$USER_NAME": "$USER_PASS", "reader": "Password1" },
  "taxii": { "max_page_size": ${MEDALLION_MAX_PAGE:-1000} }
}
EOT
    write_env "$port" "$dir"
    (cd "$dir" && exec "$venv/bin/gunicorn" -w 1 -k sync --timeout 0 \
        -b "127.0.0.1:$port" --pid "$dir/gunicorn.pid" --daemon \
        --error-logfile "$dir/medallion.log" \
        "medallion:load_app('$dir/config.json')")
    local i
    for i in $(seq 1 100); do
        if "$venv/bin/python" - "$port" "$USER_NAME" "$USER_PASS" <<'PY' 2>/dev/null
import sys, requests
r = requests.get(f"http://127.0.0.1:{sys.argv[1]}/taxii2/", auth=(sys.argv[2], sys.argv[3]),
                 headers={"Accept": "application/taxii+json;version=2.1"}, timeout=2)
sys.exit(0 if r.status_code == 200 and "api_roots" in r.json() else 1)
PY
        then cat "$dir/env"; return 0; fi
        sleep 0.2
    done
    echo "medallion did not come up on port $port; log:" >&2
    cat "$dir/medallion.log" >&2 || true
    stop "$dir"
    exit 1
}

stop() {
    # gunicorn --daemon runs master and worker in their own process group;
    # stop the whole group so that a worker busy with a long request (sync
    # worker, --timeout 0) does not outlive its master and keep the port.
    local dir="$1" pid pgid
    [[ -f "$dir/gunicorn.pid" ]] || return 0
    pid="$(cat "$dir/gunicorn.pid")"
    pgid="$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)"
    if [[ -n "$pgid" && "$pgid" != "0" ]]; then
        kill -TERM -- "-$pgid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pgid" 2>/dev/null || true
    fi
    rm -f "$dir/gunicorn.pid"
}

case "${1:-}" in
    start) [[ $# -eq 3 ]] || usage; start "$2" "$3" ;;
    stop)  [[ $# -eq 2 ]] || usage; stop "$2" ;;
    env)   [[ $# -eq 2 ]] || usage; cat "$2/env" ;;
    *) usage ;;
esac
