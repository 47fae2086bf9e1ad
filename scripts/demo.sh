#!/usr/bin/env bash
# The quick start's run command: installs what is missing, starts a throwaway PostgreSQL and Redis on free loopback
# ports, and runs copythat-exporter against them in the foreground. Ctrl-C stops everything and leaves nothing behind.
#   bash scripts/demo.sh [--listen HOST:PORT]      (default 127.0.0.1:9470)
set -euo pipefail
cd "$(dirname "$0")/.."
listen="127.0.0.1:9470"
if [ "${1:-}" = "--listen" ]; then listen=${2:?--listen needs HOST:PORT}; fi

bash scripts/install-deps.sh
echo "demo: building copythat-exporter (release)..." >&2
swift build -c release --product copythat-exporter >&2
binary="$(swift build -c release --show-bin-path)/copythat-exporter"

work=$(mktemp -d /tmp/copythat-demo.XXXXXX)
chmod 755 "$work"
exporter_pid=""
cleanup() {
    trap - EXIT INT TERM
    if [ -n "$exporter_pid" ] && kill -0 "$exporter_pid" 2>/dev/null; then
        kill -TERM "$exporter_pid" 2>/dev/null || true
        wait "$exporter_pid" 2>/dev/null || true
    fi
    bash scripts/postgres.sh destroy "$work/postgres" || true
    bash scripts/redis.sh destroy "$work/redis" || true
    rm -rf "$work"
    echo "demo: stopped; PostgreSQL and Redis removed." >&2
}
trap cleanup EXIT INT TERM

bash scripts/postgres.sh start "$work/postgres"
bash scripts/redis.sh start "$work/redis"
# shellcheck disable=SC1091
source "$work/postgres/env"
# shellcheck disable=SC1091
source "$work/redis/env"
export DATABASE_URL REDIS_URL

cat >&2 <<TEXT
demo: copythat-exporter is probing the local PostgreSQL and Redis. In another terminal:
        curl -s http://$listen/health/ready?verbose
        curl -s http://$listen/metrics | grep ^probe_
        $binary probe
      Ctrl-C stops the exporter and removes the servers.
TEXT
"$binary" serve --listen "$listen" --probe-interval 5s &
exporter_pid=$!
wait "$exporter_pid"
