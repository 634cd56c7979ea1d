#include "octo/common/circuit_breaker.h"

#include <gtest/gtest.h>

namespace octo::common {
namespace {

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreakerTest() : breaker_({.failure_threshold = 3, .open_for = absl::Seconds(5)}) {}
  void Fail(int times) {
    for (int i = 0; i < times; ++i) {
      ASSERT_TRUE(breaker_.Allow(now_));
      breaker_.RecordFailure(now_);
    }
  }
  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
  CircuitBreaker breaker_;
};

TEST_F(CircuitBreakerTest, StaysClosedBelowTheThresholdAndSuccessResetsTheCount) {
  Fail(2);
  EXPECT_EQ(breaker_.state(now_), CircuitState::kClosed);
  ASSERT_TRUE(breaker_.Allow(now_));
  breaker_.RecordSuccess();
  Fail(2);
  EXPECT_EQ(breaker_.state(now_), CircuitState::kClosed);
  EXPECT_EQ(breaker_.consecutive_failures(), 2);
  EXPECT_EQ(breaker_.opens(), 0);
}

TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndRefusesCalls) {
  Fail(3);
  EXPECT_EQ(breaker_.state(now_), CircuitState::kOpen);
  EXPECT_EQ(breaker_.opens(), 1);
  EXPECT_FALSE(breaker_.Allow(now_));
  EXPECT_FALSE(breaker_.Allow(now_ + absl::Seconds(4)));
  EXPECT_EQ(breaker_.retry_at(), now_ + absl::Seconds(5));
}

TEST_F(CircuitBreakerTest, HalfOpenLetsOneProbeThroughAndItsSuccessCloses) {
  Fail(3);
  const absl::Time later = now_ + absl::Seconds(5);
  EXPECT_EQ(breaker_.state(later), CircuitState::kHalfOpen);
  EXPECT_TRUE(breaker_.WouldAllow(later));
  EXPECT_TRUE(breaker_.Allow(later));
  EXPECT_FALSE(breaker_.Allow(later));  // one probe at a time
  EXPECT_FALSE(breaker_.WouldAllow(later));
  breaker_.RecordSuccess();
  EXPECT_EQ(breaker_.state(later), CircuitState::kClosed);
  EXPECT_TRUE(breaker_.Allow(later));
  EXPECT_EQ(breaker_.consecutive_failures(), 0);
}

TEST_F(CircuitBreakerTest, AFailedProbeOpensAgainForAnotherPeriod) {
  Fail(3);
  const absl::Time probe = now_ + absl::Seconds(6);
  ASSERT_TRUE(breaker_.Allow(probe));
  breaker_.RecordFailure(probe);
  EXPECT_EQ(breaker_.state(probe), CircuitState::kOpen);
  EXPECT_EQ(breaker_.opens(), 2);
  EXPECT_FALSE(breaker_.Allow(probe + absl::Seconds(4)));
  EXPECT_TRUE(breaker_.Allow(probe + absl::Seconds(5)));
}

TEST_F(CircuitBreakerTest, AProbeWithoutVerdictFreesTheSlot) {
  Fail(3);
  const absl::Time later = now_ + absl::Seconds(5);
  ASSERT_TRUE(breaker_.Allow(later));
  breaker_.RecordNeither();  // e.g. we cancelled the probe
  EXPECT_TRUE(breaker_.Allow(later));
}

TEST_F(CircuitBreakerTest, AProbeThatNeverReportsIsReplacedAfterAnotherPeriod) {
  Fail(3);
  const absl::Time later = now_ + absl::Seconds(5);
  ASSERT_TRUE(breaker_.Allow(later));
  EXPECT_FALSE(breaker_.Allow(later + absl::Seconds(4)));
  EXPECT_TRUE(breaker_.Allow(later + absl::Seconds(5)));
}

TEST_F(CircuitBreakerTest, LateFailuresOfCallsStartedBeforeOpeningDoNotExtendIt) {
  Fail(3);
  breaker_.RecordFailure(now_ + absl::Seconds(3));  // a call that was already in flight
  EXPECT_EQ(breaker_.opens(), 1);
  EXPECT_EQ(breaker_.state(now_ + absl::Seconds(5)), CircuitState::kHalfOpen);
}

TEST(CircuitStateName, NamesEveryState) {
  EXPECT_STREQ(CircuitStateName(CircuitState::kClosed), "closed");
  EXPECT_STREQ(CircuitStateName(CircuitState::kOpen), "open");
  EXPECT_STREQ(CircuitStateName(CircuitState::kHalfOpen), "half-open");
}

}  // namespace
}  // namespace octo::orchestrator
