// Group commit for task updates: updates from many running tasks are stored together, one
// statement and one commit per batch, so the database does per-batch rather than per-update
// work when the replica is busy, and nothing waits when it is not.
#pragma once

#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "octo/common/clock.h"
#include "octo/store/task_repository.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "src/journal/event_hub.h"

namespace octo::orchestrator {

struct TaskWriterOptions {
  // Batches written at once (each on its own connection). Default 2.
  int flushers = 2;
  // Most updates in one batch. Default 256.
  int max_batch = 256;
  // How long a batch that lost a deadlock or serialization race (and so was not stored) is
  // retried before its updates fail with that status. Default 10 s.
  absl::Duration retry_for = absl::Seconds(10);
  // Times retries and batches; not owned. Monotonic, since only durations are read.
  common::Clock* clock = &common::MonotonicClock();
};

// Thread-safe. The repository and hub must outlive the writer. Writers take turns as the
// batch's leader: the writer at the head of the queue, when fewer than `flushers` batches are
// in progress, writes what is queued (its own update first) on its own thread; the others
// wait for it. So there is no writer thread, and a lone update costs no thread switch.
class TaskWriter {
 public:
  // `metrics` may be null.
  TaskWriter(store::TaskRepository& tasks, EventHub& hub, TaskWriterOptions options,
             prometheus::Registry* metrics);

  // Stores `update` (as TaskRepository::Apply would, see ApplyMany) and publishes its events
  // to the hub; blocks until it is committed. A caller must not have two writes for the same
  // task outstanding at once. ABORTED when the lease is no longer held; UNAVAILABLE when the
  // database could not be reached — the update may or may not be stored then, and is never
  // retried, so that no event is stored twice.
  absl::StatusOr<store::AppliedUpdate> Write(store::TaskUpdate update);

 private:
  struct Pending;
  void Flush(std::vector<Pending*> batch);

  store::TaskRepository& tasks_;
  EventHub& hub_;
  const TaskWriterOptions options_;
  absl::Mutex mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  int flushing_ ABSL_GUARDED_BY(mu_) = 0;
  prometheus::Histogram* batch_size_ = nullptr;
  prometheus::Histogram* batch_seconds_ = nullptr;
  prometheus::Counter* batch_retries_ = nullptr;
};

}  // namespace octo::orchestrator
