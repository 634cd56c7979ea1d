#include "octo/ratelimit/local_rate_limiter.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "octo/common/clock.h"

namespace octo::ratelimit {
namespace {

class LocalRateLimiterTest : public ::testing::Test {
 protected:
  std::unique_ptr<LocalRateLimiter> NewLimiter(LocalLimiterOptions options = {}) {
    auto limiter = NewLocalRateLimiter(options, clock_);
    EXPECT_TRUE(limiter.ok()) << limiter.status();
    return std::move(*limiter);
  }

  // Acquires `cost` until rejected; returns how many calls were allowed (at most `limit`).
  static int Drain(RateLimiter& limiter, absl::string_view key, const BucketConfig& config,
                   double cost = 1, int limit = 1000) {
    int allowed = 0;
    while (allowed < limit && limiter.Acquire(key, config, cost).allowed) ++allowed;
    return allowed;
  }

  common::ManualClock clock_;
};

TEST_F(LocalRateLimiterTest, BurstUpToCapacity) {
  auto limiter = NewLimiter();
  const BucketConfig config{5, 1};
  for (int i = 1; i <= 5; ++i) {
    const Decision decision = limiter->Acquire("k", config);
    EXPECT_TRUE(decision.allowed) << i;
    EXPECT_DOUBLE_EQ(decision.remaining, 5 - i);
    EXPECT_EQ(decision.retry_after, absl::ZeroDuration());
    EXPECT_EQ(decision.limited_by, -1);
    EXPECT_TRUE(decision.local);
  }
  const Decision rejected = limiter->Acquire("k", config);
  EXPECT_FALSE(rejected.allowed);
  EXPECT_DOUBLE_EQ(rejected.remaining, 0);
  EXPECT_EQ(rejected.limited_by, 0);
  EXPECT_TRUE(rejected.local);
  // Other keys have their own buckets.
  EXPECT_EQ(Drain(*limiter, "other", config), 5);
}

TEST_F(LocalRateLimiterTest, RefillsAtRateUpToCapacity) {
  auto limiter = NewLimiter();
  const BucketConfig config{10, 4};
  ASSERT_EQ(Drain(*limiter, "k", config), 10);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Drain(*limiter, "k", config), 4);
  clock_.Advance(absl::Milliseconds(250));
  EXPECT_EQ(Drain(*limiter, "k", config), 1);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(Drain(*limiter, "k", config), 10);
}

TEST_F(LocalRateLimiterTest, RetryAfterIsExact) {
  auto limiter = NewLimiter();
  const BucketConfig config{3, 2};
  ASSERT_EQ(Drain(*limiter, "k", config), 3);
  Decision decision = limiter->Acquire("k", config);
  ASSERT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after, absl::Milliseconds(500));

  clock_.Advance(absl::Milliseconds(499));
  decision = limiter->Acquire("k", config);
  ASSERT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after, absl::Milliseconds(1));
  EXPECT_NEAR(decision.remaining, 0.998, 1e-9);
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(limiter->Acquire("k", config).allowed);
}

TEST_F(LocalRateLimiterTest, RetryAfterRoundsUpToTheMicrosecond) {
  auto limiter = NewLimiter();
  const BucketConfig config{1, 3};  // one token every 333333.33 us
  ASSERT_EQ(Drain(*limiter, "k", config), 1);
  const Decision decision = limiter->Acquire("k", config);
  ASSERT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after, absl::Microseconds(333334));
  clock_.Advance(absl::Microseconds(333333));
  EXPECT_FALSE(limiter->Acquire("k", config).allowed);
  clock_.Advance(absl::Microseconds(1));
  EXPECT_TRUE(limiter->Acquire("k", config).allowed);
}

TEST_F(LocalRateLimiterTest, CostsAboveOne) {
  auto limiter = NewLimiter();
  const BucketConfig config{10, 1};
  EXPECT_TRUE(limiter->Acquire("k", config, 4).allowed);
  Decision decision = limiter->Acquire("k", config, 4);
  EXPECT_TRUE(decision.allowed);
  EXPECT_DOUBLE_EQ(decision.remaining, 2);

  decision = limiter->Acquire("k", config, 4);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after, absl::Seconds(2));
  EXPECT_DOUBLE_EQ(decision.remaining, 2) << "a rejection takes nothing";

  decision = limiter->Acquire("k", config, 0);
  EXPECT_TRUE(decision.allowed) << "cost 0 only looks";
  EXPECT_DOUBLE_EQ(decision.remaining, 2);

  decision = limiter->Acquire("k", config, 1.5);
  EXPECT_TRUE(decision.allowed);
  EXPECT_DOUBLE_EQ(decision.remaining, 0.5);
}

TEST_F(LocalRateLimiterTest, CostAboveCapacityNeverPasses) {
  auto limiter = NewLimiter();
  const BucketConfig config{10, 1};
  const Decision decision = limiter->Acquire("k", config, 11);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after, absl::InfiniteDuration());
  EXPECT_DOUBLE_EQ(decision.remaining, 10);
  EXPECT_TRUE(limiter->Acquire("k", config, 10).allowed);
}

TEST_F(LocalRateLimiterTest, AcquireAllTakesFromEveryBucketOrNone) {
  auto limiter = NewLimiter();
  const BucketConfig key_config{5, 1};
  const BucketConfig tenant_config{3, 1};
  const BucketRequest both[] = {{"key", key_config, 1}, {"tenant", tenant_config, 1}};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter->AcquireAll(both).allowed) << i;
  Decision decision = limiter->AcquireAll(both);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.limited_by, 1);
  EXPECT_EQ(decision.retry_after, absl::Seconds(1));
  EXPECT_DOUBLE_EQ(decision.remaining, 0);
  // The rejected call took nothing from the key's bucket.
  EXPECT_EQ(Drain(*limiter, "key", key_config), 2);

  // And the other way round: an empty key bucket leaves the tenant's untouched.
  clock_.Advance(absl::Seconds(10));
  ASSERT_EQ(Drain(*limiter, "key", key_config), 5);
  decision = limiter->AcquireAll(both);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.limited_by, 0);
  EXPECT_EQ(Drain(*limiter, "tenant", tenant_config), 3);
}

TEST_F(LocalRateLimiterTest, RetryAfterIsTheLongestWait) {
  auto limiter = NewLimiter();
  const BucketConfig fast{1, 1};
  const BucketConfig slow{1, 0.5};
  const BucketRequest both[] = {{"fast", fast, 1}, {"slow", slow, 1}};
  ASSERT_TRUE(limiter->AcquireAll(both).allowed);
  Decision decision = limiter->AcquireAll(both);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after, absl::Seconds(2));
  EXPECT_EQ(decision.limited_by, 1);

  clock_.Advance(absl::Seconds(1));
  decision = limiter->AcquireAll(both);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after, absl::Seconds(1));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(limiter->AcquireAll(both).allowed);
}

TEST_F(LocalRateLimiterTest, RepeatedKeyTakesTheSumOfItsCosts) {
  auto limiter = NewLimiter();
  const BucketConfig config{3, 1};
  const BucketRequest twice[] = {{"k", config, 1}, {"k", config, 1}};
  Decision decision = limiter->AcquireAll(twice);
  EXPECT_TRUE(decision.allowed);
  EXPECT_DOUBLE_EQ(decision.remaining, 1);
  decision = limiter->AcquireAll(twice);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.limited_by, 0);
  EXPECT_EQ(decision.retry_after, absl::Seconds(1));
}

TEST_F(LocalRateLimiterTest, NewConfigAppliesFromTheCallOn) {
  auto limiter = NewLimiter();
  ASSERT_TRUE(limiter->Acquire("k", {10, 1}, 2).allowed);  // 8 left
  Decision decision = limiter->Acquire("k", {4, 1});
  EXPECT_TRUE(decision.allowed);
  EXPECT_DOUBLE_EQ(decision.remaining, 3) << "clamped to the new capacity, then taken";
  clock_.Advance(absl::Seconds(1));
  decision = limiter->Acquire("k", {4, 2}, 0);
  EXPECT_DOUBLE_EQ(decision.remaining, 4) << "refilled at the new rate, up to capacity";
}

TEST_F(LocalRateLimiterTest, ForgetsFullBucketsBeforeDepletedOnes) {
  auto limiter = NewLimiter({.max_keys = 4, .shards = 1});
  const BucketConfig config{10, 1};
  ASSERT_EQ(Drain(*limiter, "hot", config, 1, 8), 8);  // 2 tokens left
  for (const char* key : {"a", "b", "c"}) ASSERT_TRUE(limiter->Acquire(key, config).allowed);
  EXPECT_EQ(limiter->size(), 4u);
  clock_.Advance(absl::Seconds(1));  // a, b and c are full again, hot has 3
  for (const char* key : {"d", "e", "f"}) ASSERT_TRUE(limiter->Acquire(key, config).allowed);
  EXPECT_LE(limiter->size(), 4u);
  EXPECT_EQ(Drain(*limiter, "hot", config), 3) << "hot was forgotten and started full";
}

TEST_F(LocalRateLimiterTest, KeyFloodStaysBoundedAndKeepsDepletedBuckets) {
  auto limiter = NewLimiter({.max_keys = 64, .shards = 4});
  const BucketConfig config{10, 1};
  ASSERT_EQ(Drain(*limiter, "hot", config), 10);
  size_t largest = 0;
  for (int i = 0; i < 20'000; ++i) {
    ASSERT_TRUE(limiter->Acquire(absl::StrCat("flood-", i), config).allowed);
    if (i % 97 == 0) largest = std::max(largest, limiter->size());
  }
  EXPECT_LE(largest, 64u);
  EXPECT_LE(limiter->size(), 64u);
  EXPECT_GE(limiter->size(), 32u) << "evicting far more than needed";
  EXPECT_FALSE(limiter->Acquire("hot", config).allowed)
      << "the flood evicted a depleted bucket instead of nearly full ones";
}

TEST_F(LocalRateLimiterTest, RejectedRequestsStoreNothing) {
  auto limiter = NewLimiter({.max_keys = 8, .shards = 1});
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(limiter->Acquire(absl::StrCat("k", i), {1, 1}, 2).allowed);
  }
  EXPECT_EQ(limiter->size(), 0u);
}

TEST_F(LocalRateLimiterTest, ThreadsNeverOverAdmit) {
  auto limiter = NewLimiter({.max_keys = 1000, .shards = 8});
  const BucketConfig config{100, 1};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (limiter->Acquire("shared", config).allowed) ++allowed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
}

TEST_F(LocalRateLimiterTest, ThreadsNeverOverAdmitAcrossBucketsInAnyOrder) {
  auto limiter = NewLimiter({.max_keys = 1000, .shards = 16});
  const BucketConfig key_config{40, 1};
  const BucketConfig tenant_config{150, 1};
  constexpr int kThreads = 8;
  std::atomic<int> allowed{0};
  std::vector<int> per_key(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = absl::StrCat("key-", t % 4);
      // Half the threads name the tenant first, so shards are requested in both orders.
      const BucketRequest key_first[] = {{key, key_config, 1}, {"tenant", tenant_config, 1}};
      const BucketRequest tenant_first[] = {{"tenant", tenant_config, 1}, {key, key_config, 1}};
      for (int i = 0; i < 400; ++i) {
        const Decision decision =
            limiter->AcquireAll(t % 2 == 0 ? std::span(key_first) : std::span(tenant_first));
        if (decision.allowed) {
          ++allowed;
          ++per_key[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Four keys of 40 could take 160; the tenant stops them at 150.
  EXPECT_EQ(allowed.load(), 150);
  for (int k = 0; k < 4; ++k) EXPECT_LE(per_key[k] + per_key[k + 4], 40) << k;
}

TEST_F(LocalRateLimiterTest, ThreadsNeverOverAdmitWhileTimePasses) {
  auto limiter = NewLimiter();
  const BucketConfig config{50, 1000};  // one token per millisecond
  std::atomic<bool> stop{false};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        if (limiter->Acquire("k", config).allowed) ++allowed;
      }
    });
  }
  constexpr int kSteps = 200;
  for (int i = 0; i < kSteps; ++i) {
    clock_.Advance(absl::Milliseconds(1));
    absl::SleepFor(absl::Microseconds(200));
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  EXPECT_LE(allowed.load(), 50 + kSteps);
  EXPECT_GT(allowed.load(), 50) << "no refill seen";
}

TEST(LocalRateLimiterOptions, InvalidOptionsAreRejected) {
  EXPECT_EQ(NewLocalRateLimiter({.max_keys = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NewLocalRateLimiter({.shards = 0}).status().code(), absl::StatusCode::kInvalidArgument);
  auto tiny = NewLocalRateLimiter({.max_keys = 1, .shards = 16});
  ASSERT_TRUE(tiny.ok());
  (*tiny)->Acquire("a", {2, 1});
  (*tiny)->Acquire("b", {2, 1});
  EXPECT_EQ((*tiny)->size(), 1u);
}

}  // namespace
}  // namespace octo::ratelimit
