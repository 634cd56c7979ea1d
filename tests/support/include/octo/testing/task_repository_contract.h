// The TaskRepository contract as tests that every adapter must pass. An adapter's test binary
// links octo::task_repository_contract and instantiates the suite with its harness:
//
//   INSTANTIATE_TEST_SUITE_P(Memory, TaskRepositoryContractTest,
//                            ::testing::Values(TaskRepositoryAdapter{"Memory", &MakeHarness}),
//                            TaskRepositoryAdapterName);
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "octo/store/task_repository.h"
#include "octo/v1/task.pb.h"

namespace octo::testing {

// What a store keeps about a task beyond what TaskRepository returns.
struct StoredTaskState {
  int priority = 0;  // v1::Priority as stored
  std::optional<std::string> lease_owner;
  bool has_lease_expiry = false;
  bool cancel_requested = false;
};

// One adapter under test on a fresh, empty store, with the few things the contract tests need
// besides the interface: letting time pass, backdating tasks, and reading what the store keeps
// (which the Postgres adapter's harness does with SQL).
class TaskRepositoryHarness {
 public:
  virtual ~TaskRepositoryHarness() = default;

  virtual store::TaskRepository& Repository() = 0;
  // Lets `duration` pass for the repository, so that leases run out (Postgres: sleeps; memory:
  // advances its ManualClock).
  virtual void LetTimePass(absl::Duration duration) = 0;
  // Makes task `id` look created `age` before now: it has aged, and lists further back.
  virtual void Backdate(const std::string& id, absl::Duration age) = 0;
  // Sets the creation time of the tasks `ids` to `created_at`.
  virtual void SetCreatedAt(const std::vector<std::string>& ids, absl::Time created_at) = 0;
  // What the store keeps about task `id`; records a failure for an unknown task.
  virtual StoredTaskState Stored(const std::string& id) = 0;
  // Tasks and events stored, over all tenants.
  virtual int64_t TaskCount() = 0;
  virtual int64_t EventCount() = 0;
};

// The parameter of the suite: an adapter's name (as in test names) and how to set it up.
struct TaskRepositoryAdapter {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<TaskRepositoryHarness>>()> make;
};

std::string TaskRepositoryAdapterName(const ::testing::TestParamInfo<TaskRepositoryAdapter>& info);
void PrintTo(const TaskRepositoryAdapter& adapter, std::ostream* os);

class TaskRepositoryContractTest : public ::testing::TestWithParam<TaskRepositoryAdapter> {
 protected:
  static constexpr char kTenant[] = "tenant-a";
  static constexpr char kOtherTenant[] = "tenant-b";

  void SetUp() override;

  // Creates a task; records a failure and returns an empty task if that fails.
  v1::Task Create(const std::string& goal, v1::Priority priority = v1::PRIORITY_MEDIUM,
                  const std::string& tenant = kTenant);
  // Claims exactly one task for `owner`; records a failure otherwise.
  store::ClaimedTask ClaimOne(const std::string& owner, absl::Duration lease = absl::Seconds(30));
  StoredTaskState Stored(const std::string& id) { return harness_->Stored(id); }
  // Checks that a Claim by `owner` of up to `max` tasks (30 s lease) takes none.
  void ExpectNothingToClaim(const std::string& owner, int max = 5);
  // Checks that CountPending counts `n` tasks.
  void ExpectPending(int64_t n);
  // Checks that renewing task `id` for `owner` reports its lease lost.
  void ExpectLeaseLost(const std::string& owner, const std::string& id);

  std::unique_ptr<TaskRepositoryHarness> harness_;
  store::TaskRepository* repo_ = nullptr;  // harness_'s
};

}  // namespace octo::testing
