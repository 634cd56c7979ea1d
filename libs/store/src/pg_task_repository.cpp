#include "pg_task_repository.h"

#include <memory>
#include <utility>

#include "octo/store/pg_pool.h"

namespace octo::store {

absl::StatusOr<std::unique_ptr<TaskRepository>> NewPgTaskRepository(std::shared_ptr<PgPool> pool) {
  if (pool == nullptr) return absl::InvalidArgumentError("pool is null");
  return std::make_unique<detail::PgTaskRepository>(std::move(pool));
}

}  // namespace octo::store
