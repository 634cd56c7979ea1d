#include "octo/llm/prices.h"

#include "gtest/gtest.h"

namespace octo::llm {
namespace {

TEST(PriceTable, BuiltInTableHasTheCommonModels) {
  const PriceTable& table = PriceTable::BuiltIn();
  EXPECT_GT(table.size(), 5u);
  EXPECT_TRUE(table.Find("gpt-4o-mini").has_value());
  EXPECT_TRUE(table.Find("claude-3-5-haiku").has_value());
}

TEST(PriceTable, CostPerMillionTokens) {
  auto table = PriceTable::Parse(R"({"models":{"m":{"input_per_mtok":2,"output_per_mtok":10}}})");
  ASSERT_TRUE(table.ok()) << table.status();
  std::optional<double> cost = table->Cost("m", {.input_tokens = 1000, .output_tokens = 500});
  ASSERT_TRUE(cost.has_value());
  EXPECT_DOUBLE_EQ(*cost, (1000 * 2 + 500 * 10) / 1e6);
}

TEST(PriceTable, DatedSnapshotsUseTheLongestListedName) {
  auto table = PriceTable::Parse(R"({"models":{
      "gpt-4o":{"input_per_mtok":2.5,"output_per_mtok":10},
      "gpt-4o-mini":{"input_per_mtok":0.15,"output_per_mtok":0.6}}})");
  ASSERT_TRUE(table.ok());
  EXPECT_DOUBLE_EQ(table->Find("gpt-4o-2024-08-06")->input_per_mtok, 2.5);
  EXPECT_DOUBLE_EQ(table->Find("gpt-4o-mini-2024-07-18")->input_per_mtok, 0.15);
  EXPECT_FALSE(table->Find("gpt-4").has_value());
  EXPECT_FALSE(table->Find("gpt-4omni").has_value());
}

TEST(PriceTable, UnknownModelIsCostUnknownNotZero) {
  EXPECT_FALSE(PriceTable::BuiltIn().Cost("my-local-llama", {.input_tokens = 5}).has_value());
}

TEST(PriceTable, MalformedEntriesNameThemselves) {
  auto bad = PriceTable::Parse(R"({"models":{"m":{"input_per_mtok":-1,"output_per_mtok":1}}})");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("models.m.input_per_mtok"), std::string::npos);
  EXPECT_FALSE(PriceTable::Parse("[]").ok());
  EXPECT_FALSE(PriceTable::Parse(R"({"models":{"m":3}})").ok());
  EXPECT_EQ(PriceTable::Load("/nonexistent/prices.json").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace octo::llm
