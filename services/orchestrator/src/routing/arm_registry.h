// The orchestrator's view of the arm fleet: endpoints, their capabilities, liveness and live
// figures, circuit breakers and concurrency limits, and the choice of the best arm for a step.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "octo/common/circuit_breaker.h"
#include "octo/common/clock.h"
#include "octo/v1/arm.grpc.pb.h"
#include "octo/v1/operations.pb.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace octo::orchestrator {

struct ArmRegistryOptions {
  // gRPC targets, one per arm Deployment (e.g. "dns:///retriever:50061"); calls are spread
  // with round_robin over what the name resolves to, skipping replicas whose gRPC health
  // check fails.
  std::vector<std::string> endpoints;
  // How often every endpoint is health-checked and described. Default 2 s.
  absl::Duration refresh_interval = absl::Seconds(2);
  // Deadline of those calls. Default 1 s.
  absl::Duration describe_timeout = absl::Seconds(1);
  // Execute calls in flight from this replica over all arms. Default 512.
  int max_in_flight = 512;
  // Per-endpoint limit when an arm's Describe gives no max_concurrency. Default 64.
  int default_arm_concurrency = 64;
  common::CircuitBreakerOptions breaker;
  // Time of breakers, health and load decisions (not of the gRPC deadlines, which are
  // wall-clock). Not owned.
  common::Clock* clock = &common::RealClock();
};

// One configured endpoint. Owned by the registry; pointers stay valid for its lifetime.
class ArmEndpoint {
 public:
  ArmEndpoint(std::string target, std::shared_ptr<grpc::Channel> channel);
  const std::string& target() const { return target_; }
  v1::Arm::Stub& stub() { return *stub_; }

 private:
  friend class ArmRegistry;
  const std::string target_;
  std::unique_ptr<v1::Arm::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

// How a call that got a slot ended, as far as routing cares.
enum class CallOutcome {
  kSuccess,
  // The endpoint failed (see IsEndpointFailure): counts against it and its breaker.
  kEndpointFailure,
  // Busy (RESOURCE_EXHAUSTED): a failed call that lowers its success rate, not its breaker.
  kBusy,
  // The arm refused the request (bad parameters): a failed call that says nothing about
  // the endpoint's health.
  kRejected,
  // We cancelled the call: not counted at all.
  kCancelled,
};

// Thread-safe. Refreshes health and descriptions on its own thread until destroyed.
class ArmRegistry {
 public:
  enum class PickResult {
    kAcquired,
    // Capable arms are up but at their concurrency limit (or this replica is at its own):
    // wait for a release (AddWaiter) and pick again.
    kBusy,
    // Some arm serves (or may serve) the capability but none is healthy with a closed
    // circuit now: a retryable failure.
    kUnavailable,
    // Every endpoint has described itself and none serves the capability.
    kUnknown,
  };
  struct Pick {
    PickResult result;
    ArmEndpoint* endpoint = nullptr;  // set when kAcquired
  };

  // `metrics` may be null (no metrics).
  ArmRegistry(ArmRegistryOptions options, prometheus::Registry* metrics);
  ~ArmRegistry();

  // Checks and describes every endpoint once, now (also done periodically in the background).
  void Refresh();
  // Blocks until the first background refresh finished or `timeout` passed.
  void WaitForFirstRefresh(absl::Duration timeout);

  // Takes a call slot on the best endpoint serving `capability`: healthy, circuit not open,
  // under its concurrency limit; best by live latency (EWMA), success rate, load and cost
  // tier. `avoid` (the endpoint that just failed) is chosen only when nothing else qualifies.
  // A kAcquired pick must be ended with Release.
  Pick Acquire(const std::string& capability, const ArmEndpoint* avoid = nullptr);
  // Ends a call taken with Acquire. `instance` is the arm instance that answered (from its
  // provenance), empty when unknown.
  void Release(ArmEndpoint* endpoint, CallOutcome outcome, absl::Duration latency,
               const std::string& error, const std::string& instance = "");
  // Gives back a slot taken with Acquire whose call never started.
  void Unacquire(ArmEndpoint* endpoint);
  // Runs `wake` once, soon after the next Release (from the releasing thread; it must not
  // block). For steps waiting on kBusy. A waiter registered again under the same `key` before
  // it ran replaces its earlier registration, so a step that keeps waiting holds one.
  void AddWaiter(const void* key, std::function<void()> wake);

  // Capabilities some endpoint has described, healthy or not.
  absl::flat_hash_set<std::string> KnownCapabilities() const;
  // Capabilities of the healthy endpoints with a closed (or probing) circuit, sorted.
  std::vector<std::string> AvailableCapabilities() const;
  bool IsAvailable(const std::string& capability) const;

  std::vector<v1::ArmStatus> List() const;

 private:
  struct State;  // per endpoint, guarded by mu_

  void RefreshLoop();
  // Capabilities of every endpoint, or only of the usable ones.
  absl::flat_hash_set<std::string> Capabilities(bool usable_only) const;
  size_t IndexOf(const ArmEndpoint* endpoint) const;
  bool UsableLocked(const State& state, absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int LimitLocked(const State& state, absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  double ScoreLocked(const State& state, absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishLocked(State& state, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ArmRegistryOptions options_;
  std::vector<std::unique_ptr<ArmEndpoint>> endpoints_;

  mutable absl::Mutex mu_;
  // Parallel to endpoints_.
  std::vector<std::unique_ptr<State>> states_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<const void*, std::function<void()>> waiters_ ABSL_GUARDED_BY(mu_);

  prometheus::Family<prometheus::Gauge>* in_flight_gauge_ = nullptr;
  prometheus::Family<prometheus::Gauge>* circuit_gauge_ = nullptr;
  prometheus::Family<prometheus::Gauge>* healthy_gauge_ = nullptr;
  prometheus::Family<prometheus::Counter>* calls_ = nullptr;

  absl::Notification first_refresh_;
  absl::Notification stop_;
  std::thread refresher_;
};

}  // namespace octo::orchestrator
