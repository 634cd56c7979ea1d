// In-process orchestrator replicas over a fresh task store (in memory, or a fresh Postgres
// database), clients with a tenant, and helpers to submit tasks and follow them.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "octo/v1/operations.grpc.pb.h"
#include "octo/v1/task_service.grpc.pb.h"
#include "prometheus/registry.h"
#include "src/replica.h"

namespace octo::orchestrator::testing {

inline constexpr char kTenant[] = "tenant-a";

// One replica with its own metrics registry and client stubs.
struct TestReplica {
  std::shared_ptr<prometheus::Registry> metrics;
  std::unique_ptr<Replica> replica;
  std::unique_ptr<v1::TaskService::Stub> tasks;
  std::unique_ptr<v1::Operations::Stub> operations;
};

// Where the replicas of one test keep their tasks (all replicas share the one store).
enum class TaskStore {
  // NewInMemoryTaskRepository: no notifications, so replicas and watchers poll.
  kMemory,
  // A fresh database on the shared test Postgres, migrated, with LISTEN/NOTIFY.
  kPostgres,
};

// OCTO_TEST_TASK_STORE: "postgres", or "memory" (the default when unset).
TaskStore TaskStoreFromEnvironment();

class OrchestratorTest : public ::testing::Test {
 protected:
  explicit OrchestratorTest(TaskStore store = TaskStoreFromEnvironment()) : store_(store) {}

  void SetUp() override;
  void TearDown() override;

  // Options that make tests quick: short polls and leases, fast arm refresh, small backoff.
  ReplicaOptions DefaultOptions(const std::vector<std::string>& arms) const;
  // Starts a replica on the test's database; `tweak` adjusts the options first.
  TestReplica& StartReplica(const std::vector<std::string>& arms,
                            const std::function<void(ReplicaOptions&)>& tweak = {},
                            std::unique_ptr<cache::Cache> result_cache = nullptr);

  // Calls with a 30 s deadline, as `tenant`.
  static std::unique_ptr<grpc::ClientContext> Context(const std::string& tenant = kTenant);
  absl::StatusOr<v1::SubmitTaskResponse> Submit(TestReplica& r, const v1::TaskSpec& spec,
                                                const std::string& tenant = kTenant,
                                                const std::string& idempotency_key = "");
  absl::StatusOr<v1::Task> Get(TestReplica& r, const std::string& id,
                               const std::string& tenant = kTenant);
  // Streams events from `from_seq` until the stream ends (terminal state) or `timeout`.
  absl::StatusOr<std::vector<v1::TaskEvent>> Watch(TestReplica& r, const std::string& id,
                                                   int64_t from_seq = 0,
                                                   absl::Duration timeout = absl::Seconds(30),
                                                   const std::string& tenant = kTenant);
  // Watches to the end, then returns the task.
  v1::Task RunToEnd(TestReplica& r, const std::string& id,
                    absl::Duration timeout = absl::Seconds(30));
  // Submits and runs to the end.
  v1::Task SubmitAndRun(TestReplica& r, const v1::TaskSpec& spec,
                        absl::Duration timeout = absl::Seconds(30));
  // A task run to its end, and the events it streamed on the way.
  struct WatchedRun {
    v1::Task task;
    std::vector<v1::TaskEvent> events;
  };
  // Submits, watches to the end, then gets the task; a failed call fails the test.
  WatchedRun SubmitAndWatch(TestReplica& r, const v1::TaskSpec& spec,
                            absl::Duration timeout = absl::Seconds(30));
  // Waits until the replica's registry sees every endpoint healthy.
  void WaitForArms(TestReplica& r, int healthy, absl::Duration timeout = absl::Seconds(10));

  const TaskStore store_;
  // kPostgres: the test's database.
  std::string dsn_;
  // kMemory: the repository every replica shares.
  std::shared_ptr<store::TaskRepository> memory_;
  std::vector<std::unique_ptr<TestReplica>> replicas_;
};

// The step with `id`, or a default step (and a test failure) when there is none.
const v1::Step& StepById(const v1::Task& task, const std::string& id);
std::vector<std::string> StepIds(const v1::Task& task);
v1::TaskSpec Spec(const std::string& goal, const std::vector<std::string>& capabilities = {});

}  // namespace octo::orchestrator::testing
