#!/usr/bin/env bash
# Builds copythat-exporter as it ships and prints the binary's path on stdout (build output goes to stderr):
# release, with the Swift runtime and Foundation linked in (--static-swift-stdlib), and every function of every
# module, dependencies included, in its own section (-function-sections), so that the release link can place the
# code a running exporter uses first and together (scripts/copythat-exporter.ld, made by scripts/link-order.sh).
# Extra arguments go to `swift build`.
#   scripts/build-exporter.sh [SWIFT BUILD ARGUMENTS...]
#
# Note: swiftc skips code generation for a module whose IR hash matches its existing object file, even when code
# generation options changed. Objects built earlier without -function-sections keep one .text section per file;
# delete .build/*/release/*.build/*.o once to rebuild them split. A fresh checkout is not affected.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --product copythat-exporter \
    -Xswiftc -Xfrontend -Xswiftc -function-sections "$@" >&2
echo "$(swift build -c release --show-bin-path)/copythat-exporter"
