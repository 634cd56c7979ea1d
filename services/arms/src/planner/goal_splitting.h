// Splits a task goal into sub-goals, each of which becomes (at most) one planned step.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace octo::arms {

// One piece of a goal that becomes (at most) one step.
struct SubGoal {
  // The sub-goal's own words, without list markers or ordering words.
  std::string text;
  // Context for the sub-goal, prefixed to its instruction (except a command's) but not used
  // for routing: a list's lead-in that names the subject ("For the ACME account"), or an
  // opening sentence that states the need ("I need the line count of a file.").
  std::string lead_in;
  // Opened by an ordering word ("then", "finally", "after that"): runs after all before it.
  bool ordered = false;
  // Joined to the sub-goal before it by "and" or a comma in one sentence: runs after it.
  bool continues = false;
};

// Sub-goals of `goal`, in order. Splits at list items (numbered, lettered or bulleted lines),
// inline enumerations ("1. … 2. …"), semicolons, ordering words ("first …, then …, finally
// …"), sentences that start with an action verb, a question word or an ordering word, and
// (outside list items) clauses after "and" or a comma that start with an action verb and its
// object ("…, compare their prices and write a report"); other sentences stay with the
// sub-goal before them. Never splits inside `…` or "…".
// `how`, when given, receives the kinds of split used ("numbered list", "semicolons", ...).
// Empty only when `goal` has no words.
std::vector<SubGoal> SplitGoal(absl::string_view goal, std::vector<std::string>* how = nullptr);

// The capability a sub-goal's words ask for, and the one it gets.

}  // namespace octo::arms
