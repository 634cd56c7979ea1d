// Token buckets kept in process memory: for a single replica, and the Redis limiter's fallback.
#pragma once

#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"
#include "octo/common/clock.h"
#include "octo/ratelimit/rate_limiter.h"

namespace octo::ratelimit {

struct LocalLimiterOptions {
  // Most buckets kept. A full bucket is forgotten first (nothing is lost: an unknown key
  // starts full); when none is full, the buckets nearest to full are, which lets their keys
  // take early the tokens they were missing. Default 100000.
  size_t max_keys = 100'000;
  // Independently locked parts of the map; at most max_keys. Default 16.
  int shards = 16;
};

// Decisions always have `local` set.
class LocalRateLimiter : public RateLimiter {
 public:
  // Buckets currently kept, at most max_keys plus the keys of AcquireAll calls that name
  // more keys in one shard than it holds.
  virtual size_t size() = 0;
};

// INVALID_ARGUMENT naming the option when max_keys or shards is < 1. `clock` must outlive
// the limiter.
absl::StatusOr<std::unique_ptr<LocalRateLimiter>> NewLocalRateLimiter(
    const LocalLimiterOptions& options = {}, common::Clock& clock = common::MonotonicClock());

}  // namespace octo::ratelimit
