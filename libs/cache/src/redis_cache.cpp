#include "octo/cache/redis_cache.h"

#include <cstdint>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "octo/redis/pool.h"

namespace octo::cache {
namespace {

class RedisCache final : public Cache {
 public:
  explicit RedisCache(const RedisOptions& options) : prefix_(options.key_prefix), pool_(options) {}

  std::optional<std::string> Get(absl::string_view key) override {
    absl::StatusOr<redis::Reply> reply = pool_.Run({"GET", absl::StrCat(prefix_, key)});
    if (!reply.ok() || reply->type != redis::Reply::Type::kString) return std::nullopt;
    return std::move(reply->str);
  }

  void Put(absl::string_view key, absl::string_view value, absl::Duration ttl) override {
    if (ttl <= absl::ZeroDuration()) {
      Erase(key);
    } else if (ttl == absl::InfiniteDuration()) {
      pool_.Run({"SET", absl::StrCat(prefix_, key), value}).IgnoreError();
    } else {
      const int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1)));
      pool_.Run({"SET", absl::StrCat(prefix_, key), value, "PX", absl::StrCat(ms)}).IgnoreError();
    }
  }

  void Erase(absl::string_view key) override {
    pool_.Run({"DEL", absl::StrCat(prefix_, key)}).IgnoreError();
  }

 private:
  const std::string prefix_;
  redis::Pool pool_;
};

class RedisInvalidator final : public Invalidator {
 public:
  RedisInvalidator(const RedisOptions& options, std::string channel)
      : channel_(std::move(channel)), pool_(options) {}

  void Publish(absl::string_view key) override {
    pool_.Run({"PUBLISH", channel_, key}).IgnoreError();
  }

 private:
  const std::string channel_;
  redis::Pool pool_;
};

}  // namespace

std::unique_ptr<Cache> NewRedisCache(const RedisOptions& options) {
  return std::make_unique<RedisCache>(options);
}

std::unique_ptr<Invalidator> NewRedisInvalidator(const RedisOptions& options, std::string channel) {
  return std::make_unique<RedisInvalidator>(options, std::move(channel));
}

}  // namespace octo::cache
