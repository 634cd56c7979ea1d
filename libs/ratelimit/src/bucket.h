// Private: token-bucket arithmetic and request checks shared by both limiters. The Lua
// script in redis_rate_limiter.cpp repeats the arithmetic; keep the two in step.
#pragma once

#include <algorithm>
#include <span>

#include "absl/container/inlined_vector.h"
#include "absl/time/time.h"
#include "octo/ratelimit/rate_limiter.h"

namespace octo::ratelimit::detail {

// Tokens a bucket may lack and still pay `cost`, absorbing floating-point rounding so that
// waiting exactly retry_after is always enough.
inline double Slack(double cost) { return 1e-9 * std::max(1.0, cost); }

inline bool CanPay(double level, double cost) { return level + Slack(cost) >= cost; }

// Waits longer than this many microseconds (about 31 years) are reported as never.
inline constexpr double kMaxWaitMicros = 1e15;

// Time until a bucket holding `level` tokens can pay `cost`, rounded up to the microsecond;
// InfiniteDuration when cost > capacity. `level` must be short of `cost`.
absl::Duration WaitFor(const BucketConfig& config, double level, double cost);

// Crashes with a message naming the problem unless `requests` is non-empty and every config
// and cost is valid.
void CheckRequests(std::span<const BucketRequest> requests);

// `requests` with each repeated key folded into its first occurrence (costs added).
// first_index[i] is the index in `requests` of merged request i.
using Requests = absl::InlinedVector<BucketRequest, 2>;
Requests MergeDuplicates(std::span<const BucketRequest> requests,
                         absl::InlinedVector<int, 2>* first_index);

}  // namespace octo::ratelimit::detail
