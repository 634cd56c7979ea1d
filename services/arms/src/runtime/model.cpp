#include "src/runtime/model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "octo/llm/resilience.h"
#include "octo/telemetry/metrics.h"

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
  if (metrics != nullptr) {
    model->spend_usd_ = &telemetry::CounterFamily(
        *metrics, "octo_llm_spend_usd_total",
        "Estimated provider cost of model calls, USD, by tenant and model (price table)");
    model->refusals_ = &telemetry::CounterFamily(
        *metrics, "octo_spend_refusals_total",
        "Model calls not made because the tenant reached a spend limit, by tenant");
  }
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

namespace {

size_t PromptBytes(const llm::Request& request) {
  size_t bytes = 0;
  for (const llm::Message& m : request.messages) bytes += m.content.size();
  return bytes + request.json_schema.size();
}

}  // namespace

spend::Amount ArmModel::Estimate(const llm::Request& request) const {
  const std::string model(request.model.empty() ? client_->default_model() : request.model);
  llm::Usage most;
  most.input_tokens = static_cast<int64_t>((PromptBytes(request) + 3) / 4);
  most.output_tokens = request.max_tokens;
  spend::Amount amount;
  amount.tokens = most.input_tokens + most.output_tokens;
  std::optional<double> cost = prices_.Cost(model, most);
  amount.usd = cost.value_or(0);
  amount.usd_unknown = !cost.has_value();
  amount.model = model;
  return amount;
}

absl::StatusOr<llm::Response> ArmModel::Call(const v1::ExecuteRequest& step,
                                             const llm::Request& request,
                                             v1::ExecuteResponse* out) const {
  spend::Hold hold;
  store::SpendRecord record;
  if (spend_ != nullptr) {
    absl::StatusOr<spend::Hold> held =
        spend_->Reserve(step.tenant_id(), Estimate(request), request.deadline);
    if (!held.ok()) {
      if (refusals_ != nullptr && absl::IsResourceExhausted(held.status())) {
        refusals_->Add({{"tenant", step.tenant_id()}}).Increment();
      }
      return held.status();
    }
    hold = *std::move(held);
    record.tenant_id = step.tenant_id();
    record.task_id = step.task_id();
    record.step_id = step.step_id();
    record.provider = std::string(client_->provider());
  }
  absl::StatusOr<llm::Response> reply = client_->Complete(request);
  if (!reply.ok()) {
    if (spend_ != nullptr) spend_->Settle(hold, record);  // nothing used: drops the hold
    return StepErrorFromModel(reply.status());
  }
  const Billed billed = Account(request, *reply, out);
  if (spend_usd_ != nullptr && billed.cost_usd) {
    spend_usd_->Add({{"tenant", step.tenant_id()}, {"model", reply->model}})
        .Increment(*billed.cost_usd);
  }
  if (spend_ != nullptr) {
    record.model = reply->model;
    record.input_tokens = billed.usage.input_tokens;
    record.output_tokens = billed.usage.output_tokens;
    record.cost_usd = billed.cost_usd.value_or(0);
    record.cost_unknown = !billed.cost_usd.has_value();
    spend_->Settle(hold, record);
  }
  return reply;
}

ArmModel::Billed ArmModel::Account(const llm::Request& request, const llm::Response& response,
                                   v1::ExecuteResponse* out) const {
  llm::Usage used = response.usage;
  if (!used.reported) {
    used.input_tokens = static_cast<int64_t>((PromptBytes(request) + 3) / 4);
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
