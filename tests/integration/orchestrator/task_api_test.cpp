// The TaskService contract across replicas: cancellation, queue order, idempotency, tenancy,
// watching, the result cache, and ListArms.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "fake_arm.h"
#include "harness.h"
#include "octo/task/spec.h"
#include "octo/store/pg_pool.h"

namespace octo::orchestrator::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class TaskApiTest : public OrchestratorTest {
 protected:
  // NOTIFY across replicas, SQL to age tasks: this contract is Postgres's.
  TaskApiTest() : OrchestratorTest(TaskStore::kPostgres) {}

  // A replica that serves the API but never claims: tasks run elsewhere.
  TestReplica& StartServingOnly(const std::vector<std::string>& arms) {
    return StartReplica(arms, [](ReplicaOptions& o) { o.engine.max_tasks = 0; });
  }
  void Sql(const std::string& sql) {
    pqxx::connection conn(dsn_);
    pqxx::work tx(conn);
    tx.exec(sql);
    tx.commit();
  }
};

TEST_F(TaskApiTest, CancelOnAnyReplicaStopsTheRunningStepOnAnother) {
  auto arm = FakeArm::Start({.capabilities = {"a", "b"}});
  arm->SetHandler([](const v1::ExecuteRequest&) {
    Behavior b;
    b.hang = true;
    return b;
  });
  TestReplica& runner = StartReplica({arm->target()});
  TestReplica& front = StartServingOnly({arm->target()});
  WaitForArms(runner, 1);
  auto submitted = Submit(front, Spec("two steps", {"a", "b"}));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->task().id();
  ASSERT_TRUE(arm->WaitForCalls(1, absl::Seconds(10)));

  v1::CancelTaskRequest cancel;
  cancel.set_task_id(id);
  cancel.set_reason("changed my mind");
  v1::Task after;
  auto context = Context();
  ASSERT_TRUE(front.tasks->CancelTask(context.get(), cancel, &after).ok());
  auto events = Watch(front, id, 0, absl::Seconds(10));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->back().state(), v1::TASK_STATE_CANCELLED);
  bool requested = false;
  for (const auto& e : *events) {
    if (e.kind() == v1::TASK_EVENT_KIND_CANCEL_REQUESTED) {
      requested = true;
      EXPECT_EQ(e.message(), "changed my mind");
    }
  }
  EXPECT_TRUE(requested);

  v1::Task task = *Get(front, id);
  EXPECT_EQ(task.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(task.steps(0).state(), v1::STEP_STATE_CANCELLED);
  EXPECT_EQ(task.steps(1).state(), v1::STEP_STATE_CANCELLED);
  // The arm saw its call cancelled, and no further step started.
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (arm->cancelled_calls() < 1 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(arm->cancelled_calls(), 1);
  EXPECT_EQ(arm->total_calls(), 1);
}

TEST_F(TaskApiTest, CancellingAFinishedTaskReturnsItUnchanged) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  TestReplica& r = StartReplica({arm->target()});
  WaitForArms(r, 1);
  v1::Task done = SubmitAndRun(r, Spec("quick"));
  ASSERT_EQ(done.state(), v1::TASK_STATE_SUCCEEDED);
  v1::CancelTaskRequest cancel;
  cancel.set_task_id(done.id());
  v1::Task after;
  auto context = Context();
  ASSERT_TRUE(r.tasks->CancelTask(context.get(), cancel, &after).ok());
  EXPECT_EQ(after.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(after.last_event_seq(), done.last_event_seq());
}

TEST_F(TaskApiTest, TheQueueRunsHigherPriorityFirstAndAgingLiftsOldWork) {
  // Queue the tasks before any replica claims, through a serving-only replica.
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  TestReplica& front = StartServingOnly({arm->target()});
  std::vector<std::pair<std::string, v1::Priority>> order{{"low", v1::PRIORITY_LOW},
                                                          {"medium", v1::PRIORITY_MEDIUM},
                                                          {"critical", v1::PRIORITY_CRITICAL},
                                                          {"high", v1::PRIORITY_HIGH},
                                                          {"old low", v1::PRIORITY_LOW}};
  std::map<std::string, std::string> goal_of;
  for (const auto& [goal, priority] : order) {
    v1::TaskSpec spec = Spec(goal);
    spec.set_priority(priority);
    auto submitted = Submit(front, spec);
    ASSERT_TRUE(submitted.ok());
    goal_of[submitted->task().id()] = goal;
    if (goal == "old low") {
      // Waited 200 s: aging lifts it six levels, above a fresh CRITICAL task.
      Sql("UPDATE tasks SET created_at = now() - interval '200 seconds' WHERE id = '" +
          submitted->task().id() + "'");
    }
  }
  // One task at a time, so the claim order is the run order.
  TestReplica& runner = StartReplica({arm->target()}, [](ReplicaOptions& o) {
    o.engine.max_tasks = 1;
    o.engine.claim_batch = 1;
  });
  ASSERT_TRUE(arm->WaitForCalls(5, absl::Seconds(20)));
  std::vector<std::string> ran;
  for (const auto& call : arm->calls()) ran.push_back(goal_of[call.request.task_id()]);
  EXPECT_THAT(ran, ElementsAre("old low", "critical", "high", "medium", "low"));
  (void)runner;
}

TEST_F(TaskApiTest, ResubmittingWithTheSameKeyReturnsTheFirstTask) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  TestReplica& r = StartReplica({arm->target()});
  TestReplica& other = StartServingOnly({arm->target()});
  WaitForArms(r, 1);
  auto first = Submit(r, Spec("once only"), kTenant, "key-1");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->created());
  // Same key, same tenant, on another replica, even with a different spec: the first task.
  auto again = Submit(other, Spec("once only, really"), kTenant, "key-1");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created());
  EXPECT_EQ(again->task().id(), first->task().id());
  EXPECT_EQ(again->task().spec().goal(), "once only");
  // Another tenant's key space is its own.
  auto theirs = Submit(r, Spec("once only"), "tenant-b", "key-1");
  ASSERT_TRUE(theirs.ok());
  EXPECT_TRUE(theirs->created());
  EXPECT_NE(theirs->task().id(), first->task().id());
  EXPECT_EQ(RunToEnd(r, first->task().id()).state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(arm->calls_for(first->task().id(), "s1"), 1);
}

TEST_F(TaskApiTest, AnotherTenantsTaskIsNotFoundEverywhere) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  TestReplica& r = StartReplica({arm->target()});
  WaitForArms(r, 1);
  auto submitted = Submit(r, Spec("mine"));
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->task().id();
  EXPECT_EQ(Get(r, id, "tenant-b").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Watch(r, id, 0, absl::Seconds(5), "tenant-b").status().code(),
            absl::StatusCode::kNotFound);
  v1::CancelTaskRequest cancel;
  cancel.set_task_id(id);
  v1::Task task;
  auto context = Context("tenant-b");
  EXPECT_EQ(r.tasks->CancelTask(context.get(), cancel, &task).error_code(), grpc::NOT_FOUND);
  v1::ListTasksResponse list;
  context = Context("tenant-b");
  ASSERT_TRUE(r.tasks->ListTasks(context.get(), v1::ListTasksRequest(), &list).ok());
  for (const auto& t : list.tasks()) EXPECT_NE(t.id(), id);
  // The owner still sees it, and it was not cancelled.
  EXPECT_EQ(RunToEnd(r, id).state(), v1::TASK_STATE_SUCCEEDED);
}

TEST_F(TaskApiTest, WatchOnAReplicaThatDoesNotRunTheTaskStreamsTheSameEvents) {
  auto arm = FakeArm::Start({.capabilities = {"a", "b"}});
  arm->SetHandler([](const v1::ExecuteRequest&) {
    Behavior b;
    b.delay = absl::Milliseconds(150);
    return b;
  });
  TestReplica& runner = StartReplica({arm->target()});
  TestReplica& front = StartServingOnly({arm->target()});
  WaitForArms(runner, 1);
  auto submitted = Submit(front, Spec("watch me", {"a", "b"}));
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->task().id();

  // Live, on both replicas at once, from the start.
  absl::StatusOr<std::vector<v1::TaskEvent>> remote;
  std::thread watcher([&] { remote = Watch(front, id); });
  auto local = Watch(runner, id);
  watcher.join();
  ASSERT_TRUE(local.ok()) << local.status();
  ASSERT_TRUE(remote.ok()) << remote.status();
  ASSERT_GE(local->size(), 8u);
  ASSERT_EQ(local->size(), remote->size());
  for (size_t i = 0; i < local->size(); ++i) {
    EXPECT_EQ((*local)[i].seq(), static_cast<int64_t>(i + 1));
    EXPECT_EQ((*local)[i].SerializeAsString(), (*remote)[i].SerializeAsString()) << i;
  }
  EXPECT_EQ(local->back().state(), v1::TASK_STATE_SUCCEEDED);

  // Afterwards, from a sequence number, on the replica that did not run it.
  auto tail = Watch(front, id, 4);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), local->size() - 3);
  for (size_t i = 0; i < tail->size(); ++i) {
    EXPECT_EQ((*tail)[i].SerializeAsString(), (*local)[i + 3].SerializeAsString());
  }
  // Past the end of a finished task: the stream ends at once.
  auto none = Watch(front, id, local->back().seq() + 1, absl::Seconds(5));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
}

TEST_F(TaskApiTest, EventsTellEveryTransitionInOrderWhetherOrNotWritesWereCoalesced) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  // Answers at once (the step's start is stored with its end), or after 100 ms (the start is
  // stored first, once start_write_delay has passed).
  arm->SetHandler([](const v1::ExecuteRequest& request) {
    Behavior b;
    if (request.instruction() == "slow") b.delay = absl::Milliseconds(100);
    return b;
  });
  TestReplica& r = StartReplica({arm->target()});
  WaitForArms(r, 1);
  for (const char* goal : {"fast", "slow"}) {
    auto submitted = Submit(r, Spec(goal));
    ASSERT_TRUE(submitted.ok());
    auto events = Watch(r, submitted->task().id());
    ASSERT_TRUE(events.ok()) << events.status();
    std::vector<v1::TaskState> states;
    std::vector<v1::TaskEventKind> kinds;
    for (size_t i = 0; i < events->size(); ++i) {
      const v1::TaskEvent& e = (*events)[i];
      EXPECT_EQ(e.seq(), static_cast<int64_t>(i + 1)) << goal;
      kinds.push_back(e.kind());
      if (e.kind() == v1::TASK_EVENT_KIND_STATE_CHANGED) states.push_back(e.state());
    }
    EXPECT_THAT(states, ElementsAre(v1::TASK_STATE_PENDING, v1::TASK_STATE_PLANNING,
                                    v1::TASK_STATE_RUNNING, v1::TASK_STATE_SUCCEEDED))
        << goal;
    EXPECT_THAT(kinds,
                ElementsAre(v1::TASK_EVENT_KIND_STATE_CHANGED, v1::TASK_EVENT_KIND_STATE_CHANGED,
                            v1::TASK_EVENT_KIND_PLANNED, v1::TASK_EVENT_KIND_STATE_CHANGED,
                            v1::TASK_EVENT_KIND_STEP_STARTED, v1::TASK_EVENT_KIND_STEP_SUCCEEDED,
                            v1::TASK_EVENT_KIND_STATE_CHANGED))
        << goal;
    // Step events say the task was RUNNING then.
    EXPECT_EQ((*events)[4].state(), v1::TASK_STATE_RUNNING) << goal;
    EXPECT_EQ((*events)[5].step_state(), v1::STEP_STATE_SUCCEEDED) << goal;
  }
}

TEST_F(TaskApiTest, AReplicaThatStopsHandsItsTasksOverAtOnce) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  std::atomic<int> calls{0};
  arm->SetHandler([&calls](const v1::ExecuteRequest&) {
    Behavior b;
    b.hang = ++calls == 1;  // the first replica's call never answers
    return b;
  });
  // A lease far longer than the test: only the release can explain a quick takeover.
  TestReplica& first =
      StartReplica({arm->target()}, [](ReplicaOptions& o) { o.engine.lease = absl::Minutes(5); });
  WaitForArms(first, 1);
  auto submitted = Submit(first, Spec("keep going"));
  ASSERT_TRUE(submitted.ok());
  ASSERT_TRUE(arm->WaitForCalls(1, absl::Seconds(10)));
  TestReplica& second = StartReplica({arm->target()});
  const absl::Time stopped = absl::Now();
  first.replica->Shutdown();
  v1::Task task = RunToEnd(second, submitted->task().id());
  EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.error().message();
  EXPECT_LT(absl::Now() - stopped, absl::Seconds(10));
  EXPECT_EQ(arm->calls_for(task.id(), "s1"), 2);
  EXPECT_EQ(arm->cancelled_calls(), 1);  // the stopping replica cancelled its call
}

// A cache the test can look into.
class RecordingCache : public cache::Cache {
 public:
  std::optional<std::string> Get(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(std::string(key));
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  void Put(absl::string_view key, absl::string_view value, absl::Duration) override {
    absl::MutexLock lock(&mu_);
    entries_[std::string(key)] = std::string(value);
  }
  void Erase(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    entries_.erase(std::string(key));
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> entries_;
};

TEST_F(TaskApiTest, SuccessfulResultsGoToTheResultCache) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve"}});
  auto cache = std::make_unique<RecordingCache>();
  RecordingCache* seen = cache.get();
  TestReplica& r = StartReplica({arm->target()}, {}, std::move(cache));
  WaitForArms(r, 1);
  v1::TaskSpec spec = Spec("cache me");
  v1::Task task = SubmitAndRun(r, spec);
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
  // Written before the end is stored, so it is there once a watcher has seen the end.
  std::optional<std::string> cached = seen->Get(task::TaskCacheKey(kTenant, spec));
  ASSERT_TRUE(cached.has_value());
  v1::Task from_cache;
  ASSERT_TRUE(from_cache.ParseFromString(*cached));
  EXPECT_EQ(from_cache.id(), task.id());
  EXPECT_EQ(from_cache.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(from_cache.result().text(), task.result().text());
  EXPECT_EQ(from_cache.last_event_seq(), task.last_event_seq());

  arm->SetHandler([](const v1::ExecuteRequest&) {
    Behavior b;
    b.status = absl::InvalidArgumentError("no");
    return b;
  });
  v1::TaskSpec failing = Spec("do not cache me");
  ASSERT_EQ(SubmitAndRun(r, failing).state(), v1::TASK_STATE_FAILED);
  EXPECT_FALSE(seen->Get(task::TaskCacheKey(kTenant, failing)).has_value());
}

TEST_F(TaskApiTest, ListArmsShowsLiveFigures) {
  auto arm = FakeArm::Start({.capabilities = {"retrieve", "ingest"},
                             .max_concurrency = 7,
                             .cost_tier = v1::COST_TIER_LOW});
  arm->SetHandler([](const v1::ExecuteRequest&) {
    Behavior b;
    b.delay = absl::Milliseconds(20);
    return b;
  });
  TestReplica& r = StartReplica({arm->target(), "127.0.0.1:1"});
  WaitForArms(r, 1);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(SubmitAndRun(r, Spec(absl::StrCat("t", i))).state(), v1::TASK_STATE_SUCCEEDED);
  v1::ListArmsResponse arms;
  auto context = Context();
  ASSERT_TRUE(r.operations->ListArms(context.get(), v1::ListArmsRequest(), &arms).ok());
  ASSERT_EQ(arms.arms_size(), 2);
  const v1::ArmStatus& up = arms.arms(0);
  EXPECT_EQ(up.endpoint(), arm->target());
  EXPECT_TRUE(up.healthy());
  EXPECT_EQ(up.calls(), 3);
  EXPECT_EQ(up.failures(), 0);
  EXPECT_GE(up.latency_ewma_ms(), 15);
  EXPECT_EQ(up.in_flight(), 0);
  EXPECT_THAT(up.description().capabilities(), ElementsAre("retrieve", "ingest"));
  EXPECT_EQ(up.description().max_concurrency(), 7);
  EXPECT_EQ(up.description().cost_tier(), v1::COST_TIER_LOW);
  const v1::ArmStatus& down = arms.arms(1);
  EXPECT_EQ(down.endpoint(), "127.0.0.1:1");
  EXPECT_FALSE(down.healthy());
  EXPECT_THAT(down.last_error(), HasSubstr("Describe"));
}

}  // namespace
}  // namespace octo::orchestrator::testing
