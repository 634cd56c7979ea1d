// L1: an in-process cache, sharded LRU with TTL and a bound on bytes held.
#pragma once

#include <cstddef>
#include <memory>

#include "absl/time/time.h"
#include "octo/cache/cache.h"
#include "octo/common/clock.h"

namespace octo::cache {

struct LruOptions {
  // Upper bound on key + value bytes held over all shards. Each shard holds at most
  // max_bytes / shards; a Put of a larger entry stores nothing. Default 64 MiB.
  size_t max_bytes = 64 << 20;
  // Shards, each with its own lock, chosen by a hash of the key; rounded up to a power of
  // two (at least 1). Default 16.
  int shards = 16;
  // Time source; must outlive the cache. Default: the wall clock.
  common::Clock* clock = &common::RealClock();
};

// Least recently used entries are evicted first, per shard; expired entries are dropped
// when a Get finds them (or when evicted). Thread-safe.
std::unique_ptr<Cache> NewLruCache(const LruOptions& options = {});

}  // namespace octo::cache
