#include "histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "load.h"

namespace octo::bench {
namespace {

// The exact value at `percentile` by the histogram's definition (smallest v with at least
// that share of values <= v), from sorted samples.
int64_t ExactPercentile(std::vector<int64_t> values, double percentile) {
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(percentile / 100.0 * static_cast<double>(values.size()) - 1e-9);
  const size_t index = static_cast<size_t>(std::max(1.0, rank)) - 1;
  return values[std::min(index, values.size() - 1)];
}

// Checks p50 .. p99.99 of `values` recorded in a histogram against the exact ones: within
// half a bucket (1/256 of the value) plus rounding.
void ExpectAccurate(const std::vector<int64_t>& values) {
  Histogram h;
  for (int64_t v : values) h.Record(v);
  ASSERT_EQ(h.count(), values.size());
  for (double p : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    const int64_t exact = ExactPercentile(values, p);
    const int64_t got = h.ValueAtPercentile(p);
    EXPECT_LE(std::abs(got - exact), exact / 256 + 1) << "p" << p << " exact " << exact;
    // ≤ 1% relative error, the promise octo-bench makes.
    EXPECT_LE(std::abs(static_cast<double>(got - exact)), 0.01 * exact + 1) << "p" << p;
  }
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
}

TEST(Histogram, EmptyReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  EXPECT_EQ(h.ValueAtPercentile(100), 0);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (int v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.ValueAtPercentile(50), 50);
  EXPECT_EQ(h.ValueAtPercentile(90), 90);
  EXPECT_EQ(h.ValueAtPercentile(99), 99);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 100);
  EXPECT_EQ(h.ValueAtPercentile(100), 100);
  EXPECT_EQ(h.ValueAtPercentile(0), 1);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 100);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(Histogram, BucketsTileTheRangeWithBoundedWidth) {
  const size_t last = Histogram::BucketOf(Histogram::kDefaultHighest);
  EXPECT_EQ(Histogram::BucketLow(0), 0);
  for (size_t b = 0; b < last; ++b) {
    ASSERT_EQ(Histogram::BucketHigh(b) + 1, Histogram::BucketLow(b + 1)) << "bucket " << b;
    const int64_t width = Histogram::BucketHigh(b) - Histogram::BucketLow(b) + 1;
    ASSERT_LE(width * 128, std::max<int64_t>(Histogram::BucketLow(b), 128)) << "bucket " << b;
  }
  for (int64_t v : {0L, 1L, 255L, 256L, 257L, 1000L, 65535L, 65536L, 59'999'999L, 60'000'000L}) {
    const size_t b = Histogram::BucketOf(v);
    EXPECT_LE(Histogram::BucketLow(b), v);
    EXPECT_GE(Histogram::BucketHigh(b), v);
  }
  // 60 s at 1 µs resolution below 256 µs and ≤ 1/128 above fits in about 2,500 counters.
  EXPECT_LT(last, 2600u);
}

TEST(Histogram, UniformDistributionWithinOnePercent) {
  std::vector<int64_t> values;
  for (int64_t v = 1; v <= 2'000'000; v += 7) values.push_back(v);
  ExpectAccurate(values);
}

TEST(Histogram, LogNormalLatenciesWithinOnePercent) {
  // Latency-like: median about 1 ms with a long tail up to seconds.
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(1000.0), 1.5);
  std::vector<int64_t> values;
  for (int i = 0; i < 200'000; ++i) {
    values.push_back(std::min<int64_t>(static_cast<int64_t>(dist(rng)), 50'000'000));
  }
  ExpectAccurate(values);
}

TEST(Histogram, BimodalTailLandsOnTheRightMode) {
  Histogram h;
  h.RecordN(100, 990);
  h.RecordN(10'000, 10);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.ValueAtPercentile(50), 100);
  EXPECT_EQ(h.ValueAtPercentile(99), 100);  // rank 990 is the last fast call
  EXPECT_NEAR(h.ValueAtPercentile(99.1), 10'000, 10'000 / 256);
  EXPECT_NEAR(h.ValueAtPercentile(99.9), 10'000, 10'000 / 256);
  EXPECT_EQ(h.max(), 10'000);
  EXPECT_DOUBLE_EQ(h.mean(), (100.0 * 990 + 10'000.0 * 10) / 1000);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> dist(1.0 / 5000);
  Histogram all, a, b;
  for (int i = 0; i < 50'000; ++i) {
    const auto v = static_cast<int64_t>(dist(rng));
    all.Record(v);
    (i % 3 == 0 ? a : b).Record(v);
  }
  a.Record(Histogram::kDefaultHighest + 5);
  all.Record(Histogram::kDefaultHighest + 5);
  Histogram merged;
  merged.Merge(a);
  merged.Merge(b);
  merged.Merge(Histogram());  // merging an empty one changes nothing
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_EQ(merged.saturated(), 1u);
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double p : {0.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(merged.ValueAtPercentile(p), all.ValueAtPercentile(p)) << "p" << p;
  }
}

TEST(Histogram, MergeIntoEmptyTakesMinAndMax) {
  Histogram a, b;
  b.Record(500);
  b.Record(700);
  a.Merge(b);
  EXPECT_EQ(a.min(), 500);
  EXPECT_EQ(a.max(), 700);
  Histogram c;
  c.Record(100);
  c.Merge(a);
  EXPECT_EQ(c.min(), 100);
  EXPECT_EQ(c.max(), 700);
}

TEST(HistogramDeathTest, MergeOfDifferentBoundsAborts) {
  Histogram a(1000), b(2000);
  EXPECT_DEATH(a.Merge(b), "different bounds");
}

TEST(Histogram, ValuesOutsideTheBoundsAreClamped) {
  Histogram h(1'000'000);
  h.Record(-5);
  h.Record(1'000'000);
  h.Record(5'000'000);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.saturated(), 1u);  // only the value above the bound
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 1'000'000);
  EXPECT_EQ(h.ValueAtPercentile(0), 0);
  EXPECT_EQ(h.ValueAtPercentile(100), 1'000'000);
  EXPECT_EQ(h.ValueAtPercentile(250), 1'000'000);  // percentile clamped to 100
  EXPECT_EQ(h.ValueAtPercentile(-3), 0);
}

TEST(Histogram, PercentilesStayWithinMinAndMax) {
  Histogram h;
  h.Record(1'000'001);  // mid-bucket values would overshoot the single sample
  EXPECT_EQ(h.ValueAtPercentile(50), 1'000'001);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 1'000'001);
}

TEST(Histogram, TinyBoundStillWorks) {
  Histogram h(1);
  h.Record(0);
  h.Record(1);
  h.Record(2);
  EXPECT_EQ(h.saturated(), 1u);
  EXPECT_EQ(h.ValueAtPercentile(50), 1);
  EXPECT_EQ(h.ValueAtPercentile(100), 1);
}

TEST(Histogram, ResetForgetsEverything) {
  Histogram h;
  h.Record(42);
  h.Record(Histogram::kDefaultHighest * 2);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.saturated(), 0u);
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  h.Record(7);
  EXPECT_EQ(h.min(), 7);
  EXPECT_EQ(h.max(), 7);
}

TEST(MakeGoal, UniqueGoalsDifferAndArePadded) {
  EXPECT_NE(MakeGoal(true, "n", 1, 64), MakeGoal(true, "n", 2, 64));
  EXPECT_NE(MakeGoal(true, "a", 1, 64), MakeGoal(true, "b", 1, 64));
  EXPECT_EQ(MakeGoal(false, "a", 1, 64), MakeGoal(false, "b", 2, 64));
  EXPECT_EQ(MakeGoal(true, "n", 1, 64).size(), 64u);
  EXPECT_EQ(MakeGoal(false, "n", 1, 1000).size(), 1000u);
  EXPECT_GT(MakeGoal(true, "nonce", 123456, 1).size(), 1u);  // never cut below the prefix
}

}  // namespace
}  // namespace octo::bench
