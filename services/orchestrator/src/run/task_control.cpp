#include "src/run/task_control.h"

#include <algorithm>

namespace octo::orchestrator {

void TaskControl::Cancel() { Raise(&TaskControl::cancelled_); }

void TaskControl::Abandon() { Raise(&TaskControl::abandoned_); }

void TaskControl::Raise(bool TaskControl::*flag) {
  {
    absl::MutexLock lock(&mu_);
    if (this->*flag) return;
    this->*flag = true;
    ++happenings_;
  }
  CancelCalls();
}

bool TaskControl::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool TaskControl::abandoned() const {
  absl::MutexLock lock(&mu_);
  return abandoned_;
}

void TaskControl::Wake() {
  absl::MutexLock lock(&mu_);
  ++happenings_;
}

void TaskControl::CancelCalls() {
  std::vector<std::shared_ptr<StepCall>> calls;
  {
    absl::MutexLock lock(&mu_);
    calls = in_flight_;
  }
  // Outside the lock: a cancelled call may complete (and call CallFinished) at once.
  for (auto& call : calls) call->context.TryCancel();
}

void TaskControl::CallStarted(std::shared_ptr<StepCall> call) {
  bool stop;
  {
    absl::MutexLock lock(&mu_);
    in_flight_.push_back(call);
    stop = cancelled_ || abandoned_;
  }
  // A context cancelled before its call starts cancels the call as soon as it does.
  if (stop) call->context.TryCancel();
}

void TaskControl::CallFinished(std::shared_ptr<StepCall> call) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(std::find(in_flight_.begin(), in_flight_.end(), call));
  finished_.push_back(std::move(call));
  ++happenings_;
}

std::vector<std::shared_ptr<StepCall>> TaskControl::Wait(uint64_t* seen, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return happenings_ != *seen; };
  mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
  *seen = happenings_;
  std::vector<std::shared_ptr<StepCall>> finished;
  finished.swap(finished_);
  return finished;
}

int TaskControl::calls_outstanding() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(in_flight_.size() + finished_.size());
}

}  // namespace octo::orchestrator
