// The planner arm with a language model: the plan as JSON, one repair of an invalid plan, the
// heuristic planner when the model gives none, and the usage of every call accounted.
#include "src/planner/model_planning.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scripted_model.h"
#include "src/planner/heuristic_planner.h"
#include "src/planner/planner.h"

namespace octo::arms {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Reply;

constexpr char kGoodPlan[] = R"({"steps": [
  {"id": "s1", "capability": "retrieve", "instruction": "Find the lens care guide", "depends_on": []},
  {"id": "s2", "capability": "answer", "instruction": "Say who polishes the lens", "depends_on": ["s1"]}],
  "rationale": "look it up, then answer"})";

TEST(ParseModelPlan, ReadsThePlanAlsoInsideACodeFence) {
  for (const std::string& reply :
       {std::string(kGoodPlan), absl::StrCat("```json\n", kGoodPlan, "\n```")}) {
    auto plan = ParseModelPlan(reply);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->steps_size(), 2);
    EXPECT_EQ(plan->steps(1).capability(), "answer");
    EXPECT_THAT(plan->steps(1).depends_on(), ElementsAre("s1"));
    EXPECT_EQ(plan->rationale(), "look it up, then answer");
  }
}

TEST(ParseModelPlan, SaysWhatIsNotAsTheSchemaSays) {
  EXPECT_THAT(ParseModelPlan("Sure! Here is a plan.").status().message(), HasSubstr("not JSON"));
  EXPECT_THAT(ParseModelPlan("[]").status().message(), HasSubstr("not an object"));
  EXPECT_THAT(ParseModelPlan(R"({"plan": []})").status().message(), HasSubstr("\"steps\""));
  EXPECT_THAT(ParseModelPlan(R"({"steps": [{"id": 1}]})").status().message(),
              HasSubstr("steps[0].id"));
  EXPECT_THAT(
      ParseModelPlan(R"({"steps": [{"id": "s1", "capability": "retrieve", "instruction": "x",
                      "depends_on": "s0"}]})")
          .status()
          .message(),
      HasSubstr("depends_on"));
}

v1::ExecuteRequest PlanStep(std::string goal) {
  v1::ExecuteRequest request;
  request.set_capability("plan");
  request.set_instruction(std::move(goal));
  for (const char* c : {"retrieve", "answer"}) request.mutable_plan()->add_available_capabilities(c);
  return request;
}

struct PlannerWithModel : testing::ArmWithModel {
  explicit PlannerWithModel(std::vector<absl::StatusOr<llm::Response>> replies)
      : ArmWithModel(std::move(replies), [](const ArmModel& m) {
          PlannerArmOptions options;
          options.model = &m;
          return NewPlannerArm(NewHeuristicPlanner({}), options);
        }) {}
};

TEST(ModelPlanner, TheModelsPlanWithItsUsage) {
  PlannerWithModel p({Reply(kGoodPlan)});
  auto response = p.arm->Execute(PlanStep("Who polishes the lens, per the care guide?"), {});
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->output().plan().steps_size(), 2);
  EXPECT_EQ(response->output().plan().steps(0).instruction(), "Find the lens care guide");
  EXPECT_EQ(response->provenance().method(), "llm");
  EXPECT_EQ(response->usage().prompt_tokens(), 1000);
  std::vector<llm::Request> asked = p.scripted->requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_THAT(asked[0].json_schema, HasSubstr("\"depends_on\""));
  EXPECT_THAT(asked[0].messages[1].content,
              HasSubstr("Capabilities, preferred first: retrieve, answer"));
  EXPECT_THAT(asked[0].messages[1].content,
              HasSubstr("Who polishes the lens, per the care guide?"));
}

TEST(ModelPlanner, AnInvalidPlanIsRepairedOnceQuotingTheErrors) {
  const char unknown_capability[] = R"({"steps": [
    {"id": "s1", "capability": "telepathy", "instruction": "Read minds", "depends_on": []}],
    "rationale": "x"})";
  PlannerWithModel p({Reply(unknown_capability), Reply(kGoodPlan)});
  auto response = p.arm->Execute(PlanStep("Who polishes the lens?"), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->output().plan().steps(0).capability(), "retrieve");
  EXPECT_EQ(response->usage().prompt_tokens(), 2000) << "both calls are accounted";
  std::vector<llm::Request> asked = p.scripted->requests();
  ASSERT_EQ(asked.size(), 2u);
  ASSERT_EQ(asked[1].messages.size(), 4u);
  EXPECT_EQ(asked[1].messages[2].role, llm::Role::kAssistant);
  EXPECT_THAT(asked[1].messages[3].content, HasSubstr("telepathy"));
}

TEST(ModelPlanner, NoValidPlanAfterTheRepairFallsBackToTheHeuristicPlanner) {
  PlannerWithModel p({Reply("I would rather not.")});
  auto response = p.arm->Execute(PlanStep("Who polishes the lens?"), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(p.scripted->requests().size(), 2u);
  EXPECT_EQ(response->provenance().method(), "heuristic");
  EXPECT_GE(response->output().plan().steps_size(), 1);
  EXPECT_THAT(response->output().text(), HasSubstr("Planned by rules"));
  EXPECT_THAT(response->output().text(), HasSubstr("not JSON"));
  EXPECT_EQ(response->usage().prompt_tokens(), 2000);
}

TEST(ModelPlanner, AnUnreachableModelFallsBackAndACancelledCallStops) {
  PlannerWithModel down({absl::UnavailableError("connection refused")});
  auto response = down.arm->Execute(PlanStep("Who polishes the lens?"), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->provenance().method(), "heuristic");
  EXPECT_THAT(response->output().text(), HasSubstr("connection refused"));

  PlannerWithModel cancelled({absl::CancelledError("the caller went away")});
  EXPECT_EQ(cancelled.arm->Execute(PlanStep("Who polishes the lens?"), {}).status().code(),
            absl::StatusCode::kCancelled);
}

TEST(ModelPlanner, WithoutAModelPlansAreTheHeuristicPlanners) {
  std::unique_ptr<ArmModel> offline = ArmModel::Offline();
  PlannerArmOptions options;
  options.model = offline.get();
  auto arm = NewPlannerArm(NewHeuristicPlanner({}), options);
  auto response = arm->Execute(PlanStep("Who polishes the lens?"), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->provenance().method(), "heuristic");
  EXPECT_EQ(arm->Describe().cost_tier(), v1::COST_TIER_FREE);
}

}  // namespace
}  // namespace octo::arms
