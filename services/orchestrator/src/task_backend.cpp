#include "src/task_backend.h"

#include "octo/store/pg_pool.h"

namespace octo::orchestrator {

absl::StatusOr<TaskBackend> OpenPostgresBackend(const std::string& database_url, int pool_size) {
  if (database_url.empty()) return absl::InvalidArgumentError("database_url is empty");
  auto pool = store::OpenPgPool({database_url, pool_size});
  if (!pool.ok()) return pool.status();
  auto tasks = store::NewPgTaskRepository(*pool);
  if (!tasks.ok()) return tasks.status();
  TaskBackend backend;
  backend.tasks = *std::move(tasks);
  backend.listen = [database_url](store::NotificationListener::Callback on_notify) {
    return store::StartNotificationListener(
        database_url,
        {store::kTaskReadyChannel, store::kTaskEventChannel, store::kTaskCancelChannel},
        std::move(on_notify));
  };
  return backend;
}

}  // namespace octo::orchestrator
