// DocumentRepository on Postgres full-text search (documents.search, a generated tsvector).
#include "octo/store/document_repository.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "octo/common/markdown.h"
#include "octo/common/utf8.h"
#include "octo/common/words.h"
#include "octo/store/pg_pool.h"
#include "pg.h"

namespace octo::store {
namespace {

constexpr int kMaxSearchLimit = 50;

const Statement kUpsertDocument{
    "doc_upsert",
    "INSERT INTO documents (tenant_id, external_id, title, body) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (tenant_id, external_id) DO UPDATE "
    "SET title = EXCLUDED.title, body = EXCLUDED.body, updated_at = now()"};

constexpr size_t kMaxPassageBytes = 4096;

// Ranks first, then builds headlines for the winners only (ts_headline re-parses the body).
// $4 chooses the query: the websearch form of $2 (all words), or any of its words.
const Statement kSearch{
    "doc_search",
    "SELECT d.external_id, d.title, d.body, d.score, "
    "  ts_headline('english', d.body, d.query,"
    "    'MaxFragments=2, MaxWords=30, MinWords=8, StartSel=**, StopSel=**') AS snippet "
    "FROM (SELECT external_id, title, body, query, ts_rank_cd(search, query) AS score "
    "      FROM documents, (SELECT CASE WHEN $4 THEN websearch_to_tsquery('english', $2) "
    "        ELSE replace(plainto_tsquery('english', $2)::text, ' & ', ' | ')::tsquery END) "
    "        AS q(query) "
    "      WHERE tenant_id = $1 AND search @@ query "
    "      ORDER BY score DESC, external_id LIMIT $3) AS d "
    "ORDER BY d.score DESC, d.external_id"};

// True when `query` uses websearch operators (quotes, "-word", "or"), whose meaning a
// search for any of its words would lose.
bool HasSearchOperators(absl::string_view query) {
  if (query.find('"') != absl::string_view::npos) return true;
  for (absl::string_view word : absl::StrSplit(query, ' ', absl::SkipEmpty())) {
    if (word[0] == '-' || absl::AsciiStrToLower(word) == "or") return true;
  }
  return false;
}

// The words ts_headline marked (**like this**): the body's words that matched the query.
absl::flat_hash_set<std::string> MarkedWords(absl::string_view snippet) {
  absl::flat_hash_set<std::string> words;
  for (size_t open = snippet.find("**"); open != absl::string_view::npos;) {
    const size_t close = snippet.find("**", open + 2);
    if (close == absl::string_view::npos) break;
    for (std::string& w : common::Words(snippet.substr(open + 2, close - open - 2))) {
      words.insert(std::move(w));
    }
    open = snippet.find("**", close + 2);
  }
  return words;
}

// The passage's text: the document's sections (Markdown headings; a plain text is one
// section) with the most matched words in their prose, the lead section first when it
// matches at all, in document order, at most kMaxPassageBytes.
std::string PassageText(absl::string_view body, absl::string_view snippet) {
  const absl::flat_hash_set<std::string> marked = MarkedWords(snippet);
  std::vector<common::MarkdownSection> sections = common::SplitSections(body);
  if (sections.empty()) return "";
  std::vector<std::pair<size_t, size_t>> hits;  // (matched words, section index)
  for (size_t i = 0; i < sections.size(); ++i) {
    size_t n = 0;
    // Matches in prose count; tables and code are reference, not explanation.
    const std::string prose = common::MarkdownProse(common::ToValidUtf8(sections[i].text));
    for (const std::string& w : common::Words(prose)) {
      n += marked.contains(w) ? 1 : 0;
    }
    hits.emplace_back(n, i);
  }
  // The lead section, when it matches, comes first: documents say what things are up front.
  std::stable_sort(hits.begin(), hits.end(), [](auto a, auto b) {
    if ((a.second == 0 && a.first > 0) != (b.second == 0 && b.first > 0)) return a.second == 0;
    return a.first > b.first;
  });
  std::vector<size_t> chosen;
  size_t bytes = 0;
  for (const auto& [n, i] : hits) {
    if (!chosen.empty() && (n == 0 || bytes + sections[i].text.size() > kMaxPassageBytes)) {
      continue;
    }
    chosen.push_back(i);
    bytes += sections[i].text.size();
  }
  std::sort(chosen.begin(), chosen.end());
  std::string text;
  for (size_t i : chosen) absl::StrAppend(&text, sections[i].text);
  return std::string(common::TruncateUtf8(text, kMaxPassageBytes));
}

class PgDocumentRepository final : public DocumentRepository {
 public:
  explicit PgDocumentRepository(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  absl::StatusOr<int> Upsert(absl::string_view tenant_id,
                             const std::vector<v1::Document>& documents) override {
    if (tenant_id.empty()) return absl::InvalidArgumentError("tenant_id is empty");
    for (size_t i = 0; i < documents.size(); ++i) {
      const v1::Document& d = documents[i];
      if (d.external_id().empty() || d.body().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("documents[", i, "]: external_id and body are required"));
      }
      // Postgres text cannot hold NUL; libpq would silently cut the value there.
      for (const std::string* s : {&d.external_id(), &d.title(), &d.body()}) {
        if (s->find('\0') != std::string::npos) {
          return absl::InvalidArgumentError(absl::StrCat("documents[", i, "] contains NUL"));
        }
      }
    }
    if (documents.empty()) return 0;
    const std::string tenant(tenant_id);
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<int> {
      pqxx::work tx(c);
      for (const v1::Document& d : documents) {
        Exec(tx, kUpsertDocument, tenant, d.external_id(), d.title(), d.body());
      }
      tx.commit();
      return static_cast<int>(documents.size());
    });
  }

  absl::StatusOr<std::vector<v1::Passage>> Search(absl::string_view tenant_id,
                                                  absl::string_view query, int limit) override {
    limit = std::clamp(limit, 1, kMaxSearchLimit);
    if (query.find('\0') != absl::string_view::npos) {
      return absl::InvalidArgumentError("query contains NUL");
    }
    const bool operators = HasSearchOperators(query);
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<std::vector<v1::Passage>> {
      pqxx::read_transaction tx(c);
      std::vector<v1::Passage> passages;
      // Documents with all the words; when none has them all, those with any (a question's
      // words seldom all occur in one document).
      for (const bool all_words : {true, false}) {
        if (!all_words && (operators || !passages.empty())) break;
        for (const auto& row : Exec(tx, kSearch, std::string(tenant_id), std::string(query),
                                    limit, all_words)) {
          v1::Passage& p = passages.emplace_back();
          p.set_external_id(row["external_id"].c_str());
          p.set_title(row["title"].c_str());
          p.set_snippet(row["snippet"].c_str());
          p.set_score(row["score"].as<double>());
          p.set_text(PassageText(row["body"].c_str(), p.snippet()));
        }
      }
      return passages;
    });
  }

 private:
  std::shared_ptr<PgPool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DocumentRepository>> NewPgDocumentRepository(
    std::shared_ptr<PgPool> pool) {
  if (pool == nullptr) return absl::InvalidArgumentError("pool is null");
  return std::make_unique<PgDocumentRepository>(std::move(pool));
}

}  // namespace octo::store
