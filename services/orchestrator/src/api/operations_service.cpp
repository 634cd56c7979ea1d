#include "src/api/operations_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "octo/rpc/metadata.h"
#include "octo/telemetry/trace.h"
#include "src/run/retry_policy.h"

namespace octo::orchestrator {

grpc::Status OperationsService::ListArms(grpc::ServerContext*, const v1::ListArmsRequest*,
                                         v1::ListArmsResponse* response) {
  for (v1::ArmStatus& status : arms_.List()) *response->add_arms() = std::move(status);
  return grpc::Status::OK;
}

grpc::Status OperationsService::IngestDocuments(grpc::ServerContext* context,
                                                const v1::IngestDocumentsRequest* request,
                                                v1::IngestDocumentsResponse* response) {
  const std::string tenant = rpc::GetMetadata(*context, rpc::kTenantHeader);
  if (tenant.empty()) {
    return grpc::Status(grpc::UNAUTHENTICATED,
                        absl::StrCat("missing ", rpc::kTenantHeader, " metadata"));
  }
  if (request->documents().empty()) {
    return grpc::Status(grpc::INVALID_ARGUMENT, "documents: must not be empty");
  }
  ArmRegistry::Pick pick = arms_.Acquire("ingest");
  if (pick.result != ArmRegistry::PickResult::kAcquired) {
    return grpc::Status(pick.result == ArmRegistry::PickResult::kBusy ? grpc::RESOURCE_EXHAUSTED
                                                                      : grpc::UNAVAILABLE,
                        "no healthy retriever arm can take documents now");
  }
  telemetry::Span span("orchestrator.IngestDocuments", telemetry::ExtractTrace(*context));
  v1::ExecuteRequest execute;
  execute.set_task_id("ingest");
  execute.set_step_id("ingest");
  execute.set_tenant_id(tenant);
  execute.set_capability("ingest");
  *execute.mutable_ingest()->mutable_documents() = request->documents();
  grpc::ClientContext call;
  call.set_deadline(context->deadline());
  span.Inject(&call);
  v1::ExecuteResponse result;
  const absl::Time start = absl::Now();
  grpc::Status status = pick.endpoint->stub().Execute(&call, execute, &result);
  const absl::StatusCode code = static_cast<absl::StatusCode>(status.error_code());
  arms_.Release(pick.endpoint,
                status.ok()                                    ? CallOutcome::kSuccess
                : code == absl::StatusCode::kCancelled         ? CallOutcome::kCancelled
                : code == absl::StatusCode::kResourceExhausted ? CallOutcome::kBusy
                : IsEndpointFailure(code)                      ? CallOutcome::kEndpointFailure
                                                               : CallOutcome::kRejected,
                absl::Now() - start, status.error_message(), result.provenance().instance());
  if (!status.ok()) return status;
  response->set_stored(result.output().ingest().stored());
  return grpc::Status::OK;
}

}  // namespace octo::orchestrator
