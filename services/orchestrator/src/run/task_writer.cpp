#include "src/run/task_writer.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "octo/common/backoff.h"
#include "octo/common/log.h"
#include "octo/telemetry/metrics.h"

namespace octo::orchestrator {

struct TaskWriter::Pending {
  store::TaskUpdate update;
  absl::StatusOr<store::AppliedUpdate> result = absl::UnknownError("not written");
  bool done = false;  // guarded by the writer's mu_
  // Signalled when done, or when this writer heads the queue and may lead (each waiter has
  // its own, so a wake-up reaches just the thread it is for).
  absl::CondVar turn;
};

TaskWriter::TaskWriter(store::TaskRepository& tasks, EventHub& hub, TaskWriterOptions options,
                       prometheus::Registry* metrics)
    : tasks_(tasks), hub_(hub), options_(options) {
  if (metrics != nullptr) {
    batch_size_ =
        &telemetry::HistogramFamily(*metrics, "octo_orchestrator_write_batch_updates",
                                    "Task updates stored per group commit.")
             .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256});
    batch_seconds_ = &telemetry::HistogramFamily(*metrics, "octo_orchestrator_write_batch_seconds",
                                                 "Time to store one group commit, in seconds.")
                          .Add({}, telemetry::LatencyBuckets());
    batch_retries_ =
        &telemetry::CounterFamily(*metrics, "octo_orchestrator_write_batch_retries_total",
                                  "Group commits retried after losing a deadlock or "
                                  "serialization race.")
             .Add({});
  }
}

absl::StatusOr<store::AppliedUpdate> TaskWriter::Write(store::TaskUpdate update) {
  Pending pending;
  pending.update = std::move(update);
  absl::MutexLock lock(&mu_);
  queue_.push_back(&pending);
  const int max_flushing = std::max(1, options_.flushers);
  while (true) {
    while (!pending.done && !(flushing_ < max_flushing && queue_.front() == &pending)) {
      pending.turn.Wait(&mu_);
    }
    if (pending.done) break;
    // Lead a batch: whatever is queued, up to max_batch.
    std::vector<Pending*> batch;
    while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    ++flushing_;
    // The next in line may lead a batch of its own alongside this one.
    if (!queue_.empty() && flushing_ < max_flushing) queue_.front()->turn.Signal();
    mu_.Unlock();
    Flush(batch);
    mu_.Lock();
    --flushing_;
    for (Pending* p : batch) {
      p->done = true;
      if (p != &pending) p->turn.Signal();
    }
    if (!queue_.empty()) queue_.front()->turn.Signal();
  }
  return std::move(pending.result);
}

void TaskWriter::Flush(std::vector<Pending*> batch) {
  std::vector<store::TaskUpdate> updates;
  updates.reserve(batch.size());
  for (Pending* p : batch) updates.push_back(std::move(p->update));

  const absl::Time start = options_.clock->Now();
  common::Backoff backoff(absl::Milliseconds(10), absl::Milliseconds(500));
  absl::StatusOr<std::vector<absl::StatusOr<store::AppliedUpdate>>> results;
  while (true) {
    results = tasks_.ApplyMany(updates);
    // Only a lost deadlock or serialization race is known not to be stored; anything else
    // (UNAVAILABLE above all) may have been, and a retry could store events twice.
    if (results.ok() || results.status().code() != absl::StatusCode::kAborted ||
        options_.clock->Now() - start >= options_.retry_for) {
      break;
    }
    if (batch_retries_ != nullptr) batch_retries_->Increment();
    log::Warn("task write lost a race; retrying", {{"error", results.status().ToString()}});
    absl::SleepFor(backoff.Next());
  }
  if (batch_size_ != nullptr) {
    batch_size_->Observe(static_cast<double>(batch.size()));
    batch_seconds_->Observe(absl::ToDoubleSeconds(options_.clock->Now() - start));
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    Pending* p = batch[i];
    if (!results.ok()) {
      p->result = results.status();
      continue;
    }
    p->result = std::move((*results)[i]);
    if (p->result.ok()) hub_.Publish(updates[i].task_id, p->result->events);
  }
}

}  // namespace octo::orchestrator
