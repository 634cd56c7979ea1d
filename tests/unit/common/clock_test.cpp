#include "octo/common/clock.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace octo::common {
namespace {

TEST(RealClock, IsTheWallClock) {
  const absl::Time before = absl::Now();
  const absl::Time now = RealClock().Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, absl::Now());
}

TEST(MonotonicClock, NeverGoesBack) {
  Clock& clock = MonotonicClock();
  absl::Time last = clock.Now();
  for (int i = 0; i < 1000; ++i) {
    const absl::Time now = clock.Now();
    EXPECT_GE(now, last);
    last = now;
  }
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(105));
  clock.Set(absl::FromUnixSeconds(7));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(7));
}

}  // namespace
}  // namespace octo::common
