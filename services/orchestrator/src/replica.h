// One orchestrator replica, wired: its task backend, arm registry, group commit writer,
// engine, event hub and the gRPC services. main.cpp builds it from config and the Postgres
// backend; tests build several in one process.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "octo/cache/cache.h"
#include "octo/rpc/server.h"
#include "octo/store/notification_listener.h"
#include "octo/store/task_repository.h"
#include "src/task_backend.h"
#include "prometheus/registry.h"
#include "src/routing/arm_registry.h"
#include "src/queue/engine.h"
#include "src/journal/event_hub.h"
#include "src/api/operations_service.h"
#include "src/api/task_service.h"
#include "src/run/step_guard.h"
#include "src/run/task_writer.h"

namespace octo::orchestrator {

struct ReplicaOptions {
  // gRPC address; port 0 picks a free one (see Replica::port).
  std::string listen = "127.0.0.1:0";
  // Grace period for in-flight calls on Shutdown. Default 20 s.
  absl::Duration drain_timeout = absl::Seconds(20);
  // Threads serving synchronous calls (WatchTask streams hold one each). Default 256.
  int max_sync_threads = 256;
  ArmRegistryOptions arms;
  // engine.run.owner: empty picks host:pid:random.
  EngineOptions engine;
  TaskWriterOptions writer;
  TaskServiceOptions task_service;
};

class Replica {
 public:
  // Starts the backend's notifications, waits (up to 5 s) for the first health check of the
  // arms, then starts claiming and serving. `result_cache` may be null. UNAVAILABLE when the
  // notifications cannot be started or the address cannot be bound; INVALID_ARGUMENT for a
  // backend without repository.
  static absl::StatusOr<std::unique_ptr<Replica>> Start(
      ReplicaOptions options, TaskBackend backend, std::unique_ptr<cache::Cache> result_cache,
      std::shared_ptr<prometheus::Registry> metrics);
  // Shuts down first if that was not done.
  ~Replica();

  int port() const { return server_->port(); }
  const std::string& owner() const { return owner_; }
  // Stops serving (draining calls for drain_timeout), then stops the engine, which gives
  // its leases back. Idempotent.
  void Shutdown();

  ArmRegistry& arms() { return *arms_; }
  Engine& engine() { return *engine_; }

 private:
  Replica() = default;

  std::string owner_;
  std::shared_ptr<prometheus::Registry> metrics_;
  std::shared_ptr<store::TaskRepository> tasks_;
  std::unique_ptr<cache::Cache> result_cache_;
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<StepGuard> guard_;
  std::unique_ptr<TaskWriter> writer_;
  std::unique_ptr<ArmRegistry> arms_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<store::NotificationListener> listener_;
  std::unique_ptr<TaskService> task_service_;
  std::unique_ptr<OperationsService> operations_;
  std::unique_ptr<rpc::ServerHost> server_;
  bool shut_down_ = false;
};

}  // namespace octo::orchestrator
