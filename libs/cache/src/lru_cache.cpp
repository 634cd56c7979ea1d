#include "octo/cache/lru_cache.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace octo::cache {
namespace {

// One lock's worth of the cache: an LRU list (front = most recent) indexed by key.
class Shard {
 public:
  explicit Shard(size_t max_bytes) : max_bytes_(max_bytes) {}

  std::optional<std::string> Get(absl::string_view key, absl::Time now) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    auto entry = it->second;
    if (entry->expires <= now) {
      Remove(it);
      return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, entry);
    return entry->value;
  }

  void Put(absl::string_view key, absl::string_view value, absl::Time expires) {
    const size_t bytes = key.size() + value.size();
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (bytes > max_bytes_) {
      if (it != index_.end()) Remove(it);
      return;
    }
    if (it != index_.end()) {
      auto entry = it->second;
      bytes_ -= entry->value.size();
      bytes_ += value.size();
      entry->value.assign(value.data(), value.size());
      entry->expires = expires;
      lru_.splice(lru_.begin(), lru_, entry);
    } else {
      lru_.push_front(Entry{std::string(key), std::string(value), expires});
      index_.emplace(lru_.front().key, lru_.begin());
      bytes_ += bytes;
    }
    while (bytes_ > max_bytes_) Remove(index_.find(lru_.back().key));
  }

  void Erase(absl::string_view key) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) Remove(it);
  }

 private:
  struct Entry {
    std::string key;
    std::string value;
    absl::Time expires;
  };
  // Keys are views of Entry::key; list nodes never move, so the views stay valid.
  using Index = absl::flat_hash_map<absl::string_view, std::list<Entry>::iterator>;

  void Remove(Index::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto entry = it->second;
    bytes_ -= entry->key.size() + entry->value.size();
    index_.erase(it);
    lru_.erase(entry);
  }

  const size_t max_bytes_;
  absl::Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);
  Index index_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

class LruCache final : public Cache {
 public:
  explicit LruCache(const LruOptions& options)
      : clock_(options.clock != nullptr ? *options.clock : common::RealClock()) {
    const size_t count = std::bit_ceil(static_cast<size_t>(std::max(options.shards, 1)));
    shift_ = sizeof(size_t) * CHAR_BIT - std::countr_zero(count);
    shards_.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      shards_.push_back(std::make_unique<Shard>(options.max_bytes / count));
    }
  }

  std::optional<std::string> Get(absl::string_view key) override {
    return ShardFor(key).Get(key, clock_.Now());
  }

  void Put(absl::string_view key, absl::string_view value, absl::Duration ttl) override {
    if (ttl <= absl::ZeroDuration()) {
      Erase(key);
      return;
    }
    ShardFor(key).Put(key, value, clock_.Now() + ttl);
  }

  void Erase(absl::string_view key) override { ShardFor(key).Erase(key); }

 private:
  // High bits pick the shard: the low ones also pick slots inside each shard's hash map.
  Shard& ShardFor(absl::string_view key) {
    if (shards_.size() == 1) return *shards_[0];
    return *shards_[absl::Hash<absl::string_view>{}(key) >> shift_];
  }

  common::Clock& clock_;
  int shift_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace

std::unique_ptr<Cache> NewLruCache(const LruOptions& options) {
  return std::make_unique<LruCache>(options);
}

}  // namespace octo::cache
