#include "src/arm_registry.h"

#include <algorithm>

#include "grpcpp/client_context.h"
#include "octo/common/log.h"
#include "octo/rpc/channel.h"

namespace octo::orchestrator {
namespace {
constexpr double kEwmaWeight = 0.2;
}  // namespace

ArmEndpoint::ArmEndpoint(std::string target, std::shared_ptr<grpc::Channel> channel)
    : target_(std::move(target)), stub_(v1::Arm::NewStub(std::move(channel))) {
  status_.set_endpoint(target_);
}

void ArmEndpoint::BeginCall() {
  absl::MutexLock lock(&mu_);
  status_.set_in_flight(status_.in_flight() + 1);
}

void ArmEndpoint::RecordCall(bool ok, absl::Duration latency, const std::string& error) {
  absl::MutexLock lock(&mu_);
  status_.set_in_flight(std::max(0, status_.in_flight() - 1));
  status_.set_calls(status_.calls() + 1);
  if (!ok) status_.set_failures(status_.failures() + 1);
  status_.set_last_error(error);
  const double ms = absl::ToDoubleMilliseconds(latency);
  status_.set_latency_ewma_ms(status_.calls() == 1
                                  ? ms
                                  : kEwmaWeight * ms + (1 - kEwmaWeight) * status_.latency_ewma_ms());
}

v1::ArmStatus ArmEndpoint::Status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

bool ArmEndpoint::Serves(const std::string& capability) const {
  absl::MutexLock lock(&mu_);
  const auto& caps = status_.description().capabilities();
  return std::find(caps.begin(), caps.end(), capability) != caps.end();
}

double ArmEndpoint::Score() const {
  absl::MutexLock lock(&mu_);
  if (!status_.healthy()) return 1e18;
  const double failure_rate =
      status_.calls() == 0 ? 0 : static_cast<double>(status_.failures()) / status_.calls();
  return status_.latency_ewma_ms() * (1 + status_.in_flight()) + 1000 * failure_rate +
         10 * status_.description().cost_tier();
}

ArmRegistry::ArmRegistry(ArmRegistryOptions options, prometheus::Registry* metrics_registry)
    : options_(std::move(options)) {
  rpc::ChannelOptions channel_options;
  channel_options.registry = metrics_registry;
  for (const std::string& target : options_.endpoints) {
    endpoints_.push_back(
        std::make_unique<ArmEndpoint>(target, rpc::MakeChannel(target, channel_options)));
  }
  refresher_ = std::thread([this] { RefreshLoop(); });
}

ArmRegistry::~ArmRegistry() {
  stop_.Notify();
  refresher_.join();
}

void ArmRegistry::Refresh() {
  for (auto& endpoint : endpoints_) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.describe_timeout));
    v1::ArmDescription description;
    grpc::Status status = endpoint->stub().Describe(&context, v1::DescribeRequest(), &description);
    absl::MutexLock lock(&endpoint->mu_);
    const bool was_healthy = endpoint->status_.healthy();
    endpoint->status_.set_healthy(status.ok());
    if (status.ok()) {
      *endpoint->status_.mutable_description() = std::move(description);
    } else {
      endpoint->status_.set_last_error(status.error_message());
    }
    if (was_healthy != status.ok()) {
      log::Info(status.ok() ? "arm up" : "arm down",
                {{"endpoint", endpoint->target()}, {"error", status.error_message()}});
    }
  }
}

void ArmRegistry::RefreshLoop() {
  do {
    Refresh();
  } while (!stop_.WaitForNotificationWithTimeout(options_.refresh_interval));
}

ArmEndpoint* ArmRegistry::Pick(const std::string& capability, const ArmEndpoint* exclude) {
  ArmEndpoint* best = nullptr;
  double best_score = 0;
  for (auto& endpoint : endpoints_) {
    if (endpoint.get() == exclude || !endpoint->Serves(capability)) continue;
    const double score = endpoint->Score();
    if (score >= 1e18) continue;
    if (best == nullptr || score < best_score) {
      best = endpoint.get();
      best_score = score;
    }
  }
  return best;
}

std::vector<v1::ArmStatus> ArmRegistry::List() const {
  std::vector<v1::ArmStatus> out;
  for (const auto& endpoint : endpoints_) out.push_back(endpoint->Status());
  return out;
}

}  // namespace octo::orchestrator
