#include "octo/rpc/process.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::rpc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ProcessOptions, BindsTheServiceVariablesAndSharedOnes) {
  ProcessOptions options{.listen = "127.0.0.1:50051", .metrics_listen = "127.0.0.1:9101"};
  common::ConfigBinder binder("octo-test", "test");
  options.Bind(binder, {.env_prefix = "OCTO_TEST", .max_message_bytes = true});
  const std::string usage = binder.Usage();
  EXPECT_THAT(usage, HasSubstr("$OCTO_TEST_LISTEN"));
  EXPECT_THAT(usage, HasSubstr("(default: 127.0.0.1:50051)"));
  EXPECT_THAT(usage, HasSubstr("$OCTO_TEST_METRICS_LISTEN"));
  EXPECT_THAT(usage, HasSubstr("$OCTO_MAX_MESSAGE_BYTES"));
  EXPECT_THAT(usage, HasSubstr("$OCTO_DRAIN_TIMEOUT"));
  EXPECT_THAT(usage, HasSubstr("$OCTO_LOG_LEVEL"));

  setenv("OCTO_TEST_METRICS_LISTEN", "0.0.0.0:9999", 1);
  const char* argv[] = {"octo-test", "--listen=0.0.0.0:1", "--drain_timeout=3s",
                        "--max_message_bytes=100", "--log_level=debug"};
  ASSERT_TRUE(binder.Parse(5, argv).ok());
  unsetenv("OCTO_TEST_METRICS_LISTEN");
  EXPECT_EQ(options.metrics_listen, "0.0.0.0:9999");
  EXPECT_EQ(options.log_level, "debug");
  const ServerOptions server = options.server();
  EXPECT_EQ(server.listen, "0.0.0.0:1");
  EXPECT_EQ(server.max_message_bytes, 100);
  EXPECT_EQ(server.drain_timeout, absl::Seconds(3));
}

TEST(ProcessOptions, LeavesOutWhatAProcessDoesNotHave) {
  ProcessOptions options;
  common::ConfigBinder binder("octo-test", "test");
  options.Bind(binder, {.env_prefix = "OCTO_TEST",
                        .listen_help = "where to listen",
                        .metrics_listen = false,
                        .drain_timeout = false});
  const std::string usage = binder.Usage();
  EXPECT_THAT(usage, HasSubstr("where to listen"));
  EXPECT_THAT(usage, Not(HasSubstr("metrics_listen")));
  EXPECT_THAT(usage, Not(HasSubstr("max_message_bytes")));
  EXPECT_THAT(usage, Not(HasSubstr("drain_timeout")));
  const char* argv[] = {"octo-test", "--drain_timeout=3s"};
  EXPECT_FALSE(binder.Parse(2, argv).ok());
}

}  // namespace
}  // namespace octo::rpc
