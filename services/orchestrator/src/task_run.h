// Runs one claimed task to a terminal state: plans it (planner arm or built-in planner), runs
// its step DAG on the arms with retries, failover and budgets, has the judge check the result
// (one repair round), and stores every transition. The engine decides which tasks run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "octo/cache/cache.h"
#include "octo/store/task_repository.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "src/arm_registry.h"
#include "src/event_hub.h"
#include "src/retry_policy.h"
#include "src/task_writer.h"

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

// What every run of an engine shares. All pointers outlive the runs; result_cache may be null.
struct RunEnv {
  RunOptions options;
  TaskWriter* writer = nullptr;
  ArmRegistry* arms = nullptr;
  cache::Cache* result_cache = nullptr;
  EventHub* hub = nullptr;
  RunMetrics* metrics = nullptr;
};

struct StepCall;  // one Execute call in flight (defined in task_run.cpp)

// How the engine reaches a run: stop it, and hand it finished arm calls. Thread-safe.
class TaskControl {
 public:
  explicit TaskControl(std::string task_id) : task_id_(std::move(task_id)) {}
  const std::string& task_id() const { return task_id_; }

  // Cancel requested: no new step starts, calls in flight are cancelled, the task ends
  // CANCELLED.
  void Cancel();
  // Stop without writing anything more (lease lost, or the replica stops): calls in flight
  // are cancelled and the task is left for whichever replica claims it next.
  void Abandon();
  bool cancelled() const;
  bool abandoned() const;

  // For the run and its calls.
  void Wake();
  void CallStarted(std::shared_ptr<StepCall> call);
  void CallFinished(std::shared_ptr<StepCall> call);
  // Waits until something happened since `*seen` (updated) or `deadline`, and returns the
  // calls that finished meanwhile.
  std::vector<std::shared_ptr<StepCall>> Wait(uint64_t* seen, absl::Time deadline);
  // Calls started and not yet taken back by Wait (in flight, or finished but unhandled).
  int calls_outstanding() const;
  // Cancels the calls in flight (the run stops for a reason of its own: failure, budget).
  void CancelCalls();

 private:
  const std::string task_id_;
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t happenings_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::shared_ptr<StepCall>> in_flight_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<StepCall>> finished_ ABSL_GUARDED_BY(mu_);
};

// Runs `claimed` until it is terminal or the control abandons it. Blocks the calling thread;
// returns only once none of its arm calls is in flight.
void RunTask(const RunEnv& env, store::ClaimedTask claimed, std::shared_ptr<TaskControl> control);

}  // namespace octo::orchestrator
