#include "src/options.h"

namespace octo::reflex {

void Options::Bind(common::ConfigBinder& binder) {
  process.Bind(binder, {.env_prefix = "OCTO_REFLEX", .max_message_bytes = true});
  binder.Bind("orchestrator", "OCTO_ORCHESTRATOR_ADDR", &orchestrator, "orchestrator gRPC target");
  binder.Bind("redis", "OCTO_REDIS_ADDR", &redis, "Redis host:port for L2 (empty: L1 only)");
  binder.Bind("l1_max_mb", "OCTO_REFLEX_L1_MAX_MB", &l1_max_mb, "L1 cache size in MiB");
  binder.Bind("l1_ttl", "OCTO_REFLEX_L1_TTL", &l1_ttl, "L1 entry lifetime");
  binder.Bind("database_url", "OCTO_DATABASE_URL", &database_url,
              "Postgres DSN for API keys (empty: no keys can be checked)");
  binder.Bind("allow_anonymous", "OCTO_REFLEX_ALLOW_ANONYMOUS", &allow_anonymous,
              "accept calls without an API key as the anonymous tenant (development only)");
  binder.Bind("anonymous_tenant", "OCTO_REFLEX_ANONYMOUS_TENANT", &anonymous_tenant,
              "tenant of calls without an API key");
  binder.Bind("auth_cache_ttl", "OCTO_REFLEX_AUTH_CACHE_TTL", &auth_cache_ttl,
              "how long a checked API key is remembered (a revoked key works until then)");
  binder.Bind("rate_limits", "OCTO_REFLEX_RATE_LIMITS", &rate_limits,
              "token buckets per tier: TIER:key=BURST/PER_SECOND,tenant=BURST/PER_SECOND;...");
  binder.Bind("rate_limiting", "OCTO_REFLEX_RATE_LIMITING", &rate_limiting,
              "enforce rate limits on SubmitTask");
  binder.Bind("block_score", "OCTO_REFLEX_BLOCK_SCORE", &block_score,
              "prompt-injection score (0..1) at which requests are refused");
  binder.Bind("invalidation_channel", "OCTO_CACHE_INVALIDATION_CHANNEL", &invalidation_channel,
              "Redis pub/sub channel of cache invalidations");
}

absl::Status Options::Validate() const {
  using common::Require;
  for (absl::Status status : {
           Require(!anonymous_tenant.empty(), "anonymous_tenant", "must not be empty"),
           Require(block_score > 0 && block_score <= 1, "block_score", "must be in (0, 1]"),
           Require(l1_max_mb >= 1, "l1_max_mb", "must be >= 1"),
           Require(!database_url.empty() || allow_anonymous, "database_url (OCTO_DATABASE_URL)",
                   "required unless allow_anonymous is set"),
       }) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace octo::reflex
