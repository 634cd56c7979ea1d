// ArmModel::Call: a model call along the capability's fallback chain, each model held
// against the task's budget and the tenant's spend limits before it is called.
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/rpc/error_details.pb.h"
#include "octo/spend/refusal.h"
#include "prometheus/counter.h"
#include "src/runtime/model.h"

namespace octo::arms {
namespace {

// The step's task cannot afford `estimate` with what is left of its cost budget.
absl::Status TaskBudgetRefusal(const v1::ExecuteRequest& step, const spend::Amount& estimate) {
  absl::Status status = absl::ResourceExhaustedError(absl::StrFormat(
      "task %s has $%.6f of its cost budget left; %s may cost up to $%.6f", step.task_id(),
      step.max_cost_usd(), estimate.model, estimate.usd));
  google::rpc::ErrorInfo info;
  info.set_reason(spend::kTaskBudgetReason);
  info.set_domain("octollm");
  auto& meta = *info.mutable_metadata();
  meta["model"] = estimate.model;
  meta["estimate_usd"] = absl::StrFormat("%.6f", estimate.usd);
  meta["budget_usd"] = absl::StrFormat("%.6f", step.max_cost_usd());
  status.SetPayload(spend::kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

// A held-back budget error: a spend refusal (RESOURCE_EXHAUSTED) or a model that cannot be
// priced under a USD limit (FAILED_PRECONDITION). Other errors of the gate end the call.
bool IsBudgetRefusal(const absl::Status& status) {
  return absl::IsResourceExhausted(status) || absl::IsFailedPrecondition(status);
}

// `status` with every model the chain went past named in its message; payloads kept.
absl::Status WithChain(const absl::Status& status, absl::string_view capability,
                       const std::vector<v1::PassedOver>& passed) {
  if (passed.size() < 2) return status;
  std::string message = absl::StrCat("no model of the \"", capability, "\" chain answered:");
  for (const v1::PassedOver& p : passed) {
    absl::StrAppend(&message, " ", p.model(), " (", p.endpoint(), ") ", p.reason(), ": ", p.detail(),
                    ";");
  }
  message.pop_back();
  absl::Status out(status.code(), message);
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace

absl::StatusOr<llm::Response> ArmModel::Call(const v1::ExecuteRequest& step,
                                             const llm::Request& request,
                                             v1::ExecuteResponse* out) const {
  const std::shared_ptr<const llm::ModelCatalog> catalog = catalog_->Current();
  const std::vector<llm::ChainHop>& chain = catalog->ChainFor(step.capability());
  if (chain.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no language model is configured for capability \"", step.capability(), "\""));
  }
  std::vector<v1::PassedOver> passed;
  absl::Status provider_error;  // the last error a provider gave
  absl::Status budget_refusal;  // the last refusal of a budget
  std::optional<llm::FallbackReason> why;
  for (size_t i = 0; i < chain.size(); ++i) {
    const llm::ChainHop& hop = chain[i];
    if (i > 0 && (!why || (hop.on & static_cast<uint32_t>(*why)) == 0)) continue;
    HopOutcome outcome = CallHop(step, *catalog, hop, request, out);
    if (!outcome.passed_over) {
      if (!outcome.reply.ok()) {
        if (refusals_ != nullptr && absl::IsResourceExhausted(outcome.reply.status())) {
          refusals_->Add({{"tenant", step.tenant_id()}}).Increment();
        }
        return WithChain(outcome.reply.status(), step.capability(), passed);
      }
      v1::Provenance* provenance = out->mutable_provenance();
      for (v1::PassedOver& p : passed) *provenance->add_passed_over() = std::move(p);
      return outcome.reply;
    }
    why = outcome.passed_over;
    const absl::Status& error = outcome.reply.status();
    (*why == llm::FallbackReason::kBudgetLow ? budget_refusal : provider_error) = error;
    v1::PassedOver& p = passed.emplace_back();
    p.set_endpoint(hop.endpoint);
    p.set_model(hop.model);
    p.set_reason(std::string(llm::FallbackReasonName(*why)));
    p.set_detail(std::string(error.message()));
    if (fallbacks_ != nullptr) {
      fallbacks_->Add({{"capability", step.capability()}, {"model", hop.model},
                       {"reason", p.reason()}})
          .Increment();
    }
  }
  if (!provider_error.ok()) {
    return WithChain(StepErrorFromModel(provider_error), step.capability(), passed);
  }
  if (refusals_ != nullptr && absl::IsResourceExhausted(budget_refusal)) {
    refusals_->Add({{"tenant", step.tenant_id()}}).Increment();
  }
  return WithChain(budget_refusal, step.capability(), passed);
}

ArmModel::HopOutcome ArmModel::CallHop(const v1::ExecuteRequest& step,
                                       const llm::ModelCatalog& catalog,
                                       const llm::ChainHop& hop, const llm::Request& request,
                                       v1::ExecuteResponse* out) const {
  const llm::ProviderConfig* config =
      hop.endpoint == "default" ? &default_endpoint_ : catalog.FindEndpoint(hop.endpoint);
  std::shared_ptr<llm::LlmClient> client =
      config != nullptr ? ClientFor(hop.endpoint, *config) : nullptr;
  if (client == nullptr) {
    return {absl::FailedPreconditionError(
                absl::StrCat("endpoint \"", hop.endpoint, "\" has no client")),
            std::nullopt};
  }
  llm::Request attempt = request;
  attempt.model = hop.model;
  const spend::Amount estimate = Estimate(catalog.prices(), attempt);
  // A model without a price cannot be weighed against the task's budget; the task's usage
  // then says its cost is unknown.
  if (step.max_cost_usd() > 0 && !estimate.usd_unknown && estimate.usd > step.max_cost_usd()) {
    return {TaskBudgetRefusal(step, estimate), llm::FallbackReason::kBudgetLow};
  }
  spend::Hold hold;
  store::SpendRecord record;
  if (spend_ != nullptr) {
    absl::StatusOr<spend::Hold> held =
        spend_->Reserve(step.tenant_id(), estimate, request.deadline);
    if (!held.ok()) {
      if (IsBudgetRefusal(held.status())) return {held.status(), llm::FallbackReason::kBudgetLow};
      return {held.status(), std::nullopt};
    }
    hold = *std::move(held);
    record.tenant_id = step.tenant_id();
    record.task_id = step.task_id();
    record.step_id = step.step_id();
    record.provider = std::string(client->provider());
  }
  absl::StatusOr<llm::Response> reply = client->Complete(attempt);
  if (!reply.ok()) {
    if (spend_ != nullptr) spend_->Settle(hold, record);  // nothing used: drops the hold
    std::optional<llm::FallbackReason> reason =
        llm::FallbackReasonOf(reply.status(), request.deadline, absl::Now());
    if (reason) return {reply.status(), reason};
    return {StepErrorFromModel(reply.status()), std::nullopt};
  }
  const Billed billed = Account(catalog.prices(), attempt, *reply, out);
  v1::Provenance* provenance = out->mutable_provenance();
  provenance->set_model(reply->model);
  provenance->set_provider(std::string(client->provider()));
  provenance->set_endpoint(hop.endpoint);
  provenance->set_tier(std::string(catalog.TierOf(hop.model)));
  provenance->set_method("llm");
  provenance->set_offline(false);
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
  return {std::move(reply), std::nullopt};
}

}  // namespace octo::arms
