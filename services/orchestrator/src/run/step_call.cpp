// Starting arm calls: which steps are ready, which arm endpoint takes each, and the Execute
// request a step sends.
#include <algorithm>

#include "octo/task/capabilities.h"
#include "octo/telemetry/trace.h"
#include "src/run/integrate.h"
#include "src/run/task_run_internal.h"

namespace octo::orchestrator::detail {

void TaskRun::StartReady(std::vector<std::shared_ptr<StepCall>>* launch) {
  const absl::Time now = Now();
  bool wait_for_slot = false;
  for (int i = 0; i < state_.size() && failed_ < 0; ++i) {
    v1::Step& s = step(i);
    StepRt& rt = rt_[i];
    if (s.state() != v1::STEP_STATE_PENDING || rt.phase == StepRt::Phase::kCalling) continue;
    if (rt.phase == StepRt::Phase::kBackoff && rt.retry_at > now) continue;
    bool ready = true;
    for (const std::string& dep : s.depends_on()) {
      const int d = state_.Find(dep);
      ready = ready && d >= 0 && step(d).state() == v1::STEP_STATE_SUCCEEDED;
    }
    if (!ready) continue;
    ArmRegistry::Pick pick = env_.arms->Acquire(s.capability(), rt.avoid);
    switch (pick.result) {
      case ArmRegistry::PickResult::kAcquired:
        launch->push_back(PrepareCall(i, pick.endpoint));
        break;
      case ArmRegistry::PickResult::kBusy:
        rt.phase = StepRt::Phase::kWaitingForSlot;
        wait_for_slot = true;
        break;
      case ArmRegistry::PickResult::kUnavailable:
        s.set_attempts(s.attempts() + 1);
        HandleAttemptFailure(
            i,
            absl::UnavailableError(absl::StrCat("no healthy arm with capability \"", s.capability(),
                                                "\" (failing health checks or circuit open)")),
            nullptr);
        break;
      case ArmRegistry::PickResult::kUnknown:
        FailForNoArm(i);
        break;
    }
  }
  if (wait_for_slot) {
    std::weak_ptr<TaskControl> weak = control_;
    env_.arms->AddWaiter(control_.get(), [weak] {
      if (auto control = weak.lock()) control->Wake();
    });
  }
}

// No configured arm offers the step's capability: the step fails for good (and with it the
// task, unless it was the planner's).
void TaskRun::FailForNoArm(int index) {
  v1::Step& s = step(index);
  s.set_state(v1::STEP_STATE_FAILED);
  *s.mutable_finished_at() = ProtoNow();
  *s.mutable_error() =
      MakeError(v1::ERROR_REASON_NO_ARM,
                absl::StrCat("no configured arm offers capability \"", s.capability(), "\""),
                s.id(), static_cast<int>(absl::StatusCode::kUnavailable));
  state_.MarkCheckpoint();
  state_.MarkDirty(index);
  v1::TaskEvent event = MakeEvent(v1::TASK_EVENT_KIND_STEP_FAILED, s.error().message(), &s);
  *event.mutable_error() = s.error();
  state_.Record(std::move(event));
  CountStep(s, "failed");
  if (s.role() != v1::STEP_ROLE_PLAN) failed_ = index;
}

std::shared_ptr<StepCall> TaskRun::PrepareCall(int index, ArmEndpoint* endpoint) {
  v1::Step& s = step(index);
  auto call = std::make_shared<StepCall>();
  call->step = index;
  call->endpoint = endpoint;
  v1::ExecuteRequest& request = call->request;
  const v1::TaskSpec& spec = task().spec();
  request.set_task_id(task().id());
  request.set_step_id(s.id());
  request.set_tenant_id(state_.tenant());
  request.set_capability(s.capability());
  request.set_instruction(s.instruction());
  std::string context = spec.context();
  if (!spec.constraints().empty()) {
    absl::StrAppend(&context, context.empty() ? "" : "\n\n", "Constraints:");
    for (const std::string& c : spec.constraints()) absl::StrAppend(&context, "\n- ", c);
  }
  request.set_context(std::move(context));
  *request.mutable_acceptance_criteria() = spec.acceptance_criteria();
  for (const std::string& dep : s.depends_on()) {
    const int d = state_.Find(dep);
    if (d < 0) continue;
    v1::StepInput* input = request.add_inputs();
    input->set_step_id(dep);
    input->set_text(step(d).output().text());
    *input->mutable_output() = step(d).output();
  }
  // What is left of the token budget caps what a model may write for this step.
  if (const int64_t max_tokens = spec.budget().max_tokens(); max_tokens > 0) {
    request.set_max_output_tokens(std::max<int64_t>(1, max_tokens - budget_.used().total_tokens()));
  }
  // And what is left of the cost budget what one model call may cost.
  if (const double max_cost = spec.budget().max_cost_usd(); max_cost > 0) {
    request.set_max_cost_usd(std::max(1e-9, max_cost - budget_.used().cost_usd()));
  }
  FillRoleParams(index, &request);
  telemetry::InjectTrace(trace_.NewChild(), &call->context);

  s.set_state(v1::STEP_STATE_RUNNING);
  s.set_arm(endpoint->target());
  s.set_attempts(s.attempts() + 1);
  if (!s.has_started_at()) *s.mutable_started_at() = ProtoNow();
  state_.MarkDirty(index);
  rt_[index].phase = StepRt::Phase::kCalling;
  state_.Record(MakeEvent(v1::TASK_EVENT_KIND_STEP_STARTED,
                          absl::StrCat("step ", s.id(), " (", s.capability(), ") on ",
                                       endpoint->target(), ", attempt ", s.attempts()),
                          &s));
  return call;
}

// The typed parameters of the step's role: the planner's limits and feedback, the judge's
// candidate, or the client's step parameters for the round's first step that can use them.
void TaskRun::FillRoleParams(int index, v1::ExecuteRequest* request) const {
  const v1::Step& s = step(index);
  const v1::TaskSpec& spec = task().spec();
  const int round = s.round();
  switch (s.role()) {
    case v1::STEP_ROLE_PLAN: {
      v1::PlanParams* plan = request->mutable_plan();
      plan->set_max_steps(env_.options.max_plan_steps);
      const std::vector<std::string> hints(spec.routing_hints().begin(),
                                           spec.routing_hints().end());
      for (std::string& cap :
           task::PlannerCapabilities(env_.arms->AvailableCapabilities(), hints)) {
        plan->add_available_capabilities(std::move(cap));
      }
      for (const std::string& line : state_.Feedback(round)) plan->add_feedback(line);
      return;
    }
    case v1::STEP_ROLE_JUDGE:
      request->mutable_judge()->set_candidate(Integrate(task(), round).text);
      return;
    default:  // v1::STEP_ROLE_WORK
      break;
  }
  for (int i = 0; i < state_.size(); ++i) {
    const v1::Step& other = step(i);
    if (other.role() != v1::STEP_ROLE_WORK || other.round() != round ||
        other.capability() != s.capability()) {
      continue;
    }
    if (i != index) return;  // an earlier step of the round took them
    if (spec.has_exec() && s.capability() == "execute") *request->mutable_exec() = spec.exec();
    if (spec.has_retrieve() && s.capability() == "retrieve") {
      *request->mutable_retrieve() = spec.retrieve();
    }
    return;
  }
}

void TaskRun::Launch(std::shared_ptr<StepCall> call) {
  const absl::Time now = Now();
  call->started = now;
  first_start_ = std::min(first_start_, now);
  call->context.set_deadline(
      absl::ToChronoTime(std::min(now + env_.options.step_timeout, deadline_)));
  control_->CallStarted(call);
  StepCall* raw = call.get();
  std::shared_ptr<TaskControl> control = control_;
  common::Clock* clock = env_.options.clock;
  raw->endpoint->stub().async()->Execute(
      &raw->context, &raw->request, &raw->response,
      [call = std::move(call), control = std::move(control), clock](grpc::Status status) mutable {
        call->status = std::move(status);
        call->latency = clock->Now() - call->started;
        control->CallFinished(std::move(call));
      });
}

void TaskRun::Unacquire(const std::vector<std::shared_ptr<StepCall>>& calls) {
  for (const auto& call : calls) env_.arms->Unacquire(call->endpoint);
}

}  // namespace octo::orchestrator::detail
