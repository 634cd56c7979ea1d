#include "src/planner/planner.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "octo/task/plan.h"
#include "src/planner/model_planning.h"

namespace octo::arms {
namespace {

// Capabilities that are not step work: planning and judging are the orchestrator's own
// stages, and ingestion needs documents a planned step cannot carry.
bool IsStepCapability(absl::string_view capability) {
  return !capability.empty() && capability != "plan" && capability != "judge" &&
         capability != "ingest";
}

class PlannerArm final : public ArmHandler {
 public:
  PlannerArm(std::unique_ptr<Planner> planner, PlannerArmOptions options)
      : planner_(std::move(planner)), options_(std::move(options)) {}

  v1::ArmDescription Describe() const override {
    const bool online = options_.model != nullptr && !options_.model->offline();
    return Description("planner", {"plan"}, online ? v1::COST_TIER_MEDIUM : v1::COST_TIER_FREE);
  }


  absl::StatusOr<v1::ExecuteResponse> Execute(const v1::ExecuteRequest& request,
                                              const CallContext& context) override {
    auto plan_request = MakePlanRequest(request);
    if (!plan_request.ok()) return plan_request.status();
    v1::ExecuteResponse response;
    std::string fallback;  // why the model's plan was not used
    if (options_.model != nullptr && !options_.model->offline()) {
      auto planned = PlanWithModel(*options_.model, request, *plan_request, context,
                                   options_.max_plan_tokens, &response);
      if (planned.ok()) {
        response.mutable_output()->set_text(PlanText(*planned));
        *response.mutable_output()->mutable_plan() = *std::move(planned);
        return response;
      }
      if (planned.status().code() == absl::StatusCode::kCancelled) return planned.status();
      fallback = std::string(planned.status().message());
    }
    auto plan = planner_->Plan(*plan_request, context);
    if (!plan.ok()) return plan.status();
    if (absl::Status valid = ValidatePlan(*plan, *plan_request); !valid.ok()) return valid;
    std::string text = PlanText(*plan);
    if (!fallback.empty()) absl::StrAppend(&text, "Planned by rules: ", fallback, "\n");
    response.mutable_output()->set_text(std::move(text));
    *response.mutable_output()->mutable_plan() = *std::move(plan);
    response.mutable_provenance()->set_method("heuristic");
    return response;
  }

 private:
  absl::StatusOr<PlanRequest> MakePlanRequest(const v1::ExecuteRequest& request) const {
    const v1::PlanParams& params = request.plan();
    PlanRequest out;
    if (absl::StripAsciiWhitespace(request.instruction()).empty()) {
      return absl::InvalidArgumentError("instruction: the goal to plan must not be empty");
    }
    if (request.instruction().size() > kMaxGoalBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("instruction: the goal is longer than ", kMaxGoalBytes, " bytes"));
    }
    out.goal = request.instruction();
    out.context = request.context();
    out.acceptance_criteria.assign(request.acceptance_criteria().begin(),
                                   request.acceptance_criteria().end());
    out.feedback.assign(params.feedback().begin(), params.feedback().end());

    if (params.max_steps() < 0) {
      return absl::InvalidArgumentError("plan.max_steps: must not be negative");
    }
    out.max_steps = params.max_steps() == 0 ? options_.default_max_steps : params.max_steps();
    out.max_steps = std::clamp(out.max_steps, 1, kMaxPlanSteps);

    std::vector<std::string> offered(params.available_capabilities().begin(),
                                     params.available_capabilities().end());
    if (offered.empty()) offered = options_.default_capabilities;
    absl::flat_hash_set<std::string> seen;
    for (std::string& capability : offered) {
      if (IsStepCapability(capability) && seen.insert(capability).second) {
        out.capabilities.push_back(std::move(capability));
      }
    }
    if (out.capabilities.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("plan.available_capabilities: none can run a step (offered: ",
                       absl::StrJoin(params.available_capabilities(), ", "), ")"));
    }
    return out;
  }

  std::unique_ptr<Planner> planner_;
  PlannerArmOptions options_;
};

}  // namespace

std::unique_ptr<ArmHandler> NewPlannerArm(std::unique_ptr<Planner> planner,
                                          PlannerArmOptions options) {
  return std::make_unique<PlannerArm>(std::move(planner), std::move(options));
}

absl::Status ValidatePlan(const v1::PlanResult& plan, const PlanRequest& request) {
  const absl::flat_hash_set<std::string> capabilities(request.capabilities.begin(),
                                                      request.capabilities.end());
  task::PlanLimits limits;
  limits.max_steps = request.max_steps;
  limits.known_capabilities = &capabilities;
  limits.require_instruction = true;
  if (absl::Status valid = task::ValidatePlan(plan, limits); !valid.ok()) {
    // The request was fine; the planner broke the rules.
    return absl::InternalError(
        absl::StrCat("planner produced an invalid plan: ", valid.message()));
  }
  return absl::OkStatus();
}

std::string PlanText(const v1::PlanResult& plan) {
  std::string text = absl::StrCat("Plan with ", plan.steps_size(),
                                  plan.steps_size() == 1 ? " step" : " steps", ":\n");
  for (const v1::PlannedStep& step : plan.steps()) {
    absl::StrAppend(&text, step.id(), " [", step.capability(), "] ", step.instruction());
    if (!step.depends_on().empty()) {
      absl::StrAppend(&text, " (after ", absl::StrJoin(step.depends_on(), ", "), ")");
    }
    text += "\n";
  }
  if (!plan.rationale().empty()) absl::StrAppend(&text, "Why: ", plan.rationale(), "\n");
  return text;
}

}  // namespace octo::arms
