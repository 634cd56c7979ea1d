#include "bucket.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace octo::ratelimit {
namespace {

bool Positive(double value) { return std::isfinite(value) && value > 0; }

[[noreturn]] void Crash(const absl::Status& status) {
  std::fprintf(stderr, "octo::ratelimit: invalid request: %s\n", status.ToString().c_str());
  std::abort();
}

}  // namespace

absl::Status ValidateBucketConfig(const BucketConfig& config) {
  if (!Positive(config.capacity)) {
    return absl::InvalidArgumentError(
        absl::StrCat("capacity must be finite and > 0, not ", config.capacity));
  }
  if (!Positive(config.refill_per_second)) {
    return absl::InvalidArgumentError(
        absl::StrCat("refill_per_second must be finite and > 0, not ", config.refill_per_second));
  }
  return absl::OkStatus();
}

namespace detail {

absl::Duration WaitFor(const BucketConfig& config, double level, double cost) {
  if (cost > config.capacity) return absl::InfiniteDuration();
  // Half the slack absorbs rounding in level, so an exact wait is not reported 1 us longer.
  const double micros =
      std::ceil((cost - level - Slack(cost) / 2) * 1e6 / config.refill_per_second);
  if (micros > kMaxWaitMicros) return absl::InfiniteDuration();
  return absl::Microseconds(static_cast<int64_t>(std::max(micros, 1.0)));
}

void CheckRequests(std::span<const BucketRequest> requests) {
  if (requests.empty()) Crash(absl::InvalidArgumentError("no bucket requested"));
  for (const BucketRequest& request : requests) {
    if (absl::Status status = ValidateBucketConfig(request.config); !status.ok()) {
      Crash(status);
    }
    if (!std::isfinite(request.cost) || request.cost < 0) {
      Crash(absl::InvalidArgumentError(
          absl::StrCat("cost must be finite and >= 0, not ", request.cost)));
    }
  }
}

Requests MergeDuplicates(std::span<const BucketRequest> requests,
                         absl::InlinedVector<int, 2>* first_index) {
  Requests merged;
  first_index->clear();
  for (int i = 0; i < static_cast<int>(requests.size()); ++i) {
    const BucketRequest& request = requests[i];
    auto same = std::find_if(merged.begin(), merged.end(),
                             [&](const BucketRequest& m) { return m.key == request.key; });
    if (same != merged.end()) {
      same->cost += request.cost;
    } else {
      merged.push_back(request);
      first_index->push_back(i);
    }
  }
  return merged;
}

}  // namespace detail
}  // namespace octo::ratelimit
