#include "octo/task/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace octo::task {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::TaskSpec Spec(const std::string& goal, std::vector<std::string> capabilities = {}) {
  v1::TaskSpec spec;
  spec.set_goal(goal);
  for (auto& c : capabilities) spec.add_required_capabilities(c);
  return spec;
}

TEST(IsComplex, SeveralCapabilitiesCriteriaOrALongGoal) {
  EXPECT_FALSE(IsComplex(Spec("find the lighthouse")));
  EXPECT_FALSE(IsComplex(Spec("find it", {"retrieve"})));
  EXPECT_TRUE(IsComplex(Spec("find it and write code", {"retrieve", "code"})));
  v1::TaskSpec criteria = Spec("short");
  criteria.add_acceptance_criteria("mentions the lens");
  EXPECT_TRUE(IsComplex(criteria));
  EXPECT_FALSE(IsComplex(Spec(std::string(kComplexGoalChars, 'x'))));
  EXPECT_TRUE(IsComplex(Spec(std::string(kComplexGoalChars + 1, 'x'))));
  // Multi-byte characters count once.
  std::string umlauts;
  for (size_t i = 0; i < kComplexGoalChars; ++i) umlauts += "\xc3\xa4";
  EXPECT_FALSE(IsComplex(Spec(umlauts)));
  // A caller that names the first step's parameters knows what it wants.
  v1::TaskSpec exec = Spec("run it", {"execute", "code"});
  exec.mutable_exec()->set_program("echo");
  EXPECT_FALSE(IsComplex(exec));
}

TEST(BuiltinPlan, OneStepForTheImpliedCapability) {
  auto steps = BuiltinPlan(Spec("who polishes the lens?"), 1);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].id(), "s1");
  EXPECT_EQ(steps[0].capability(), "retrieve");
  EXPECT_EQ(steps[0].instruction(), "who polishes the lens?");
  EXPECT_EQ(steps[0].state(), v1::STEP_STATE_PENDING);
  v1::TaskSpec exec = Spec("run");
  exec.mutable_exec()->set_program("echo");
  EXPECT_EQ(BuiltinPlan(exec, 1)[0].capability(), "execute");
}

TEST(BuiltinPlan, AQuestionIsRetrievedAndAnsweredWhenTheFleetAnswers) {
  auto steps = BuiltinPlan(Spec("who polishes the lens?"), 1, {}, {.answer = true});
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].capability(), "retrieve");
  EXPECT_EQ(steps[1].capability(), "answer");
  EXPECT_EQ(steps[1].instruction(), "who polishes the lens?");
  ASSERT_EQ(steps[1].depends_on_size(), 1);
  EXPECT_EQ(steps[1].depends_on(0), steps[0].id());
  // Named retrieve parameters ask for the passages; exec and required capabilities are kept.
  v1::TaskSpec search = Spec("lens");
  search.mutable_retrieve()->set_query("lens");
  EXPECT_EQ(BuiltinPlan(search, 1, {}, {.answer = true}).size(), 1u);
  v1::TaskSpec exec = Spec("run");
  exec.mutable_exec()->set_program("echo");
  EXPECT_EQ(BuiltinPlan(exec, 1, {}, {.answer = true}).size(), 1u);
  EXPECT_EQ(BuiltinPlan(Spec("goal", {"retrieve"}), 1, {}, {.answer = true}).size(), 1u);
}

TEST(BuiltinPlan, AChainOverTheRequiredCapabilities) {
  auto steps = BuiltinPlan(Spec("goal", {"retrieve", "code", "judge"}), 1);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[1].id(), "s2");
  EXPECT_EQ(steps[1].capability(), "code");
  EXPECT_THAT(steps[1].depends_on(), ElementsAre("s1"));
  EXPECT_THAT(steps[2].depends_on(), ElementsAre("s2"));
}

TEST(BuiltinPlan, ARepairRoundHasItsOwnIdsAndTheFeedback) {
  auto steps = BuiltinPlan(Spec("goal", {"retrieve", "code"}), 2, {"no citation", "too long"});
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].id(), "r2-s1");
  EXPECT_THAT(steps[1].depends_on(), ElementsAre("r2-s1"));
  EXPECT_THAT(steps[0].instruction(), HasSubstr("goal"));
  EXPECT_THAT(steps[0].instruction(), HasSubstr("- no citation\n- too long"));
}

TEST(StepsFromPlan, RenamesIdsAndDependencies) {
  v1::PlanResult plan;
  auto* a = plan.add_steps();
  a->set_id("find");
  a->set_capability("retrieve");
  a->set_instruction("find docs");
  auto* b = plan.add_steps();
  b->set_id("write");
  b->set_capability("code");
  b->add_depends_on("find");
  auto steps = StepsFromPlan(plan, 1);
  ASSERT_TRUE(steps.ok()) << steps.status();
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].id(), "s1");
  EXPECT_EQ((*steps)[0].instruction(), "find docs");
  EXPECT_EQ((*steps)[1].id(), "s2");
  EXPECT_THAT((*steps)[1].depends_on(), ElementsAre("s1"));
  auto round2 = StepsFromPlan(plan, 2);
  ASSERT_TRUE(round2.ok());
  EXPECT_THAT((*round2)[1].depends_on(), ElementsAre("r2-s1"));
}

TEST(StepsFromPlan, RejectsWhatCannotBeRenamed) {
  EXPECT_FALSE(StepsFromPlan(v1::PlanResult(), 1).ok());
  v1::PlanResult dup;
  dup.add_steps()->set_id("a");
  dup.add_steps()->set_id("a");
  EXPECT_THAT(std::string(StepsFromPlan(dup, 1).status().message()), HasSubstr("twice"));
  v1::PlanResult dangling;
  auto* s = dangling.add_steps();
  s->set_id("a");
  s->add_depends_on("zz");
  EXPECT_THAT(std::string(StepsFromPlan(dangling, 1).status().message()),
              HasSubstr("unknown step zz"));
}

TEST(StepRoles, EveryBuilderSetsRoleAndRound) {
  for (int round : {1, 2}) {
    for (const v1::Step& s : BuiltinPlan(Spec("g", {"retrieve", "code"}), round)) {
      EXPECT_EQ(s.role(), v1::STEP_ROLE_WORK);
      EXPECT_EQ(s.round(), round);
    }
    v1::PlanResult plan;
    plan.add_steps()->set_id("a");
    auto planned = StepsFromPlan(plan, round);
    ASSERT_TRUE(planned.ok()) << planned.status();
    EXPECT_EQ((*planned)[0].role(), v1::STEP_ROLE_WORK);
    EXPECT_EQ((*planned)[0].round(), round);
    const v1::Step judge = JudgeStep(round, {"s2", "s3"});
    EXPECT_EQ(judge.id(), JudgeStepId(round));
    EXPECT_EQ(judge.role(), v1::STEP_ROLE_JUDGE);
    EXPECT_EQ(judge.round(), round);
    EXPECT_EQ(judge.capability(), "judge");
    EXPECT_THAT(judge.depends_on(), ElementsAre("s2", "s3"));
    const v1::Step plan_step = PlanStep(Spec("g"), round);
    EXPECT_EQ(plan_step.id(), PlanStepId(round));
    EXPECT_EQ(plan_step.role(), v1::STEP_ROLE_PLAN);
    EXPECT_EQ(plan_step.round(), round);
    EXPECT_EQ(plan_step.capability(), "plan");
  }
  EXPECT_EQ(PlanStepId(2), "plan-2");
  EXPECT_EQ(JudgeStepId(1), "judge-1");
}

}  // namespace
}  // namespace octo::task
