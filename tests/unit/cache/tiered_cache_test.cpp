#include "octo/cache/tiered_cache.h"

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "octo/common/clock.h"
#include "octo/cache/lru_cache.h"

namespace octo::cache {
namespace {

using ::testing::Optional;

// Two LRUs stand in for L1 and L2; the test keeps pointers to look at each level.
class TieredCacheTest : public ::testing::Test {
 protected:
  TieredCacheTest() {
    LruOptions options;
    options.clock = &clock_;
    auto l1 = NewLruCache(options);
    auto l2 = NewLruCache(options);
    l1_ = l1.get();
    l2_ = l2.get();
    TieredOptions tiered;
    tiered.l1_ttl = absl::Seconds(10);
    cache_ = std::make_unique<TieredCache>(std::move(l1), std::move(l2), tiered);
  }

  common::ManualClock clock_;
  Cache* l1_;
  Cache* l2_;
  std::unique_ptr<TieredCache> cache_;
};

TEST_F(TieredCacheTest, PutWritesBothLevels) {
  cache_->Put("k", "v", absl::Minutes(5));
  EXPECT_THAT(l1_->Get("k"), Optional(std::string("v")));
  EXPECT_THAT(l2_->Get("k"), Optional(std::string("v")));
}

TEST_F(TieredCacheTest, ReportsWhichLevelAnswered) {
  Level level = Level::kL1;
  EXPECT_EQ(cache_->Get("k", &level), std::nullopt);
  EXPECT_EQ(level, Level::kMiss);

  l2_->Put("k", "from-l2", absl::Minutes(5));
  EXPECT_THAT(cache_->Get("k", &level), Optional(std::string("from-l2")));
  EXPECT_EQ(level, Level::kL2);
  EXPECT_THAT(cache_->Get("k", &level), Optional(std::string("from-l2")));
  EXPECT_EQ(level, Level::kL1);
}

TEST_F(TieredCacheTest, L2HitFillsL1WithL1Ttl) {
  l2_->Put("k", "v", absl::Minutes(5));
  ASSERT_TRUE(cache_->Get("k").has_value());
  EXPECT_THAT(l1_->Get("k"), Optional(std::string("v")));
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(l1_->Get("k"), std::nullopt);
  EXPECT_TRUE(l2_->Get("k").has_value());
}

TEST_F(TieredCacheTest, PutCapsL1TtlAtL1Ttl) {
  cache_->Put("long", "v", absl::Minutes(5));
  cache_->Put("short", "v", absl::Seconds(3));
  clock_.Advance(absl::Seconds(3));
  EXPECT_EQ(l1_->Get("short"), std::nullopt);
  EXPECT_TRUE(l1_->Get("long").has_value());
  clock_.Advance(absl::Seconds(7));
  EXPECT_EQ(l1_->Get("long"), std::nullopt);
  EXPECT_TRUE(l2_->Get("long").has_value());
}

TEST_F(TieredCacheTest, EraseClearsBothLevels) {
  cache_->Put("k", "v", absl::Minutes(5));
  cache_->Erase("k");
  EXPECT_EQ(l1_->Get("k"), std::nullopt);
  EXPECT_EQ(l2_->Get("k"), std::nullopt);
  EXPECT_EQ(cache_->Get("k"), std::nullopt);
}

TEST_F(TieredCacheTest, PutLocalWritesOnlyL1ForL1Ttl) {
  cache_->PutLocal("k", "v");
  EXPECT_EQ(l2_->Get("k"), std::nullopt);
  Level level;
  EXPECT_THAT(cache_->Get("k", &level), Optional(std::string("v")));
  EXPECT_EQ(level, Level::kL1);
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(cache_->Get("k"), std::nullopt);
}

TEST_F(TieredCacheTest, EraseLocalClearsOnlyL1) {
  cache_->Put("k", "v", absl::Minutes(5));
  cache_->EraseLocal("k");
  EXPECT_EQ(l1_->Get("k"), std::nullopt);
  EXPECT_TRUE(l2_->Get("k").has_value());
  Level level;
  EXPECT_THAT(cache_->Get("k", &level), Optional(std::string("v")));
  EXPECT_EQ(level, Level::kL2);
}

TEST_F(TieredCacheTest, L1AnswersWithoutL2) {
  l1_->Put("k", "l1-only", absl::Minutes(5));
  Level level;
  EXPECT_THAT(cache_->Get("k", &level), Optional(std::string("l1-only")));
  EXPECT_EQ(level, Level::kL1);
}

}  // namespace
}  // namespace octo::cache
