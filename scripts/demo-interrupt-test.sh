#!/usr/bin/env bash
# Checks the quick start's promise that Ctrl-C leaves nothing running, the way a terminal delivers it: SIGINT to the
# whole process group of `scripts/demo.sh`, twice in quick succession (an impatient second Ctrl-C used to cut the
# cleanup short and leave PostgreSQL or Redis running). Passes when the demo exits 130 and its API, PostgreSQL,
# Redis, Alertmanager and working directory are gone. Run by scripts/test.sh after the unit tests.
#   scripts/demo-interrupt-test.sh      (EXPORTER=PATH, API=PATH to use other binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
exporter="${EXPORTER:-.build/debug/copythat-exporter}"
api="${API:-.build/debug/copythat-api}"
[ -x "$exporter" ] || swift build --product copythat-exporter >/dev/null
[ -x "$api" ] || swift build --product copythat-api >/dev/null
fail() {
    echo "demo-interrupt-test: FAILED: $*" >&2
    sed 's/^/    demo: /' "$log" >&2
    exit 1
}

port=$(scripts/free-port.sh)
api_port=$(scripts/free-port.sh)
log=$(mktemp /tmp/copythat-demo-test.XXXXXX)
# shellcheck source=scripts/terminal-job.sh
source scripts/terminal-job.sh
job=""
# Whatever happens here, the demo does not outlive the test.
finish() {
    stop_terminal_job
    rm -f "$log"
}
trap finish EXIT
# Started as a terminal starts a job: in a process group of its own (the demo's pid).
start_terminal_job "$log" env EXPORTER="$exporter" API="$api" \
    bash scripts/demo.sh --listen "127.0.0.1:$port" --api-listen "127.0.0.1:$api_port"
demo=$job
ready=""
for _ in $(seq 1 600); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")" = "200" ]; then
        ready=yes
        break
    fi
    kill -0 "$demo" 2>/dev/null || fail "the demo exited before it was ready"
    sleep 0.2
done
[ -n "$ready" ] || fail "the exporter never became ready on port $port"
# The demo's own banner says where its servers keep their data.
work=$(sed -n 's|^postgres.sh: PostgreSQL listening on .* (data in \(.*\)/postgres)$|\1|p' "$log" | head -1)
[ -n "$work" ] && [ -d "$work" ] || fail "no working directory found in the demo's output"
pids=$(cat "$work/redis/redis.pid" "$work/alertmanager/alertmanager.pid" "$work/api.pid")
# The exporter scrapes the API: the demo's whole stack is up.
curl -fs "http://127.0.0.1:$api_port/health/live" >/dev/null || fail "the API does not answer on port $api_port"
pids="$pids $(head -1 "$work/postgres/data/postmaster.pid")"
group=$(ps -o pgid= -p "$demo" | tr -d ' ')
[ "$group" = "$demo" ] || fail "the demo is not the leader of its process group ($group)"

kill -INT -- "-$group"
sleep 0.3
kill -INT -- "-$group" 2>/dev/null || true
status=0
for _ in $(seq 1 300); do
    kill -0 "$demo" 2>/dev/null || break
    sleep 0.2
done
kill -0 "$demo" 2>/dev/null && fail "the demo still runs 60 s after Ctrl-C"
wait "$demo" || status=$?
[ "$status" -eq 130 ] || fail "the demo exited $status, not 130"
# Alive: exists and is not a zombie waiting for its parent to collect it.
alive() { [ -e "/proc/$1" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }
for pid in $pids; do
    alive "$pid" && fail "process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline")) still runs"
done
[ ! -e "$work" ] || fail "$work is still there"
grep -q "demo: stopped" "$log" || fail "the demo did not say it stopped"
echo "demo-interrupt-test: two Ctrl-Cs stopped the demo (exit 130); the API, PostgreSQL, Redis, Alertmanager and $work are gone"
