// One orchestrator replica, wired: Postgres pool and LISTEN connection, arm registry, group
// commit writer, engine, and the gRPC services. main.cpp builds it from config; tests build
// several in one process.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "octo/cache/cache.h"
#include "octo/rpc/server.h"
#include "octo/store/notification_listener.h"
#include "octo/store/task_repository.h"
#include "prometheus/registry.h"
#include "src/arm_registry.h"
#include "src/engine.h"
#include "src/event_hub.h"
#include "src/operations_service.h"
#include "src/task_service.h"
#include "src/task_writer.h"

namespace octo::orchestrator {

struct ReplicaOptions {
  // gRPC address; port 0 picks a free one (see Replica::port).
  std::string listen = "127.0.0.1:0";
  // Postgres DSN (required) and connections kept open. Default 16.
  std::string database_url;
  int database_pool = 16;
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
  // Connects, waits (up to 5 s) for the first health check of the arms, then starts claiming
  // and serving. `result_cache` may be null. UNAVAILABLE when Postgres cannot be reached or
  // the address cannot be bound; INVALID_ARGUMENT for an empty database_url.
  static absl::StatusOr<std::unique_ptr<Replica>> Start(
      ReplicaOptions options, std::unique_ptr<cache::Cache> result_cache,
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
  std::unique_ptr<store::TaskRepository> tasks_;
  std::unique_ptr<cache::Cache> result_cache_;
  std::unique_ptr<EventHub> hub_;
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
