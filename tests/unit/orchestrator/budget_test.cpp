#include "src/run/budget.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace octo::orchestrator {
namespace {

using ::testing::HasSubstr;

v1::Usage Usage(int64_t prompt, int64_t completion, int64_t total, double cost) {
  v1::Usage usage;
  usage.set_prompt_tokens(prompt);
  usage.set_completion_tokens(completion);
  usage.set_total_tokens(total);
  usage.set_cost_usd(cost);
  return usage;
}

TEST(BudgetTracker, SumsStepUsage) {
  BudgetTracker budget{v1::Budget()};
  budget.Charge(Usage(10, 5, 15, 0.25));
  budget.Charge(Usage(1, 2, 3, 0.5));
  EXPECT_EQ(budget.used().prompt_tokens(), 11);
  EXPECT_EQ(budget.used().completion_tokens(), 7);
  EXPECT_EQ(budget.used().total_tokens(), 18);
  EXPECT_DOUBLE_EQ(budget.used().cost_usd(), 0.75);
  EXPECT_EQ(budget.Exceeded(), std::nullopt);  // no limits
}

TEST(BudgetTracker, ATotalMissingFromUsageIsTheSumOfItsParts) {
  BudgetTracker budget{v1::Budget()};
  budget.Charge(Usage(10, 5, 0, 0));
  EXPECT_EQ(budget.used().total_tokens(), 15);
}

TEST(BudgetTracker, ReachingTheTokenLimitIsFineCrossingItIsNot) {
  v1::Budget limits;
  limits.set_max_tokens(100);
  BudgetTracker budget(limits);
  budget.Charge(Usage(0, 0, 100, 0));
  EXPECT_EQ(budget.Exceeded(), std::nullopt);
  budget.Charge(Usage(0, 0, 1, 0));
  ASSERT_TRUE(budget.Exceeded().has_value());
  EXPECT_THAT(*budget.Exceeded(), HasSubstr("token budget exceeded: used 101 of 100 tokens"));
}

TEST(BudgetTracker, CrossingTheCostLimitSaysByHowMuch) {
  v1::Budget limits;
  limits.set_max_cost_usd(0.01);
  BudgetTracker budget(limits);
  budget.Charge(Usage(0, 0, 0, 0.015));
  ASSERT_TRUE(budget.Exceeded().has_value());
  EXPECT_THAT(*budget.Exceeded(), HasSubstr("cost budget exceeded: used $0.015000 of $0.010000"));
}

TEST(TaskDeadline, IsCreationPlusTheBudgetsDeadline) {
  v1::Task task;
  task.mutable_created_at()->set_seconds(1000);
  EXPECT_EQ(TaskDeadline(task), absl::InfiniteFuture());
  task.mutable_spec()->mutable_budget()->mutable_deadline()->set_seconds(30);
  task.mutable_spec()->mutable_budget()->mutable_deadline()->set_nanos(500'000'000);
  EXPECT_EQ(TaskDeadline(task), absl::FromUnixSeconds(1030) + absl::Milliseconds(500));
}

}  // namespace
}  // namespace octo::orchestrator
