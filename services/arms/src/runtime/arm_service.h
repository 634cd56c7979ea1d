// The Arm gRPC service: concurrency limit, capability check, provenance and metrics
// around one ArmHandler.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "octo/v1/arm.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "src/runtime/arm_handler.h"

namespace octo::arms {

struct ArmServiceOptions {
  // Concurrent Execute calls; more get RESOURCE_EXHAUSTED. Default 32.
  int max_concurrency = 32;
  // Reported in Describe and provenance.
  std::string version = "dev";
  std::string instance;
};

class ArmService final : public v1::Arm::Service {
 public:
  ArmService(std::unique_ptr<ArmHandler> handler, ArmServiceOptions options,
             prometheus::Registry& registry);

  grpc::Status Describe(grpc::ServerContext* context, const v1::DescribeRequest* request,
                        v1::ArmDescription* response) override;
  grpc::Status Execute(grpc::ServerContext* context, const v1::ExecuteRequest* request,
                       v1::ExecuteResponse* response) override;

 private:
  std::unique_ptr<ArmHandler> handler_;
  ArmServiceOptions options_;
  v1::ArmDescription description_;
  std::atomic<int> in_flight_{0};
  prometheus::Family<prometheus::Counter>& executions_;
  prometheus::Histogram& execute_seconds_;
  prometheus::Gauge& in_flight_gauge_;
};

}  // namespace octo::arms
