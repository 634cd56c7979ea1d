#include "src/run/task_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "octo/task/plan.h"
#include "octo/task/spec.h"

namespace octo::orchestrator {

v1::TaskEvent MakeEvent(v1::TaskEventKind kind, std::string message, const v1::Step* step) {
  v1::TaskEvent event;
  event.set_kind(kind);
  event.set_message(std::move(message));
  if (step != nullptr) {
    event.set_step_id(step->id());
    event.set_step_state(step->state());
  }
  return event;
}

v1::TaskError MakeError(v1::ErrorReason reason, std::string message, std::string step_id,
                        int grpc_code) {
  v1::TaskError error;
  error.set_reason(reason);
  error.set_message(std::move(message));
  error.set_step_id(std::move(step_id));
  error.set_grpc_code(grpc_code);
  return error;
}

int TaskState::Find(absl::string_view id) const {
  for (int i = 0; i < task_.steps_size(); ++i) {
    if (step(i).id() == id) return i;
  }
  return -1;
}

bool TaskState::HasWork(int round) const {
  for (const v1::Step& s : task_.steps()) {
    if (s.role() == v1::STEP_ROLE_WORK && s.round() == round) return true;
  }
  return false;
}

int TaskState::CurrentRound() const {
  int round = 1;
  for (const v1::Step& s : task_.steps()) round = std::max(round, s.round());
  // A rejected result opens the repair round.
  const int judge = Find(task::JudgeStepId(round));
  if (judge >= 0 && step(judge).state() == v1::STEP_STATE_SUCCEEDED &&
      !step(judge).output().judgement().passed() && round < task::kMaxRounds) {
    return round + 1;
  }
  return round;
}

std::vector<std::string> TaskState::Feedback(int round) const {
  if (round <= 1) return {};
  const int judge = Find(task::JudgeStepId(round - 1));
  if (judge < 0) return {};
  const auto& failures = step(judge).output().judgement().failures();
  return {failures.begin(), failures.end()};
}

bool TaskState::DependsOnFailed(int index) const {
  for (const std::string& dep : step(index).depends_on()) {
    const int d = Find(dep);
    if (d < 0) continue;
    const v1::StepState state = step(d).state();
    if (state == v1::STEP_STATE_FAILED || state == v1::STEP_STATE_SKIPPED) return true;
    if (DependsOnFailed(d)) return true;
  }
  return false;
}

int TaskState::AddStep(v1::Step step) {
  *task_.add_steps() = std::move(step);
  const int index = task_.steps_size() - 1;
  MarkDirty(index);
  return index;
}

void TaskState::Record(v1::TaskEvent event) {
  event.set_state(task_.state());
  events_.push_back(std::move(event));
}

void TaskState::SetState(v1::TaskState state) {
  if (task_.state() == state) return;
  task_.set_state(state);
  new_state_ = state;
  Record(MakeEvent(v1::TASK_EVENT_KIND_STATE_CHANGED,
                   absl::StrCat("task ", task::StateName(state))));
}

store::TaskUpdate TaskState::TakeUpdate(const std::string& owner) {
  store::TaskUpdate update;
  update.task_id = task_.id();
  update.lease_owner = owner;
  update.state = new_state_;
  for (int i : dirty_steps_) update.steps.push_back(step(i));
  if (usage_dirty_) update.usage = task_.usage();
  update.events = std::move(events_);
  events_.clear();
  dirty_steps_.clear();
  new_state_.reset();
  usage_dirty_ = false;
  checkpoint_ = false;
  return update;
}

void TaskState::MarkStopped(const google::protobuf::Timestamp& now) {
  for (int i = 0; i < task_.steps_size(); ++i) {
    v1::Step& s = step(i);
    if (s.state() != v1::STEP_STATE_PENDING && s.state() != v1::STEP_STATE_RUNNING) continue;
    const bool started = s.state() == v1::STEP_STATE_RUNNING;
    s.set_state(DependsOnFailed(i) ? v1::STEP_STATE_SKIPPED : v1::STEP_STATE_CANCELLED);
    if (started) *s.mutable_finished_at() = now;
    MarkDirty(i);
  }
}

}  // namespace octo::orchestrator
