#include "octo/testing/redis_fixture.h"

#include "absl/time/time.h"

namespace octo::testing {

void RedisServerTest::SetUp() {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server);
}

redis::RedisOptions RedisServerTest::Options() const {
  redis::RedisOptions options;
  options.port = server_->port();
  options.key_prefix = key_prefix_;
  options.retry_after = absl::Milliseconds(300);
  return options;
}

}  // namespace octo::testing
