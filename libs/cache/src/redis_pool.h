// Private: hiredis connections with timeouts, pooled behind a circuit breaker.
#pragma once

#include <hiredis/hiredis.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "octo/cache/redis_cache.h"

namespace octo::cache::detail {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// Connects within options.connect_timeout; reads and writes then time out after
// options.command_timeout. Null on failure.
ContextPtr Connect(const RedisOptions& options);

// Sends one command (arguments are binary-safe) and reads its reply. Null when the
// connection failed; the context is then unusable.
ReplyPtr Command(redisContext* context, std::initializer_list<absl::string_view> args);

// Up to options.pool_size connections shared by concurrent callers. After any connection
// failure every idle connection is dropped and Run answers null without touching Redis for
// options.retry_after; then a single caller reconnects while the others keep answering null.
// Thread-safe.
class RedisPool {
 public:
  explicit RedisPool(RedisOptions options) : options_(std::move(options)) {}

  // Null when Redis failed, the pool was busy for command_timeout, or the breaker is open.
  // Error replies (REDIS_REPLY_ERROR) come back as replies: the connection is fine.
  ReplyPtr Run(std::initializer_list<absl::string_view> args);

 private:
  struct Connection {
    ContextPtr context;
    // Value of generation_ when connected; older connections predate a failure.
    uint64_t generation;
  };

  std::optional<Connection> Acquire();
  void Release(Connection connection);
  // Forgets a failed connection and opens the breaker.
  void Fail(Connection connection);
  void OpenBreaker() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CanAcquire() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const RedisOptions options_;
  absl::Mutex mu_;
  std::vector<Connection> idle_ ABSL_GUARDED_BY(mu_);
  // Connections idle or in use.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  // Until then Run answers null; InfinitePast while Redis is healthy.
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace octo::cache::detail
