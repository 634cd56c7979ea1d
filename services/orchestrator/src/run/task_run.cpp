#include "src/run/task_run.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "octo/common/log.h"
#include "octo/task/plan.h"
#include "src/run/task_run_internal.h"

namespace octo::orchestrator {
namespace detail {

TaskRun::TaskRun(const RunEnv& env, store::ClaimedTask claimed,
                 std::shared_ptr<TaskControl> control)
    : env_(env),
      control_(std::move(control)),
      state_(std::move(claimed.task), std::move(claimed.tenant_id)),
      budget_(state_.task().spec().budget()),
      deadline_(TaskDeadline(state_.task())),
      redaction_(env.guard->RedactionFor(state_.tenant())) {
  if (auto trace = telemetry::TraceContext::Parse(claimed.traceparent)) {
    trace_ = *trace;
  } else {
    trace_ = telemetry::TraceContext::NewRoot();
  }
  if (claimed.cancel_requested) control_->Cancel();
  for (v1::Step& step : *state_.task().mutable_steps()) {
    // A step that was running when the previous owner stopped runs again; a completed one
    // never does.
    if (step.state() == v1::STEP_STATE_RUNNING) step.set_state(v1::STEP_STATE_PENDING);
    if (step.state() == v1::STEP_STATE_SUCCEEDED) budget_.Charge(step.usage());
  }
  rt_.resize(state_.size());
  // A step stored as failed for good ended the task already, but its end was not stored:
  // end it again. (A failed planner step only meant the built-in plan was used.)
  for (int i = 0; i < state_.size(); ++i) {
    if (step(i).state() == v1::STEP_STATE_FAILED && step(i).role() != v1::STEP_ROLE_PLAN) {
      failed_ = i;
      break;
    }
  }
}

// Why the DAG must stop now, or kDone when it may go on. Calls in flight are cancelled and
// drained for every reason but kDone; unfinished steps are settled for all but kAbandoned.
DagEnd TaskRun::StopReason() {
  DagEnd end = DagEnd::kDone;
  if (control_->abandoned()) {
    end = DagEnd::kAbandoned;
  } else if (control_->cancelled()) {
    end = DagEnd::kCancelled;
  } else if (failed_ >= 0) {
    end = DagEnd::kFailed;
  } else if (budget_.Exceeded()) {
    end = DagEnd::kBudget;
  } else if (Now() >= deadline_) {
    end = DagEnd::kDeadline;
  }
  if (end == DagEnd::kDone) return end;
  CancelAndDrain();
  if (end != DagEnd::kAbandoned) MarkStopped();
  return end;
}

DagEnd TaskRun::RunDag() {
  absl::Time wait_until = absl::InfinitePast();
  while (true) {
    for (const auto& call : control_->Wait(&seen_, wait_until)) HandleFinished(call, false);
    if (DagEnd end = StopReason(); end != DagEnd::kDone) return end;
    const absl::Time now = Now();
    std::vector<std::shared_ptr<StepCall>> launch;
    StartReady(&launch);
    if (failed_ >= 0) {
      Unacquire(launch);
      wait_until = absl::InfinitePast();
      continue;
    }
    bool busy = !launch.empty() || control_->calls_outstanding() > 0;
    wait_until = deadline_;
    for (int i = 0; i < state_.size(); ++i) {
      const StepRt& rt = rt_[i];
      if (step(i).state() != v1::STEP_STATE_PENDING && step(i).state() != v1::STEP_STATE_RUNNING) {
        continue;
      }
      if (rt.phase == StepRt::Phase::kWaitingForSlot) {
        // Woken by the registry when a slot frees; the poll covers a release that happened
        // between the busy pick and AddWaiter.
        busy = true;
        wait_until = std::min(wait_until, Now() + absl::Milliseconds(20));
      } else if (rt.phase == StepRt::Phase::kBackoff) {
        busy = true;
        wait_until = std::min(wait_until, rt.retry_at);
      }
    }
    // Nothing left to run: what is unwritten goes with the caller's next write (the task's
    // end, or the next round's plan), saving a commit.
    if (!busy) return DagEnd::kDone;
    // With no start delay, steps are stored as RUNNING before their arms see them. Otherwise
    // finished steps are checkpointed at once, before the steps that use their outputs start
    // (so a crash re-runs at most the steps that were running); starts and the like may wait
    // a little for company.
    const bool write_now = env_.options.start_write_delay <= absl::ZeroDuration() ||
                           state_.checkpoint_due() || now >= flush_by_;
    if (write_now) {
      if (!Flush()) {
        Unacquire(launch);
        continue;  // abandoned: the top of the loop ends the run
      }
    } else if (state_.HasPending() && flush_by_ == absl::InfiniteFuture()) {
      flush_by_ = now + env_.options.start_write_delay;
    }
    for (auto& call : launch) Launch(std::move(call));
    wait_until = std::min(wait_until, flush_by_);
  }
}

void TaskRun::CancelAndDrain() {
  control_->CancelCalls();
  const absl::Time give_up = Now() + kDrainTimeout;
  while (control_->calls_outstanding() > 0 && Now() < give_up) {
    for (const auto& call : control_->Wait(&seen_, Now() + absl::Milliseconds(100))) {
      HandleFinished(call, /*stopping=*/true);
    }
  }
  for (const auto& call : control_->Wait(&seen_, absl::InfinitePast())) {
    HandleFinished(call, /*stopping=*/true);
  }
  if (control_->calls_outstanding() > 0) {
    log::Error("arm calls did not end after cancellation",
               {{"in_flight", absl::StrCat(control_->calls_outstanding())}});
  }
}

void TaskRun::Run() {
  telemetry::Span span("orchestrator.RunTask", trace_, task().id());
  trace_ = span.context();
  while (true) {
    if (control_->abandoned()) return;
    if (control_->cancelled()) return FinishCancelled();
    const int round = state_.CurrentRound();
    if (!EnsureWork(round)) return;
    switch (RunDag()) {
      case DagEnd::kAbandoned:
        return;
      case DagEnd::kCancelled:
        return FinishCancelled();
      case DagEnd::kFailed:
        span.SetError(step(failed_).error().message());
        return FinishFailed(step(failed_).error(), /*with_partial_result=*/false);
      case DagEnd::kBudget:
        return FinishFailed(MakeError(v1::ERROR_REASON_BUDGET_EXCEEDED, *budget_.Exceeded()),
                            /*with_partial_result=*/true);
      case DagEnd::kDeadline: {
        const auto& limit = task().spec().budget().deadline();
        return FinishFailed(
            MakeError(v1::ERROR_REASON_DEADLINE_EXCEEDED,
                      absl::StrCat("the task's deadline of ",
                                   absl::FormatDuration(absl::Seconds(limit.seconds()) +
                                                        absl::Nanoseconds(limit.nanos())),
                                   " passed"),
                      "", static_cast<int>(absl::StatusCode::kDeadlineExceeded)),
            /*with_partial_result=*/true);
      }
      case DagEnd::kDone:
        break;
    }
    if (!state_.HasWork(round)) continue;  // the planner step finished: expand its plan
    if (FinishRound(round)) return;
  }
}

}  // namespace detail

void RunTask(const RunEnv& env, store::ClaimedTask claimed, std::shared_ptr<TaskControl> control) {
  detail::TaskRun run(env, std::move(claimed), std::move(control));
  run.Run();
}

}  // namespace octo::orchestrator
