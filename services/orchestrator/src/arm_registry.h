// The orchestrator's view of the arm fleet: endpoints, their capabilities, health and live
// figures, and the choice of the best arm for a capability.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "octo/v1/arm.grpc.pb.h"
#include "octo/v1/operations.pb.h"
#include "prometheus/registry.h"

namespace octo::orchestrator {

struct ArmRegistryOptions {
  // gRPC targets, one per arm Deployment (e.g. "dns:///retriever:50061").
  std::vector<std::string> endpoints;
  // How often Describe is called on every endpoint. Default 5 s.
  absl::Duration refresh_interval = absl::Seconds(5);
  absl::Duration describe_timeout = absl::Seconds(1);
};

// One configured endpoint. Owned by the registry; pointers stay valid for its lifetime.
class ArmEndpoint {
 public:
  ArmEndpoint(std::string target, std::shared_ptr<grpc::Channel> channel);
  const std::string& target() const { return target_; }
  v1::Arm::Stub& stub() { return *stub_; }

  // Records the outcome of one Execute call.
  void RecordCall(bool ok, absl::Duration latency, const std::string& error);
  void BeginCall();
  v1::ArmStatus Status() const;
  bool Serves(const std::string& capability) const;
  // Lower is better: unhealthy endpoints never win; then latency, failures, cost.
  double Score() const;

 private:
  friend class ArmRegistry;
  const std::string target_;
  std::unique_ptr<v1::Arm::Stub> stub_;
  mutable absl::Mutex mu_;
  v1::ArmStatus status_ ABSL_GUARDED_BY(mu_);
};

// Thread-safe. Refreshes descriptions on its own thread until destroyed.
class ArmRegistry {
 public:
  ArmRegistry(ArmRegistryOptions options, prometheus::Registry* metrics_registry);
  ~ArmRegistry();

  // Describes every endpoint once, now (also done periodically in the background).
  void Refresh();
  // The best healthy endpoint serving `capability`, excluding `exclude`; null when none.
  ArmEndpoint* Pick(const std::string& capability, const ArmEndpoint* exclude = nullptr);
  std::vector<v1::ArmStatus> List() const;

 private:
  void RefreshLoop();

  ArmRegistryOptions options_;
  std::vector<std::unique_ptr<ArmEndpoint>> endpoints_;
  absl::Notification stop_;
  std::thread refresher_;
};

}  // namespace octo::orchestrator
