#include "octo/redis/connection.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "octo/testing/redis_fixture.h"

namespace octo::redis {
namespace {

using Type = Reply::Type;

class ConnectionTest : public testing::RedisServerTest {
 protected:
  Connection Open() {
    absl::StatusOr<Connection> connection = Connection::Open(Options());
    EXPECT_TRUE(connection.ok()) << connection.status();
    return *std::move(connection);
  }
};

TEST_F(ConnectionTest, CopiesEveryReplyType) {
  Connection connection = Open();
  const std::string value("v\0\r\n", 4);
  absl::StatusOr<Reply> reply = connection.Command({"SET", "k", value});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->type, Type::kStatus);
  EXPECT_EQ(reply->str, "OK");

  reply = connection.Command({"GET", "k"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->type, Type::kString);
  EXPECT_EQ(reply->str, value);

  reply = connection.Command({"GET", "absent"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->type, Type::kNil);

  reply = connection.Command({"RPUSH", "list", "a", "b"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->type, Type::kInteger);
  EXPECT_EQ(reply->integer, 2);

  reply = connection.Command({"EVAL", "return {1, {'x', 'y'}}", "0"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  ASSERT_EQ(reply->type, Type::kArray);
  ASSERT_EQ(reply->elements.size(), 2u);
  EXPECT_EQ(reply->elements[0].type, Type::kInteger);
  EXPECT_EQ(reply->elements[0].integer, 1);
  ASSERT_EQ(reply->elements[1].type, Type::kArray);
  ASSERT_EQ(reply->elements[1].elements.size(), 2u);
  EXPECT_EQ(reply->elements[1].elements[1].str, "y");

  // An error reply leaves the connection usable.
  reply = connection.Command({"LPOP", "k"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->type, Type::kError);
  EXPECT_EQ(reply->str.rfind("WRONGTYPE", 0), 0u) << reply->str;
  reply = connection.Command({"GET", "k"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->str, value);
}

TEST_F(ConnectionTest, UnreachableOrDeadRedisIsUnavailable) {
  Connection connection = Open();
  server_->Kill();
  EXPECT_EQ(connection.Command({"PING"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Connection::Open(Options()).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ConnectionTest, UnresponsiveRedisTimesOut) {
  RedisOptions options = Options();
  options.command_timeout = absl::Milliseconds(100);
  absl::StatusOr<Connection> connection = Connection::Open(options);
  ASSERT_TRUE(connection.ok()) << connection.status();
  server_->Pause();
  const absl::Time start = absl::Now();
  EXPECT_EQ(connection->Command({"PING"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  server_->Resume();
}

TEST_F(ConnectionTest, ReceivesPublishedMessages) {
  Connection subscriber = Open();
  subscriber.EnableKeepAlive();
  absl::StatusOr<Reply> subscribed = subscriber.Command({"SUBSCRIBE", "channel"});
  ASSERT_TRUE(subscribed.ok()) << subscribed.status();
  ASSERT_EQ(subscribed->type, Type::kArray);

  absl::Time start = absl::Now();
  absl::StatusOr<std::optional<Reply>> received = subscriber.Receive(absl::Milliseconds(100));
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(*received, std::nullopt);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(90));

  Connection publisher = Open();
  ASSERT_TRUE(publisher.Command({"PUBLISH", "channel", "one"}).ok());
  ASSERT_TRUE(publisher.Command({"PUBLISH", "channel", "two"}).ok());
  std::vector<std::string> messages;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (messages.size() < 2 && absl::Now() < deadline) {
    received = subscriber.Receive(absl::Milliseconds(100));
    ASSERT_TRUE(received.ok()) << received.status();
    if (!received->has_value()) continue;
    const Reply& message = **received;
    ASSERT_EQ(message.type, Type::kArray);
    ASSERT_EQ(message.elements.size(), 3u);
    EXPECT_EQ(message.elements[0].str, "message");
    messages.push_back(message.elements[2].str);
  }
  EXPECT_EQ(messages, (std::vector<std::string>{"one", "two"}));

  server_->Kill();
  start = absl::Now();
  while (received.ok() && absl::Now() - start < absl::Seconds(5)) {
    received = subscriber.Receive(absl::Milliseconds(100));
  }
  EXPECT_EQ(received.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace octo::redis
