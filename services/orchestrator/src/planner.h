// The built-in planner, used for simple tasks and whenever no planner arm is up.
#pragma once

#include <vector>

#include "octo/v1/task.pb.h"

namespace octo::orchestrator {

// One step for the task's first required capability (or the capability its step params
// imply, or "retrieve"), carrying the goal as instruction. Step ids are "s1", "s2", ...
std::vector<v1::Step> BuiltinPlan(const v1::TaskSpec& spec);

}  // namespace octo::orchestrator
