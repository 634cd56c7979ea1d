#include "octo/redis/pool.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "octo/testing/redis_fixture.h"

namespace octo::redis {
namespace {

// Records what the breaker hooks were told.
class BreakerLog {
 public:
  BreakerHooks Hooks() {
    BreakerHooks hooks;
    hooks.on_open = [this](absl::string_view why) {
      absl::MutexLock lock(&mu_);
      opened_.emplace_back(why);
    };
    hooks.on_close = [this] {
      absl::MutexLock lock(&mu_);
      ++closed_;
    };
    return hooks;
  }
  std::vector<std::string> opened() {
    absl::MutexLock lock(&mu_);
    return opened_;
  }
  int closed() {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> opened_ ABSL_GUARDED_BY(mu_);
  int closed_ ABSL_GUARDED_BY(mu_) = 0;
};

using PoolTest = testing::RedisServerTest;

TEST_F(PoolTest, ConcurrentCallersShareAtMostPoolSizeConnections) {
  RedisOptions options = Options();
  options.pool_size = 2;
  options.command_timeout = absl::Seconds(1);
  Pool pool(options);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const std::string key = absl::StrCat(t, "-", i);
        if (!pool.Run({"SET", key, key}).ok()) ++wrong;
        absl::StatusOr<Reply> reply = pool.Run({"GET", key});
        if (!reply.ok() || reply->str != key) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);

  absl::StatusOr<Reply> clients = pool.Run({"CLIENT", "LIST"});
  ASSERT_TRUE(clients.ok()) << clients.status();
  const std::vector<absl::string_view> lines =
      absl::StrSplit(clients->str, '\n', absl::SkipWhitespace());
  EXPECT_LE(lines.size(), 2u) << clients->str;
}

TEST_F(PoolTest, OwnedArgumentsAreBinarySafe) {
  Pool pool(Options());
  const std::vector<std::string> set = {"SET", std::string("k\0", 2), std::string("v\0w", 3)};
  ASSERT_TRUE(pool.Run(set).ok());
  const std::string get[] = {"GET", std::string("k\0", 2)};
  absl::StatusOr<Reply> reply = pool.Run(get);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->str, std::string("v\0w", 3));
}

TEST_F(PoolTest, ErrorRepliesAreReplies) {
  BreakerLog log;
  Pool pool(Options(), log.Hooks());
  absl::StatusOr<Reply> reply = pool.Run({"NOSUCHCOMMAND"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->type, Reply::Type::kError);
  EXPECT_TRUE(pool.Run({"PING"}).ok());
  EXPECT_TRUE(log.opened().empty());
}

TEST_F(PoolTest, KilledRedisOpensTheBreakerOnceThenAProbeClosesIt) {
  BreakerLog log;
  Pool pool(Options(), log.Hooks());
  ASSERT_TRUE(pool.Run({"PING"}).ok());
  server_->Kill();

  EXPECT_EQ(pool.Run({"PING"}).status().code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(log.opened().size(), 1u);
  EXPECT_FALSE(log.opened()[0].empty());
  const absl::Time start = absl::Now();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(pool.Run({"PING"}).status().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(50)) << "breaker did not open";
  // Probes that fail while Redis stays down are no news.
  absl::SleepFor(Options().retry_after + absl::Milliseconds(50));
  EXPECT_FALSE(pool.Run({"PING"}).ok());
  EXPECT_EQ(log.opened().size(), 1u);
  EXPECT_EQ(log.closed(), 0);

  ASSERT_TRUE(server_->Restart().ok());
  absl::SleepFor(Options().retry_after + absl::Milliseconds(50));
  EXPECT_TRUE(pool.Run({"PING"}).ok());
  EXPECT_EQ(log.closed(), 1);
  EXPECT_EQ(log.opened().size(), 1u);
}

TEST_F(PoolTest, TripOpensTheBreakerUntilRetryAfter) {
  BreakerLog log;
  Pool pool(Options(), log.Hooks());
  ASSERT_TRUE(pool.Run({"PING"}).ok());
  const absl::Time tripped = absl::Now();
  pool.Trip("bad reply");
  pool.Trip("worse reply");
  EXPECT_EQ(log.opened(), std::vector<std::string>{"bad reply"});

  EXPECT_EQ(pool.Run({"PING"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(log.closed(), 0);
  absl::SleepFor(Options().retry_after - (absl::Now() - tripped) + absl::Milliseconds(50));
  EXPECT_TRUE(pool.Run({"PING"}).ok());
  EXPECT_EQ(log.closed(), 1);
}

}  // namespace
}  // namespace octo::redis
