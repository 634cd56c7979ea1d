// Hosting a gRPC server the OctoLLM way: health, reflection, metrics, graceful drain.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "prometheus/registry.h"

namespace octo::rpc {

struct ServerOptions {
  // "host:port"; port 0 picks a free one (see ServerHost::port).
  std::string listen = "127.0.0.1:0";
  // Largest request or response accepted. Default 4 MiB.
  int max_message_bytes = 4 << 20;
  // How long Shutdown lets in-flight calls finish before cancelling them. Default 20 s.
  absl::Duration drain_timeout = absl::Seconds(20);
  // Upper bound on threads serving synchronous methods. Default 64.
  int max_sync_threads = 64;
};

// A started server with grpc.health.v1.Health (SERVING), server reflection and the
// Prometheus interceptor. The services and the registry must outlive it.
class ServerHost {
 public:
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<ServerHost>> Start(const ServerOptions& options,
                                                           const std::vector<grpc::Service*>& services,
                                                           prometheus::Registry& registry);
  ~ServerHost();

  int port() const { return port_; }
  grpc::Server* server() { return server_.get(); }
  // Health → NOT_SERVING, stop accepting calls, wait for in-flight calls up to the drain
  // timeout, then cancel the rest. Idempotent.
  void Shutdown();

 private:
  ServerHost(std::unique_ptr<grpc::Server> server, int port, absl::Duration drain)
      : server_(std::move(server)), port_(port), drain_(drain) {}
  std::unique_ptr<grpc::Server> server_;
  int port_;
  absl::Duration drain_;
  bool shut_down_ = false;
};

}  // namespace octo::rpc
