#include "src/rate_limits.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace octo::reflex {
namespace {

absl::StatusOr<ratelimit::BucketConfig> ParseBucket(absl::string_view text,
                                                    absl::string_view where) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  ratelimit::BucketConfig bucket;
  if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &bucket.capacity) ||
      !absl::SimpleAtod(parts[1], &bucket.refill_per_second)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rate_limits: ", where, ": expected CAPACITY/PER_SECOND, got \"", text, "\""));
  }
  if (auto status = ratelimit::ValidateBucketConfig(bucket); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("rate_limits: ", where, ": ", status.message()));
  }
  return bucket;
}

}  // namespace

absl::StatusOr<RateLimitTiers> RateLimitTiers::Parse(absl::string_view spec) {
  RateLimitTiers tiers;
  for (absl::string_view tier_spec : absl::StrSplit(spec, ';', absl::SkipWhitespace())) {
    std::vector<absl::string_view> name_rest = absl::StrSplit(tier_spec, absl::MaxSplits(':', 1));
    if (name_rest.size() != 2 || name_rest[0].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("rate_limits: expected TIER:key=C/R,tenant=C/R, got \"", tier_spec, "\""));
    }
    const std::string name(absl::StripAsciiWhitespace(name_rest[0]));
    TierLimits limits;
    bool has_key = false, has_tenant = false;
    for (absl::string_view item : absl::StrSplit(name_rest[1], ',', absl::SkipWhitespace())) {
      item = absl::StripAsciiWhitespace(item);
      if (absl::ConsumePrefix(&item, "key=")) {
        auto bucket = ParseBucket(item, absl::StrCat(name, " key"));
        if (!bucket.ok()) return bucket.status();
        limits.key = *bucket;
        has_key = true;
      } else if (absl::ConsumePrefix(&item, "tenant=")) {
        auto bucket = ParseBucket(item, absl::StrCat(name, " tenant"));
        if (!bucket.ok()) return bucket.status();
        limits.tenant = *bucket;
        has_tenant = true;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("rate_limits: ", name, ": unknown item \"", item, "\""));
      }
    }
    if (!has_key || !has_tenant) {
      return absl::InvalidArgumentError(
          absl::StrCat("rate_limits: ", name, ": needs both key= and tenant="));
    }
    tiers.tiers_[name] = limits;
  }
  if (!tiers.tiers_.contains("standard")) {
    return absl::InvalidArgumentError("rate_limits: the \"standard\" tier is required");
  }
  return tiers;
}

const TierLimits& RateLimitTiers::For(absl::string_view tier) const {
  auto it = tiers_.find(tier);
  return it != tiers_.end() ? it->second : tiers_.at("standard");
}

}  // namespace octo::reflex
