// Where a replica keeps its tasks: the repository and, when it has them, notifications of
// new, changed and cancelled tasks. Built by the composition root (main.cpp, tests).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "octo/store/notification_listener.h"
#include "octo/store/task_repository.h"
#include "src/run/step_guard.h"

namespace octo::orchestrator {

struct TaskBackend {
  // Shared: replicas in one process (tests) may keep their tasks in one repository.
  std::shared_ptr<store::TaskRepository> tasks;
  // Starts delivering the store's task notifications (store::kTask*Channel) to `on_notify`,
  // returning once they flow. Empty for a repository without notifications: the engine and
  // watchers then rely on polling alone (poll_interval, watch_poll).
  std::function<absl::StatusOr<std::unique_ptr<store::NotificationListener>>(
      store::NotificationListener::Callback on_notify)>
      listen;
  // The tenant's redaction strategy, for guarding arm outputs (see StepGuard). Empty: every
  // tenant's outputs are masked by type.
  RedactionLookup redactions;
};

// Postgres: a pool of `pool_size` connections to `database_url` and LISTEN on a connection of
// its own. UNAVAILABLE when Postgres cannot be reached; INVALID_ARGUMENT for an empty URL.
absl::StatusOr<TaskBackend> OpenPostgresBackend(const std::string& database_url, int pool_size);

}  // namespace octo::orchestrator
