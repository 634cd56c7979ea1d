// The orchestrator's Operations service: arm fleet status and document ingestion.
#pragma once

#include "octo/v1/operations.grpc.pb.h"
#include "src/routing/arm_registry.h"

namespace octo::orchestrator {

class OperationsService final : public v1::Operations::Service {
 public:
  explicit OperationsService(ArmRegistry& arms) : arms_(arms) {}

  grpc::Status ListArms(grpc::ServerContext* context, const v1::ListArmsRequest* request,
                        v1::ListArmsResponse* response) override;
  // Tenant from x-octo-tenant, as for TaskService.
  grpc::Status IngestDocuments(grpc::ServerContext* context,
                               const v1::IngestDocumentsRequest* request,
                               v1::IngestDocumentsResponse* response) override;

 private:
  ArmRegistry& arms_;
};

}  // namespace octo::orchestrator
