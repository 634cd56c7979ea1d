// octo-orchestrator: durable task execution behind the reflex.
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "octo/cache/redis_cache.h"
#include "octo/common/log.h"
#include "octo/rpc/process.h"
#include "octo/store/migrations.h"
#include "src/options.h"
#include "src/replica.h"

int main(int argc, char** argv) {
  using octo::log::Fatal;
  octo::rpc::PrepareServerProcess();
  octo::orchestrator::Options config;
  octo::rpc::LoadOptionsOrExit(
      {"octo-orchestrator", "Runs tasks durably: Postgres queue, plans, arms."}, argc, argv,
      config);

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

  auto metrics = octo::rpc::MetricsEndpoint::StartOrExit(config.process);
  auto backend = octo::orchestrator::OpenPostgresBackend(config.database_url, config.database_pool);
  if (!backend.ok()) Fatal(backend.status());
  auto replica = octo::orchestrator::Replica::Start(config.replica(), *std::move(backend),
                                                    std::move(result_cache),
                                                    metrics.shared_registry());
  if (!replica.ok()) Fatal(replica.status());
  return octo::rpc::ServeUntilSignal("orchestrator",
                                     {{"grpc_port", absl::StrCat((*replica)->port())},
                                      {"metrics_port", absl::StrCat(metrics.port())},
                                      {"owner", (*replica)->owner()}},
                                     [&replica] { (*replica)->Shutdown(); });
}
