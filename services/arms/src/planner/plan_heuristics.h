// The heuristic planner: splits a goal into sub-goals, routes each by its words and links
// the ones that use an earlier result. Deterministic; no model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/planner/planner.h"

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
struct CapabilityChoice {
  // What the words ask for; empty when nothing in them points anywhere.
  std::string wanted;
  // `wanted` when available, else "retrieve" when available, else the first of the
  // available capabilities.
  std::string capability;
};

// Routes `text`: retrieve/search/find/look up → "retrieve"; run/execute a program or command,
// compute/count with one, or a command line (`wc -l`, a line starting with a known program
// and an option or path) → "execute"; write/refactor/explain/fix code (a code noun, a language
// or a source file name) → "code"; any other available capability named in the words → that
// one. `capabilities` must not be empty. `programs` are the names the executor runs.
CapabilityChoice ChooseCapability(absl::string_view text,
                                  const std::vector<std::string>& capabilities,
                                  const std::vector<std::string>& programs);

// The instruction an "execute" step gets: the text inside `…` when there is one; else, when
// `text` starts with a known program (after an optional "run"/"execute"), that program and
// its arguments up to an "and", "then" or comma; else `text`.
std::string CommandInstruction(absl::string_view text, const std::vector<std::string>& programs);

struct HeuristicPlannerOptions {
  // Program names the executor runs (its allow-list); they mark command lines.
  std::vector<std::string> programs;
};

// The heuristic plan for `request`. Steps "s1".."sN" in sub-goal order; a step depends on
// earlier ones when it opens with an ordering word (on all steps nothing else depends on
// yet), refers to an earlier result ("it", "the result" → the previous step; "them",
// "these results", "compare", "summarise", "write a report" → all steps nothing depends on
// yet), names one ("step 2"), or continues the sentence of the one before.
// With feedback, a last step addresses it. Past max_steps, the tail is merged into the last
// step. INVALID_ARGUMENT when the goal has no words.
absl::StatusOr<v1::PlanResult> HeuristicPlan(const PlanRequest& request,
                                             const HeuristicPlannerOptions& options);

std::unique_ptr<Planner> NewHeuristicPlanner(HeuristicPlannerOptions options = {});

}  // namespace octo::arms
