// L1 in front of L2: reads fill L1 from L2 hits; writes and erases go to both.
#pragma once

#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/cache/cache.h"

namespace octo::cache {

struct TieredOptions {
  // TTL of entries copied into L1 from L2 hits, and upper bound on the L1 TTL of Put.
  // Bounds how long a replica can serve a value another replica has invalidated if the
  // invalidation message is lost. Default 60 s.
  absl::Duration l1_ttl = absl::Seconds(60);
};

// Which level answered a Get; for metrics.
enum class Level { kMiss, kL1, kL2 };

// Thread-safe as long as both levels are.
class TieredCache final : public Cache {
 public:
  // `l1` and `l2` must not be null.
  TieredCache(std::unique_ptr<Cache> l1, std::unique_ptr<Cache> l2, TieredOptions options = {});
  std::optional<std::string> Get(absl::string_view key) override;
  // Like Get, and stores which level answered in `*level` (when not null).
  std::optional<std::string> Get(absl::string_view key, Level* level);
  // Puts to L2, and to L1 with TTL min(ttl, l1_ttl).
  void Put(absl::string_view key, absl::string_view value, absl::Duration ttl) override;
  void Erase(absl::string_view key) override;
  // Stores `value` in L1 only, for l1_ttl: a process-local copy of a value whose owner
  // writes the shared L2 itself.
  void PutLocal(absl::string_view key, absl::string_view value);
  // Drops `key` from L1 only (an invalidation from another replica already cleared L2).
  void EraseLocal(absl::string_view key);

 private:
  std::unique_ptr<Cache> l1_;
  std::unique_ptr<Cache> l2_;
  TieredOptions options_;
};

}  // namespace octo::cache
