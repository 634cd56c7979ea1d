// octo-orchestrator: durable task execution behind the reflex.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "octo/cache/redis_cache.h"
#include "octo/common/config.h"
#include "octo/common/log.h"
#include "octo/rpc/server.h"
#include "octo/store/migrations.h"
#include "octo/telemetry/metrics.h"
#include "src/replica.h"

namespace {

using octo::log::Fatal;

// Defaults are documented in README.md's configuration table.
struct Config {
  std::string listen = "127.0.0.1:50052";
  std::string metrics_listen = "127.0.0.1:9102";
  std::string database_url;  // required
  int database_pool = 16;
  std::string redis;  // empty: no result cache writes
  std::string arms;   // comma-separated gRPC targets
  int workers = 64;
  int claim_batch = 32;
  absl::Duration lease = absl::Seconds(30);
  absl::Duration poll_interval = absl::Seconds(1);
  absl::Duration step_timeout = absl::Seconds(60);
  int step_attempts = 3;
  absl::Duration retry_backoff = absl::Milliseconds(100);
  absl::Duration retry_max_backoff = absl::Seconds(5);
  int max_plan_steps = 16;
  absl::Duration start_write_delay = absl::Milliseconds(20);
  int max_in_flight_steps = 512;
  int breaker_failures = 5;
  absl::Duration breaker_open = absl::Seconds(5);
  absl::Duration arm_refresh = absl::Seconds(2);
  int write_flushers = 2;
  absl::Duration result_ttl = absl::Hours(1);
  bool migrate = true;
  bool migrate_only = false;
  absl::Duration drain_timeout = absl::Seconds(20);
  std::string log_level = "info";
};

void Require(bool ok, const char* setting, const char* why) {
  if (!ok) Fatal(absl::InvalidArgumentError(absl::StrCat(setting, ": ", why)));
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
  binder.Bind("claim_batch", "OCTO_CLAIM_BATCH", &config.claim_batch,
              "most tasks taken by one claim");
  binder.Bind("lease", "OCTO_LEASE", &config.lease, "task lease length");
  binder.Bind("poll_interval", "OCTO_POLL_INTERVAL", &config.poll_interval,
              "queue polling when no NOTIFY arrives");
  binder.Bind("step_timeout", "OCTO_STEP_TIMEOUT", &config.step_timeout,
              "deadline of one arm call (shortened to the task's deadline)");
  binder.Bind("step_attempts", "OCTO_STEP_ATTEMPTS", &config.step_attempts,
              "attempts per step on retryable errors");
  binder.Bind("retry_backoff", "OCTO_RETRY_BACKOFF", &config.retry_backoff,
              "first retry delay cap; doubles per attempt, full jitter");
  binder.Bind("retry_max_backoff", "OCTO_RETRY_MAX_BACKOFF", &config.retry_max_backoff,
              "largest retry delay");
  binder.Bind("max_plan_steps", "OCTO_MAX_PLAN_STEPS", &config.max_plan_steps,
              "most steps a plan may have");
  binder.Bind("start_write_delay", "OCTO_START_WRITE_DELAY", &config.start_write_delay,
              "how long a step's start may wait to be stored with what follows (0: before "
              "the call)");
  binder.Bind("max_in_flight_steps", "OCTO_MAX_IN_FLIGHT_STEPS", &config.max_in_flight_steps,
              "arm calls in flight from this replica");
  binder.Bind("breaker_failures", "OCTO_BREAKER_FAILURES", &config.breaker_failures,
              "consecutive failures that open an arm endpoint's circuit");
  binder.Bind("breaker_open", "OCTO_BREAKER_OPEN", &config.breaker_open,
              "how long an open circuit refuses calls before a probe");
  binder.Bind("arm_refresh", "OCTO_ARM_REFRESH", &config.arm_refresh,
              "health check and Describe interval per arm endpoint");
  binder.Bind("write_flushers", "OCTO_WRITE_FLUSHERS", &config.write_flushers,
              "group commits written at once");
  binder.Bind("result_ttl", "OCTO_RESULT_TTL", &config.result_ttl, "result cache entry lifetime");
  binder.Bind("migrate", "OCTO_MIGRATE", &config.migrate, "apply migrations at start-up");
  binder.Bind("migrate_only", "OCTO_MIGRATE_ONLY", &config.migrate_only,
              "apply migrations and exit");
  binder.Bind("drain_timeout", "OCTO_DRAIN_TIMEOUT", &config.drain_timeout,
              "grace period for in-flight calls on SIGTERM");
  binder.Bind("log_level", "OCTO_LOG_LEVEL", &config.log_level, "debug | info | warn | error");
  binder.ParseOrExit(argc, argv);

  octo::log::InitOrExit("orchestrator", config.log_level);
  Require(!config.database_url.empty(), "database_url (OCTO_DATABASE_URL)", "required");
  Require(config.database_pool >= 4, "database_pool", "must be >= 4");
  Require(config.workers >= 1, "workers", "must be >= 1");
  Require(config.claim_batch >= 1, "claim_batch", "must be >= 1");
  Require(config.step_attempts >= 1, "step_attempts", "must be >= 1");
  Require(config.lease >= absl::Seconds(1), "lease", "must be >= 1s");
  Require(config.poll_interval > absl::ZeroDuration(), "poll_interval", "must be > 0");
  Require(config.step_timeout > absl::ZeroDuration(), "step_timeout", "must be > 0");
  Require(config.retry_backoff >= absl::ZeroDuration(), "retry_backoff", "must be >= 0");
  Require(config.retry_max_backoff >= config.retry_backoff, "retry_max_backoff",
          "must be >= retry_backoff");
  Require(config.max_plan_steps >= 1, "max_plan_steps", "must be >= 1");
  Require(config.start_write_delay >= absl::ZeroDuration(), "start_write_delay", "must be >= 0");
  Require(config.max_in_flight_steps >= 1, "max_in_flight_steps", "must be >= 1");
  Require(config.breaker_failures >= 1, "breaker_failures", "must be >= 1");
  Require(config.breaker_open > absl::ZeroDuration(), "breaker_open", "must be > 0");
  Require(config.arm_refresh > absl::ZeroDuration(), "arm_refresh", "must be > 0");
  Require(config.write_flushers >= 1, "write_flushers", "must be >= 1");

  if (config.migrate || config.migrate_only) {
    auto applied =
        octo::store::ApplyMigrations(config.database_url, octo::store::EmbeddedMigrations());
    if (!applied.ok()) Fatal(applied.status());
    octo::log::Info("migrations applied", {{"versions", absl::StrJoin(*applied, ",")}});
    if (config.migrate_only) return 0;
  }

  std::unique_ptr<octo::cache::Cache> result_cache;
  if (!config.redis.empty()) {
    auto redis = octo::cache::ParseRedisAddress(config.redis);
    if (!redis.ok()) Fatal(redis.status());
    result_cache = octo::cache::NewRedisCache(*redis);
  }

  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics = octo::telemetry::StartMetricsServer(config.metrics_listen, registry);
  if (!metrics.ok()) Fatal(metrics.status());

  octo::orchestrator::ReplicaOptions options;
  options.listen = config.listen;
  options.drain_timeout = config.drain_timeout;
  options.arms.endpoints = absl::StrSplit(config.arms, ',', absl::SkipWhitespace());
  options.arms.refresh_interval = config.arm_refresh;
  options.arms.max_in_flight = config.max_in_flight_steps;
  options.arms.breaker.failure_threshold = config.breaker_failures;
  options.arms.breaker.open_for = config.breaker_open;
  options.engine.max_tasks = config.workers;
  options.engine.claim_batch = config.claim_batch;
  options.engine.lease = config.lease;
  options.engine.poll_interval = config.poll_interval;
  options.engine.run.step_timeout = config.step_timeout;
  options.engine.run.retry.max_attempts = config.step_attempts;
  options.engine.run.retry.initial_backoff = config.retry_backoff;
  options.engine.run.retry.max_backoff = config.retry_max_backoff;
  options.engine.run.max_plan_steps = config.max_plan_steps;
  options.engine.run.start_write_delay = config.start_write_delay;
  options.engine.run.result_ttl = config.result_ttl;
  options.writer.flushers = config.write_flushers;
  auto backend = octo::orchestrator::OpenPostgresBackend(config.database_url, config.database_pool);
  if (!backend.ok()) Fatal(backend.status());
  auto replica = octo::orchestrator::Replica::Start(options, *std::move(backend),
                                                    std::move(result_cache), registry);
  if (!replica.ok()) Fatal(replica.status());
  octo::log::Info("orchestrator serving", {{"grpc_port", absl::StrCat((*replica)->port())},
                                           {"metrics_port", absl::StrCat((*metrics)->port())},
                                           {"owner", (*replica)->owner()}});
  octo::rpc::WaitForShutdownSignal();
  (*replica)->Shutdown();
  octo::log::Info("orchestrator stopped");
  return 0;
}
