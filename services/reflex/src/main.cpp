// octo-reflex: the ingress. Validates, authenticates, scans and redacts, serves cached
// results, forwards the rest to the orchestrator.
#include <memory>
#include <optional>

#include "octo/cache/lru_cache.h"
#include "octo/cache/redis_cache.h"
#include "octo/cache/tiered_cache.h"
#include "octo/common/log.h"
#include "octo/ratelimit/local_rate_limiter.h"
#include "octo/ratelimit/redis_rate_limiter.h"
#include "octo/rpc/channel.h"
#include "octo/rpc/process.h"
#include "octo/store/pg_pool.h"
#include "octo/store/tenant_repository.h"
#include "src/options.h"
#include "src/reflex_service.h"

int main(int argc, char** argv) {
  using octo::log::Fatal;
  octo::rpc::PrepareServerProcess();
  octo::reflex::Options config;
  octo::rpc::LoadOptionsOrExit({"octo-reflex", "Ingress: validation, result cache, forwarding."},
                               argc, argv, config);

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

  auto metrics = octo::rpc::MetricsEndpoint::StartOrExit(config.process);
  octo::rpc::ChannelOptions channel_options;
  channel_options.registry = &metrics.registry();
  channel_options.max_message_bytes = config.process.max_message_bytes;
  octo::reflex::ReflexMetrics reflex_metrics(metrics.registry());
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
  return octo::rpc::ServeOrExit("reflex", config.process.server(), {&service, &check}, metrics);
}
