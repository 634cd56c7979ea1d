#include "octo/ratelimit/local_rate_limiter.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bucket.h"

namespace octo::ratelimit {
namespace {

struct Bucket {
  // Tokens at `last`.
  double tokens;
  absl::Time last;
  // Of the last call; tells eviction how far from full the bucket is.
  BucketConfig config;
};

// Tokens in `bucket` at `now` if it refills under `config`.
double Level(const Bucket& bucket, const BucketConfig& config, absl::Time now) {
  const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.last));
  return std::min(config.capacity, bucket.tokens + elapsed * config.refill_per_second);
}

// <= 0 once the bucket is full, which is the same as not keeping it.
double SecondsToFull(const Bucket& bucket, absl::Time now) {
  return (bucket.config.capacity - Level(bucket, bucket.config, now)) /
         bucket.config.refill_per_second;
}

struct Shard {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
};

class ShardedRateLimiter final : public LocalRateLimiter {
 public:
  ShardedRateLimiter(const LocalLimiterOptions& options, common::Clock& clock)
      : clock_(clock),
        shard_count_(std::min<size_t>(options.shards, options.max_keys)),
        per_shard_(options.max_keys / shard_count_),
        shards_(std::make_unique<Shard[]>(shard_count_)) {}

  // Locks a variable set of shards, which the thread-safety analysis cannot follow.
  Decision AcquireAll(std::span<const BucketRequest> requests) override
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    detail::CheckRequests(requests);
    absl::InlinedVector<int, 2> first_index;
    const detail::Requests merged = detail::MergeDuplicates(requests, &first_index);
    absl::InlinedVector<Shard*, 2> shard_of;
    for (const BucketRequest& request : merged) shard_of.push_back(&ShardOf(request.key));

    // Shards are locked in address order so that concurrent multi-bucket calls cannot
    // deadlock.
    absl::InlinedVector<Shard*, 2> locked(shard_of.begin(), shard_of.end());
    std::sort(locked.begin(), locked.end());
    locked.erase(std::unique(locked.begin(), locked.end()), locked.end());
    for (Shard* shard : locked) shard->mu.Lock();
    // Read under the locks, so a bucket sees its calls in the order of their times.
    const absl::Time now = clock_.Now();
    Decision decision = Decide(merged, shard_of, now);
    for (auto it = locked.rbegin(); it != locked.rend(); ++it) (*it)->mu.Unlock();

    if (!decision.allowed) decision.limited_by = first_index[decision.limited_by];
    return decision;
  }

  size_t size() override {
    size_t total = 0;
    for (size_t i = 0; i < shard_count_; ++i) {
      absl::MutexLock lock(&shards_[i].mu);
      total += shards_[i].buckets.size();
    }
    return total;
  }

 private:
  Shard& ShardOf(absl::string_view key) {
    // The high bits: the map inside a shard uses the low ones.
    return shards_[(absl::Hash<absl::string_view>{}(key) >> 32) % shard_count_];
  }

  // Every shard in `shard_of` is locked.
  Decision Decide(const detail::Requests& merged, std::span<Shard* const> shard_of,
                  absl::Time now) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    Decision decision;
    decision.local = true;
    decision.allowed = true;
    decision.remaining = std::numeric_limits<double>::infinity();
    absl::InlinedVector<double, 2> levels;
    for (size_t i = 0; i < merged.size(); ++i) {
      const BucketRequest& request = merged[i];
      const auto& buckets = shard_of[i]->buckets;
      const auto it = buckets.find(request.key);
      const double level =
          it == buckets.end() ? request.config.capacity : Level(it->second, request.config, now);
      levels.push_back(level);
      if (detail::CanPay(level, request.cost)) continue;
      const absl::Duration wait = detail::WaitFor(request.config, level, request.cost);
      if (decision.allowed || wait > decision.retry_after) {
        decision.retry_after = wait;
        decision.limited_by = static_cast<int>(i);
      }
      decision.allowed = false;
    }
    if (!decision.allowed) {
      for (double level : levels) decision.remaining = std::min(decision.remaining, level);
      return decision;
    }
    for (size_t i = 0; i < merged.size(); ++i) {
      const double level = std::max(0.0, levels[i] - merged[i].cost);
      decision.remaining = std::min(decision.remaining, level);
      Store(*shard_of[i], merged[i], level, now, merged);
    }
    return decision;
  }

  void Store(Shard& shard, const BucketRequest& request, double level, absl::Time now,
             const detail::Requests& spared) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    const Bucket bucket{level, now, request.config};
    const auto it = shard.buckets.find(request.key);
    if (it != shard.buckets.end()) {
      it->second = bucket;
      return;
    }
    if (level >= request.config.capacity) return;
    if (shard.buckets.size() >= per_shard_) Evict(shard, now, spared);
    shard.buckets.emplace(request.key, bucket);
  }

  // Forgets the buckets nearest to full (full ones first) down to 7/8 of the bound, so a
  // flood of new keys pays one scan per per_shard_/8 of them. The buckets of the request
  // being stored are spared.
  void Evict(Shard& shard, absl::Time now, const detail::Requests& spared)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    using Iterator = absl::flat_hash_map<std::string, Bucket>::iterator;
    std::vector<std::pair<double, Iterator>> candidates;
    candidates.reserve(shard.buckets.size());
    for (auto it = shard.buckets.begin(); it != shard.buckets.end(); ++it) {
      const bool is_spared =
          std::any_of(spared.begin(), spared.end(),
                      [&](const BucketRequest& request) { return request.key == it->first; });
      if (!is_spared) candidates.emplace_back(SecondsToFull(it->second, now), it);
    }
    const size_t target = per_shard_ - std::max<size_t>(1, per_shard_ / 8);
    const size_t drop = std::min(candidates.size(), shard.buckets.size() - target);
    std::nth_element(candidates.begin(), candidates.begin() + drop, candidates.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    // Erasing does not move the other elements of an absl::flat_hash_map.
    for (size_t k = 0; k < drop; ++k) shard.buckets.erase(candidates[k].second);
  }

  common::Clock& clock_;
  const size_t shard_count_;
  // Buckets one shard keeps; shard_count_ * per_shard_ <= max_keys.
  const size_t per_shard_;
  const std::unique_ptr<Shard[]> shards_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<LocalRateLimiter>> NewLocalRateLimiter(
    const LocalLimiterOptions& options, common::Clock& clock) {
  if (options.max_keys < 1) {
    return absl::InvalidArgumentError("LocalLimiterOptions.max_keys must be >= 1");
  }
  if (options.shards < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("LocalLimiterOptions.shards must be >= 1, not ", options.shards));
  }
  return std::make_unique<ShardedRateLimiter>(options, clock);
}

}  // namespace octo::ratelimit
