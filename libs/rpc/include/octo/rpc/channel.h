// Client channels between OctoLLM services.
#pragma once

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "prometheus/registry.h"

namespace octo::rpc {

struct ChannelOptions {
  // Largest message sent or received. Default 4 MiB.
  int max_message_bytes = 4 << 20;
  // Registry for grpc_client_* metrics; none when null. Must outlive the channel.
  prometheus::Registry* registry = nullptr;
  // gRPC health checking of every backend (grpc.health.v1, service ""): round_robin then
  // sends calls only to backends that answer SERVING. Default off.
  bool health_checking = false;
};

// An insecure channel with client-side round_robin over every address `target` resolves
// to (use "dns:///name:port" so each replica gets calls, not just connections), keepalive
// pings, quick reconnects, and the client metrics interceptor.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target,
                                           const ChannelOptions& options = {});

}  // namespace octo::rpc
