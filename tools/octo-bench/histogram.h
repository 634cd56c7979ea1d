// Latency histogram for octo-bench: log-linear buckets in the style of HdrHistogram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace octo::bench {

// Counts non-negative integer values (octo-bench records microseconds) in fixed memory, so
// percentiles never need the samples kept or sorted. Values below 256 have buckets of width
// 1 (exact); above, each power of two [2^k, 2^k+1) is split into 128 equal buckets, so a
// bucket is at most 1/128 of its lowest value wide and a reported percentile is within 0.4%
// of a value that was recorded. With the default bound (60 s in µs) it holds 2,533 counters
// (20 KiB). Debian 12 ships no C or C++ HdrHistogram, hence this one.
//
// Not thread-safe: give each thread its own and Merge them.
class Histogram {
 public:
  // Default upper bound: 60 s in microseconds.
  static constexpr int64_t kDefaultHighest = 60'000'000;

  // Values above `highest` (>= 1) are counted as `highest` and in saturated(); negative
  // values are counted as 0.
  explicit Histogram(int64_t highest = kDefaultHighest);

  void Record(int64_t value) { RecordN(value, 1); }
  void RecordN(int64_t value, uint64_t n);
  // Adds every count of `other`, which must have the same bound (checked: aborts otherwise).
  void Merge(const Histogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  // Values recorded above highest() (and counted as highest()).
  uint64_t saturated() const { return saturated_; }
  int64_t highest() const { return highest_; }
  // Exact smallest and largest values as recorded (after clamping to [0, highest]); 0 when
  // empty.
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return count_ == 0 ? 0 : max_; }
  // Exact mean of the recorded (clamped) values; 0 when empty.
  double mean() const;

  // The smallest value v such that at least `percentile` % of the recorded values are <= v,
  // up to the bucket resolution: the midpoint of v's bucket, clamped to [min(), max()] (so
  // 100 gives max() exactly and 0 gives min()). `percentile` is clamped to [0, 100]. 0 when
  // empty.
  int64_t ValueAtPercentile(double percentile) const;

  // Bucket layout, exposed for tests: the bucket of `value` (0 <= value) and the lowest and
  // highest value a bucket holds.
  static size_t BucketOf(int64_t value);
  static int64_t BucketLow(size_t bucket);
  static int64_t BucketHigh(size_t bucket);

 private:
  int64_t highest_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t saturated_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  // Sum of recorded values; 60 s in µs times 2^38 calls still fits.
  uint64_t sum_ = 0;
};

}  // namespace octo::bench
