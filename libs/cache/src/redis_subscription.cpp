#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "octo/cache/redis_cache.h"
#include "octo/common/backoff.h"
#include "octo/redis/connection.h"

namespace octo::cache {
namespace {

constexpr absl::Duration kMinBackoff = absl::Milliseconds(50);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
// How often a waiting subscriber checks whether it should stop.
constexpr absl::Duration kStopCheckInterval = absl::Milliseconds(100);

class RedisSubscription final : public Subscription {
 public:
  RedisSubscription(RedisOptions options, std::string channel,
                    std::function<void(absl::string_view)> on_key)
      : options_(std::move(options)),
        channel_(std::move(channel)),
        on_key_(std::move(on_key)),
        thread_([this] { Run(); }) {}

  ~RedisSubscription() override {
    stop_.Notify();
    thread_.join();
  }

 private:
  void Run() {
    common::Backoff backoff(kMinBackoff, kMaxBackoff);
    while (true) {
      absl::StatusOr<redis::Connection> connection = redis::Connection::Open(options_);
      if (connection.ok() && Subscribe(*connection)) {
        backoff.Reset();
        Listen(*connection);
      }
      if (stop_.WaitForNotificationWithTimeout(backoff.Next())) return;
    }
  }

  bool Subscribe(redis::Connection& connection) {
    connection.EnableKeepAlive();
    absl::StatusOr<redis::Reply> reply = connection.Command({"SUBSCRIBE", channel_});
    return reply.ok() && reply->type == redis::Reply::Type::kArray && reply->elements.size() == 3 &&
           reply->elements[0].type == redis::Reply::Type::kString &&
           reply->elements[0].str == "subscribe";
  }

  // Returns when the connection fails or stop_ is notified.
  void Listen(redis::Connection& connection) {
    while (!stop_.HasBeenNotified()) {
      absl::StatusOr<std::optional<redis::Reply>> reply = connection.Receive(kStopCheckInterval);
      if (!reply.ok()) return;
      if (reply->has_value()) Dispatch(**reply);
    }
  }

  void Dispatch(const redis::Reply& reply) {
    if (reply.type != redis::Reply::Type::kArray || reply.elements.size() != 3) return;
    const redis::Reply& kind = reply.elements[0];
    const redis::Reply& key = reply.elements[2];
    if (kind.type == redis::Reply::Type::kString && kind.str == "message" &&
        key.type == redis::Reply::Type::kString) {
      on_key_(key.str);
    }
  }

  const RedisOptions options_;
  const std::string channel_;
  const std::function<void(absl::string_view)> on_key_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Subscription> SubscribeInvalidations(
    const RedisOptions& options, std::string channel,
    std::function<void(absl::string_view)> on_key) {
  return std::make_unique<RedisSubscription>(options, std::move(channel), std::move(on_key));
}

}  // namespace octo::cache
