#!/usr/bin/env bash
# Sets everything up and runs the whole system on this machine, then submits a demo task.
# Stops everything on Ctrl-C. Data and logs: .octo/ (git-ignored).
# The planner, answerer, judge and coder arms use the language model set by OCTO_LLM_PROVIDER (offline | openai |
# anthropic), OCTO_LLM_BASE_URL, OCTO_LLM_MODEL and OCTO_LLM_API_KEY (or OPENAI_API_KEY /
# ANTHROPIC_API_KEY), passed through from this environment; offline when unset.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
export OCTO_VAR="${OCTO_VAR:-$root/.octo}"
source "$root/scripts/lib.sh"

"$root/scripts/setup.sh" "$build" octo-reflex octo-orchestrator octo-arm octoctl

PG_PORT="${OCTO_PG_PORT:-55432}"
REDIS_PORT="${OCTO_REDIS_PORT:-56379}"
mkdir -p "$OCTO_VAR/logs"
pids=()
cleanup() {
  echo "== stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_postgres "$OCTO_VAR/postgres"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

echo "== postgres on 127.0.0.1:$PG_PORT, redis on 127.0.0.1:$REDIS_PORT"
start_postgres "$OCTO_VAR/postgres" "$PG_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  > "$OCTO_VAR/logs/redis.log" 2>&1 &
pids+=($!)
wait_port "$REDIS_PORT"

export OCTO_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/octo"
export OCTO_REDIS_ADDR="127.0.0.1:$REDIS_PORT"
bin="$build"
start() {  # name, command...
  local name="$1"; shift
  "$@" > "$OCTO_VAR/logs/$name.log" 2>&1 &
  pids+=($!)
}
# One arm process per kind: gRPC on 5006N, metrics on 911N.
arm_kinds=(retriever:1 executor:2 planner:3 judge:4 answerer:5 guardian:7)
# The coder needs a language model; offline there is none and "code" is not offered.
if [[ "${OCTO_LLM_PROVIDER:-offline}" != offline ]]; then arm_kinds+=(coder:6); fi
ports=()
for entry in "${arm_kinds[@]}"; do
  kind="${entry%%:*}" n="${entry##*:}"
  start "arm-$kind" "$bin/services/arms/octo-arm" --arm="$kind" --listen="127.0.0.1:5006$n" \
    --metrics_listen="127.0.0.1:911$n"
  ports+=("5006$n")
done
for port in "${ports[@]}"; do wait_port "$port"; done
arms=$(printf 'dns:///127.0.0.1:%s,' "${ports[@]}")
start orchestrator "$bin/services/orchestrator/octo-orchestrator" --arms="${arms%,}"
wait_port 50052
start reflex "$bin/services/reflex/octo-reflex" --allow_anonymous
wait_port 50051

cat <<TXT
== OctoLLM is running
   reflex        127.0.0.1:50051   metrics http://127.0.0.1:9101/metrics
   orchestrator  127.0.0.1:50052   metrics http://127.0.0.1:9102/metrics
   retriever     127.0.0.1:50061   metrics http://127.0.0.1:9111/metrics
   executor      127.0.0.1:50062   metrics http://127.0.0.1:9112/metrics
   planner       127.0.0.1:50063   metrics http://127.0.0.1:9113/metrics   model: ${OCTO_LLM_PROVIDER:-offline} ${OCTO_LLM_MODEL:-}
   judge         127.0.0.1:50064   metrics http://127.0.0.1:9114/metrics   model: ${OCTO_LLM_PROVIDER:-offline} ${OCTO_LLM_MODEL:-}
   answerer      127.0.0.1:50065   metrics http://127.0.0.1:9115/metrics   model: ${OCTO_LLM_PROVIDER:-offline} ${OCTO_LLM_MODEL:-}
   coder         127.0.0.1:50066   (only with a model: OCTO_LLM_PROVIDER=openai | anthropic)
   guardian      127.0.0.1:50067   metrics http://127.0.0.1:9117/metrics
   logs          $OCTO_VAR/logs/
TXT
octoctl="$bin/tools/octoctl/octoctl"
sleep 1  # let the orchestrator describe its arms
echo "== demo: ingest the README, then ask about it"
(cd "$root" && "$octoctl" ingest README.md)  # the document id is the path as given
"$octoctl" submit --wait "What does the reflex do?"
echo "== demo: run a program through the executor arm"
"$octoctl" submit --wait --exec "echo hello from the executor arm" "say hello"
echo "== try: $octoctl list    (Ctrl-C stops everything)"
while true; do sleep 3600; done
