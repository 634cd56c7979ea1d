// Private to octo::store: the Postgres TaskRepository behind NewPgTaskRepository. Its methods
// live with their kind of work: pg_task_reads.cpp (tasks, lists, events), pg_task_writes.cpp
// (create, updates under lease, cancel), pg_task_claims.cpp (claims and leases).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/store/pg_pool.h"
#include "octo/store/task_repository.h"
#include "octo/v1/task.pb.h"

namespace octo::store::detail {

class PgTaskRepository final : public TaskRepository {
 public:
  explicit PgTaskRepository(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  absl::StatusOr<CreateResult> Create(const NewTask& input) override;
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

 private:
  std::shared_ptr<PgPool> pool_;
};

}  // namespace octo::store::detail
