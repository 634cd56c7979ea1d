// The load generator behind octo-bench: TaskService/SubmitTask at a fixed concurrency
// (closed loop) or a fixed rate (open loop), over the gRPC callback client API.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "histogram.h"

namespace octo::bench {

// What on_progress receives, about once per second.
struct Progress {
  absl::Duration elapsed;  // since the warmup started
  bool warming_up = false;
  uint64_t ok = 0;           // successful calls so far, warmup included
  uint64_t errors = 0;       // failed calls so far, warmup included
  double ok_per_second = 0;  // over the last interval
  int64_t in_flight = 0;
};

struct LoadOptions {
  // gRPC target: "host:port" or any target URI gRPC resolves.
  std::string target = "127.0.0.1:50051";
  // Closed loop (when rate is 0): each of `concurrency` slots starts its next call when the
  // previous one ends, so this many calls are outstanding at all times. Default 8.
  int concurrency = 8;
  // Open loop when > 0: calls start on a fixed schedule of `rate` per second whatever the
  // answers, and latency counts from each call's scheduled start (so a stalled server is
  // charged for the calls it delayed: no coordinated omission). Default 0.
  double rate = 0;
  // Measured time, after the warmup. Default 10 s.
  absl::Duration duration = absl::Seconds(10);
  // Load before the measurement that is not recorded. Default 1 s.
  absl::Duration warmup = absl::Seconds(1);
  // Deadline of each call; connecting may take this long too, or 5 s if that is longer.
  // Default 10 s.
  absl::Duration timeout = absl::Seconds(10);
  // Channels, each with its own TCP connection, the calls are spread over. 0: one per
  // concurrency level up to 4 (4 in open loop). Default 0.
  int channels = 0;
  // Every call carries a goal no other call (of this or any other run) had, so caches miss.
  // Otherwise every call sends the same spec, and caches hit once it is cached.
  bool unique_goals = false;
  // Goal length in bytes; a unique goal's prefix can make it longer. Default 64.
  int goal_bytes = 64;
  // One unrecorded call before the warmup, which must succeed (it fills the result cache
  // for a repeated goal).
  bool prime = false;
  // Open loop: calls in flight beyond which a scheduled call is skipped and counted as
  // dropped (as is one the generator could only send more than `timeout` late).
  // Default 100,000.
  int max_outstanding = 100'000;
  // Called from another thread about once per second while the load runs; may be empty.
  std::function<void(const Progress&)> on_progress;
};

// Number of grpc::StatusCode values (OK .. UNAUTHENTICATED).
inline constexpr int kStatusCodes = 17;

// Figures of the calls started in the measurement window (after the warmup).
struct LoadResult {
  // Latency of the successful calls, in microseconds.
  Histogram latency_us;
  uint64_t ok = 0;
  // Failed calls by grpc::StatusCode (index 0, OK, stays 0).
  std::array<uint64_t, kStatusCodes> errors_by_code{};
  // Open loop: scheduled calls not sent, because max_outstanding were in flight or the
  // generator fell more than the timeout behind schedule.
  uint64_t dropped = 0;
  // Open loop: how far behind schedule the latest recorded call was sent. More than a few
  // milliseconds means the generator, not the server, limits the rate.
  absl::Duration max_send_lag;
  // Successful calls whose response said cache_hit.
  uint64_t cache_hits = 0;
  // From the end of the warmup to the last completion of a recorded call.
  absl::Duration elapsed;
  // Channels used (options.channels resolved).
  int channels = 0;

  uint64_t errors() const;
  // Successful calls per second over `elapsed`.
  double throughput() const;
};

// Resolves defaults and checks the options: INVALID_ARGUMENT naming the option.
absl::Status ResolveOptions(LoadOptions* options);

// Connects, primes, warms up and measures; returns when every call has ended. Errors:
// INVALID_ARGUMENT for bad options, UNAVAILABLE when the target cannot be reached within
// max(timeout, 5 s), the priming call's status when it fails. Failed calls of the load itself
// are counted in the result, not returned.
absl::StatusOr<LoadResult> RunLoad(LoadOptions options);

// The goal of call `seq`: unique (prefix "octo-bench <nonce> <seq> ") or the repeated one,
// padded with 'x' to `bytes`.
std::string MakeGoal(bool unique, absl::string_view nonce, uint64_t seq, int bytes);

}  // namespace octo::bench
