// octo-bench: load generator for octo.v1.TaskService/SubmitTask (the reflex, an
// orchestrator, or the octo-echo baseline).
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/strings/str_format.h"
#include "load.h"
#include "octo/common/config.h"
#include "octo/task/spec.h"
#include "report.h"

int main(int argc, char** argv) {
  octo::bench::LoadOptions options;
  bool json = false;
  bool progress = true;
  octo::common::ConfigBinder binder(
      "octo-bench",
      "Calls TaskService/SubmitTask at a fixed concurrency (closed loop) or rate (open loop)\n"
      "and reports throughput, latency percentiles and errors by status code. Exits 0 when\n"
      "the run completed (check the error counts), 1 when it could not start, 2 on bad flags.");
  binder.Bind("target", "OCTO_BENCH_TARGET", &options.target, "gRPC target host:port");
  binder.Bind("concurrency", "OCTO_BENCH_CONCURRENCY", &options.concurrency,
              "closed loop: calls outstanding at all times");
  binder.Bind("rate", "OCTO_BENCH_RATE", &options.rate,
              "open loop when > 0: calls started per second; latency from scheduled start");
  binder.Bind("duration", "OCTO_BENCH_DURATION", &options.duration, "measured time");
  binder.Bind("warmup", "OCTO_BENCH_WARMUP", &options.warmup, "unrecorded load before it");
  binder.Bind("timeout", "OCTO_BENCH_TIMEOUT", &options.timeout,
              "deadline of each call (connecting may take max(timeout, 5s))");
  binder.Bind("channels", "OCTO_BENCH_CHANNELS", &options.channels,
              "connections to spread calls over; 0: min(concurrency, 4), 4 in open loop");
  binder.Bind("unique_goals", "OCTO_BENCH_UNIQUE_GOALS", &options.unique_goals,
              "a different goal in every call (cache misses); else one repeated goal");
  binder.Bind("goal_bytes", "OCTO_BENCH_GOAL_BYTES", &options.goal_bytes, "goal length in bytes");
  binder.Bind("prime", "OCTO_BENCH_PRIME", &options.prime,
              "one call alone before the warmup, which must succeed");
  binder.Bind("max_outstanding", "OCTO_BENCH_MAX_OUTSTANDING", &options.max_outstanding,
              "open loop: calls in flight beyond which scheduled calls are dropped");
  binder.Bind("json", "OCTO_BENCH_JSON", &json, "print one JSON object instead of the summary");
  binder.Bind("progress", "OCTO_BENCH_PROGRESS", &progress,
              "a progress line on stderr every second (runs of 3 s or more)");
  binder.ParseOrExit(argc, argv);

  if (absl::Status status = octo::bench::ResolveOptions(&options); !status.ok()) {
    std::cerr << "octo-bench: " << status.message() << "\n";
    return 2;
  }
  {
    octo::v1::TaskSpec spec;
    spec.set_goal(
        octo::bench::MakeGoal(options.unique_goals, "0123456789abcdef", 0, options.goal_bytes));
    if (absl::Status status = octo::task::ValidateTaskSpec(spec); !status.ok()) {
      std::cerr << "octo-bench: warning: servers will reject these calls: " << status.message()
                << "\n";
    }
  }
  if (progress && options.warmup + options.duration >= absl::Seconds(3)) {
    options.on_progress = [](const octo::bench::Progress& p) {
      std::fprintf(stderr, "octo-bench %5.1fs %-9s ok %llu (%.0f/s) failed %llu in flight %lld\n",
                   absl::ToDoubleSeconds(p.elapsed), p.warming_up ? "warmup" : "measuring",
                   static_cast<unsigned long long>(p.ok), p.ok_per_second,
                   static_cast<unsigned long long>(p.errors), static_cast<long long>(p.in_flight));
    };
  }
  absl::StatusOr<octo::bench::LoadResult> result = octo::bench::RunLoad(options);
  if (!result.ok()) {
    std::cerr << "octo-bench: " << result.status() << "\n";
    return 1;
  }
  if (json) {
    std::cout << octo::bench::FormatJson(options, *result) << std::endl;
  } else {
    std::cout << octo::bench::FormatText(options, *result) << std::flush;
  }
  return 0;
}
