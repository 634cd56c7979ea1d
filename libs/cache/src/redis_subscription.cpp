#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <utility>

#include "absl/synchronization/notification.h"
#include "octo/cache/redis_cache.h"
#include "redis_pool.h"

namespace octo::cache {
namespace {

constexpr absl::Duration kMinBackoff = absl::Milliseconds(50);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
// How often a waiting subscriber checks whether it should stop.
constexpr int kPollMillis = 100;

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
    absl::Duration backoff = kMinBackoff;
    while (true) {
      detail::ContextPtr context = detail::Connect(options_);
      if (context != nullptr && Subscribe(context.get())) {
        backoff = kMinBackoff;
        Listen(context.get());
      }
      if (stop_.WaitForNotificationWithTimeout(backoff)) return;
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  bool Subscribe(redisContext* context) {
    redisEnableKeepAlive(context);
    detail::ReplyPtr reply = detail::Command(context, {"SUBSCRIBE", channel_});
    return reply != nullptr && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
           reply->element[0]->type == REDIS_REPLY_STRING &&
           absl::string_view(reply->element[0]->str, reply->element[0]->len) == "subscribe";
  }

  // Returns when the connection fails or stop_ is notified.
  void Listen(redisContext* context) {
    while (!stop_.HasBeenNotified()) {
      void* raw = nullptr;
      if (redisReaderGetReply(context->reader, &raw) != REDIS_OK) return;
      if (raw != nullptr) {
        Dispatch(*detail::ReplyPtr(static_cast<redisReply*>(raw)));
        continue;
      }
      pollfd pfd{context->fd, POLLIN, 0};
      const int ready = poll(&pfd, 1, kPollMillis);
      if (ready < 0 && errno != EINTR) return;
      if (ready > 0 && redisBufferRead(context) != REDIS_OK) return;
    }
  }

  void Dispatch(const redisReply& reply) {
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 3) return;
    const redisReply& kind = *reply.element[0];
    const redisReply& key = *reply.element[2];
    if (kind.type == REDIS_REPLY_STRING && absl::string_view(kind.str, kind.len) == "message" &&
        key.type == REDIS_REPLY_STRING) {
      on_key_(absl::string_view(key.str, key.len));
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
