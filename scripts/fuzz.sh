#!/usr/bin/env bash
# Runs one libFuzzer target for a while: scripts/fuzz.sh TARGET [SECONDS] (default 30).
# TARGET: exposition, promql, rules, config, series, template, url, json (Fuzz/Sources/copythat-fuzz/FuzzTarget.swift).
# Builds Fuzz/ with -sanitize=fuzzer,address in its own scratch folder (Fuzz/.build-fuzz), seeds the corpus
# (Fuzz/.corpus/TARGET, kept between runs) from Fuzz/seeds/TARGET and the repository's own inputs, and exits non-zero
# on a finding, whose input libFuzzer writes to Fuzz/.artifacts/. All three folders are ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-30}
case "$target" in
exposition | promql | rules | config | series | template | url | json) ;;
*)
    echo "fuzz.sh: unknown target \"$target\" (exposition, promql, rules, config, series, template, url, json)" >&2
    exit 2
    ;;
esac
swift build --package-path Fuzz --scratch-path Fuzz/.build-fuzz --product copythat-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld >&2
binary=Fuzz/.build-fuzz/debug/copythat-fuzz
corpus=Fuzz/.corpus/$target
mkdir -p "$corpus" Fuzz/.artifacts
# The repository's own inputs, as the tests use them.
case "$target" in
rules) cp alerts/*.yml alerts/tests/*.yml "$corpus"/ 2>/dev/null || true ;;
config) cp examples/exporter.yaml "$corpus"/ ;;
promql) grep -h 'expr:' alerts/*.yml | sed 's/^ *expr: *//' | split -l 1 - "$corpus/rule-" ;;
esac
FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="Fuzz/.artifacts/$target-" "$corpus" "Fuzz/seeds/$target"
