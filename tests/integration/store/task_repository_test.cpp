#include "octo/store/task_repository.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "octo/store/pg_pool.h"
#include "store_test_support.h"

namespace octo::store {
namespace {

using ::octo::store::testing::Sql;
using ::octo::store::testing::StoreTest;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

constexpr char kTenant[] = "tenant-a";
constexpr char kOtherTenant[] = "tenant-b";

v1::TaskSpec Spec(const std::string& goal, v1::Priority priority = v1::PRIORITY_MEDIUM) {
  v1::TaskSpec spec;
  spec.set_goal(goal);
  spec.set_priority(priority);
  return spec;
}

v1::Step MakeStep(const std::string& id, v1::StepState state, const std::string& instruction) {
  v1::Step step;
  step.set_id(id);
  step.set_capability("retrieve");
  step.set_instruction(instruction);
  step.set_state(state);
  return step;
}

v1::TaskEvent Event(v1::TaskEventKind kind, const std::string& step_id = "") {
  v1::TaskEvent event;
  event.set_kind(kind);
  event.set_step_id(step_id);
  return event;
}

TaskUpdate Update(const std::string& task_id, const std::string& owner,
                  std::optional<v1::TaskState> state = std::nullopt) {
  TaskUpdate update;
  update.task_id = task_id;
  update.lease_owner = owner;
  update.state = state;
  return update;
}

ListQuery Query(v1::TaskState state, int page_size, const std::string& page_token = "") {
  ListQuery query;
  query.state = state;
  query.page_size = page_size;
  query.page_token = page_token;
  return query;
}

std::vector<std::string> Ids(const std::vector<ClaimedTask>& claimed) {
  std::vector<std::string> ids;
  for (const auto& c : claimed) ids.push_back(c.task.id());
  return ids;
}

std::vector<int64_t> Seqs(const std::vector<v1::TaskEvent>& events) {
  std::vector<int64_t> seqs;
  for (const auto& e : events) seqs.push_back(e.seq());
  return seqs;
}

class TaskRepositoryTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    OCTO_ASSIGN_OR_FAIL(repo_, NewPgTaskRepository(pool_));
  }

  // Creates a task; records a failure and returns an empty task if that fails.
  v1::Task Create(const std::string& goal, v1::Priority priority = v1::PRIORITY_MEDIUM,
                  const std::string& tenant = kTenant) {
    auto created = repo_->Create(NewTask{tenant, "", Spec(goal, priority), ""});
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->task : v1::Task();
  }

  // Claims exactly one task for `owner`; records a failure otherwise.
  ClaimedTask ClaimOne(const std::string& owner, absl::Duration lease = absl::Seconds(30)) {
    auto claimed = repo_->Claim(owner, lease, 1);
    EXPECT_TRUE(claimed.ok()) << claimed.status();
    if (!claimed.ok() || claimed->size() != 1) {
      ADD_FAILURE() << "expected one claimed task";
      return ClaimedTask();
    }
    return (*claimed)[0];
  }

  void AgeTask(const std::string& id, int seconds) {
    Sql(dsn_, "UPDATE tasks SET created_at = now() - interval '" + std::to_string(seconds) +
                  " seconds' WHERE id = '" + id + "'");
  }

  std::string Column(const std::string& id, const std::string& column) {
    auto rows = Sql(dsn_, "SELECT " + column + "::text FROM tasks WHERE id = '" + id + "'");
    return rows.empty() ? "<no row>" : rows[0];
  }

  std::unique_ptr<TaskRepository> repo_;
};

TEST_F(TaskRepositoryTest, CreateThenGetRoundTrips) {
  v1::TaskSpec spec = Spec("summarise the report", v1::PRIORITY_HIGH);
  spec.set_context("quarterly numbers");
  spec.add_acceptance_criteria("mentions revenue");
  (*spec.mutable_labels())["team"] = "finance";
  OCTO_ASSIGN_OR_FAIL(CreateResult created, repo_->Create(NewTask{kTenant, "", spec, ""}));
  EXPECT_TRUE(created.created);
  const v1::Task& task = created.task;
  EXPECT_EQ(task.id().size(), 36u);
  EXPECT_EQ(task.state(), v1::TASK_STATE_PENDING);
  EXPECT_EQ(task.last_event_seq(), 1);
  EXPECT_GT(task.created_at().seconds(), 1'600'000'000);
  EXPECT_FALSE(task.has_finished_at());
  EXPECT_FALSE(task.has_result());
  EXPECT_FALSE(task.has_error());
  EXPECT_EQ(task.spec().SerializeAsString(), spec.SerializeAsString());

  OCTO_ASSIGN_OR_FAIL(v1::Task got, repo_->Get(kTenant, task.id()));
  EXPECT_EQ(got.SerializeAsString(), task.SerializeAsString());

  OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, task.id(), 1, 100));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].task_id(), task.id());
  EXPECT_EQ(events[0].seq(), 1);
  EXPECT_EQ(events[0].kind(), v1::TASK_EVENT_KIND_STATE_CHANGED);
  EXPECT_EQ(events[0].state(), v1::TASK_STATE_PENDING);
  EXPECT_EQ(events[0].time().seconds(), task.created_at().seconds());
}

TEST_F(TaskRepositoryTest, UnspecifiedPriorityIsStoredAsMedium) {
  const v1::Task task = Create("goal", v1::PRIORITY_UNSPECIFIED);
  EXPECT_EQ(Column(task.id(), "priority"), "2");
}

TEST_F(TaskRepositoryTest, SameIdempotencyKeyReturnsTheFirstTask) {
  OCTO_ASSIGN_OR_FAIL(CreateResult first, repo_->Create(NewTask{kTenant, "key-1", Spec("a"), ""}));
  OCTO_ASSIGN_OR_FAIL(CreateResult again, repo_->Create(NewTask{kTenant, "key-1", Spec("b"), ""}));
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.task.id(), first.task.id());
  EXPECT_EQ(again.task.spec().goal(), "a");

  // The key is per tenant; no key never matches.
  OCTO_ASSIGN_OR_FAIL(CreateResult other, repo_->Create(NewTask{kOtherTenant, "key-1", Spec("a"), ""}));
  EXPECT_TRUE(other.created);
  EXPECT_NE(other.task.id(), first.task.id());
  OCTO_ASSIGN_OR_FAIL(CreateResult keyless1, repo_->Create(NewTask{kTenant, "", Spec("a"), ""}));
  OCTO_ASSIGN_OR_FAIL(CreateResult keyless2, repo_->Create(NewTask{kTenant, "", Spec("a"), ""}));
  EXPECT_NE(keyless1.task.id(), keyless2.task.id());
  EXPECT_EQ(Sql(dsn_, "SELECT count(*) FROM tasks"), std::vector<std::string>{"4"});
}

TEST_F(TaskRepositoryTest, ConcurrentCreatesWithSameKeyMakeOneTask) {
  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<CreateResult>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      results[i] = repo_->Create(NewTask{kTenant, "same-key", Spec("goal"), ""});
    });
  }
  for (auto& t : threads) t.join();

  int created = 0;
  std::set<std::string> ids;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    created += r->created ? 1 : 0;
    ids.insert(r->task.id());
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(Sql(dsn_, "SELECT count(*) FROM tasks"), std::vector<std::string>{"1"});
  EXPECT_EQ(Sql(dsn_, "SELECT count(*) FROM task_events"), std::vector<std::string>{"1"});
}

TEST_F(TaskRepositoryTest, CreateRejectsEmptyTenant) {
  EXPECT_EQ(repo_->Create(NewTask{"", "", Spec("goal"), ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TaskRepositoryTest, AnotherTenantsTaskIsNotFound) {
  const v1::Task task = Create("secret");
  EXPECT_EQ(repo_->Get(kOtherTenant, task.id()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(repo_->ReadEvents(kOtherTenant, task.id(), 1, 10).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(repo_->RequestCancel(kOtherTenant, task.id(), "mine now").status().code(),
            absl::StatusCode::kNotFound);
  OCTO_ASSIGN_OR_FAIL(TaskPage page, repo_->List(kOtherTenant, ListQuery{}));
  EXPECT_THAT(page.tasks, IsEmpty());
  // Untouched by the other tenant's cancel.
  OCTO_ASSIGN_OR_FAIL(v1::Task mine, repo_->Get(kTenant, task.id()));
  EXPECT_EQ(mine.state(), v1::TASK_STATE_PENDING);
  EXPECT_EQ(mine.last_event_seq(), 1);
}

TEST_F(TaskRepositoryTest, MalformedOrUnknownIdIsNotFound) {
  for (const char* id :
       {"not-a-uuid", "", "'; DROP TABLE tasks; --", "123e4567-e89b-12d3-a456-42661417400",
        "123e4567-e89b-12d3-a456-426614174000"}) {
    EXPECT_EQ(repo_->Get(kTenant, id).status().code(), absl::StatusCode::kNotFound) << id;
    EXPECT_EQ(repo_->ReadEvents(kTenant, id, 1, 10).status().code(), absl::StatusCode::kNotFound)
        << id;
    EXPECT_EQ(repo_->RequestCancel(kTenant, id, "").status().code(), absl::StatusCode::kNotFound)
        << id;
  }
  EXPECT_EQ(repo_->Apply(Update("nope", "w")).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TaskRepositoryTest, ListPagesNewestFirstWithStateFilter) {
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) ids.push_back(Create("task " + std::to_string(i)).id());
  Create("someone else's", v1::PRIORITY_MEDIUM, kOtherTenant);
  // Ties on created_at must still page without loss or repetition (ordered by id).
  Sql(dsn_, "UPDATE tasks SET created_at = '2030-01-01T00:00:00Z' WHERE id IN ('" + ids[3] + "','" +
                ids[4] + "','" + ids[5] + "','" + ids[6] + "','" + ids[7] + "')");
  for (int i = 20; i < 25; ++i) ASSERT_TRUE(repo_->RequestCancel(kTenant, ids[i], "").ok());
  const std::vector<std::string> expected =
      Sql(dsn_,
          "SELECT id::text FROM tasks WHERE tenant_id = 'tenant-a' "
          "ORDER BY created_at DESC, id DESC");

  std::vector<std::string> listed;
  std::vector<size_t> page_sizes;
  ListQuery query = Query(v1::TASK_STATE_UNSPECIFIED, 10);
  do {
    OCTO_ASSIGN_OR_FAIL(TaskPage page, repo_->List(kTenant, query));
    page_sizes.push_back(page.tasks.size());
    for (const auto& t : page.tasks) {
      listed.push_back(t.id());
      EXPECT_EQ(t.steps_size(), 0);
    }
    query.page_token = page.next_page_token;
  } while (!query.page_token.empty() && page_sizes.size() < 10);
  EXPECT_THAT(page_sizes, ElementsAre(10, 10, 5));
  EXPECT_EQ(listed, expected);

  OCTO_ASSIGN_OR_FAIL(TaskPage cancelled, repo_->List(kTenant, Query(v1::TASK_STATE_CANCELLED, 0)));
  std::vector<std::string> cancelled_ids;
  for (const auto& t : cancelled.tasks) cancelled_ids.push_back(t.id());
  EXPECT_THAT(cancelled_ids,
              UnorderedElementsAreArray(std::vector<std::string>(ids.begin() + 20, ids.end())));
  EXPECT_TRUE(cancelled.next_page_token.empty());

  ListQuery pending = Query(v1::TASK_STATE_PENDING, 10);
  OCTO_ASSIGN_OR_FAIL(TaskPage p1, repo_->List(kTenant, pending));
  ASSERT_EQ(p1.tasks.size(), 10u);
  ASSERT_FALSE(p1.next_page_token.empty());
  pending.page_token = p1.next_page_token;
  OCTO_ASSIGN_OR_FAIL(TaskPage p2, repo_->List(kTenant, pending));
  EXPECT_EQ(p2.tasks.size(), 10u);
  EXPECT_TRUE(p2.next_page_token.empty());
  for (const auto& t : p2.tasks) EXPECT_EQ(t.state(), v1::TASK_STATE_PENDING);
}

TEST_F(TaskRepositoryTest, ListClampsPageSize) {
  for (int i = 0; i < 3; ++i) Create("t");
  OCTO_ASSIGN_OR_FAIL(TaskPage page, repo_->List(kTenant, Query(v1::TASK_STATE_UNSPECIFIED, -5)));
  EXPECT_EQ(page.tasks.size(), 1u);
  OCTO_ASSIGN_OR_FAIL(TaskPage all,
                      repo_->List(kTenant, Query(v1::TASK_STATE_UNSPECIFIED, 100000)));
  EXPECT_EQ(all.tasks.size(), 3u);
}

TEST_F(TaskRepositoryTest, ListRejectsMalformedPageToken) {
  for (const std::string& token :
       {std::string("%%%"), absl::WebSafeBase64Escape("12,not-a-uuid"),
        absl::WebSafeBase64Escape("x,123e4567-e89b-12d3-a456-426614174000"),
        absl::WebSafeBase64Escape("just-text")}) {
    EXPECT_EQ(repo_->List(kTenant, Query(v1::TASK_STATE_UNSPECIFIED, 0, token)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << token;
  }
}

TEST_F(TaskRepositoryTest, ClaimTakesHigherPriorityFirst) {
  const std::string low = Create("low", v1::PRIORITY_LOW).id();
  const std::string medium = Create("medium", v1::PRIORITY_MEDIUM).id();
  const std::string critical = Create("critical", v1::PRIORITY_CRITICAL).id();
  const std::string high = Create("high", v1::PRIORITY_HIGH).id();
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) order.push_back(ClaimOne("worker").task.id());
  EXPECT_THAT(order, ElementsAre(critical, high, medium, low));
  OCTO_ASSIGN_OR_FAIL(auto none, repo_->Claim("worker", absl::Seconds(30), 10));
  EXPECT_THAT(none, IsEmpty());
}

TEST_F(TaskRepositoryTest, ClaimTakesOlderFirstWithinAPriority) {
  const std::string a = Create("a").id();
  const std::string b = Create("b").id();
  AgeTask(b, 5);  // same priority level after aging (0 levels for < 30 s)
  AgeTask(a, 2);
  OCTO_ASSIGN_OR_FAIL(auto claimed, repo_->Claim("worker", absl::Seconds(30), 2));
  EXPECT_THAT(Ids(claimed), ElementsAre(b, a));
}

TEST_F(TaskRepositoryTest, AgingLetsAnOldLowTaskBeatANewHighOne) {
  // 20 s of waiting is not enough to climb from LOW to HIGH...
  const std::string low = Create("low", v1::PRIORITY_LOW).id();
  AgeTask(low, 20);
  const std::string high1 = Create("high 1", v1::PRIORITY_HIGH).id();
  EXPECT_EQ(ClaimOne("worker").task.id(), high1);

  // ...but at one level per 30 s, 120 s lifts it above HIGH.
  AgeTask(low, 120);
  const std::string high2 = Create("high 2", v1::PRIORITY_HIGH).id();
  EXPECT_EQ(ClaimOne("worker").task.id(), low);
  EXPECT_EQ(ClaimOne("worker").task.id(), high2);
}

TEST_F(TaskRepositoryTest, ClaimMovesPendingToPlanningWithAnEvent) {
  const v1::Task task = Create("goal");
  OCTO_ASSIGN_OR_FAIL(int64_t pending_before, repo_->CountPending());
  EXPECT_EQ(pending_before, 1);

  ClaimedTask claimed = ClaimOne("worker-1");
  EXPECT_EQ(claimed.tenant_id, kTenant);
  EXPECT_FALSE(claimed.cancel_requested);
  EXPECT_EQ(claimed.task.id(), task.id());
  EXPECT_EQ(claimed.task.state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(claimed.task.last_event_seq(), 2);
  EXPECT_EQ(claimed.task.spec().goal(), "goal");
  EXPECT_EQ(Column(task.id(), "lease_owner"), "worker-1");

  OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, task.id(), 2, 10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), v1::TASK_EVENT_KIND_STATE_CHANGED);
  EXPECT_EQ(events[0].state(), v1::TASK_STATE_PLANNING);
  OCTO_ASSIGN_OR_FAIL(int64_t pending_after, repo_->CountPending());
  EXPECT_EQ(pending_after, 0);
}

TEST_F(TaskRepositoryTest, ClaimReturnsTheSubmittersTraceparent) {
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  v1::TaskSpec spec;
  spec.set_goal("traced");
  OCTO_ASSIGN_OR_FAIL(CreateResult created,
                      repo_->Create(NewTask{kTenant, "", spec, traceparent}));
  ClaimedTask claimed = ClaimOne("worker-1");
  EXPECT_EQ(claimed.task.id(), created.task.id());
  EXPECT_EQ(claimed.traceparent, traceparent);
}

TEST_F(TaskRepositoryTest, ConcurrentClaimersNeverShareATask) {
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
    EXPECT_EQ(Column(id, "lease_owner"), owners[0]);
  }
}

TEST_F(TaskRepositoryTest, ExpiredLeaseIsTakenOverWithCompletedSteps) {
  const v1::Task task = Create("goal");
  ClaimedTask first = ClaimOne("worker-a", absl::Milliseconds(300));
  v1::Step done = MakeStep("s1", v1::STEP_STATE_SUCCEEDED, "look it up");
  done.mutable_output()->set_text("found it");
  TaskUpdate update = Update(task.id(), "worker-a", v1::TASK_STATE_RUNNING);
  update.steps = {done, MakeStep("s2", v1::STEP_STATE_PENDING, "write it up")};
  OCTO_ASSERT_OK(repo_->Apply(update));

  // Still leased: nobody else gets it.
  OCTO_ASSIGN_OR_FAIL(auto nothing, repo_->Claim("worker-b", absl::Seconds(30), 5));
  EXPECT_THAT(nothing, IsEmpty());

  absl::SleepFor(absl::Milliseconds(400));
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
  OCTO_ASSIGN_OR_FAIL(RenewResult renew, repo_->Renew("worker-a", {task.id()}, absl::Seconds(30)));
  EXPECT_THAT(renew.lost, ElementsAre(task.id()));
}

TEST_F(TaskRepositoryTest, ApplyWithWrongOwnerIsAbortedAndChangesNothing) {
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

TEST_F(TaskRepositoryTest, ApplyRejectsInvalidUpdates) {
  const v1::Task task = Create("goal");
  ClaimOne("w");
  EXPECT_EQ(repo_->Apply(Update(task.id(), "w", v1::TASK_STATE_PENDING)).status().code(),
            absl::StatusCode::kInvalidArgument);
  TaskUpdate no_step_id = Update(task.id(), "w");
  no_step_id.steps = {MakeStep("", v1::STEP_STATE_PENDING, "x")};
  EXPECT_EQ(repo_->Apply(no_step_id).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TaskRepositoryTest, EventsAreGaplessAndReadableFromASequenceNumber) {
  const v1::Task task = Create("goal");
  ClaimOne("w");  // seq 2
  TaskUpdate plan = Update(task.id(), "w", v1::TASK_STATE_RUNNING);
  plan.steps = {MakeStep("s1", v1::STEP_STATE_RUNNING, "x")};
  plan.events = {Event(v1::TASK_EVENT_KIND_PLANNED), Event(v1::TASK_EVENT_KIND_STATE_CHANGED),
                 Event(v1::TASK_EVENT_KIND_STEP_STARTED, "s1")};
  OCTO_ASSIGN_OR_FAIL(v1::Task after_plan, repo_->Apply(plan));
  EXPECT_EQ(after_plan.last_event_seq(), 5);

  TaskUpdate step = Update(task.id(), "w");
  v1::TaskEvent failed = Event(v1::TASK_EVENT_KIND_STEP_FAILED, "s1");
  failed.set_step_state(v1::STEP_STATE_FAILED);
  failed.set_message("arm unreachable");
  failed.mutable_error()->set_reason(v1::ERROR_REASON_ARM_UNAVAILABLE);
  step.events = {failed, Event(v1::TASK_EVENT_KIND_STEP_RETRYING, "s1")};
  OCTO_ASSIGN_OR_FAIL(v1::Task after_step, repo_->Apply(step));
  EXPECT_EQ(after_step.last_event_seq(), 7);

  OCTO_ASSIGN_OR_FAIL(auto all, repo_->ReadEvents(kTenant, task.id(), 0, 0));
  EXPECT_THAT(Seqs(all), ElementsAre(1, 2, 3, 4, 5, 6, 7));
  for (const auto& e : all) {
    EXPECT_EQ(e.task_id(), task.id());
    EXPECT_GT(e.time().seconds(), 0);
  }
  EXPECT_EQ(all[2].kind(), v1::TASK_EVENT_KIND_PLANNED);
  EXPECT_EQ(all[2].state(), v1::TASK_STATE_RUNNING);  // the state after the update
  EXPECT_EQ(all[4].step_id(), "s1");
  EXPECT_EQ(all[5].step_state(), v1::STEP_STATE_FAILED);
  EXPECT_EQ(all[5].message(), "arm unreachable");
  EXPECT_EQ(all[5].error().reason(), v1::ERROR_REASON_ARM_UNAVAILABLE);
  EXPECT_FALSE(all[6].has_error());

  OCTO_ASSIGN_OR_FAIL(auto from4, repo_->ReadEvents(kTenant, task.id(), 4, 100));
  EXPECT_THAT(Seqs(from4), ElementsAre(4, 5, 6, 7));
  OCTO_ASSIGN_OR_FAIL(auto two, repo_->ReadEvents(kTenant, task.id(), 1, 2));
  EXPECT_THAT(Seqs(two), ElementsAre(1, 2));
  OCTO_ASSIGN_OR_FAIL(auto beyond, repo_->ReadEvents(kTenant, task.id(), 8, 100));
  EXPECT_THAT(beyond, IsEmpty());
}

TEST_F(TaskRepositoryTest, TerminalApplyReleasesLeaseAndSetsFinishedAt) {
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
  EXPECT_EQ(Column(task.id(), "lease_owner"), "<null>");
  EXPECT_EQ(Column(task.id(), "lease_expires_at"), "<null>");

  EXPECT_EQ(repo_->Apply(Update(task.id(), "w")).status().code(), absl::StatusCode::kAborted);
  OCTO_ASSIGN_OR_FAIL(auto claimed, repo_->Claim("other", absl::Seconds(30), 5));
  EXPECT_THAT(claimed, IsEmpty());
  OCTO_ASSIGN_OR_FAIL(RenewResult renew, repo_->Renew("w", {task.id()}, absl::Seconds(30)));
  EXPECT_THAT(renew.lost, ElementsAre(task.id()));
}

TEST_F(TaskRepositoryTest, StepsKeepThePlanOrderOfTheirFirstInsert) {
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

TEST_F(TaskRepositoryTest, RenewExtendsHeldLeasesAndReportsLostAndCancelled) {
  const v1::Task task = Create("goal");
  ClaimOne("w", absl::Milliseconds(300));
  OCTO_ASSIGN_OR_FAIL(RenewResult renewed, repo_->Renew("w", {task.id()}, absl::Seconds(60)));
  EXPECT_THAT(renewed.lost, IsEmpty());
  EXPECT_THAT(renewed.cancel_requested, IsEmpty());
  absl::SleepFor(absl::Milliseconds(400));
  OCTO_ASSIGN_OR_FAIL(auto nothing, repo_->Claim("thief", absl::Seconds(30), 5));
  EXPECT_THAT(nothing, IsEmpty());  // the renewed lease still holds

  OCTO_ASSERT_OK(repo_->RequestCancel(kTenant, task.id(), "changed my mind"));
  const std::string unknown = "123e4567-e89b-12d3-a456-426614174000";
  OCTO_ASSIGN_OR_FAIL(RenewResult after,
                      repo_->Renew("w", {task.id(), unknown, "garbage"}, absl::Seconds(60)));
  EXPECT_THAT(after.cancel_requested, ElementsAre(task.id()));
  EXPECT_THAT(after.lost, ElementsAre(unknown, "garbage"));

  OCTO_ASSIGN_OR_FAIL(RenewResult other, repo_->Renew("thief", {task.id()}, absl::Seconds(60)));
  EXPECT_THAT(other.lost, ElementsAre(task.id()));
}

TEST_F(TaskRepositoryTest, CancellingAPendingTaskFinishesIt) {
  const v1::Task task = Create("goal");
  OCTO_ASSIGN_OR_FAIL(v1::Task cancelled,
                      repo_->RequestCancel(kTenant, task.id(), "no longer needed"));
  EXPECT_EQ(cancelled.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_TRUE(cancelled.has_finished_at());
  EXPECT_EQ(cancelled.error().message(), "no longer needed");
  EXPECT_EQ(cancelled.last_event_seq(), 2);
  OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, task.id(), 2, 10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), v1::TASK_EVENT_KIND_STATE_CHANGED);
  EXPECT_EQ(events[0].state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(events[0].message(), "no longer needed");

  OCTO_ASSIGN_OR_FAIL(auto claimed, repo_->Claim("w", absl::Seconds(30), 5));
  EXPECT_THAT(claimed, IsEmpty());
  OCTO_ASSIGN_OR_FAIL(int64_t pending, repo_->CountPending());
  EXPECT_EQ(pending, 0);
}

TEST_F(TaskRepositoryTest, CancellingARunningTaskAsksTheLeaseOwner) {
  const v1::Task task = Create("goal");
  ClaimOne("w", absl::Milliseconds(300));
  OCTO_ASSIGN_OR_FAIL(v1::Task marked, repo_->RequestCancel(kTenant, task.id(), "stop"));
  EXPECT_EQ(marked.state(), v1::TASK_STATE_PLANNING);
  EXPECT_FALSE(marked.has_finished_at());
  EXPECT_EQ(marked.last_event_seq(), 3);
  OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, task.id(), 3, 10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), v1::TASK_EVENT_KIND_CANCEL_REQUESTED);
  EXPECT_EQ(events[0].state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(Column(task.id(), "cancel_requested"), "true");

  // Asking again adds nothing.
  OCTO_ASSIGN_OR_FAIL(v1::Task again, repo_->RequestCancel(kTenant, task.id(), "stop!"));
  EXPECT_EQ(again.last_event_seq(), 3);

  // A replica taking over an expired lease learns of the cancel.
  absl::SleepFor(absl::Milliseconds(400));
  ClaimedTask taken = ClaimOne("w2");
  EXPECT_EQ(taken.task.id(), task.id());
  EXPECT_TRUE(taken.cancel_requested);
}

TEST_F(TaskRepositoryTest, CancellingAFinishedTaskChangesNothing) {
  const v1::Task task = Create("goal");
  ClaimOne("w");
  OCTO_ASSIGN_OR_FAIL(v1::Task done, repo_->Apply(Update(task.id(), "w", v1::TASK_STATE_FAILED)));
  OCTO_ASSIGN_OR_FAIL(v1::Task after, repo_->RequestCancel(kTenant, task.id(), "too late"));
  EXPECT_EQ(after.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(after.last_event_seq(), done.last_event_seq());
  EXPECT_EQ(Column(task.id(), "cancel_requested"), "false");
}

TEST_F(TaskRepositoryTest, CountPendingCountsOnlyPendingTasks) {
  for (int i = 0; i < 5; ++i) Create("t");
  ClaimOne("w");
  OCTO_ASSIGN_OR_FAIL(int64_t pending, repo_->CountPending());
  EXPECT_EQ(pending, 4);
}

TEST_F(TaskRepositoryTest, ApplyManyStoresEachUpdateLikeApply) {
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
  EXPECT_EQ(Column(a.id(), "lease_owner"), "w");
  OCTO_ASSIGN_OR_FAIL(v1::Task got_b, repo_->Get(kTenant, b.id()));
  EXPECT_EQ(got_b.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(got_b.error().reason(), v1::ERROR_REASON_BUDGET_EXCEEDED);
  EXPECT_EQ(got_b.usage().total_tokens(), 77);
  EXPECT_TRUE(got_b.has_finished_at());
  EXPECT_EQ(Column(b.id(), "lease_owner"), "<null>");
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

TEST_F(TaskRepositoryTest, ApplyManyJudgesEachUpdateOnItsOwn) {
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

TEST_F(TaskRepositoryTest, ConcurrentApplyManyKeepsEventsGapless) {
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

TEST_F(TaskRepositoryTest, AnEventMaySayWhichStateItLeftTheTaskIn) {
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

TEST_F(TaskRepositoryTest, CreateCanClaimTheNewTaskAtOnce) {
  NewTask input{kTenant, "", Spec("mine at once"), ""};
  input.claim_owner = "w";
  input.lease = absl::Seconds(30);
  OCTO_ASSIGN_OR_FAIL(CreateResult created, repo_->Create(input));
  EXPECT_TRUE(created.created);
  EXPECT_TRUE(created.claimed);
  EXPECT_EQ(created.task.state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(created.task.last_event_seq(), 2);
  const std::string id = created.task.id();
  EXPECT_EQ(Column(id, "lease_owner"), "w");
  OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, id, 0, 0));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].state(), v1::TASK_STATE_PENDING);
  EXPECT_EQ(events[1].state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(events[1].kind(), v1::TASK_EVENT_KIND_STATE_CHANGED);
  // Nobody else can claim it, and its owner can write to it.
  OCTO_ASSIGN_OR_FAIL(auto others, repo_->Claim("x", absl::Seconds(30), 5));
  EXPECT_THAT(others, IsEmpty());
  OCTO_ASSERT_OK(repo_->Apply(Update(id, "w", v1::TASK_STATE_RUNNING)));
  OCTO_ASSIGN_OR_FAIL(int64_t pending, repo_->CountPending());
  EXPECT_EQ(pending, 0);

  // An idempotency hit returns the first task unclaimed by this call.
  NewTask first{kTenant, "k", Spec("queued"), ""};
  OCTO_ASSIGN_OR_FAIL(CreateResult queued, repo_->Create(first));
  EXPECT_FALSE(queued.claimed);
  NewTask again = first;
  again.claim_owner = "w";
  again.lease = absl::Seconds(30);
  OCTO_ASSIGN_OR_FAIL(CreateResult hit, repo_->Create(again));
  EXPECT_FALSE(hit.created);
  EXPECT_FALSE(hit.claimed);
  EXPECT_EQ(hit.task.state(), v1::TASK_STATE_PENDING);
  NewTask bad{kTenant, "", Spec("x"), ""};
  bad.claim_owner = "w";
  EXPECT_EQ(repo_->Create(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TaskRepositoryTest, ReadEventPageCarriesTheTasksState) {
  const v1::Task task = Create("goal");
  OCTO_ASSIGN_OR_FAIL(EventPage pending, repo_->ReadEventPage(kTenant, task.id(), 2, 10));
  EXPECT_THAT(pending.events, IsEmpty());
  EXPECT_EQ(pending.state, v1::TASK_STATE_PENDING);
  EXPECT_EQ(pending.last_event_seq, 1);
  ClaimOne("w");
  TaskUpdate done = Update(task.id(), "w", v1::TASK_STATE_SUCCEEDED);
  done.events = {Event(v1::TASK_EVENT_KIND_STATE_CHANGED)};
  OCTO_ASSERT_OK(repo_->Apply(done));
  OCTO_ASSIGN_OR_FAIL(EventPage page, repo_->ReadEventPage(kTenant, task.id(), 2, 10));
  EXPECT_THAT(Seqs(page.events), ElementsAre(2, 3));
  EXPECT_EQ(page.state, v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(page.last_event_seq, 3);
  OCTO_ASSIGN_OR_FAIL(EventPage beyond, repo_->ReadEventPage(kTenant, task.id(), 4, 10));
  EXPECT_THAT(beyond.events, IsEmpty());
  EXPECT_EQ(beyond.state, v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(repo_->ReadEventPage(kOtherTenant, task.id(), 1, 10).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(TaskRepositoryTest, ReleasedLeaseCanBeClaimedAtOnce) {
  const v1::Task task = Create("goal");
  const v1::Task other = Create("other");
  ClaimOne("w", absl::Minutes(5));
  ClaimOne("x", absl::Minutes(5));
  OCTO_ASSIGN_OR_FAIL(int released, repo_->Release("w", {task.id(), other.id(), "garbage"}));
  EXPECT_EQ(released, 1);  // only the lease "w" holds
  OCTO_ASSIGN_OR_FAIL(auto claimed, repo_->Claim("y", absl::Seconds(30), 5));
  EXPECT_THAT(Ids(claimed), ElementsAre(task.id()));
  EXPECT_EQ(claimed[0].task.state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(Column(other.id(), "lease_owner"), "x");
}

TEST_F(TaskRepositoryTest, ClaimedBatchComesInRankOrderWithOneEventEach) {
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

}  // namespace
}  // namespace octo::store
