// octo-reflex: the ingress. Validates, authenticates, scans and redacts, serves cached
// results, forwards the rest to the orchestrator.
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "octo/cache/lru_cache.h"
#include "octo/cache/redis_cache.h"
#include "octo/cache/tiered_cache.h"
#include "octo/common/config.h"
#include "octo/common/log.h"
#include "octo/ratelimit/local_rate_limiter.h"
#include "octo/ratelimit/redis_rate_limiter.h"
#include "octo/rpc/channel.h"
#include "octo/rpc/server.h"
#include "octo/store/pg_pool.h"
#include "octo/store/tenant_repository.h"
#include "octo/telemetry/metrics.h"
#include "src/reflex_service.h"

namespace {

using octo::log::Fatal;

struct Config {
  std::string listen = "127.0.0.1:50051";
  std::string metrics_listen = "127.0.0.1:9101";
  std::string orchestrator = "dns:///127.0.0.1:50052";
  std::string redis;  // empty: L1 only
  int l1_max_mb = 16;
  absl::Duration auth_cache_ttl = absl::Seconds(30);
  absl::Duration l1_ttl = absl::Seconds(60);
  std::string database_url;  // API keys; empty: only anonymous calls (if allowed)
  bool allow_anonymous = false;
  std::string anonymous_tenant = "dev";
  double block_score = 0.5;
  std::string rate_limits = "standard:key=100/50,tenant=1000/500";
  bool rate_limiting = true;
  std::string invalidation_channel = "octo:cache:invalidate";
  int max_message_bytes = 1 << 20;
  absl::Duration drain_timeout = absl::Seconds(20);
  std::string log_level = "info";
};

}  // namespace

int main(int argc, char** argv) {
  octo::rpc::PrepareServerProcess();
  Config config;
  octo::common::ConfigBinder binder("octo-reflex",
                                    "Ingress: validation, result cache, forwarding.");
  binder.Bind("listen", "OCTO_REFLEX_LISTEN", &config.listen, "gRPC listen address");
  binder.Bind("metrics_listen", "OCTO_REFLEX_METRICS_LISTEN", &config.metrics_listen,
              "Prometheus /metrics address");
  binder.Bind("orchestrator", "OCTO_ORCHESTRATOR_ADDR", &config.orchestrator,
              "orchestrator gRPC target");
  binder.Bind("redis", "OCTO_REDIS_ADDR", &config.redis, "Redis host:port for L2 (empty: L1 only)");
  binder.Bind("l1_max_mb", "OCTO_REFLEX_L1_MAX_MB", &config.l1_max_mb, "L1 cache size in MiB");
  binder.Bind("l1_ttl", "OCTO_REFLEX_L1_TTL", &config.l1_ttl, "L1 entry lifetime");
  binder.Bind("database_url", "OCTO_DATABASE_URL", &config.database_url,
              "Postgres DSN for API keys (empty: no keys can be checked)");
  binder.Bind("allow_anonymous", "OCTO_REFLEX_ALLOW_ANONYMOUS", &config.allow_anonymous,
              "accept calls without an API key as the anonymous tenant (development only)");
  binder.Bind("anonymous_tenant", "OCTO_REFLEX_ANONYMOUS_TENANT", &config.anonymous_tenant,
              "tenant of calls without an API key");
  binder.Bind("auth_cache_ttl", "OCTO_REFLEX_AUTH_CACHE_TTL", &config.auth_cache_ttl,
              "how long a checked API key is remembered (a revoked key works until then)");
  binder.Bind("rate_limits", "OCTO_REFLEX_RATE_LIMITS", &config.rate_limits,
              "token buckets per tier: TIER:key=BURST/PER_SECOND,tenant=BURST/PER_SECOND;...");
  binder.Bind("rate_limiting", "OCTO_REFLEX_RATE_LIMITING", &config.rate_limiting,
              "enforce rate limits on SubmitTask");
  binder.Bind("block_score", "OCTO_REFLEX_BLOCK_SCORE", &config.block_score,
              "prompt-injection score (0..1) at which requests are refused");
  binder.Bind("invalidation_channel", "OCTO_CACHE_INVALIDATION_CHANNEL",
              &config.invalidation_channel, "Redis pub/sub channel of cache invalidations");
  binder.Bind("max_message_bytes", "OCTO_MAX_MESSAGE_BYTES", &config.max_message_bytes,
              "largest gRPC message accepted");
  binder.Bind("drain_timeout", "OCTO_DRAIN_TIMEOUT", &config.drain_timeout,
              "grace period for in-flight calls on SIGTERM");
  binder.Bind("log_level", "OCTO_LOG_LEVEL", &config.log_level, "debug | info | warn | error");
  binder.ParseOrExit(argc, argv);

  octo::log::InitOrExit("reflex", config.log_level);
  if (config.anonymous_tenant.empty()) {
    Fatal(absl::InvalidArgumentError("anonymous_tenant: must not be empty"));
  }
  if (!(config.block_score > 0 && config.block_score <= 1)) {
    Fatal(absl::InvalidArgumentError("block_score: must be in (0, 1]"));
  }
  if (config.l1_max_mb < 1) Fatal(absl::InvalidArgumentError("l1_max_mb: must be >= 1"));

  octo::cache::LruOptions l1_options;
  l1_options.max_bytes = static_cast<size_t>(config.l1_max_mb) << 20;
  std::unique_ptr<octo::cache::Cache> l2;
  std::optional<octo::cache::RedisOptions> redis;
  if (!config.redis.empty()) {
    auto parsed = octo::cache::ParseRedisAddress(config.redis);
    if (!parsed.ok()) Fatal(parsed.status());
    redis = *parsed;
    l2 = octo::cache::NewRedisCache(*redis);
  } else {
    // Without Redis the L2 level is a second, empty in-process cache that never fills.
    l2 = octo::cache::NewLruCache({.max_bytes = 1, .shards = 1, .clock = {}});
  }
  octo::cache::TieredCache cache(octo::cache::NewLruCache(l1_options), std::move(l2),
                                 {.l1_ttl = config.l1_ttl});

  std::unique_ptr<octo::store::TenantRepository> tenants;
  if (!config.database_url.empty()) {
    auto pool = octo::store::OpenPgPool({.dsn = config.database_url, .size = 2});
    if (!pool.ok()) Fatal(pool.status());
    auto repo = octo::store::NewPgTenantRepository(*pool);
    if (!repo.ok()) Fatal(repo.status());
    tenants = *std::move(repo);
  } else if (!config.allow_anonymous) {
    Fatal(absl::InvalidArgumentError(
        "database_url (OCTO_DATABASE_URL): required unless allow_anonymous is set"));
  }
  octo::reflex::Authenticator auth(tenants.get(),
                                   {.allow_anonymous = config.allow_anonymous,
                                    .anonymous_tenant = config.anonymous_tenant,
                                    .cache_ttl = config.auth_cache_ttl});
  const octo::reflex::Scanner scanner;

  auto tiers = octo::reflex::RateLimitTiers::Parse(config.rate_limits);
  if (!tiers.ok()) Fatal(tiers.status());
  std::unique_ptr<octo::ratelimit::RateLimiter> limiter;
  if (config.rate_limiting) {
    auto local = octo::ratelimit::NewLocalRateLimiter();
    if (!local.ok()) Fatal(local.status());
    if (redis.has_value()) {
      octo::cache::RedisOptions limiter_redis = *redis;
      limiter_redis.key_prefix = "octo:rl:";
      auto shared = octo::ratelimit::NewRedisRateLimiter(limiter_redis, *std::move(local));
      if (!shared.ok()) Fatal(shared.status());
      limiter = *std::move(shared);
    } else {
      limiter = *std::move(local);
    }
  }
  const octo::reflex::RateLimiting limits{limiter.get(), *std::move(tiers)};

  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics = octo::telemetry::StartMetricsServer(config.metrics_listen, registry);
  if (!metrics.ok()) Fatal(metrics.status());

  octo::rpc::ChannelOptions channel_options;
  channel_options.registry = registry.get();
  channel_options.max_message_bytes = config.max_message_bytes;
  octo::reflex::ReflexMetrics reflex_metrics(*registry);
  // Another replica (or an operator) dropped a result: forget it here too.
  std::unique_ptr<octo::cache::Subscription> invalidations;
  if (redis.has_value()) {
    invalidations = octo::cache::SubscribeInvalidations(
        *redis, config.invalidation_channel, [&cache, &reflex_metrics](absl::string_view key) {
          cache.EraseLocal(key);
          reflex_metrics.invalidations.Increment();
        });
  }

  const octo::reflex::ReflexOptions options{.block_score = static_cast<float>(config.block_score)};
  octo::reflex::ReflexService service(octo::rpc::MakeChannel(config.orchestrator, channel_options),
                                      auth, limits, scanner, &cache, options, reflex_metrics);
  octo::reflex::ReflexCheckService check(auth, scanner, options, reflex_metrics);

  octo::rpc::ServerOptions server_options;
  server_options.listen = config.listen;
  server_options.max_message_bytes = config.max_message_bytes;
  server_options.drain_timeout = config.drain_timeout;
  auto server = octo::rpc::ServerHost::Start(server_options, {&service, &check}, *registry);
  if (!server.ok()) Fatal(server.status());
  octo::log::Info("reflex serving", {{"grpc_port", absl::StrCat((*server)->port())},
                                     {"metrics_port", absl::StrCat((*metrics)->port())}});
  octo::rpc::WaitForShutdownSignal();
  (*server)->Shutdown();
  octo::log::Info("reflex stopped");
  return 0;
}
