// Starting a server process: the settings every process shares, logging, /metrics, and
// serving gRPC until SIGTERM with a graceful drain.
//
//   int main(int argc, char** argv) {
//     octo::rpc::PrepareServerProcess();
//     octo::reflex::Options options;   // ProcessOptions process; Bind; Validate; LogService
//     octo::rpc::LoadOptionsOrExit({"octo-reflex", "Ingress: ..."}, argc, argv, options);
//     auto metrics = octo::rpc::MetricsEndpoint::StartOrExit(options.process);
//     ... build the adapters and the service from options ...
//     return octo::rpc::ServeOrExit("reflex", options.process.server(), {&service}, metrics);
//   }
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/common/config.h"
#include "octo/common/log.h"
#include "octo/rpc/server.h"
#include "octo/telemetry/metrics.h"

namespace octo::rpc {

// Call first in a server's main, before anything starts threads: blocks SIGTERM and SIGINT
// in this thread and the threads it starts (WaitForShutdownSignal takes them), and turns off
// Abseil's mutex deadlock detection, a debugging aid that costs a graph update on every lock
// in Debian's build of Abseil.
void PrepareServerProcess();
// Waits for SIGTERM or SIGINT (blocked by PrepareServerProcess) and returns it.
int WaitForShutdownSignal();

// This process's identity, "host:pid:random", the same for every call: for provenance, logs
// and lease owners. The random part tells apart a restarted process that got the same pid.
const std::string& InstanceId();

// Which of the shared settings a process has, and how its variables are named.
struct ProcessFlags {
  // Prefix of the address variables: "OCTO_REFLEX" binds OCTO_REFLEX_LISTEN and
  // OCTO_REFLEX_METRICS_LISTEN.
  std::string env_prefix;
  std::string listen_help = "gRPC listen address";
  bool metrics_listen = true;      // --metrics_listen
  bool max_message_bytes = false;  // --max_message_bytes (OCTO_MAX_MESSAGE_BYTES)
  bool drain_timeout = true;       // --drain_timeout (OCTO_DRAIN_TIMEOUT)
};

// The settings every server process shares. A service's Options sets the defaults of
// `listen` and `metrics_listen` (and `max_message_bytes` where it differs) before Bind.
struct ProcessOptions {
  // gRPC "host:port"; port 0 picks a free one.
  std::string listen = "127.0.0.1:0";
  // /metrics "host:port"; port 0 picks a free one.
  std::string metrics_listen = "127.0.0.1:0";
  // Largest gRPC request or response. Default 4 MiB.
  int max_message_bytes = 4 << 20;
  // Grace period for in-flight calls on SIGTERM. Default 20 s.
  absl::Duration drain_timeout = absl::Seconds(20);
  // debug | info | warn | error.
  std::string log_level = "info";

  // Binds --listen and, as `flags` says, --metrics_listen, --max_message_bytes and
  // --drain_timeout, then --log_level (OCTO_LOG_LEVEL).
  void Bind(common::ConfigBinder& binder, const ProcessFlags& flags);
  // The gRPC server's options: listen, message size and drain timeout from these settings.
  ServerOptions server() const;
};

// What --help says about a program.
struct Program {
  absl::string_view name;     // "octo-reflex"
  absl::string_view summary;  // one or a few lines
};

// Fills `options` from the OCTO_* environment and then argv through options.Bind(binder)
// (--help prints the settings and exits 0; an unknown flag or a malformed value exits 2),
// starts JSON logging as options.LogService() at options.process.log_level, and exits 1
// with the message of options.Validate() when that is not OK (it names the setting).
template <typename Options>
void LoadOptionsOrExit(const Program& program, int argc, char** argv, Options& options) {
  common::ConfigBinder binder{std::string(program.name), std::string(program.summary)};
  options.Bind(binder);
  binder.ParseOrExit(argc, argv);
  log::InitOrExit(options.LogService(), options.process.log_level);
  if (absl::Status valid = options.Validate(); !valid.ok()) log::Fatal(valid);
}

// The process's Prometheus registry, served at /metrics while the object lives.
class MetricsEndpoint {
 public:
  // Binds options.metrics_listen; exits 1 (log::Fatal) when it cannot.
  static MetricsEndpoint StartOrExit(const ProcessOptions& options);

  prometheus::Registry& registry() { return *registry_; }
  const std::shared_ptr<prometheus::Registry>& shared_registry() const { return registry_; }
  int port() const { return server_->port(); }

 private:
  MetricsEndpoint(std::shared_ptr<prometheus::Registry> registry,
                  std::unique_ptr<telemetry::MetricsServer> server)
      : registry_(std::move(registry)), server_(std::move(server)) {}
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<telemetry::MetricsServer> server_;
};

// Logs "<service> serving" with `fields`, waits for SIGTERM or SIGINT (blocked by
// PrepareServerProcess), calls `stop` (which drains), logs "<service> stopped" and returns
// 0, the process's exit code.
int ServeUntilSignal(absl::string_view service, std::initializer_list<log::Field> fields,
                     absl::FunctionRef<void()> stop);

// Starts a ServerHost with `services` (health, reflection, metrics in `metrics`' registry)
// and serves until SIGTERM or SIGINT, then drains for server.drain_timeout. The serving line
// carries `detail` (when its key is not empty), grpc_port and metrics_port. Exits 1 when the
// address cannot be bound. The services must outlive the call.
int ServeOrExit(absl::string_view service, const ServerOptions& server,
                const std::vector<grpc::Service*>& services, MetricsEndpoint& metrics,
                log::Field detail = {});

}  // namespace octo::rpc
