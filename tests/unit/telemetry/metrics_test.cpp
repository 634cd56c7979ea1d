#include "octo/telemetry/metrics.h"

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "octo/testing/http.h"
#include "prometheus/counter.h"

namespace octo::telemetry {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

TEST(LatencyBuckets, ContainTheBudgetThresholds) {
  const auto& buckets = LatencyBuckets();
  for (double threshold : {0.005, 0.01, 0.02, 0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 30.0}) {
    EXPECT_THAT(buckets, Contains(threshold)) << threshold;
  }
}

TEST(LatencyBuckets, HaveSubMillisecondBuckets) { EXPECT_LT(LatencyBuckets().front(), 0.001); }

TEST(LatencyBuckets, AreStrictlyIncreasing) {
  const auto& buckets = LatencyBuckets();
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
  EXPECT_EQ(std::adjacent_find(buckets.begin(), buckets.end()), buckets.end());
}

// One server for the suite: stopping a server that has answered a request takes civetweb
// about two seconds. Tests register metrics under names of their own.
class MetricsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = std::make_shared<prometheus::Registry>();
    auto server = StartMetricsServer("127.0.0.1:0", registry_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  static void TearDownTestSuite() {
    server_.reset();
    registry_.reset();
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  static prometheus::Registry& registry() { return *registry_; }

  static inline std::shared_ptr<prometheus::Registry> registry_;
  static inline std::unique_ptr<MetricsServer> server_;
};

TEST_F(MetricsServerTest, BindsAFreePort) { EXPECT_GT(server_->port(), 0); }

TEST_F(MetricsServerTest, ServesTheRegistryAtMetrics) {
  auto& requests = prometheus::BuildCounter()
                       .Name("octo_test_requests_total")
                       .Help("Requests seen by the test.")
                       .Register(registry());
  requests.Add({{"route", "a"}}).Increment(3);
  requests.Add({{"route", "b"}}).Increment(4);

  auto body = octo::testing::HttpGet(server_->port(), "/metrics");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_THAT(*body, HasSubstr("# HELP octo_test_requests_total Requests seen by the test."));
  EXPECT_EQ(octo::testing::MetricSum(*body, "octo_test_requests_total", "route=\"a\""), 3);
  EXPECT_EQ(octo::testing::MetricSum(*body, "octo_test_requests_total"), 7);
}

TEST_F(MetricsServerTest, ServesCurrentValues) {
  auto& counter = prometheus::BuildCounter()
                      .Name("octo_test_events_total")
                      .Help("Events.")
                      .Register(registry())
                      .Add({});
  counter.Increment();
  auto first = octo::testing::HttpGet(server_->port(), "/metrics");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(octo::testing::MetricSum(*first, "octo_test_events_total"), 1);
  counter.Increment(5);
  auto second = octo::testing::HttpGet(server_->port(), "/metrics");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(octo::testing::MetricSum(*second, "octo_test_events_total"), 6);
}

TEST_F(MetricsServerTest, PortInUseIsUnavailable) {
  auto second = StartMetricsServer(absl::StrCat("127.0.0.1:", server_->port()), registry_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(MetricsServer, StopsServingWhenDestroyed) {
  auto server = StartMetricsServer("127.0.0.1:0", std::make_shared<prometheus::Registry>());
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  ASSERT_TRUE(octo::testing::HttpGet(port, "/metrics").ok());
  server->reset();
  EXPECT_EQ(octo::testing::HttpGet(port, "/metrics").status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace octo::telemetry
