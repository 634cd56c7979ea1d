// Which earlier sub-goals each sub-goal of a plan waits for, and why. Internal to the
// heuristic planner.
#pragma once

#include <string>
#include <vector>

#include "src/planner/goal_splitting.h"

namespace octo::arms::detail {

struct SubGoalLinks {
  // deps[i]: indexes of the earlier sub-goals sub-goal i waits for, ascending.
  std::vector<std::vector<int>> deps;
  // reasons[i]: why, in words ("refers to the previous result"); empty when deps[i] is.
  std::vector<std::string> reasons;
};

// A sub-goal waits for the ones before it when it opens with an ordering word (for all that
// nothing waits for yet), refers to an earlier result ("it", "the result" → the previous one;
// "them", "these results", "compare" → all that nothing waits for yet), names one
// ("step 2"), writes them up ("Summarise …", "Write a report …"), or continues the sentence
// of the one before.
SubGoalLinks LinkSubGoals(const std::vector<SubGoal>& goals);

}  // namespace octo::arms::detail
