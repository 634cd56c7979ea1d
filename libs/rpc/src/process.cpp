#include "octo/rpc/process.h"

#include <unistd.h>

#include <csignal>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace octo::rpc {

void PrepareServerProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

const std::string& InstanceId() {
  static const std::string* id = [] {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    absl::BitGen gen;
    return new std::string(
        absl::StrCat(host, ":", getpid(), ":", absl::Hex(absl::Uniform<uint32_t>(gen))));
  }();
  return *id;
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  log::Info("shutdown signal received", {{"signal", absl::StrCat(signal)}});
  return signal;
}

void ProcessOptions::Bind(common::ConfigBinder& binder, const ProcessFlags& flags) {
  binder.Bind("listen", absl::StrCat(flags.env_prefix, "_LISTEN"), &listen, flags.listen_help);
  if (flags.metrics_listen) {
    binder.Bind("metrics_listen", absl::StrCat(flags.env_prefix, "_METRICS_LISTEN"),
                &metrics_listen, "Prometheus /metrics address");
  }
  if (flags.max_message_bytes) {
    binder.Bind("max_message_bytes", "OCTO_MAX_MESSAGE_BYTES", &max_message_bytes,
                "largest gRPC message accepted");
  }
  if (flags.drain_timeout) {
    binder.Bind("drain_timeout", "OCTO_DRAIN_TIMEOUT", &drain_timeout,
                "grace period for in-flight calls on SIGTERM");
  }
  binder.Bind("log_level", "OCTO_LOG_LEVEL", &log_level, "debug | info | warn | error");
}

ServerOptions ProcessOptions::server() const {
  ServerOptions options;
  options.listen = listen;
  options.max_message_bytes = max_message_bytes;
  options.drain_timeout = drain_timeout;
  return options;
}

MetricsEndpoint MetricsEndpoint::StartOrExit(const ProcessOptions& options) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto server = telemetry::StartMetricsServer(options.metrics_listen, registry);
  if (!server.ok()) log::Fatal(server.status());
  return MetricsEndpoint(std::move(registry), *std::move(server));
}

int ServeUntilSignal(absl::string_view service, std::initializer_list<log::Field> fields,
                     absl::FunctionRef<void()> stop) {
  log::Info(absl::StrCat(service, " serving"), fields);
  WaitForShutdownSignal();
  stop();
  log::Info(absl::StrCat(service, " stopped"));
  return 0;
}

int ServeOrExit(absl::string_view service, const ServerOptions& server,
                const std::vector<grpc::Service*>& services, MetricsEndpoint& metrics,
                log::Field detail) {
  auto host = ServerHost::Start(server, services, metrics.registry());
  if (!host.ok()) log::Fatal(host.status());
  const auto stop = [&host] { (*host)->Shutdown(); };
  log::Field grpc_port{"grpc_port", absl::StrCat((*host)->port())};
  log::Field metrics_port{"metrics_port", absl::StrCat(metrics.port())};
  if (detail.key.empty()) return ServeUntilSignal(service, {grpc_port, metrics_port}, stop);
  return ServeUntilSignal(service, {detail, grpc_port, metrics_port}, stop);
}

}  // namespace octo::rpc
