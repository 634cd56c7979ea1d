// A GoogleTest fixture that gives each test a throw-away redis-server.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "octo/redis/options.h"
#include "octo/testing/redis_server.h"

namespace octo::testing {

// SetUp() starts the server (a test fails there when it cannot); it dies with the test.
class RedisServerTest : public ::testing::Test {
 protected:
  // Options() puts `key_prefix` before every key; default the RedisOptions default.
  explicit RedisServerTest(std::string key_prefix = redis::RedisOptions{}.key_prefix)
      : key_prefix_(std::move(key_prefix)) {}

  void SetUp() override;

  // Options for the test's server, with the fixture's key prefix and a short retry_after
  // (300 ms).
  redis::RedisOptions Options() const;

  std::unique_ptr<RedisServer> server_;

 private:
  const std::string key_prefix_;
};

}  // namespace octo::testing
