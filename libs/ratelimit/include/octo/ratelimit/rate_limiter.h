// Token-bucket rate limiting: the interface shared by the in-process and the Redis limiters.
#pragma once

#include <span>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace octo::ratelimit {

// A bucket holds up to `capacity` tokens (the burst) and gains `refill_per_second` tokens
// per second until full. A bucket nobody has used yet is full. Both must be finite and > 0.
struct BucketConfig {
  double capacity = 0;
  double refill_per_second = 0;
};

// OK, or INVALID_ARGUMENT naming the field that is not finite and > 0. For validating tier
// settings once at start-up: the limiters crash on an invalid config.
absl::Status ValidateBucketConfig(const BucketConfig& config);

// Take `cost` tokens (finite, >= 0; 0 only checks) from the bucket named `key` (any bytes).
// `config` is the bucket's config from this call on, including for the refill since the
// previous call, so a key may change tier between calls. `key` is not owned.
struct BucketRequest {
  absl::string_view key;
  BucketConfig config;
  double cost = 1;
};

struct Decision {
  // True when the cost was taken from every requested bucket; false when from none.
  bool allowed = false;
  // Zero when allowed. Otherwise the wait, rounded up to the microsecond, after which the
  // same request would be allowed if nobody else took tokens meanwhile (the longest over the
  // requested buckets); InfiniteDuration when a cost exceeds its bucket's capacity.
  absl::Duration retry_after = absl::ZeroDuration();
  // Tokens left in the emptiest requested bucket, after taking the cost when allowed.
  double remaining = 0;
  // When rejected, the index in the request of the bucket that set retry_after; -1 when
  // allowed.
  int limited_by = -1;
  // True when an in-process bucket decided, not one shared with the other replicas (the
  // local limiter, or the Redis limiter's fallback while Redis is unreachable).
  bool local = false;
};

// Implementations are thread-safe and never fail: a limiter whose backend is down decides
// with a local fallback instead.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Takes every request's cost from its bucket, or nothing if any bucket lacks the tokens
  // (atomically: concurrent callers never see one bucket taken and the other not). A key
  // given twice takes the sum of its costs, with its first config. `requests` must not be
  // empty; an invalid config or cost is a bug and crashes.
  virtual Decision AcquireAll(std::span<const BucketRequest> requests) = 0;

  // One bucket: AcquireAll of a single request.
  Decision Acquire(absl::string_view key, const BucketConfig& config, double cost = 1) {
    const BucketRequest request{key, config, cost};
    return AcquireAll(std::span<const BucketRequest>(&request, 1));
  }
};

}  // namespace octo::ratelimit
