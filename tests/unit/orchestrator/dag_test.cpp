// Plans and their DAGs: parallel steps, data flow, arm concurrency limits, the planner arm
// and its fallbacks, and the judge with its repair round.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fake_arm.h"
#include "harness.h"

namespace octo::orchestrator::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Over kComplexGoalChars, so a planner arm plans it when one is up.
const std::string kLongGoal(300, 'g');

v1::PlannedStep* Planned(v1::PlanResult* plan, const std::string& id, const std::string& cap,
                         std::vector<std::string> deps = {}) {
  v1::PlannedStep* step = plan->add_steps();
  step->set_id(id);
  step->set_capability(cap);
  step->set_instruction(absl::StrCat("do ", id));
  for (auto& d : deps) step->add_depends_on(d);
  return step;
}

// The messages of the PLANNED events among `events`, in order: how each plan was made.
std::vector<std::string> PlannedMessages(const std::vector<v1::TaskEvent>& events) {
  std::vector<std::string> messages;
  for (const auto& e : events) {
    if (e.kind() == v1::TASK_EVENT_KIND_PLANNED) messages.push_back(e.message());
  }
  return messages;
}

Behavior Answer(v1::ExecuteResponse response) {
  Behavior b;
  b.response = std::move(response);
  return b;
}

Behavior PlanAnswer(const v1::PlanResult& plan) {
  v1::ExecuteResponse response;
  *response.mutable_output()->mutable_plan() = plan;
  response.mutable_output()->set_text("planned");
  return Answer(response);
}

// A planner's answer to any call: one step, "a", on "work".
Behavior PlanOneWorkStep(const v1::ExecuteRequest&) {
  v1::PlanResult plan;
  Planned(&plan, "a", "work");
  return PlanAnswer(plan);
}

Behavior JudgeAnswer(bool passed, std::vector<std::string> failures = {}) {
  v1::ExecuteResponse response;
  response.mutable_output()->mutable_judgement()->set_passed(passed);
  for (auto& f : failures) response.mutable_output()->mutable_judgement()->add_failures(f);
  return Answer(response);
}

class DagTest : public OrchestratorTest {};

TEST_F(DagTest, IndependentStepsRunAtOnce) {
  auto work = FakeArm::Start({.capabilities = {"work"}});
  auto planner = FakeArm::Start({.capabilities = {"plan"}, .kind = "planner"});
  planner->SetHandler([](const v1::ExecuteRequest&) {
    v1::PlanResult plan;
    Planned(&plan, "a", "work");
    Planned(&plan, "b", "work");
    Planned(&plan, "join", "work", {"a", "b"});
    return PlanAnswer(plan);
  });
  // s1 and s2 meet at a barrier: run one after the other they would wait for each other
  // until the task's deadline and the task would fail.
  work->SetHandler([](const v1::ExecuteRequest& request) {
    Behavior b;
    if (request.step_id() != "s3") {
      b.barrier = 2;
      b.barrier_name = "ab";
    }
    return b;
  });
  TestReplica& r = StartReplica({work->target(), planner->target()});
  WaitForArms(r, 2);
  v1::TaskSpec spec = Spec(kLongGoal);
  spec.mutable_budget()->mutable_deadline()->set_seconds(10);

  v1::Task task = SubmitAndRun(r, spec);
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  EXPECT_THAT(StepIds(task), ElementsAre("plan-1", "s1", "s2", "s3"));
  EXPECT_THAT(StepById(task, "s3").depends_on(), ElementsAre("s1", "s2"));
  // Outputs flow to dependants, and the result integrates the final step.
  EXPECT_EQ(StepById(task, "s3").output().text(), "s3(s1()+s2())");
  EXPECT_EQ(task.result().text(), "s3(s1()+s2())");
  EXPECT_EQ(work->max_concurrent(), 2);
  EXPECT_EQ(StepById(task, "plan-1").arm(), planner->target());
}

TEST_F(DagTest, SeveralFinalStepsAreIntegratedTogether) {
  auto work = FakeArm::Start({.capabilities = {"work"}});
  auto planner = FakeArm::Start({.capabilities = {"plan"}});
  planner->SetHandler([](const v1::ExecuteRequest&) {
    v1::PlanResult plan;
    Planned(&plan, "x", "work");
    Planned(&plan, "y", "work");
    return PlanAnswer(plan);
  });
  TestReplica& r = StartReplica({work->target(), planner->target()});
  WaitForArms(r, 2);
  v1::Task task = SubmitAndRun(r, Spec(kLongGoal));
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  EXPECT_EQ(task.result().text(), "[s1 work]\ns1()\n\n[s2 work]\ns2()");
}

TEST_F(DagTest, AnArmIsNeverGivenMoreCallsThanItsLimit) {
  auto work = FakeArm::Start({.capabilities = {"retrieve"}, .max_concurrency = 1});
  work->SetHandler([](const v1::ExecuteRequest&) {
    Behavior b;
    b.delay = absl::Milliseconds(30);
    return b;
  });
  TestReplica& r = StartReplica({work->target()});
  WaitForArms(r, 1);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto submitted = Submit(r, Spec(absl::StrCat("task ", i)));
    ASSERT_TRUE(submitted.ok()) << submitted.status();
    ids.push_back(submitted->task().id());
  }
  for (const auto& id : ids) {
    v1::Task task = RunToEnd(r, id);
    EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
    EXPECT_EQ(task.steps(0).attempts(), 1);  // queued here, never refused by the arm
  }
  EXPECT_EQ(work->max_concurrent(), 1);
  EXPECT_EQ(work->total_calls(), 4);
}

TEST_F(DagTest, SimpleTasksGetTheBuiltInPlanEvenWithAPlannerUp) {
  auto work = FakeArm::Start({.capabilities = {"retrieve"}});
  auto planner = FakeArm::Start({.capabilities = {"plan"}});
  TestReplica& r = StartReplica({work->target(), planner->target()});
  WaitForArms(r, 2);
  const WatchedRun run = SubmitAndWatch(r, Spec("short and simple"));
  EXPECT_EQ(run.task.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_THAT(StepIds(run.task), ElementsAre("s1"));
  EXPECT_EQ(planner->total_calls(), 0);
  EXPECT_THAT(PlannedMessages(run.events),
              AllOf(::testing::Not(::testing::IsEmpty()), ::testing::Each(HasSubstr("built-in"))));
}

TEST_F(DagTest, AFailingPlannerFallsBackToTheBuiltInPlan) {
  auto work = FakeArm::Start({.capabilities = {"work"}});
  auto planner = FakeArm::Start({.capabilities = {"plan"}});
  planner->SetHandler([](const v1::ExecuteRequest&) {
    Behavior b;
    b.status = absl::InternalError("model fell over");
    return b;
  });
  TestReplica& r = StartReplica({work->target(), planner->target()});
  WaitForArms(r, 2);
  const WatchedRun run = SubmitAndWatch(r, Spec(kLongGoal, {"work"}));
  const v1::Task& task = run.task;
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  EXPECT_THAT(StepIds(task), ElementsAre("plan-1", "s1"));
  EXPECT_EQ(StepById(task, "plan-1").state(), v1::STEP_STATE_FAILED);
  EXPECT_EQ(StepById(task, "s1").capability(), "work");
  const std::vector<std::string> planned = PlannedMessages(run.events);
  ASSERT_FALSE(planned.empty());
  EXPECT_THAT(planned.back(),
              AllOf(HasSubstr("built-in; the planner arm failed"), HasSubstr("model fell over")));
}

TEST_F(DagTest, AnInvalidPlanFallsBackToTheBuiltInPlan) {
  auto work = FakeArm::Start({.capabilities = {"work"}});
  auto planner = FakeArm::Start({.capabilities = {"plan"}});
  int round = 0;
  planner->SetHandler([&round](const v1::ExecuteRequest&) {
    v1::PlanResult plan;
    if (round++ == 0) {
      Planned(&plan, "a", "work", {"b"});
      Planned(&plan, "b", "work", {"a"});
    } else {
      Planned(&plan, "a", "teleport");
    }
    return PlanAnswer(plan);
  });
  TestReplica& r = StartReplica({work->target(), planner->target()});
  WaitForArms(r, 2);
  for (const char* why : {"cycle", "teleport"}) {
    const WatchedRun run = SubmitAndWatch(r, Spec(kLongGoal + why, {"work"}));
    ASSERT_EQ(run.task.state(), v1::TASK_STATE_SUCCEEDED)
        << why << ": " << run.task.error().message();
    EXPECT_THAT(StepIds(run.task), ElementsAre("plan-1", "s1")) << why;
    const std::vector<std::string> planned = PlannedMessages(run.events);
    ASSERT_FALSE(planned.empty()) << why;
    EXPECT_THAT(planned.back(), AllOf(HasSubstr("the planner's plan was invalid"), HasSubstr(why)));
  }
}

TEST_F(DagTest, ThePlannerIsToldTheLimitAndTheFleetsCapabilities) {
  auto work = FakeArm::Start({.capabilities = {"work", "retrieve"}});
  auto planner = FakeArm::Start({.capabilities = {"plan"}});
  planner->SetHandler(PlanOneWorkStep);
  TestReplica& r = StartReplica({work->target(), planner->target()},
                                [](ReplicaOptions& o) { o.engine.run.max_plan_steps = 7; });
  WaitForArms(r, 2);
  v1::Task task = SubmitAndRun(r, Spec(kLongGoal));
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  ASSERT_EQ(planner->total_calls(), 1);
  const v1::ExecuteRequest request = planner->calls()[0].request;
  EXPECT_EQ(request.capability(), "plan");
  EXPECT_EQ(request.instruction(), kLongGoal);
  EXPECT_EQ(request.plan().max_steps(), 7);
  EXPECT_THAT(request.plan().available_capabilities(), ElementsAre("retrieve", "work"));
  EXPECT_TRUE(request.plan().feedback().empty());
}

TEST_F(DagTest, ThePlannerIsOfferedTheTasksRoutingHintsFirst) {
  auto work = FakeArm::Start({.capabilities = {"work", "retrieve"}});
  auto planner = FakeArm::Start({.capabilities = {"plan"}});
  planner->SetHandler(PlanOneWorkStep);
  TestReplica& r = StartReplica({work->target(), planner->target()});
  WaitForArms(r, 2);
  v1::TaskSpec spec = Spec(kLongGoal);
  spec.add_routing_hints("work");
  v1::Task task = SubmitAndRun(r, spec);
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  ASSERT_EQ(planner->total_calls(), 1);
  EXPECT_THAT(planner->calls()[0].request.plan().available_capabilities(),
              ElementsAre("work", "retrieve"));
}

TEST_F(DagTest, ACapabilityNoArmOffersFailsWithNoArm) {
  auto work = FakeArm::Start({.capabilities = {"retrieve"}});
  TestReplica& r = StartReplica({work->target()});
  WaitForArms(r, 1);
  v1::Task task = SubmitAndRun(r, Spec("beam me up", {"teleport"}));
  ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), v1::ERROR_REASON_NO_ARM);
  EXPECT_THAT(task.error().message(), HasSubstr("teleport"));
  EXPECT_EQ(task.error().step_id(), "s1");
}

class JudgeTest : public OrchestratorTest {
 protected:
  void SetUp() override {
    OrchestratorTest::SetUp();
    work_ = FakeArm::Start({.capabilities = {"work"}});
    planner_ = FakeArm::Start({.capabilities = {"plan"}});
    judge_ = FakeArm::Start({.capabilities = {"judge"}, .kind = "judge"});
    planner_->SetHandler([](const v1::ExecuteRequest&) {
      v1::PlanResult plan;
      Planned(&plan, "only", "work");
      return PlanAnswer(plan);
    });
  }
  v1::TaskSpec CriteriaSpec() {
    v1::TaskSpec spec = Spec("describe the lighthouse");
    spec.add_acceptance_criteria("mentions the lens");
    return spec;
  }
  std::unique_ptr<FakeArm> work_, planner_, judge_;
};

TEST_F(JudgeTest, ARejectedResultGetsOneRepairRoundWithTheFindings) {
  int judged = 0;
  judge_->SetHandler([&judged](const v1::ExecuteRequest&) {
    return ++judged == 1 ? JudgeAnswer(false, {"the lens is not mentioned"}) : JudgeAnswer(true);
  });
  TestReplica& r = StartReplica({work_->target(), planner_->target(), judge_->target()});
  WaitForArms(r, 3);
  v1::Task task = SubmitAndRun(r, CriteriaSpec());
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  EXPECT_THAT(StepIds(task), ElementsAre("plan-1", "s1", "judge-1", "plan-2", "r2-s1", "judge-2"));
  EXPECT_EQ(task.result().text(), "r2-s1()");
  // The judge saw each round's result and the criteria; the planner got the findings.
  auto judge_calls = judge_->calls();
  ASSERT_EQ(judge_calls.size(), 2u);
  EXPECT_EQ(judge_calls[0].request.judge().candidate(), "s1()");
  EXPECT_EQ(judge_calls[1].request.judge().candidate(), "r2-s1()");
  EXPECT_THAT(judge_calls[0].request.acceptance_criteria(), ElementsAre("mentions the lens"));
  auto plan_calls = planner_->calls();
  ASSERT_EQ(plan_calls.size(), 2u);
  EXPECT_TRUE(plan_calls[0].request.plan().feedback().empty());
  EXPECT_THAT(plan_calls[1].request.plan().feedback(), ElementsAre("the lens is not mentioned"));
}

TEST_F(JudgeTest, ASecondRejectionFailsWithTheFindings) {
  judge_->SetHandler([](const v1::ExecuteRequest&) {
    return JudgeAnswer(false, {"the lens is not mentioned", "too short"});
  });
  TestReplica& r = StartReplica({work_->target(), planner_->target(), judge_->target()});
  WaitForArms(r, 3);
  v1::Task task = SubmitAndRun(r, CriteriaSpec());
  ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), v1::ERROR_REASON_ACCEPTANCE_FAILED);
  EXPECT_THAT(task.error().message(), HasSubstr("the lens is not mentioned; too short"));
  EXPECT_EQ(task.error().step_id(), "judge-2");
  EXPECT_EQ(judge_->total_calls(), 2);
  EXPECT_EQ(work_->total_calls(), 2);
  EXPECT_EQ(task.result().text(), "r2-s1()");  // what the repair round produced
}

TEST_F(JudgeTest, WithoutAPlannerTheRepairRoundUsesTheBuiltInPlanWithTheFindings) {
  int judged = 0;
  judge_->SetHandler([&judged](const v1::ExecuteRequest&) {
    return ++judged == 1 ? JudgeAnswer(false, {"cite a source"}) : JudgeAnswer(true);
  });
  TestReplica& r = StartReplica({work_->target(), judge_->target()});
  WaitForArms(r, 2);
  v1::TaskSpec spec = CriteriaSpec();
  spec.add_required_capabilities("work");
  v1::Task task = SubmitAndRun(r, spec);
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  EXPECT_THAT(StepIds(task), ElementsAre("s1", "judge-1", "r2-s1", "judge-2"));
  EXPECT_THAT(StepById(task, "r2-s1").instruction(), HasSubstr("- cite a source"));
}

TEST_F(JudgeTest, CriteriaWithoutAJudgeInTheFleetAreReportedUnchecked) {
  TestReplica& r = StartReplica({work_->target()});
  WaitForArms(r, 1);
  v1::TaskSpec spec = CriteriaSpec();
  spec.add_required_capabilities("work");
  auto submitted = Submit(r, spec);
  ASSERT_TRUE(submitted.ok());
  auto events = Watch(r, submitted->task().id());
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->back().state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_THAT(events->back().message(), HasSubstr("acceptance criteria not checked"));
}

}  // namespace
}  // namespace octo::orchestrator::testing
