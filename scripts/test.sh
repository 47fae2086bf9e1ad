#!/usr/bin/env bash
# The test command: installs what is missing, starts a throwaway PostgreSQL and Redis on free loopback ports,
# runs every test against them, and removes them again, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

work=$(mktemp -d /tmp/copythat-test.XXXXXX)
chmod 755 "$work"  # the postgres user must reach the data directory below
cleanup() {
    bash scripts/postgres.sh destroy "$work/postgres" || true
    bash scripts/redis.sh destroy "$work/redis" || true
    rm -rf "$work"
}
# shellcheck source=scripts/cleanup-on-exit.sh
source scripts/cleanup-on-exit.sh
cleanup_on_exit cleanup

bash scripts/postgres.sh start "$work/postgres"
bash scripts/redis.sh start "$work/redis"
# shellcheck disable=SC1091
source "$work/postgres/env"
# shellcheck disable=SC1091
source "$work/redis/env"
export TEST_DATABASE_URL="$DATABASE_URL" TEST_POSTGRES_DIR="$POSTGRES_DIR"
export TEST_REDIS_URL="$REDIS_URL" TEST_REDIS_ACL_URL="$REDIS_ACL_URL" TEST_REDIS_SOCKET_URL="$REDIS_SOCKET_URL"
export TEST_REDIS_DIR="$REDIS_DIR"
# The servers are for the tests only: nothing else in this process tree should think it has a database.
unset DATABASE_URL REDIS_URL REDIS_ACL_URL REDIS_SOCKET_URL

# Serially: several tests bound how long a probe may take, and on a small machine parallel suites would
# measure each other rather than the code.
swift test --no-parallel "$@"

# schemathesis against the API, promtool and our rule engine side by side over the same unit-test files, then the
# demo's Ctrl-C (all skipped when filtering tests).
if [ "$#" -eq 0 ]; then
    # The API from outside: schemathesis against its OpenAPI document, with a real token.
    DATABASE_URL="$TEST_DATABASE_URL" REDIS_URL="$TEST_REDIS_URL" \
        bash scripts/api-schemathesis.sh "$(swift build --show-bin-path)/copythat-api"
    bash scripts/differential-rules.sh
    # The quick start's promise: Ctrl-C (even twice) stops the demo and leaves nothing running.
    bash scripts/demo-interrupt-test.sh
    # The whole stack: real traffic through the API until HighAICost reaches the Alertmanager.
    bash scripts/stack-alert-test.sh
fi
