// An arm's model calls along a fallback chain, over HTTP to two stand-in providers, with
// tenants' spend limits held in a real Redis and a real Postgres: a rate-limited or failing
// model falls back and comes back, an open breaker is passed without a call, a tenant near
// its limit is degraded to the cheap model and then refused, a task's cost budget picks the
// model that fits, the ledger names the model that ran, and a rewritten catalog is used.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "google/rpc/error_details.pb.h"
#include "octo/spend/refusal.h"
#include "octo/spend/spend_gate.h"
#include "octo/store/migrations.h"
#include "octo/store/pg_pool.h"
#include "octo/testing/llm_stand_in.h"
#include "octo/testing/postgres_server.h"
#include "octo/testing/redis_fixture.h"
#include "octo/testing/status_macros.h"
#include "src/runtime/model.h"

namespace octo::arms {
namespace {

// gpt-4o is the preferred model on the primary stand-in; the backup stand-in serves the
// same model; gpt-4o-mini (primary) is the cheap one.
constexpr char kCatalog[] = R"({
  "models": {"gpt-4o": {"input_per_mtok": 2.5, "output_per_mtok": 10, "tier": "premium"},
             "gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.6, "tier": "economy"}},
  "endpoints": {"backup": {"provider": "openai", "base_url": "$0"}},
  "chains": {"answer": [
    {"endpoint": "default", "model": "gpt-4o"},
    {"endpoint": "backup", "model": "gpt-4o", "on": ["rate_limited", "unavailable", "timeout", "breaker_open"]},
    {"endpoint": "default", "model": "gpt-4o-mini", "on": ["budget_low"]}]}
})";

class FallbackChainTest : public testing::RedisServerTest {
 protected:
  void SetUp() override {
    RedisServerTest::SetUp();
    OCTO_ASSIGN_OR_FAIL(dsn_, testing::PostgresServer::Shared().CreateDatabase());
    OCTO_ASSERT_OK(store::ApplyMigrations(dsn_, store::EmbeddedMigrations()));
    OCTO_ASSIGN_OR_FAIL(pool_, store::OpenPgPool({.dsn = dsn_, .size = 4}));
    OCTO_ASSIGN_OR_FAIL(ledger_, store::NewPgSpendRepository(pool_));
    redis_ = std::make_unique<redis::Pool>(Options());
    gate_ = spend::NewSpendGate(*redis_, *ledger_,
                                {.limits_ttl = absl::ZeroDuration(),
                                 .key_prefix = Options().key_prefix});
    OCTO_ASSIGN_OR_FAIL(primary_, testing::LlmStandIn::Start());
    OCTO_ASSIGN_OR_FAIL(backup_, testing::LlmStandIn::Start());
    char name[] = "/tmp/octo-chain-XXXXXX";
    const int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    catalog_path_ = name;
    WriteCatalog(absl::Substitute(kCatalog, backup_->base_url()));
    llm::ProviderConfig config;
    config.provider = "openai";
    config.base_url = primary_->base_url();
    config.model = "gpt-4o";
    config.max_attempts = 1;  // fall back at once instead of retrying
    OCTO_ASSIGN_OR_FAIL(model_, ArmModel::Open(config, catalog_path_, &metrics_));
    model_->set_spend_gate(gate_.get());
  }
  void TearDown() override { std::remove(catalog_path_.c_str()); }

  void WriteCatalog(const std::string& text) {
    std::ofstream(catalog_path_, std::ios::trunc) << text;
  }

  static v1::ExecuteRequest Step(double max_cost_usd = 0) {
    v1::ExecuteRequest step;
    step.set_tenant_id("acme");
    step.set_task_id("t1");
    step.set_step_id("answer");
    step.set_capability("answer");
    step.set_max_cost_usd(max_cost_usd);
    return step;
  }

  // A call whose estimate is about $0.10 with gpt-4o and $0.006 with gpt-4o-mini.
  absl::StatusOr<llm::Response> Ask(v1::ExecuteResponse* out, double max_cost_usd = 0) {
    llm::Request request;
    request.messages.push_back({llm::Role::kUser, "What is the capital of France?"});
    request.max_tokens = 10'000;
    request.deadline = absl::Now() + absl::Seconds(20);
    return model_->Call(Step(max_cost_usd), request, out);
  }

  // Spends `usd` for acme today, as a settled call would.
  void Spent(double usd) {
    OCTO_ASSIGN_OR_FAIL(spend::Hold hold,
                        gate_->Reserve("acme", {.usd = usd, .tokens = 10},
                                       absl::Now() + absl::Seconds(30)));
    gate_->Settle(hold, {.tenant_id = "acme", .task_id = "earlier", .step_id = "s",
                         .provider = "openai", .model = "gpt-4o", .input_tokens = 5,
                         .output_tokens = 5, .cost_usd = usd});
  }

  double Counted(const std::string& reason, const std::string& model) {
    for (const auto& family : metrics_.Collect()) {
      if (family.name != "octo_llm_fallbacks_total") continue;
      for (const auto& metric : family.metric) {
        bool match = true;
        for (const auto& label : metric.label) {
          if (label.name == "reason" && label.value != reason) match = false;
          if (label.name == "model" && label.value != model) match = false;
        }
        if (match) return metric.counter.value;
      }
    }
    return 0;
  }

  std::string dsn_;
  std::shared_ptr<store::PgPool> pool_;
  std::unique_ptr<store::SpendRepository> ledger_;
  std::unique_ptr<redis::Pool> redis_;
  std::unique_ptr<spend::SpendGate> gate_;
  std::unique_ptr<testing::LlmStandIn> primary_;
  std::unique_ptr<testing::LlmStandIn> backup_;
  std::string catalog_path_;
  prometheus::Registry metrics_;
  std::unique_ptr<ArmModel> model_;
};

TEST_F(FallbackChainTest, ARateLimitedModelFallsBackAndComesBackWhenItRecovers) {
  primary_->Enqueue({.status = 429, .retry_after_seconds = 1});
  primary_->Enqueue({.status = 429});
  backup_->SetResponder([](const testing::LlmRecordedRequest&) {
    return testing::LlmReply{.text = "Paris (backup)."};
  });
  primary_->SetResponder([](const testing::LlmRecordedRequest&) {
    return testing::LlmReply{.text = "Paris."};
  });
  for (int i = 0; i < 2; ++i) {
    v1::ExecuteResponse out;
    OCTO_ASSIGN_OR_FAIL(llm::Response reply, Ask(&out));
    EXPECT_EQ(reply.text, "Paris (backup).");
    EXPECT_EQ(out.provenance().endpoint(), "backup");
    EXPECT_EQ(out.provenance().model(), "gpt-4o");
    EXPECT_EQ(out.provenance().tier(), "premium");
    ASSERT_EQ(out.provenance().passed_over_size(), 1);
    EXPECT_EQ(out.provenance().passed_over(0).endpoint(), "default");
    EXPECT_EQ(out.provenance().passed_over(0).reason(), "rate_limited");
    EXPECT_TRUE(absl::StrContains(out.provenance().passed_over(0).detail(), "429"))
        << out.provenance().passed_over(0).detail();
  }
  v1::ExecuteResponse out;
  OCTO_ASSIGN_OR_FAIL(llm::Response reply, Ask(&out));
  EXPECT_EQ(reply.text, "Paris.");
  EXPECT_EQ(out.provenance().endpoint(), "default");
  EXPECT_EQ(out.provenance().passed_over_size(), 0);
  EXPECT_EQ(primary_->requests().size(), 3u);
  EXPECT_EQ(backup_->requests().size(), 2u);
  EXPECT_EQ(Counted("rate_limited", "gpt-4o"), 2);
  // Each call is a ledger row of the model and provider that answered it.
  OCTO_ASSIGN_OR_FAIL(store::Spent spent, gate_->SpentIn("acme", spend::Period::kDay));
  EXPECT_EQ(spent.calls, 3);
  EXPECT_NEAR(spent.usd, 3 * (11 * 2.5 + 7 * 10) / 1e6, 1e-12);
}

TEST_F(FallbackChainTest, AnOpenBreakerIsPassedOverWithoutACall) {
  primary_->SetResponder([](const testing::LlmRecordedRequest&) {
    return testing::LlmReply{.status = 503};
  });
  for (int i = 0; i < 5; ++i) {  // the breaker opens after 5 failed calls
    v1::ExecuteResponse out;
    OCTO_ASSERT_OK(Ask(&out).status());
    EXPECT_EQ(out.provenance().passed_over(0).reason(), "unavailable");
  }
  v1::ExecuteResponse out;
  OCTO_ASSERT_OK(Ask(&out).status());
  ASSERT_EQ(out.provenance().passed_over_size(), 1);
  EXPECT_EQ(out.provenance().passed_over(0).reason(), "breaker_open");
  EXPECT_EQ(primary_->requests().size(), 5u);
  EXPECT_EQ(backup_->requests().size(), 6u);
}

TEST_F(FallbackChainTest, ATenantNearItsDailyLimitIsDegradedToTheCheapModelThenRefused) {
  OCTO_ASSERT_OK(ledger_->SetLimit("acme", {"day", "usd", 1.00}));
  Spent(0.95);  // $0.05 left: gpt-4o may cost $0.10, gpt-4o-mini $0.006
  v1::ExecuteResponse out;
  OCTO_ASSIGN_OR_FAIL(llm::Response reply, Ask(&out));
  EXPECT_EQ(out.provenance().model(), "gpt-4o-mini");
  EXPECT_EQ(out.provenance().tier(), "economy");
  ASSERT_EQ(out.provenance().passed_over_size(), 1);
  EXPECT_EQ(out.provenance().passed_over(0).model(), "gpt-4o");
  EXPECT_EQ(out.provenance().passed_over(0).reason(), "budget_low");
  EXPECT_TRUE(absl::StrContains(out.provenance().passed_over(0).detail(), "$1.00 per day"))
      << out.provenance().passed_over(0).detail();
  // The backup is not taken on budget_low: the only request went to the cheap model.
  ASSERT_EQ(primary_->requests().size(), 1u);
  EXPECT_TRUE(absl::StrContains(primary_->requests()[0].body, "\"gpt-4o-mini\""));
  EXPECT_EQ(backup_->requests().size(), 0u);
  EXPECT_EQ(Counted("budget_low", "gpt-4o"), 1);

  Spent(0.046);  // $0.004 left: neither fits
  v1::ExecuteResponse refused_out;
  absl::StatusOr<llm::Response> refused = Ask(&refused_out);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "gpt-4o-mini")) << refused.status();
  absl::optional<absl::Cord> payload = refused.status().GetPayload(spend::kErrorInfoTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(info.ParseFromString(std::string(*payload)));
  EXPECT_EQ(info.reason(), spend::kRefusalReason);
  EXPECT_EQ(primary_->requests().size(), 1u);  // no call was made
  OCTO_ASSIGN_OR_FAIL(store::Spent spent, gate_->SpentIn("acme", spend::Period::kDay));
  EXPECT_LE(spent.usd, 1.00);
}

TEST_F(FallbackChainTest, TheTasksCostBudgetPicksTheModelThatFitsOrRefusesWithItsReason) {
  v1::ExecuteResponse out;
  OCTO_ASSIGN_OR_FAIL(llm::Response reply, Ask(&out, /*max_cost_usd=*/0.01));
  EXPECT_EQ(out.provenance().model(), "gpt-4o-mini");
  EXPECT_EQ(out.provenance().passed_over(0).reason(), "budget_low");
  EXPECT_TRUE(absl::StrContains(out.provenance().passed_over(0).detail(), "cost budget"));

  v1::ExecuteResponse none_out;
  absl::StatusOr<llm::Response> none = Ask(&none_out, /*max_cost_usd=*/0.001);
  ASSERT_EQ(none.status().code(), absl::StatusCode::kResourceExhausted) << none.status();
  absl::optional<absl::Cord> payload = none.status().GetPayload(spend::kErrorInfoTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(info.ParseFromString(std::string(*payload)));
  EXPECT_EQ(info.reason(), spend::kTaskBudgetReason);
  EXPECT_EQ(primary_->requests().size(), 1u);
}

TEST_F(FallbackChainTest, AnErrorNoOtherModelWouldBeatEndsTheCall) {
  primary_->Enqueue({.status = 400});
  v1::ExecuteResponse out;
  absl::StatusOr<llm::Response> reply = Ask(&out);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition) << reply.status();
  EXPECT_EQ(backup_->requests().size(), 0u);
}

TEST_F(FallbackChainTest, WhenEveryModelFailsTheLastProviderErrorIsReturnedWithTheChain) {
  auto failing = [](const testing::LlmRecordedRequest&) {
    return testing::LlmReply{.status = 502};
  };
  primary_->SetResponder(failing);
  backup_->SetResponder(failing);
  v1::ExecuteResponse out;
  absl::StatusOr<llm::Response> reply = Ask(&out);
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kUnavailable) << reply.status();
  EXPECT_TRUE(absl::StrContains(reply.status().message(), "(default) unavailable"))
      << reply.status();
  EXPECT_TRUE(absl::StrContains(reply.status().message(), "(backup) unavailable"))
      << reply.status();
}

TEST_F(FallbackChainTest, ARewrittenCatalogIsUsedWithoutARestart) {
  v1::ExecuteResponse out;
  OCTO_ASSERT_OK(Ask(&out).status());
  EXPECT_EQ(out.provenance().endpoint(), "default");
  WriteCatalog(absl::Substitute(
      R"({"endpoints": {"backup": {"provider": "openai", "base_url": "$0"}},
          "chains": {"answer": [{"endpoint": "backup", "model": "gpt-4o-mini"}]}})",
      backup_->base_url()));
  absl::SleepFor(absl::Milliseconds(1100));  // arms look at the file once a second
  v1::ExecuteResponse after;
  OCTO_ASSERT_OK(Ask(&after).status());
  EXPECT_EQ(after.provenance().endpoint(), "backup");
  EXPECT_EQ(after.provenance().model(), "gpt-4o-mini");
  EXPECT_EQ(after.provenance().tier(), "");  // the new file names no tiers
}

}  // namespace
}  // namespace octo::arms
