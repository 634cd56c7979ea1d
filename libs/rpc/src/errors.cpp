#include "octo/rpc/errors.h"

#include "google/protobuf/any.pb.h"
#include "absl/strings/match.h"
#include "google/rpc/error_details.pb.h"
#include "octo/rpc/status.h"

namespace octo::rpc {

grpc::Status StatusWithDetails(grpc::StatusCode code, const std::string& message,
                               std::initializer_list<const google::protobuf::Message*> details) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(message);
  for (const google::protobuf::Message* detail : details) status.add_details()->PackFrom(*detail);
  return grpc::Status(code, message, status.SerializeAsString());
}

grpc::Status ToGrpcWithDetails(const absl::Status& status) {
  google::rpc::Status typed;
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    if (!absl::StartsWith(url, "type.googleapis.com/")) return;
    google::protobuf::Any* any = typed.add_details();
    any->set_type_url(std::string(url));
    any->set_value(std::string(payload));
  });
  if (typed.details_size() > 0) {
    typed.set_code(static_cast<int>(status.code()));
    typed.set_message(std::string(status.message()));
    return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                        std::string(status.message()), typed.SerializeAsString());
  }
  if (status.code() != absl::StatusCode::kInvalidArgument) return rpc::ToGrpcStatus(status);
  const std::string message(status.message());
  const auto colon = message.find(": ");
  if (colon == std::string::npos || colon == 0 || message.find(' ') < colon) {
    return rpc::ToGrpcStatus(status);
  }
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(message.substr(0, colon));
  violation->set_description(message.substr(colon + 2));
  return StatusWithDetails(grpc::INVALID_ARGUMENT, message, {&bad_request});
}

grpc::Status RateLimited(const std::string& message, absl::Duration retry_after) {
  google::rpc::RetryInfo retry;
  const int64_t nanos = absl::ToInt64Nanoseconds(retry_after);
  retry.mutable_retry_delay()->set_seconds(nanos / 1'000'000'000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  return StatusWithDetails(grpc::RESOURCE_EXHAUSTED, message, {&retry});
}

std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const grpc::Status& status) {
  std::optional<google::rpc::Status> decoded = DecodeDetails(status);
  if (!decoded) return std::nullopt;
  for (const google::protobuf::Any& detail : decoded->details()) {
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&info)) return info;
  }
  return std::nullopt;
}

std::optional<google::rpc::Status> DecodeDetails(const grpc::Status& status) {
  if (status.error_details().empty()) return std::nullopt;
  google::rpc::Status decoded;
  if (!decoded.ParseFromString(status.error_details())) return std::nullopt;
  return decoded;
}

}  // namespace octo::rpc
