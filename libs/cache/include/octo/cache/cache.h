// A byte-string cache with per-entry time to live; the interface of every cache level.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace octo::cache {

// Implementations are thread-safe. Keys and values are arbitrary bytes (NULs included).
// A cache may drop any entry at any time; a failing backend behaves as a miss (Get) or a
// no-op (Put, Erase), never as an error to the caller.
class Cache {
 public:
  virtual ~Cache() = default;
  virtual std::optional<std::string> Get(absl::string_view key) = 0;
  // Stores `value` under `key` for `ttl`, replacing any previous value. A `ttl` <= 0
  // stores nothing and acts as Erase.
  virtual void Put(absl::string_view key, absl::string_view value, absl::Duration ttl) = 0;
  virtual void Erase(absl::string_view key) = 0;
};

}  // namespace octo::cache
