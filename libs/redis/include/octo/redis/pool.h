// Redis connections shared by concurrent callers, behind a circuit breaker.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "octo/redis/connection.h"
#include "octo/redis/options.h"

namespace octo::redis {

// Told when the breaker opens and closes, to log outages. Each is optional; they run on the
// caller's thread without the pool's lock held, possibly concurrently with each other.
struct BreakerHooks {
  // Redis was healthy and has failed; `why` is hiredis' reason or the argument of Trip.
  std::function<void(absl::string_view why)> on_open;
  // A probe connected again after an outage.
  std::function<void()> on_close;
};

// Up to options.pool_size connections, opened on demand. After any connection failure every
// idle connection is dropped and Run fails at once, without touching Redis, for
// options.retry_after; then a single caller reconnects (probes) while the others keep
// failing. Thread-safe.
class Pool {
 public:
  explicit Pool(RedisOptions options, BreakerHooks hooks = {});

  // Sends one command (binary-safe arguments) on a pooled connection and reads its reply.
  // Error replies (Reply::Type::kError) come back as replies: the connection is fine.
  // UNAVAILABLE when Redis failed or the breaker is open; DEADLINE_EXCEEDED when every
  // connection stayed busy for command_timeout.
  absl::StatusOr<Reply> Run(std::initializer_list<absl::string_view> args);
  absl::StatusOr<Reply> Run(absl::Span<const std::string> args);

  // Opens the breaker as a connection failure would, for replies that say Redis cannot serve
  // now (e.g. an error reply where data was expected).
  void Trip(absl::string_view why);

 private:
  struct Entry {
    Connection connection;
    // Value of generation_ when connected; older connections predate a failure.
    uint64_t generation;
  };

  absl::StatusOr<Reply> RunArgs(absl::Span<const absl::string_view> args);
  absl::StatusOr<Entry> Acquire();
  void Release(Entry entry);
  // Forgets a failed connection and opens the breaker.
  void Fail(Entry entry, absl::string_view why);
  // Returns true when the breaker was closed until now.
  bool OpenBreaker() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CanAcquire() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const RedisOptions options_;
  const BreakerHooks hooks_;
  absl::Mutex mu_;
  std::vector<Entry> idle_ ABSL_GUARDED_BY(mu_);
  // Connections idle or in use.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  // Until then Run fails at once; InfinitePast while Redis is healthy.
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace octo::redis
