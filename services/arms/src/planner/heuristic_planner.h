// The heuristic planner: splits a goal into sub-goals (goal_splitting.h), routes each by its
// words (capability_choice.h) and links the ones that use an earlier result. Deterministic;
// no model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/planner/planner.h"

namespace octo::arms {

struct HeuristicPlannerOptions {
  // Program names the executor runs (its allow-list); they mark command lines.
  std::vector<std::string> programs;
};

// The heuristic plan for `request`. Steps "s1".."sN" in sub-goal order; a step depends on
// earlier ones when it opens with an ordering word (on all steps nothing else depends on
// yet), refers to an earlier result ("it", "the result" → the previous step; "them",
// "these results", "compare", "summarise", "write a report" → all steps nothing depends on
// yet), names one ("step 2"), or continues the sentence of the one before.
// With feedback, a last step addresses it. Past max_steps, the tail is merged into the last
// step. INVALID_ARGUMENT when the goal has no words.
absl::StatusOr<v1::PlanResult> HeuristicPlan(const PlanRequest& request,
                                             const HeuristicPlannerOptions& options);

std::unique_ptr<Planner> NewHeuristicPlanner(HeuristicPlannerOptions options = {});

}  // namespace octo::arms
