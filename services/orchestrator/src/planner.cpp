#include "src/planner.h"

namespace octo::orchestrator {

std::vector<v1::Step> BuiltinPlan(const v1::TaskSpec& spec) {
  v1::Step step;
  step.set_id("s1");
  if (!spec.required_capabilities().empty()) {
    step.set_capability(spec.required_capabilities(0));
  } else if (spec.has_exec()) {
    step.set_capability("execute");
  } else {
    step.set_capability("retrieve");
  }
  step.set_instruction(spec.goal());
  step.set_state(v1::STEP_STATE_PENDING);
  return {step};
}

}  // namespace octo::orchestrator
