#include "octo/task/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace octo::task {
namespace {

using ::testing::HasSubstr;

v1::Step S(const std::string& id, const std::string& capability,
           std::vector<std::string> depends_on = {}) {
  v1::Step step;
  step.set_id(id);
  step.set_capability(capability);
  for (auto& d : depends_on) step.add_depends_on(d);
  return step;
}

std::string Why(const std::vector<v1::Step>& steps, PlanLimits limits = {}) {
  absl::Status status = ValidatePlan(steps, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

TEST(ValidatePlan, AcceptsADagInAnyOrder) {
  // Diamond, dependants listed before their dependencies.
  std::vector<v1::Step> steps{S("s4", "code", {"s2", "s3"}), S("s2", "retrieve", {"s1"}),
                              S("s3", "retrieve", {"s1"}), S("s1", "retrieve")};
  EXPECT_TRUE(ValidatePlan(steps, {}).ok());
  // A repeated dependency is harmless.
  EXPECT_TRUE(ValidatePlan({S("s1", "x"), S("s2", "x", {"s1", "s1"})}, {}).ok());
}

TEST(ValidatePlan, RejectsEmptyAndOversizedPlans) {
  EXPECT_THAT(Why({}), HasSubstr("no steps"));
  std::vector<v1::Step> many;
  for (int i = 1; i <= 4; ++i) many.push_back(S("s" + std::to_string(i), "x"));
  EXPECT_THAT(Why(many, {.max_steps = 3}), HasSubstr("4 steps, more than the limit of 3"));
  EXPECT_TRUE(ValidatePlan(many, {.max_steps = 4}).ok());
}

TEST(ValidatePlan, RejectsMalformedSteps) {
  EXPECT_THAT(Why({S("", "x")}), HasSubstr("step 1 has no id"));
  EXPECT_THAT(Why({S("s1", "")}), HasSubstr("step s1 has no capability"));
  EXPECT_THAT(Why({S("s1", "x"), S("s1", "y")}), HasSubstr("s1 appears twice"));
  EXPECT_THAT(Why({S("s1", "x", {"s1"})}), HasSubstr("s1 depends on itself"));
  EXPECT_THAT(Why({S("s1", "x", {"s9"})}), HasSubstr("s1 depends on unknown step s9"));
}

TEST(ValidatePlan, RejectsCycles) {
  EXPECT_THAT(Why({S("s1", "x", {"s2"}), S("s2", "x", {"s1"})}), HasSubstr("cycle"));
  EXPECT_THAT(
      Why({S("s1", "x"), S("s2", "x", {"s1", "s4"}), S("s3", "x", {"s2"}), S("s4", "x", {"s3"})}),
      HasSubstr("cycle"));
}

TEST(ValidatePlan, ChecksCapabilitiesOnlyWhenTold) {
  absl::flat_hash_set<std::string> known{"retrieve", "code"};
  EXPECT_TRUE(
      ValidatePlan({S("s1", "retrieve"), S("s2", "code", {"s1"})}, {.known_capabilities = &known})
          .ok());
  EXPECT_THAT(Why({S("s1", "retrieve"), S("s2", "teleport")}, {.known_capabilities = &known}),
              HasSubstr("s2 needs capability \"teleport\", which is not available "
                        "(available: code, retrieve)"));
  EXPECT_TRUE(ValidatePlan({S("s1", "teleport")}, {}).ok());
}

}  // namespace
}  // namespace octo::task
