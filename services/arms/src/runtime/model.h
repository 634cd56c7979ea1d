// An arm's language model: the client built from its OCTO_LLM_* settings (or none, offline),
// and how a model call's usage and origin are written into a step's response.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "octo/llm/http_client.h"
#include "octo/llm/llm_client.h"
#include "octo/llm/prices.h"
#include "octo/llm/providers.h"
#include "octo/spend/spend_gate.h"
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

  // Spend limits hold for every call from now on (null: none are checked). `gate` must
  // outlive the model; set it before serving.
  void set_spend_gate(spend::SpendGate* gate) { spend_ = gate; }

  // One model call for `step`, made by `client()`:
  //  1. holds what it may cost against the tenant's spend limits: the prompt at 4 bytes a
  //     token plus max_tokens of output, priced for the model that will run. A refusal is
  //     RESOURCE_EXHAUSTED naming the limit and its reset (with a google.rpc.ErrorInfo);
  //     a model missing from the price table cannot be called under a USD limit
  //     (FAILED_PRECONDITION);
  //  2. calls the model; an error comes back as StepErrorFromModel makes it;
  //  3. records what the call cost (the ledger, the tenant's windows) and adds its usage to
  //     `out`, marking the provenance with the model, provider and method "llm". Tokens
  //     are the provider's; when it reported none they are estimated (4 bytes a token) so
  //     budgets still hold, and the cost is then unknown.
  absl::StatusOr<llm::Response> Call(const v1::ExecuteRequest& step,
                                     const llm::Request& request,
                                     v1::ExecuteResponse* out) const;

 private:
  struct Billed {
    llm::Usage usage;
    std::optional<double> cost_usd;  // nullopt: cost unknown
  };

  ArmModel() = default;
  spend::Amount Estimate(const llm::Request& request) const;
  // What the call used, added to `out`.
  Billed Account(const llm::Request& request, const llm::Response& response,
                 v1::ExecuteResponse* out) const;
  spend::SpendGate* spend_ = nullptr;
  // octo_llm_spend_usd_total{tenant,model} and octo_spend_refusals_total{tenant}; null
  // without a registry.
  prometheus::Family<prometheus::Counter>* spend_usd_ = nullptr;
  prometheus::Family<prometheus::Counter>* refusals_ = nullptr;
  std::unique_ptr<llm::HttpClient> http_;
  std::unique_ptr<llm::LlmClient> client_;
  llm::PriceTable prices_;
};

// An LLM error as the step's error: what the provider said, kept as the status code the
// orchestrator acts on (UNAVAILABLE and DEADLINE_EXCEEDED retry elsewhere), except that a
// rejected key or request becomes FAILED_PRECONDITION: no other arm would do better.
absl::Status StepErrorFromModel(const absl::Status& status);

}  // namespace octo::arms
