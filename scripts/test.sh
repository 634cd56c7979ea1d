#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: unit, integration, e2e, perf (short mode),
# then the detectors' fuzz target for a bounded time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
"$root/scripts/setup.sh" "$build"
echo "== testing"
start=$(date +%s)
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure --timeout 600
echo "== tests took $(( $(date +%s) - start ))s"

# The detectors' libFuzzer target needs clang; it runs for a bounded time (see its ctest).
echo "== fuzzing the detectors (clang, libFuzzer, bounded)"
fuzz="$root/build-fuzz"
CXX=clang++ cmake -S "$root" -B "$fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  > "$fuzz.cmake.log" 2>&1 || { cat "$fuzz.cmake.log"; exit 1; }
ninja -C "$fuzz" fuzz_safety > "$fuzz.build.log" 2>&1 || { tail -40 "$fuzz.build.log"; exit 1; }
ctest --test-dir "$fuzz" -L fuzz --output-on-failure
