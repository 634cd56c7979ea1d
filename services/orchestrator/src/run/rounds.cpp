// Planning a round: the planner arm's plan or the built-in one, validated, with a judge step
// when the task has acceptance criteria.
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_join.h"
#include "octo/task/plan.h"
#include "src/run/task_run_internal.h"

namespace octo::orchestrator::detail {

int TaskRun::AddStep(v1::Step step) {
  const int index = state_.AddStep(std::move(step));
  rt_.resize(state_.size());
  return index;
}

std::vector<v1::Step> TaskRun::BuiltinPlan(int round) const {
  return task::BuiltinPlan(task().spec(), round, state_.Feedback(round),
                           {.answer = env_.arms->IsAvailable("answer")});
}

// Makes sure the round has work steps, or a planner step that will produce them.
bool TaskRun::EnsureWork(int round) {
  if (state_.HasWork(round)) {
    state_.SetState(v1::TASK_STATE_RUNNING);
    return true;
  }
  const v1::TaskSpec& spec = task().spec();
  const int plan = state_.Find(task::PlanStepId(round));
  if (plan >= 0) {
    const v1::Step& p = step(plan);
    if (p.state() == v1::STEP_STATE_PENDING) return true;  // the DAG runs it
    if (p.state() == v1::STEP_STATE_SUCCEEDED) {
      auto planned = task::StepsFromPlan(p.output().plan(), round);
      if (planned.ok()) {
        return AddRoundSteps(round, *std::move(planned), absl::StrCat("planner arm ", p.arm()),
                             /*from_arm=*/true);
      }
      return AddRoundSteps(
          round, BuiltinPlan(round),
          absl::StrCat("built-in; the planner's plan was unusable: ", planned.status().message()),
          /*from_arm=*/false);
    }
    return AddRoundSteps(round, BuiltinPlan(round),
                         absl::StrCat("built-in; the planner arm failed: ", p.error().message()),
                         /*from_arm=*/false);
  }
  if (task::IsComplex(spec) && env_.arms->IsAvailable("plan")) {
    AddStep(task::PlanStep(spec, round));
    return true;
  }
  return AddRoundSteps(round, BuiltinPlan(round),
                       "built-in", /*from_arm=*/false);
}

bool TaskRun::AddRoundSteps(int round, std::vector<v1::Step> steps, const std::string& source,
                            bool from_arm) {
  const absl::flat_hash_set<std::string> known = env_.arms->KnownCapabilities();
  task::PlanLimits limits;
  limits.max_steps = env_.options.max_plan_steps;
  // A planner arm must stick to what the fleet offers; the built-in plan routes at run time
  // (an unknown capability then fails the step with NO_ARM).
  limits.known_capabilities = from_arm ? &known : nullptr;
  if (absl::Status valid = task::ValidatePlan(steps, limits); !valid.ok()) {
    if (from_arm) {
      return AddRoundSteps(
          round, BuiltinPlan(round),
          absl::StrCat("built-in; the planner's plan was invalid: ", valid.message()),
          /*from_arm=*/false);
    }
    FinishFailed(MakeError(v1::ERROR_REASON_PLAN_INVALID,
                           absl::StrCat("the plan is invalid: ", valid.message())),
                 /*with_partial_result=*/false);
    return false;
  }
  // The judge checks the round's result when there are criteria and the fleet has a judge.
  if (!task().spec().acceptance_criteria().empty() && known.contains("judge")) {
    absl::flat_hash_set<std::string> depended;
    for (const v1::Step& s : steps) depended.insert(s.depends_on().begin(), s.depends_on().end());
    std::vector<std::string> sinks;
    for (const v1::Step& s : steps) {
      if (!depended.contains(s.id())) sinks.push_back(s.id());
    }
    steps.push_back(task::JudgeStep(round, sinks));
  }
  std::vector<std::string> names;
  for (v1::Step& s : steps) {
    std::string name = absl::StrCat(s.id(), " ", s.capability());
    if (!s.depends_on().empty()) absl::StrAppend(&name, " <- ", absl::StrJoin(s.depends_on(), "+"));
    names.push_back(std::move(name));
    AddStep(std::move(s));
  }
  state_.Record(MakeEvent(v1::TASK_EVENT_KIND_PLANNED,
                          absl::StrCat("plan (", source, "): ", absl::StrJoin(names, "; "))));
  state_.SetState(v1::TASK_STATE_RUNNING);
  return true;
}

}  // namespace octo::orchestrator::detail
