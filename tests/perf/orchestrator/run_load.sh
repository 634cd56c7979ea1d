#!/usr/bin/env bash
# The orchestrator's full load run (see orchestrator_load.cpp): one- and three-step tasks at
# 16 and 64 clients, 10 s each, pgbench as the reference, RSS after 100,000 tasks.
#   tests/perf/orchestrator/run_load.sh [build-dir] [extra flags...]
set -euo pipefail
build="${1:-${OCTO_BUILD_DIR:-build}}"
shift || true
exec "$build/tests/perf/orchestrator/perf_orchestrator_load" --seconds=10 --warmup_seconds=2 \
  --concurrency=16,64 --steps=1,3 --memory_tasks=100000 "$@"
