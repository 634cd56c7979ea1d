// A fixture that gives each test a throw-away redis-server.
#pragma once

#include <memory>

#include "gtest/gtest.h"
#include "octo/redis/options.h"
#include "octo/testing/redis_server.h"

namespace octo::redis {

class RedisServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = octo::testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  // Options for the test's server, with a short retry_after (300 ms).
  RedisOptions Options() const {
    RedisOptions options;
    options.port = server_->port();
    options.retry_after = absl::Milliseconds(300);
    return options;
  }

  std::unique_ptr<octo::testing::RedisServer> server_;
};

}  // namespace octo::redis
