// Spend windows: UTC clock minutes, days and calendar months, and how limits read.
#include "octo/spend/period.h"

#include <gtest/gtest.h>

namespace octo::spend {
namespace {

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

TEST(WindowAt, AMinuteIsTheClockMinute) {
  const Window w = WindowAt(Period::kMinute, Utc(2026, 12, 5, 17, 42, 59));
  EXPECT_EQ(w.start, Utc(2026, 12, 5, 17, 42));
  EXPECT_EQ(w.end, Utc(2026, 12, 5, 17, 43));
}

TEST(WindowAt, ADayRunsFromMidnightUtcAndTheLastDayOfTheYearEndsInJanuary) {
  const Window w = WindowAt(Period::kDay, Utc(2026, 12, 31, 23, 59, 59));
  EXPECT_EQ(w.start, Utc(2026, 12, 31));
  EXPECT_EQ(w.end, Utc(2027, 1, 1));
}

TEST(WindowAt, AMonthIsTheCalendarMonthOfItsLength) {
  Window feb = WindowAt(Period::kMonth, Utc(2028, 2, 29, 12));  // a leap year
  EXPECT_EQ(feb.start, Utc(2028, 2, 1));
  EXPECT_EQ(feb.end, Utc(2028, 3, 1));
  Window dec = WindowAt(Period::kMonth, Utc(2026, 12, 1));
  EXPECT_EQ(dec.start, Utc(2026, 12, 1));
  EXPECT_EQ(dec.end, Utc(2027, 1, 1));
}

TEST(WindowAt, TheStartBelongsToItsWindowAndTheEndToTheNext) {
  const absl::Time midnight = Utc(2026, 12, 6);
  EXPECT_EQ(WindowAt(Period::kDay, midnight).start, midnight);
  EXPECT_EQ(WindowAt(Period::kDay, midnight - absl::Nanoseconds(1)).end, midnight);
}

TEST(Names, ParseWhatTheyPrint) {
  for (Period p : {Period::kMinute, Period::kDay, Period::kMonth}) {
    EXPECT_EQ(ParsePeriod(PeriodName(p)), p);
  }
  EXPECT_EQ(ParseMetric("usd"), Metric::kUsd);
  EXPECT_EQ(ParseMetric("tokens"), Metric::kTokens);
  EXPECT_FALSE(ParsePeriod("week").has_value());
  EXPECT_FALSE(ParseMetric("eur").has_value());
}

TEST(DescribeLimit, ReadsAsAnOperatorWroteIt) {
  EXPECT_EQ(DescribeLimit(Period::kDay, Metric::kUsd, 1), "$1.00 per day");
  EXPECT_EQ(DescribeLimit(Period::kMinute, Metric::kUsd, 0.05), "$0.0500 per minute");
  EXPECT_EQ(DescribeLimit(Period::kMonth, Metric::kTokens, 2e6), "2000000 tokens per month");
}

}  // namespace
}  // namespace octo::spend
