// Minimal HTTP/1.0 GET against loopback, and Prometheus text parsing, for tests.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace octo::testing {

// The body of GET http://127.0.0.1:<port><path>. UNAVAILABLE on connection errors,
// INTERNAL for a non-200 status.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

// Sum of the samples of metric `name` (exact name, e.g. "grpc_server_handled_total") whose
// label set contains every "key=\"value\"" in `labels` (comma-separated), in Prometheus text
// exposition `text`. 0 when none match.
double MetricSum(absl::string_view text, absl::string_view name, absl::string_view labels = "");

}  // namespace octo::testing
