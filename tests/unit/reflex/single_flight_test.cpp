#include "src/single_flight.h"

#include <gtest/gtest.h>

namespace octo::reflex {
namespace {

TEST(SubmitFlights, FirstCallerLeadsAndFollowersShareItsAnswer) {
  SubmitFlights flights;
  int calls = 0;
  std::vector<std::string> ids;
  auto follower = [&](const grpc::Status& status, const v1::SubmitTaskResponse& response) {
    EXPECT_TRUE(status.ok());
    EXPECT_FALSE(response.created());
    ids.push_back(response.task().id());
    ++calls;
  };
  EXPECT_TRUE(flights.Join("k", nullptr));
  EXPECT_FALSE(flights.Join("k", follower));
  EXPECT_FALSE(flights.Join("k", follower));
  EXPECT_TRUE(flights.Join("other", nullptr));  // another key flies on its own
  v1::SubmitTaskResponse response;
  response.mutable_task()->set_id("t1");
  response.set_created(true);
  flights.Complete("k", grpc::Status::OK, response);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(ids, (std::vector<std::string>{"t1", "t1"}));
  // The flight is over: the next caller leads again.
  EXPECT_TRUE(flights.Join("k", nullptr));
}

TEST(SubmitFlights, FollowersGetTheLeadersError) {
  SubmitFlights flights;
  grpc::StatusCode seen = grpc::OK;
  ASSERT_TRUE(flights.Join("k", nullptr));
  ASSERT_FALSE(flights.Join("k", [&](const grpc::Status& status, const v1::SubmitTaskResponse&) {
    seen = status.error_code();
  }));
  flights.Complete("k", grpc::Status(grpc::UNAVAILABLE, "down"), v1::SubmitTaskResponse());
  EXPECT_EQ(seen, grpc::UNAVAILABLE);
}

}  // namespace
}  // namespace octo::reflex
