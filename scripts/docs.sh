#!/usr/bin/env bash
# DocC for the library modules, warnings as errors: a broken symbol link or an undocumented parameter of a documented
# function fails the run. The archives land in .build/plugins/Swift-DocC/outputs/<Module>.doccarchive.
#   bash scripts/docs.sh [MODULE...]   (default: the four library modules)
set -euo pipefail
cd "$(dirname "$0")/.."
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(PrometheusRegistry JSONLogging CopyThatInstrumentation Clients)
for module in "${modules[@]}"; do
    echo "docs: $module" >&2
    swift package generate-documentation --target "$module" --warnings-as-errors >/tmp/copythat-docc-$$.log 2>&1 || {
        grep -E "^(error|warning)" /tmp/copythat-docc-$$.log | grep -v "distributed-tracing" >&2 || cat /tmp/copythat-docc-$$.log >&2
        rm -f /tmp/copythat-docc-$$.log
        exit 1
    }
done
rm -f /tmp/copythat-docc-$$.log
