// Private to octo::store and its tests: the in-memory TaskRepository behind
// NewInMemoryTaskRepository, with the few inspection hooks its contract tests use where the
// Postgres tests read or write rows with SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "octo/common/clock.h"
#include "octo/store/task_repository.h"
#include "octo/v1/task.pb.h"

namespace octo::store::detail {

// One stored task.
struct MemoryTask {
  std::string tenant_id;
  std::string traceparent;
  v1::Priority priority = v1::PRIORITY_MEDIUM;
  int64_t number = 0;  // creation order: ranks tasks created in the same microsecond
  v1::Task task;       // with steps in plan order; times as stored
  std::optional<std::string> lease_owner;  // set exactly while lease_expires_at is
  std::optional<absl::Time> lease_expires_at;
  bool cancel_requested = false;
  std::vector<v1::TaskEvent> events;  // events[i].seq() == i + 1
};

class MemoryTaskRepository final : public TaskRepository {
 public:
  // `clock` must outlive the repository.
  explicit MemoryTaskRepository(common::Clock& clock) : clock_(clock) {}

  absl::StatusOr<CreateResult> Create(const NewTask& task) override;
  absl::StatusOr<v1::Task> Get(absl::string_view tenant_id, absl::string_view task_id) override;
  absl::StatusOr<TaskPage> List(absl::string_view tenant_id, const ListQuery& query) override;
  absl::StatusOr<std::vector<v1::TaskEvent>> ReadEvents(absl::string_view tenant_id,
                                                        absl::string_view task_id, int64_t from_seq,
                                                        int limit) override;
  absl::StatusOr<EventPage> ReadEventPage(absl::string_view tenant_id, absl::string_view task_id,
                                          int64_t from_seq, int limit) override;
  absl::StatusOr<std::vector<ClaimedTask>> Claim(absl::string_view owner, absl::Duration lease,
                                                 int max) override;
  absl::StatusOr<RenewResult> Renew(absl::string_view owner,
                                    const std::vector<std::string>& task_ids,
                                    absl::Duration lease) override;
  absl::StatusOr<v1::Task> Apply(const TaskUpdate& update) override;
  absl::StatusOr<std::vector<absl::StatusOr<AppliedUpdate>>> ApplyMany(
      const std::vector<TaskUpdate>& updates) override;
  absl::StatusOr<int> Release(absl::string_view owner,
                              const std::vector<std::string>& task_ids) override;
  absl::StatusOr<v1::Task> RequestCancel(absl::string_view tenant_id, absl::string_view task_id,
                                         absl::string_view reason) override;
  absl::StatusOr<int64_t> CountPending() override;

  // For tests: what the store keeps about a task beyond what the interface returns.
  struct Inspection {
    v1::Priority priority = v1::PRIORITY_UNSPECIFIED;  // as stored: never UNSPECIFIED
    std::optional<std::string> lease_owner;
    std::optional<absl::Time> lease_expires_at;
    bool cancel_requested = false;
  };
  // nullopt for an unknown task.
  std::optional<Inspection> Inspect(absl::string_view task_id);
  // For tests: moves the task's creation time (which ages it and places it in List order), as
  // tasks created at `created_at` would be. False for an unknown task.
  bool SetCreatedAt(absl::string_view task_id, absl::Time created_at);
  // For tests: tasks and events stored, over all tenants.
  int64_t TaskCount();
  int64_t EventCount();

 private:
  // The clock's time at the precision Postgres keeps (microseconds).
  absl::Time Now();
  std::string NewTaskIdLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The task with id `task_id` (any case); null when unknown or not a UUID.
  MemoryTask* FindLocked(absl::string_view task_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // As FindLocked, and null for another tenant's task.
  MemoryTask* FindForTenantLocked(absl::string_view tenant_id, absl::string_view task_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  common::Clock& clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, MemoryTask> tasks_ ABSL_GUARDED_BY(mu_);  // by lower-case id
  // (tenant_id, idempotency_key) → task id.
  absl::flat_hash_map<std::pair<std::string, std::string>, std::string> by_key_
      ABSL_GUARDED_BY(mu_);
  int64_t created_ ABSL_GUARDED_BY(mu_) = 0;
  absl::BitGen random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace octo::store::detail
