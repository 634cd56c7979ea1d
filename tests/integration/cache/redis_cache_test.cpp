#include "octo/cache/redis_cache.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "octo/testing/eventually.h"
#include "octo/testing/redis_fixture.h"

namespace octo::cache {
namespace {

using ::testing::Contains;
using ::testing::Optional;
using testing::Eventually;

// Collects the keys a subscription delivers.
class KeySink {
 public:
  void Add(absl::string_view key) {
    absl::MutexLock lock(&mu_);
    keys_.emplace_back(key);
  }
  std::vector<std::string> keys() {
    absl::MutexLock lock(&mu_);
    return keys_;
  }
  bool Has(absl::string_view key) {
    absl::MutexLock lock(&mu_);
    return std::find(keys_.begin(), keys_.end(), key) != keys_.end();
  }
  std::function<void(absl::string_view)> Callback() {
    return [this](absl::string_view key) { Add(key); };
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> keys_ ABSL_GUARDED_BY(mu_);
};

class RedisCacheTest : public testing::RedisServerTest {
 protected:
  RedisCacheTest() : RedisServerTest("test:") {}

  // Publishes `key` every 50 ms until `sink` has it; subscriptions need a moment to start.
  bool PublishUntilSeen(Invalidator& invalidator, KeySink& sink, const std::string& key) {
    return Eventually(
        [&] {
          invalidator.Publish(key);
          absl::SleepFor(absl::Milliseconds(40));
          return sink.Has(key);
        },
        absl::Seconds(10));
  }
};

TEST_F(RedisCacheTest, PutGetErase) {
  auto cache = NewRedisCache(Options());
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  cache->Put("k", "v", absl::Minutes(1));
  EXPECT_THAT(cache->Get("k"), Optional(std::string("v")));
  cache->Put("k", "w", absl::Minutes(1));
  EXPECT_THAT(cache->Get("k"), Optional(std::string("w")));
  cache->Erase("k");
  EXPECT_EQ(cache->Get("k"), std::nullopt);
}

TEST_F(RedisCacheTest, EntriesExpireAfterTtl) {
  auto cache = NewRedisCache(Options());
  const absl::Time start = absl::Now();
  cache->Put("short", "v", absl::Milliseconds(200));
  cache->Put("long", "v", absl::Minutes(1));
  ASSERT_TRUE(cache->Get("short").has_value());
  ASSERT_TRUE(Eventually([&] { return !cache->Get("short").has_value(); }, absl::Seconds(5)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
  EXPECT_TRUE(cache->Get("long").has_value());
}

TEST_F(RedisCacheTest, KeysAndValuesAreBinary) {
  auto cache = NewRedisCache(Options());
  const std::string key("k\0\r\n", 4);
  std::string value;
  for (int c = 0; c < 256; ++c) value.push_back(static_cast<char>(c));
  value += std::string("\0\0tail", 6);
  cache->Put(key, value, absl::Minutes(1));
  EXPECT_THAT(cache->Get(key), Optional(value));
  EXPECT_EQ(cache->Get("k"), std::nullopt);
}

TEST_F(RedisCacheTest, KeyPrefixesIsolateCaches) {
  RedisOptions a = Options();
  a.key_prefix = "a:";
  RedisOptions b = Options();
  b.key_prefix = "b:";
  auto cache_a = NewRedisCache(a);
  auto cache_b = NewRedisCache(b);
  cache_a->Put("k", "from-a", absl::Minutes(1));
  EXPECT_EQ(cache_b->Get("k"), std::nullopt);
  cache_b->Put("k", "from-b", absl::Minutes(1));
  EXPECT_THAT(cache_a->Get("k"), Optional(std::string("from-a")));
  cache_b->Erase("k");
  EXPECT_THAT(cache_a->Get("k"), Optional(std::string("from-a")));
}

TEST_F(RedisCacheTest, ConcurrentCallersShareThePool) {
  RedisOptions options = Options();
  options.pool_size = 2;
  options.command_timeout = absl::Seconds(1);
  auto cache = NewRedisCache(options);
  std::vector<std::thread> threads;
  std::atomic<int> misses{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string key = absl::StrCat(t, "-", i);
        cache->Put(key, key, absl::Minutes(1));
        if (cache->Get(key) != key) ++misses;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(misses.load(), 0);
}

TEST_F(RedisCacheTest, KilledRedisIsAFastMissAndPutIsANoOp) {
  auto cache = NewRedisCache(Options());
  cache->Put("k", "v", absl::Minutes(1));
  ASSERT_TRUE(cache->Get("k").has_value());
  server_->Kill();

  absl::Time start = absl::Now();
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  absl::Duration slowest;
  for (int i = 0; i < 50; ++i) {
    start = absl::Now();
    cache->Put("other", "v", absl::Minutes(1));
    EXPECT_EQ(cache->Get("k"), std::nullopt);
    cache->Erase("k");
    slowest = std::max(slowest, absl::Now() - start);
    absl::SleepFor(absl::Milliseconds(10));  // spans retry_after, so probes happen too
  }
  EXPECT_LT(slowest, absl::Milliseconds(100));
}

TEST_F(RedisCacheTest, RecoversAfterRestartWithoutRecreating) {
  auto cache = NewRedisCache(Options());
  cache->Put("k", "before", absl::Minutes(1));
  server_->Kill();
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  cache->Put("during", "v", absl::Minutes(1));
  ASSERT_TRUE(server_->Restart().ok());

  EXPECT_TRUE(Eventually(
      [&] {
        cache->Put("k", "after", absl::Minutes(1));
        return cache->Get("k") == "after";
      },
      absl::Seconds(5)));
  EXPECT_EQ(cache->Get("during"), std::nullopt);
}

TEST_F(RedisCacheTest, FirstCallAfterRecoveryDoesNotUseStaleConnections) {
  RedisOptions options = Options();
  options.pool_size = 4;
  auto cache = NewRedisCache(options);
  // Concurrent callers leave several connections idle in the pool.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) cache->Get("k");
    });
  }
  for (auto& thread : threads) thread.join();
  server_->Kill();
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  ASSERT_TRUE(server_->Restart().ok());

  absl::SleepFor(options.retry_after + absl::Milliseconds(100));
  cache->Put("k", "v", absl::Minutes(1));
  EXPECT_THAT(cache->Get("k"), Optional(std::string("v")));
}

TEST_F(RedisCacheTest, UnresponsiveRedisTimesOutOnceThenMissesAtOnce) {
  RedisOptions options = Options();
  options.command_timeout = absl::Milliseconds(100);
  options.retry_after = absl::Seconds(2);
  auto cache = NewRedisCache(options);
  cache->Put("k", "v", absl::Minutes(1));
  server_->Pause();

  absl::Time start = absl::Now();
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  const absl::Duration first = absl::Now() - start;
  EXPECT_GE(first, absl::Milliseconds(90));
  EXPECT_LT(first, absl::Milliseconds(500));

  start = absl::Now();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(cache->Get("k"), std::nullopt);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(50)) << "breaker did not open";

  server_->Resume();
  EXPECT_TRUE(Eventually([&] { return cache->Get("k") == "v"; }, absl::Seconds(5)));
}

TEST_F(RedisCacheTest, InvalidationReachesEverySubscriber) {
  KeySink first, second, elsewhere;
  auto sub1 = SubscribeInvalidations(Options(), "invalidate", first.Callback());
  auto sub2 = SubscribeInvalidations(Options(), "invalidate", second.Callback());
  auto sub3 = SubscribeInvalidations(Options(), "elsewhere", elsewhere.Callback());
  auto invalidator = NewRedisInvalidator(Options(), "invalidate");
  ASSERT_TRUE(PublishUntilSeen(*invalidator, first, "warmup"));
  ASSERT_TRUE(PublishUntilSeen(*invalidator, second, "warmup"));

  const std::string key("user:\0:42", 9);
  invalidator->Publish(key);
  EXPECT_TRUE(Eventually([&] { return first.Has(key) && second.Has(key); }, absl::Seconds(5)));
  EXPECT_THAT(first.keys(), Contains(key).Times(1));
  EXPECT_THAT(elsewhere.keys(), ::testing::IsEmpty());
}

TEST_F(RedisCacheTest, SubscriberSurvivesRedisRestart) {
  KeySink sink;
  auto subscription = SubscribeInvalidations(Options(), "invalidate", sink.Callback());
  auto invalidator = NewRedisInvalidator(Options(), "invalidate");
  ASSERT_TRUE(PublishUntilSeen(*invalidator, sink, "before"));

  server_->Kill();
  invalidator->Publish("lost");
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_TRUE(PublishUntilSeen(*invalidator, sink, "after"));
  EXPECT_FALSE(sink.Has("lost"));
}

TEST_F(RedisCacheTest, SubscriptionStopsPromptly) {
  auto subscribed = SubscribeInvalidations(Options(), "invalidate", [](absl::string_view) {});
  absl::SleepFor(absl::Milliseconds(200));  // connected and waiting for messages
  absl::Time start = absl::Now();
  subscribed.reset();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));

  server_->Kill();
  auto retrying = SubscribeInvalidations(Options(), "invalidate", [](absl::string_view) {});
  absl::SleepFor(absl::Milliseconds(200));  // failing to connect and backing off
  start = absl::Now();
  retrying.reset();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
}

}  // namespace
}  // namespace octo::cache
