#include "src/rate_limits.h"

#include <gtest/gtest.h>

namespace octo::reflex {
namespace {

TEST(RateLimitTiers, ParsesTiersAndFallsBackToStandard) {
  auto tiers = RateLimitTiers::Parse(
      "standard:key=100/50,tenant=1000/500; gold:key=1000/500.5,tenant=10000/5000");
  ASSERT_TRUE(tiers.ok()) << tiers.status();
  EXPECT_EQ(tiers->For("standard").key.capacity, 100);
  EXPECT_EQ(tiers->For("standard").tenant.refill_per_second, 500);
  EXPECT_EQ(tiers->For("gold").key.refill_per_second, 500.5);
  EXPECT_EQ(tiers->For("platinum").key.capacity, 100);  // unknown tier → standard
}

TEST(RateLimitTiers, RejectsMalformedSpecsNamingTheProblem) {
  for (const char* spec : {"", "gold:key=1/1,tenant=1/1", "standard:key=1/1",
                           "standard:key=1,tenant=1/1", "standard:key=0/1,tenant=1/1",
                           "standard:key=1/1,tenant=1/1,burst=3", "standard", ":key=1/1"}) {
    auto tiers = RateLimitTiers::Parse(spec);
    EXPECT_EQ(tiers.status().code(), absl::StatusCode::kInvalidArgument) << spec;
    EXPECT_NE(tiers.status().message().find("rate_limits"), absl::string_view::npos) << spec;
  }
}

}  // namespace
}  // namespace octo::reflex
