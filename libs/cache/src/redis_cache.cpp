#include "octo/cache/redis_cache.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "redis_pool.h"

namespace octo::cache {
namespace {

class RedisCache final : public Cache {
 public:
  explicit RedisCache(const RedisOptions& options) : prefix_(options.key_prefix), pool_(options) {}

  std::optional<std::string> Get(absl::string_view key) override {
    detail::ReplyPtr reply = pool_.Run({"GET", absl::StrCat(prefix_, key)});
    if (reply == nullptr || reply->type != REDIS_REPLY_STRING) return std::nullopt;
    return std::string(reply->str, reply->len);
  }

  void Put(absl::string_view key, absl::string_view value, absl::Duration ttl) override {
    if (ttl <= absl::ZeroDuration()) {
      Erase(key);
    } else if (ttl == absl::InfiniteDuration()) {
      pool_.Run({"SET", absl::StrCat(prefix_, key), value});
    } else {
      const int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1)));
      pool_.Run({"SET", absl::StrCat(prefix_, key), value, "PX", absl::StrCat(ms)});
    }
  }

  void Erase(absl::string_view key) override { pool_.Run({"DEL", absl::StrCat(prefix_, key)}); }

 private:
  const std::string prefix_;
  detail::RedisPool pool_;
};

class RedisInvalidator final : public Invalidator {
 public:
  RedisInvalidator(const RedisOptions& options, std::string channel)
      : channel_(std::move(channel)), pool_(options) {}

  void Publish(absl::string_view key) override { pool_.Run({"PUBLISH", channel_, key}); }

 private:
  const std::string channel_;
  detail::RedisPool pool_;
};

absl::Status BadAddress(const std::string& address) {
  return absl::InvalidArgumentError(
      absl::StrCat("Redis address \"", address, "\" is not host:port or redis://host:port"));
}

}  // namespace

std::unique_ptr<Cache> NewRedisCache(const RedisOptions& options) {
  return std::make_unique<RedisCache>(options);
}

std::unique_ptr<Invalidator> NewRedisInvalidator(const RedisOptions& options, std::string channel) {
  return std::make_unique<RedisInvalidator>(options, std::move(channel));
}

absl::StatusOr<RedisOptions> ParseRedisAddress(const std::string& address) {
  absl::string_view rest = address;
  absl::ConsumePrefix(&rest, "redis://");
  absl::string_view host;
  if (absl::ConsumePrefix(&rest, "[")) {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos) return BadAddress(address);
    host = rest.substr(0, close);
    rest.remove_prefix(close + 1);
    if (!absl::ConsumePrefix(&rest, ":")) return BadAddress(address);
  } else {
    const size_t colon = rest.find(':');
    if (colon == absl::string_view::npos) return BadAddress(address);
    host = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  const bool host_ok = !host.empty() && std::none_of(host.begin(), host.end(), [](char c) {
    return absl::ascii_isspace(c) || c == '/' || c == '@' || c == '[' || c == ']';
  });
  const bool port_digits = !rest.empty() && rest.size() <= 5 &&
                           std::all_of(rest.begin(), rest.end(), absl::ascii_isdigit);
  int port = 0;
  if (!host_ok || !port_digits || !absl::SimpleAtoi(rest, &port) || port < 1 || port > 65535) {
    return BadAddress(address);
  }
  RedisOptions options;
  options.host = std::string(host);
  options.port = port;
  return options;
}

}  // namespace octo::cache
