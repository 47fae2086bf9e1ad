#!/usr/bin/env bash
# The quick start's run command: installs what is missing, starts a throwaway PostgreSQL, Redis and Alertmanager on
# free loopback ports, copythat-api over them, and copythat-exporter in the foreground probing the same servers,
# scraping the API's /metrics, evaluating alerts/ and notifying the Alertmanager. Ctrl-C stops everything and leaves
# nothing behind.
#   bash scripts/demo.sh [--listen HOST:PORT] [--api-listen HOST:PORT] [--ai-stub]
#     --listen      the exporter's address (default 127.0.0.1:9470)
#     --api-listen  the API's address (default 127.0.0.1:8000)
#     --alert-for NAME=DURATION   the exporter holds alert NAME for DURATION instead of its rule's `for` (repeat it;
#                   the rule files are not touched: alert_for_overrides in the exporter's configuration)
#     --ai-stub     the API's AI provider is scripts/anthropic-stub.py (valid palettes, large token counts: drives
#                   ai_cost_usd_total and HighAICost with no account); otherwise ANTHROPIC_API_KEY from the
#                   environment, and without one the local provider answers
# EXPORTER=PATH and API=PATH run those binaries instead of building the release ones (the tests use the debug ones).
set -euo pipefail
cd "$(dirname "$0")/.."
listen="127.0.0.1:9470"
api_listen="127.0.0.1:8000"
ai_stub=""
overrides=""
while [ "$#" -gt 0 ]; do
    case "$1" in
    --listen) listen=${2:?--listen needs HOST:PORT}; shift 2 ;;
    --api-listen) api_listen=${2:?--api-listen needs HOST:PORT}; shift 2 ;;
    --ai-stub) ai_stub=yes; shift ;;
    --alert-for)
        override=${2:?--alert-for needs NAME=DURATION}
        overrides="$overrides  ${override%%=*}: ${override#*=}"$'\n'
        shift 2
        ;;
    *) echo "demo: unknown argument $1 (see the comment at the top of scripts/demo.sh)" >&2; exit 2 ;;
    esac
done

bash scripts/install-deps.sh
if [ -n "${EXPORTER:-}" ]; then
    binary=$EXPORTER
else
    echo "demo: building copythat-exporter (release)..." >&2
    # The Swift runtime and Foundation linked in, as for production (see "Building for production" in docs/exporter.md).
    binary=$(bash scripts/build-exporter.sh)
fi
if [ -n "${API:-}" ]; then
    api_binary=$API
else
    echo "demo: building copythat-api (release)..." >&2
    swift build -c release --product copythat-api >&2
    api_binary="$(swift build -c release --show-bin-path)/copythat-api"
fi

work=$(mktemp -d /tmp/copythat-demo.XXXXXX)
chmod 755 "$work"
exporter_pid=""
api_pid=""
stub_pid=""
cleanup() {
    for pid in "$exporter_pid" "$api_pid" "$stub_pid"; do
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    bash scripts/postgres.sh destroy "$work/postgres" || true
    bash scripts/redis.sh destroy "$work/redis" || true
    bash scripts/alertmanager.sh destroy "$work/alertmanager" || true
    rm -rf "$work"
    echo "demo: stopped; the API, PostgreSQL, Redis and Alertmanager removed." >&2
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

# The API, on the same servers: migrations applied at start, a fresh signing key, budgets raised for the demo.
if [ -n "$ai_stub" ]; then
    stub_port=$(scripts/free-port.sh)
    python3 scripts/anthropic-stub.py "$stub_port" >"$work/anthropic-stub.log" 2>&1 &
    stub_pid=$!
    export ANTHROPIC_API_KEY="demo-stub-key" ANTHROPIC_BASE_URL="http://127.0.0.1:$stub_port"
fi
SECRET_KEY=$(head -c 48 /dev/urandom | base64 -w0) BCRYPT_COST=10 USER_DAILY_BUDGET_USD=${USER_DAILY_BUDGET_USD:-100} \
    DAILY_BUDGET_USD=${DAILY_BUDGET_USD:-1000} LOG_LEVEL=${LOG_LEVEL:-warning} \
    "$api_binary" serve --listen "$api_listen" >"$work/api.log" 2>&1 &
api_pid=$!
echo "$api_pid" >"$work/api.pid"
for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$api_listen/health/live")" = "200" ] && break
    kill -0 "$api_pid" 2>/dev/null || { echo "demo: copythat-api did not start:" >&2; cat "$work/api.log" >&2; exit 1; }
    sleep 0.2
done

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
scrape_targets:
  - {job: copythat-api, url: 'http://$api_listen/metrics'}
CONFIG
if [ -n "$overrides" ]; then printf 'alert_for_overrides:\n%s' "$overrides" >>"$work/exporter.yaml"; fi

api="http://$api_listen/api/v1"
cat >&2 <<TEXT
demo: copythat-api is on http://$api_listen and copythat-exporter on http://$listen, probing the local PostgreSQL
      and Redis and scraping the API. In another terminal:
        curl -s -X POST $api/auth/register -H 'Content-Type: application/json' \\
             -d '{"email": "ann@example.com", "password": "a long passphrase"}'
        TOKEN=\$(curl -s $api/auth/token -d 'username=ann@example.com&password=a long passphrase' | jq -r .access_token)
        curl -s -X POST $api/projects -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{"name": "Demo"}'
        curl -s -X POST $api/colors/extract -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
             -d "{\"project_id\": 1, \"max_colors\": 4, \"image_base64\": \"\$(base64 -w0 $PWD/examples/images/palette-four.png)\"}"
        curl -s http://$listen/health/ready?verbose
        curl -s http://$listen/api/v1/rules
      HighAICost (more than \$10 in an hour): run the demo with --ai-stub and extract with max_colors 1 to 10
      (each count is a new question to the cache, about \$1.23 each), then curl -s $ALERTMANAGER_URL/api/v2/alerts.
      HighErrorRate (5xx above 0.1/s for 2 minutes): stop PostgreSQL (bash scripts/postgres.sh stop $work/postgres)
      and keep calling curl -s $api/projects -H "Authorization: Bearer \$TOKEN" a few times a second.
      CriticalDependencyDown: stop Redis (bash scripts/redis.sh stop $work/redis); within about a minute.
      Ctrl-C stops everything and removes the servers.
TEXT
"$binary" serve --config "$work/exporter.yaml" &
exporter_pid=$!
wait "$exporter_pid"
