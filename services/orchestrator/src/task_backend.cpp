#include "src/task_backend.h"

#include "octo/store/pg_pool.h"
#include "octo/store/tenant_repository.h"

namespace octo::orchestrator {

absl::StatusOr<TaskBackend> OpenPostgresBackend(const std::string& database_url, int pool_size) {
  if (database_url.empty()) return absl::InvalidArgumentError("database_url is empty");
  auto pool = store::OpenPgPool({database_url, pool_size});
  if (!pool.ok()) return pool.status();
  auto tasks = store::NewPgTaskRepository(*pool);
  if (!tasks.ok()) return tasks.status();
  auto tenants = store::NewPgTenantRepository(*pool);
  if (!tenants.ok()) return tenants.status();
  TaskBackend backend;
  backend.tasks = *std::move(tasks);
  backend.redactions = [tenants = std::shared_ptr<store::TenantRepository>(*std::move(tenants))](
                           absl::string_view tenant_id) -> absl::StatusOr<std::string> {
    auto tenant = tenants->GetTenant(tenant_id);
    if (!tenant.ok()) return tenant.status();
    return tenant->redaction;
  };
  backend.listen = [database_url](store::NotificationListener::Callback on_notify) {
    return store::StartNotificationListener(
        database_url,
        {store::kTaskReadyChannel, store::kTaskEventChannel, store::kTaskCancelChannel},
        std::move(on_notify));
  };
  return backend;
}

}  // namespace octo::orchestrator
