// The in-memory TaskRepository: the shared contract tests (time moved by a ManualClock), and
// what is particular to it.
#include "octo/store/memory_task_repository.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "memory_task_repository_impl.h"
#include "octo/common/clock.h"
#include "octo/testing/status_macros.h"
#include "octo/testing/task_repository_contract.h"

namespace octo::store {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::octo::testing::StoredTaskState;
using ::octo::testing::TaskRepositoryAdapter;
using ::octo::testing::TaskRepositoryContractTest;
using ::octo::testing::TaskRepositoryHarness;

class MemoryHarness final : public TaskRepositoryHarness {
 public:
  static absl::StatusOr<std::unique_ptr<TaskRepositoryHarness>> Make() {
    return std::make_unique<MemoryHarness>();
  }

  TaskRepository& Repository() override { return repo_; }

  void LetTimePass(absl::Duration duration) override { clock_.Advance(duration); }

  void Backdate(const std::string& id, absl::Duration age) override {
    EXPECT_TRUE(repo_.SetCreatedAt(id, clock_.Now() - age)) << "no task " << id;
  }

  void SetCreatedAt(const std::vector<std::string>& ids, absl::Time created_at) override {
    for (const std::string& id : ids) {
      EXPECT_TRUE(repo_.SetCreatedAt(id, created_at)) << "no task " << id;
    }
  }

  StoredTaskState Stored(const std::string& id) override {
    auto inspected = repo_.Inspect(id);
    if (!inspected) {
      ADD_FAILURE() << "no task " << id;
      return {};
    }
    return StoredTaskState{.priority = inspected->priority,
                           .lease_owner = inspected->lease_owner,
                           .has_lease_expiry = inspected->lease_expires_at.has_value(),
                           .cancel_requested = inspected->cancel_requested};
  }

  int64_t TaskCount() override { return repo_.TaskCount(); }
  int64_t EventCount() override { return repo_.EventCount(); }

 private:
  common::ManualClock clock_;
  detail::MemoryTaskRepository repo_{clock_};
};

INSTANTIATE_TEST_SUITE_P(Memory, TaskRepositoryContractTest,
                         ::testing::Values(TaskRepositoryAdapter{"Memory", &MemoryHarness::Make}),
                         ::octo::testing::TaskRepositoryAdapterName);

NewTask Task(const std::string& goal) {
  NewTask task;
  task.tenant_id = "tenant-a";
  task.spec.set_goal(goal);
  return task;
}

TEST(NewInMemoryTaskRepository, TakesItsTimesFromTheClockInMicroseconds) {
  common::ManualClock clock(absl::FromUnixNanos(1'700'000'000'123'456'789));
  std::unique_ptr<TaskRepository> repo = NewInMemoryTaskRepository(clock);
  OCTO_ASSIGN_OR_FAIL(CreateResult created, repo->Create(Task("goal")));
  EXPECT_EQ(TimeUtil::TimestampToNanoseconds(created.task.created_at()), 1'700'000'000'123'456'000);

  clock.Advance(absl::Seconds(5));
  OCTO_ASSIGN_OR_FAIL(auto claimed, repo->Claim("w", absl::Seconds(1), 1));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(TimeUtil::TimestampToNanoseconds(claimed[0].task.updated_at()),
            1'700'000'005'123'456'000);
}

TEST(NewInMemoryTaskRepository, UsesTheWallClockByDefault) {
  std::unique_ptr<TaskRepository> repo = NewInMemoryTaskRepository();
  const absl::Time before = absl::Now();
  OCTO_ASSIGN_OR_FAIL(CreateResult created, repo->Create(Task("goal")));
  const absl::Time created_at =
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(created.task.created_at()));
  EXPECT_GE(created_at, absl::FromUnixMicros(absl::ToUnixMicros(before)));
  EXPECT_LE(created_at, absl::Now());
}

TEST(NewInMemoryTaskRepository, GivesTasksRandomVersion4Uuids) {
  std::unique_ptr<TaskRepository> repo = NewInMemoryTaskRepository();
  std::string last;
  for (int i = 0; i < 20; ++i) {
    OCTO_ASSIGN_OR_FAIL(CreateResult created, repo->Create(Task("goal")));
    const std::string& id = created.task.id();
    ASSERT_EQ(id.size(), 36u) << id;
    EXPECT_EQ(id[14], '4') << id;                                          // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant
    EXPECT_NE(id, last);
    last = id;
  }
}

}  // namespace
}  // namespace octo::store
