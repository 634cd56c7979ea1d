// Settings of an octo-reflex process, from flags and OCTO_* variables (README: Configuration).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "octo/common/config.h"
#include "octo/rpc/process.h"

namespace octo::reflex {

struct Options {
  rpc::ProcessOptions process{.listen = "127.0.0.1:50051",
                              .metrics_listen = "127.0.0.1:9101",
                              .max_message_bytes = 1 << 20};
  std::string orchestrator = "dns:///127.0.0.1:50052";
  std::string redis;  // empty: L1 only
  int l1_max_mb = 16;
  absl::Duration auth_cache_ttl = absl::Seconds(30);
  absl::Duration l1_ttl = absl::Seconds(60);
  std::string database_url;  // API keys; empty: only anonymous calls (if allowed)
  bool allow_anonymous = false;
  std::string anonymous_tenant = "dev";
  double block_score = 0.5;
  std::string rate_limits = "standard:key=100/50,tenant=1000/500";
  bool rate_limiting = true;
  std::string invalidation_channel = "octo:cache:invalidate";

  void Bind(common::ConfigBinder& binder);
  // INVALID_ARGUMENT naming the first setting that is out of range or missing.
  absl::Status Validate() const;
  std::string LogService() const { return "reflex"; }
};

}  // namespace octo::reflex
