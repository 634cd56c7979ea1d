#include "octo/cache/lru_cache.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "octo/common/clock.h"

namespace octo::cache {
namespace {

using ::testing::Optional;

constexpr absl::Duration kLong = absl::Hours(1);

// One shard, so LRU order and the byte bound are exact.
std::unique_ptr<Cache> SingleShard(size_t max_bytes, common::ManualClock* clock = nullptr) {
  LruOptions options;
  options.max_bytes = max_bytes;
  options.shards = 1;
  if (clock != nullptr) options.clock = clock;
  return NewLruCache(options);
}

TEST(LruCache, GetReturnsWhatPutStored) {
  auto cache = NewLruCache();
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  cache->Put("k", "v", kLong);
  EXPECT_THAT(cache->Get("k"), Optional(std::string("v")));
  cache->Erase("k");
  EXPECT_EQ(cache->Get("k"), std::nullopt);
}

TEST(LruCache, EvictsLeastRecentlyUsed) {
  // Each entry is 2 bytes; room for three.
  auto cache = SingleShard(6);
  cache->Put("a", "1", kLong);
  cache->Put("b", "2", kLong);
  cache->Put("c", "3", kLong);
  ASSERT_TRUE(cache->Get("a").has_value());  // b is now the least recent.
  cache->Put("d", "4", kLong);
  EXPECT_EQ(cache->Get("b"), std::nullopt);
  EXPECT_TRUE(cache->Get("a").has_value());
  EXPECT_TRUE(cache->Get("c").has_value());
  EXPECT_TRUE(cache->Get("d").has_value());
}

TEST(LruCache, ByteBoundCountsKeysAndValues) {
  auto cache = SingleShard(20);
  cache->Put("k1", std::string(8, 'x'), kLong);  // 10 bytes
  cache->Put("k2", std::string(8, 'y'), kLong);  // 20 bytes: still fits
  EXPECT_TRUE(cache->Get("k1").has_value());
  EXPECT_TRUE(cache->Get("k2").has_value());
  cache->Put("k3", "z", kLong);  // 23 bytes: the least recent (k1) goes
  EXPECT_EQ(cache->Get("k1"), std::nullopt);
  EXPECT_TRUE(cache->Get("k2").has_value());
  EXPECT_TRUE(cache->Get("k3").has_value());
}

TEST(LruCache, LargeEntryEvictsSeveral) {
  auto cache = SingleShard(10);
  for (const char* key : {"a", "b", "c", "d", "e"}) cache->Put(key, "1", kLong);
  cache->Put("big", std::string(6, 'x'), kLong);  // 9 bytes
  EXPECT_TRUE(cache->Get("big").has_value());
  int small = 0;
  for (const char* key : {"a", "b", "c", "d", "e"}) small += cache->Get(key).has_value();
  EXPECT_EQ(small, 0);  // 9 + 2 > 10
}

TEST(LruCache, OversizeEntryIsNotStored) {
  auto cache = SingleShard(10);
  cache->Put("small", "1", kLong);
  cache->Put("huge", std::string(100, 'x'), kLong);
  EXPECT_EQ(cache->Get("huge"), std::nullopt);
  EXPECT_TRUE(cache->Get("small").has_value()) << "an oversize put must not evict";
}

TEST(LruCache, OversizeOverwriteDropsOldValue) {
  auto cache = SingleShard(10);
  cache->Put("k", "old", kLong);
  cache->Put("k", std::string(100, 'x'), kLong);
  EXPECT_EQ(cache->Get("k"), std::nullopt);
}

TEST(LruCache, EntryLargerThanOneShardIsNotStored) {
  LruOptions options;
  options.max_bytes = 64;
  options.shards = 4;  // 16 bytes per shard
  auto cache = NewLruCache(options);
  cache->Put("k", std::string(20, 'x'), kLong);  // fits max_bytes, not a shard
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  cache->Put("k", std::string(15, 'x'), kLong);
  EXPECT_TRUE(cache->Get("k").has_value());
}

TEST(LruCache, OverwriteUpdatesSize) {
  auto cache = SingleShard(12);
  cache->Put("a", std::string(9, 'x'), kLong);  // 10 bytes
  cache->Put("a", "1", kLong);                  // shrinks to 2 bytes
  cache->Put("b", std::string(9, 'y'), kLong);  // 12 bytes in all: both fit
  EXPECT_THAT(cache->Get("a"), Optional(std::string("1")));
  EXPECT_TRUE(cache->Get("b").has_value());
  cache->Put("a", std::string(5, 'z'), kLong);  // grows: 16 bytes, b is least recent
  EXPECT_THAT(cache->Get("a"), Optional(std::string(5, 'z')));
  EXPECT_EQ(cache->Get("b"), std::nullopt);
}

TEST(LruCache, OverwriteRefreshesRecency) {
  auto cache = SingleShard(4);
  cache->Put("a", "1", kLong);
  cache->Put("b", "2", kLong);
  cache->Put("a", "3", kLong);  // a becomes most recent
  cache->Put("c", "4", kLong);
  EXPECT_THAT(cache->Get("a"), Optional(std::string("3")));
  EXPECT_EQ(cache->Get("b"), std::nullopt);
}

TEST(LruCache, EntriesExpireAfterTtl) {
  common::ManualClock clock;
  auto cache = SingleShard(1 << 20, &clock);
  cache->Put("short", "1", absl::Seconds(10));
  cache->Put("long", "2", absl::Seconds(60));
  clock.Advance(absl::Seconds(9));
  EXPECT_TRUE(cache->Get("short").has_value());
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(cache->Get("short"), std::nullopt);
  EXPECT_TRUE(cache->Get("long").has_value());
  clock.Advance(absl::Seconds(50));
  EXPECT_EQ(cache->Get("long"), std::nullopt);
}

TEST(LruCache, OverwriteResetsTtl) {
  common::ManualClock clock;
  auto cache = SingleShard(1 << 20, &clock);
  cache->Put("k", "1", absl::Seconds(10));
  clock.Advance(absl::Seconds(8));
  cache->Put("k", "2", absl::Seconds(10));
  clock.Advance(absl::Seconds(8));
  EXPECT_THAT(cache->Get("k"), Optional(std::string("2")));
}

TEST(LruCache, ExpiredEntryFreesItsBytes) {
  common::ManualClock clock;
  auto cache = SingleShard(4, &clock);
  cache->Put("a", "1", absl::Seconds(1));
  cache->Put("b", "2", kLong);
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(cache->Get("a"), std::nullopt);  // removes a
  cache->Put("c", "3", kLong);               // fits beside b without evicting it
  EXPECT_TRUE(cache->Get("b").has_value());
  EXPECT_TRUE(cache->Get("c").has_value());
}

TEST(LruCache, NonPositiveTtlErases) {
  auto cache = NewLruCache();
  cache->Put("k", "v", kLong);
  cache->Put("k", "w", absl::ZeroDuration());
  EXPECT_EQ(cache->Get("k"), std::nullopt);
}

TEST(LruCache, KeysAndValuesAreBinary) {
  auto cache = NewLruCache();
  const std::string key("a\0b", 3);
  const std::string value("x\0\0y", 4);
  cache->Put(key, value, kLong);
  EXPECT_THAT(cache->Get(key), Optional(value));
  EXPECT_EQ(cache->Get(absl::string_view("a")), std::nullopt);
}

TEST(LruCache, ConcurrentUseKeepsByteBound) {
  LruOptions options;
  options.max_bytes = 4096;
  options.shards = 4;
  auto cache = NewLruCache(options);
  constexpr int kThreads = 6;
  constexpr int kKeys = 500;
  auto key_of = [](int i) { return absl::StrCat("key-", i); };
  auto value_of = [](int i) { return std::string(10 + i % 30, static_cast<char>('a' + i % 26)); };

  std::atomic<int> wrong_values{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 20000; ++n) {
        const int i = (n * 7 + t * 131) % kKeys;
        switch (n % 4) {
          case 0:
            cache->Put(key_of(i), value_of(i), kLong);
            break;
          case 1:
            cache->Erase(key_of(i));
            break;
          default:
            if (auto v = cache->Get(key_of(i)); v.has_value() && *v != value_of(i)) {
              ++wrong_values;
            }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(wrong_values.load(), 0);
  size_t held = 0;
  int entries = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (auto v = cache->Get(key_of(i)); v.has_value()) {
      held += key_of(i).size() + v->size();
      ++entries;
    }
  }
  EXPECT_LE(held, options.max_bytes);
  EXPECT_GT(entries, 0);
}

}  // namespace
}  // namespace octo::cache
