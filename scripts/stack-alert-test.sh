#!/usr/bin/env bash
# The whole stack end to end, as the quick start runs it: scripts/demo.sh --ai-stub (PostgreSQL, Redis,
# Alertmanager, copythat-api with the stub AI provider, copythat-exporter scraping it and evaluating alerts/), then
# real traffic through the API: an account, a project, ten extractions with different colour counts (each a new
# question for the cache, about $1.23 of tokens each), until HighAICost, computed from the API's own
# ai_cost_usd_total, has reached the Alertmanager; then PostgreSQL stopped and requests answered 503 until
# HighErrorRate, from the API's own http_requests_total, has too (its `for: 2m` held 0 s through the exporter's
# alert_for_overrides, never in the rule file). Ctrl-C then removes everything.
# Run by scripts/test.sh after the unit tests.
#   scripts/stack-alert-test.sh      (EXPORTER=PATH, API=PATH to use other binaries; the debug ones by default)
set -euo pipefail
cd "$(dirname "$0")/.."
exporter="${EXPORTER:-.build/debug/copythat-exporter}"
api_binary="${API:-.build/debug/copythat-api}"
[ -x "$exporter" ] || swift build --product copythat-exporter >/dev/null
[ -x "$api_binary" ] || swift build --product copythat-api >/dev/null
port=$(scripts/free-port.sh)
api_port=$(scripts/free-port.sh)
log=$(mktemp /tmp/copythat-stack-test.XXXXXX)
# shellcheck source=scripts/terminal-job.sh
source scripts/terminal-job.sh
job=""
finish() {
    stop_terminal_job
    rm -f "$log"
}
trap finish EXIT
fail() {
    echo "stack-alert-test: FAILED: $*" >&2
    sed 's/^/    demo: /' "$log" | tail -40 >&2
    exit 1
}
# The general limits raised, so that the error burst below is answered 503, not 429.
start_terminal_job "$log" env RATE_LIMIT_PER_MINUTE=1000000 RATE_LIMIT_PER_HOUR=100000000 EXPORTER="$exporter" API="$api_binary" \
    bash scripts/demo.sh --listen "127.0.0.1:$port" --api-listen "127.0.0.1:$api_port" --ai-stub --alert-for HighErrorRate=0s
demo=$job
for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")" = "200" ] && break
    kill -0 "$demo" 2>/dev/null || fail "the demo exited before it was ready"
    sleep 0.2
done
api="http://127.0.0.1:$api_port/api/v1"
alertmanager=$(grep -o 'http://127.0.0.1:[0-9]*/api/v2/alerts' "$log" | head -1)
[ -n "$alertmanager" ] || fail "the demo did not print the Alertmanager's address"

curl -fs -X POST "$api/auth/register" -H 'Content-Type: application/json' \
    -d '{"email": "stack@example.com", "password": "a long passphrase"}' >/dev/null || fail "register"
token=$(curl -fs "$api/auth/token" -d 'username=stack@example.com&password=a long passphrase' | jq -r .access_token)
project=$(curl -fs -X POST "$api/projects" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name": "Stack"}' | jq -r .id)
# One scrape of the API's zero-valued cost series first (the exporter scrapes every 15 s from its start), so that
# what follows is an increase.
sleep 16
image=$(base64 -w0 examples/images/palette-four.png)
for count in 1 2 3 4 5 6 7 8 9 10; do
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api/colors/extract" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' -d "{\"project_id\": $project, \"max_colors\": $count, \"image_base64\": \"$image\"}")
    [ "$status" = "200" ] || fail "extraction $count answered $status"
done
# Waits until the Alertmanager holds alert $1 for the API's job.
await_alert() {
    for _ in $(seq 1 120); do
        curl -s "$alertmanager" | jq -e --arg name "$1" '.[] | select(.labels.alertname == $name and .labels.job == "copythat-api")' \
            >/dev/null && return 0
        sleep 0.5
    done
    curl -s "http://127.0.0.1:$port/api/v1/rules" | jq -c --arg name "$1" '.data.groups[].rules[] | select(.name == $name)' >&2 || true
    fail "$1 never reached the Alertmanager"
}
await_alert HighAICost
echo "stack-alert-test: HighAICost reached the Alertmanager from the API's own metrics"

# PostgreSQL gone: every authenticated request is a 503. Two bursts a scrape apart, so that the 5xx series the first
# scrape finds has grown by the next one.
work=$(sed -n 's|^postgres.sh: PostgreSQL listening on .* (data in \(.*\)/postgres)$|\1|p' "$log" | head -1)
[ -n "$work" ] || fail "no working directory found in the demo's output"
bash scripts/postgres.sh stop "$work/postgres" >/dev/null 2>&1 || fail "could not stop PostgreSQL"
burst() {
    for _ in $(seq 1 60); do
        curl -s -o /dev/null -w '%{http_code}\n' "$api/projects" -H "Authorization: Bearer $token"
    done | sort | uniq -c | tr '\n' ' '
}
echo "stack-alert-test: with PostgreSQL stopped: $(burst)" >&2
sleep 16
echo "stack-alert-test: and again: $(burst)" >&2
await_alert HighErrorRate
echo "stack-alert-test: HighErrorRate reached the Alertmanager from the API's own metrics"
