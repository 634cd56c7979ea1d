#include "redis_pool.h"

#include "absl/strings/str_cat.h"
#include "octo/common/log.h"
#include "octo/common/signals.h"

namespace octo::ratelimit::detail {
namespace {

// Connects within options.connect_timeout; reads and writes then time out after
// options.command_timeout. Null on failure, with the reason in `error`.
ContextPtr Connect(const cache::RedisOptions& options, std::string* error) {
  common::IgnoreSigpipe();
  ContextPtr context(redisConnectWithTimeout(options.host.c_str(), options.port,
                                             absl::ToTimeval(options.connect_timeout)));
  if (context == nullptr) {
    *error = "cannot allocate a Redis context";
    return nullptr;
  }
  if (context->err != 0) {
    *error = context->errstr;
    return nullptr;
  }
  if (redisSetTimeout(context.get(), absl::ToTimeval(options.command_timeout)) != REDIS_OK) {
    *error = "cannot set the command timeout";
    return nullptr;
  }
  return context;
}

void LogOutage(const cache::RedisOptions& options, absl::string_view why) {
  log::Warn("rate limiting with local buckets: Redis unavailable",
            {{"redis", absl::StrCat(options.host, ":", options.port)},
             {"error", std::string(why)},
             {"retry_after", absl::FormatDuration(options.retry_after)}});
}

}  // namespace

ReplyPtr RedisPool::Run(std::span<const std::string> args) {
  std::optional<Connection> connection = Acquire();
  if (!connection.has_value()) return nullptr;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(
      connection->context.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (reply == nullptr) {
    const std::string why = connection->context->errstr;
    Fail(std::move(*connection), why);
  } else {
    Release(std::move(*connection));
  }
  return reply;
}

void RedisPool::Trip(absl::string_view why) {
  bool was_closed;
  {
    absl::MutexLock lock(&mu_);
    was_closed = OpenBreaker();
  }
  if (was_closed) LogOutage(options_, why);
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
      // This caller probes; the others keep answering null until it succeeds or fails.
      probe = true;
      retry_at_ = now + options_.retry_after;
    }
  }
  std::string error;
  ContextPtr context = Connect(options_, &error);
  bool was_closed = false;
  {
    absl::MutexLock lock(&mu_);
    if (context == nullptr) {
      --open_;
      was_closed = OpenBreaker();
    } else if (probe) {
      retry_at_ = absl::InfinitePast();
    }
  }
  if (context == nullptr) {
    if (was_closed) LogOutage(options_, error);
    return std::nullopt;
  }
  if (probe) {
    log::Info("rate limiting in Redis again",
              {{"redis", absl::StrCat(options_.host, ":", options_.port)}});
  }
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

void RedisPool::Fail(Connection connection, absl::string_view why) {
  connection.context.reset();
  bool was_closed = false;
  {
    absl::MutexLock lock(&mu_);
    --open_;
    // A connection from before the last failure adds no news.
    if (connection.generation == generation_) was_closed = OpenBreaker();
  }
  if (was_closed) LogOutage(options_, why);
}

bool RedisPool::OpenBreaker() {
  const bool was_closed = retry_at_ == absl::InfinitePast();
  retry_at_ = absl::Now() + options_.retry_after;
  ++generation_;
  open_ -= static_cast<int>(idle_.size());
  idle_.clear();
  return was_closed;
}

}  // namespace octo::ratelimit::detail
