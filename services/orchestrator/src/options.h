// Settings of an octo-orchestrator process, from flags and OCTO_* variables (README:
// Configuration).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "octo/common/config.h"
#include "octo/rpc/process.h"
#include "src/replica.h"

namespace octo::orchestrator {

struct Options {
  rpc::ProcessOptions process{.listen = "127.0.0.1:50052", .metrics_listen = "127.0.0.1:9102"};
  std::string database_url;  // required
  int database_pool = 16;
  std::string redis;  // empty: no result cache writes
  std::string arms;   // comma-separated gRPC targets
  int workers = 64;
  int claim_batch = 32;
  absl::Duration lease = absl::Seconds(30);
  absl::Duration poll_interval = absl::Seconds(1);
  absl::Duration step_timeout = absl::Seconds(60);
  int step_attempts = 3;
  absl::Duration retry_backoff = absl::Milliseconds(100);
  absl::Duration retry_max_backoff = absl::Seconds(5);
  int max_plan_steps = 16;
  absl::Duration start_write_delay = absl::Milliseconds(20);
  int max_in_flight_steps = 512;
  int breaker_failures = 5;
  absl::Duration breaker_open = absl::Seconds(5);
  absl::Duration arm_refresh = absl::Seconds(2);
  int write_flushers = 2;
  absl::Duration result_ttl = absl::Hours(1);
  bool migrate = true;
  bool migrate_only = false;

  void Bind(common::ConfigBinder& binder);
  // INVALID_ARGUMENT naming the first setting that is out of range or missing.
  absl::Status Validate() const;
  // The replica's settings: these options spread over its parts.
  ReplicaOptions replica() const;
  std::string LogService() const { return "orchestrator"; }
};

}  // namespace octo::orchestrator
