#include "octo/redis/pool.h"

#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"

namespace octo::redis {
namespace {

absl::Status BreakerOpen() {
  return absl::UnavailableError("Redis failed less than retry_after ago");
}

}  // namespace

Pool::Pool(RedisOptions options, BreakerHooks hooks)
    : options_(std::move(options)), hooks_(std::move(hooks)) {}

absl::StatusOr<Reply> Pool::Run(std::initializer_list<absl::string_view> args) {
  return RunArgs(absl::MakeConstSpan(args.begin(), args.size()));
}

absl::StatusOr<Reply> Pool::Run(absl::Span<const std::string> args) {
  const absl::InlinedVector<absl::string_view, 16> views(args.begin(), args.end());
  return RunArgs(views);
}

absl::StatusOr<Reply> Pool::RunArgs(absl::Span<const absl::string_view> args) {
  absl::StatusOr<Entry> entry = Acquire();
  if (!entry.ok()) return entry.status();
  absl::StatusOr<Reply> reply = entry->connection.Command(args);
  if (reply.ok()) {
    Release(*std::move(entry));
  } else {
    Fail(*std::move(entry), reply.status().message());
  }
  return reply;
}

void Pool::Trip(absl::string_view why) {
  bool was_closed;
  {
    absl::MutexLock lock(&mu_);
    was_closed = OpenBreaker();
  }
  if (was_closed && hooks_.on_open) hooks_.on_open(why);
}

bool Pool::CanAcquire() const { return !idle_.empty() || open_ < options_.pool_size; }

absl::StatusOr<Pool::Entry> Pool::Acquire() {
  bool probe = false;
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Now() < retry_at_) return BreakerOpen();
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &Pool::CanAcquire), options_.command_timeout)) {
      return absl::DeadlineExceededError("every Redis connection stayed busy");
    }
    const absl::Time now = absl::Now();
    if (now < retry_at_) return BreakerOpen();
    if (!idle_.empty()) {
      Entry entry = std::move(idle_.back());
      idle_.pop_back();
      return entry;
    }
    ++open_;
    generation = generation_;
    if (retry_at_ != absl::InfinitePast()) {
      // This caller probes; the others keep failing until it succeeds or fails.
      probe = true;
      retry_at_ = now + options_.retry_after;
    }
  }
  absl::StatusOr<Connection> connection = Connection::Open(options_);
  bool was_closed = false;
  {
    absl::MutexLock lock(&mu_);
    if (!connection.ok()) {
      --open_;
      was_closed = OpenBreaker();
    } else if (probe) {
      retry_at_ = absl::InfinitePast();
    }
  }
  if (!connection.ok()) {
    if (was_closed && hooks_.on_open) hooks_.on_open(connection.status().message());
    return connection.status();
  }
  if (probe && hooks_.on_close) hooks_.on_close();
  return Entry{*std::move(connection), generation};
}

void Pool::Release(Entry entry) {
  absl::MutexLock lock(&mu_);
  if (entry.generation == generation_) {
    idle_.push_back(std::move(entry));
  } else {
    --open_;
  }
}

void Pool::Fail(Entry entry, absl::string_view why) {
  bool was_closed = false;
  {
    absl::MutexLock lock(&mu_);
    --open_;
    // A connection from before the last failure adds no news.
    if (entry.generation == generation_) was_closed = OpenBreaker();
  }
  if (was_closed && hooks_.on_open) hooks_.on_open(why);
}

bool Pool::OpenBreaker() {
  const bool was_closed = retry_at_ == absl::InfinitePast();
  retry_at_ = absl::Now() + options_.retry_after;
  ++generation_;
  open_ -= static_cast<int>(idle_.size());
  idle_.clear();
  return was_closed;
}

}  // namespace octo::redis
