#include "src/plan_validator.h"

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace octo::orchestrator {

absl::Status ValidatePlan(absl::Span<const v1::Step> steps, const PlanLimits& limits) {
  if (steps.empty()) return absl::InvalidArgumentError("the plan has no steps");
  if (static_cast<int>(steps.size()) > limits.max_steps) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the plan has ", steps.size(), " steps, more than the limit of ", limits.max_steps));
  }
  absl::flat_hash_map<std::string, int> index;
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    const v1::Step& step = steps[i];
    if (step.id().empty())
      return absl::InvalidArgumentError(absl::StrCat("step ", i + 1, " has no id"));
    if (step.capability().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("step ", step.id(), " has no capability"));
    }
    if (limits.known_capabilities != nullptr &&
        !limits.known_capabilities->contains(step.capability())) {
      return absl::InvalidArgumentError(absl::StrCat("step ", step.id(), " needs capability \"",
                                                     step.capability(),
                                                     "\", which no configured arm offers"));
    }
    if (!index.emplace(step.id(), i).second) {
      return absl::InvalidArgumentError(absl::StrCat("step id ", step.id(), " appears twice"));
    }
  }
  // Kahn's algorithm: whatever cannot be ordered lies on (or behind) a cycle.
  std::vector<int> waiting_on(steps.size(), 0);
  std::vector<std::vector<int>> dependants(steps.size());
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    absl::flat_hash_set<std::string> seen;
    for (const std::string& dep : steps[i].depends_on()) {
      if (dep == steps[i].id()) {
        return absl::InvalidArgumentError(absl::StrCat("step ", dep, " depends on itself"));
      }
      auto it = index.find(dep);
      if (it == index.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("step ", steps[i].id(), " depends on unknown step ", dep));
      }
      if (!seen.insert(dep).second) continue;  // a repeated dependency is harmless
      ++waiting_on[i];
      dependants[it->second].push_back(i);
    }
  }
  std::vector<int> ready;
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    if (waiting_on[i] == 0) ready.push_back(i);
  }
  size_t ordered = 0;
  while (!ready.empty()) {
    const int i = ready.back();
    ready.pop_back();
    ++ordered;
    for (int d : dependants[i]) {
      if (--waiting_on[d] == 0) ready.push_back(d);
    }
  }
  if (ordered != steps.size()) {
    for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
      if (waiting_on[i] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("the plan has a cycle: step ", steps[i].id(), " can never start"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace octo::orchestrator
