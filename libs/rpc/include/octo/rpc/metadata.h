// gRPC metadata keys used between OctoLLM services.
#pragma once

#include <string>

#include "grpcpp/server_context.h"

namespace octo::rpc {

// Tenant the call acts for. Set by the reflex after authentication; the orchestrator and
// arms trust it, so they must only be reachable from inside the deployment.
inline constexpr char kTenantHeader[] = "x-octo-tenant";

// The value of `key` in the call's metadata, or "" when absent.
std::string GetMetadata(const grpc::ServerContextBase& context, const char* key);

}  // namespace octo::rpc
