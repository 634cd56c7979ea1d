#include "octo/redis/connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "octo/common/signals.h"

namespace octo::redis {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

Reply Copy(const redisReply& raw) {
  using Type = Reply::Type;
  Reply reply;
  switch (raw.type) {
    case REDIS_REPLY_STRING:
      reply.type = Type::kString;
      break;
    case REDIS_REPLY_STATUS:
      reply.type = Type::kStatus;
      break;
    case REDIS_REPLY_ERROR:
      reply.type = Type::kError;
      break;
    case REDIS_REPLY_INTEGER:
      reply.type = Type::kInteger;
      reply.integer = raw.integer;
      break;
    case REDIS_REPLY_NIL:
      reply.type = Type::kNil;
      break;
    case REDIS_REPLY_ARRAY:
      reply.type = Type::kArray;
      reply.elements.reserve(raw.elements);
      for (size_t i = 0; i < raw.elements; ++i) reply.elements.push_back(Copy(*raw.element[i]));
      break;
    default:
      // hiredis 0.14 speaks RESP2 only, whose six types are handled above.
      std::fprintf(stderr, "octo::redis: unknown hiredis reply type %d\n", raw.type);
      std::abort();
  }
  if (reply.type == Type::kString || reply.type == Type::kStatus || reply.type == Type::kError) {
    reply.str.assign(raw.str, raw.len);
  }
  return reply;
}

absl::Status Unavailable(const redisContext& context) {
  return absl::UnavailableError(context.errstr);
}

}  // namespace

struct Connection::Context {
  ContextPtr hiredis;
};

Connection::Connection(std::unique_ptr<Context> context) : context_(std::move(context)) {}
Connection::Connection(Connection&& other) noexcept = default;
Connection& Connection::operator=(Connection&& other) noexcept = default;
Connection::~Connection() = default;

absl::StatusOr<Connection> Connection::Open(const RedisOptions& options) {
  common::IgnoreSigpipe();
  ContextPtr context(redisConnectWithTimeout(options.host.c_str(), options.port,
                                             absl::ToTimeval(options.connect_timeout)));
  if (context == nullptr) return absl::UnavailableError("cannot allocate a Redis context");
  if (context->err != 0) return Unavailable(*context);
  if (redisSetTimeout(context.get(), absl::ToTimeval(options.command_timeout)) != REDIS_OK) {
    return absl::UnavailableError("cannot set the command timeout");
  }
  return Connection(std::make_unique<Context>(Context{std::move(context)}));
}

absl::StatusOr<Reply> Connection::Command(absl::Span<const absl::string_view> args) {
  absl::InlinedVector<const char*, 8> argv;
  absl::InlinedVector<size_t, 8> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (absl::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  redisContext* context = context_->hiredis.get();
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (reply == nullptr) return Unavailable(*context);
  return Copy(*reply);
}

void Connection::EnableKeepAlive() { redisEnableKeepAlive(context_->hiredis.get()); }

absl::StatusOr<std::optional<Reply>> Connection::Receive(absl::Duration timeout) {
  redisContext* context = context_->hiredis.get();
  void* raw = nullptr;
  if (redisReaderGetReply(context->reader, &raw) != REDIS_OK) {
    return absl::UnavailableError("malformed reply");
  }
  if (raw == nullptr) {
    pollfd pfd{context->fd, POLLIN, 0};
    const int millis =
        static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(timeout), 0, 1 << 30));
    const int ready = poll(&pfd, 1, millis);
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("poll: ", std::strerror(errno)));
    }
    if (ready <= 0) return std::nullopt;
    if (redisBufferRead(context) != REDIS_OK) return Unavailable(*context);
    if (redisReaderGetReply(context->reader, &raw) != REDIS_OK) {
      return absl::UnavailableError("malformed reply");
    }
    if (raw == nullptr) return std::nullopt;
  }
  return Copy(*ReplyPtr(static_cast<redisReply*>(raw)));
}

}  // namespace octo::redis
