// An arm's language models: the catalog of models, endpoints and fallback chains (from the
// OCTO_LLM_* settings and OCTO_LLM_CATALOG, or none: offline), the clients that call them, and
// how a model call is held against budgets and written into a step's response.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "octo/llm/catalog.h"
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
  // The OCTO_LLM_* endpoint ("default", may be offline) and the catalog file at
  // `catalog_path` (empty: built-in prices, the default endpoint's one model). Metrics go to
  // `metrics` when set. INVALID_ARGUMENT for bad settings or a catalog that does not parse.
  static absl::StatusOr<std::unique_ptr<ArmModel>> Open(llm::ProviderConfig config,
                                                        const std::string& catalog_path,
                                                        prometheus::Registry* metrics);
  // An offline model (no client), for tests and for arms that run without one.
  static std::unique_ptr<ArmModel> Offline();
  // Wraps `client` as the default endpoint (tests): no HTTP client of its own.
  static std::unique_ptr<ArmModel> ForClient(std::unique_ptr<llm::LlmClient> client,
                                             llm::PriceTable prices);
  // Endpoints' clients by name ("default" included) and a catalog whose chains name them
  // (tests).
  static std::unique_ptr<ArmModel> ForClients(
      absl::flat_hash_map<std::string, std::shared_ptr<llm::LlmClient>> clients,
      llm::ModelCatalog catalog, prometheus::Registry* metrics = nullptr);

  // True when no model can be called (no endpoint is configured).
  bool offline() const { return catalog_->Current()->offline(); }
  // "openai gpt-4o" for the first model of the default chain; "offline" when none.
  std::string Describe() const;

  // A request with the call's deadline and cancellation, and max_tokens capped by the
  // step's budget share (request.max_output_tokens) when it sets one.
  llm::Request NewRequest(const v1::ExecuteRequest& step, const CallContext& call,
                          int max_tokens) const;

  // Spend limits hold for every call from now on (null: none are checked). `gate` must
  // outlive the model; set it before serving.
  void set_spend_gate(spend::SpendGate* gate) { spend_ = gate; }

  // One model call for `step`, along the catalog's chain for step.capability() (the
  // request's own model is replaced by each hop's). For each model in turn:
  //  1. its estimate (the prompt at 4 bytes a token plus max_tokens of output, priced for
  //     that model) must fit the task's remaining cost budget (step.max_cost_usd) and be held
  //     against the tenant's spend limits; when it does not, the model is passed over as
  //     budget_low for the next one the chain allows on that condition;
  //  2. the model is called; a 429, 5xx, timeout or open breaker passes it over likewise,
  //     any other error ends the call (as StepErrorFromModel makes it);
  //  3. what the call cost is recorded (the ledger, the tenant's windows) and its usage added
  //     to `out`; the provenance names the model, provider, endpoint and tier that answered
  //     and every model passed over with its reason. Tokens are the provider's; when it
  //     reported none they are estimated (4 bytes a token) and the cost is then unknown.
  // When every model is passed over: the last provider error when there was one (the
  // orchestrator retries later), else the budget refusal: RESOURCE_EXHAUSTED with a
  // google.rpc.ErrorInfo (SPEND_LIMIT_REACHED naming the limit and its reset, or
  // TASK_BUDGET_TOO_LOW); FAILED_PRECONDITION when a model is missing from the price table
  // under a USD limit and no other fits.
  absl::StatusOr<llm::Response> Call(const v1::ExecuteRequest& step,
                                     const llm::Request& request,
                                     v1::ExecuteResponse* out) const;

 private:
  struct Billed {
    llm::Usage usage;
    std::optional<double> cost_usd;  // nullopt: cost unknown
  };
  // What one hop of the chain came to.
  struct HopOutcome {
    absl::StatusOr<llm::Response> reply;
    // Set when the chain may go on to the next model.
    std::optional<llm::FallbackReason> passed_over;
  };

  ArmModel() = default;
  void CountInto(prometheus::Registry& metrics);
  // The client for an endpoint, made on first use and kept while its settings stay.
  std::shared_ptr<llm::LlmClient> ClientFor(const std::string& endpoint,
                                            const llm::ProviderConfig& config) const;
  HopOutcome CallHop(const v1::ExecuteRequest& step, const llm::ModelCatalog& catalog,
                     const llm::ChainHop& hop, const llm::Request& request,
                     v1::ExecuteResponse* out) const;
  static spend::Amount Estimate(const llm::PriceTable& prices, const llm::Request& request);
  // What the call used, added to `out`.
  static Billed Account(const llm::PriceTable& prices, const llm::Request& request,
                        const llm::Response& response, v1::ExecuteResponse* out);

  spend::SpendGate* spend_ = nullptr;
  // octo_llm_spend_usd_total{tenant,model}, octo_spend_refusals_total{tenant} and
  // octo_llm_fallbacks_total{capability,model,reason}; null without a registry.
  prometheus::Family<prometheus::Counter>* spend_usd_ = nullptr;
  prometheus::Family<prometheus::Counter>* refusals_ = nullptr;
  prometheus::Family<prometheus::Counter>* fallbacks_ = nullptr;
  prometheus::Registry* metrics_ = nullptr;
  llm::ProviderConfig default_endpoint_;
  std::unique_ptr<llm::CatalogSource> catalog_;
  std::unique_ptr<llm::HttpClient> http_;
  mutable absl::Mutex clients_mu_;
  // By endpoint name; `settings` tells when a reread catalog changed the endpoint.
  struct Client {
    std::string settings;
    std::shared_ptr<llm::LlmClient> client;
  };
  mutable absl::flat_hash_map<std::string, Client> clients_ ABSL_GUARDED_BY(clients_mu_);
  // Clients given by ForClient/ForClients: never replaced.
  bool fixed_clients_ = false;
};

// An LLM error as the step's error: what the provider said, kept as the status code the
// orchestrator acts on (UNAVAILABLE and DEADLINE_EXCEEDED retry elsewhere), except that a
// rejected key or request becomes FAILED_PRECONDITION: no other arm would do better.
absl::Status StepErrorFromModel(const absl::Status& status);

}  // namespace octo::arms
