// An arm's language model: the client built from its OCTO_LLM_* settings (or none, offline),
// and how a model call's usage and origin are written into a step's response.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "octo/llm/http_client.h"
#include "octo/llm/llm_client.h"
#include "octo/llm/prices.h"
#include "octo/llm/providers.h"
#include "octo/v1/arm.pb.h"
#include "prometheus/registry.h"
#include "src/runtime/arm_handler.h"

namespace octo::arms {

class ArmModel {
 public:
  // Offline when config.offline(); otherwise an HTTP client and a hardened provider client.
  // `prices_path` empty means the built-in table. INVALID_ARGUMENT for bad settings.
  static absl::StatusOr<std::unique_ptr<ArmModel>> Open(llm::ProviderConfig config,
                                                        const std::string& prices_path,
                                                        prometheus::Registry* metrics);
  // An offline model (no client), for tests and for arms that run without one.
  static std::unique_ptr<ArmModel> Offline();
  // Wraps `client` (tests): no HTTP client of its own.
  static std::unique_ptr<ArmModel> ForClient(std::unique_ptr<llm::LlmClient> client,
                                             llm::PriceTable prices);

  // Null when offline.
  llm::LlmClient* client() const { return client_.get(); }
  bool offline() const { return client_ == nullptr; }
  const llm::PriceTable& prices() const { return prices_; }

  // A request with the call's deadline and cancellation, and max_tokens capped by the
  // step's budget share (request.max_output_tokens) when it sets one.
  llm::Request NewRequest(const v1::ExecuteRequest& step, const CallContext& call,
                          int max_tokens) const;

  // Adds the call's usage to `out` and marks the provenance with the model, provider and
  // method "llm". Tokens are the provider's; when it reported none they are estimated (4
  // bytes a token) so budgets still hold, and the cost is then unknown. Cost comes from the
  // price table; a model missing from it sets cost_unknown.
  void Account(const llm::Request& request, const llm::Response& response,
               v1::ExecuteResponse* out) const;

 private:
  ArmModel() = default;
  std::unique_ptr<llm::HttpClient> http_;
  std::unique_ptr<llm::LlmClient> client_;
  llm::PriceTable prices_;
};

// An LLM error as the step's error: what the provider said, kept as the status code the
// orchestrator acts on (UNAVAILABLE and DEADLINE_EXCEEDED retry elsewhere), except that a
// rejected key or request becomes FAILED_PRECONDITION: no other arm would do better.
absl::Status StepErrorFromModel(const absl::Status& status);

}  // namespace octo::arms
