// Guardian arm: the orchestrator's output guard (octo::guard) offered as a step, for plans
// that want a check of their own, e.g. before a result leaves for another system.
#pragma once

#include <memory>

#include "src/runtime/arm_handler.h"

namespace octo::arms {

// Capability "guard": guards the outputs of the step's inputs (PII and secrets masked by
// type, planted instructions withheld) and answers with their texts, guarded, and a
// GuardReport of what was found. INVALID_ARGUMENT for a step without inputs.
std::unique_ptr<ArmHandler> NewGuardian();

}  // namespace octo::arms
