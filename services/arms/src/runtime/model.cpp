#include "src/runtime/model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "octo/llm/resilience.h"
#include "octo/telemetry/metrics.h"

namespace octo::arms {

absl::StatusOr<std::unique_ptr<ArmModel>> ArmModel::Open(llm::ProviderConfig config,
                                                         const std::string& catalog_path,
                                                         prometheus::Registry* metrics) {
  llm::ApplyKeyFallback(config);
  if (absl::Status valid = config.Validate(); !valid.ok()) return valid;
  std::unique_ptr<ArmModel> model(new ArmModel());
  absl::StatusOr<std::unique_ptr<llm::CatalogSource>> catalog =
      llm::CatalogSource::Open(catalog_path, config);
  if (!catalog.ok()) return catalog.status();
  model->catalog_ = *std::move(catalog);
  model->default_endpoint_ = std::move(config);
  if (model->default_endpoint_.offline() && catalog_path.empty()) return model;
  if (metrics != nullptr) model->CountInto(*metrics);
  llm::HttpClientOptions http_options;
  http_options.max_connections_per_host = model->default_endpoint_.max_concurrency;
  absl::StatusOr<std::unique_ptr<llm::HttpClient>> http = llm::HttpClient::Create(http_options);
  if (!http.ok()) return http.status();
  model->http_ = *std::move(http);
  return model;
}

void ArmModel::CountInto(prometheus::Registry& metrics) {
  metrics_ = &metrics;
  spend_usd_ = &telemetry::CounterFamily(
      metrics, "octo_llm_spend_usd_total",
      "Estimated provider cost of model calls, USD, by tenant and model (price table)");
  refusals_ = &telemetry::CounterFamily(
      metrics, "octo_spend_refusals_total",
      "Model calls not made because the tenant reached a spend limit, by tenant");
  fallbacks_ = &telemetry::CounterFamily(
      metrics, "octo_llm_fallbacks_total",
      "Models a fallback chain passed over, by capability, model and reason (rate_limited, "
      "unavailable, timeout, breaker_open, budget_low)");
}

std::unique_ptr<ArmModel> ArmModel::Offline() {
  std::unique_ptr<ArmModel> model(new ArmModel());
  model->catalog_ = std::make_unique<llm::CatalogSource>(
      llm::ModelCatalog::Fixed(llm::PriceTable::BuiltIn(), model->default_endpoint_));
  return model;
}

std::unique_ptr<ArmModel> ArmModel::ForClient(std::unique_ptr<llm::LlmClient> client,
                                              llm::PriceTable prices) {
  llm::ProviderConfig endpoint;
  endpoint.provider = std::string(client->provider());
  endpoint.model = std::string(client->default_model());
  absl::flat_hash_map<std::string, std::shared_ptr<llm::LlmClient>> clients;
  clients.emplace("default", std::move(client));
  return ForClients(std::move(clients), llm::ModelCatalog::Fixed(std::move(prices), endpoint));
}

std::unique_ptr<ArmModel> ArmModel::ForClients(
    absl::flat_hash_map<std::string, std::shared_ptr<llm::LlmClient>> clients,
    llm::ModelCatalog catalog, prometheus::Registry* metrics) {
  std::unique_ptr<ArmModel> model(new ArmModel());
  model->catalog_ = std::make_unique<llm::CatalogSource>(std::move(catalog));
  model->fixed_clients_ = true;
  if (metrics != nullptr) model->CountInto(*metrics);
  absl::MutexLock lock(&model->clients_mu_);
  for (auto& [name, client] : clients) model->clients_[name] = Client{"", std::move(client)};
  return model;
}

std::string ArmModel::Describe() const {
  std::shared_ptr<const llm::ModelCatalog> catalog = catalog_->Current();
  const std::vector<llm::ChainHop>& chain = catalog->ChainFor("default");
  if (chain.empty()) return "offline";
  const llm::ProviderConfig* endpoint = chain[0].endpoint == "default"
                                            ? &default_endpoint_
                                            : catalog->FindEndpoint(chain[0].endpoint);
  return absl::StrCat(endpoint != nullptr ? endpoint->provider : "", " ", chain[0].model,
                      chain.size() > 1 ? absl::StrCat(" and ", chain.size() - 1, " fallbacks") : "");
}

std::shared_ptr<llm::LlmClient> ArmModel::ClientFor(const std::string& endpoint,
                                                    const llm::ProviderConfig& config) const {
  // Everything that makes a different client; the key stays in memory, never in a log.
  const std::string settings =
      absl::StrCat(config.provider, "\n", config.base_url, "\n", config.api_key, "\n",
                   config.max_concurrency, "/", config.max_queue, "/", config.max_attempts);
  absl::MutexLock lock(&clients_mu_);
  auto it = clients_.find(endpoint);
  if (it != clients_.end() && (fixed_clients_ || it->second.settings == settings)) {
    return it->second.client;
  }
  if (fixed_clients_ || http_ == nullptr) return nullptr;
  std::unique_ptr<llm::LlmClient> client = config.provider == "anthropic"
                                               ? llm::NewAnthropicClient(config, *http_)
                                               : llm::NewOpenAiClient(config, *http_);
  llm::HardenOptions harden;
  harden.max_concurrency = config.max_concurrency;
  harden.max_queue = config.max_queue;
  harden.max_attempts = config.max_attempts;
  harden.metrics = metrics_;
  // Calls in flight keep a replaced client alive through their shared_ptr.
  std::shared_ptr<llm::LlmClient> hardened = llm::Harden(std::move(client), std::move(harden));
  clients_[endpoint] = Client{settings, hardened};
  return hardened;
}

llm::Request ArmModel::NewRequest(const v1::ExecuteRequest& step, const CallContext& call,
                                  int max_tokens) const {
  llm::Request request;
  request.max_tokens = max_tokens;
  if (step.max_output_tokens() > 0) {
    request.max_tokens =
        static_cast<int>(std::min<int64_t>(request.max_tokens, step.max_output_tokens()));
  }
  request.deadline = call.deadline;
  request.cancelled = call.cancelled;
  return request;
}

namespace {

size_t PromptBytes(const llm::Request& request) {
  size_t bytes = 0;
  for (const llm::Message& m : request.messages) bytes += m.content.size();
  return bytes + request.json_schema.size();
}

}  // namespace

spend::Amount ArmModel::Estimate(const llm::PriceTable& prices, const llm::Request& request) {
  const std::string& model = request.model;
  llm::Usage most;
  most.input_tokens = static_cast<int64_t>((PromptBytes(request) + 3) / 4);
  most.output_tokens = request.max_tokens;
  spend::Amount amount;
  amount.tokens = most.input_tokens + most.output_tokens;
  std::optional<double> cost = prices.Cost(model, most);
  amount.usd = cost.value_or(0);
  amount.usd_unknown = !cost.has_value();
  amount.model = model;
  return amount;
}

ArmModel::Billed ArmModel::Account(const llm::PriceTable& prices, const llm::Request& request,
                                   const llm::Response& response, v1::ExecuteResponse* out) {
  llm::Usage used = response.usage;
  if (!used.reported) {
    used.input_tokens = static_cast<int64_t>((PromptBytes(request) + 3) / 4);
    used.output_tokens = static_cast<int64_t>((response.text.size() + 3) / 4);
  }
  v1::Usage* usage = out->mutable_usage();
  usage->set_prompt_tokens(usage->prompt_tokens() + used.input_tokens);
  usage->set_completion_tokens(usage->completion_tokens() + used.output_tokens);
  usage->set_total_tokens(usage->prompt_tokens() + usage->completion_tokens());
  std::optional<double> cost = prices.Cost(response.model, used);
  if (!response.usage.reported || !cost) {
    usage->set_cost_unknown(true);
  } else {
    usage->set_cost_usd(usage->cost_usd() + *cost);
  }
  return {used, response.usage.reported ? cost : std::nullopt};
}

absl::Status StepErrorFromModel(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kInvalidArgument:
      return absl::FailedPreconditionError(
          absl::StrCat("the language model refused the call: ", status.message()));
    case absl::StatusCode::kDataLoss:
      return absl::UnavailableError(
          absl::StrCat("the language model's answer was unreadable: ", status.message()));
    default:
      return status;
  }
}

}  // namespace octo::arms
