// What one arm kind does; the Arm gRPC service wraps a handler with limits and metrics.
#pragma once

#include <functional>
#include <initializer_list>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "octo/v1/arm.pb.h"

namespace octo::arms {

// An arm's description: its kind, the capabilities it serves and its cost tier.
inline v1::ArmDescription Description(const char* kind,
                                      std::initializer_list<const char*> capabilities,
                                      v1::CostTier cost_tier) {
  v1::ArmDescription d;
  d.set_kind(kind);
  for (const char* c : capabilities) d.add_capabilities(c);
  d.set_cost_tier(cost_tier);
  return d;
}

struct CallContext {
  // True once the caller cancelled or its deadline passed; long work polls it.
  std::function<bool()> cancelled;
  // The caller's deadline (absl::InfiniteFuture when none).
  absl::Time deadline = absl::InfiniteFuture();
};

// Implementations are thread-safe: Execute runs concurrently up to the arm's limit.
class ArmHandler {
 public:
  virtual ~ArmHandler() = default;
  // Kind, capabilities and cost tier. version, instance and max_concurrency are filled by
  // the service.
  virtual v1::ArmDescription Describe() const = 0;
  // Runs one step whose capability is one of Describe().capabilities. The service fills
  // provenance. INVALID_ARGUMENT for parameters this arm cannot use.
  virtual absl::StatusOr<v1::ExecuteResponse> Execute(const v1::ExecuteRequest& request,
                                                      const CallContext& context) = 0;
};

}  // namespace octo::arms
