#include "redis_pool.h"

#include <signal.h>

#include <mutex>
#include <utility>

#include "octo/common/signals.h"

namespace octo::cache::detail {

ContextPtr Connect(const RedisOptions& options) {
  common::IgnoreSigpipe();
  ContextPtr context(redisConnectWithTimeout(options.host.c_str(), options.port,
                                             absl::ToTimeval(options.connect_timeout)));
  if (context == nullptr || context->err != 0) return nullptr;
  if (redisSetTimeout(context.get(), absl::ToTimeval(options.command_timeout)) != REDIS_OK) {
    return nullptr;
  }
  return context;
}

ReplyPtr Command(redisContext* context, std::initializer_list<absl::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (absl::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

ReplyPtr RedisPool::Run(std::initializer_list<absl::string_view> args) {
  std::optional<Connection> connection = Acquire();
  if (!connection.has_value()) return nullptr;
  ReplyPtr reply = Command(connection->context.get(), args);
  if (reply == nullptr) {
    Fail(std::move(*connection));
  } else {
    Release(std::move(*connection));
  }
  return reply;
}

bool RedisPool::CanAcquire() const { return !idle_.empty() || open_ < options_.pool_size; }

std::optional<RedisPool::Connection> RedisPool::Acquire() {
  bool probe = false;
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Now() < retry_at_) return std::nullopt;
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &RedisPool::CanAcquire),
                              options_.command_timeout)) {
      return std::nullopt;
    }
    const absl::Time now = absl::Now();
    if (now < retry_at_) return std::nullopt;
    if (!idle_.empty()) {
      Connection connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    ++open_;
    generation = generation_;
    if (retry_at_ != absl::InfinitePast()) {
      // This caller probes; the others keep missing until it succeeds or fails.
      probe = true;
      retry_at_ = now + options_.retry_after;
    }
  }
  ContextPtr context = Connect(options_);
  absl::MutexLock lock(&mu_);
  if (context == nullptr) {
    --open_;
    OpenBreaker();
    return std::nullopt;
  }
  if (probe) retry_at_ = absl::InfinitePast();
  return Connection{std::move(context), generation};
}

void RedisPool::Release(Connection connection) {
  absl::MutexLock lock(&mu_);
  if (connection.generation == generation_) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
}

void RedisPool::Fail(Connection connection) {
  connection.context.reset();
  absl::MutexLock lock(&mu_);
  --open_;
  // A connection from before the last failure adds no news.
  if (connection.generation == generation_) OpenBreaker();
}

void RedisPool::OpenBreaker() {
  retry_at_ = absl::Now() + options_.retry_after;
  ++generation_;
  open_ -= static_cast<int>(idle_.size());
  idle_.clear();
}

}  // namespace octo::cache::detail
