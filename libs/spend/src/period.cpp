#include "octo/spend/period.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace octo::spend {

absl::string_view PeriodName(Period period) {
  switch (period) {
    case Period::kMinute:
      return "minute";
    case Period::kDay:
      return "day";
    case Period::kMonth:
      return "month";
  }
  return "";
}

absl::string_view MetricName(Metric metric) { return metric == Metric::kUsd ? "usd" : "tokens"; }

std::optional<Period> ParsePeriod(absl::string_view name) {
  for (Period p : {Period::kMinute, Period::kDay, Period::kMonth}) {
    if (name == PeriodName(p)) return p;
  }
  return std::nullopt;
}

std::optional<Metric> ParseMetric(absl::string_view name) {
  if (name == "usd") return Metric::kUsd;
  if (name == "tokens") return Metric::kTokens;
  return std::nullopt;
}

Window WindowAt(Period period, absl::Time at) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond civil = absl::ToCivilSecond(at, utc);
  switch (period) {
    case Period::kMinute: {
      const absl::CivilMinute minute(civil);
      return {absl::FromCivil(minute, utc), absl::FromCivil(minute + 1, utc)};
    }
    case Period::kDay: {
      const absl::CivilDay day(civil);
      return {absl::FromCivil(day, utc), absl::FromCivil(day + 1, utc)};
    }
    case Period::kMonth: {
      const absl::CivilMonth month(civil);
      return {absl::FromCivil(month, utc), absl::FromCivil(month + 1, utc)};
    }
  }
  return {at, at};
}

std::string FormatAmount(Metric metric, double amount) {
  if (metric == Metric::kTokens) return absl::StrCat(static_cast<int64_t>(amount), " tokens");
  return amount < 1 ? absl::StrFormat("$%.4f", amount) : absl::StrFormat("$%.2f", amount);
}

std::string DescribeLimit(Period period, Metric metric, double amount) {
  return absl::StrCat(FormatAmount(metric, amount), " per ", PeriodName(period));
}

}  // namespace octo::spend
