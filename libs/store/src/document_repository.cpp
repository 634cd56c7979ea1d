// DocumentRepository on Postgres full-text search (documents.search, a generated tsvector).
#include "octo/store/document_repository.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

// Ranks first, then builds headlines for the winners only (ts_headline re-parses the body).
const Statement kSearch{
    "doc_search",
    "SELECT d.external_id, d.title, d.score, "
    "  ts_headline('english', d.body, d.query,"
    "    'MaxFragments=2, MaxWords=30, MinWords=8, StartSel=**, StopSel=**') AS snippet "
    "FROM (SELECT external_id, title, body, query, ts_rank_cd(search, query) AS score "
    "      FROM documents, websearch_to_tsquery('english', $2) AS query "
    "      WHERE tenant_id = $1 AND search @@ query "
    "      ORDER BY score DESC, external_id LIMIT $3) AS d "
    "ORDER BY d.score DESC, d.external_id"};

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
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<std::vector<v1::Passage>> {
      pqxx::read_transaction tx(c);
      std::vector<v1::Passage> passages;
      for (const auto& row : Exec(tx, kSearch, std::string(tenant_id), std::string(query), limit)) {
        v1::Passage& p = passages.emplace_back();
        p.set_external_id(row["external_id"].c_str());
        p.set_title(row["title"].c_str());
        p.set_snippet(row["snippet"].c_str());
        p.set_score(row["score"].as<double>());
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
