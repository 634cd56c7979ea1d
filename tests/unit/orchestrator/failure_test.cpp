// Failures: retries with backoff, final errors, failover, circuit breakers, health checks,
// hung arms and deadlines, budgets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "fake_arm.h"
#include "harness.h"
#include "octo/testing/http.h"
#include "prometheus/text_serializer.h"

namespace octo::orchestrator::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Behavior Fail(absl::Status status) {
  Behavior b;
  b.status = std::move(status);
  return b;
}

int CountEvents(const std::vector<v1::TaskEvent>& events, v1::TaskEventKind kind) {
  int n = 0;
  for (const auto& e : events) n += e.kind() == kind;
  return n;
}

// Hangs until the caller cancels the call (or its deadline passes).
Behavior Hang(const v1::ExecuteRequest&) {
  Behavior b;
  b.hang = true;
  return b;
}

class FailureTest : public OrchestratorTest {
 protected:
  // Runs `spec` on `r` and checks that the task failed with DEADLINE_EXCEEDED well within 5 s.
  v1::Task RunPastTheDeadline(TestReplica& r, const v1::TaskSpec& spec) {
    const absl::Time start = absl::Now();
    v1::Task task = SubmitAndRun(r, spec);
    EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED);
    EXPECT_LT(absl::Now() - start, absl::Seconds(5));
    EXPECT_EQ(task.error().reason(), v1::ERROR_REASON_DEADLINE_EXCEEDED);
    return task;
  }
};

TEST_F(FailureTest, TransientFailuresAreRetriedWithBackoff) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  std::atomic<int> calls{0};
  arm->SetHandler([&calls](const v1::ExecuteRequest&) {
    return ++calls <= 2 ? Fail(absl::UnavailableError("warming up")) : Behavior();
  });
  TestReplica& r = StartReplica({arm->target()});
  WaitForArms(r, 1);
  const WatchedRun run = SubmitAndWatch(r, Spec("try again"));
  ASSERT_EQ(run.task.state(), v1::TASK_STATE_SUCCEEDED) << run.task.error().message();
  EXPECT_EQ(run.task.steps(0).attempts(), 3);
  EXPECT_EQ(CountEvents(run.events, v1::TASK_EVENT_KIND_STEP_RETRYING), 2);
  EXPECT_EQ(CountEvents(run.events, v1::TASK_EVENT_KIND_STEP_STARTED), 3);
  for (const auto& e : run.events) {
    if (e.kind() == v1::TASK_EVENT_KIND_STEP_RETRYING) {
      EXPECT_THAT(e.message(), HasSubstr("UNAVAILABLE: warming up"));
      EXPECT_THAT(e.message(), HasSubstr("retrying in"));
    }
  }
}

TEST_F(FailureTest, RetriesStopAtTheAttemptLimit) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  arm->SetHandler([](const v1::ExecuteRequest&) { return Fail(absl::UnavailableError("down")); });
  TestReplica& r = StartReplica({arm->target()}, [](ReplicaOptions& o) {
    o.engine.run.retry.max_attempts = 3;
    o.arms.breaker.failure_threshold = 100;
  });
  WaitForArms(r, 1);
  v1::Task task = SubmitAndRun(r, Spec("never works"));
  ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), v1::ERROR_REASON_ARM_UNAVAILABLE);
  EXPECT_EQ(task.error().grpc_code(), static_cast<int>(absl::StatusCode::kUnavailable));
  EXPECT_THAT(task.error().message(), HasSubstr("failed after 3 attempts"));
  EXPECT_EQ(task.steps(0).state(), v1::STEP_STATE_FAILED);
  EXPECT_EQ(task.steps(0).error().reason(), v1::ERROR_REASON_ARM_UNAVAILABLE);
  EXPECT_EQ(arm->total_calls(), 3);
}

TEST_F(FailureTest, ARejectedStepIsNotRetried) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  arm->SetHandler([](const v1::ExecuteRequest&) {
    return Fail(absl::InvalidArgumentError("query: too vague"));
  });
  TestReplica& r = StartReplica({arm->target()});
  WaitForArms(r, 1);
  v1::Task task = SubmitAndRun(r, Spec("?"));
  ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), v1::ERROR_REASON_ARM_REJECTED);
  EXPECT_THAT(task.error().message(), HasSubstr("query: too vague"));
  EXPECT_EQ(arm->total_calls(), 1);
}

TEST_F(FailureTest, AFailedAttemptFailsOverToAnotherArm) {
  auto cheap = FakeArm::Start({.capabilities = {"retrieve"}, .cost_tier = v1::COST_TIER_FREE});
  auto dear = FakeArm::Start({.capabilities = {"retrieve"}, .cost_tier = v1::COST_TIER_HIGH});
  cheap->SetHandler([](const v1::ExecuteRequest&) { return Fail(absl::UnavailableError("gone")); });
  TestReplica& r = StartReplica({cheap->target(), dear->target()});
  WaitForArms(r, 2);
  v1::Task task = SubmitAndRun(r, Spec("find it"));
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  EXPECT_EQ(task.steps(0).arm(), dear->target());
  EXPECT_EQ(task.steps(0).attempts(), 2);
  EXPECT_EQ(cheap->total_calls(), 1);  // tried first: the cheaper tier
  EXPECT_EQ(dear->total_calls(), 1);
}

TEST_F(FailureTest, StepsGoToTheFasterArmByLiveLatency) {
  auto slow = FakeArm::Start({.capabilities = {"retrieve"}});
  auto fast = FakeArm::Start({.capabilities = {"retrieve"}});
  slow->SetHandler([](const v1::ExecuteRequest&) {
    Behavior b;
    b.delay = absl::Milliseconds(40);
    return b;
  });
  TestReplica& r = StartReplica({slow->target(), fast->target()});
  WaitForArms(r, 2);
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(SubmitAndRun(r, Spec(absl::StrCat("find ", i))).state(), v1::TASK_STATE_SUCCEEDED);
  }
  // Once each has answered, the EWMA latency keeps the slow one out.
  EXPECT_LE(slow->total_calls(), 2);
  EXPECT_GE(fast->total_calls(), 10);
  const auto arms = r.replica->arms().List();
  EXPECT_GT(arms[0].latency_ewma_ms(), arms[1].latency_ewma_ms());
}

TEST_F(FailureTest, ACircuitOpensAfterConsecutiveFailuresAndAProbeClosesIt) {
  auto flaky = FakeArm::Start({.capabilities = {"retrieve"}, .cost_tier = v1::COST_TIER_FREE});
  auto steady = FakeArm::Start({.capabilities = {"retrieve"}, .cost_tier = v1::COST_TIER_HIGH});
  flaky->SetHandler([](const v1::ExecuteRequest&) { return Fail(absl::UnavailableError("sick")); });
  TestReplica& r = StartReplica({flaky->target(), steady->target()}, [](ReplicaOptions& o) {
    o.arms.breaker.failure_threshold = 2;
    o.arms.breaker.open_for = absl::Milliseconds(800);
  });
  WaitForArms(r, 2);
  for (int i = 0; i < 5; ++i) {
    v1::Task task = SubmitAndRun(r, Spec(absl::StrCat("task ", i)));
    ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  }
  // Two failures opened the circuit; later tasks went straight to the steady arm.
  EXPECT_EQ(flaky->total_calls(), 2);
  v1::ListArmsResponse arms;
  auto context = Context();
  ASSERT_TRUE(r.operations->ListArms(context.get(), v1::ListArmsRequest(), &arms).ok());
  ASSERT_EQ(arms.arms_size(), 2);
  EXPECT_EQ(arms.arms(0).endpoint(), flaky->target());
  EXPECT_THAT(arms.arms(0).last_error(), StartsWith("circuit open after 2 consecutive failures"));
  EXPECT_EQ(arms.arms(0).failures(), 2);
  EXPECT_TRUE(arms.arms(0).healthy());  // health checks pass; the calls fail
  prometheus::TextSerializer serializer;
  const std::string metrics = serializer.Serialize(r.metrics->Collect());
  EXPECT_EQ(octo::testing::MetricSum(metrics, "octo_orchestrator_arm_circuit_opens_total",
                                     absl::StrCat("endpoint=\"", flaky->target(), "\"")),
            1);

  // Recovered: after the open period one probe goes through and closes the circuit.
  flaky->SetHandler({});
  absl::SleepFor(absl::Milliseconds(900));
  v1::Task probe = SubmitAndRun(r, Spec("probe"));
  ASSERT_EQ(probe.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(probe.steps(0).arm(), flaky->target());
  context = Context();
  ASSERT_TRUE(r.operations->ListArms(context.get(), v1::ListArmsRequest(), &arms).ok());
  EXPECT_EQ(arms.arms(0).last_error(), "");
}

TEST_F(FailureTest, AnArmFailingItsHealthCheckGetsNoSteps) {
  auto sick = FakeArm::Start({.capabilities = {"retrieve"}, .cost_tier = v1::COST_TIER_FREE});
  auto well = FakeArm::Start({.capabilities = {"retrieve"}, .cost_tier = v1::COST_TIER_HIGH});
  TestReplica& r = StartReplica({sick->target(), well->target()});
  WaitForArms(r, 2);
  sick->SetServing(false);
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline && r.replica->arms().List()[0].healthy()) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_FALSE(r.replica->arms().List()[0].healthy());
  // Client-side health checking takes the NOT_SERVING backend out of the channel, so even
  // Describe cannot reach it.
  EXPECT_THAT(r.replica->arms().List()[0].last_error(), HasSubstr("unhealthy"));
  v1::Task task = SubmitAndRun(r, Spec("route around"));
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(task.steps(0).arm(), well->target());
  EXPECT_EQ(sick->total_calls(), 0);
}

TEST_F(FailureTest, AHungArmHitsTheStepDeadline) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  arm->SetHandler(Hang);
  TestReplica& r = StartReplica({arm->target()}, [](ReplicaOptions& o) {
    o.engine.run.step_timeout = absl::Milliseconds(300);
    o.engine.run.retry.max_attempts = 2;
  });
  WaitForArms(r, 1);
  const v1::Task task = RunPastTheDeadline(r, Spec("wait forever"));
  ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_THAT(task.error().message(), HasSubstr("no answer within the step deadline of 300ms"));
  EXPECT_THAT(task.error().message(), HasSubstr("after 2 attempts"));
  EXPECT_EQ(arm->total_calls(), 2);
  // The arm saw both calls end (their deadlines cancel them on the server too).
  const absl::Time until = absl::Now() + absl::Seconds(2);
  while (arm->cancelled_calls() < 2 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(arm->cancelled_calls(), 2);
}

TEST_F(FailureTest, TheTasksDeadlineBoundsEverything) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  arm->SetHandler(Hang);
  TestReplica& r = StartReplica({arm->target()});  // step_timeout 10 s
  WaitForArms(r, 1);
  v1::TaskSpec spec = Spec("hurry");
  spec.mutable_budget()->mutable_deadline()->set_nanos(500'000'000);
  const v1::Task task = RunPastTheDeadline(r, spec);
  ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_THAT(task.error().message(), HasSubstr("deadline"));
  EXPECT_EQ(arm->total_calls(), 1);  // no retry past the task's deadline
}

TEST_F(FailureTest, CrossingTheTokenBudgetStopsTheTaskAndKeepsWhatWasDone) {
  auto arm = FakeArm::Start({.capabilities = {"a", "b", "c"}});
  arm->SetHandler([](const v1::ExecuteRequest& request) {
    Behavior b;
    v1::ExecuteResponse response;
    std::vector<std::string> inputs;
    for (const auto& in : request.inputs()) inputs.push_back(in.text());
    response.mutable_output()->set_text(
        absl::StrCat(request.step_id(), "(", absl::StrJoin(inputs, "+"), ")"));
    response.mutable_usage()->set_prompt_tokens(40);
    response.mutable_usage()->set_completion_tokens(20);
    response.mutable_usage()->set_total_tokens(60);
    response.mutable_usage()->set_cost_usd(0.01);
    b.response = response;
    return b;
  });
  TestReplica& r = StartReplica({arm->target()});
  WaitForArms(r, 1);
  v1::TaskSpec spec = Spec("three steps", {"a", "b", "c"});
  spec.mutable_budget()->set_max_tokens(100);
  v1::Task task = SubmitAndRun(r, spec);
  ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), v1::ERROR_REASON_BUDGET_EXCEEDED);
  EXPECT_THAT(task.error().message(), HasSubstr("used 120 of 100 tokens"));
  EXPECT_EQ(task.usage().total_tokens(), 120);
  EXPECT_DOUBLE_EQ(task.usage().cost_usd(), 0.02);
  ASSERT_EQ(task.steps_size(), 3);
  EXPECT_EQ(task.steps(0).state(), v1::STEP_STATE_SUCCEEDED);
  EXPECT_EQ(task.steps(1).state(), v1::STEP_STATE_SUCCEEDED);
  EXPECT_EQ(task.steps(1).output().text(), "s2(s1())");
  EXPECT_EQ(task.steps(2).state(), v1::STEP_STATE_CANCELLED);
  EXPECT_EQ(task.result().text(), "s2(s1())");  // the partial result
  EXPECT_EQ(arm->total_calls(), 2);

  // The cost budget works alike.
  spec.mutable_budget()->set_max_tokens(0);
  spec.mutable_budget()->set_max_cost_usd(0.015);
  spec.set_goal("three steps, by cost");
  task = SubmitAndRun(r, spec);
  ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), v1::ERROR_REASON_BUDGET_EXCEEDED);
  EXPECT_THAT(task.error().message(), HasSubstr("cost budget exceeded"));
}

}  // namespace
}  // namespace octo::orchestrator::testing
