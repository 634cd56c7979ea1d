// How a provider error is classified, carried as absl::Status payloads (never parsed back
// out of messages).
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace octo::llm {

// The status for an HTTP answer `http_status` (>= 300) from `provider`, with the provider's
// own error message (already stripped of anything secret) and its Retry-After, if any.
absl::Status HttpError(absl::string_view provider, int http_status, absl::string_view message,
                       std::optional<absl::Duration> retry_after);

// The HTTP status an error came from; 0 when it did not come from an HTTP answer.
int HttpStatusOf(const absl::Status& status);
// The provider's Retry-After, when it sent one.
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

// Whether trying again may succeed: 429, 5xx, connection errors and connect timeouts.
// Not: 4xx other than 429, malformed responses, cancellation, the caller's deadline.
bool IsRetryable(const absl::Status& status);

// Marks a transport failure that happened before any byte of the answer came back
// (connection refused/reset, DNS, connect timeout): retryable.
absl::Status ConnectionError(absl::StatusCode code, absl::string_view message);

// The error of a call not made because the provider's circuit breaker is open: UNAVAILABLE,
// marked so that IsCircuitOpen tells it from a provider's own 5xx.
absl::Status CircuitOpenError(absl::string_view message);
bool IsCircuitOpen(const absl::Status& status);

// A Retry-After header value: delay-seconds or an HTTP date (relative to `now`).
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace octo::llm
