// Contract tests: creating, reading, listing and cancelling tasks, and the event history.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/time/civil_time.h"
#include "contract_util.h"
#include "google/protobuf/util/time_util.h"
#include "octo/testing/status_macros.h"
#include "octo/testing/task_repository_contract.h"

namespace octo::testing {
namespace {

using contract::Event;
using contract::MakeStep;
using contract::Query;
using contract::Seqs;
using contract::Spec;
using contract::Update;
using ::google::protobuf::util::TimeUtil;
using ::octo::store::ClaimedTask;
using ::octo::store::CreateResult;
using ::octo::store::EventPage;
using ::octo::store::ListQuery;
using ::octo::store::NewTask;
using ::octo::store::TaskPage;
using ::octo::store::TaskUpdate;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

TEST_P(TaskRepositoryContractTest, CreateThenGetRoundTrips) {
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

TEST_P(TaskRepositoryContractTest, UnspecifiedPriorityIsStoredAsMedium) {
  const v1::Task task = Create("goal", v1::PRIORITY_UNSPECIFIED);
  EXPECT_EQ(Stored(task.id()).priority, v1::PRIORITY_MEDIUM);
}

TEST_P(TaskRepositoryContractTest, SameIdempotencyKeyReturnsTheFirstTask) {
  OCTO_ASSIGN_OR_FAIL(CreateResult first, repo_->Create(NewTask{kTenant, "key-1", Spec("a"), ""}));
  OCTO_ASSIGN_OR_FAIL(CreateResult again, repo_->Create(NewTask{kTenant, "key-1", Spec("b"), ""}));
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.task.id(), first.task.id());
  EXPECT_EQ(again.task.spec().goal(), "a");

  // The key is per tenant; no key never matches.
  OCTO_ASSIGN_OR_FAIL(CreateResult other,
                      repo_->Create(NewTask{kOtherTenant, "key-1", Spec("a"), ""}));
  EXPECT_TRUE(other.created);
  EXPECT_NE(other.task.id(), first.task.id());
  OCTO_ASSIGN_OR_FAIL(CreateResult keyless1, repo_->Create(NewTask{kTenant, "", Spec("a"), ""}));
  OCTO_ASSIGN_OR_FAIL(CreateResult keyless2, repo_->Create(NewTask{kTenant, "", Spec("a"), ""}));
  EXPECT_NE(keyless1.task.id(), keyless2.task.id());
  EXPECT_EQ(harness_->TaskCount(), 4);
}

TEST_P(TaskRepositoryContractTest, ConcurrentCreatesWithSameKeyMakeOneTask) {
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
  EXPECT_EQ(harness_->TaskCount(), 1);
  EXPECT_EQ(harness_->EventCount(), 1);
}

TEST_P(TaskRepositoryContractTest, CreateRejectsEmptyTenant) {
  EXPECT_EQ(repo_->Create(NewTask{"", "", Spec("goal"), ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(TaskRepositoryContractTest, AnotherTenantsTaskIsNotFound) {
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

TEST_P(TaskRepositoryContractTest, MalformedOrUnknownIdIsNotFound) {
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

TEST_P(TaskRepositoryContractTest, ListPagesNewestFirstWithStateFilter) {
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) ids.push_back(Create("task " + std::to_string(i)).id());
  Create("someone else's", v1::PRIORITY_MEDIUM, kOtherTenant);
  // Ties on created_at must still page without loss or repetition (ordered by id).
  harness_->SetCreatedAt({ids[3], ids[4], ids[5], ids[6], ids[7]},
                         absl::FromCivil(absl::CivilSecond(2030, 1, 1), absl::UTCTimeZone()));
  for (int i = 20; i < 25; ++i) ASSERT_TRUE(repo_->RequestCancel(kTenant, ids[i], "").ok());
  // The tenant's tasks by (created_at, id) as stored, newest first.
  std::vector<std::pair<int64_t, std::string>> by_creation;
  for (const std::string& id : ids) {
    OCTO_ASSIGN_OR_FAIL(v1::Task task, repo_->Get(kTenant, id));
    by_creation.emplace_back(TimeUtil::TimestampToMicroseconds(task.created_at()), task.id());
  }
  std::sort(by_creation.rbegin(), by_creation.rend());
  std::vector<std::string> expected;
  for (const auto& [created_us, id] : by_creation) expected.push_back(id);
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

TEST_P(TaskRepositoryContractTest, ListClampsPageSize) {
  for (int i = 0; i < 3; ++i) Create("t");
  OCTO_ASSIGN_OR_FAIL(TaskPage page, repo_->List(kTenant, Query(v1::TASK_STATE_UNSPECIFIED, -5)));
  EXPECT_EQ(page.tasks.size(), 1u);
  OCTO_ASSIGN_OR_FAIL(TaskPage all,
                      repo_->List(kTenant, Query(v1::TASK_STATE_UNSPECIFIED, 100000)));
  EXPECT_EQ(all.tasks.size(), 3u);
}

TEST_P(TaskRepositoryContractTest, ListRejectsMalformedPageToken) {
  for (const std::string& token :
       {std::string("%%%"), absl::WebSafeBase64Escape("12,not-a-uuid"),
        absl::WebSafeBase64Escape("x,123e4567-e89b-12d3-a456-426614174000"),
        absl::WebSafeBase64Escape("just-text")}) {
    EXPECT_EQ(repo_->List(kTenant, Query(v1::TASK_STATE_UNSPECIFIED, 0, token)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << token;
  }
}

TEST_P(TaskRepositoryContractTest, EventsAreGaplessAndReadableFromASequenceNumber) {
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

TEST_P(TaskRepositoryContractTest, CancellingAPendingTaskFinishesIt) {
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

  ExpectNothingToClaim("w");
  ExpectPending(0);
}

TEST_P(TaskRepositoryContractTest, CancellingARunningTaskAsksTheLeaseOwner) {
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
  EXPECT_TRUE(Stored(task.id()).cancel_requested);

  // Asking again adds nothing.
  OCTO_ASSIGN_OR_FAIL(v1::Task again, repo_->RequestCancel(kTenant, task.id(), "stop!"));
  EXPECT_EQ(again.last_event_seq(), 3);

  // A replica taking over an expired lease learns of the cancel.
  harness_->LetTimePass(absl::Milliseconds(400));
  ClaimedTask taken = ClaimOne("w2");
  EXPECT_EQ(taken.task.id(), task.id());
  EXPECT_TRUE(taken.cancel_requested);
}

TEST_P(TaskRepositoryContractTest, CancellingAFinishedTaskChangesNothing) {
  const v1::Task task = Create("goal");
  ClaimOne("w");
  OCTO_ASSIGN_OR_FAIL(v1::Task done, repo_->Apply(Update(task.id(), "w", v1::TASK_STATE_FAILED)));
  OCTO_ASSIGN_OR_FAIL(v1::Task after, repo_->RequestCancel(kTenant, task.id(), "too late"));
  EXPECT_EQ(after.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(after.last_event_seq(), done.last_event_seq());
  EXPECT_FALSE(Stored(task.id()).cancel_requested);
}

TEST_P(TaskRepositoryContractTest, CountPendingCountsOnlyPendingTasks) {
  for (int i = 0; i < 5; ++i) Create("t");
  ClaimOne("w");
  ExpectPending(4);
}

// `input` asking Create to claim the task it creates at once, for `owner` with `lease`.
NewTask ClaimingAtOnce(NewTask input, const std::string& owner,
                       absl::Duration lease = absl::Seconds(30)) {
  input.claim_owner = owner;
  input.lease = lease;
  return input;
}

TEST_P(TaskRepositoryContractTest, CreateCanClaimTheNewTaskAtOnce) {
  OCTO_ASSIGN_OR_FAIL(CreateResult created,
                      repo_->Create(ClaimingAtOnce({kTenant, "", Spec("mine at once"), ""}, "w")));
  EXPECT_TRUE(created.created);
  EXPECT_TRUE(created.claimed);
  EXPECT_EQ(created.task.state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(created.task.last_event_seq(), 2);
  const std::string id = created.task.id();
  EXPECT_EQ(Stored(id).lease_owner, "w");
  OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, id, 0, 0));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].state(), v1::TASK_STATE_PENDING);
  EXPECT_EQ(events[1].state(), v1::TASK_STATE_PLANNING);
  EXPECT_EQ(events[1].kind(), v1::TASK_EVENT_KIND_STATE_CHANGED);
  // Nobody else can claim it, and its owner can write to it.
  ExpectNothingToClaim("x");
  OCTO_ASSERT_OK(repo_->Apply(Update(id, "w", v1::TASK_STATE_RUNNING)));
  ExpectPending(0);

  // An idempotency hit returns the first task unclaimed by this call.
  NewTask first{kTenant, "k", Spec("queued"), ""};
  OCTO_ASSIGN_OR_FAIL(CreateResult queued, repo_->Create(first));
  EXPECT_FALSE(queued.claimed);
  OCTO_ASSIGN_OR_FAIL(CreateResult hit, repo_->Create(ClaimingAtOnce(first, "w")));
  EXPECT_FALSE(hit.created);
  EXPECT_FALSE(hit.claimed);
  EXPECT_EQ(hit.task.state(), v1::TASK_STATE_PENDING);
  // A claim without a lease is refused.
  const NewTask bad = ClaimingAtOnce({kTenant, "", Spec("x"), ""}, "w", absl::ZeroDuration());
  EXPECT_EQ(repo_->Create(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(TaskRepositoryContractTest, ReadEventPageCarriesTheTasksState) {
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

TEST_P(TaskRepositoryContractTest, CreateRejectsAnUnknownPriority) {
  EXPECT_EQ(repo_->Create(NewTask{kTenant, "", Spec("goal", static_cast<v1::Priority>(9)), ""})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(harness_->TaskCount(), 0);
}

TEST_P(TaskRepositoryContractTest, IdsMatchInAnyCase) {
  const v1::Task task = Create("goal");
  EXPECT_EQ(task.id(), absl::AsciiStrToLower(task.id()));
  const std::string upper = absl::AsciiStrToUpper(task.id());
  OCTO_ASSIGN_OR_FAIL(v1::Task got, repo_->Get(kTenant, upper));
  EXPECT_EQ(got.id(), task.id());
  OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, upper, 1, 10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].task_id(), task.id());
  OCTO_ASSIGN_OR_FAIL(v1::Task cancelled, repo_->RequestCancel(kTenant, upper, "stop"));
  EXPECT_EQ(cancelled.state(), v1::TASK_STATE_CANCELLED);
}

TEST_P(TaskRepositoryContractTest, ReadEventsReturnsAtMostAThousand) {
  const v1::Task task = Create("goal");
  ClaimOne("w");
  TaskUpdate busy = Update(task.id(), "w");
  busy.events.assign(1005, Event(v1::TASK_EVENT_KIND_STEP_STARTED, "s"));
  OCTO_ASSIGN_OR_FAIL(auto applied, repo_->ApplyMany({busy}));
  ASSERT_TRUE(applied[0].ok()) << applied[0].status();
  EXPECT_EQ(applied[0]->last_event_seq, 1007);

  for (int limit : {0, -1, 1001, 5000}) {
    OCTO_ASSIGN_OR_FAIL(auto events, repo_->ReadEvents(kTenant, task.id(), 1, limit));
    ASSERT_EQ(events.size(), 1000u) << limit;
    EXPECT_EQ(events.front().seq(), 1);
    EXPECT_EQ(events.back().seq(), 1000);
  }
  OCTO_ASSIGN_OR_FAIL(auto rest, repo_->ReadEvents(kTenant, task.id(), 1001, 0));
  EXPECT_THAT(Seqs(rest), ElementsAre(1001, 1002, 1003, 1004, 1005, 1006, 1007));
  OCTO_ASSIGN_OR_FAIL(EventPage page, repo_->ReadEventPage(kTenant, task.id(), -3, 3));
  EXPECT_THAT(Seqs(page.events), ElementsAre(1, 2, 3));
  EXPECT_EQ(page.last_event_seq, 1007);
  EXPECT_EQ(page.state, v1::TASK_STATE_PLANNING);
}

}  // namespace
}  // namespace octo::testing
