// Which failed arm calls are worth another attempt, and how long to wait before it.
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "octo/common/backoff.h"
#include "octo/v1/task.pb.h"

namespace octo::orchestrator {

struct RetryPolicy {
  // Attempts per step, the first included. Default 3.
  int max_attempts = 3;
  // The first retry waits up to this; each further one up to twice as long. Default 100 ms.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  // Ceiling of a single wait. Default 5 s.
  absl::Duration max_backoff = absl::Seconds(5);

  // Waits between attempts: full jitter over initial_backoff doubling to max_backoff.
  common::Backoff backoff() const { return common::Backoff(initial_backoff, max_backoff); }
};

// UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED and DEADLINE_EXCEEDED (an attempt that hit its
// own step deadline; the task's deadline is checked separately): a later attempt, possibly
// on another arm, may succeed. Everything else (the arm rejected the step, or failed in a
// way that would repeat) is final.
bool IsRetryable(absl::StatusCode code);

// Whether a failure says the endpoint is unwell, for its circuit breaker and success rate:
// UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED. Not a
// rejection of the request, not our own cancellation, not RESOURCE_EXHAUSTED (busy, not ill).
bool IsEndpointFailure(absl::StatusCode code);

// The error reason a task reports for a step that failed with `code`.
v1::ErrorReason ReasonForCode(absl::StatusCode code);

}  // namespace octo::orchestrator
