#include "octo/redis/options.h"

#include "gtest/gtest.h"

namespace octo::redis {
namespace {

TEST(ParseRedisAddress, AcceptsHostPort) {
  auto options = ParseRedisAddress("cache.internal:6380");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "cache.internal");
  EXPECT_EQ(options->port, 6380);
  EXPECT_EQ(options->key_prefix, RedisOptions().key_prefix);
}

TEST(ParseRedisAddress, AcceptsRedisUrl) {
  auto options = ParseRedisAddress("redis://10.0.0.7:6379");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "10.0.0.7");
  EXPECT_EQ(options->port, 6379);
}

TEST(ParseRedisAddress, AcceptsBracketedIpv6) {
  auto options = ParseRedisAddress("redis://[::1]:7000");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "::1");
  EXPECT_EQ(options->port, 7000);
}

TEST(ParseRedisAddress, RejectsGarbage) {
  for (const char* bad :
       {"", "localhost", ":6379", "redis://:6379", "host:", "host:0", "host:65536", "host:-1",
        "host:+80", "host: 80", "host:80x", "host:80/0", "redis://user@host:6379", "http://host:80",
        "host:6379:1", "[::1]", "[::1]6379", "a b:6379"}) {
    auto options = ParseRedisAddress(bad);
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument) << "\"" << bad << "\"";
  }
}

}  // namespace
}  // namespace octo::redis
