// Plans: the one validator of a step DAG, the built-in planner, and how a task's rounds and
// step roles are laid out. Pure functions over the octo.v1 messages; no I/O.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "octo/v1/arm.pb.h"
#include "octo/v1/task.pb.h"

namespace octo::task {

struct PlanLimits {
  // Most steps a plan may have. Default: no limit.
  int max_steps = std::numeric_limits<int>::max();
  // Capabilities a step may use; null to allow any.
  const absl::flat_hash_set<std::string>* known_capabilities = nullptr;
  // Whether every step must name a capability. Default true.
  bool require_capability = true;
  // Whether a cycle is an error (dependencies are always checked to exist). Default true.
  bool require_acyclic = true;
  // Whether every step must have an instruction with a non-blank character. Default false.
  bool require_instruction = false;
};

// OK, or INVALID_ARGUMENT naming the first problem: no steps, more than max_steps, a step
// without id or capability, a duplicate id, a dependency on itself or on no step of the plan,
// a cycle (naming a step that can never start), an unknown capability, or (when required) a
// blank instruction. Dependencies may be listed in any order; they must form a DAG. A
// repeated dependency is harmless.
absl::Status ValidatePlan(absl::Span<const v1::Step> steps, const PlanLimits& limits);
absl::Status ValidatePlan(const v1::PlanResult& plan, const PlanLimits& limits);

// Goals longer than this (in code points) count as complex.
inline constexpr size_t kComplexGoalChars = 280;

// A task is complex, and worth a planner arm, when it does not name its first step's
// parameters and either needs two or more capabilities, has acceptance criteria, or has a
// goal longer than kComplexGoalChars. Everything else gets the built-in plan.
bool IsComplex(const v1::TaskSpec& spec);

// Rounds a task may run: the first, and one repair round after the judge rejected it.
inline constexpr int kMaxRounds = 2;

// A task runs in rounds: round 1, and round 2 when the judge rejected round 1's result.
// Every step carries its role and round as fields; ids only need to be unique:
//   "plan-<r>"    the planner arm's call for round r (only when a planner arm planned it)
//   "judge-<r>"   the judge arm's check of round r's result
//   "s<k>" (round 1) and "r<r>-s<k>" (later rounds)   the work steps.
std::string PlanStepId(int round);
std::string JudgeStepId(int round);
std::string WorkStepPrefix(int round);

struct BuiltinPlanOptions {
  // Whether the fleet serves "answer": a question then gets retrieve -> answer.
  bool answer = false;
};

// The built-in plan: one step per required capability, in the order given, each depending
// on the one before (so each sees the previous output); with no required capability the
// capability the step parameters imply: "execute" for exec, else "retrieve" followed by
// "answer" (when options.answer and the task does not name its retrieve parameters, which
// asks for the passages themselves). Every step carries the goal as instruction, followed by
// `feedback` (the judge's findings, in a repair round). Ids are WorkStepPrefix(round) + "s1",
// "s2", ...
std::vector<v1::Step> BuiltinPlan(const v1::TaskSpec& spec, int round,
                                  absl::Span<const std::string> feedback = {},
                                  BuiltinPlanOptions options = {});

// The work steps of a planner arm's answer, renamed to WorkStepPrefix(round) + "s1", ... in
// the order given (dependencies renamed alike). INVALID_ARGUMENT when the answer's shape is
// not a graph of steps (missing or duplicate ids, a dependency on no step); callers validate
// the result (cycles, capabilities, limits) with ValidatePlan.
absl::StatusOr<std::vector<v1::Step>> StepsFromPlan(const v1::PlanResult& plan, int round);

// A step that waits for `depends_on` and then asks the judge arm about round `round`.
v1::Step JudgeStep(int round, absl::Span<const std::string> depends_on);
// A step that asks the planner arm for round `round`'s plan.
v1::Step PlanStep(const v1::TaskSpec& spec, int round);

}  // namespace octo::task
