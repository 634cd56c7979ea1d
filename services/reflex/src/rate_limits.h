// Rate-limit tiers: token buckets per API key and per tenant, chosen by the tenant's tier.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "octo/ratelimit/rate_limiter.h"

namespace octo::reflex {

struct TierLimits {
  ratelimit::BucketConfig key;     // each API key of the tenant
  ratelimit::BucketConfig tenant;  // all of the tenant's keys together
};

// Tier name → limits. Always has "standard", which unknown tiers use.
class RateLimitTiers {
 public:
  // Parses "standard:key=100/50,tenant=1000/500;gold:key=1000/500,tenant=10000/5000":
  // per tier, bucket capacity (burst) / refill per second. INVALID_ARGUMENT naming the
  // problem; a spec without "standard" is refused.
  static absl::StatusOr<RateLimitTiers> Parse(absl::string_view spec);

  const TierLimits& For(absl::string_view tier) const;

 private:
  absl::flat_hash_map<std::string, TierLimits> tiers_;
};

}  // namespace octo::reflex
