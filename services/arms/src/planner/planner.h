// Planner arm: turns a task goal into a DAG of steps (capability "plan"). The planning itself
// sits behind the Planner interface so a model-backed planner can replace the heuristic one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "octo/v1/arm.pb.h"
#include "src/runtime/arm_handler.h"
#include "src/runtime/model.h"

namespace octo::arms {

// One planning job, with the arm's defaults already applied.
struct PlanRequest {
  // The task goal (ExecuteRequest.instruction): non-empty, at most kMaxGoalBytes.
  std::string goal;
  // Task context and acceptance criteria, as the orchestrator sent them.
  std::string context;
  std::vector<std::string> acceptance_criteria;
  // Most steps the plan may have, >= 1.
  int max_steps = 1;
  // Capabilities a step may use, in the caller's order of preference; never empty and never
  // "plan", "judge" or "ingest" (those are not step work).
  std::vector<std::string> capabilities;
  // Why the previous plan's result was rejected; empty on a first plan.
  std::vector<std::string> feedback;
};

// Makes plans. Implementations are thread-safe.
class Planner {
 public:
  virtual ~Planner() = default;
  // A plan for `request`, with a rationale. INVALID_ARGUMENT when the goal cannot be planned
  // with the request's capabilities. The arm checks the result with ValidatePlan.
  virtual absl::StatusOr<v1::PlanResult> Plan(const PlanRequest& request,
                                              const CallContext& context) = 0;
};

// Largest goal accepted, in bytes.
inline constexpr size_t kMaxGoalBytes = 64 << 10;
// Largest max_steps honoured; a larger request is treated as this.
inline constexpr int kMaxPlanSteps = 64;

struct PlannerArmOptions {
  // Used when PlanParams.max_steps is 0. Default 8.
  int default_max_steps = 8;
  // Used when PlanParams.available_capabilities is empty: the step capabilities of the
  // standard arms.
  std::vector<std::string> default_capabilities = {"retrieve", "execute", "code"};
  // When set and online, plans come from this model (see model_planning.h), and from the
  // heuristic planner only when the model gives no valid plan. Must outlive the arm.
  const ArmModel* model = nullptr;
  // Most tokens of one plan the model writes (a step's budget share may lower it).
  int max_plan_tokens = 1024;
};

// Capability "plan", cost tier FREE (MEDIUM with a model). Reads ExecuteRequest.instruction (the goal), context,
// acceptance_criteria and PlanParams; answers with ArmOutput.plan and a readable text.
// INVALID_ARGUMENT for an empty or oversized goal, negative max_steps, or when no available
// capability can run a step. INTERNAL when the heuristic planner returns a plan that breaks
// the rules (a bug). The provenance says how the plan was made: method "llm" (the model's),
// or "heuristic" (no model, or the model's plan was unusable; the text says why).
std::unique_ptr<ArmHandler> NewPlannerArm(std::unique_ptr<Planner> planner,
                                          PlannerArmOptions options = {});

// task::ValidatePlan under the request's limits: 1..request.max_steps steps, only
// capabilities from request.capabilities, and an instruction in every step. INTERNAL (the
// planner's fault, not the caller's) naming the rule that is broken.
absl::Status ValidatePlan(const v1::PlanResult& plan, const PlanRequest& request);

// The plan as people read it: one line per step, then the rationale.
std::string PlanText(const v1::PlanResult& plan);

}  // namespace octo::arms
