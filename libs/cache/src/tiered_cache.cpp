#include "octo/cache/tiered_cache.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace octo::cache {

TieredCache::TieredCache(std::unique_ptr<Cache> l1, std::unique_ptr<Cache> l2,
                         TieredOptions options)
    : l1_(std::move(l1)), l2_(std::move(l2)), options_(options) {
  if (l1_ == nullptr || l2_ == nullptr) {
    std::fputs("TieredCache: l1 and l2 must not be null\n", stderr);
    std::abort();
  }
}

std::optional<std::string> TieredCache::Get(absl::string_view key) { return Get(key, nullptr); }

std::optional<std::string> TieredCache::Get(absl::string_view key, Level* level) {
  Level answered = Level::kMiss;
  std::optional<std::string> value = l1_->Get(key);
  if (value.has_value()) {
    answered = Level::kL1;
  } else if ((value = l2_->Get(key)).has_value()) {
    answered = Level::kL2;
    l1_->Put(key, *value, options_.l1_ttl);
  }
  if (level != nullptr) *level = answered;
  return value;
}

void TieredCache::Put(absl::string_view key, absl::string_view value, absl::Duration ttl) {
  l2_->Put(key, value, ttl);
  l1_->Put(key, value, std::min(ttl, options_.l1_ttl));
}

// L2 first: erasing L1 first would let a concurrent Get refill L1 from the old L2 value.
void TieredCache::Erase(absl::string_view key) {
  l2_->Erase(key);
  l1_->Erase(key);
}

void TieredCache::PutLocal(absl::string_view key, absl::string_view value) {
  l1_->Put(key, value, options_.l1_ttl);
}

void TieredCache::EraseLocal(absl::string_view key) { l1_->Erase(key); }

}  // namespace octo::cache
