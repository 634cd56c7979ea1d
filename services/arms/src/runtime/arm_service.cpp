#include "src/runtime/arm_service.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "octo/common/log.h"
#include "octo/rpc/errors.h"
#include "octo/rpc/metadata.h"
#include "octo/telemetry/metrics.h"
#include "octo/telemetry/trace.h"

namespace octo::arms {

ArmService::ArmService(std::unique_ptr<ArmHandler> handler, ArmServiceOptions options,
                       prometheus::Registry& registry)
    : handler_(std::move(handler)),
      options_(std::move(options)),
      description_(handler_->Describe()),
      executions_(telemetry::CounterFamily(
          registry, "octo_arm_executions_total",
          "Execute calls by arm kind, capability and outcome (grpc code).")),
      execute_seconds_(telemetry::HistogramFamily(registry, "octo_arm_execute_seconds",
                                                  "Execute latency in seconds.")
                           .Add({{"kind", description_.kind()}}, telemetry::LatencyBuckets())),
      in_flight_gauge_(
          telemetry::GaugeFamily(registry, "octo_arm_in_flight", "Execute calls running now.")
              .Add({{"kind", description_.kind()}})) {
  description_.set_version(options_.version);
  description_.set_instance(options_.instance);
  description_.set_max_concurrency(options_.max_concurrency);
}

grpc::Status ArmService::Describe(grpc::ServerContext*, const v1::DescribeRequest*,
                                  v1::ArmDescription* response) {
  *response = description_;
  return grpc::Status::OK;
}

grpc::Status ArmService::Execute(grpc::ServerContext* context, const v1::ExecuteRequest* request,
                                 v1::ExecuteResponse* response) {
  telemetry::Span span(absl::StrCat("arm.", description_.kind(), ".Execute"),
                       telemetry::ExtractTrace(*context), request->task_id());
  const absl::Time start = absl::Now();
  auto finish = [&](const absl::Status& status) {
    executions_
        .Add({{"kind", description_.kind()},
              {"capability", request->capability()},
              {"code", absl::StatusCodeToString(status.code())}})
        .Increment();
    execute_seconds_.Observe(absl::ToDoubleSeconds(absl::Now() - start));
    if (status.ok()) {
      log::Info("step done", {{"step_id", request->step_id()},
                              {"capability", request->capability()},
                              {"ms", absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - start))}});
    } else {
      span.SetError(status.message());
      log::Warn("step failed", {{"step_id", request->step_id()},
                                {"capability", request->capability()},
                                {"error", status.ToString()}});
    }
    return rpc::ToGrpcWithDetails(status);
  };

  const auto& caps = description_.capabilities();
  if (std::find(caps.begin(), caps.end(), request->capability()) == caps.end()) {
    return finish(absl::InvalidArgumentError(
        absl::StrCat("capability: this ", description_.kind(), " arm does not serve \"",
                     request->capability(), "\"")));
  }
  if (request->tenant_id().empty()) {
    return finish(absl::InvalidArgumentError("tenant_id: must not be empty"));
  }
  if (in_flight_.fetch_add(1) >= options_.max_concurrency) {
    in_flight_.fetch_sub(1);
    return finish(absl::ResourceExhaustedError(
        absl::StrCat("arm is at its concurrency limit of ", options_.max_concurrency)));
  }
  in_flight_gauge_.Increment();
  CallContext call;
  call.cancelled = [context] { return context->IsCancelled(); };
  // gRPC reports "no deadline" as time_point::max(), which is not absl's infinite future.
  if (context->deadline() != std::chrono::system_clock::time_point::max()) {
    call.deadline = absl::FromChrono(context->deadline());
  }
  absl::StatusOr<v1::ExecuteResponse> result = handler_->Execute(*request, call);
  in_flight_.fetch_sub(1);
  in_flight_gauge_.Decrement();
  if (!result.ok()) return finish(result.status());
  *response = *std::move(result);
  auto* provenance = response->mutable_provenance();
  provenance->set_arm_kind(description_.kind());
  provenance->set_arm_version(options_.version);
  provenance->set_instance(options_.instance);
  return finish(absl::OkStatus());
}

}  // namespace octo::arms
