// What a finished arm call means for its step: success, a retry after backoff (possibly on
// another arm), or a failure for good; and what the arm registry learns from it.
#include <algorithm>

#include "octo/rpc/errors.h"
#include "octo/spend/refusal.h"
#include "octo/telemetry/metrics.h"
#include "src/run/retry_policy.h"
#include "src/run/task_run_internal.h"

namespace octo::orchestrator::detail {
namespace {

// The task's error reason when the arm refused the step for money: the tenant reached a
// spend limit (no other arm and no retry would do better until it resets), or no model of
// the chain fits what is left of the task's cost budget. UNSPECIFIED otherwise.
v1::ErrorReason BudgetRefusal(const grpc::Status& status) {
  if (status.error_code() != grpc::RESOURCE_EXHAUSTED) return v1::ERROR_REASON_UNSPECIFIED;
  std::optional<google::rpc::ErrorInfo> info = rpc::ErrorInfoOf(status);
  if (!info) return v1::ERROR_REASON_UNSPECIFIED;
  if (info->reason() == spend::kRefusalReason) return v1::ERROR_REASON_SPEND_LIMIT;
  if (info->reason() == spend::kTaskBudgetReason) return v1::ERROR_REASON_BUDGET_EXCEEDED;
  return v1::ERROR_REASON_UNSPECIFIED;
}

CallOutcome OutcomeOf(const absl::Status& status, bool stopping, bool spend_refused) {
  if (status.ok()) return CallOutcome::kSuccess;
  if (spend_refused) return CallOutcome::kRejected;
  if (status.code() == absl::StatusCode::kCancelled ||
      (stopping && status.code() == absl::StatusCode::kDeadlineExceeded)) {
    return CallOutcome::kCancelled;
  }
  if (status.code() == absl::StatusCode::kResourceExhausted) return CallOutcome::kBusy;
  if (IsEndpointFailure(status.code())) return CallOutcome::kEndpointFailure;
  return CallOutcome::kRejected;
}

}  // namespace

void TaskRun::CountStep(const v1::Step& step, const char* outcome) {
  env_.metrics->steps.Add({{"capability", step.capability()}, {"outcome", outcome}}).Increment();
}

void TaskRun::HandleFinished(const std::shared_ptr<StepCall>& call, bool stopping) {
  // A call that ended because the task is being cancelled or abandoned is no failure.
  stopping = stopping || control_->cancelled() || control_->abandoned();
  const int index = call->step;
  v1::Step& s = step(index);
  rt_[index].phase = StepRt::Phase::kIdle;
  absl::Status status(static_cast<absl::StatusCode>(call->status.error_code()),
                      call->status.error_message());
  if (status.ok()) {
    // An answer without the typed output its role needs counts as a failed call.
    if (s.role() == v1::STEP_ROLE_JUDGE && !call->response.output().has_judgement()) {
      status = absl::InternalError("the judge arm answered without a judgement");
    } else if (s.role() == v1::STEP_ROLE_PLAN && !call->response.output().has_plan()) {
      status = absl::InternalError("the planner arm answered without a plan");
    }
  }
  const v1::ErrorReason refused_for = BudgetRefusal(call->status);
  const bool spend_refused = refused_for != v1::ERROR_REASON_UNSPECIFIED;
  env_.arms->Release(call->endpoint, OutcomeOf(status, stopping, spend_refused), call->latency,
                     status.ok() ? "" : std::string(status.message()),
                     call->response.provenance().instance());
  env_.metrics->step_seconds.Add({{"capability", s.capability()}}, telemetry::LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(call->latency));
  if (status.ok()) return StepSucceeded(index, *call);
  if (stopping) {
    // Cancelled by the run itself; MarkStopped settles the step.
    CountStep(s, "cancelled");
    return;
  }
  HandleAttemptFailure(index, status, call->endpoint, refused_for);
}

void TaskRun::StepSucceeded(int index, StepCall& call) {
  v1::Step& s = step(index);
  s.set_state(v1::STEP_STATE_SUCCEEDED);
  *s.mutable_finished_at() = ProtoNow();
  *s.mutable_output() = std::move(*call.response.mutable_output());
  // Nothing an arm wrote is stored, cached or handed on unguarded.
  v1::GuardReport guarded = env_.guard->Guard(s.mutable_output(), redaction_);
  if (guard::IsClean(guarded)) {
    s.clear_guard();
  } else {
    *s.mutable_guard() = std::move(guarded);
  }
  *s.mutable_usage() = call.response.usage();
  *s.mutable_provenance() = call.response.provenance();
  s.clear_error();
  budget_.Charge(s.usage());
  *state_.task().mutable_usage() = budget_.used();
  state_.MarkUsageDirty();
  state_.MarkCheckpoint();
  state_.MarkDirty(index);
  std::string message = absl::StrCat("step ", s.id(), " succeeded in ", Ms(call.latency));
  if (s.has_guard()) absl::StrAppend(&message, "; guard ", guard::Summary(s.guard()));
  state_.Record(MakeEvent(v1::TASK_EVENT_KIND_STEP_SUCCEEDED, message, &s));
  CountStep(s, "succeeded");
  if (s.role() == v1::STEP_ROLE_WORK) {
    call_time_ += call.latency;
    ++work_calls_;
    last_end_ = std::max(last_end_, Now());
  }
}

void TaskRun::HandleAttemptFailure(int index, const absl::Status& arm_status,
                                   const ArmEndpoint* endpoint, v1::ErrorReason final_reason) {
  // An arm's error message may quote what it worked on.
  const absl::Status status(arm_status.code(),
                            env_.guard->GuardText(arm_status.message(), redaction_));
  v1::Step& s = step(index);
  StepRt& rt = rt_[index];
  const absl::Time now = Now();
  const std::string where = endpoint == nullptr ? "" : absl::StrCat(" on ", endpoint->target());
  if (final_reason == v1::ERROR_REASON_UNSPECIFIED && IsRetryable(status.code()) &&
      s.attempts() < env_.options.retry.max_attempts &&
      now < deadline_) {
    const absl::Duration delay =
        env_.options.retry.backoff().Jittered(s.attempts(), absl::Uniform(gen_, 0.0, 1.0));
    rt.phase = StepRt::Phase::kBackoff;
    rt.retry_at = now + delay;
    rt.avoid = endpoint;  // fail over to another arm with the capability when there is one
    s.set_state(v1::STEP_STATE_PENDING);
    state_.MarkDirty(index);
    state_.Record(MakeEvent(v1::TASK_EVENT_KIND_STEP_RETRYING,
                            absl::StrCat("step ", s.id(), " attempt ", s.attempts(), where,
                                         " failed (", StatusText(status), "); retrying in ",
                                         Ms(delay)),
                            &s));
    CountStep(s, "retried");
    return;
  }
  v1::ErrorReason reason =
      final_reason != v1::ERROR_REASON_UNSPECIFIED ? final_reason : ReasonForCode(status.code());
  std::string message =
      absl::StrCat("step ", s.id(), " (", s.capability(), ") failed after ", s.attempts(),
                   s.attempts() == 1 ? " attempt" : " attempts", where, ": ", StatusText(status));
  if (now >= deadline_) {
    reason = v1::ERROR_REASON_DEADLINE_EXCEEDED;
    absl::StrAppend(&message, " (the task's deadline passed)");
  } else if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    absl::StrAppend(&message, " (no answer within the step deadline of ",
                    absl::FormatDuration(env_.options.step_timeout), ")");
  }
  s.set_state(v1::STEP_STATE_FAILED);
  *s.mutable_finished_at() = ProtoNow();
  *s.mutable_error() = MakeError(reason, message, s.id(), static_cast<int>(status.code()));
  state_.MarkCheckpoint();
  state_.MarkDirty(index);
  v1::TaskEvent event = MakeEvent(v1::TASK_EVENT_KIND_STEP_FAILED, message, &s);
  *event.mutable_error() = s.error();
  state_.Record(std::move(event));
  CountStep(s, "failed");
  // A failed planner call falls back to the built-in planner; anything else ends the task.
  if (s.role() != v1::STEP_ROLE_PLAN) failed_ = index;
}

}  // namespace octo::orchestrator::detail
