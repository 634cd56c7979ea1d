// Runs claimed tasks to completion: plan, route steps to arms, retry, checkpoint, finish.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "octo/cache/cache.h"
#include "octo/store/task_repository.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "src/arm_registry.h"
#include "src/event_hub.h"

namespace octo::orchestrator {

struct EngineOptions {
  // Identity written into leases; unique per replica (host:pid:random).
  std::string owner;
  // Tasks run at once by this replica. Default 8.
  int workers = 8;
  // Lease length; renewed every lease/3. A dead replica's tasks resume elsewhere after it.
  absl::Duration lease = absl::Seconds(30);
  // Fallback polling when no NOTIFY arrives. Default 1 s.
  absl::Duration poll_interval = absl::Seconds(1);
  // Deadline of one arm call (shortened to the task's own deadline). Default 60 s.
  absl::Duration step_timeout = absl::Seconds(60);
  // Attempts per step on retryable failures (UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED).
  int step_attempts = 3;
  // First retry delay; doubles per attempt, with full jitter. Default 100 ms.
  absl::Duration retry_backoff = absl::Milliseconds(100);
  // How long successful results stay in the result cache. Default 1 h.
  absl::Duration result_ttl = absl::Hours(1);
};

// Thread-safe. The repository, registry, cache and hub must outlive the engine.
class Engine {
 public:
  // `result_cache` may be null (no cache writes).
  Engine(EngineOptions options, store::TaskRepository& tasks, ArmRegistry& arms,
         cache::Cache* result_cache, EventHub& hub, prometheus::Registry& registry);
  ~Engine();

  void Start();
  // Stops claiming, cancels running arm calls and waits for the workers. Tasks left
  // unfinished keep their completed steps and resume on another replica when the lease
  // runs out.
  void Stop();
  // New work may be claimable (a local submit or a NOTIFY).
  void Wake();
  // Cancels the task if it runs on this replica (after RequestCancel stored the request).
  void CancelLocal(const std::string& task_id);

 private:
  struct Running;
  struct StepOutcome;

  void WorkerLoop();
  void RenewLoop();
  void Run(store::ClaimedTask claimed);
  StepOutcome RunStep(Running& running, const std::string& tenant, const v1::Task& task,
                      v1::Step& step, absl::Time task_deadline);
  // Applies an update; false when the lease was lost (the task is abandoned).
  bool Apply(Running& running, store::TaskUpdate update, v1::Task* out = nullptr);

  const EngineOptions options_;
  store::TaskRepository& tasks_;
  ArmRegistry& arms_;
  cache::Cache* result_cache_;
  EventHub& hub_;

  absl::Mutex mu_;
  uint64_t wake_seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, std::shared_ptr<Running>> running_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;

  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Histogram& task_seconds_;
  prometheus::Family<prometheus::Histogram>& step_seconds_;
  prometheus::Counter& claimed_;
  prometheus::Gauge& queue_depth_;
  prometheus::Gauge& running_gauge_;
};

}  // namespace octo::orchestrator
