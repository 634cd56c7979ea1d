// The running system for end-to-end tests and tools: a fresh database on the shared Postgres
// server, a Redis server, and the real binaries (arms, orchestrator, reflex) started as child
// processes on free loopback ports, each logging to a file in the system's log folder.
//
//   auto system = System::Start({.arm = OCTO_ARM_BIN, ...});
//   ServiceProcess& retriever = (*system)->Arm("retriever");
//   ServiceProcess& orchestrator = (*system)->Orchestrator({&retriever});
//   ASSERT_OK((*system)->WaitForHealthyArms(orchestrator, 1));
//   ServiceProcess& reflex = (*system)->Reflex(orchestrator);
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "octo/testing/redis_server.h"
#include "octo/testing/subprocess.h"

namespace octo::testing {

struct ServiceProcess {
  std::string name;
  int grpc_port = 0;
  int metrics_port = 0;
  std::string log_path;
  std::optional<Subprocess> process;
  // "127.0.0.1:<grpc_port>".
  std::string address() const;
};

// Paths of the binaries (the tests' CMake passes $<TARGET_FILE:...>).
struct Binaries {
  std::string arm;
  std::string orchestrator;
  std::string reflex;
  std::string octoctl;
};

class System {
 public:
  // A new database on PostgresServer::Shared() and a new Redis server.
  static absl::StatusOr<std::unique_ptr<System>> Start(Binaries binaries);
  // Stops whatever is still running (StopAll).
  ~System();

  // Starts `binary` with --listen, --metrics_listen and `flags`, the extra environment `env`,
  // and waits until its gRPC port accepts connections (failing the test when it does not).
  ServiceProcess& Launch(const std::string& name, const std::string& binary,
                         std::vector<std::string> flags,
                         std::map<std::string, std::string> env = {});
  // An arm of `kind`; a retriever gets the database, the model arms the database and Redis
  // (spend limits).
  ServiceProcess& Arm(const std::string& kind, std::vector<std::string> flags = {},
                      std::map<std::string, std::string> env = {});
  // An orchestrator over `arms`, with the database and Redis.
  ServiceProcess& Orchestrator(const std::vector<const ServiceProcess*>& arms,
                               std::vector<std::string> flags = {});
  // A reflex in front of `orchestrator` that also lets anonymous callers in as tenant "dev".
  ServiceProcess& Reflex(const ServiceProcess& orchestrator, std::vector<std::string> flags = {});

  // Waits until the orchestrator reports `count` healthy arms (Operations.ListArms).
  absl::Status WaitForHealthyArms(const ServiceProcess& orchestrator, int count,
                                  absl::Duration timeout = absl::Seconds(30));

  // Runs octoctl with the database, Redis and `args`; its standard output and error, or an
  // error when it exits non-zero (the message holds the output).
  absl::StatusOr<std::string> Octoctl(const std::vector<std::string>& args);

  // SIGTERM to every service still running, newest first; for each that did not exit 0,
  // its name, how it ended ("signal 9", "exit 1") and the end of its log.
  std::vector<std::string> StopAll(absl::Duration grace = absl::Seconds(10));

  const std::string& dsn() const { return dsn_; }
  int redis_port() const { return redis_->port(); }
  // For tests of a Redis outage (Kill, Restart).
  RedisServer& redis() { return *redis_; }
  const std::string& logs() const { return logs_.path(); }

 private:
  System(Binaries binaries, std::string dsn, std::unique_ptr<RedisServer> redis)
      : binaries_(std::move(binaries)), dsn_(std::move(dsn)), redis_(std::move(redis)) {}

  Binaries binaries_;
  std::string dsn_;
  std::unique_ptr<RedisServer> redis_;
  TempDir logs_;
  std::vector<std::unique_ptr<ServiceProcess>> services_;
  int octoctl_runs_ = 0;
};

}  // namespace octo::testing
