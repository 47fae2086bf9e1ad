#!/usr/bin/env bash
# ThreadSanitizer over the concurrency tests: the registry (many tasks updating and scraping one family), the probe
# scheduler and health store, and the clients over the I/O reactor, against real PostgreSQL and Redis. Its own scratch folder
# (.build-tsan), so it never invalidates the normal build. Any race report fails the run (halt_on_error).
#
#   bash scripts/tsan.sh                 # the suites below
#   bash scripts/tsan.sh --filter X      # other suites
set -euo pipefail
cd "$(dirname "$0")/.."
filter=(--filter 'PrometheusRegistryTests|ClientsTests|SchedulerTests|HealthStateTests')
if [ "$#" -gt 0 ]; then filter=("$@"); fi
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
bash scripts/test.sh --skip-build --sanitize=thread --scratch-path .build-tsan "${filter[@]}"
