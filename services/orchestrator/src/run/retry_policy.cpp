#include "src/run/retry_policy.h"

#include <algorithm>

namespace octo::orchestrator {

bool IsRetryable(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kResourceExhausted ||
         code == absl::StatusCode::kAborted || code == absl::StatusCode::kDeadlineExceeded;
}

bool IsEndpointFailure(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnimplemented:
      return true;
    default:
      return false;
  }
}

v1::ErrorReason ReasonForCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kUnauthenticated:
      return v1::ERROR_REASON_ARM_REJECTED;
    case absl::StatusCode::kNotFound:
      return v1::ERROR_REASON_NO_ANSWER;  // nothing found, or the sources hold no answer
    case absl::StatusCode::kDeadlineExceeded:
      return v1::ERROR_REASON_DEADLINE_EXCEEDED;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnimplemented:
      return v1::ERROR_REASON_ARM_UNAVAILABLE;  // the arm failed, or could not be reached
    default:
      return v1::ERROR_REASON_INTERNAL;
  }
}

}  // namespace octo::orchestrator
