// A fake arm on an in-process gRPC server for the orchestrator's tests: it answers, delays,
// fails, hangs or meets other calls at a barrier, as each test decides, and counts what it saw.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "octo/v1/arm.grpc.pb.h"

namespace octo::orchestrator::testing {

struct FakeArmOptions {
  std::vector<std::string> capabilities;
  std::string kind = "fake";
  // Reported by Describe; 0 means none given.
  int max_concurrency = 0;
  v1::CostTier cost_tier = v1::COST_TIER_FREE;
  // Reported in Describe and provenance; "fake-<port>" when empty.
  std::string instance;
};

// What the arm does with one call. The default answers at once with the step's output
// "<step_id>(<inputs' texts joined by +>)".
struct Behavior {
  // Wait this long first (ends early when the caller cancels).
  absl::Duration delay = absl::ZeroDuration();
  // Wait until `barrier` calls (this one included) are waiting at the barrier named
  // `barrier_name`, or until the caller cancels.
  int barrier = 0;
  std::string barrier_name;
  // Wait until the caller cancels (or its deadline passes).
  bool hang = false;
  // Fail with this status instead of answering.
  absl::Status status;
  // Answer with this instead of the default output (usage, plan, judgement...).
  std::optional<v1::ExecuteResponse> response;
};

// One Execute call as the arm saw it.
struct SeenCall {
  v1::ExecuteRequest request;
  absl::Time started;
  absl::Time ended;
  // The caller cancelled it (or its deadline passed) before it was answered.
  bool cancelled = false;
};

class FakeArm {
 public:
  using Handler = std::function<Behavior(const v1::ExecuteRequest&)>;

  static std::unique_ptr<FakeArm> Start(FakeArmOptions options);
  ~FakeArm();

  // "127.0.0.1:<port>".
  const std::string& target() const { return target_; }
  int port() const { return port_; }

  // Decides how each following call behaves. Thread-safe.
  void SetHandler(Handler handler);
  // grpc.health.v1 answers SERVING or NOT_SERVING.
  void SetServing(bool serving);
  // Stops the server (calls then fail with UNAVAILABLE).
  void Stop();

  std::vector<SeenCall> calls() const;
  int calls_for(const std::string& task_id, const std::string& step_id) const;
  int total_calls() const;
  int cancelled_calls() const;
  int max_concurrent() const;
  // Waits until `n` calls have started; false after `timeout`.
  bool WaitForCalls(int n, absl::Duration timeout) const;

 private:
  class Service;
  FakeArm() = default;

  std::string target_;
  int port_ = 0;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace octo::orchestrator::testing
