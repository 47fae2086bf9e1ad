#!/usr/bin/env bash
# Stops the process whose pid is in FILE (SIGTERM, then SIGKILL after 5 seconds) and removes FILE.
#   stop-pidfile.sh FILE
set -euo pipefail
file=${1:?usage: stop-pidfile.sh FILE}
[ -f "$file" ] || exit 0
pid=$(cat "$file")
kill "$pid" 2>/dev/null || true
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null || true
rm -f "$file"
