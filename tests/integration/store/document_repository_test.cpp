#include "octo/store/document_repository.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "octo/store/pg_pool.h"
#include "store_test_support.h"

namespace octo::store {
namespace {

using ::octo::store::testing::Sql;
using ::octo::store::testing::StoreTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kTenant[] = "tenant-a";
constexpr char kOtherTenant[] = "tenant-b";

v1::Document Doc(const std::string& id, const std::string& title, const std::string& body) {
  v1::Document d;
  d.set_external_id(id);
  d.set_title(title);
  d.set_body(body);
  return d;
}

std::vector<std::string> ExternalIds(const std::vector<v1::Passage>& passages) {
  std::vector<std::string> ids;
  for (const auto& p : passages) ids.push_back(p.external_id());
  return ids;
}

class DocumentRepositoryTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    OCTO_ASSIGN_OR_FAIL(docs_, NewPgDocumentRepository(pool_));
  }

  std::unique_ptr<DocumentRepository> docs_;
};

TEST_F(DocumentRepositoryTest, SearchFindsTheMatchingDocumentsBestFirst) {
  OCTO_ASSIGN_OR_FAIL(
      int stored,
      docs_->Upsert(kTenant,
                    {Doc("pg", "Postgres full-text search",
                         "Postgres ranks documents with ts_rank_cd over a tsvector column. "
                         "Searching text is fast with a GIN index."),
                     Doc("redis", "Redis caching", "Redis keeps a cache of results in memory."),
                     Doc("garden", "Gardening", "Tomatoes need sun and water."),
                     Doc("mention", "Notes", "We might search for something one day.")}));
  EXPECT_EQ(stored, 4);

  OCTO_ASSIGN_OR_FAIL(auto passages, docs_->Search(kTenant, "searching postgres", 10));
  ASSERT_THAT(ExternalIds(passages), ElementsAre("pg"));
  EXPECT_EQ(passages[0].title(), "Postgres full-text search");
  EXPECT_GT(passages[0].score(), 0);
  EXPECT_THAT(passages[0].snippet(), HasSubstr("**Postgres**"));

  // Stemming: "searches" matches "search"/"searching"; more matches rank higher.
  OCTO_ASSIGN_OR_FAIL(auto ranked, docs_->Search(kTenant, "searches", 10));
  EXPECT_THAT(ExternalIds(ranked), ElementsAre("pg", "mention"));
  EXPECT_GT(ranked[0].score(), ranked[1].score());
}

TEST_F(DocumentRepositoryTest, TitleMatchesOutrankBodyMatches) {
  OCTO_ASSERT_OK(
      docs_->Upsert(kTenant, {Doc("body", "Misc", "There is a short note about kubernetes here."),
                              Doc("title", "Kubernetes", "A page about deployments and pods.")}));
  OCTO_ASSIGN_OR_FAIL(auto passages, docs_->Search(kTenant, "kubernetes", 10));
  EXPECT_THAT(ExternalIds(passages), ElementsAre("title", "body"));
}

TEST_F(DocumentRepositoryTest, UpsertReplacesByExternalId) {
  OCTO_ASSERT_OK(docs_->Upsert(kTenant, {Doc("d1", "Apples", "Apples are red.")}));
  OCTO_ASSERT_OK(docs_->Upsert(kTenant, {Doc("d1", "Bananas", "Bananas are yellow.")}));
  OCTO_ASSIGN_OR_FAIL(auto apples, docs_->Search(kTenant, "apples", 10));
  EXPECT_THAT(apples, IsEmpty());
  OCTO_ASSIGN_OR_FAIL(auto bananas, docs_->Search(kTenant, "bananas", 10));
  ASSERT_THAT(ExternalIds(bananas), ElementsAre("d1"));
  EXPECT_EQ(bananas[0].title(), "Bananas");
  EXPECT_EQ(Sql(dsn_, "SELECT count(*) FROM documents"), std::vector<std::string>{"1"});
}

TEST_F(DocumentRepositoryTest, SearchIsTenantScoped) {
  OCTO_ASSERT_OK(docs_->Upsert(kTenant, {Doc("d1", "Secret plan", "The launch is on Friday.")}));
  OCTO_ASSERT_OK(docs_->Upsert(kOtherTenant, {Doc("d1", "Other plan", "Nothing to launch.")}));
  OCTO_ASSIGN_OR_FAIL(auto mine, docs_->Search(kTenant, "friday launch", 10));
  EXPECT_THAT(ExternalIds(mine), ElementsAre("d1"));
  OCTO_ASSIGN_OR_FAIL(auto theirs, docs_->Search(kOtherTenant, "friday", 10));
  EXPECT_THAT(theirs, IsEmpty());
  OCTO_ASSIGN_OR_FAIL(auto nobody, docs_->Search("tenant-c", "launch", 10));
  EXPECT_THAT(nobody, IsEmpty());
  // Same external id in two tenants: two documents, neither replaced the other.
  OCTO_ASSIGN_OR_FAIL(auto other_launch, docs_->Search(kOtherTenant, "launch", 10));
  ASSERT_EQ(other_launch.size(), 1u);
  EXPECT_EQ(other_launch[0].title(), "Other plan");
}

TEST_F(DocumentRepositoryTest, SearchUnderstandsWebsearchSyntax) {
  OCTO_ASSERT_OK(docs_->Upsert(
      kTenant, {Doc("a", "", "fast cache in memory"), Doc("b", "", "fast cache on disk"),
                Doc("c", "", "memory is fast, the cache is slow")}));
  OCTO_ASSIGN_OR_FAIL(auto without_disk, docs_->Search(kTenant, "cache -disk", 10));
  EXPECT_THAT(ExternalIds(without_disk), ::testing::UnorderedElementsAre("a", "c"));
  OCTO_ASSIGN_OR_FAIL(auto phrase, docs_->Search(kTenant, "\"fast cache\"", 10));
  EXPECT_THAT(ExternalIds(phrase), ::testing::UnorderedElementsAre("a", "b"));
  OCTO_ASSIGN_OR_FAIL(auto nothing, docs_->Search(kTenant, "", 10));
  EXPECT_THAT(nothing, IsEmpty());
  OCTO_ASSIGN_OR_FAIL(auto stopwords, docs_->Search(kTenant, "the and of", 10));
  EXPECT_THAT(stopwords, IsEmpty());
}

TEST_F(DocumentRepositoryTest, WhenNoDocumentHasAllTheWordsThoseWithAnyAreFound) {
  OCTO_ASSERT_OK(docs_->Upsert(
      kTenant, {Doc("garden", "Gardening", "Tomatoes need sun and water."),
                Doc("boats", "Boats", "Sails need wind."), Doc("cache", "", "fast cache")}));
  OCTO_ASSIGN_OR_FAIL(auto any, docs_->Search(kTenant, "Do tomatoes or sails need sun?", 10));
  // "or" is an operator: websearch reads tomatoes | (sails & need & sun), no fallback.
  EXPECT_THAT(ExternalIds(any), ElementsAre("garden"));
  OCTO_ASSIGN_OR_FAIL(auto question, docs_->Search(kTenant, "What do sails and tomatoes need?", 10));
  EXPECT_THAT(ExternalIds(question), ::testing::UnorderedElementsAre("garden", "boats"));
  // A query with operators keeps their meaning: nothing has "wind" without "sails".
  OCTO_ASSIGN_OR_FAIL(auto excluded, docs_->Search(kTenant, "wind -sails", 10));
  EXPECT_THAT(excluded, IsEmpty());
}

TEST_F(DocumentRepositoryTest, APassagesTextIsTheSectionThatMatches) {
  const std::string body =
      "# Guide\nAn introduction to the guide.\n\n"
      "## Lighthouses\nThe keeper polishes the Fresnel lens every evening.\n\n"
      "## Tides\nTides rise twice a day.\n\n```\n# not a heading: lighthouses\n```\n";
  OCTO_ASSERT_OK(docs_->Upsert(kTenant, {Doc("guide.md", "Guide", body)}));
  OCTO_ASSIGN_OR_FAIL(auto passages, docs_->Search(kTenant, "fresnel lens", 10));
  ASSERT_EQ(passages.size(), 1u);
  EXPECT_THAT(passages[0].text(), HasSubstr("## Lighthouses\nThe keeper polishes"));
  EXPECT_THAT(passages[0].text(), Not(HasSubstr("Tides rise")));
  EXPECT_THAT(passages[0].text(), Not(HasSubstr("introduction")));
  // The lead section comes along when it matches at all.
  OCTO_ASSERT_OK(docs_->Upsert(
      kTenant, {Doc("warden.md", "", "# Wardens\nA warden keeps a light.\n## Duties\nThe warden "
                                     "trims; the warden polishes; the warden logs.\n## Pay\n"
                                     "Paid monthly, warden or not.\n")}));
  OCTO_ASSIGN_OR_FAIL(auto warden, docs_->Search(kTenant, "warden", 10));
  ASSERT_EQ(warden.size(), 1u);
  EXPECT_EQ(warden[0].text().rfind("# Wardens\nA warden keeps a light.\n## Duties", 0), 0u)
      << warden[0].text();
  // A text with no headings is its own section, cut at 4 KiB on a character boundary.
  std::string long_text = "lantern ";
  while (long_text.size() < 6000) long_text += "é ";
  OCTO_ASSERT_OK(docs_->Upsert(kTenant, {Doc("long", "", long_text)}));
  OCTO_ASSIGN_OR_FAIL(auto lantern, docs_->Search(kTenant, "lantern", 10));
  ASSERT_EQ(lantern.size(), 1u);
  EXPECT_LE(lantern[0].text().size(), 4096u);
  EXPECT_GT(lantern[0].text().size(), 4000u);
  EXPECT_EQ(lantern[0].text().rfind("lantern ", 0), 0u);
}

TEST_F(DocumentRepositoryTest, SearchLimitIsClampedTo1Through50) {
  std::vector<v1::Document> many;
  for (int i = 0; i < 60; ++i) many.push_back(Doc("d" + std::to_string(i), "", "common word"));
  OCTO_ASSERT_OK(docs_->Upsert(kTenant, many));
  OCTO_ASSIGN_OR_FAIL(auto capped, docs_->Search(kTenant, "common", 1000));
  EXPECT_EQ(capped.size(), 50u);
  OCTO_ASSIGN_OR_FAIL(auto at_least_one, docs_->Search(kTenant, "common", 0));
  EXPECT_EQ(at_least_one.size(), 1u);
}

TEST_F(DocumentRepositoryTest, UpsertRejectsIncompleteDocumentsAndStoresNone) {
  EXPECT_EQ(docs_->Upsert(kTenant, {Doc("ok", "t", "body"), Doc("", "t", "body")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(docs_->Upsert(kTenant, {Doc("no-body", "t", "")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(docs_->Upsert("", {Doc("x", "t", "body")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Sql(dsn_, "SELECT count(*) FROM documents"), std::vector<std::string>{"0"});
}

}  // namespace
}  // namespace octo::store
