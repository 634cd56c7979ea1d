// Collapses identical concurrent SubmitTask misses into one orchestrator call.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/status.h"
#include "octo/v1/task_service.pb.h"

namespace octo::reflex {

// Thread-safe.
class SubmitFlights {
 public:
  using Done = std::function<void(const grpc::Status&, const v1::SubmitTaskResponse&)>;

  // True: the caller leads and must call Complete(key, ...) when its call ends. False: a call
  // for `key` is in flight and `done` runs with its outcome (created = false) once it ends.
  bool Join(const std::string& key, Done done);
  // Ends the flight, running every follower's `done` (outside the lock).
  void Complete(const std::string& key, const grpc::Status& status,
                const v1::SubmitTaskResponse& response);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<Done>> flights_ ABSL_GUARDED_BY(mu_);
};

}  // namespace octo::reflex
