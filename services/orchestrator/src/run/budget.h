// A task's budget: tokens and cost accounted from each step's usage, and its deadline.
#pragma once

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "octo/v1/task.pb.h"

namespace octo::orchestrator {

// The moment a task must be finished by: created_at + spec.budget.deadline, or
// InfiniteFuture when the task has no deadline.
absl::Time TaskDeadline(const v1::Task& task);

// Sums the usage of a task's steps and checks it against the budget. Not thread-safe.
class BudgetTracker {
 public:
  explicit BudgetTracker(const v1::Budget& budget) : budget_(budget) {}

  // Adds one step's usage (a step's totals, added once per successful step).
  void Charge(const v1::Usage& usage);
  const v1::Usage& used() const { return used_; }
  // Why the budget is crossed (used more than allowed), naming what and by how much;
  // nullopt while within it. A zero limit means none.
  std::optional<std::string> Exceeded() const;

 private:
  const v1::Budget budget_;
  v1::Usage used_;
};

}  // namespace octo::orchestrator
