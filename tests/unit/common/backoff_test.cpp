#include "octo/common/backoff.h"

#include "gtest/gtest.h"

namespace octo::common {
namespace {

TEST(Backoff, CeilingDoublesUpToTheMax) {
  const Backoff backoff(absl::Milliseconds(100), absl::Milliseconds(500));
  EXPECT_EQ(backoff.Ceiling(1), absl::Milliseconds(100));
  EXPECT_EQ(backoff.Ceiling(2), absl::Milliseconds(200));
  EXPECT_EQ(backoff.Ceiling(3), absl::Milliseconds(400));
  EXPECT_EQ(backoff.Ceiling(4), absl::Milliseconds(500));
  EXPECT_EQ(backoff.Ceiling(40), absl::Milliseconds(500));
}

TEST(Backoff, FullJitterScalesTheCeiling) {
  const Backoff backoff(absl::Milliseconds(100), absl::Milliseconds(500));
  EXPECT_EQ(backoff.Jittered(3, 1.0), absl::Milliseconds(400));
  EXPECT_EQ(backoff.Jittered(3, 0.5), absl::Milliseconds(200));
  EXPECT_EQ(backoff.Jittered(3, 0.0), absl::ZeroDuration());
  EXPECT_EQ(backoff.Jittered(3, 7.0), absl::Milliseconds(400));
  EXPECT_EQ(backoff.Jittered(3, -1.0), absl::ZeroDuration());
}

TEST(Backoff, NextDoublesAndResetStartsOver) {
  Backoff backoff(absl::Milliseconds(50), absl::Milliseconds(300));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(50));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(100));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(200));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(300));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(300));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(50));
}

}  // namespace
}  // namespace octo::common
