// The windows spend limits count over: the UTC clock minute, the UTC day and the UTC
// calendar month. A limit resets when its window ends.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace octo::spend {

enum class Period { kMinute, kDay, kMonth };
enum class Metric { kUsd, kTokens };

// "minute" | "day" | "month"; "usd" | "tokens".
absl::string_view PeriodName(Period period);
absl::string_view MetricName(Metric metric);
std::optional<Period> ParsePeriod(absl::string_view name);
std::optional<Metric> ParseMetric(absl::string_view name);

// [start, end) of the window of `period` that holds `at`.
struct Window {
  absl::Time start;
  absl::Time end;
};
Window WindowAt(Period period, absl::Time at);

// "$1.00 per day", "2000000 tokens per month".
std::string DescribeLimit(Period period, Metric metric, double amount);
// "$0.0123" (4 decimals below $1, else 2), "1234 tokens".
std::string FormatAmount(Metric metric, double amount);

}  // namespace octo::spend
