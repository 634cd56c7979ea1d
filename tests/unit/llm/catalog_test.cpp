// The model catalog: prices, tiers, endpoints and chains parsed with errors that name the
// entry; which error lets a chain fall back; a catalog file reread when it changes and kept
// when a change does not parse.
#include "octo/llm/catalog.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "octo/common/clock.h"
#include "octo/llm/errors.h"

namespace octo::llm {
namespace {

ProviderConfig DefaultEndpoint() {
  ProviderConfig config;
  config.provider = "openai";
  config.base_url = "http://127.0.0.1:9";
  config.model = "gpt-4o";
  return config;
}

constexpr char kCatalog[] = R"({
  "models": {"gpt-4o": {"input_per_mtok": 2.5, "output_per_mtok": 10, "tier": "premium"},
             "gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.6, "tier": "economy"},
             "local": {"input_per_mtok": 0, "output_per_mtok": 0}},
  "endpoints": {"backup": {"provider": "openai", "base_url": "http://127.0.0.1:10",
                           "model": "local", "max_attempts": 2}},
  "chains": {"answer": [{"endpoint": "default", "model": "gpt-4o"},
                        {"endpoint": "backup", "on": ["rate_limited", "breaker_open"]},
                        {"model": "gpt-4o-mini", "on": ["budget_low"]}]}
})";

TEST(ModelCatalog, ParsesPricesTiersEndpointsAndChains) {
  absl::StatusOr<ModelCatalog> catalog = ModelCatalog::Parse(kCatalog, DefaultEndpoint());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->prices().size(), 3u);
  EXPECT_EQ(catalog->TierOf("gpt-4o"), "premium");
  EXPECT_EQ(catalog->TierOf("local"), "");
  const std::vector<ChainHop>& chain = catalog->ChainFor("answer");
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].endpoint, "default");
  EXPECT_EQ(chain[0].on, kAllFallbackReasons);
  EXPECT_EQ(chain[1].endpoint, "backup");
  EXPECT_EQ(chain[1].model, "local");  // the endpoint's own model
  EXPECT_EQ(chain[1].on, static_cast<uint32_t>(FallbackReason::kRateLimited) |
                             static_cast<uint32_t>(FallbackReason::kBreakerOpen));
  EXPECT_EQ(chain[2].endpoint, "default");  // no endpoint: the OCTO_LLM_* one
  EXPECT_EQ(chain[2].on, static_cast<uint32_t>(FallbackReason::kBudgetLow));
  const ProviderConfig* backup = catalog->FindEndpoint("backup");
  ASSERT_NE(backup, nullptr);
  EXPECT_EQ(backup->max_attempts, 2);
  EXPECT_EQ(catalog->FindEndpoint("nowhere"), nullptr);
  EXPECT_FALSE(catalog->offline());
}

TEST(ModelCatalog, ACapabilityWithoutAChainUsesTheDefaultChainElseTheOneModel) {
  absl::StatusOr<ModelCatalog> catalog = ModelCatalog::Parse(kCatalog, DefaultEndpoint());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_EQ(catalog->ChainFor("plan").size(), 1u);
  EXPECT_EQ(catalog->ChainFor("plan")[0].model, "gpt-4o");

  absl::StatusOr<ModelCatalog> with_default = ModelCatalog::Parse(
      R"({"chains": {"default": [{"model": "gpt-4o-mini"}]}})", DefaultEndpoint());
  ASSERT_TRUE(with_default.ok()) << with_default.status();
  EXPECT_EQ(with_default->ChainFor("plan")[0].model, "gpt-4o-mini");
  // No "models": the built-in prices.
  EXPECT_EQ(with_default->prices().size(), PriceTable::BuiltIn().size());
}

TEST(ModelCatalog, AnOfflineDefaultWithoutEndpointsIsOffline) {
  ModelCatalog fixed = ModelCatalog::Fixed(PriceTable::BuiltIn(), ProviderConfig());
  EXPECT_TRUE(fixed.offline());
  EXPECT_TRUE(fixed.ChainFor("answer").empty());
}

void ExpectInvalid(absl::string_view json, absl::string_view names,
                   const ProviderConfig& endpoint = DefaultEndpoint()) {
  absl::StatusOr<ModelCatalog> catalog = ModelCatalog::Parse(json, endpoint);
  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument) << json;
  EXPECT_TRUE(absl::StrContains(catalog.status().message(), names)) << catalog.status();
}

TEST(ModelCatalog, BadEntriesAreRefusedByName) {
  unsetenv("ANTHROPIC_API_KEY");  // the fallback key would stand in for api_key_env
  ExpectInvalid("[1]", "not a JSON object");
  ExpectInvalid("{", "not a JSON object");
  ExpectInvalid(R"({"models": {"m": {"input_per_mtok": -1, "output_per_mtok": 1}}})",
                "models.m.input_per_mtok");
  ExpectInvalid(R"({"models": {"m": {"input_per_mtok": 1, "output_per_mtok": 1, "tier": 3}}})",
                "models.m.tier");
  ExpectInvalid(R"({"endpoints": {"b": {"provider": "gemini", "base_url": "http://x"}}})",
                "endpoints.b");
  ExpectInvalid(R"({"endpoints": {"b": {"provider": "openai", "base_url": "ftp://x"}}})",
                "endpoints.b");
  ExpectInvalid(R"({"endpoints": {"b": {"provider": "anthropic", "api_key_env": "OCTO_NO_SUCH_VAR"}}})",
                "api_key_env");
  ExpectInvalid(R"({"endpoints": {"default": {"provider": "openai", "base_url": "http://x"}}})",
                "endpoints.default");
  ExpectInvalid(R"({"endpoints": []})", "endpoints");
  ExpectInvalid(R"({"chains": {"answer": []}})", "chains.answer");
  ExpectInvalid(R"({"chains": {"answer": [{"endpoint": "nowhere", "model": "m"}]}})",
                "chains.answer[0]: unknown endpoint \"nowhere\"");
  ExpectInvalid(R"({"chains": {"answer": [{"model": "m", "on": ["sometimes"]}]}})",
                "chains.answer[0]: unknown condition \"sometimes\"");
  ExpectInvalid(R"({"chains": {"answer": [{"model": "m", "on": []}]}})", "chains.answer[0]");
  ExpectInvalid(R"({"chains": {"answer": [{"model": "a"}, {"model": "b"}, {"model": "c"},
                {"model": "d"}, {"model": "e"}, {"model": "f"}, {"model": "g"}, {"model": "h"},
                {"model": "i"}]}})",
                "1 to 8");
  ExpectInvalid(R"({"chains": {"answer": [{"model": "m"}]}})",
                "endpoint \"default\" is offline", ProviderConfig());
}

TEST(ModelCatalog, ARateLimitAnOutageAndATimeoutWithTimeLeftFallBackAndNothingElse) {
  const absl::Time now = absl::Now();
  const absl::Time later = now + absl::Seconds(10);
  auto reason = [&](const absl::Status& s, absl::Time deadline) {
    return FallbackReasonOf(s, deadline, now);
  };
  EXPECT_EQ(reason(HttpError("openai", 429, "slow down", std::nullopt), later),
            FallbackReason::kRateLimited);
  EXPECT_EQ(reason(HttpError("openai", 503, "overloaded", std::nullopt), later),
            FallbackReason::kUnavailable);
  EXPECT_EQ(reason(CircuitOpenError("openai: circuit open"), later), FallbackReason::kBreakerOpen);
  EXPECT_EQ(reason(absl::DataLossError("not JSON"), later), FallbackReason::kUnavailable);
  EXPECT_EQ(reason(absl::DeadlineExceededError("idle"), later), FallbackReason::kTimeout);
  EXPECT_EQ(reason(absl::DeadlineExceededError("deadline"), now), std::nullopt);
  EXPECT_EQ(reason(HttpError("openai", 400, "bad", std::nullopt), later), std::nullopt);
  EXPECT_EQ(reason(HttpError("openai", 401, "key", std::nullopt), later), std::nullopt);
  EXPECT_EQ(reason(absl::CancelledError("gone"), later), std::nullopt);
}

class CatalogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/octo-catalog-XXXXXX";
    const int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = name;
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void Write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }

  std::string path_;
  common::ManualClock clock_;
};

TEST_F(CatalogFile, AChangeIsReadOnTheNextCheckAndABadOneKeepsTheCatalogInForce) {
  Write(R"({"chains": {"answer": [{"model": "gpt-4o"}]}})");
  absl::StatusOr<std::unique_ptr<CatalogSource>> source = CatalogSource::Open(
      path_, DefaultEndpoint(), {.check_every = absl::Seconds(1), .clock = &clock_});
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->Current()->ChainFor("answer")[0].model, "gpt-4o");

  Write(R"({"chains": {"answer": [{"model": "gpt-4o-mini"}, {"model": "gpt-4o"}]}})");
  EXPECT_EQ((*source)->Current()->ChainFor("answer")[0].model, "gpt-4o");  // not yet looked
  clock_.Advance(absl::Seconds(1));
  std::shared_ptr<const ModelCatalog> reread = (*source)->Current();
  ASSERT_EQ(reread->ChainFor("answer").size(), 2u);
  EXPECT_EQ(reread->ChainFor("answer")[0].model, "gpt-4o-mini");
  EXPECT_EQ((*source)->loads(), 2);

  Write(R"({"chains": {"answer": [{"endpoint": "nowhere"}]}})");
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ((*source)->Current()->ChainFor("answer")[0].model, "gpt-4o-mini");
  EXPECT_EQ((*source)->loads(), 2);
  // A catalog handed out before stays whole for the call that holds it.
  EXPECT_EQ(reread->ChainFor("answer").size(), 2u);

  Write(R"({"chains": {"answer": [{"model": "o3"}]}})");
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ((*source)->Current()->ChainFor("answer")[0].model, "o3");
  EXPECT_EQ((*source)->loads(), 3);
}

TEST_F(CatalogFile, AFileThatCannotBeReadOrParsedAtStartIsRefused) {
  Write("{not json");
  absl::StatusOr<std::unique_ptr<CatalogSource>> bad = CatalogSource::Open(path_, DefaultEndpoint());
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "OCTO_LLM_CATALOG")) << bad.status();
  absl::StatusOr<std::unique_ptr<CatalogSource>> missing =
      CatalogSource::Open("/nonexistent/catalog.json", DefaultEndpoint());
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "cannot read")) << missing.status();
}

TEST(CatalogSourceBuiltIn, NoPathGivesTheBuiltInPricesAndTheOneModel) {
  absl::StatusOr<std::unique_ptr<CatalogSource>> source = CatalogSource::Open("", DefaultEndpoint());
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->Current()->prices().size(), PriceTable::BuiltIn().size());
  EXPECT_EQ((*source)->Current()->ChainFor("judge")[0].model, "gpt-4o");
}

TEST(CatalogExample, TheCheckedInExampleParses) {
  std::ifstream in(OCTO_CATALOG_EXAMPLE);
  ASSERT_TRUE(in) << OCTO_CATALOG_EXAMPLE;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  setenv("OCTO_TEST_ANTHROPIC_KEY", "test-key", 1);
  absl::StrReplaceAll({{"ANTHROPIC_API_KEY", "OCTO_TEST_ANTHROPIC_KEY"}}, &text);
  absl::StatusOr<ModelCatalog> catalog = ModelCatalog::Parse(text, DefaultEndpoint());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->ChainFor("answer").size(), 4u);
  EXPECT_EQ(catalog->TierOf("gpt-4o-mini"), "economy");
}

}  // namespace
}  // namespace octo::llm
