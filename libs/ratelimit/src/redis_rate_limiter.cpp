#include "octo/ratelimit/redis_rate_limiter.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "bucket.h"
#include "octo/common/log.h"
#include "octo/redis/pool.h"

namespace octo::ratelimit {
namespace {

// KEYS[i] is a bucket: a hash {t = tokens, ts = server time in microseconds when it held
// them}, absent when full. ARGV[3i-2], ARGV[3i-1], ARGV[3i] are its capacity, refill per
// second and cost. Every bucket is read before any is written, and costs are taken from all
// of them or from none. Returns {allowed (0/1), wait in microseconds (-1: never), 1-based
// index of the limiting bucket (0 when allowed), remaining tokens as a string}. Mirrors
// bucket.h.
constexpr char kScript[] = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local levels = {}
local allowed = 1
local wait = 0
local limited = 0
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[3 * i - 2])
  local rate = tonumber(ARGV[3 * i - 1])
  local cost = tonumber(ARGV[3 * i])
  local level = capacity
  local state = redis.call('HMGET', KEYS[i], 't', 'ts')
  if state[1] and state[2] then
    local elapsed = math.max(0, now - tonumber(state[2]))
    level = math.min(capacity, tonumber(state[1]) + elapsed * rate / 1000000)
  end
  levels[i] = level
  local slack = 1e-9 * math.max(1, cost)
  if level + slack < cost then
    local w = -1
    if cost <= capacity then
      w = math.max(1, math.ceil((cost - level - slack / 2) * 1000000 / rate))
      if w > 1e15 then w = -1 end
    end
    if allowed == 1 or (wait ~= -1 and (w == -1 or w > wait)) then
      wait = w
      limited = i
    end
    allowed = 0
  end
end
local remaining = math.huge
for i = 1, #KEYS do
  local level = levels[i]
  if allowed == 1 then
    local capacity = tonumber(ARGV[3 * i - 2])
    local rate = tonumber(ARGV[3 * i - 1])
    local cost = tonumber(ARGV[3 * i])
    level = math.max(0, level - cost)
    if cost > 0 then
      redis.call('HSET', KEYS[i], 't', string.format('%.17g', level),
                 'ts', string.format('%.0f', now))
      local ttl = math.min(1e12, math.ceil((capacity - level) * 1000 / rate) + 1)
      redis.call('PEXPIRE', KEYS[i], string.format('%.0f', ttl))
    end
  end
  remaining = math.min(remaining, level)
end
return {allowed, wait, limited, string.format('%.17g', remaining)}
)lua";

std::string Number(double value) { return absl::StrFormat("%.17g", value); }

// Logs the breaker's transitions: the limiter decides locally while it is open.
redis::BreakerHooks LogOutages(const redis::RedisOptions& options) {
  const std::string address = absl::StrCat(options.host, ":", options.port);
  const std::string retry_after = absl::FormatDuration(options.retry_after);
  redis::BreakerHooks hooks;
  hooks.on_open = [address, retry_after](absl::string_view why) {
    log::Warn("rate limiting with local buckets: Redis unavailable",
              {{"redis", address}, {"error", std::string(why)}, {"retry_after", retry_after}});
  };
  hooks.on_close = [address] { log::Info("rate limiting in Redis again", {{"redis", address}}); };
  return hooks;
}

class RedisRateLimiter final : public RateLimiter {
 public:
  RedisRateLimiter(const redis::RedisOptions& options, std::unique_ptr<RateLimiter> fallback)
      : prefix_(options.key_prefix),
        pool_(options, LogOutages(options)),
        fallback_(std::move(fallback)) {}

  Decision AcquireAll(std::span<const BucketRequest> requests) override {
    detail::CheckRequests(requests);
    absl::InlinedVector<int, 2> first_index;
    const detail::Requests merged = detail::MergeDuplicates(requests, &first_index);
    std::optional<Decision> decision = Evaluate(merged);
    if (!decision.has_value()) {
      Decision local = fallback_->AcquireAll(requests);
      local.local = true;
      return local;
    }
    if (!decision->allowed) decision->limited_by = first_index[decision->limited_by];
    return *decision;
  }

 private:
  // Null when Redis did not decide.
  std::optional<Decision> Evaluate(const detail::Requests& merged) {
    std::string sha = Sha();
    if (sha.empty() && (sha = LoadScript()).empty()) return std::nullopt;
    std::vector<std::string> args;
    args.reserve(3 + 4 * merged.size());
    args.push_back("EVALSHA");
    args.push_back(sha);
    args.push_back(absl::StrCat(merged.size()));
    for (const BucketRequest& request : merged) args.push_back(absl::StrCat(prefix_, request.key));
    for (const BucketRequest& request : merged) {
      args.push_back(Number(request.config.capacity));
      args.push_back(Number(request.config.refill_per_second));
      args.push_back(Number(request.cost));
    }
    absl::StatusOr<redis::Reply> reply = pool_.Run(args);
    if (reply.ok() && reply->type == redis::Reply::Type::kError &&
        absl::StartsWith(reply->str, "NOSCRIPT")) {
      // Redis restarted or its script cache was flushed.
      if ((args[1] = LoadScript()).empty()) return std::nullopt;
      reply = pool_.Run(args);
    }
    if (!reply.ok()) return std::nullopt;
    std::optional<Decision> decision = Parse(*reply, merged.size());
    if (!decision.has_value()) {
      pool_.Trip(reply->type == redis::Reply::Type::kError ? absl::string_view(reply->str)
                                                           : "malformed script reply");
    }
    return decision;
  }

  static std::optional<Decision> Parse(const redis::Reply& reply, size_t buckets) {
    using Type = redis::Reply::Type;
    if (reply.type != Type::kArray || reply.elements.size() != 4) return std::nullopt;
    const redis::Reply& allowed = reply.elements[0];
    const redis::Reply& wait = reply.elements[1];
    const redis::Reply& limited = reply.elements[2];
    const redis::Reply& remaining = reply.elements[3];
    Decision decision;
    if (allowed.type != Type::kInteger || wait.type != Type::kInteger ||
        limited.type != Type::kInteger || remaining.type != Type::kString ||
        !absl::SimpleAtod(remaining.str, &decision.remaining)) {
      return std::nullopt;
    }
    decision.allowed = allowed.integer == 1;
    if (!decision.allowed) {
      if (limited.integer < 1 || static_cast<size_t>(limited.integer) > buckets) {
        return std::nullopt;
      }
      decision.limited_by = static_cast<int>(limited.integer - 1);
      decision.retry_after =
          wait.integer < 0 ? absl::InfiniteDuration() : absl::Microseconds(wait.integer);
    }
    return decision;
  }

  std::string Sha() {
    absl::MutexLock lock(&mu_);
    return sha_;
  }

  // The script's SHA1 from SCRIPT LOAD; empty when Redis did not answer with one.
  std::string LoadScript() {
    const std::string args[] = {"SCRIPT", "LOAD", kScript};
    absl::StatusOr<redis::Reply> reply = pool_.Run(args);
    if (!reply.ok()) return "";
    if (reply->type != redis::Reply::Type::kString) {
      pool_.Trip(reply->type == redis::Reply::Type::kError ? absl::string_view(reply->str)
                                                           : "malformed SCRIPT LOAD reply");
      return "";
    }
    std::string sha = std::move(reply->str);
    absl::MutexLock lock(&mu_);
    sha_ = sha;
    return sha;
  }

  const std::string prefix_;
  redis::Pool pool_;
  const std::unique_ptr<RateLimiter> fallback_;
  absl::Mutex mu_;
  // Empty until the script is first loaded; the same for every Redis afterwards.
  std::string sha_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<RateLimiter>> NewRedisRateLimiter(
    const redis::RedisOptions& options, std::unique_ptr<RateLimiter> fallback) {
  if (fallback == nullptr) {
    return absl::InvalidArgumentError("NewRedisRateLimiter: fallback must not be null");
  }
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("RedisOptions.pool_size must be >= 1, not ", options.pool_size));
  }
  return std::make_unique<RedisRateLimiter>(options, std::move(fallback));
}

}  // namespace octo::ratelimit
