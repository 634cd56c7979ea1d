// L2: a cache in Redis shared by every replica, plus invalidation over Redis pub/sub.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/cache/cache.h"

namespace octo::cache {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  // Prepended to every cache key (not to pub/sub channels). Default "octo:".
  std::string key_prefix = "octo:";
  // Bounds one TCP connect. Default 200 ms.
  absl::Duration connect_timeout = absl::Milliseconds(200);
  // Bounds each socket read and write of a command. Default 100 ms.
  absl::Duration command_timeout = absl::Milliseconds(100);
  // Connections kept for concurrent callers; a caller finding all of them busy waits up to
  // command_timeout, then misses. Default 4.
  int pool_size = 4;
  // After a failure (connect, timeout, disconnect), how long every call answers as a miss or
  // a no-op without touching Redis; then one call probes Redis again. Default 1 s.
  absl::Duration retry_after = absl::Seconds(1);
};

// The functions below never fail to construct: an unreachable Redis is retried lazily (see
// the Cache contract). Since hiredis writes with write(2), the first call sets SIGPIPE to
// SIG_IGN process-wide if it is still SIG_DFL.

// Keys are stored as key_prefix + key with `SET ... PX`; TTLs are rounded up to whole
// milliseconds. Thread-safe.
std::unique_ptr<Cache> NewRedisCache(const RedisOptions& options);

// Parses "host:port", "[ipv6]:port" or "redis://host:port" into options (other fields keep
// their defaults). INVALID_ARGUMENT when malformed (empty host, port not in 1..65535,
// anything after the port).
absl::StatusOr<RedisOptions> ParseRedisAddress(const std::string& address);

// Publishes invalidations of keys to every subscriber (all reflex replicas).
class Invalidator {
 public:
  virtual ~Invalidator() = default;
  // Sends `key` as is (without key_prefix). Best effort; a Redis outage drops the message.
  // Thread-safe.
  virtual void Publish(absl::string_view key) = 0;
};

// Publishes on `channel` with the pooling and failure handling of NewRedisCache.
std::unique_ptr<Invalidator> NewRedisInvalidator(const RedisOptions& options, std::string channel);

// Subscribes to `channel` on its own thread and calls `on_key` there for each published key;
// reconnects by itself with backoff (up to 2 s). Keys published while disconnected are lost,
// so a subscriber's copies may stay stale until their TTL. The destructor stops the thread
// within about 100 ms (plus connect_timeout + command_timeout while it is connecting);
// `on_key` must not destroy the Subscription.
class Subscription {
 public:
  virtual ~Subscription() = default;
};

std::unique_ptr<Subscription> SubscribeInvalidations(const RedisOptions& options,
                                                     std::string channel,
                                                     std::function<void(absl::string_view)> on_key);

}  // namespace octo::cache
