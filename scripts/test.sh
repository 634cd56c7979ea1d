#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (unit, integration, e2e, perf in short mode).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
"$root/scripts/setup.sh" "$build"
echo "== testing"
start=$(date +%s)
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure --timeout 600
echo "== tests took $(( $(date +%s) - start ))s"
