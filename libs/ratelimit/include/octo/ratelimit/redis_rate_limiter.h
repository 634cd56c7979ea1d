// Token buckets in Redis, shared by every replica, with a local fallback during outages.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "octo/ratelimit/rate_limiter.h"
#include "octo/redis/options.h"

namespace octo::ratelimit {

// Each AcquireAll is one atomic Lua script (EVALSHA; loaded again after a Redis restart)
// timed by the Redis server's clock, so replicas' clocks do not matter. A bucket is a hash
// at options.key_prefix + key that expires once it would be full again; give the limiter a
// prefix of its own (e.g. "octo:rl:") when Redis also holds other data.
//
// Connections, timeouts and the breaker follow `options` as in redis::Pool: when Redis fails
// (connect error, timeout, error reply such as WRONGTYPE or BUSY) the call and every call for
// the next options.retry_after is decided by `fallback`, with `local` set; then one call
// probes Redis again, and decisions are shared again as soon as it answers. A call that finds
// every pooled connection busy for command_timeout also goes to `fallback`. While Redis is
// down every replica admits what its own fallback admits, so the cluster admits up to
// (replicas x capacity) in a burst. The first call sets SIGPIPE to SIG_IGN (see
// common::IgnoreSigpipe). Nothing connects before the first call.
//
// INVALID_ARGUMENT when `fallback` is null or pool_size < 1.
absl::StatusOr<std::unique_ptr<RateLimiter>> NewRedisRateLimiter(
    const redis::RedisOptions& options, std::unique_ptr<RateLimiter> fallback);

}  // namespace octo::ratelimit
