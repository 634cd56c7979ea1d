#include "octo/testing/redis_server.h"

#include <signal.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace octo::testing {

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start() {
  const int port = PickFreePort();
  if (port <= 0) return absl::UnavailableError("no free loopback port");
  std::unique_ptr<RedisServer> server(new RedisServer(port));
  if (absl::Status status = server->Spawn(); !status.ok()) return status;
  return server;
}

RedisServer::~RedisServer() { Kill(); }

absl::Status RedisServer::Spawn() {
  SpawnOptions options;
  options.log_path = absl::StrCat(dir_.path(), "/redis.log");
  auto process =
      Subprocess::Spawn({"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                         "--save", "", "--appendonly", "no", "--dir", dir_.path()},
                        options);
  if (!process.ok()) return process.status();
  process_ = std::move(*process);
  if (absl::Status status = WaitForPort(port_, absl::Seconds(10)); !status.ok()) {
    return absl::UnavailableError(absl::StrCat("redis-server did not start: ", status.message(),
                                               "; log: ", options.log_path));
  }
  if (process_->Wait(absl::ZeroDuration()).ok()) {
    return absl::UnavailableError(absl::StrCat("redis-server exited; log: ", options.log_path));
  }
  return absl::OkStatus();
}

void RedisServer::Kill() {
  if (!process_.has_value() || !process_->running()) return;
  process_->Signal(SIGKILL);
  (void)process_->Wait(absl::Seconds(30));
  process_.reset();
}

void RedisServer::Pause() {
  if (process_.has_value()) process_->Signal(SIGSTOP);
}

void RedisServer::Resume() {
  if (process_.has_value()) process_->Signal(SIGCONT);
}

absl::Status RedisServer::Restart() {
  Kill();
  return Spawn();
}

}  // namespace octo::testing
