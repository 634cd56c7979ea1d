// A task as its run sees it: the task with its steps, and the changes not yet written. No
// I/O and no clock of its own; not thread-safe (one run owns it).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "octo/store/task_repository.h"
#include "octo/v1/task.pb.h"

namespace octo::orchestrator {

// An event about the task, or about `step` when given (its id and state).
v1::TaskEvent MakeEvent(v1::TaskEventKind kind, std::string message,
                        const v1::Step* step = nullptr);
v1::TaskError MakeError(v1::ErrorReason reason, std::string message, std::string step_id = "",
                        int grpc_code = 0);

class TaskState {
 public:
  TaskState(v1::Task task, std::string tenant)
      : task_(std::move(task)), tenant_(std::move(tenant)) {}

  const v1::Task& task() const { return task_; }
  v1::Task& task() { return task_; }
  const std::string& tenant() const { return tenant_; }
  int size() const { return task_.steps_size(); }
  v1::Step& step(int i) { return *task_.mutable_steps(i); }
  const v1::Step& step(int i) const { return task_.steps(i); }

  // Index of the step with `id`, or -1.
  int Find(absl::string_view id) const;
  // Whether round `round` has work steps (it was planned).
  bool HasWork(int round) const;
  // The round in progress: the highest round of any step, or the next one when the judge
  // rejected that round's result and a repair round is still allowed.
  int CurrentRound() const;
  // The judge's findings on round - 1, for the repair round `round`; empty otherwise.
  std::vector<std::string> Feedback(int round) const;
  // Whether a step `index` depends on, directly or not, failed or was skipped.
  bool DependsOnFailed(int index) const;

  // Appends `step` (to be written) and returns its index.
  int AddStep(v1::Step step);
  // Step `index` changed and must be written.
  void MarkDirty(int index) { dirty_steps_.insert(index); }
  // Stages an event; it records the task's state as of now (an update may pass through
  // several states).
  void Record(v1::TaskEvent event);
  // Sets the task's state, staging it and a STATE_CHANGED event when it changes.
  void SetState(v1::TaskState state);
  // The task's usage changed and must be written.
  void MarkUsageDirty() { usage_dirty_ = true; }
  // A step finished (or failed for good): what is unwritten should be stored now, before
  // the steps that use its output start.
  void MarkCheckpoint() { checkpoint_ = true; }
  bool checkpoint_due() const { return checkpoint_; }
  bool HasPending() const {
    return !dirty_steps_.empty() || !events_.empty() || new_state_ || usage_dirty_;
  }
  size_t pending_events() const { return events_.size(); }
  // Moves what is unwritten into an update of the task under `owner`'s lease; nothing is
  // pending afterwards.
  store::TaskUpdate TakeUpdate(const std::string& owner);

  // Settles every step that has not finished: SKIPPED behind a failed dependency, else
  // CANCELLED (stamped `now` when it had started).
  void MarkStopped(const google::protobuf::Timestamp& now);

 private:
  v1::Task task_;
  const std::string tenant_;
  std::set<int> dirty_steps_;
  std::vector<v1::TaskEvent> events_;
  std::optional<v1::TaskState> new_state_;
  bool usage_dirty_ = false;
  bool checkpoint_ = false;
};

}  // namespace octo::orchestrator
