// Where a Redis server is and how long to wait for it: the options shared by every Redis
// client in the project (octo::cache, octo::ratelimit).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace octo::redis {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  // Prepended to every key by the clients built on these options (cache entries, rate-limit
  // buckets), never to pub/sub channels; the connection and the pool ignore it.
  // Default "octo:".
  std::string key_prefix = "octo:";
  // Bounds one TCP connect. Default 200 ms.
  absl::Duration connect_timeout = absl::Milliseconds(200);
  // Bounds each socket read and write of a command. Default 100 ms.
  absl::Duration command_timeout = absl::Milliseconds(100);
  // Connections kept for concurrent callers; a caller finding all of them busy waits up to
  // command_timeout, then fails. Default 4.
  int pool_size = 4;
  // After a failure (connect, timeout, disconnect), how long every call fails at once without
  // touching Redis; then one call probes Redis again. Default 1 s.
  absl::Duration retry_after = absl::Seconds(1);
};

// Parses "host:port", "[ipv6]:port" or "redis://host:port" into options (other fields keep
// their defaults). INVALID_ARGUMENT when malformed (empty host, port not in 1..65535,
// anything after the port).
absl::StatusOr<RedisOptions> ParseRedisAddress(const std::string& address);

}  // namespace octo::redis
