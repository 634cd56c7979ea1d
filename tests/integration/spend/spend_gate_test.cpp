// The spend gate on a real Redis and a real Postgres: limits refuse the call that would cross
// them and say when they reset, holds become what calls cost, replicas together keep a limit,
// and a Redis that lost its totals rebuilds them from the ledger instead of starting at zero.
#include "octo/spend/spend_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "google/rpc/error_details.pb.h"
#include "octo/store/migrations.h"
#include "octo/store/pg_pool.h"
#include "octo/testing/postgres_server.h"
#include "octo/testing/redis_fixture.h"
#include "octo/testing/status_macros.h"

namespace octo::spend {
namespace {

class SpendGateTest : public testing::RedisServerTest {
 protected:
  void SetUp() override {
    RedisServerTest::SetUp();
    OCTO_ASSIGN_OR_FAIL(dsn_, testing::PostgresServer::Shared().CreateDatabase());
    OCTO_ASSERT_OK(store::ApplyMigrations(dsn_, store::EmbeddedMigrations()));
    OCTO_ASSIGN_OR_FAIL(pool_, store::OpenPgPool({.dsn = dsn_, .size = 8}));
    OCTO_ASSIGN_OR_FAIL(ledger_, store::NewPgSpendRepository(pool_));
    redis_ = std::make_unique<redis::Pool>(Options());
    gate_ = NewGate(*redis_, *ledger_);
  }

  // Limits are read on every call, so a test sees its own SetLimit at once.
  static std::unique_ptr<SpendGate> NewGate(redis::Pool& redis, store::SpendRepository& ledger) {
    return NewSpendGate(redis, ledger, {.limits_ttl = absl::ZeroDuration()});
  }

  static store::SpendRecord Call(double usd, int64_t tokens = 100) {
    return {.tenant_id = "acme", .task_id = "t1", .step_id = "answer", .provider = "openai",
            .model = "gpt-4o-mini", .input_tokens = tokens / 2,
            .output_tokens = tokens - tokens / 2, .cost_usd = usd};
  }

  // Holds `usd` and settles it as spent.
  void Spend(double usd, int64_t tokens = 100) {
    OCTO_ASSIGN_OR_FAIL(Hold hold, gate_->Reserve("acme", {.usd = usd, .tokens = tokens},
                                                  absl::Now() + absl::Seconds(30)));
    gate_->Settle(hold, Call(usd, tokens));
  }

  absl::StatusOr<Hold> Try(double usd, int64_t tokens = 100) {
    return gate_->Reserve("acme", {.usd = usd, .tokens = tokens, .model = "gpt-4o-mini"},
                          absl::Now() + absl::Seconds(30));
  }

  std::string dsn_;
  std::shared_ptr<store::PgPool> pool_;
  std::unique_ptr<store::SpendRepository> ledger_;
  std::unique_ptr<redis::Pool> redis_;
  std::unique_ptr<SpendGate> gate_;
};

TEST_F(SpendGateTest, ATenantWithoutLimitsHoldsNothingButItsCallsAreRecorded) {
  OCTO_ASSIGN_OR_FAIL(Hold hold, Try(5.0));
  EXPECT_TRUE(hold.keys.empty());
  gate_->Settle(hold, Call(0.25, 300));
  OCTO_ASSIGN_OR_FAIL(store::Spent spent, gate_->SpentIn("acme", Period::kDay));
  EXPECT_DOUBLE_EQ(spent.usd, 0.25);
  EXPECT_EQ(spent.tokens, 300);
  EXPECT_EQ(spent.calls, 1);
}

TEST_F(SpendGateTest, TheCallThatWouldCrossALimitIsRefusedWithTheLimitAndItsReset) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 0.10}));
  OCTO_ASSERT_OK(Try(0.04).status());
  OCTO_ASSERT_OK(Try(0.04).status());  // held, not yet settled: 0.08 of 0.10
  absl::StatusOr<Hold> refused = Try(0.04);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  const std::string message(refused.status().message());
  const std::string tomorrow = absl::FormatTime(
      "%Y-%m-%dT00:00:00Z", WindowAt(Period::kDay, absl::Now()).end, absl::UTCTimeZone());
  EXPECT_TRUE(absl::StrContains(message, "\"acme\" reached its spend limit of $0.1000 per day"))
      << message;
  EXPECT_TRUE(absl::StrContains(message, "$0.0800 spent or held")) << message;
  EXPECT_TRUE(absl::StrContains(message, "up to $0.0400 (gpt-4o-mini)")) << message;
  EXPECT_TRUE(absl::StrContains(message, "resets at " + tomorrow)) << message;

  auto payload = refused.status().GetPayload(kErrorInfoTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(info.ParseFromString(std::string(*payload)));
  EXPECT_EQ(info.reason(), kRefusalReason);
  EXPECT_EQ(info.metadata().at("period"), "day");
  EXPECT_EQ(info.metadata().at("metric"), "usd");
  EXPECT_EQ(info.metadata().at("resets_at"), tomorrow);
}

TEST_F(SpendGateTest, SettlingTurnsTheHoldIntoWhatTheCallCost) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 0.10}));
  OCTO_ASSIGN_OR_FAIL(Hold hold, Try(0.08));
  EXPECT_EQ(Try(0.08).status().code(), absl::StatusCode::kResourceExhausted);
  gate_->Settle(hold, Call(0.01));  // the answer was short
  OCTO_ASSERT_OK(Try(0.08).status());
  EXPECT_EQ(Try(0.02).status().code(), absl::StatusCode::kResourceExhausted);  // 0.09 + 0.02
}

TEST_F(SpendGateTest, AFailedCallDropsItsHoldAndCostsNothing) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 0.10}));
  OCTO_ASSIGN_OR_FAIL(Hold hold, Try(0.09));
  gate_->Settle(hold, Call(0, 0));
  OCTO_ASSERT_OK(Try(0.09).status());
  OCTO_ASSIGN_OR_FAIL(store::Spent spent, gate_->SpentIn("acme", Period::kDay));
  EXPECT_EQ(spent.calls, 0);
}

TEST_F(SpendGateTest, ReplicasTogetherNeverPassALimit) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 0.50}));
  // A second replica: its own Redis connections, Postgres pool and limit cache.
  OCTO_ASSIGN_OR_FAIL(std::shared_ptr<store::PgPool> pool2,
                      store::OpenPgPool({.dsn = dsn_, .size = 8}));
  OCTO_ASSIGN_OR_FAIL(std::unique_ptr<store::SpendRepository> ledger2,
                      store::NewPgSpendRepository(pool2));
  redis::Pool redis2(Options());
  std::unique_ptr<SpendGate> gate2 = NewGate(redis2, *ledger2);
  std::atomic<int> made{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    SpendGate* gate = t % 2 == 0 ? gate_.get() : gate2.get();
    threads.emplace_back([&, gate] {
      for (;;) {
        absl::StatusOr<Hold> hold =
            gate->Reserve("acme", {.usd = 0.01, .tokens = 10}, absl::Now() + absl::Seconds(30));
        if (absl::IsResourceExhausted(hold.status())) return;
        if (!hold.ok()) {
          ++errors;
          return;
        }
        ++made;
        gate->Settle(*hold, Call(0.01, 10));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(made.load(), 50);
  OCTO_ASSIGN_OR_FAIL(store::Spent spent, gate_->SpentIn("acme", Period::kDay));
  EXPECT_EQ(spent.calls, 50);
  EXPECT_LE(spent.usd, 0.50 + 1e-9);
}

TEST_F(SpendGateTest, ARedisThatLostItsTotalsRebuildsThemFromTheLedger) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 0.10}));
  Spend(0.08);
  ASSERT_TRUE(redis_->Run({"FLUSHALL"}).ok());
  EXPECT_EQ(Try(0.04).status().code(), absl::StatusCode::kResourceExhausted)
      << "spend restarted at zero after Redis was flushed";
  OCTO_ASSERT_OK(Try(0.02).status());

  // The same after a restart: an empty server on the same port.
  OCTO_ASSERT_OK(server_->Restart());
  absl::StatusOr<Hold> after = Try(0.04);
  for (int i = 0; i < 20 && absl::IsUnavailable(after.status()); ++i) {  // the pool's breaker
    absl::SleepFor(absl::Milliseconds(100));
    after = Try(0.04);
  }
  EXPECT_EQ(after.status().code(), absl::StatusCode::kResourceExhausted) << after.status();
}

TEST_F(SpendGateTest, WhileRedisIsDownTheLedgerAloneKeepsTheLimit) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 0.10}));
  Spend(0.05);
  server_->Kill();
  OCTO_ASSIGN_OR_FAIL(Hold hold, Try(0.04));  // 0.05 spent + 0.04 fits
  EXPECT_TRUE(hold.keys.empty());
  gate_->Settle(hold, Call(0.04));  // recorded in the ledger though Redis is down
  absl::StatusOr<Hold> refused = Try(0.04);  // 0.09 spent
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "$0.0900 spent")) << refused.status();
}

TEST_F(SpendGateTest, ALimitThatCannotBeCheckedAtAllIsNotPassed) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 0.10}));
  OCTO_ASSERT_OK(Try(0.01).status());  // the limits are cached
  server_->Kill();
  testing::PostgresServer::Shared().Kill();
  absl::StatusOr<Hold> hold = Try(0.01);
  OCTO_ASSERT_OK(testing::PostgresServer::Shared().Restart());
  EXPECT_EQ(hold.status().code(), absl::StatusCode::kUnavailable) << hold.status();
}

TEST_F(SpendGateTest, AnUnpricedModelCannotRunUnderAUsdLimit) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"month", "usd", 10}));
  absl::StatusOr<Hold> hold = gate_->Reserve(
      "acme", {.tokens = 10, .usd_unknown = true, .model = "house-model"}, absl::Now());
  EXPECT_EQ(hold.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(hold.status().message(), "\"house-model\" is not in the price"))
      << hold.status();
  // A token limit alone can hold it.
  OCTO_ASSERT_OK(ledger_->RemoveLimit("acme", "month", "usd"));
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"month", "tokens", 1000}));
  OCTO_ASSERT_OK(
      gate_->Reserve("acme", {.tokens = 10, .usd_unknown = true}, absl::Now()).status());
}

TEST_F(SpendGateTest, TokenLimitsCountTokensInEveryWindowAtOnce) {
  // Far enough from a minute's end that the test stays in one window.
  const absl::Time minute_end = WindowAt(Period::kMinute, absl::Now()).end;
  if (minute_end - absl::Now() < absl::Seconds(10)) absl::SleepFor(minute_end - absl::Now());
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"minute", "tokens", 1000}));
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 1.0}));
  Spend(0.01, 600);
  absl::StatusOr<Hold> refused = Try(0.01, 600);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "1000 tokens per minute"))
      << refused.status();
  EXPECT_EQ(Try(1.0).status().code(), absl::StatusCode::kResourceExhausted);  // 0.01 + 1.0 > 1
  OCTO_ASSERT_OK(Try(0.5, 400).status());
}

TEST_F(SpendGateTest, AHoldOfACallerThatNeverSettledLapses) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 0.10}));
  // A caller whose deadline passed long ago, and which died before settling.
  OCTO_ASSERT_OK(gate_->Reserve("acme", {.usd = 0.09}, absl::Now() - absl::Minutes(5)).status());
  OCTO_ASSERT_OK(Try(0.09).status());
}

}  // namespace
}  // namespace octo::spend
