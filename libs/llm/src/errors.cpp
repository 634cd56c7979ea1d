#include "octo/llm/errors.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace octo::llm {
namespace {

constexpr char kHttpStatus[] = "type.octollm.dev/llm.http_status";
constexpr char kRetryAfterMs[] = "type.octollm.dev/llm.retry_after_ms";
constexpr char kConnection[] = "type.octollm.dev/llm.connection";
constexpr char kCircuitOpen[] = "type.octollm.dev/llm.circuit_open";

absl::StatusCode CodeForHttp(int status) {
  switch (status) {
    case 400: case 404: case 413: case 422: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 408: return absl::StatusCode::kDeadlineExceeded;
    case 429: return absl::StatusCode::kResourceExhausted;
    default: break;
  }
  if (status >= 500) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kFailedPrecondition;
}

std::optional<int64_t> IntPayload(const absl::Status& status, absl::string_view url) {
  absl::optional<absl::Cord> payload = status.GetPayload(url);
  int64_t value = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &value)) return std::nullopt;
  return value;
}

}  // namespace

absl::Status HttpError(absl::string_view provider, int http_status, absl::string_view message,
                       std::optional<absl::Duration> retry_after) {
  absl::Status status(CodeForHttp(http_status),
                      absl::StrCat(provider, ": HTTP ", http_status,
                                   message.empty() ? "" : ": ", message));
  status.SetPayload(kHttpStatus, absl::Cord(absl::StrCat(http_status)));
  if (retry_after) {
    status.SetPayload(kRetryAfterMs, absl::Cord(absl::StrCat(absl::ToInt64Milliseconds(*retry_after))));
  }
  return status;
}

int HttpStatusOf(const absl::Status& status) {
  return static_cast<int>(IntPayload(status, kHttpStatus).value_or(0));
}

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  std::optional<int64_t> ms = IntPayload(status, kRetryAfterMs);
  if (!ms) return std::nullopt;
  return absl::Milliseconds(*ms);
}

absl::Status ConnectionError(absl::StatusCode code, absl::string_view message) {
  absl::Status status(code, message);
  status.SetPayload(kConnection, absl::Cord("1"));
  return status;
}

absl::Status CircuitOpenError(absl::string_view message) {
  absl::Status status = absl::UnavailableError(message);
  status.SetPayload(kCircuitOpen, absl::Cord("1"));
  return status;
}

bool IsCircuitOpen(const absl::Status& status) {
  return status.GetPayload(kCircuitOpen).has_value();
}

bool IsRetryable(const absl::Status& status) {
  if (status.ok()) return false;
  const int http = HttpStatusOf(status);
  if (http != 0) return http == 429 || http == 408 || http >= 500;
  if (status.GetPayload(kConnection).has_value()) return true;
  // Overloaded and server errors reported inside a stream.
  return status.code() == absl::StatusCode::kUnavailable;
}

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  double seconds = 0;
  if (absl::SimpleAtod(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Milliseconds(static_cast<int64_t>(seconds * 1000));
  }
  absl::Time when;
  std::string error;
  // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value), &when, &error)) {
    return when > now ? when - now : absl::ZeroDuration();
  }
  return std::nullopt;
}

}  // namespace octo::llm
