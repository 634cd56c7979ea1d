// Writing a run's progress (checkpoints through the group-commit writer) and its end: the
// final state, the result, the cache entry for a success, and the run's metrics.
#include "absl/strings/str_join.h"
#include "octo/common/log.h"
#include "octo/task/plan.h"
#include "octo/task/spec.h"
#include "src/run/integrate.h"
#include "src/run/task_run_internal.h"

namespace octo::orchestrator::detail {

bool TaskRun::Flush() {
  if (!state_.HasPending()) return true;
  flush_by_ = absl::InfiniteFuture();
  auto applied = env_.writer->Write(state_.TakeUpdate(env_.options.owner));
  if (!applied.ok()) {
    if (applied.status().code() == absl::StatusCode::kAborted) {
      log::Warn("lease lost; the task continues elsewhere",
                {{"error", applied.status().ToString()}});
    } else {
      log::Error("task update failed; leaving the task to be claimed again",
                 {{"error", applied.status().ToString()}});
    }
    control_->Abandon();
    return false;
  }
  state_.task().set_last_event_seq(applied->last_event_seq);
  return true;
}

bool TaskRun::Finish(v1::TaskState state, std::optional<v1::TaskError> error,
                     std::optional<v1::TaskResult> result, std::string message) {
  v1::Task& t = state_.task();
  t.set_state(state);
  store::TaskUpdate update = state_.TakeUpdate(env_.options.owner);
  update.state = state;
  update.usage = t.usage();
  v1::TaskEvent event = MakeEvent(v1::TASK_EVENT_KIND_STATE_CHANGED, std::move(message));
  event.set_state(state);
  if (error) {
    *event.mutable_error() = *error;
    *t.mutable_error() = *error;
  }
  update.events.push_back(std::move(event));
  update.error = error;
  if (result) *t.mutable_result() = *result;
  update.result = std::move(result);
  auto applied = env_.writer->Write(std::move(update));
  if (!applied.ok()) {
    log::Warn("could not store the task's end; it will be claimed again",
              {{"error", applied.status().ToString()}});
    control_->Abandon();
    return false;
  }
  t.set_last_event_seq(applied->last_event_seq);
  const google::protobuf::Timestamp now = ProtoNow();
  *t.mutable_updated_at() = now;
  *t.mutable_finished_at() = now;
  ObserveFinish(state, error);
  return true;
}

void TaskRun::ObserveFinish(v1::TaskState state, const std::optional<v1::TaskError>& error) {
  const std::string name = task::StateName(state);
  env_.metrics->finished.Add({{"state", name}}).Increment();
  if (error && state == v1::TASK_STATE_FAILED) {
    env_.metrics->failed.Add({{"reason", v1::ErrorReason_Name(error->reason())}}).Increment();
  }
  env_.metrics->task_seconds.Observe(
      absl::ToDoubleSeconds(Now() - FromProto(task().created_at())));
  if (work_calls_ >= 2 && last_end_ > first_start_) {
    env_.metrics->dag_speedup.Observe(absl::ToDoubleSeconds(call_time_) /
                                      absl::ToDoubleSeconds(last_end_ - first_start_));
  }
  log::Info("task finished",
            {{"state", name}, {"error", error ? error->message() : std::string()}});
}

void TaskRun::FinishSucceeded(int round, const std::string& note) {
  Integrated integrated = Integrate(task(), round);
  if (integrated.text.empty() &&
      integrated.output.detail_case() == v1::ArmOutput::DETAIL_NOT_SET) {
    // A task whose steps produced nothing to show did not succeed, and is not cached.
    FinishFailed(MakeError(v1::ERROR_REASON_NO_ANSWER, "the steps produced no answer"),
                 /*with_partial_result=*/true);
    return;
  }
  v1::TaskResult result;
  result.set_text(std::move(integrated.text));
  *result.mutable_output() = std::move(integrated.output);
  *result.mutable_provenance() = std::move(integrated.provenance);
  std::string message = "task SUCCEEDED";
  if (!note.empty()) absl::StrAppend(&message, " (", note, ")");
  // Cached before SUCCEEDED is stored and announced, so a client that has seen the task
  // succeed gets a hit when it submits it again. The result is final either way.
  v1::Task cached = task();
  cached.set_state(v1::TASK_STATE_SUCCEEDED);
  // Finish stores the buffered events and then the final STATE_CHANGED.
  cached.set_last_event_seq(task().last_event_seq() +
                            static_cast<int64_t>(state_.pending_events()) + 1);
  *cached.mutable_result() = result;
  *cached.mutable_finished_at() = ProtoNow();
  env_.results->Put(state_.tenant(), cached);
  Finish(v1::TASK_STATE_SUCCEEDED, std::nullopt, std::move(result), std::move(message));
}

void TaskRun::FinishFailed(v1::TaskError error, bool with_partial_result) {
  std::optional<v1::TaskResult> result;
  if (with_partial_result) {
    // What the finished steps produced so far; their outputs stay on the steps too.
    Integrated partial = Integrate(task(), state_.CurrentRound());
    if (!partial.text.empty() || partial.output.detail_case() != v1::ArmOutput::DETAIL_NOT_SET) {
      result.emplace();
      result->set_text(std::move(partial.text));
      *result->mutable_output() = std::move(partial.output);
    }
  }
  std::string message = absl::StrCat("task FAILED: ", error.message());
  Finish(v1::TASK_STATE_FAILED, std::move(error), std::move(result), std::move(message));
}

void TaskRun::FinishCancelled() {
  MarkStopped();
  v1::TaskError error;
  error.set_message("cancelled by request");
  Finish(v1::TASK_STATE_CANCELLED, error, std::nullopt, "task CANCELLED");
}

bool TaskRun::FinishRound(int round) {
  // Everything that could run did; a step that did not succeed could never start (a
  // dependency missing or ended otherwise, as only a corrupt stored plan can have it).
  for (const v1::Step& s : task().steps()) {
    if (s.role() != v1::STEP_ROLE_PLAN && s.round() == round &&
        s.state() != v1::STEP_STATE_SUCCEEDED) {
      FinishFailed(MakeError(v1::ERROR_REASON_PLAN_INVALID,
                             absl::StrCat("step ", s.id(),
                                          " can never run: a step it depends on did not "
                                          "succeed or does not exist"),
                             s.id()),
                   /*with_partial_result=*/true);
      return true;
    }
  }
  const int judge = state_.Find(task::JudgeStepId(round));
  if (judge < 0) {
    const bool unchecked = !task().spec().acceptance_criteria().empty();
    FinishSucceeded(
        round, unchecked ? "acceptance criteria not checked: no arm in the fleet judges" : "");
    return true;
  }
  const v1::JudgeResult& verdict = step(judge).output().judgement();
  if (verdict.passed()) {
    FinishSucceeded(round, round > 1 ? "accepted after a repair round" : "");
    return true;
  }
  if (round < task::kMaxRounds) return false;  // CurrentRound() now opens the repair round
  std::string message = "the result did not meet the acceptance criteria";
  if (!verdict.failures().empty()) {
    absl::StrAppend(&message, ": ", absl::StrJoin(verdict.failures(), "; "));
  }
  FinishFailed(MakeError(v1::ERROR_REASON_ACCEPTANCE_FAILED, std::move(message), step(judge).id()),
               /*with_partial_result=*/true);
  return true;
}

}  // namespace octo::orchestrator::detail
