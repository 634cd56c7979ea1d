// gRPC interceptors recording the metric names the ecosystem's dashboards know:
// grpc_server_started_total, grpc_server_handled_total, grpc_server_handling_seconds and
// their grpc_client_* counterparts, labelled grpc_service, grpc_method, grpc_type
// (and grpc_code for handled).
#pragma once

#include <memory>

#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/registry.h"

namespace octo::telemetry {

// The registry must outlive every server built with the factory.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewServerMetricsInterceptorFactory(prometheus::Registry& registry);

// The registry must outlive every channel built with the factory.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
NewClientMetricsInterceptorFactory(prometheus::Registry& registry);

}  // namespace octo::telemetry
