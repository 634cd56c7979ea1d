#include "src/routing/arm_registry.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "octo/common/log.h"
#include "octo/rpc/channel.h"
#include "octo/telemetry/metrics.h"

namespace octo::orchestrator {
namespace {

constexpr double kLatencyWeight = 0.2;  // EWMA weight of the newest latency sample
constexpr double kSuccessWeight = 0.1;  // EWMA weight of the newest outcome
// Latency assumed for an endpoint without calls yet, in ms.
constexpr double kUnknownLatencyMs = 1.0;
// Score penalty per cost tier, in ms of latency.
constexpr double kCostTierMs = 20.0;
// An instance counts towards an endpoint's capacity while seen this recently.
constexpr absl::Duration kInstanceTtl = absl::Seconds(60);

bool Serves(const v1::ArmStatus& status, const std::string& capability) {
  const auto& caps = status.description().capabilities();
  return std::find(caps.begin(), caps.end(), capability) != caps.end();
}

}  // namespace

struct ArmRegistry::State {
  explicit State(const common::CircuitBreakerOptions& options) : breaker(options) {}
  // endpoint, description, healthy, calls, failures, latency_ewma_ms, in_flight, last_error.
  v1::ArmStatus status;
  bool described = false;  // a Describe ever succeeded
  double success_ewma = 1.0;
  common::CircuitBreaker breaker;
  absl::flat_hash_map<std::string, absl::Time> instances;  // instance → last seen
  int64_t published_opens = 0;
  prometheus::Gauge* in_flight_gauge = nullptr;
  prometheus::Gauge* circuit_gauge = nullptr;
  prometheus::Gauge* healthy_gauge = nullptr;
  prometheus::Counter* ok_calls = nullptr;
  prometheus::Counter* failed_calls = nullptr;
  prometheus::Counter* opens = nullptr;
};

ArmEndpoint::ArmEndpoint(std::string target, std::shared_ptr<grpc::Channel> channel)
    : target_(std::move(target)),
      stub_(v1::Arm::NewStub(channel)),
      health_(grpc::health::v1::Health::NewStub(channel)) {}

ArmRegistry::ArmRegistry(ArmRegistryOptions options, prometheus::Registry* metrics)
    : options_(std::move(options)) {
  prometheus::Family<prometheus::Counter>* opens = nullptr;
  if (metrics != nullptr) {
    in_flight_gauge_ =
        &telemetry::GaugeFamily(*metrics, "octo_orchestrator_arm_in_flight",
                                "Execute calls in flight from this replica, by arm endpoint.");
    circuit_gauge_ =
        &telemetry::GaugeFamily(*metrics, "octo_orchestrator_arm_circuit_open",
                                "1 while the endpoint's circuit breaker is open or half-open.");
    healthy_gauge_ =
        &telemetry::GaugeFamily(*metrics, "octo_orchestrator_arm_healthy",
                                "1 while the endpoint passes its health check and Describe.");
    calls_ =
        &telemetry::CounterFamily(*metrics, "octo_orchestrator_arm_calls_total",
                                  "Execute calls ended, by arm endpoint and outcome (ok, failed).");
    opens = &telemetry::CounterFamily(*metrics, "octo_orchestrator_arm_circuit_opens_total",
                                      "Times the endpoint's circuit breaker opened.");
  }
  absl::MutexLock lock(&mu_);
  for (const std::string& target : options_.endpoints) {
    endpoints_.push_back(std::make_unique<ArmEndpoint>(target, rpc::MakeChannel(
        // round_robin over every address the target resolves to; client-side health
        // checking (grpc.health.v1 Watch) takes NOT_SERVING replicas out of the rotation.
        target, {.registry = metrics, .health_checking = true})));
    auto state = std::make_unique<State>(options_.breaker);
    state->status.set_endpoint(target);
    if (metrics != nullptr) {
      const std::map<std::string, std::string> labels{{"endpoint", target}};
      state->in_flight_gauge = &in_flight_gauge_->Add(labels);
      state->circuit_gauge = &circuit_gauge_->Add(labels);
      state->healthy_gauge = &healthy_gauge_->Add(labels);
      state->ok_calls = &calls_->Add({{"endpoint", target}, {"outcome", "ok"}});
      state->failed_calls = &calls_->Add({{"endpoint", target}, {"outcome", "failed"}});
      state->opens = &opens->Add(labels);
    }
    states_.push_back(std::move(state));
  }
  refresher_ = std::thread([this] { RefreshLoop(); });
}

ArmRegistry::~ArmRegistry() {
  stop_.Notify();
  refresher_.join();
}

void ArmRegistry::Refresh() {
  struct Probe {
    grpc::ClientContext describe_context;
    grpc::ClientContext health_context;
    v1::ArmDescription description;
    grpc::health::v1::HealthCheckResponse health;
    grpc::Status describe_status;
    grpc::Status health_status;
  };
  const v1::DescribeRequest describe_request;
  const grpc::health::v1::HealthCheckRequest health_request;
  std::vector<Probe> probes(endpoints_.size());
  absl::BlockingCounter pending(static_cast<int>(2 * endpoints_.size()));
  const auto deadline = absl::ToChronoTime(absl::Now() + options_.describe_timeout);
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    Probe& probe = probes[i];
    probe.describe_context.set_deadline(deadline);
    probe.health_context.set_deadline(deadline);
    endpoints_[i]->stub_->async()->Describe(&probe.describe_context, &describe_request,
                                            &probe.description, [&probe, &pending](grpc::Status s) {
                                              probe.describe_status = std::move(s);
                                              pending.DecrementCount();
                                            });
    endpoints_[i]->health_->async()->Check(&probe.health_context, &health_request, &probe.health,
                                           [&probe, &pending](grpc::Status s) {
                                             probe.health_status = std::move(s);
                                             pending.DecrementCount();
                                           });
  }
  pending.Wait();

  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    Probe& probe = probes[i];
    State& state = *states_[i];
    // An arm without the health service is judged by Describe alone.
    const bool health_ok =
        probe.health_status.error_code() == grpc::StatusCode::UNIMPLEMENTED ||
        (probe.health_status.ok() &&
         probe.health.status() == grpc::health::v1::HealthCheckResponse::SERVING);
    const bool healthy = probe.describe_status.ok() && health_ok;
    std::string error;
    if (!probe.describe_status.ok()) {
      error = absl::StrCat("Describe: ", probe.describe_status.error_message());
    } else if (!health_ok) {
      error = probe.health_status.ok()
                  ? "health check: not serving"
                  : absl::StrCat("health check: ", probe.health_status.error_message());
    }
    absl::erase_if(state.instances,
                   [now](const auto& entry) { return now - entry.second >= kInstanceTtl; });
    if (probe.describe_status.ok()) {
      *state.status.mutable_description() = std::move(probe.description);
      state.described = true;
      if (!state.status.description().instance().empty()) {
        state.instances[state.status.description().instance()] = now;
      }
    }
    if (state.status.healthy() != healthy) {
      log::Info(healthy ? "arm up" : "arm down",
                {{"endpoint", endpoints_[i]->target()}, {"error", error}});
    }
    state.status.set_healthy(healthy);
    if (!healthy) state.status.set_last_error(error);
    PublishLocked(state, now);
  }
}

void ArmRegistry::WaitForFirstRefresh(absl::Duration timeout) {
  first_refresh_.WaitForNotificationWithTimeout(timeout);
}

void ArmRegistry::RefreshLoop() {
  do {
    Refresh();
    if (!first_refresh_.HasBeenNotified()) first_refresh_.Notify();
  } while (!stop_.WaitForNotificationWithTimeout(options_.refresh_interval));
}

size_t ArmRegistry::IndexOf(const ArmEndpoint* endpoint) const {
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    if (endpoints_[i].get() == endpoint) return i;
  }
  // A pointer that did not come from Acquire is a bug.
  log::Error("release of an endpoint this registry does not own");
  std::abort();
}

bool ArmRegistry::UsableLocked(const State& state, absl::Time now) const {
  return state.status.healthy() && state.breaker.WouldAllow(now);
}

int ArmRegistry::LimitLocked(const State& state, absl::Time now) const {
  const int per_instance = state.status.description().max_concurrency() > 0
                               ? state.status.description().max_concurrency()
                               : options_.default_arm_concurrency;
  int instances = 0;
  for (const auto& [instance, seen] : state.instances) instances += now - seen < kInstanceTtl;
  return per_instance * std::max(1, instances);
}

double ArmRegistry::ScoreLocked(const State& state, absl::Time now) const {
  const double latency = state.status.calls() == 0 ? kUnknownLatencyMs
                                                   : std::max(0.01, state.status.latency_ewma_ms());
  const double load = static_cast<double>(state.status.in_flight()) / LimitLocked(state, now);
  return latency * (1 + load) / std::max(0.05, state.success_ewma) +
         kCostTierMs * static_cast<int>(state.status.description().cost_tier());
}

ArmRegistry::Pick ArmRegistry::Acquire(const std::string& capability, const ArmEndpoint* avoid) {
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  int best = -1;
  int fallback = -1;  // `avoid`, when it qualifies
  double best_score = 0;
  bool any_serving = false;
  bool all_described = true;
  bool any_busy = false;
  for (int i = 0; i < static_cast<int>(states_.size()); ++i) {
    const State& state = *states_[i];
    if (!state.described) {
      all_described = false;
      continue;
    }
    if (!Serves(state.status, capability)) continue;
    any_serving = true;
    if (!UsableLocked(state, now)) continue;
    if (state.status.in_flight() >= LimitLocked(state, now)) {
      any_busy = true;
      continue;
    }
    if (endpoints_[i].get() == avoid) {
      fallback = i;
      continue;
    }
    const double score = ScoreLocked(state, now);
    if (best < 0 || score < best_score) {
      best = i;
      best_score = score;
    }
  }
  if (best < 0) best = fallback;
  if (best < 0) {
    if (any_busy) return {PickResult::kBusy};
    if (!any_serving && all_described) return {PickResult::kUnknown};
    return {PickResult::kUnavailable};
  }
  if (in_flight_ >= options_.max_in_flight) return {PickResult::kBusy};
  State& state = *states_[best];
  state.breaker.Allow(now);
  state.status.set_in_flight(state.status.in_flight() + 1);
  ++in_flight_;
  PublishLocked(state, now);
  return {PickResult::kAcquired, endpoints_[best].get()};
}

void ArmRegistry::Release(ArmEndpoint* endpoint, CallOutcome outcome, absl::Duration latency,
                          const std::string& error, const std::string& instance) {
  const absl::Time now = options_.clock->Now();
  absl::flat_hash_map<const void*, std::function<void()>> wake;
  {
    absl::MutexLock lock(&mu_);
    State& state = *states_[IndexOf(endpoint)];
    v1::ArmStatus& status = state.status;
    status.set_in_flight(std::max(0, status.in_flight() - 1));
    --in_flight_;
    if (!instance.empty()) state.instances[instance] = now;
    const double ms = absl::ToDoubleMilliseconds(latency);
    switch (outcome) {
      case CallOutcome::kSuccess:
        state.breaker.RecordSuccess();
        state.success_ewma = (1 - kSuccessWeight) * state.success_ewma + kSuccessWeight;
        status.set_latency_ewma_ms(status.latency_ewma_ms() == 0
                                       ? ms
                                       : kLatencyWeight * ms +
                                             (1 - kLatencyWeight) * status.latency_ewma_ms());
        break;
      case CallOutcome::kEndpointFailure:
        state.breaker.RecordFailure(now);
        state.success_ewma = (1 - kSuccessWeight) * state.success_ewma;
        // A slow failure (a timeout) says the endpoint is slow; a fast one says nothing.
        if (ms > status.latency_ewma_ms()) {
          status.set_latency_ewma_ms(kLatencyWeight * ms +
                                     (1 - kLatencyWeight) * status.latency_ewma_ms());
        }
        break;
      case CallOutcome::kBusy:
        state.breaker.RecordNeither();
        state.success_ewma = (1 - kSuccessWeight) * state.success_ewma;
        break;
      case CallOutcome::kRejected:
      case CallOutcome::kCancelled:
        state.breaker.RecordNeither();
        break;
    }
    if (outcome != CallOutcome::kCancelled) {
      status.set_calls(status.calls() + 1);
      if (outcome != CallOutcome::kSuccess) status.set_failures(status.failures() + 1);
      status.set_last_error(error);
      if (state.ok_calls != nullptr) {
        (outcome == CallOutcome::kSuccess ? state.ok_calls : state.failed_calls)->Increment();
      }
    }
    PublishLocked(state, now);
    wake.swap(waiters_);
  }
  for (auto& [key, w] : wake) w();
}

void ArmRegistry::Unacquire(ArmEndpoint* endpoint) {
  const absl::Time now = options_.clock->Now();
  absl::flat_hash_map<const void*, std::function<void()>> wake;
  {
    absl::MutexLock lock(&mu_);
    State& state = *states_[IndexOf(endpoint)];
    state.status.set_in_flight(std::max(0, state.status.in_flight() - 1));
    --in_flight_;
    state.breaker.RecordNeither();
    PublishLocked(state, now);
    wake.swap(waiters_);
  }
  for (auto& [key, w] : wake) w();
}

void ArmRegistry::AddWaiter(const void* key, std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  waiters_[key] = std::move(wake);
}

void ArmRegistry::PublishLocked(State& state, absl::Time now) {
  if (state.in_flight_gauge == nullptr) return;
  state.in_flight_gauge->Set(state.status.in_flight());
  state.healthy_gauge->Set(state.status.healthy() ? 1 : 0);
  state.circuit_gauge->Set(state.breaker.state(now) == common::CircuitState::kClosed ? 0 : 1);
  const int64_t opens = state.breaker.opens();
  if (opens > state.published_opens) {
    state.opens->Increment(static_cast<double>(opens - state.published_opens));
    state.published_opens = opens;
  }
}

absl::flat_hash_set<std::string> ArmRegistry::Capabilities(bool usable_only) const {
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  absl::flat_hash_set<std::string> capabilities;
  for (const auto& state : states_) {
    if (usable_only && !UsableLocked(*state, now)) continue;
    for (const std::string& cap : state->status.description().capabilities()) {
      capabilities.insert(cap);
    }
  }
  return capabilities;
}

absl::flat_hash_set<std::string> ArmRegistry::KnownCapabilities() const {
  return Capabilities(/*usable_only=*/false);
}

std::vector<std::string> ArmRegistry::AvailableCapabilities() const {
  const absl::flat_hash_set<std::string> available = Capabilities(/*usable_only=*/true);
  std::vector<std::string> out(available.begin(), available.end());
  std::sort(out.begin(), out.end());
  return out;
}

bool ArmRegistry::IsAvailable(const std::string& capability) const {
  return Capabilities(/*usable_only=*/true).contains(capability);
}

std::vector<v1::ArmStatus> ArmRegistry::List() const {
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  std::vector<v1::ArmStatus> out;
  for (const auto& state : states_) {
    v1::ArmStatus status = state->status;
    const common::CircuitState circuit = state->breaker.state(now);
    if (circuit != common::CircuitState::kClosed) {
      // ArmStatus has no circuit field; the state leads the last error instead.
      status.set_last_error(absl::StrCat("circuit ", common::CircuitStateName(circuit), " after ",
                                         state->breaker.consecutive_failures(),
                                         " consecutive failures: ", status.last_error()));
    }
    out.push_back(std::move(status));
  }
  return out;
}

}  // namespace octo::orchestrator
