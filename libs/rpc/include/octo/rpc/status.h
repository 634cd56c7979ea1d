// The one place where absl::Status and grpc::Status are converted into each other.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace octo::rpc {

// Same code and message; OK maps to OK.
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace octo::rpc
