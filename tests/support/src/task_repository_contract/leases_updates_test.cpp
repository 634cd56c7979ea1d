// Contract tests: claiming tasks under lease, renewing and releasing leases, and applying
// updates under a lease.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "contract_util.h"
#include "octo/testing/status_macros.h"
#include "octo/testing/task_repository_contract.h"

namespace octo::testing {
namespace {

using contract::Event;
using contract::Ids;
using contract::MakeStep;
using contract::Seqs;
using contract::Update;
using ::octo::store::ClaimedTask;
using ::octo::store::CreateResult;
using ::octo::store::NewTask;
using ::octo::store::RenewResult;
using ::octo::store::TaskUpdate;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(TaskRepositoryContractTest, ClaimTakesHigherPriorityFirst) {
  const std::string low = Create("low", v1::PRIORITY_LOW).id();
  const std::string medium = Create("medium", v1::PRIORITY_MEDIUM).id();
  const std::string critical = Create("critical", v1::PRIORITY_CRITICAL).id();
  const std::string high = Create("high", v1::PRIORITY_HIGH).id();
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) order.push_back(ClaimOne("worker").task.id());
  EXPECT_THAT(order, ElementsAre(critical, high, medium, low));
  ExpectNothingToClaim("worker", 10);
}

TEST_P(TaskRepositoryContractTest, ClaimTakesOlderFirstWithinAPriority) {
  const std::string a = Create("a").id();
  const std::string b = Create("b").id();
  harness_->Backdate(b, absl::Seconds(5));  // same priority level after aging (0 levels for < 30 s)
  harness_->Backdate(a, absl::Seconds(2));
  OCTO_ASSIGN_OR_FAIL(auto claimed, repo_->Claim("worker", absl::Seconds(30), 2));
  EXPECT_THAT(Ids(claimed), ElementsAre(b, a));
}

TEST_P(TaskRepositoryContractTest, AgingLetsAnOldLowTaskBeatANewHighOne) {
  // 20 s of waiting is not enough to climb from LOW to HIGH...
  const std::string low = Create("low", v1::PRIORITY_LOW).id();
  harness_->Backdate(low, absl::Seconds(20));
  const std::string high1 = Create("high 1", v1::PRIORITY_HIGH).id();
  EXPECT_EQ(ClaimOne("worker").task.id(), high1);

  // ...but at one level per 30 s, 120 s lifts it above HIGH.
  harness_->Backdate(low, absl::Seconds(120));
  const std::string high2 = Create("high 2", v1::PRIORITY_HIGH).id();
  EXPECT_EQ(ClaimOne("worker").task.id(), low);
  EXPECT_EQ(ClaimOne("worker").task.id(), high2);
}

TEST_P(TaskRepositoryContractTest, ClaimMovesPendingToPlanningWithAnEvent) {
  const v1::Task task = Create("goal");
  ExpectPending(1);

  ClaimedTask claimed = ClaimOne("worker-1");
  EXPECT_EQ(claimed.tenant_id, kTenant);
  EXPECT_FALSE(claimed.cancel_requested);
  EXPECT_EQ(claimed.task.id(), task.id());
  EXPECT_EQ(claimed.task.state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(claimed.task.last_event_seq(), 2);
  EXPECT_EQ(claimed.task.spec().goal(), "goal");
  EXPECT_EQ(Stored(task.id()).lease_owner, "worker-1");

  OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, task.id(), 2, 10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), v1::TASK_EVENT_KIND_STATE_CHANGED);
  EXPECT_EQ(events[0].state(), v1::TASK_STATE_PLANNING);
  ExpectPending(0);
}

TEST_P(TaskRepositoryContractTest, ClaimReturnsTheSubmittersTraceparent) {
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  v1::TaskSpec spec;
  spec.set_goal("traced");
  OCTO_ASSIGN_OR_FAIL(CreateResult created, repo_->Create(NewTask{kTenant, "", spec, traceparent}));
  ClaimedTask claimed = ClaimOne("worker-1");
  EXPECT_EQ(claimed.task.id(), created.task.id());
  EXPECT_EQ(claimed.traceparent, traceparent);
}

TEST_P(TaskRepositoryContractTest, ConcurrentClaimersNeverShareATask) {
  constexpr int kTasks = 60;
  constexpr int kWorkers = 6;
  for (int i = 0; i < kTasks; ++i) {
    Create("t" + std::to_string(i), static_cast<v1::Priority>(1 + i % 4));
  }
  absl::Mutex mu;
  std::map<std::string, std::vector<std::string>> owners_by_task;  // task → claimers
  std::vector<std::thread> workers;
  std::atomic<int> errors{0};
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      const std::string owner = "worker-" + std::to_string(w);
      for (int empty_rounds = 0; empty_rounds < 3;) {
        auto claimed = repo_->Claim(owner, absl::Seconds(60), 3);
        if (!claimed.ok()) {
          errors++;
          return;
        }
        if (claimed->empty()) {
          ++empty_rounds;
          continue;
        }
        absl::MutexLock lock(&mu);
        for (const auto& c : *claimed) owners_by_task[c.task.id()].push_back(owner);
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(owners_by_task.size(), static_cast<size_t>(kTasks));
  for (const auto& [id, owners] : owners_by_task) {
    ASSERT_EQ(owners.size(), 1u) << "task " << id << " claimed more than once";
    EXPECT_EQ(Stored(id).lease_owner, owners[0]);
  }
}

TEST_P(TaskRepositoryContractTest, ExpiredLeaseIsTakenOverWithCompletedSteps) {
  const v1::Task task = Create("goal");
  ClaimedTask first = ClaimOne("worker-a", absl::Milliseconds(300));
  v1::Step done = MakeStep("s1", v1::STEP_STATE_SUCCEEDED, "look it up");
  done.mutable_output()->set_text("found it");
  TaskUpdate update = Update(task.id(), "worker-a", v1::TASK_STATE_RUNNING);
  update.steps = {done, MakeStep("s2", v1::STEP_STATE_PENDING, "write it up")};
  OCTO_ASSERT_OK(repo_->Apply(update));

  // Still leased: nobody else gets it.
  ExpectNothingToClaim("worker-b");

  harness_->LetTimePass(absl::Milliseconds(400));
  ClaimedTask second = ClaimOne("worker-b");
  EXPECT_EQ(second.task.id(), task.id());
  EXPECT_FALSE(first.taken_over);
  EXPECT_TRUE(second.taken_over);
  EXPECT_EQ(second.task.state(), v1::TASK_STATE_RUNNING);  // resumed, not re-planned
  ASSERT_EQ(second.task.steps_size(), 2);
  EXPECT_EQ(second.task.steps(0).id(), "s1");
  EXPECT_EQ(second.task.steps(0).state(), v1::STEP_STATE_SUCCEEDED);
  EXPECT_EQ(second.task.steps(0).output().text(), "found it");
  EXPECT_EQ(second.task.steps(1).id(), "s2");
  EXPECT_EQ(second.task.last_event_seq(), first.task.last_event_seq());

  // The old owner has lost it.
  EXPECT_EQ(repo_->Apply(Update(task.id(), "worker-a")).status().code(),
            absl::StatusCode::kAborted);
  ExpectLeaseLost("worker-a", task.id());
}

TEST_P(TaskRepositoryContractTest, ApplyWithWrongOwnerIsAbortedAndChangesNothing) {
  const v1::Task task = Create("goal");
  ClaimOne("worker-a");
  TaskUpdate update = Update(task.id(), "worker-b", v1::TASK_STATE_FAILED);
  update.events = {Event(v1::TASK_EVENT_KIND_STATE_CHANGED)};
  update.steps = {MakeStep("s1", v1::STEP_STATE_RUNNING, "x")};
  EXPECT_EQ(repo_->Apply(update).status().code(), absl::StatusCode::kAborted);

  OCTO_ASSIGN_OR_FAIL(v1::Task after, repo_->Get(kTenant, task.id()));
  EXPECT_EQ(after.state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(after.last_event_seq(), 2);
  EXPECT_EQ(after.steps_size(), 0);
  // A task nobody holds (never claimed) cannot be updated either.
  const v1::Task unclaimed = Create("other");
  EXPECT_EQ(repo_->Apply(Update(unclaimed.id(), "worker-a")).status().code(),
            absl::StatusCode::kAborted);
}

TEST_P(TaskRepositoryContractTest, ApplyRejectsInvalidUpdates) {
  const v1::Task task = Create("goal");
  ClaimOne("w");
  EXPECT_EQ(repo_->Apply(Update(task.id(), "w", v1::TASK_STATE_PENDING)).status().code(),
            absl::StatusCode::kInvalidArgument);
  TaskUpdate no_step_id = Update(task.id(), "w");
  no_step_id.steps = {MakeStep("", v1::STEP_STATE_PENDING, "x")};
  EXPECT_EQ(repo_->Apply(no_step_id).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(TaskRepositoryContractTest, TerminalApplyReleasesLeaseAndSetsFinishedAt) {
  const v1::Task task = Create("goal");
  ClaimOne("w");
  TaskUpdate done = Update(task.id(), "w", v1::TASK_STATE_SUCCEEDED);
  v1::TaskResult result;
  result.set_text("42");
  done.result = result;
  v1::Usage usage;
  usage.set_total_tokens(123);
  done.usage = usage;
  done.events = {Event(v1::TASK_EVENT_KIND_STATE_CHANGED)};
  OCTO_ASSIGN_OR_FAIL(v1::Task finished, repo_->Apply(done));
  EXPECT_EQ(finished.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_TRUE(finished.has_finished_at());
  EXPECT_EQ(finished.result().text(), "42");
  EXPECT_EQ(finished.usage().total_tokens(), 123);
  EXPECT_EQ(Stored(task.id()).lease_owner, std::nullopt);
  EXPECT_FALSE(Stored(task.id()).has_lease_expiry);

  EXPECT_EQ(repo_->Apply(Update(task.id(), "w")).status().code(), absl::StatusCode::kAborted);
  ExpectNothingToClaim("other");
  ExpectLeaseLost("w", task.id());
}

TEST_P(TaskRepositoryContractTest, StepsKeepThePlanOrderOfTheirFirstInsert) {
  const v1::Task task = Create("goal");
  ClaimOne("w");
  TaskUpdate plan = Update(task.id(), "w", v1::TASK_STATE_RUNNING);
  plan.steps = {MakeStep("s1", v1::STEP_STATE_PENDING, "one"),
                MakeStep("s3", v1::STEP_STATE_PENDING, "three"),
                MakeStep("s2", v1::STEP_STATE_PENDING, "two")};
  OCTO_ASSERT_OK(repo_->Apply(plan));
  TaskUpdate progress = Update(task.id(), "w");
  progress.steps = {MakeStep("s4", v1::STEP_STATE_PENDING, "four"),
                    MakeStep("s3", v1::STEP_STATE_SUCCEEDED, "three")};
  OCTO_ASSIGN_OR_FAIL(v1::Task after, repo_->Apply(progress));

  std::vector<std::string> order;
  for (const auto& s : after.steps()) order.push_back(s.id());
  EXPECT_THAT(order, ElementsAre("s1", "s3", "s2", "s4"));
  EXPECT_EQ(after.steps(1).state(), v1::STEP_STATE_SUCCEEDED);
  EXPECT_EQ(after.state(), v1::TASK_STATE_RUNNING);  // unchanged when update.state is unset
  OCTO_ASSIGN_OR_FAIL(v1::Task got, repo_->Get(kTenant, task.id()));
  EXPECT_EQ(got.SerializeAsString(), after.SerializeAsString());
}

TEST_P(TaskRepositoryContractTest, RenewExtendsHeldLeasesAndReportsLostAndCancelled) {
  const v1::Task task = Create("goal");
  ClaimOne("w", absl::Milliseconds(300));
  OCTO_ASSIGN_OR_FAIL(RenewResult renewed, repo_->Renew("w", {task.id()}, absl::Seconds(60)));
  EXPECT_THAT(renewed.lost, IsEmpty());
  EXPECT_THAT(renewed.cancel_requested, IsEmpty());
  harness_->LetTimePass(absl::Milliseconds(400));
  ExpectNothingToClaim("thief");  // the renewed lease still holds

  OCTO_ASSERT_OK(repo_->RequestCancel(kTenant, task.id(), "changed my mind"));
  const std::string unknown = "123e4567-e89b-12d3-a456-426614174000";
  OCTO_ASSIGN_OR_FAIL(RenewResult after,
                      repo_->Renew("w", {task.id(), unknown, "garbage"}, absl::Seconds(60)));
  EXPECT_THAT(after.cancel_requested, ElementsAre(task.id()));
  EXPECT_THAT(after.lost, ElementsAre(unknown, "garbage"));

  OCTO_ASSIGN_OR_FAIL(RenewResult other, repo_->Renew("thief", {task.id()}, absl::Seconds(60)));
  EXPECT_THAT(other.lost, ElementsAre(task.id()));
}

TEST_P(TaskRepositoryContractTest, ApplyManyStoresEachUpdateLikeApply) {
  const v1::Task a = Create("a");
  const v1::Task b = Create("b");
  ClaimOne("w");
  ClaimOne("w");
  TaskUpdate plan_a = Update(a.id(), "w", v1::TASK_STATE_RUNNING);
  plan_a.steps = {MakeStep("s1", v1::STEP_STATE_RUNNING, "quote \" and back\\slash"),
                  MakeStep("s2", v1::STEP_STATE_PENDING, "two")};
  plan_a.events = {Event(v1::TASK_EVENT_KIND_PLANNED), Event(v1::TASK_EVENT_KIND_STATE_CHANGED),
                   Event(v1::TASK_EVENT_KIND_STEP_STARTED, "s1")};
  plan_a.events[0].set_message("plan: s1, s2 {with} \"quotes\", commas");
  TaskUpdate done_b = Update(b.id(), "w", v1::TASK_STATE_FAILED);
  v1::TaskError error;
  error.set_reason(v1::ERROR_REASON_BUDGET_EXCEEDED);
  error.set_message("over budget");
  done_b.error = error;
  v1::Usage usage;
  usage.set_total_tokens(77);
  done_b.usage = usage;
  v1::TaskEvent failed = Event(v1::TASK_EVENT_KIND_STATE_CHANGED);
  *failed.mutable_error() = error;
  done_b.events = {failed};

  OCTO_ASSIGN_OR_FAIL(auto results, repo_->ApplyMany({plan_a, done_b}));
  ASSERT_EQ(results.size(), 2u);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_EQ(results[0]->state, v1::TASK_STATE_RUNNING);
  EXPECT_EQ(results[0]->last_event_seq, 5);
  EXPECT_THAT(Seqs(results[0]->events), ElementsAre(3, 4, 5));
  EXPECT_EQ(results[0]->events[2].step_id(), "s1");
  EXPECT_EQ(results[0]->events[2].task_id(), a.id());
  EXPECT_EQ(results[0]->events[2].state(), v1::TASK_STATE_RUNNING);
  EXPECT_GT(results[0]->events[2].time().seconds(), 0);
  EXPECT_EQ(results[1]->state, v1::TASK_STATE_FAILED);
  EXPECT_THAT(Seqs(results[1]->events), ElementsAre(3));

  // What ApplyMany reported is what the store holds.
  OCTO_ASSIGN_OR_FAIL(auto events_a, repo_->ReadEvents(kTenant, a.id(), 3, 10));
  ASSERT_EQ(events_a.size(), 3u);
  for (size_t i = 0; i < events_a.size(); ++i) {
    EXPECT_EQ(events_a[i].SerializeAsString(), results[0]->events[i].SerializeAsString());
  }
  EXPECT_EQ(events_a[0].message(), "plan: s1, s2 {with} \"quotes\", commas");
  OCTO_ASSIGN_OR_FAIL(v1::Task got_a, repo_->Get(kTenant, a.id()));
  ASSERT_EQ(got_a.steps_size(), 2);
  EXPECT_EQ(got_a.steps(0).instruction(), "quote \" and back\\slash");
  EXPECT_EQ(got_a.steps(1).id(), "s2");
  EXPECT_EQ(Stored(a.id()).lease_owner, "w");
  OCTO_ASSIGN_OR_FAIL(v1::Task got_b, repo_->Get(kTenant, b.id()));
  EXPECT_EQ(got_b.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(got_b.error().reason(), v1::ERROR_REASON_BUDGET_EXCEEDED);
  EXPECT_EQ(got_b.usage().total_tokens(), 77);
  EXPECT_TRUE(got_b.has_finished_at());
  EXPECT_EQ(Stored(b.id()).lease_owner, std::nullopt);
  OCTO_ASSIGN_OR_FAIL(auto events_b, repo_->ReadEvents(kTenant, b.id(), 3, 10));
  ASSERT_EQ(events_b.size(), 1u);
  EXPECT_EQ(events_b[0].error().message(), "over budget");

  // Later updates keep numbering, keep the plan order and leave unset fields alone.
  TaskUpdate progress = Update(a.id(), "w");
  progress.steps = {MakeStep("s3", v1::STEP_STATE_PENDING, "three"),
                    MakeStep("s1", v1::STEP_STATE_SUCCEEDED, "one")};
  progress.events = {Event(v1::TASK_EVENT_KIND_STEP_SUCCEEDED, "s1")};
  OCTO_ASSIGN_OR_FAIL(auto more, repo_->ApplyMany({progress}));
  ASSERT_TRUE(more[0].ok()) << more[0].status();
  EXPECT_THAT(Seqs(more[0]->events), ElementsAre(6));
  OCTO_ASSIGN_OR_FAIL(got_a, repo_->Get(kTenant, a.id()));
  std::vector<std::string> order;
  for (const auto& step : got_a.steps()) order.push_back(step.id());
  EXPECT_THAT(order, ElementsAre("s1", "s2", "s3"));
  EXPECT_EQ(got_a.steps(0).state(), v1::STEP_STATE_SUCCEEDED);
  EXPECT_EQ(got_a.state(), v1::TASK_STATE_RUNNING);
}

TEST_P(TaskRepositoryContractTest, ApplyManyJudgesEachUpdateOnItsOwn) {
  const v1::Task mine = Create("mine");
  const v1::Task theirs = Create("theirs");
  const v1::Task unclaimed = Create("unclaimed");
  ClaimOne("w");
  ClaimOne("other");
  const std::string unknown = "123e4567-e89b-12d3-a456-426614174000";
  TaskUpdate ok = Update(mine.id(), "w");
  ok.events = {Event(v1::TASK_EVENT_KIND_STEP_STARTED, "s1")};
  TaskUpdate stolen = Update(theirs.id(), "w", v1::TASK_STATE_SUCCEEDED);
  stolen.events = {Event(v1::TASK_EVENT_KIND_STATE_CHANGED)};
  OCTO_ASSIGN_OR_FAIL(
      auto results, repo_->ApplyMany({stolen, ok, Update(unclaimed.id(), "w"), Update(unknown, "w"),
                                      Update("garbage", "w"), Update(mine.id(), "w"),
                                      Update(mine.id(), "w", v1::TASK_STATE_PENDING)}));
  ASSERT_EQ(results.size(), 7u);
  EXPECT_EQ(results[0].status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(results[0].status().message()), ::testing::HasSubstr("held by other"));
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_EQ(results[2].status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(results[3].status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(results[4].status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(results[5].status().code(), absl::StatusCode::kInvalidArgument);  // twice
  EXPECT_EQ(results[6].status().code(), absl::StatusCode::kInvalidArgument);

  OCTO_ASSIGN_OR_FAIL(v1::Task after, repo_->Get(kTenant, theirs.id()));
  EXPECT_EQ(after.state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(after.last_event_seq(), 2);
  OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, mine.id(), 0, 0));
  EXPECT_THAT(Seqs(events), ElementsAre(1, 2, 3));
}

TEST_P(TaskRepositoryContractTest, ConcurrentApplyManyKeepsEventsGapless) {
  constexpr int kTasks = 12;
  constexpr int kWriters = 4;
  constexpr int kRounds = 15;
  std::vector<std::string> ids;
  for (int i = 0; i < kTasks; ++i) ids.push_back(Create("t").id());
  OCTO_ASSIGN_OR_FAIL(auto claimed, repo_->Claim("w", absl::Seconds(30), kTasks));
  ASSERT_EQ(claimed.size(), static_cast<size_t>(kTasks));
  // Each writer owns a slice of the tasks but batches overlap in time; renewals run too.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int round = 0; round < kRounds; ++round) {
        std::vector<TaskUpdate> batch;
        for (int i = w; i < kTasks; i += kWriters) {
          TaskUpdate update = Update(ids[i], "w");
          update.events = {Event(v1::TASK_EVENT_KIND_STEP_STARTED, "s"),
                           Event(v1::TASK_EVENT_KIND_STEP_SUCCEEDED, "s")};
          batch.push_back(update);
        }
        auto results = repo_->ApplyMany(batch);
        if (!results.ok()) {
          ++failures;
          continue;
        }
        for (const auto& r : *results) failures += !r.ok();
      }
    });
  }
  threads.emplace_back([&] {
    for (int round = 0; round < kRounds; ++round) {
      failures += !repo_->Renew("w", ids, absl::Seconds(30)).ok();
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (const std::string& id : ids) {
    OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, id, 0, 0));
    ASSERT_EQ(events.size(), static_cast<size_t>(2 + 2 * kRounds));
    for (size_t i = 0; i < events.size(); ++i)
      EXPECT_EQ(events[i].seq(), static_cast<int64_t>(i + 1));
  }
}

TEST_P(TaskRepositoryContractTest, AnEventMaySayWhichStateItLeftTheTaskIn) {
  const v1::Task task = Create("goal");
  ClaimOne("w");
  // One update that plans, runs and finishes: each event keeps its own state.
  TaskUpdate all = Update(task.id(), "w", v1::TASK_STATE_SUCCEEDED);
  v1::TaskEvent running = Event(v1::TASK_EVENT_KIND_STATE_CHANGED);
  running.set_state(v1::TASK_STATE_RUNNING);
  v1::TaskEvent step = Event(v1::TASK_EVENT_KIND_STEP_SUCCEEDED, "s1");
  step.set_state(v1::TASK_STATE_RUNNING);
  all.events = {running, step, Event(v1::TASK_EVENT_KIND_STATE_CHANGED)};
  OCTO_ASSIGN_OR_FAIL(auto results, repo_->ApplyMany({all}));
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  std::vector<v1::TaskState> reported;
  for (const auto& e : results[0]->events) reported.push_back(e.state());
  EXPECT_THAT(reported, ElementsAre(v1::TASK_STATE_RUNNING, v1::TASK_STATE_RUNNING,
                                    v1::TASK_STATE_SUCCEEDED));
  OCTO_ASSIGN_OR_FAIL(auto stored, repo_->ReadEvents(kTenant, task.id(), 3, 10));
  ASSERT_EQ(stored.size(), 3u);
  for (size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].state(), reported[i]);

  // Apply honours it too.
  const v1::Task other = Create("other");
  ClaimOne("w");
  TaskUpdate one = Update(other.id(), "w", v1::TASK_STATE_FAILED);
  one.events = {running, Event(v1::TASK_EVENT_KIND_STATE_CHANGED)};
  OCTO_ASSERT_OK(repo_->Apply(one));
  OCTO_ASSIGN_OR_FAIL(auto other_events, repo_->ReadEvents(kTenant, other.id(), 3, 10));
  ASSERT_EQ(other_events.size(), 2u);
  EXPECT_EQ(other_events[0].state(), v1::TASK_STATE_RUNNING);
  EXPECT_EQ(other_events[1].state(), v1::TASK_STATE_FAILED);
}

TEST_P(TaskRepositoryContractTest, ReleasedLeaseCanBeClaimedAtOnce) {
  const v1::Task task = Create("goal");
  const v1::Task other = Create("other");
  ClaimOne("w", absl::Minutes(5));
  ClaimOne("x", absl::Minutes(5));
  OCTO_ASSIGN_OR_FAIL(int released, repo_->Release("w", {task.id(), other.id(), "garbage"}));
  EXPECT_EQ(released, 1);  // only the lease "w" holds
  OCTO_ASSIGN_OR_FAIL(auto claimed, repo_->Claim("y", absl::Seconds(30), 5));
  EXPECT_THAT(Ids(claimed), ElementsAre(task.id()));
  EXPECT_EQ(claimed[0].task.state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(Stored(other.id()).lease_owner, "x");
}

TEST_P(TaskRepositoryContractTest, ClaimedBatchComesInRankOrderWithOneEventEach) {
  const v1::Task low = Create("low", v1::PRIORITY_LOW);
  const v1::Task critical = Create("critical", v1::PRIORITY_CRITICAL);
  const v1::Task medium = Create("medium", v1::PRIORITY_MEDIUM);
  OCTO_ASSIGN_OR_FAIL(auto claimed, repo_->Claim("w", absl::Seconds(30), 10));
  EXPECT_THAT(Ids(claimed), ElementsAre(critical.id(), medium.id(), low.id()));
  for (const auto& c : claimed) {
    EXPECT_FALSE(c.taken_over);
    EXPECT_EQ(c.task.last_event_seq(), 2);
    OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, c.task.id(), 0, 0));
    EXPECT_THAT(Seqs(events), ElementsAre(1, 2));
    EXPECT_EQ(events[1].state(), v1::TASK_STATE_PLANNING);
    // The claim's event is dated with the claim itself.
    EXPECT_EQ(events[1].time().SerializeAsString(), c.task.updated_at().SerializeAsString());
  }
}

TEST_P(TaskRepositoryContractTest, LeaseCallsRejectAnEmptyOwnerOrLease) {
  const v1::Task task = Create("goal");
  for (absl::Duration lease : {absl::ZeroDuration(), absl::Seconds(-1)}) {
    EXPECT_EQ(repo_->Claim("w", lease, 1).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(repo_->Renew("w", {task.id()}, lease).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(repo_->Claim("", absl::Seconds(30), 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->Renew("", {task.id()}, absl::Seconds(30)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->Release("", {task.id()}).status().code(), absl::StatusCode::kInvalidArgument);
  ExpectNothingToClaim("w", 0);
  ExpectPending(1);
}

TEST_P(TaskRepositoryContractTest, RenewKeepsAnExpiredLeaseNobodyTookOver) {
  const v1::Task task = Create("goal");
  ClaimOne("w", absl::Milliseconds(300));
  harness_->LetTimePass(absl::Milliseconds(400));
  OCTO_ASSIGN_OR_FAIL(RenewResult renewed, repo_->Renew("w", {task.id()}, absl::Seconds(60)));
  EXPECT_THAT(renewed.lost, IsEmpty());
  ExpectNothingToClaim("thief");
  EXPECT_EQ(Stored(task.id()).lease_owner, "w");
}

TEST_P(TaskRepositoryContractTest, ApplyAddsNoEventOfItsOwn) {
  const v1::Task a = Create("a");
  const v1::Task b = Create("b");
  ClaimOne("w");
  ClaimOne("w");
  OCTO_ASSIGN_OR_FAIL(v1::Task done, repo_->Apply(Update(a.id(), "w", v1::TASK_STATE_SUCCEEDED)));
  EXPECT_EQ(done.last_event_seq(), 2);
  OCTO_ASSIGN_OR_FAIL(auto results,
                      repo_->ApplyMany({Update(b.id(), "w", v1::TASK_STATE_RUNNING)}));
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_THAT(results[0]->events, IsEmpty());
  EXPECT_EQ(results[0]->last_event_seq, 2);
  EXPECT_EQ(results[0]->state, v1::TASK_STATE_RUNNING);
  for (const std::string& id : {a.id(), b.id()}) {
    OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, id, 0, 0));
    EXPECT_THAT(Seqs(events), ElementsAre(1, 2));
  }
}

TEST_P(TaskRepositoryContractTest, ApplyManyRejectsWhatApplyRejects) {
  const v1::Task task = Create("goal");
  ClaimOne("w");
  TaskUpdate no_step_id = Update(task.id(), "w");
  no_step_id.steps = {MakeStep("", v1::STEP_STATE_PENDING, "x")};
  TaskUpdate no_owner = Update(task.id(), "");
  no_owner.events = {Event(v1::TASK_EVENT_KIND_STEP_STARTED, "s1")};
  OCTO_ASSIGN_OR_FAIL(
      auto results,
      repo_->ApplyMany({no_step_id, no_owner, Update(task.id(), "w", v1::TASK_STATE_UNSPECIFIED)}));
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  }
  OCTO_ASSIGN_OR_FAIL(v1::Task after, repo_->Get(kTenant, task.id()));
  EXPECT_EQ(after.last_event_seq(), 2);
  EXPECT_EQ(after.steps_size(), 0);
  OCTO_ASSIGN_OR_FAIL(auto none, repo_->ApplyMany({}));
  EXPECT_THAT(none, IsEmpty());
}

}  // namespace
}  // namespace octo::testing
