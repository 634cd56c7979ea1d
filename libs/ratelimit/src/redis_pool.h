// Private: hiredis connections with timeouts, pooled behind a circuit breaker. The same
// design as octo::cache's pool (whose header is private to it), with commands of any length
// and a way to open the breaker on error replies.
#pragma once

#include <hiredis/hiredis.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "octo/cache/redis_cache.h"

namespace octo::ratelimit::detail {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// Up to options.pool_size connections shared by concurrent callers. After a failure every
// idle connection is dropped and Run answers null without touching Redis for
// options.retry_after; then a single caller reconnects while the others keep answering null.
// Thread-safe.
class RedisPool {
 public:
  explicit RedisPool(cache::RedisOptions options) : options_(std::move(options)) {}

  // Sends one command (binary-safe arguments) and reads its reply. Null when Redis failed,
  // the pool was busy for command_timeout, or the breaker is open. Error replies
  // (REDIS_REPLY_ERROR) come back as replies.
  ReplyPtr Run(std::span<const std::string> args);

  // Opens the breaker as a connection failure would, for replies that say Redis cannot
  // serve now. `why` is logged when the breaker was closed.
  void Trip(absl::string_view why);

 private:
  struct Connection {
    ContextPtr context;
    // Value of generation_ when connected; older connections predate a failure.
    uint64_t generation;
  };

  std::optional<Connection> Acquire();
  void Release(Connection connection);
  // Forgets a failed connection and opens the breaker.
  void Fail(Connection connection, absl::string_view why);
  // True when the breaker was closed until now.
  bool OpenBreaker() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CanAcquire() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const cache::RedisOptions options_;
  absl::Mutex mu_;
  std::vector<Connection> idle_ ABSL_GUARDED_BY(mu_);
  // Connections idle or in use.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  // Until then Run answers null; InfinitePast while Redis is healthy.
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace octo::ratelimit::detail
