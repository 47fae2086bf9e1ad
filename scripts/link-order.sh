#!/usr/bin/env bash
# Regenerates scripts/copythat-exporter.ld, the linker script fragment that the exporter's release link uses to place
# the code a running exporter executes first and together, in an output section of its own (.text.hot). The kernel
# maps a binary's code 64 KB around every page touched; with the code an exporter runs spread over 16 MB, nearly all
# of it stayed resident. Together it is about 4 MB (see "Building for production" in docs/exporter.md).
#
# The list comes from running the exporter under valgrind's callgrind, which records every instruction executed (the
# Swift runtime and standard library included), in two scenarios: the quick start's (PostgreSQL and Redis from the
# environment) and the example configuration's (PostgreSQL, Redis, both AI probes, rule evaluation, a scraped core
# API and an Alertmanager, served by scripts/profile-stub.py), each answering /metrics, /health/ready and
# /health/live, then shutting down on SIGTERM. The linker's map file of the same binary turns each executed address
# into its input section: a function's own section, or a file's .text where a library was not built with function
# sections, or an unnamed function (`.L__unnamed_N`), which no symbol ordering file can name. Sections are listed
# in the order callgrind reports them. A section that no longer exists matches nothing; code not in the list links
# after the listed code, as before. Rerun this after large changes and commit the result.
#   scripts/link-order.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >&2
command -v valgrind >/dev/null || {
    as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends valgrind >/dev/null
}
output=scripts/copythat-exporter.ld
work=$(mktemp -d /tmp/copythat-link-order.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    bash scripts/postgres.sh destroy "$work/postgres" >/dev/null 2>&1 || true
    bash scripts/redis.sh destroy "$work/redis" >/dev/null 2>&1 || true
    rm -rf "$work"
}
# shellcheck source=scripts/cleanup-on-exit.sh
source scripts/cleanup-on-exit.sh
cleanup_on_exit cleanup
# The map file says which input section each address of this binary came from.
binary=$(bash scripts/build-exporter.sh -Xlinker -Map="$work/copythat-exporter.map")
bash scripts/postgres.sh start "$work/postgres" >/dev/null 2>&1
bash scripts/redis.sh start "$work/redis" >/dev/null 2>&1
# shellcheck disable=SC1091
source "$work/postgres/env"
# shellcheck disable=SC1091
source "$work/redis/env"
stub_port=$(scripts/free-port.sh)
python3 scripts/profile-stub.py "$stub_port" &
pids+=($!)

# valgrind 3.19 cannot read the toolchain's DWARF 5; the symbol table is all it needs, at the same addresses.
objcopy --strip-debug "$binary" "$work/copythat-exporter"

cat > "$work/exporter.yaml" <<YAML
listen: 127.0.0.1:9470
probe_interval: 2s
probe_timeout: 1s
shutdown_delay: 1s
dependencies:
  - {name: database, type: postgres, url: "\${DATABASE_URL}", critical: true}
  - {name: redis, type: redis, url: "\${REDIS_URL}", critical: true}
  - {name: anthropic, type: anthropic, api_key: profile-key, base_url: "http://127.0.0.1:$stub_port", critical: false}
  - {name: openai, type: openai, api_key: profile-key, base_url: "http://127.0.0.1:$stub_port", critical: false}
rule_files: [$PWD/alerts/copythat.rules.yml]
evaluation_interval: 2s
resend_delay: 2s
scrape_self: true
scrape_targets:
  - {job: copythat-api, url: "http://127.0.0.1:$stub_port/metrics"}
alertmanagers: ["http://127.0.0.1:$stub_port"]
YAML

# Runs the exporter under callgrind with "$@" as its arguments, exercises its endpoints, stops it with SIGTERM.
profile() {
    local name=$1 port
    shift
    port=$(scripts/free-port.sh)
    LOG_LEVEL=warning valgrind --tool=callgrind --demangle=no --dump-instr=yes --dump-line=no --compress-strings=no --compress-pos=no \
        --callgrind-out-file="$work/$name.callgrind" "$work/copythat-exporter" serve --listen "127.0.0.1:$port" "$@" \
        >"$work/$name.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 600); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/live")" = "200" ] && break
        sleep 0.1
    done
    for _ in 1 2 3 4 5; do
        curl -s -o /dev/null "http://127.0.0.1:$port/metrics"
        curl -s -o /dev/null -H 'Accept: application/openmetrics-text; version=1.0.0' -H 'Accept-Encoding: gzip' \
            "http://127.0.0.1:$port/metrics"
        curl -s -o /dev/null "http://127.0.0.1:$port/health/ready"
        curl -s -o /dev/null "http://127.0.0.1:$port/health/ready?verbose"
        curl -s -o /dev/null "http://127.0.0.1:$port/health/live"
        curl -s -o /dev/null "http://127.0.0.1:$port/no-such-path"
        sleep 2
    done
    kill -TERM "$pid"
    wait "$pid" || { echo "link-order: the $name run failed:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
}
profile environment --probe-interval 2s
profile configuration --config "$work/exporter.yaml"

# Every input section of the binary whose code ran, as a linker script input section description.
python3 - "$work/copythat-exporter.map" "$work/environment.callgrind" "$work/configuration.callgrind" >"$output" <<'PYTHON'
import bisect, re, sys

map_path, profiles = sys.argv[1], sys.argv[2:]
# Input sections of the map: "VMA LMA SIZE ALIGN /path/file.o:(.text.name)" or "/path/lib.a(member.o):(.text)".
sections = []
for line in open(map_path):
    match = re.match(r"\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+(/\S+):\((\.text[^)]*)\)$", line)
    if match:
        sections.append((int(match.group(1), 16), int(match.group(2), 16), match.group(3), match.group(4)))
sections.sort()
starts = [section[0] for section in sections]


def pattern(path, name):
    member = re.search(r"/([^/(]+\.a)\(([^)]+)\)$", path)
    if member:
        return f"*{member.group(1)}:{member.group(2)}({name})"
    module_object = re.search(r"/([^/]+\.build/[^/]+\.o)$", path)
    return f"*/{module_object.group(1) if module_object else path.rsplit('/', 1)[-1]}({name})"


listed = {}
for profile in profiles:
    in_binary = False
    for line in open(profile, errors="replace"):
        if line.startswith("ob="):
            in_binary = line.rstrip("\n").endswith("/copythat-exporter")
        elif in_binary and line.startswith("0x"):
            address = int(line.split()[0], 16)
            index = bisect.bisect_right(starts, address) - 1
            if index >= 0 and address < sections[index][0] + sections[index][1]:
                listed.setdefault(pattern(sections[index][2], sections[index][3]), None)
print("/* Generated by scripts/link-order.sh: the input sections a running copythat-exporter executes. */")
print("SECTIONS {\n  .text.hot : {")
for entry in listed:
    print(f"    {entry}")
print("  }\n}\nINSERT BEFORE .text;")
PYTHON
echo "link-order: $(grep -c '^    \*' "$output") input sections written to $output" >&2
