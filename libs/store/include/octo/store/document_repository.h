// The retriever's corpus: per-tenant documents searched with Postgres full-text search.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "octo/v1/arm.pb.h"

namespace octo::store {

// Thread-safe. Every method may return UNAVAILABLE when the database cannot be reached.
class DocumentRepository {
 public:
  virtual ~DocumentRepository() = default;

  // Inserts or replaces (by tenant + external_id) each document. Returns how many were stored.
  // INVALID_ARGUMENT for an empty external_id or body.
  virtual absl::StatusOr<int> Upsert(absl::string_view tenant_id,
                                     const std::vector<v1::Document>& documents) = 0;

  // The tenant's best `limit` (clamped to [1, 50]) passages for `query` (websearch syntax,
  // English stemming; title matches weigh more than body matches), best first, with a
  // snippet in which matches are marked **like this** and, as text, the document's sections
  // with the most matches (at most 4 KiB). Documents holding all of the query's words come
  // first; when there are none, and the query uses no operators (quotes, -word, or), those
  // holding any of them. An empty result is OK.
  virtual absl::StatusOr<std::vector<v1::Passage>> Search(absl::string_view tenant_id,
                                                          absl::string_view query, int limit) = 0;
};

}  // namespace octo::store
