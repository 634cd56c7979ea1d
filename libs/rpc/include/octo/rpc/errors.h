// gRPC statuses with typed details (google.rpc.Status in "grpc-status-details-bin").
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace octo::rpc {

// `status` as a grpc::Status. Its payloads keyed by a type URL
// ("type.googleapis.com/google.rpc.ErrorInfo") become the details, as google.protobuf.Any;
// without such payloads, an INVALID_ARGUMENT whose message reads "field: why" carries a
// google.rpc.BadRequest naming the field.
grpc::Status ToGrpcWithDetails(const absl::Status& status);

// A status whose details are `details` packed as google.protobuf.Any.
grpc::Status StatusWithDetails(grpc::StatusCode code, const std::string& message,
                               std::initializer_list<const google::protobuf::Message*> details);

// RESOURCE_EXHAUSTED with a google.rpc.RetryInfo holding `retry_after`.
grpc::Status RateLimited(const std::string& message, absl::Duration retry_after);

// The first google.rpc.ErrorInfo in a status's details, if any.
std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const grpc::Status& status);

// The google.rpc.Status in a status's details, if any.
std::optional<google::rpc::Status> DecodeDetails(const grpc::Status& status);

}  // namespace octo::rpc
