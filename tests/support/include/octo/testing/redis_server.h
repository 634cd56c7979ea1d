// A throw-away redis-server on a free loopback port, for integration tests.
#pragma once

#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "octo/testing/subprocess.h"

namespace octo::testing {

// Runs `redis-server` without persistence in a temporary directory (its log is redis.log
// there). The destructor kills it. Not thread-safe.
class RedisServer {
 public:
  // Starts the server and waits (up to 10 s) until it accepts connections.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start();
  ~RedisServer();

  int port() const { return port_; }
  // SIGKILL, for outage tests: clients see their connections reset.
  void Kill();
  // SIGSTOP / SIGCONT: connections stay open but nothing answers, so clients time out.
  void Pause();
  void Resume();
  // Kills the server if it runs and starts an empty one on the same port.
  absl::Status Restart();

 private:
  explicit RedisServer(int port) : port_(port) {}
  absl::Status Spawn();

  const int port_;
  TempDir dir_;
  std::optional<Subprocess> process_;
};

}  // namespace octo::testing
