#!/usr/bin/env bash
# The reflex's headline numbers, as ratios against a bare gRPC server measured in the same
# run on the same machine (DESIGN §6):
#   (a) octo-echo directly                       the baseline
#   (b) octo-reflex -> octo-echo, unique goals   full path, cache miss, orchestrator instant
#   (c) octo-reflex, one repeated goal           cache-hit path (after one priming call)
# Prints a table and, with --out, writes the figures as JSON. Exits 1 when a call failed,
# a run could not start or a process died, 2 on bad arguments; never because of speed.
#
#   tests/perf/reflex_headline.sh --build build --duration 10s --out headline.json
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: reflex_headline.sh [options]
  --build DIR        build tree holding the binaries (default: $OCTO_BUILD_DIR or ./build)
  --bench PATH       octo-bench binary (default: DIR/tools/octo-bench/octo-bench)
  --echo PATH        octo-echo binary (default: DIR/tools/octo-echo/octo-echo)
  --reflex PATH      octo-reflex binary (default: DIR/services/reflex/octo-reflex)
  --concurrency N    calls outstanding in every run (default: 8)
  --duration D       measured time of each run, absl syntax (default: 10s)
  --warmup D         unrecorded load before each run (default: 1s)
  --goal_bytes N     goal length (default: 64)
  --rounds N         repeat (a), (b), (c) N times, interleaved; figures are medians (default: 1)
  --reflex_args STR  extra flags for octo-reflex, e.g. "--redis 127.0.0.1:6379"
  --out FILE         write the figures as one JSON object to FILE
EOF
}

build_dir="${OCTO_BUILD_DIR:-build}"
bench="" echo_bin="" reflex="" out="" reflex_args=""
concurrency=8 duration=10s warmup=1s goal_bytes=64 rounds=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build_dir="$2"; shift 2 ;;
    --bench) bench="$2"; shift 2 ;;
    --echo) echo_bin="$2"; shift 2 ;;
    --reflex) reflex="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --goal_bytes) goal_bytes="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --reflex_args) reflex_args="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "reflex_headline: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
bench="${bench:-$build_dir/tools/octo-bench/octo-bench}"
echo_bin="${echo_bin:-$build_dir/tools/octo-echo/octo-echo}"
reflex="${reflex:-$build_dir/services/reflex/octo-reflex}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "reflex_headline: --rounds must be a positive integer" >&2; exit 2; }
for bin in "$bench" "$echo_bin" "$reflex"; do
  [[ -x "$bin" ]] || { echo "reflex_headline: $bin is not an executable (build it first)" >&2; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/reflex_headline.XXXXXX")"
pids=()
failed=0
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $failed -ne 0 ]]; then
    for log in "$work"/*.log; do
      [[ -f "$log" ]] || continue
      echo "--- last lines of $(basename "$log")" >&2
      tail -n 20 "$log" >&2
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'failed=1; exit 130' INT TERM

fail() {
  failed=1
  echo "reflex_headline: $*" >&2
  exit 1
}

# Waits (up to 10 s) for a server started on port 0 to log its bound port
# ("grpc_port":"N") and prints it; fails when the server exits first or stays silent.
wait_for_port() {
  local pid="$1" log="$2" port=""
  for _ in $(seq 200); do
    port="$(sed -n 's/.*"grpc_port":"\([0-9]*\)".*/\1/p' "$log" | head -n 1)"
    [[ -n "$port" ]] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

check_alive() {
  local name
  for name in echo reflex; do
    local pid_var="${name}_pid"
    kill -0 "${!pid_var}" 2>/dev/null || fail "octo-$name died during the benchmark"
  done
}

# A number from octo-bench's one-line JSON, whose keys are unique.
num() { sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" "$1" | head -n 1; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# Runs octo-bench against host:port and keeps its JSON in $work/NAME.json.
run_bench() {
  local name="$1" port="$2"
  shift 2
  echo "reflex_headline: run $name ..." >&2
  "$bench" --target "127.0.0.1:$port" --concurrency "$concurrency" --duration "$duration" \
    --warmup "$warmup" --goal_bytes "$goal_bytes" --json "$@" >"$work/$name.json" ||
    fail "octo-bench failed on run $name"
  check_alive
  local errors ok
  errors="$(num "$work/$name.json" errors)"
  ok="$(num "$work/$name.json" ok)"
  [[ "$errors" == 0 ]] || fail "run $name: $errors calls failed: $(sed -n 's/.*"errors_by_code":\({[^}]*}\).*/\1/p' "$work/$name.json")"
  [[ "$ok" -gt 0 ]] || fail "run $name: no call succeeded"
}

"$echo_bin" --listen 127.0.0.1:0 2>"$work/echo.log" &
echo_pid=$!
pids+=("$echo_pid")
echo_port="$(wait_for_port "$echo_pid" "$work/echo.log")" || fail "octo-echo did not start"

reflex_flags=(--listen 127.0.0.1:0 --metrics_listen 127.0.0.1:0
              --orchestrator "127.0.0.1:$echo_port" --log_level info)
# Anonymous calls (no API keys configured) and limits far above the offered load: the run
# pays for every stage of the full path, including the rate limiter, without being limited.
reflex_flags+=(--allow_anonymous
               --rate_limits "standard:key=1000000000/1000000000,tenant=1000000000/1000000000")
reflex_flags+=($reflex_args)
"$reflex" "${reflex_flags[@]}" 2>"$work/reflex.log" &
reflex_pid=$!
pids+=("$reflex_pid")
reflex_port="$(wait_for_port "$reflex_pid" "$work/reflex.log")" || fail "octo-reflex did not start"

# Interleaving the three runs round by round, and taking medians of per-round figures, keeps
# a burst of unrelated load on the machine from landing on one run only.
declare -a ratio_miss ratio_hit add50_miss add99_miss add50_hit add99_hit p99_hit hits_miss hits_hit
for r in $(seq "$rounds"); do
  run_bench "echo.$r" "$echo_port"
  run_bench "reflex_miss.$r" "$reflex_port" --unique_goals
  run_bench "reflex_hit.$r" "$reflex_port" --prime
  a="$work/echo.$r.json" b="$work/reflex_miss.$r.json" c="$work/reflex_hit.$r.json"
  ratio_miss+=("$(calc %.4f "$(num "$b" throughput_rps) / $(num "$a" throughput_rps)")")
  ratio_hit+=("$(calc %.4f "$(num "$c" throughput_rps) / $(num "$a" throughput_rps)")")
  add50_miss+=("$(( $(num "$b" p50) - $(num "$a" p50) ))")
  add99_miss+=("$(( $(num "$b" p99) - $(num "$a" p99) ))")
  add50_hit+=("$(( $(num "$c" p50) - $(num "$a" p50) ))")
  add99_hit+=("$(( $(num "$c" p99) - $(num "$a" p99) ))")
  p99_hit+=("$(num "$c" p99)")
  hits_miss+=("$(num "$b" cache_hit_ratio)")
  hits_hit+=("$(num "$c" cache_hit_ratio)")
done

reflex_hwm_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$reflex_pid/status")"
echo_hwm_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$echo_pid/status")"

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
lowest() { printf '%s\n' "$@" | sort -g | head -n 1; }
highest() { printf '%s\n' "$@" | sort -g | tail -n 1; }
ms() { calc %.3f "$1 / 1000"; }
# " (LOW..HIGH over N rounds)" when there are several rounds.
spread() {
  [[ $rounds -gt 1 ]] || return 0
  printf ' (%s..%s over %d rounds)' "$("$2" "$(lowest "${@:3}")")" "$("$2" "$(highest "${@:3}")")" "$rounds"
}
same() { echo "$1"; }
row() {
  local label="$1" file="$2" base="$3"
  printf '%-30s %10.1f %8.3f %9s %9s %9s %9s %7d %6.1f%%\n' "$label" "$(num "$file" throughput_rps)" \
    "$(calc %.4f "$(num "$file" throughput_rps) / $(num "$base" throughput_rps)")" \
    "$(ms "$(num "$file" p50)")" "$(ms "$(num "$file" p90)")" "$(ms "$(num "$file" p99)")" \
    "$(ms "$(num "$file" p999)")" "$(num "$file" errors)" \
    "$(calc %.1f "$(num "$file" cache_hit_ratio) * 100")"
}

echo
echo "Reflex headline: concurrency $concurrency, $duration per run after $warmup warmup," \
     "goal $goal_bytes bytes, $rounds round(s), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "octo-reflex ${reflex_flags[*]:6}"
printf '%-30s %10s %8s %9s %9s %9s %9s %7s %7s\n' run "calls/s" "vs echo" "p50 ms" "p90 ms" \
  "p99 ms" "p99.9 ms" errors "hits"
for r in $(seq "$rounds"); do
  suffix=""
  [[ $rounds -gt 1 ]] && suffix=" #$r"
  row "(a) octo-echo (baseline)$suffix" "$work/echo.$r.json" "$work/echo.$r.json"
  row "(b) reflex -> echo, miss$suffix" "$work/reflex_miss.$r.json" "$work/echo.$r.json"
  row "(c) reflex, cache hit$suffix" "$work/reflex_hit.$r.json" "$work/echo.$r.json"
done
m_ratio_miss="$(median "${ratio_miss[@]}")" m_ratio_hit="$(median "${ratio_hit[@]}")"
m_add50_miss="$(median "${add50_miss[@]}")" m_add99_miss="$(median "${add99_miss[@]}")"
m_add50_hit="$(median "${add50_hit[@]}")" m_add99_hit="$(median "${add99_hit[@]}")"
m_p99_hit="$(median "${p99_hit[@]}")"
echo
[[ $rounds -gt 1 ]] && echo "medians of the per-round figures:"
echo "(b) full path, cache miss: throughput x$m_ratio_miss of echo$(spread x same "${ratio_miss[@]}")"
echo "                           adds p50 $(ms "$m_add50_miss") ms$(spread x ms "${add50_miss[@]}"), p99 $(ms "$m_add99_miss") ms$(spread x ms "${add99_miss[@]}")"
echo "(c) cache hit:             throughput x$m_ratio_hit of echo$(spread x same "${ratio_hit[@]}")"
echo "                           p99 $(ms "$m_p99_hit") ms$(spread x ms "${p99_hit[@]}"), adds $(ms "$m_add99_hit") ms over echo's p99"
echo "reflex peak RSS (VmHWM):   $(calc %.1f "$reflex_hwm_kb / 1024") MiB (echo: $(calc %.1f "$echo_hwm_kb / 1024") MiB)"
# Not failures: they say a run did not measure the path its name claims.
max_hits_miss="$(highest "${hits_miss[@]}")" min_hits_hit="$(lowest "${hits_hit[@]}")"
if awk "BEGIN { exit !($max_hits_miss > 0.01) }"; then
  echo "warning: a run (b) had cache hits ($max_hits_miss); it is not a pure miss path" >&2
fi
if awk "BEGIN { exit !($min_hits_hit < 0.99) }"; then
  echo "warning: a run (c) had few cache hits ($min_hits_hit); it is not a cache-hit path" >&2
fi

if [[ -n "$out" ]]; then
  json_flags="${reflex_flags[*]:6}"
  json_flags="${json_flags//\\/\\\\}"
  json_flags="${json_flags//\"/\\\"}"
  {
    printf '{"config":{"concurrency":%s,"duration":"%s","warmup":"%s","goal_bytes":%s,' \
      "$concurrency" "$duration" "$warmup" "$goal_bytes"
    printf '"rounds":%s,"cpus":%s,"reflex_flags":"%s","time":"%s"},\n' \
      "$rounds" "$(nproc)" "$json_flags" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf '"headline":{"throughput_ratio_miss":%s,"throughput_ratio_hit":%s,' "$m_ratio_miss" "$m_ratio_hit"
    printf '"added_p50_us_miss":%s,"added_p99_us_miss":%s,"added_p50_us_hit":%s,"added_p99_us_hit":%s,' \
      "$m_add50_miss" "$m_add99_miss" "$m_add50_hit" "$m_add99_hit"
    printf '"p99_us_hit":%s,"cache_hit_ratio_miss_max":%s,"cache_hit_ratio_hit_min":%s,' \
      "$m_p99_hit" "$max_hits_miss" "$min_hits_hit"
    printf '"reflex_peak_rss_kb":%s,"echo_peak_rss_kb":%s},\n"rounds":[' "$reflex_hwm_kb" "$echo_hwm_kb"
    for r in $(seq "$rounds"); do
      [[ $r -gt 1 ]] && printf ',\n'
      printf '{"echo":%s,\n"reflex_miss":%s,\n"reflex_hit":%s}' "$(cat "$work/echo.$r.json")" \
        "$(cat "$work/reflex_miss.$r.json")" "$(cat "$work/reflex_hit.$r.json")"
    done
    printf ']}\n'
  } >"$out"
  echo "wrote $out"
fi
