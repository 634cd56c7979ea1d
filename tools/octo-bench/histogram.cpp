#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace octo::bench {
namespace {

// Buckets per power of two above the exact range; the exact range is [0, 2 * kSubBuckets).
constexpr int kSubBits = 7;
constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBits;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "octo::bench::Histogram: %s\n", what);
    std::abort();
  }
}

}  // namespace

size_t Histogram::BucketOf(int64_t value) {
  const uint64_t v = value < 0 ? 0 : static_cast<uint64_t>(value);
  const int log2 = v == 0 ? 0 : std::bit_width(v) - 1;
  const int shift = std::max(0, log2 - kSubBits);
  return static_cast<size_t>(shift) * kSubBuckets + (v >> shift);
}

int64_t Histogram::BucketLow(size_t bucket) {
  if (bucket < 2 * kSubBuckets) return static_cast<int64_t>(bucket);
  const uint64_t shift = bucket / kSubBuckets - 1;
  const uint64_t sub = bucket - shift * kSubBuckets;
  return static_cast<int64_t>(sub << shift);
}

int64_t Histogram::BucketHigh(size_t bucket) {
  if (bucket < 2 * kSubBuckets) return static_cast<int64_t>(bucket);
  const uint64_t shift = bucket / kSubBuckets - 1;
  return BucketLow(bucket) + static_cast<int64_t>((uint64_t{1} << shift) - 1);
}

Histogram::Histogram(int64_t highest) : highest_(highest) {
  Check(highest >= 1, "highest must be >= 1");
  counts_.assign(BucketOf(highest) + 1, 0);
}

void Histogram::RecordN(int64_t value, uint64_t n) {
  if (n == 0) return;
  if (value > highest_) {
    value = highest_;
    saturated_ += n;
  }
  if (value < 0) value = 0;
  counts_[BucketOf(value)] += n;
  if (count_ == 0 || value < min_) min_ = value;
  if (count_ == 0 || value > max_) max_ = value;
  count_ += n;
  sum_ += static_cast<uint64_t>(value) * n;
}

void Histogram::Merge(const Histogram& other) {
  Check(other.highest_ == highest_, "Merge of histograms with different bounds");
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (count_ == 0 || other.min_ < min_) min_ = other.min_;
  if (count_ == 0 || other.max_ > max_) max_ = other.max_;
  count_ += other.count_;
  saturated_ += other.saturated_;
  sum_ += other.sum_;
}

void Histogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = saturated_ = sum_ = 0;
  min_ = max_ = 0;
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

int64_t Histogram::ValueAtPercentile(double percentile) const {
  if (count_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  // Rank of the wanted value, 1-based; the epsilon keeps 99.9% of 1000 at rank 999, not
  // 1000 through rounding.
  const double exact = percentile / 100.0 * static_cast<double>(count_);
  uint64_t rank = static_cast<uint64_t>(std::ceil(exact - 1e-9 * std::max(1.0, exact)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const int64_t mid = BucketLow(i) + (BucketHigh(i) - BucketLow(i)) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;  // unreachable: the counts add up to count_
}

}  // namespace octo::bench
