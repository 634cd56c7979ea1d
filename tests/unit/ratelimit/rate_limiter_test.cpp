#include "octo/ratelimit/rate_limiter.h"

#include <cmath>
#include <limits>
#include <memory>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "octo/ratelimit/local_rate_limiter.h"
#include "octo/ratelimit/redis_rate_limiter.h"

namespace octo::ratelimit {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ValidateBucketConfig, AcceptsPositiveFiniteValues) {
  EXPECT_TRUE(ValidateBucketConfig({1, 1}).ok());
  EXPECT_TRUE(ValidateBucketConfig({0.5, 1e-3}).ok());
}

TEST(ValidateBucketConfig, NamesTheBadField) {
  for (double bad : {0.0, -1.0, kNan, kInf}) {
    const absl::Status capacity = ValidateBucketConfig({bad, 1});
    EXPECT_EQ(capacity.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(capacity.message().find("capacity"), absl::string_view::npos) << capacity;
    const absl::Status rate = ValidateBucketConfig({1, bad});
    EXPECT_EQ(rate.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(rate.message().find("refill_per_second"), absl::string_view::npos) << rate;
  }
}

TEST(RateLimiterDeathTest, InvalidRequestsCrash) {
  auto limiter = NewLocalRateLimiter();
  ASSERT_TRUE(limiter.ok());
  RateLimiter& l = **limiter;
  EXPECT_DEATH(l.Acquire("k", {0, 1}), "capacity");
  EXPECT_DEATH(l.Acquire("k", {1, kNan}), "refill_per_second");
  EXPECT_DEATH(l.Acquire("k", {1, 1}, -1), "cost");
  EXPECT_DEATH(l.Acquire("k", {1, 1}, kInf), "cost");
  EXPECT_DEATH(l.AcquireAll({}), "no bucket");
}


TEST(NewRedisRateLimiter, RejectsBadArguments) {
  EXPECT_EQ(NewRedisRateLimiter({}, nullptr).status().code(), absl::StatusCode::kInvalidArgument);
  redis::RedisOptions options;
  options.pool_size = 0;
  EXPECT_EQ(NewRedisRateLimiter(options, std::move(*NewLocalRateLimiter())).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace octo::ratelimit
