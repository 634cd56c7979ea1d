#include "octo/safety/routing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace octo::safety {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(RoutingHints, GuessesCapabilities) {
  EXPECT_THAT(RoutingHints("Search the docs and find the latest release notes"),
              ElementsAre("retrieve"));
  EXPECT_THAT(RoutingHints("Run the migration command on staging"), ElementsAre("execute"));
  EXPECT_THAT(RoutingHints("Refactor this function, there is a bug in the loop"),
              ElementsAre("code"));
  EXPECT_THAT(RoutingHints("Plan a three-day trip: first Lisbon, then Porto"), ElementsAre("plan"));
  EXPECT_THAT(RoutingHints("What is the capital of France?"), ElementsAre("retrieve"));
  EXPECT_THAT(RoutingHints("Write a Python script, run it, then plan the rollout steps"),
              ElementsAre("execute", "code", "plan"));
  EXPECT_THAT(RoutingHints("Thanks, that was lovely."), IsEmpty());
}

}  // namespace
}  // namespace octo::safety
