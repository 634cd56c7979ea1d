// Checks that a plan can run: a non-empty, acyclic DAG of at most a configured number of
// steps, each with a capability the fleet offers.
#pragma once

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "octo/v1/task.pb.h"

namespace octo::orchestrator {

struct PlanLimits {
  // Most steps a plan may have. Default 16.
  int max_steps = 16;
  // Capabilities some configured arm serves; null to skip that check.
  const absl::flat_hash_set<std::string>* known_capabilities = nullptr;
};

// OK, or INVALID_ARGUMENT naming the first problem: no steps, more than max_steps, a step
// without id or capability, a duplicate id, a dependency on itself or on no step of the plan,
// a cycle (naming a step that can never start), or an unknown capability. Dependencies may be
// listed in any order; they must form a DAG.
absl::Status ValidatePlan(absl::Span<const v1::Step> steps, const PlanLimits& limits);

}  // namespace octo::orchestrator
