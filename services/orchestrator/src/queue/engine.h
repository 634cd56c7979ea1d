// Decides which tasks this replica runs: claims work from the shared queue in batches under
// leases it renews, runs each claimed task on a worker thread (see task_run.h), routes
// cancellations to the run, and gives its leases back when it stops.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "octo/cache/cache.h"
#include "octo/store/task_repository.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "src/routing/arm_registry.h"
#include "src/journal/event_hub.h"
#include "src/run/task_run.h"
#include "src/run/task_writer.h"

namespace octo::orchestrator {

struct EngineOptions {
  // Step deadlines, retries, plan size, result TTL; run.owner is the lease owner, unique per
  // replica (host:pid:random).
  RunOptions run;
  // Tasks run at once by this replica (one worker thread each). Default 64.
  int max_tasks = 64;
  // Most tasks taken by one claim. Default 32.
  int claim_batch = 32;
  // Lease length; renewed every lease/3 (or poll_interval, if shorter). A dead replica's
  // tasks resume elsewhere once it runs out. Default 30 s.
  absl::Duration lease = absl::Seconds(30);
  // Claiming when no NOTIFY arrives (and for expired leases, which nothing announces).
  // Default 1 s.
  absl::Duration poll_interval = absl::Seconds(1);
};

// Thread-safe. The repository, writer, registry, cache and hub must outlive the engine.
class Engine {
 public:
  // `result_cache` may be null (no cache writes).
  Engine(EngineOptions options, store::TaskRepository& tasks, TaskWriter& writer, ArmRegistry& arms,
         cache::Cache* result_cache, EventHub& hub, StepGuard& guard,
         prometheus::Registry& registry);
  ~Engine();

  void Start();
  // Stops claiming, cancels running arm calls, waits for the workers and gives the leases
  // back, so that another replica resumes the unfinished tasks (from their completed steps)
  // at once. Idempotent.
  void Stop();
  // Stores a submitted task. When this replica has room and knows of no queued work, the
  // task is claimed in the same statement and starts here at once (skipping the queue round
  // trip without overtaking anything); otherwise it is queued and the replicas are woken.
  // As TaskRepository::Create.
  absl::StatusOr<store::CreateResult> Submit(store::NewTask task);
  // New work may be claimable (a local submit or a NOTIFY).
  void Wake();
  // Cancels the task if this replica holds it (after RequestCancel stored the request).
  void CancelLocal(const std::string& task_id);

 private:
  void ClaimLoop();
  void WorkerLoop();
  void RenewLoop();
  int FreeSlotsLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes over a claimed task for a worker; publishes the claim's events.
  void AdoptLocked(store::ClaimedTask task, std::vector<v1::TaskEvent> events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EngineOptions options_;
  store::TaskRepository& tasks_;
  EventHub& hub_;
  RunMetrics run_metrics_;
  ResultSink results_;
  RunEnv env_;

  mutable absl::Mutex mu_;
  uint64_t wake_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // The last claim filled its batch: more may be waiting.
  bool more_ ABSL_GUARDED_BY(mu_) = false;
  // wake_seq_ when the last claim that found the queue empty began; while it is unchanged no
  // queued work is known, and submits may be claimed directly.
  uint64_t drained_at_ ABSL_GUARDED_BY(mu_) = ~uint64_t{0};
  // Slots held for submits being claimed directly.
  int reserved_ ABSL_GUARDED_BY(mu_) = 0;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Claimed tasks waiting for a worker. Workers wait on work_ (one woken per task), not on
  // conditions of mu_, which every unlock would evaluate for every idle worker.
  std::deque<store::ClaimedTask> queue_ ABSL_GUARDED_BY(mu_);
  absl::CondVar work_;
  // Every task this replica holds (queued or running).
  absl::flat_hash_map<std::string, std::shared_ptr<TaskControl>> held_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;

  prometheus::Counter& claimed_;
  prometheus::Counter& direct_claims_;
  prometheus::Histogram& claim_batch_;
  prometheus::Gauge& queue_depth_;
  prometheus::Gauge& running_gauge_;
};

}  // namespace octo::orchestrator
