#include "src/planner/heuristic_planner.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "src/planner/capability_choice.h"
#include "src/planner/goal_splitting.h"
#include "src/planner/step_linking.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

// Where sub-goals go when there are more than max_steps: sub-goals from `merge_from` to
// `merge_to` (exclusive) become one step; the feedback sub-goal stays a step of its own unless
// only one step is allowed.
struct StepFit {
  // step_of[i]: the step sub-goal i is part of.
  std::vector<int> step_of;
  int merge_from = 0;
  int merge_to = 0;
  int step_count = 0;
};

// Everything a heuristic plan is made from, in the order it is worked out.
struct Draft {
  // The goal's sub-goals, then the feedback sub-goal when there is feedback.
  std::vector<SubGoal> goals;
  // Kinds of split SplitGoal used.
  std::vector<std::string> how;
  // Sub-goals of the goal itself (without the feedback one).
  size_t goal_count = 0;
  bool has_feedback = false;
  detail::SubGoalLinks links;
  // Per sub-goal.
  std::vector<CapabilityChoice> choices;
  std::vector<std::string> instructions;
  StepFit fit;
};

// The feedback lines a replan addresses: blank ones dropped, at most 10 (then "…"), each cut
// to 300 bytes.
std::vector<std::string> FeedbackLines(const std::vector<std::string>& lines) {
  std::vector<std::string> feedback;
  for (const std::string& line : lines) {
    const absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty()) continue;
    if (feedback.size() == 10) {
      feedback.push_back("…");
      break;
    }
    feedback.push_back(Excerpt(trimmed, 300));
  }
  return feedback;
}

// Capabilities and instructions.
void RouteSubGoals(const PlanRequest& request, const HeuristicPlannerOptions& options,
                   Draft* draft) {
  for (const SubGoal& goal : draft->goals) {
    CapabilityChoice choice = ChooseCapability(goal.text, request.capabilities, options.programs);
    std::string instruction = choice.capability == "execute"
                                  ? CommandInstruction(goal.text, options.programs)
                                  : goal.text;
    if (!goal.lead_in.empty() && choice.capability != "execute") {
      const bool sentence = absl::EndsWith(goal.lead_in, ".") ||
                            absl::EndsWith(goal.lead_in, "。") ||
                            absl::EndsWith(goal.lead_in, "！");
      instruction = absl::StrCat(goal.lead_in, sentence ? " " : ": ", instruction);
    }
    draft->instructions.push_back(std::move(instruction));
    draft->choices.push_back(std::move(choice));
  }
}

StepFit FitSteps(int total, int max_steps, bool has_feedback) {
  StepFit fit;
  fit.step_of.resize(total);
  fit.merge_from = total;
  fit.merge_to = total;
  if (total > max_steps) {
    if (has_feedback && max_steps >= 2) {
      fit.merge_from = max_steps - 2;
      fit.merge_to = total - 1;
    } else {
      fit.merge_from = max_steps - 1;
      fit.merge_to = total;
    }
  }
  for (int i = 0; i < total; ++i) {
    if (i < fit.merge_from) {
      fit.step_of[i] = i;
    } else if (i < fit.merge_to) {
      fit.step_of[i] = fit.merge_from;
    } else {
      fit.step_of[i] = fit.merge_from + 1 + (i - fit.merge_to);
    }
  }
  fit.step_count = total > max_steps ? max_steps : total;
  return fit;
}

// Steps "s1".."sN": a merged step joins its sub-goals' instructions, takes the capability
// most of them use (the first to get there on a tie) and waits for what any of them waits for.
v1::PlanResult AssembleSteps(const Draft& draft) {
  const StepFit& fit = draft.fit;
  v1::PlanResult plan;
  for (int s = 0; s < fit.step_count; ++s) {
    v1::PlannedStep* step = plan.add_steps();
    step->set_id(absl::StrCat("s", s + 1));
  }
  std::vector<std::vector<int>> members(fit.step_count);
  for (int i = 0; i < static_cast<int>(draft.goals.size()); ++i) {
    members[fit.step_of[i]].push_back(i);
  }
  for (int s = 0; s < fit.step_count; ++s) {
    v1::PlannedStep* step = plan.mutable_steps(s);
    std::vector<std::string> parts;
    std::map<std::string, int> votes;
    std::string capability;
    int best_votes = 0;
    std::set<int> step_deps;
    for (int i : members[s]) {
      parts.push_back(draft.instructions[i]);
      const int v = ++votes[draft.choices[i].capability];
      if (v > best_votes) {
        best_votes = v;
        capability = draft.choices[i].capability;
      }
      for (int d : draft.links.deps[i]) {
        if (fit.step_of[d] != s) step_deps.insert(fit.step_of[d]);
      }
    }
    step->set_capability(capability);
    step->set_instruction(absl::StrJoin(parts, "; "));
    for (int d : step_deps) step->add_depends_on(absl::StrCat("s", d + 1));
  }
  return plan;
}

// How the plan came about, in sentences: the split, the links, what runs in parallel, stand-in
// capabilities, merging and the feedback step.
std::string Rationale(const Draft& draft, const v1::PlanResult& plan, int max_steps) {
  const int total = static_cast<int>(draft.goals.size());
  const StepFit& fit = draft.fit;
  std::vector<std::string> why;
  why.push_back("Heuristic plan (no language model).");
  if (draft.goal_count == 1) {
    why.push_back("The goal is a single task.");
  } else {
    why.push_back(absl::StrCat("Split the goal into ", draft.goal_count, " sub-goals",
                               draft.how.empty() ? "" : " at ", absl::StrJoin(draft.how, ", "),
                               "."));
  }
  std::vector<std::string> links;
  std::vector<std::string> roots;
  for (int i = 0; i < total; ++i) {
    if (fit.step_of[i] != i || draft.links.reasons[i].empty() ||
        (draft.has_feedback && i == total - 1)) {
      continue;
    }
    links.push_back(absl::StrCat(plan.steps(i).id(), " waits for ",
                                 absl::StrJoin(plan.steps(i).depends_on(), ", "), " (",
                                 draft.links.reasons[i], ")"));
  }
  for (const v1::PlannedStep& step : plan.steps()) {
    if (step.depends_on().empty()) roots.push_back(step.id());
  }
  if (!links.empty()) why.push_back(absl::StrCat(absl::StrJoin(links, "; "), "."));
  if (roots.size() > 1) {
    why.push_back(absl::StrCat(absl::StrJoin(roots, ", "),
                               " do not depend on each other and can run in parallel."));
  }
  int fallbacks = 0;
  for (int i = 0; i < total; ++i) {
    const CapabilityChoice& choice = draft.choices[i];
    if (choice.wanted.empty() || choice.wanted == choice.capability) continue;
    if (++fallbacks <= 5) {
      why.push_back(absl::StrCat("Sub-goal ", i + 1, " reads like \"", choice.wanted,
                                 "\" work, which no arm offers now; it uses \"", choice.capability,
                                 "\" instead."));
    }
  }
  if (fallbacks > 5) {
    why.push_back(absl::StrCat(fallbacks - 5, " more sub-goals use a stand-in capability."));
  }
  if (total > max_steps) {
    why.push_back(absl::StrCat("The plan may have at most ", max_steps, " steps, so ",
                               plan.steps(fit.merge_from).id(), " merges sub-goals ",
                               fit.merge_from + 1, " to ", fit.merge_to, "."));
  }
  if (draft.has_feedback) {
    why.push_back(absl::StrCat("Replanning after a failed check: the last step, ",
                               plan.steps(fit.step_count - 1).id(),
                               ", revises the result to address the feedback."));
  }
  return absl::StrJoin(why, " ");
}

class HeuristicPlanner final : public Planner {
 public:
  explicit HeuristicPlanner(HeuristicPlannerOptions options) : options_(std::move(options)) {}

  absl::StatusOr<v1::PlanResult> Plan(const PlanRequest& request, const CallContext&) override {
    return HeuristicPlan(request, options_);
  }

 private:
  const HeuristicPlannerOptions options_;
};

}  // namespace

absl::StatusOr<v1::PlanResult> HeuristicPlan(const PlanRequest& request,
                                             const HeuristicPlannerOptions& options) {
  Draft draft;
  draft.goals = SplitGoal(request.goal, &draft.how);
  if (draft.goals.empty()) {
    return absl::InvalidArgumentError("instruction: the goal has no words to plan from");
  }
  draft.goal_count = draft.goals.size();
  const std::vector<std::string> feedback = FeedbackLines(request.feedback);
  draft.has_feedback = !feedback.empty();
  if (draft.has_feedback) {
    draft.goals.push_back({absl::StrCat("Revise the result to address this feedback on the "
                                        "previous attempt: ",
                                        absl::StrJoin(feedback, "; ")),
                           "", true});
  }
  draft.links = detail::LinkSubGoals(draft.goals);
  RouteSubGoals(request, options, &draft);
  const int max_steps = std::max(request.max_steps, 1);
  draft.fit = FitSteps(static_cast<int>(draft.goals.size()), max_steps, draft.has_feedback);
  v1::PlanResult plan = AssembleSteps(draft);
  plan.set_rationale(Rationale(draft, plan, max_steps));
  return plan;
}

std::unique_ptr<Planner> NewHeuristicPlanner(HeuristicPlannerOptions options) {
  return std::make_unique<HeuristicPlanner>(std::move(options));
}

}  // namespace octo::arms
