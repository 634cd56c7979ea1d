#include "src/queue/engine.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "octo/common/log.h"
#include "octo/telemetry/metrics.h"

namespace octo::orchestrator {

Engine::Engine(EngineOptions options, store::TaskRepository& tasks, TaskWriter& writer,
               ArmRegistry& arms, cache::Cache* result_cache, EventHub& hub, StepGuard& guard,
               prometheus::Registry& registry)
    : options_(std::move(options)),
      tasks_(tasks),
      hub_(hub),
      run_metrics_(registry),
      results_(result_cache, options_.run.result_ttl),
      claimed_(telemetry::CounterFamily(registry, "octo_orchestrator_tasks_claimed_total",
                                        "Tasks claimed by this replica (new or resumed).")
                   .Add({})),
      direct_claims_(
          telemetry::CounterFamily(registry, "octo_orchestrator_tasks_claimed_at_submit_total",
                                   "Submitted tasks this replica claimed in the same statement "
                                   "(it had room and no queued work).")
              .Add({})),
      claim_batch_(telemetry::HistogramFamily(registry, "octo_orchestrator_claim_batch_tasks",
                                              "Tasks taken per successful claim.")
                       .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64})),
      queue_depth_(
          telemetry::GaugeFamily(registry, "octo_orchestrator_queue_depth",
                                 "Tasks waiting to be claimed (PENDING), over all replicas.")
              .Add({})),
      running_gauge_(telemetry::GaugeFamily(registry, "octo_orchestrator_tasks_running",
                                            "Tasks running on this replica now.")
                         .Add({})) {
  env_.options = options_.run;
  env_.writer = &writer;
  env_.arms = &arms;
  env_.results = &results_;
  env_.hub = &hub;
  env_.metrics = &run_metrics_;
  env_.guard = &guard;
}

Engine::~Engine() { Stop(); }

void Engine::Start() {
  {
    absl::MutexLock lock(&mu_);
    started_ = true;
  }
  for (int i = 0; i < options_.max_tasks; ++i) threads_.emplace_back([this] { WorkerLoop(); });
  threads_.emplace_back([this] { ClaimLoop(); });
  threads_.emplace_back([this] { RenewLoop(); });
}

void Engine::Stop() {
  std::vector<std::shared_ptr<TaskControl>> held;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, control] : held_) held.push_back(control);
    work_.SignalAll();
  }
  for (auto& control : held) control->Abandon();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  std::vector<std::string> ids;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, control] : held_) ids.push_back(id);
    held_.clear();
    queue_.clear();
  }
  if (!ids.empty()) {
    auto released = tasks_.Release(options_.run.owner, ids);
    log::Info("released leases",
              {{"tasks", absl::StrCat(ids.size())},
               {"result", released.ok() ? absl::StrCat(*released) : released.status().ToString()}});
  }
}

void Engine::Wake() {
  absl::MutexLock lock(&mu_);
  ++wake_seq_;
}

void Engine::CancelLocal(const std::string& task_id) {
  std::shared_ptr<TaskControl> control;
  {
    absl::MutexLock lock(&mu_);
    auto it = held_.find(task_id);
    if (it != held_.end()) control = it->second;
  }
  // The cancel request's event was written by somebody else: watchers must read it.
  hub_.Refresh(task_id);
  if (control != nullptr) control->Cancel();
}

int Engine::FreeSlotsLocked() const {
  return options_.max_tasks - static_cast<int>(held_.size()) - reserved_;
}

namespace {
v1::TaskEvent StateEvent(const v1::Task& task, int64_t seq, v1::TaskState state,
                         const google::protobuf::Timestamp& time) {
  v1::TaskEvent event;
  event.set_task_id(task.id());
  event.set_seq(seq);
  *event.mutable_time() = time;
  event.set_kind(v1::TASK_EVENT_KIND_STATE_CHANGED);
  event.set_state(state);
  return event;
}
}  // namespace

void Engine::AdoptLocked(store::ClaimedTask task, std::vector<v1::TaskEvent> events) {
  const std::string id = task.task.id();
  hub_.SetLocal(id, task.tenant_id);
  // The claim's own events, so that local watchers need not read them back.
  hub_.Publish(id, events);
  held_[id] = std::make_shared<TaskControl>(id);
  queue_.push_back(std::move(task));
  work_.Signal();
}

absl::StatusOr<store::CreateResult> Engine::Submit(store::NewTask task) {
  bool direct = false;
  {
    absl::MutexLock lock(&mu_);
    // Tasks already claimed but not yet started are ours either way: only work still in the
    // store's queue could be overtaken.
    direct = started_ && !stopping_ && FreeSlotsLocked() > 0 && !more_ && wake_seq_ == drained_at_;
    if (direct) ++reserved_;
  }
  if (direct) {
    task.claim_owner = options_.run.owner;
    task.lease = options_.lease;
  }
  auto created = tasks_.Create(task);
  absl::MutexLock lock(&mu_);
  if (direct) --reserved_;
  if (!created.ok() || !created->created) return created;
  if (!created->claimed) {
    ++wake_seq_;  // others hear of it by NOTIFY
    return created;
  }
  direct_claims_.Increment();
  claimed_.Increment();
  const v1::Task& t = created->task;
  std::vector<v1::TaskEvent> events{StateEvent(t, 1, v1::TASK_STATE_PENDING, t.created_at()),
                                    StateEvent(t, 2, v1::TASK_STATE_PLANNING, t.created_at())};
  if (stopping_) return created;  // Stop releases nothing it does not hold: the lease expires
  AdoptLocked(store::ClaimedTask{task.tenant_id, t, false, task.traceparent, false},
              std::move(events));
  return created;
}

void Engine::ClaimLoop() {
  while (true) {
    uint64_t seen;
    int want;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      seen = wake_seq_;
      want = std::min(options_.claim_batch, FreeSlotsLocked());
    }
    if (want > 0) {
      auto claimed = tasks_.Claim(options_.run.owner, options_.lease, want);
      if (!claimed.ok()) {
        log::Warn("claim failed", {{"error", claimed.status().ToString()}});
      } else if (!claimed->empty()) {
        claimed_.Increment(static_cast<double>(claimed->size()));
        claim_batch_.Observe(static_cast<double>(claimed->size()));
        absl::MutexLock lock(&mu_);
        for (store::ClaimedTask& task : *claimed) {
          std::vector<v1::TaskEvent> events;
          if (!task.taken_over) {
            events.push_back(StateEvent(task.task, task.task.last_event_seq(),
                                        v1::TASK_STATE_PLANNING, task.task.updated_at()));
          }
          AdoptLocked(std::move(task), std::move(events));
        }
      }
      absl::MutexLock lock(&mu_);
      more_ = claimed.ok() && static_cast<int>(claimed->size()) == want;
      if (claimed.ok() && !more_) drained_at_ = seen;
      if (more_ && FreeSlotsLocked() > 0) continue;
    }
    absl::MutexLock lock(&mu_);
    auto go = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || (FreeSlotsLocked() > 0 && (wake_seq_ != seen || more_));
    };
    mu_.AwaitWithTimeout(absl::Condition(&go), options_.poll_interval);
  }
}

void Engine::WorkerLoop() {
  while (true) {
    store::ClaimedTask task;
    std::shared_ptr<TaskControl> control;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) work_.Wait(&mu_);
      if (stopping_) return;  // queued tasks are released by Stop
      task = std::move(queue_.front());
      queue_.pop_front();
      control = held_.at(task.task.id());
    }
    const std::string id = task.task.id();
    running_gauge_.Increment();
    RunTask(env_, std::move(task), control);
    running_gauge_.Decrement();
    hub_.ClearLocal(id);
    absl::MutexLock lock(&mu_);
    if (!stopping_) held_.erase(id);  // when stopping, Stop releases what is held
  }
}

void Engine::RenewLoop() {
  const absl::Duration period = std::min(options_.lease / 3, options_.poll_interval);
  while (true) {
    std::vector<std::string> ids;
    {
      absl::MutexLock lock(&mu_);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stop), period)) return;
      for (const auto& [id, control] : held_) ids.push_back(id);
    }
    if (auto depth = tasks_.CountPending(); depth.ok()) {
      queue_depth_.Set(static_cast<double>(*depth));
    }
    if (ids.empty()) continue;
    auto renewed = tasks_.Renew(options_.run.owner, ids, options_.lease);
    if (!renewed.ok()) {
      log::Warn("lease renewal failed", {{"error", renewed.status().ToString()}});
      continue;
    }
    std::vector<std::shared_ptr<TaskControl>> lost, cancel;
    {
      absl::MutexLock lock(&mu_);
      for (const std::string& id : renewed->lost) {
        if (auto it = held_.find(id); it != held_.end()) lost.push_back(it->second);
      }
      for (const std::string& id : renewed->cancel_requested) {
        if (auto it = held_.find(id); it != held_.end()) cancel.push_back(it->second);
      }
    }
    for (auto& control : lost) {
      log::Warn("lease lost", {{"task_id", control->task_id()}});
      control->Abandon();
    }
    // The NOTIFY may have been missed (listener reconnecting): the flag is the fallback.
    for (auto& control : cancel) control->Cancel();
  }
}

}  // namespace octo::orchestrator
