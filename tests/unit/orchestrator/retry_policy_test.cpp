#include "src/run/retry_policy.h"

#include <gtest/gtest.h>

namespace octo::orchestrator {
namespace {

TEST(RetryPolicy, OnlyTransientCodesAreRetried) {
  for (auto code : {absl::StatusCode::kUnavailable, absl::StatusCode::kResourceExhausted,
                    absl::StatusCode::kAborted, absl::StatusCode::kDeadlineExceeded}) {
    EXPECT_TRUE(IsRetryable(code)) << code;
  }
  for (auto code :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kPermissionDenied,
        absl::StatusCode::kFailedPrecondition, absl::StatusCode::kInternal,
        absl::StatusCode::kNotFound, absl::StatusCode::kCancelled, absl::StatusCode::kUnknown}) {
    EXPECT_FALSE(IsRetryable(code)) << code;
  }
}

TEST(RetryPolicy, EndpointFailuresAreThoseThatSayTheArmIsUnwell) {
  EXPECT_TRUE(IsEndpointFailure(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(IsEndpointFailure(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(IsEndpointFailure(absl::StatusCode::kInternal));
  EXPECT_FALSE(IsEndpointFailure(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(IsEndpointFailure(absl::StatusCode::kResourceExhausted));
  EXPECT_FALSE(IsEndpointFailure(absl::StatusCode::kCancelled));
}

TEST(RetryPolicy, BackoffDoublesUpToTheCapWithFullJitter) {
  RetryPolicy policy;
  policy.initial_backoff = absl::Milliseconds(100);
  policy.max_backoff = absl::Milliseconds(500);
  EXPECT_EQ(policy.backoff().Jittered(1, 1.0), absl::Milliseconds(100));
  EXPECT_EQ(policy.backoff().Jittered(4, 1.0), absl::Milliseconds(500));
  EXPECT_EQ(policy.backoff().Jittered(3, 0.5), absl::Milliseconds(200));
}

TEST(RetryPolicy, ReasonsTellRejectionFromUnavailabilityAndTimeouts) {
  EXPECT_EQ(ReasonForCode(absl::StatusCode::kInvalidArgument), v1::ERROR_REASON_ARM_REJECTED);
  EXPECT_EQ(ReasonForCode(absl::StatusCode::kUnavailable), v1::ERROR_REASON_ARM_UNAVAILABLE);
  EXPECT_EQ(ReasonForCode(absl::StatusCode::kInternal), v1::ERROR_REASON_ARM_UNAVAILABLE);
  EXPECT_EQ(ReasonForCode(absl::StatusCode::kDeadlineExceeded), v1::ERROR_REASON_DEADLINE_EXCEEDED);
  EXPECT_EQ(ReasonForCode(absl::StatusCode::kNotFound), v1::ERROR_REASON_NO_ANSWER);
}

}  // namespace
}  // namespace octo::orchestrator
