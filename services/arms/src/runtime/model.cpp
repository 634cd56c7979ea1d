#include "src/runtime/model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "octo/llm/resilience.h"

namespace octo::arms {

absl::StatusOr<std::unique_ptr<ArmModel>> ArmModel::Open(llm::ProviderConfig config,
                                                         const std::string& prices_path,
                                                         prometheus::Registry* metrics) {
  llm::ApplyKeyFallback(config);
  if (absl::Status valid = config.Validate(); !valid.ok()) return valid;
  std::unique_ptr<ArmModel> model(new ArmModel());
  if (prices_path.empty()) {
    model->prices_ = llm::PriceTable::BuiltIn();
  } else {
    absl::StatusOr<llm::PriceTable> loaded = llm::PriceTable::Load(prices_path);
    if (!loaded.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("OCTO_LLM_PRICES: ", loaded.status().message()));
    }
    model->prices_ = *std::move(loaded);
  }
  if (config.offline()) return model;
  llm::HttpClientOptions http_options;
  http_options.max_connections_per_host = config.max_concurrency;
  absl::StatusOr<std::unique_ptr<llm::HttpClient>> http = llm::HttpClient::Create(http_options);
  if (!http.ok()) return http.status();
  model->http_ = *std::move(http);
  std::unique_ptr<llm::LlmClient> client = config.provider == "anthropic"
                                               ? llm::NewAnthropicClient(config, *model->http_)
                                               : llm::NewOpenAiClient(config, *model->http_);
  llm::HardenOptions harden;
  harden.max_concurrency = config.max_concurrency;
  harden.max_queue = config.max_queue;
  harden.max_attempts = config.max_attempts;
  harden.metrics = metrics;
  harden.prices = &model->prices_;
  model->client_ = llm::Harden(std::move(client), std::move(harden));
  return model;
}

std::unique_ptr<ArmModel> ArmModel::Offline() {
  std::unique_ptr<ArmModel> model(new ArmModel());
  model->prices_ = llm::PriceTable::BuiltIn();
  return model;
}

std::unique_ptr<ArmModel> ArmModel::ForClient(std::unique_ptr<llm::LlmClient> client,
                                              llm::PriceTable prices) {
  std::unique_ptr<ArmModel> model(new ArmModel());
  model->client_ = std::move(client);
  model->prices_ = std::move(prices);
  return model;
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

void ArmModel::Account(const llm::Request& request, const llm::Response& response,
                       v1::ExecuteResponse* out) const {
  llm::Usage used = response.usage;
  if (!used.reported) {
    size_t prompt_bytes = 0;
    for (const llm::Message& m : request.messages) prompt_bytes += m.content.size();
    used.input_tokens = static_cast<int64_t>((prompt_bytes + 3) / 4);
    used.output_tokens = static_cast<int64_t>((response.text.size() + 3) / 4);
  }
  v1::Usage* usage = out->mutable_usage();
  usage->set_prompt_tokens(usage->prompt_tokens() + used.input_tokens);
  usage->set_completion_tokens(usage->completion_tokens() + used.output_tokens);
  usage->set_total_tokens(usage->prompt_tokens() + usage->completion_tokens());
  std::optional<double> cost = prices_.Cost(response.model, used);
  if (!response.usage.reported || !cost) {
    usage->set_cost_unknown(true);
  } else {
    usage->set_cost_usd(usage->cost_usd() + *cost);
  }
  v1::Provenance* provenance = out->mutable_provenance();
  provenance->set_model(response.model);
  provenance->set_provider(std::string(client_ != nullptr ? client_->provider() : ""));
  provenance->set_method("llm");
  provenance->set_offline(false);
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
