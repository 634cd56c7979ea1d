#include "octo/task/plan.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "octo/common/utf8.h"

namespace octo::task {
namespace {

// A step as the validator sees it: a task's Step and a planner's PlannedStep both fit.
struct Node {
  absl::string_view id;
  absl::string_view capability;
  absl::string_view instruction;
  const google::protobuf::RepeatedPtrField<std::string>* depends_on;
};

absl::Status Invalid(auto&&... parts) { return absl::InvalidArgumentError(absl::StrCat(parts...)); }

absl::Status CheckSteps(absl::Span<const Node> nodes, const PlanLimits& limits,
                        absl::flat_hash_map<absl::string_view, int>* index) {
  if (nodes.empty()) return Invalid("the plan has no steps");
  if (static_cast<int64_t>(nodes.size()) > limits.max_steps) {
    return Invalid("the plan has ", nodes.size(), " steps, more than the limit of ",
                   limits.max_steps);
  }
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    const Node& node = nodes[i];
    if (node.id.empty()) return Invalid("step ", i + 1, " has no id");
    if (limits.require_capability && node.capability.empty()) {
      return Invalid("step ", node.id, " has no capability");
    }
    if (limits.known_capabilities != nullptr &&
        !limits.known_capabilities->contains(node.capability)) {
      std::vector<absl::string_view> known(limits.known_capabilities->begin(),
                                           limits.known_capabilities->end());
      std::sort(known.begin(), known.end());
      return Invalid("step ", node.id, " needs capability \"", node.capability,
                     "\", which is not available (available: ", absl::StrJoin(known, ", "), ")");
    }
    if (limits.require_instruction && absl::StripAsciiWhitespace(node.instruction).empty()) {
      return Invalid("step ", node.id, " has no instruction");
    }
    if (!index->emplace(node.id, i).second) return Invalid("step id ", node.id, " appears twice");
  }
  return absl::OkStatus();
}

// Every dependency names a step; then (Kahn's algorithm) whatever cannot be ordered lies on
// (or behind) a cycle.
absl::Status CheckDependencies(absl::Span<const Node> nodes,
                               const absl::flat_hash_map<absl::string_view, int>& index,
                               const PlanLimits& limits) {
  const int n = static_cast<int>(nodes.size());
  std::vector<int> waiting_on(n, 0);
  std::vector<std::vector<int>> dependants(n);
  for (int i = 0; i < n; ++i) {
    absl::flat_hash_set<absl::string_view> seen;
    for (const std::string& dep : *nodes[i].depends_on) {
      if (dep == nodes[i].id && limits.require_acyclic) {
        return Invalid("step ", dep, " depends on itself");
      }
      auto it = index.find(dep);
      if (it == index.end()) return Invalid("step ", nodes[i].id, " depends on unknown step ", dep);
      if (!seen.insert(dep).second) continue;
      ++waiting_on[i];
      dependants[it->second].push_back(i);
    }
  }
  if (!limits.require_acyclic) return absl::OkStatus();
  std::vector<int> ready;
  for (int i = 0; i < n; ++i) {
    if (waiting_on[i] == 0) ready.push_back(i);
  }
  int ordered = 0;
  while (!ready.empty()) {
    const int i = ready.back();
    ready.pop_back();
    ++ordered;
    for (int d : dependants[i]) {
      if (--waiting_on[d] == 0) ready.push_back(d);
    }
  }
  for (int i = 0; ordered != n && i < n; ++i) {
    if (waiting_on[i] > 0) {
      return Invalid("the plan has a cycle: step ", nodes[i].id, " can never start");
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(absl::Span<const Node> nodes, const PlanLimits& limits) {
  absl::flat_hash_map<absl::string_view, int> index;
  if (absl::Status s = CheckSteps(nodes, limits, &index); !s.ok()) return s;
  return CheckDependencies(nodes, index, limits);
}

v1::Step NewStep(std::string id, v1::StepRole role, int round, std::string capability,
                 std::string instruction) {
  v1::Step step;
  step.set_id(std::move(id));
  step.set_role(role);
  step.set_round(round);
  step.set_capability(std::move(capability));
  step.set_instruction(std::move(instruction));
  step.set_state(v1::STEP_STATE_PENDING);
  return step;
}

}  // namespace

absl::Status ValidatePlan(absl::Span<const v1::Step> steps, const PlanLimits& limits) {
  std::vector<Node> nodes;
  nodes.reserve(steps.size());
  for (const v1::Step& s : steps) {
    nodes.push_back({s.id(), s.capability(), s.instruction(), &s.depends_on()});
  }
  return Validate(nodes, limits);
}

absl::Status ValidatePlan(const v1::PlanResult& plan, const PlanLimits& limits) {
  std::vector<Node> nodes;
  nodes.reserve(plan.steps_size());
  for (const v1::PlannedStep& s : plan.steps()) {
    nodes.push_back({s.id(), s.capability(), s.instruction(), &s.depends_on()});
  }
  return Validate(nodes, limits);
}

bool IsComplex(const v1::TaskSpec& spec) {
  if (spec.step_params_case() != v1::TaskSpec::STEP_PARAMS_NOT_SET) return false;
  return spec.required_capabilities_size() >= 2 || !spec.acceptance_criteria().empty() ||
         common::Utf8Length(spec.goal()) > kComplexGoalChars;
}

std::string PlanStepId(int round) { return absl::StrCat("plan-", round); }
std::string JudgeStepId(int round) { return absl::StrCat("judge-", round); }
std::string WorkStepPrefix(int round) { return round <= 1 ? "" : absl::StrCat("r", round, "-"); }

std::vector<v1::Step> BuiltinPlan(const v1::TaskSpec& spec, int round,
                                  absl::Span<const std::string> feedback,
                                  BuiltinPlanOptions options) {
  std::vector<std::string> capabilities(spec.required_capabilities().begin(),
                                        spec.required_capabilities().end());
  if (capabilities.empty()) {
    if (spec.has_exec()) {
      capabilities.push_back("execute");
    } else {
      capabilities.push_back("retrieve");
      if (options.answer && !spec.has_retrieve()) capabilities.push_back("answer");
    }
  }
  std::string instruction = spec.goal();
  if (!feedback.empty()) {
    absl::StrAppend(&instruction, "\n\nAn earlier result was rejected because:");
    for (const std::string& line : feedback) absl::StrAppend(&instruction, "\n- ", line);
  }
  const std::string prefix = WorkStepPrefix(round);
  std::vector<v1::Step> steps;
  for (size_t i = 0; i < capabilities.size(); ++i) {
    v1::Step step = NewStep(absl::StrCat(prefix, "s", i + 1), v1::STEP_ROLE_WORK, round,
                            capabilities[i], instruction);
    if (i > 0) step.add_depends_on(steps.back().id());
    steps.push_back(std::move(step));
  }
  return steps;
}

absl::StatusOr<std::vector<v1::Step>> StepsFromPlan(const v1::PlanResult& plan, int round) {
  PlanLimits shape;
  shape.require_capability = false;
  shape.require_acyclic = false;
  if (absl::Status valid = ValidatePlan(plan, shape); !valid.ok()) return valid;
  const std::string prefix = WorkStepPrefix(round);
  absl::flat_hash_map<std::string, std::string> renamed;
  for (int i = 0; i < plan.steps_size(); ++i) {
    renamed.emplace(plan.steps(i).id(), absl::StrCat(prefix, "s", i + 1));
  }
  std::vector<v1::Step> steps;
  for (const v1::PlannedStep& planned : plan.steps()) {
    v1::Step step = NewStep(renamed[planned.id()], v1::STEP_ROLE_WORK, round,
                            planned.capability(), planned.instruction());
    for (const std::string& dep : planned.depends_on()) step.add_depends_on(renamed[dep]);
    steps.push_back(std::move(step));
  }
  return steps;
}

v1::Step JudgeStep(int round, absl::Span<const std::string> depends_on) {
  v1::Step step = NewStep(JudgeStepId(round), v1::STEP_ROLE_JUDGE, round, "judge",
                          "check the result against the acceptance criteria");
  for (const std::string& dep : depends_on) step.add_depends_on(dep);
  return step;
}

v1::Step PlanStep(const v1::TaskSpec& spec, int round) {
  return NewStep(PlanStepId(round), v1::STEP_ROLE_PLAN, round, "plan", spec.goal());
}

}  // namespace octo::task
