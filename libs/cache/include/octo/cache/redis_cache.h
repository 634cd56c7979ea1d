// L2: a cache in Redis shared by every replica, plus invalidation over Redis pub/sub.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/cache/cache.h"
#include "octo/redis/options.h"

namespace octo::cache {

// The connection options and their parser live in octo::redis; these names remain only for
// the service and tool mains that still spell them in octo::cache. New code uses octo::redis.
using RedisOptions = redis::RedisOptions;
using redis::ParseRedisAddress;

// The functions below never fail to construct: an unreachable Redis is retried lazily (see
// the Cache contract). Since hiredis writes with write(2), the first call sets SIGPIPE to
// SIG_IGN process-wide if it is still SIG_DFL.

// Keys are stored as key_prefix + key with `SET ... PX`; TTLs are rounded up to whole
// milliseconds. Thread-safe.
std::unique_ptr<Cache> NewRedisCache(const RedisOptions& options);

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
