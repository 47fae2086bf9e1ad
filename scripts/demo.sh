#!/usr/bin/env bash
# The quick start's run command: installs what is missing, starts a throwaway PostgreSQL, Redis and Alertmanager on
# free loopback ports, and runs copythat-exporter against them in the foreground, evaluating alerts/ and notifying
# the Alertmanager. Ctrl-C stops everything and leaves nothing behind.
#   bash scripts/demo.sh [--listen HOST:PORT]      (default 127.0.0.1:9470)
# EXPORTER=PATH runs that copythat-exporter binary instead of building the release one (the tests use the debug one).
set -euo pipefail
cd "$(dirname "$0")/.."
listen="127.0.0.1:9470"
if [ "${1:-}" = "--listen" ]; then listen=${2:?--listen needs HOST:PORT}; fi

bash scripts/install-deps.sh
if [ -n "${EXPORTER:-}" ]; then
    binary=$EXPORTER
else
    echo "demo: building copythat-exporter (release)..." >&2
    # The Swift runtime and Foundation linked in, as for production (see "Building for production" in the README).
    binary=$(bash scripts/build-exporter.sh)
fi

work=$(mktemp -d /tmp/copythat-demo.XXXXXX)
chmod 755 "$work"
exporter_pid=""
cleanup() {
    if [ -n "$exporter_pid" ] && kill -0 "$exporter_pid" 2>/dev/null; then
        kill -TERM "$exporter_pid" 2>/dev/null || true
        wait "$exporter_pid" 2>/dev/null || true
    fi
    bash scripts/postgres.sh destroy "$work/postgres" || true
    bash scripts/redis.sh destroy "$work/redis" || true
    bash scripts/alertmanager.sh destroy "$work/alertmanager" || true
    rm -rf "$work"
    echo "demo: stopped; PostgreSQL, Redis and Alertmanager removed." >&2
}
# shellcheck source=scripts/cleanup-on-exit.sh
source scripts/cleanup-on-exit.sh
cleanup_on_exit cleanup

bash scripts/postgres.sh start "$work/postgres"
bash scripts/redis.sh start "$work/redis"
bash scripts/alertmanager.sh start "$work/alertmanager"
# shellcheck disable=SC1091
source "$work/postgres/env"
# shellcheck disable=SC1091
source "$work/redis/env"
# shellcheck disable=SC1091
source "$work/alertmanager/env"
export DATABASE_URL REDIS_URL
cat > "$work/exporter.yaml" <<CONFIG
listen: $listen
probe_interval: 5s
dependencies:
  - {name: database, type: postgres, url: '\${DATABASE_URL}'}
  - {name: redis, type: redis, url: '\${REDIS_URL}'}
rule_files: [$PWD/alerts/copythat.rules.yml]
evaluation_interval: 15s
external_url: http://$listen
alertmanagers: [$ALERTMANAGER_URL]
CONFIG

cat >&2 <<TEXT
demo: copythat-exporter is probing the local PostgreSQL and Redis. In another terminal:
        curl -s http://$listen/health/ready?verbose
        curl -s http://$listen/metrics | grep ^probe_
        curl -s http://$listen/api/v1/rules
        $binary probe
      Stop Redis (bash scripts/redis.sh stop $work/redis) and within about a minute CriticalDependencyDown
      reaches the Alertmanager: curl -s $ALERTMANAGER_URL/api/v2/alerts
      Ctrl-C stops the exporter and removes the servers.
TEXT
"$binary" serve --config "$work/exporter.yaml" &
exporter_pid=$!
wait "$exporter_pid"
