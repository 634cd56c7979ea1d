// Planning: which tasks go to a planner arm, the built-in planner used for the others (and
// whenever no planner arm answers), and how plans and their rounds are named.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "octo/v1/arm.pb.h"
#include "octo/v1/task.pb.h"

namespace octo::orchestrator {

// Goals longer than this (in code points) count as complex.
inline constexpr size_t kComplexGoalChars = 280;

// A task is complex, and worth a planner arm, when it does not name its first step's
// parameters and either needs two or more capabilities, has acceptance criteria, or has a
// goal longer than kComplexGoalChars. Everything else gets the built-in plan.
bool IsComplex(const v1::TaskSpec& spec);

// A task runs in rounds: round 1, and round 2 when the judge rejected round 1's result (the
// one repair round). Step ids say which round and role a step has:
//   "plan-<r>"    the planner arm's call for round r (only when a planner arm planned it)
//   "judge-<r>"   the judge arm's check of round r's result
//   "s<k>" (round 1) and "r<r>-s<k>" (later rounds)   the work steps.
enum class StepRole { kWork, kPlan, kJudge };
std::string PlanStepId(int round);
std::string JudgeStepId(int round);
std::string WorkStepPrefix(int round);
StepRole RoleOf(const v1::Step& step);
int RoundOf(const v1::Step& step);

// The built-in plan: one step per required capability, in the order given, each depending
// on the one before (so each sees the previous output); with no required capability a
// single step for the capability the step parameters imply ("execute" for exec, else
// "retrieve"). Every step carries the goal as instruction, followed by `feedback` (the
// judge's findings, in a repair round). Ids are WorkStepPrefix(round) + "s1", "s2", ...
std::vector<v1::Step> BuiltinPlan(const v1::TaskSpec& spec, int round,
                                  absl::Span<const std::string> feedback = {});

// The work steps of a planner arm's answer, renamed to WorkStepPrefix(round) + "s1", ... in
// the order given (dependencies renamed alike). INVALID_ARGUMENT when the answer has no
// steps, a step without id, a duplicate id, or a dependency on no step of the answer;
// ValidatePlan checks the rest.
absl::StatusOr<std::vector<v1::Step>> StepsFromPlan(const v1::PlanResult& plan, int round);

// A step that waits for `depends_on` and then asks the judge arm about round `round`.
v1::Step JudgeStep(int round, absl::Span<const std::string> depends_on);
// A step that asks the planner arm for round `round`'s plan.
v1::Step PlanStep(const v1::TaskSpec& spec, int round);

}  // namespace octo::orchestrator
