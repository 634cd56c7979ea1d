#include "src/retriever/retriever.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace octo::arms {
namespace {

constexpr int kDefaultLimit = 5;
constexpr int kMaxLimit = 50;
constexpr size_t kMaxDocumentBytes = 1 << 20;

class Retriever final : public ArmHandler {
 public:
  explicit Retriever(store::DocumentRepository& documents) : documents_(documents) {}

  v1::ArmDescription Describe() const override {
    return Description("retriever", {"retrieve", "ingest"}, v1::COST_TIER_FREE);
  }


  absl::StatusOr<v1::ExecuteResponse> Execute(const v1::ExecuteRequest& request,
                                              const CallContext&) override {
    if (request.capability() == "ingest") return Ingest(request);
    return Retrieve(request);
  }

 private:
  absl::StatusOr<v1::ExecuteResponse> Retrieve(const v1::ExecuteRequest& request) {
    const std::string& query =
        request.retrieve().query().empty() ? request.instruction() : request.retrieve().query();
    if (query.empty()) return absl::InvalidArgumentError("retrieve.query: must not be empty");
    int limit = request.retrieve().limit() == 0 ? kDefaultLimit : request.retrieve().limit();
    if (limit < 0 || limit > kMaxLimit) {
      return absl::InvalidArgumentError(
          absl::StrCat("retrieve.limit: must be between 1 and ", kMaxLimit));
    }
    auto passages = documents_.Search(request.tenant_id(), query, limit);
    if (!passages.ok()) return passages.status();

    // Nothing found is no result: the step fails NOT_FOUND (the task: NO_ANSWER).
    if (passages->empty()) return absl::NotFoundError("no document matches the query");

    v1::ExecuteResponse response;
    auto* output = response.mutable_output();
    auto* retrieval = output->mutable_retrieval();
    std::string text;
    absl::StrAppendFormat(&text, "%d passage(s) for \"%s\":\n", passages->size(), query);
    int rank = 1;
    for (v1::Passage& passage : *passages) {
      absl::StrAppendFormat(&text, "%d. %s [%s] (score %.3f)\n   %s\n", rank++, passage.title(),
                            passage.external_id(), passage.score(), passage.snippet());
      *retrieval->add_passages() = std::move(passage);
    }
    output->set_text(std::move(text));
    return response;
  }

  absl::StatusOr<v1::ExecuteResponse> Ingest(const v1::ExecuteRequest& request) {
    const auto& docs = request.ingest().documents();
    if (docs.empty()) return absl::InvalidArgumentError("ingest.documents: must not be empty");
    for (int i = 0; i < docs.size(); ++i) {
      if (docs[i].body().size() > kMaxDocumentBytes) {
        return absl::InvalidArgumentError(
            absl::StrCat("ingest.documents[", i, "].body: is larger than 1 MiB"));
      }
    }
    auto stored = documents_.Upsert(request.tenant_id(), {docs.begin(), docs.end()});
    if (!stored.ok()) return stored.status();
    v1::ExecuteResponse response;
    response.mutable_output()->mutable_ingest()->set_stored(*stored);
    response.mutable_output()->set_text(absl::StrCat("Stored ", *stored, " document(s)."));
    return response;
  }

  store::DocumentRepository& documents_;
};

}  // namespace

std::unique_ptr<ArmHandler> NewRetriever(store::DocumentRepository& documents) {
  return std::make_unique<Retriever>(documents);
}

}  // namespace octo::arms
