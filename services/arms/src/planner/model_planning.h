// Planning with a language model: the plan asked for as JSON matching a schema, checked with
// the one plan validator; an invalid plan gets one repair request quoting what was wrong.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "octo/v1/arm.pb.h"
#include "src/planner/planner.h"
#include "src/runtime/model.h"

namespace octo::arms {

// The JSON Schema of the model's plan: {"steps": [{"id", "capability", "instruction",
// "depends_on"}], "rationale"}.
extern const char kPlanSchema[];

// Reads a model's reply as a plan: JSON, optionally inside a ``` fence. INVALID_ARGUMENT
// saying what is not as the schema says.
absl::StatusOr<v1::PlanResult> ParseModelPlan(absl::string_view reply);

// A valid plan for `request` from `model` (online), in at most two calls (the second one
// quoting the first plan's errors). Every call's usage is added to `*response`. The model's
// error (see StepErrorFromModel), or INTERNAL when the second plan is still invalid.
absl::StatusOr<v1::PlanResult> PlanWithModel(const ArmModel& model,
                                             const v1::ExecuteRequest& step,
                                             const PlanRequest& request, const CallContext& call,
                                             int max_tokens, v1::ExecuteResponse* response);

}  // namespace octo::arms
