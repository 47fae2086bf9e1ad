#!/usr/bin/env bash
# Runs every rule unit-test file through `promtool test rules` and `copythat-exporter test-rules` and fails on any
# difference in exit status, stdout or stderr. Covers alerts/tests/*.yml (which must pass) and the differential
# cases in alerts/tests/differential/ (which print every computed value; see the README there), and files both
# tools must reject (alerts/tests/differential/invalid/).
#
# Debian 12's promtool is Prometheus 2.42, so our engine runs with --compatibility prometheus2 (closed range
# windows); the shipped tests must also pass with the default, Prometheus 3 semantics.
set -euo pipefail
cd "$(dirname "$0")/.."
exporter="${EXPORTER:-.build/debug/copythat-exporter}"
[ -x "$exporter" ] || swift build --product copythat-exporter >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failures=0
files=(alerts/tests/*.yml alerts/tests/differential/*_test.yml)
for file in "${files[@]}"; do
    promtool_status=0
    ours_status=0
    promtool test rules "$file" >"$work/promtool.out" 2>"$work/promtool.err" || promtool_status=$?
    "$exporter" test-rules --compatibility prometheus2 "$file" >"$work/ours.out" 2>"$work/ours.err" || ours_status=$?
    if [ "$promtool_status" != "$ours_status" ]; then
        echo "DIFFERENT VERDICT $file: promtool exit $promtool_status, copythat-exporter exit $ours_status" >&2
        failures=$((failures + 1))
    elif ! diff -u "$work/promtool.err" "$work/ours.err" >"$work/diff" || ! diff -u "$work/promtool.out" "$work/ours.out" >>"$work/diff"; then
        echo "DIFFERENT REPORT $file:" >&2
        cat "$work/diff" >&2
        failures=$((failures + 1))
    else
        echo "same: $file (exit $ours_status, $(wc -l <"$work/ours.err") lines of report)"
    fi
done
# Files that must not load or evaluate: the messages differ in wording, the verdict (exit 1) must not.
for file in alerts/tests/differential/invalid/*_test.yml; do
    promtool_status=0
    ours_status=0
    promtool test rules "$file" >/dev/null 2>&1 || promtool_status=$?
    "$exporter" test-rules --compatibility prometheus2 "$file" >/dev/null 2>"$work/ours.err" || ours_status=$?
    if [ "$promtool_status" != "$ours_status" ] || [ "$ours_status" = 0 ]; then
        echo "DIFFERENT VERDICT $file: promtool exit $promtool_status, copythat-exporter exit $ours_status" >&2
        failures=$((failures + 1))
    else
        echo "both reject: $file ($(grep -v FAILED "$work/ours.err" | head -1 | sed 's/^ *//'))"
    fi
done
for file in alerts/tests/*.yml; do
    if ! "$exporter" test-rules "$file" >/dev/null 2>"$work/v3.err"; then
        echo "FAILED with Prometheus 3 semantics: $file" >&2
        cat "$work/v3.err" >&2
        failures=$((failures + 1))
    fi
done
if [ "$failures" -gt 0 ]; then
    echo "differential-rules: $failures file(s) differ" >&2
    exit 1
fi
echo "differential-rules: promtool and copythat-exporter agree on ${#files[@]} files"
