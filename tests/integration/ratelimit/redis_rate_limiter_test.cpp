#include "octo/ratelimit/redis_rate_limiter.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "octo/ratelimit/local_rate_limiter.h"
#include "octo/testing/eventually.h"
#include "octo/testing/redis_fixture.h"

namespace octo::ratelimit {
namespace {

using testing::Eventually;

// Acquires until rejected (at most `limit` times); returns how many calls were allowed.
int Drain(RateLimiter& limiter, absl::string_view key, const BucketConfig& config,
          int limit = 1000) {
  int allowed = 0;
  while (allowed < limit && limiter.Acquire(key, config).allowed) ++allowed;
  return allowed;
}

// Refills one token every 100 s: a test sees only a sliver of a token refill.
constexpr double kSlow = 0.01;
constexpr double kSliver = 1e-3;

class RedisRateLimiterTest : public testing::RedisServerTest {
 protected:
  RedisRateLimiterTest() : RedisServerTest("rl:") {}

  void TearDown() override {
    if (raw_ != nullptr) redisFree(raw_);
  }

  // A limiter standing in for one reflex replica, with its own local fallback.
  std::unique_ptr<RateLimiter> NewReplica(const redis::RedisOptions& options) {
    auto fallback = NewLocalRateLimiter();
    EXPECT_TRUE(fallback.ok()) << fallback.status();
    auto limiter = NewRedisRateLimiter(options, std::move(*fallback));
    EXPECT_TRUE(limiter.ok()) << limiter.status();
    return std::move(*limiter);
  }
  std::unique_ptr<RateLimiter> NewReplica() { return NewReplica(Options()); }

  // Runs a command on a connection of the test's own; null when Redis does not answer.
  std::unique_ptr<redisReply, void (*)(void*)> Raw(std::vector<std::string> args) {
    if (raw_ == nullptr || raw_->err != 0) {
      if (raw_ != nullptr) redisFree(raw_);
      raw_ = redisConnect("127.0.0.1", server_->port());
    }
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    return {static_cast<redisReply*>(
                redisCommandArgv(raw_, static_cast<int>(argv.size()), argv.data(), lengths.data())),
            freeReplyObject};
  }

  redisContext* raw_ = nullptr;
};

TEST_F(RedisRateLimiterTest, TwoReplicasShareOneBucket) {
  auto a = NewReplica();
  auto b = NewReplica();
  const BucketConfig config{10, kSlow};
  int allowed = 0;
  for (int i = 0; i < 30; ++i) {
    const Decision decision = (i % 2 == 0 ? a : b)->Acquire("shared", config);
    EXPECT_FALSE(decision.local) << i;
    if (decision.allowed) {
      ++allowed;
      EXPECT_NEAR(decision.remaining, 10 - allowed, kSliver);
    } else {
      EXPECT_EQ(decision.limited_by, 0);
      EXPECT_GT(decision.retry_after, absl::Seconds(90));
      EXPECT_LE(decision.retry_after, absl::Seconds(100));
    }
  }
  EXPECT_EQ(allowed, 10);
  // A key of its own is untouched.
  EXPECT_EQ(Drain(*b, "other", config), 10);
}

TEST_F(RedisRateLimiterTest, ConcurrentReplicasAdmitExactlyCapacity) {
  redis::RedisOptions options = Options();
  options.command_timeout = absl::Seconds(2);  // no local fallback under CPU contention
  std::unique_ptr<RateLimiter> replicas[] = {NewReplica(options), NewReplica(options)};
  const BucketConfig config{50, kSlow};
  std::atomic<int> allowed{0};
  std::atomic<int> local{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const Decision decision = replicas[t % 2]->Acquire("shared", config);
        if (decision.allowed) ++allowed;
        if (decision.local) ++local;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(local.load(), 0);
  EXPECT_EQ(allowed.load(), 50);
}

TEST_F(RedisRateLimiterTest, RefillsOverTimeUpToCapacity) {
  auto limiter = NewReplica();
  const BucketConfig config{2, 10};
  ASSERT_EQ(Drain(*limiter, "k", config, 100), 2);
  const Decision rejected = limiter->Acquire("k", config);
  ASSERT_FALSE(rejected.allowed);
  EXPECT_FALSE(rejected.local);
  EXPECT_GT(rejected.retry_after, absl::ZeroDuration());
  EXPECT_LE(rejected.retry_after, absl::Milliseconds(100));
  EXPECT_TRUE(Eventually([&] { return limiter->Acquire("k", config).allowed; }, absl::Seconds(5)));

  // Far more than two tokens' worth of time: the bucket still holds only two.
  absl::SleepFor(absl::Milliseconds(500));
  const absl::Time start = absl::Now();
  const int allowed = Drain(*limiter, "k", config, 100);
  const double refilled_while_draining = std::ceil(absl::ToDoubleSeconds(absl::Now() - start) * 10);
  EXPECT_GE(allowed, 2);
  EXPECT_LE(allowed, 2 + refilled_while_draining);
}

TEST_F(RedisRateLimiterTest, MultiBucketRequestsAreAllOrNothing) {
  auto a = NewReplica();
  auto b = NewReplica();
  const BucketConfig key_config{5, kSlow};
  const BucketConfig tenant_config{3, kSlow};
  const BucketRequest both[] = {{"key", key_config, 1}, {"tenant", tenant_config, 1}};
  for (int i = 0; i < 3; ++i) {
    const Decision decision = a->AcquireAll(both);
    EXPECT_TRUE(decision.allowed) << i;
    EXPECT_FALSE(decision.local);
  }
  const Decision rejected = b->AcquireAll(both);
  EXPECT_FALSE(rejected.allowed);
  EXPECT_FALSE(rejected.local);
  EXPECT_EQ(rejected.limited_by, 1);
  EXPECT_NEAR(rejected.remaining, 0, kSliver);
  // The rejection took nothing from the key's bucket: 5 - 3 are left.
  EXPECT_EQ(Drain(*b, "key", key_config), 2);

  // A repeated key takes the sum of its costs.
  const BucketRequest twice[] = {{"pair", key_config, 3}, {"pair", key_config, 3}};
  const Decision too_much = a->AcquireAll(twice);
  EXPECT_FALSE(too_much.allowed);
  EXPECT_EQ(too_much.retry_after, absl::InfiniteDuration()) << "6 > capacity 5";
  EXPECT_EQ(too_much.limited_by, 0);
  EXPECT_EQ(Drain(*a, "pair", key_config), 5);
}

TEST_F(RedisRateLimiterTest, CostsAreTakenAsGiven) {
  auto limiter = NewReplica();
  const BucketConfig config{10, kSlow};
  EXPECT_TRUE(limiter->Acquire("k", config, 2.5).allowed);
  Decision decision = limiter->Acquire("k", config, 0);
  EXPECT_TRUE(decision.allowed);
  EXPECT_NEAR(decision.remaining, 7.5, kSliver);
  decision = limiter->Acquire("k", config, 8);
  EXPECT_FALSE(decision.allowed);
  EXPECT_FALSE(decision.local);
  EXPECT_NEAR(absl::ToDoubleSeconds(decision.retry_after), 50, 0.1);
  decision = limiter->Acquire("k", config, 11);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after, absl::InfiniteDuration());
}

TEST_F(RedisRateLimiterTest, BucketsExpireOnceFull) {
  auto limiter = NewReplica();
  const BucketConfig config{10, 20};  // full again 50 ms after taking one token
  ASSERT_TRUE(limiter->Acquire("k", config).allowed);
  auto pttl = Raw({"PTTL", "rl:k"});
  ASSERT_NE(pttl, nullptr);
  ASSERT_EQ(pttl->type, REDIS_REPLY_INTEGER);
  EXPECT_GT(pttl->integer, 0) << "bucket stored without expiry";
  EXPECT_LE(pttl->integer, 51);
  EXPECT_TRUE(Eventually(
      [&] {
        auto exists = Raw({"EXISTS", "rl:k"});
        return exists != nullptr && exists->type == REDIS_REPLY_INTEGER && exists->integer == 0;
      },
      absl::Seconds(5)));
  EXPECT_DOUBLE_EQ(limiter->Acquire("k", config, 0).remaining, 10);
}

TEST_F(RedisRateLimiterTest, FlushedScriptIsLoadedAgain) {
  auto limiter = NewReplica();
  const BucketConfig config{3, kSlow};
  ASSERT_TRUE(limiter->Acquire("k", config).allowed);
  auto flushed = Raw({"SCRIPT", "FLUSH"});
  ASSERT_NE(flushed, nullptr);
  ASSERT_EQ(flushed->type, REDIS_REPLY_STATUS);
  const Decision decision = limiter->Acquire("k", config);
  EXPECT_TRUE(decision.allowed);
  EXPECT_FALSE(decision.local);
  EXPECT_NEAR(decision.remaining, 1, kSliver);
}

TEST_F(RedisRateLimiterTest, KilledRedisFallsBackToLocalBucketsQuickly) {
  auto limiter = NewReplica();
  const BucketConfig config{5, kSlow};
  ASSERT_EQ(Drain(*limiter, "k", config), 5);
  server_->Kill();

  absl::Time start = absl::Now();
  const Decision first = limiter->Acquire("k", config);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_TRUE(first.local);
  // The replica's own bucket, which Redis never drained.
  EXPECT_TRUE(first.allowed);
  int allowed = 1;
  absl::Duration slowest;
  for (int i = 0; i < 50; ++i) {
    start = absl::Now();
    const Decision decision = limiter->Acquire("k", config);
    slowest = std::max(slowest, absl::Now() - start);
    EXPECT_TRUE(decision.local) << i;
    if (decision.allowed) ++allowed;
    absl::SleepFor(absl::Milliseconds(10));  // spans retry_after, so probes happen too
  }
  EXPECT_EQ(allowed, 5);
  EXPECT_LT(slowest, absl::Milliseconds(100));
}

TEST_F(RedisRateLimiterTest, RestartedRedisIsSharedAgainWithoutRecreating) {
  auto a = NewReplica();
  auto b = NewReplica();
  const BucketConfig config{10, kSlow};
  ASSERT_FALSE(a->Acquire("warm", config).local);  // the script is loaded
  ASSERT_FALSE(b->Acquire("warm", config).local);
  server_->Kill();
  EXPECT_TRUE(a->Acquire("k", config).local);
  EXPECT_TRUE(b->Acquire("k", config).local);
  ASSERT_TRUE(server_->Restart().ok());

  // The new server knows no script: each replica must load it again by itself.
  EXPECT_TRUE(Eventually([&] { return !a->Acquire("probe", config, 0).local; }, absl::Seconds(5)));
  EXPECT_TRUE(Eventually([&] { return !b->Acquire("probe", config, 0).local; }, absl::Seconds(5)));
  int allowed = 0;
  int local = 0;
  for (int i = 0; i < 30; ++i) {
    const Decision decision = (i % 2 == 0 ? a : b)->Acquire("after", config);
    if (decision.allowed) ++allowed;
    if (decision.local) ++local;
  }
  EXPECT_EQ(local, 0);
  EXPECT_EQ(allowed, 10);
}

TEST_F(RedisRateLimiterTest, UnresponsiveRedisTimesOutOnceThenFallsBackAtOnce) {
  redis::RedisOptions options = Options();
  options.command_timeout = absl::Milliseconds(100);
  options.retry_after = absl::Seconds(2);
  auto limiter = NewReplica(options);
  const BucketConfig config{100, kSlow};
  ASSERT_FALSE(limiter->Acquire("k", config).local);
  server_->Pause();

  absl::Time start = absl::Now();
  EXPECT_TRUE(limiter->Acquire("k", config).local);
  const absl::Duration first = absl::Now() - start;
  EXPECT_GE(first, absl::Milliseconds(90));
  EXPECT_LT(first, absl::Seconds(1));

  start = absl::Now();
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(limiter->Acquire("k", config).local);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500)) << "breaker did not open";

  server_->Resume();
  EXPECT_TRUE(Eventually([&] { return !limiter->Acquire("k", config).local; }, absl::Seconds(5)));
}

TEST_F(RedisRateLimiterTest, ErrorRepliesFallBackLocallyThenRecover) {
  auto limiter = NewReplica();
  const BucketConfig config{3, kSlow};
  auto set = Raw({"SET", "rl:clash", "not a hash"});
  ASSERT_NE(set, nullptr);
  ASSERT_EQ(set->type, REDIS_REPLY_STATUS);

  const Decision decision = limiter->Acquire("clash", config);
  EXPECT_TRUE(decision.local);
  EXPECT_TRUE(decision.allowed);
  EXPECT_TRUE(
      Eventually([&] { return !limiter->Acquire("fine", config, 0).local; }, absl::Seconds(5)));
  EXPECT_EQ(Drain(*limiter, "fine", config), 3);
}

}  // namespace
}  // namespace octo::ratelimit
