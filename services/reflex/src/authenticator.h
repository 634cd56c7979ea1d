// API key → tenant, with an in-process cache in front of the tenants store.
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "octo/common/clock.h"
#include "octo/safety/redact.h"
#include "octo/store/tenant_repository.h"

namespace octo::reflex {

struct Principal {
  std::string tenant_id;
  // Rate-limit tier of the tenant.
  std::string tier = "standard";
  safety::RedactionStrategy redaction = safety::RedactionStrategy::kTypedMask;
  // Identifies the key for per-key rate limits ("anonymous" without one).
  std::string key_id;
};

struct AuthOptions {
  // Accept calls without a key as `anonymous_tenant`. For local development only.
  bool allow_anonymous = false;
  std::string anonymous_tenant = "dev";
  // How long a looked-up key (or an unknown key) is remembered.
  absl::Duration cache_ttl = absl::Seconds(30);
  absl::Duration negative_ttl = absl::Seconds(5);
  // Keys remembered at most; the cache is emptied when full.
  size_t max_entries = 100'000;
  common::Clock* clock = &common::RealClock();  // not owned; outlives the Authenticator
};

// Thread-safe. `tenants` may be null (no keys can be checked: only anonymous calls pass).
class Authenticator {
 public:
  Authenticator(store::TenantRepository* tenants, AuthOptions options);

  // The key comes from "authorization: Bearer <key>" or "x-api-key: <key>".
  // UNAUTHENTICATED when missing (and anonymous calls are off), unknown or revoked;
  // UNAVAILABLE when the store cannot be reached for a key not in the cache.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context);

 private:
  struct Entry {
    absl::StatusOr<Principal> principal;
    absl::Time expires;
  };

  store::TenantRepository* tenants_;
  AuthOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace octo::reflex
