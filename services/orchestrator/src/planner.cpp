#include "src/planner.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace octo::orchestrator {
namespace {

size_t CodePoints(absl::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

v1::Step NewStep(std::string id, std::string capability, std::string instruction) {
  v1::Step step;
  step.set_id(std::move(id));
  step.set_capability(std::move(capability));
  step.set_instruction(std::move(instruction));
  step.set_state(v1::STEP_STATE_PENDING);
  return step;
}

// Parses the round out of "<prefix><n>"; 0 when `id` is not of that form.
int RoundSuffix(absl::string_view id, absl::string_view prefix) {
  int round = 0;
  if (!absl::ConsumePrefix(&id, prefix) || !absl::SimpleAtoi(id, &round) || round < 1) return 0;
  return round;
}

}  // namespace

bool IsComplex(const v1::TaskSpec& spec) {
  if (spec.step_params_case() != v1::TaskSpec::STEP_PARAMS_NOT_SET) return false;
  return spec.required_capabilities_size() >= 2 || !spec.acceptance_criteria().empty() ||
         CodePoints(spec.goal()) > kComplexGoalChars;
}

std::string PlanStepId(int round) { return absl::StrCat("plan-", round); }
std::string JudgeStepId(int round) { return absl::StrCat("judge-", round); }
std::string WorkStepPrefix(int round) { return round <= 1 ? "" : absl::StrCat("r", round, "-"); }

StepRole RoleOf(const v1::Step& step) {
  if (RoundSuffix(step.id(), "plan-") > 0) return StepRole::kPlan;
  if (RoundSuffix(step.id(), "judge-") > 0) return StepRole::kJudge;
  return StepRole::kWork;
}

int RoundOf(const v1::Step& step) {
  if (int r = RoundSuffix(step.id(), "plan-"); r > 0) return r;
  if (int r = RoundSuffix(step.id(), "judge-"); r > 0) return r;
  absl::string_view id = step.id();
  if (absl::ConsumePrefix(&id, "r")) {
    const size_t dash = id.find('-');
    int round = 0;
    if (dash != absl::string_view::npos && absl::SimpleAtoi(id.substr(0, dash), &round) &&
        round >= 2) {
      return round;
    }
  }
  return 1;
}

std::vector<v1::Step> BuiltinPlan(const v1::TaskSpec& spec, int round,
                                  absl::Span<const std::string> feedback) {
  std::vector<std::string> capabilities(spec.required_capabilities().begin(),
                                        spec.required_capabilities().end());
  if (capabilities.empty()) capabilities.push_back(spec.has_exec() ? "execute" : "retrieve");
  std::string instruction = spec.goal();
  if (!feedback.empty()) {
    absl::StrAppend(&instruction, "\n\nAn earlier result was rejected because:");
    for (const std::string& line : feedback) absl::StrAppend(&instruction, "\n- ", line);
  }
  const std::string prefix = WorkStepPrefix(round);
  std::vector<v1::Step> steps;
  for (size_t i = 0; i < capabilities.size(); ++i) {
    v1::Step step = NewStep(absl::StrCat(prefix, "s", i + 1), capabilities[i], instruction);
    if (i > 0) step.add_depends_on(steps.back().id());
    steps.push_back(std::move(step));
  }
  return steps;
}

absl::StatusOr<std::vector<v1::Step>> StepsFromPlan(const v1::PlanResult& plan, int round) {
  if (plan.steps().empty()) return absl::InvalidArgumentError("the planner returned no steps");
  const std::string prefix = WorkStepPrefix(round);
  absl::flat_hash_map<std::string, std::string> renamed;
  for (int i = 0; i < plan.steps_size(); ++i) {
    const std::string& id = plan.steps(i).id();
    if (id.empty())
      return absl::InvalidArgumentError(absl::StrCat("planned step ", i + 1, " has no id"));
    if (!renamed.emplace(id, absl::StrCat(prefix, "s", i + 1)).second) {
      return absl::InvalidArgumentError(absl::StrCat("planned step id ", id, " appears twice"));
    }
  }
  std::vector<v1::Step> steps;
  for (const v1::PlannedStep& planned : plan.steps()) {
    v1::Step step = NewStep(renamed[planned.id()], planned.capability(), planned.instruction());
    for (const std::string& dep : planned.depends_on()) {
      auto it = renamed.find(dep);
      if (it == renamed.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("planned step ", planned.id(), " depends on unknown step ", dep));
      }
      step.add_depends_on(it->second);
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

v1::Step JudgeStep(int round, absl::Span<const std::string> depends_on) {
  v1::Step step =
      NewStep(JudgeStepId(round), "judge", "check the result against the acceptance criteria");
  for (const std::string& dep : depends_on) step.add_depends_on(dep);
  return step;
}

v1::Step PlanStep(const v1::TaskSpec& spec, int round) {
  return NewStep(PlanStepId(round), "plan", spec.goal());
}

}  // namespace octo::orchestrator
