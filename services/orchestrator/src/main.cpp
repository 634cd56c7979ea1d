// octo-orchestrator: durable task execution behind the reflex.
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "octo/cache/redis_cache.h"
#include "octo/common/config.h"
#include "octo/common/log.h"
#include "octo/rpc/server.h"
#include "octo/store/migrations.h"
#include "octo/store/notification_listener.h"
#include "octo/store/pg_pool.h"
#include "octo/telemetry/metrics.h"
#include "src/arm_registry.h"
#include "src/engine.h"
#include "src/event_hub.h"
#include "src/operations_service.h"
#include "src/task_service.h"

namespace {

struct Config {
  std::string listen = "127.0.0.1:50052";
  std::string metrics_listen = "127.0.0.1:9102";
  std::string database_url;  // required
  int database_pool = 16;
  std::string redis;         // empty: no result cache writes
  std::string arms;          // comma-separated gRPC targets
  int workers = 8;
  absl::Duration lease = absl::Seconds(30);
  absl::Duration poll_interval = absl::Seconds(1);
  absl::Duration step_timeout = absl::Seconds(60);
  int step_attempts = 3;
  absl::Duration result_ttl = absl::Hours(1);
  bool migrate = true;
  bool migrate_only = false;
  absl::Duration drain_timeout = absl::Seconds(20);
  std::string log_level = "info";
};

[[noreturn]] void Fatal(const absl::Status& status) {
  octo::log::Error("fatal", {{"error", status.ToString()}});
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  octo::rpc::PrepareServerProcess();
  Config config;
  octo::common::ConfigBinder binder("octo-orchestrator",
                                    "Runs tasks durably: Postgres queue, plans, arms.");
  binder.Bind("listen", "OCTO_ORCHESTRATOR_LISTEN", &config.listen, "gRPC listen address");
  binder.Bind("metrics_listen", "OCTO_ORCHESTRATOR_METRICS_LISTEN", &config.metrics_listen,
              "Prometheus /metrics address");
  binder.Bind("database_url", "OCTO_DATABASE_URL", &config.database_url, "Postgres DSN (required)");
  binder.Bind("database_pool", "OCTO_DATABASE_POOL", &config.database_pool, "Postgres connections");
  binder.Bind("redis", "OCTO_REDIS_ADDR", &config.redis,
              "Redis host:port for the result cache (empty: none)");
  binder.Bind("arms", "OCTO_ARMS", &config.arms, "comma-separated arm gRPC targets");
  binder.Bind("workers", "OCTO_WORKERS", &config.workers, "tasks run at once by this replica");
  binder.Bind("lease", "OCTO_LEASE", &config.lease, "task lease length");
  binder.Bind("poll_interval", "OCTO_POLL_INTERVAL", &config.poll_interval,
              "queue polling when no NOTIFY arrives");
  binder.Bind("step_timeout", "OCTO_STEP_TIMEOUT", &config.step_timeout, "deadline of one arm call");
  binder.Bind("step_attempts", "OCTO_STEP_ATTEMPTS", &config.step_attempts,
              "attempts per step on retryable errors");
  binder.Bind("result_ttl", "OCTO_RESULT_TTL", &config.result_ttl, "result cache entry lifetime");
  binder.Bind("migrate", "OCTO_MIGRATE", &config.migrate, "apply migrations at start-up");
  binder.Bind("migrate_only", "OCTO_MIGRATE_ONLY", &config.migrate_only,
              "apply migrations and exit");
  binder.Bind("drain_timeout", "OCTO_DRAIN_TIMEOUT", &config.drain_timeout,
              "grace period for in-flight calls on SIGTERM");
  binder.Bind("log_level", "OCTO_LOG_LEVEL", &config.log_level, "debug | info | warn | error");
  binder.ParseOrExit(argc, argv);

  octo::log::Level level;
  if (!octo::log::ParseLevel(config.log_level, &level)) {
    Fatal(absl::InvalidArgumentError("log_level: expected debug, info, warn or error"));
  }
  octo::log::Init("orchestrator", level);
  if (config.database_url.empty()) {
    Fatal(absl::InvalidArgumentError("database_url (OCTO_DATABASE_URL): required"));
  }
  if (config.workers < 1) Fatal(absl::InvalidArgumentError("workers: must be >= 1"));
  if (config.step_attempts < 1) Fatal(absl::InvalidArgumentError("step_attempts: must be >= 1"));
  if (config.lease < absl::Seconds(1)) Fatal(absl::InvalidArgumentError("lease: must be >= 1s"));

  if (config.migrate || config.migrate_only) {
    auto applied = octo::store::ApplyMigrations(config.database_url,
                                                octo::store::EmbeddedMigrations());
    if (!applied.ok()) Fatal(applied.status());
    octo::log::Info("migrations applied", {{"versions", absl::StrJoin(*applied, ",")}});
    if (config.migrate_only) return 0;
  }

  auto pool = octo::store::OpenPgPool({config.database_url, config.database_pool});
  if (!pool.ok()) Fatal(pool.status());
  auto tasks = octo::store::NewPgTaskRepository(*pool);
  if (!tasks.ok()) Fatal(tasks.status());

  std::unique_ptr<octo::cache::Cache> result_cache;
  if (!config.redis.empty()) {
    auto redis = octo::cache::ParseRedisAddress(config.redis);
    if (!redis.ok()) Fatal(redis.status());
    result_cache = octo::cache::NewRedisCache(*redis);
  }

  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics = octo::telemetry::StartMetricsServer(config.metrics_listen, registry);
  if (!metrics.ok()) Fatal(metrics.status());

  octo::orchestrator::ArmRegistryOptions arm_options;
  arm_options.endpoints = absl::StrSplit(config.arms, ',', absl::SkipWhitespace());
  octo::orchestrator::ArmRegistry arms(arm_options, registry.get());

  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  absl::BitGen gen;
  octo::orchestrator::EngineOptions engine_options;
  engine_options.owner =
      absl::StrCat(host, ":", getpid(), ":", absl::Hex(absl::Uniform<uint32_t>(gen)));
  engine_options.workers = config.workers;
  engine_options.lease = config.lease;
  engine_options.poll_interval = config.poll_interval;
  engine_options.step_timeout = config.step_timeout;
  engine_options.step_attempts = config.step_attempts;
  engine_options.result_ttl = config.result_ttl;
  octo::orchestrator::EventHub hub;
  octo::orchestrator::Engine engine(engine_options, **tasks, arms, result_cache.get(), hub,
                                    *registry);

  auto listener = octo::store::StartNotificationListener(
      config.database_url,
      {octo::store::kTaskReadyChannel, octo::store::kTaskEventChannel,
       octo::store::kTaskCancelChannel},
      [&](absl::string_view channel, absl::string_view payload) {
        if (channel == octo::store::kTaskEventChannel) {
          hub.Notify(payload);
        } else if (channel == octo::store::kTaskReadyChannel) {
          engine.Wake();
        } else if (channel == octo::store::kTaskCancelChannel) {
          engine.CancelLocal(std::string(payload));
        } else {  // reconnected: anything may have been missed
          hub.NotifyAll();
          engine.Wake();
        }
      });
  if (!listener.ok()) Fatal(listener.status());

  octo::orchestrator::TaskService task_service(**tasks, engine, hub);
  octo::orchestrator::OperationsService operations(arms);
  octo::rpc::ServerOptions server_options;
  server_options.listen = config.listen;
  server_options.drain_timeout = config.drain_timeout;
  server_options.max_sync_threads = 256;
  auto server =
      octo::rpc::ServerHost::Start(server_options, {&task_service, &operations}, *registry);
  if (!server.ok()) Fatal(server.status());
  engine.Start();
  octo::log::Info("orchestrator serving", {{"grpc_port", absl::StrCat((*server)->port())},
                                           {"metrics_port", absl::StrCat((*metrics)->port())},
                                           {"owner", engine_options.owner}});
  octo::rpc::WaitForShutdownSignal();
  (*server)->Shutdown();
  engine.Stop();
  octo::log::Info("orchestrator stopped");
  return 0;
}
