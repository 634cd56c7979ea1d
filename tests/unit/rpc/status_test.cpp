#include "octo/rpc/status.h"

#include <string>

#include "gtest/gtest.h"

namespace octo::rpc {
namespace {

TEST(ToGrpcStatus, OkIsOk) {
  grpc::Status status = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OK);
}

TEST(ToGrpcStatus, KeepsCodeAndMessage) {
  grpc::Status status = ToGrpcStatus(absl::NotFoundError("task 42 not found"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "task 42 not found");
}

TEST(FromGrpcStatus, OkIsOk) { EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok()); }

TEST(FromGrpcStatus, KeepsCodeAndMessage) {
  absl::Status status = FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "arm down"));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "arm down");
}

// Every canonical code maps to the gRPC code of the same meaning and back.
TEST(StatusConversion, EveryCodeSurvivesBothWays) {
  const std::pair<absl::StatusCode, grpc::StatusCode> kPairs[] = {
      {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
      {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
      {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
      {absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
      {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
      {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
      {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
      {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
      {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
      {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const auto& [absl_code, grpc_code] : kPairs) {
    const std::string message = "message for " + absl::StatusCodeToString(absl_code);
    grpc::Status to = ToGrpcStatus(absl::Status(absl_code, message));
    EXPECT_EQ(to.error_code(), grpc_code) << message;
    EXPECT_EQ(to.error_message(), message);

    absl::Status from = FromGrpcStatus(grpc::Status(grpc_code, message));
    EXPECT_EQ(from.code(), absl_code) << message;
    EXPECT_EQ(from.message(), message);

    EXPECT_EQ(FromGrpcStatus(ToGrpcStatus(absl::Status(absl_code, message))),
              absl::Status(absl_code, message));
  }
}

TEST(StatusConversion, KeepsNonAsciiMessages) {
  const std::string message = "caf\xC3\xA9: \xE2\x82\xAC";
  EXPECT_EQ(FromGrpcStatus(ToGrpcStatus(absl::InternalError(message))).message(), message);
}

}  // namespace
}  // namespace octo::rpc
