// What every task run of an engine shares: options, metrics and the collaborators a run
// writes to or calls.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "octo/common/clock.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "src/journal/event_hub.h"
#include "src/routing/arm_registry.h"
#include "src/run/result_sink.h"
#include "src/run/retry_policy.h"
#include "src/run/step_guard.h"
#include "src/run/task_writer.h"

namespace octo::orchestrator {

struct RunOptions {
  // Lease owner of this replica.
  std::string owner;
  // Deadline of one arm call, shortened to the task's own deadline. Default 60 s.
  absl::Duration step_timeout = absl::Seconds(60);
  RetryPolicy retry;
  // Most work steps a plan may have. Default 16.
  int max_plan_steps = 16;
  // How long the record of a step having started (and other progress short of a finished
  // step) may wait to be stored together with what follows, rather than in a write of its
  // own before the arm is called. A step that ends sooner costs no separate write; one that
  // runs longer shows as RUNNING this late. Finished steps are stored at once regardless.
  // Zero stores every start before its call. Default 20 ms.
  absl::Duration start_write_delay = absl::Milliseconds(20);
  // How long successful results stay in the result cache. Default 1 h.
  absl::Duration result_ttl = absl::Hours(1);
  // Where runs read the time: the times they store, the task's deadline, backoff, latencies.
  // Runs also wait until times read from it, so it must move at real speed (RealClock in a
  // service).
  // Never null.
  common::Clock* clock = &common::RealClock();
};

// Metrics of task runs, shared by all runs of an engine.
struct RunMetrics {
  explicit RunMetrics(prometheus::Registry& registry);
  prometheus::Family<prometheus::Counter>& finished;
  prometheus::Family<prometheus::Counter>& failed;
  prometheus::Histogram& task_seconds;
  prometheus::Family<prometheus::Histogram>& step_seconds;
  prometheus::Family<prometheus::Counter>& steps;
  prometheus::Histogram& dag_speedup;
};

// All pointers outlive the runs and are never null.
struct RunEnv {
  RunOptions options;
  TaskWriter* writer = nullptr;
  ArmRegistry* arms = nullptr;
  ResultSink* results = nullptr;
  EventHub* hub = nullptr;
  RunMetrics* metrics = nullptr;
  StepGuard* guard = nullptr;
};

}  // namespace octo::orchestrator
