// Tenants and their API keys. Keys are stored as SHA-256 hashes; the raw key exists only in
// the answer to CreateApiKey.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace octo::store {

class PgPool;

struct Tenant {
  std::string id;
  std::string name;
  // Service tier; chooses rate limits. Default "standard".
  std::string tier = "standard";
  // PII redaction strategy: "typed_mask" (default), "hash", "keep_last4" or "remove".
  std::string redaction = "typed_mask";
};

struct ApiKey {
  int64_t id = 0;
  std::string tenant_id;
  // First characters of the key, for telling keys apart in listings.
  std::string prefix;
  std::string name;
};

struct CreatedApiKey {
  ApiKey key;
  // The secret itself ("octo_" + 43 base64url characters). Shown once, never stored.
  std::string raw_key;
};

// Thread-safe. Every method may return UNAVAILABLE when the database cannot be reached.
class TenantRepository {
 public:
  virtual ~TenantRepository() = default;

  // Creates the tenant or updates its name, tier and redaction. INVALID_ARGUMENT for an empty
  // id or an unknown redaction strategy.
  virtual absl::Status UpsertTenant(const Tenant& tenant) = 0;

  // The tenant with `id`; NOT_FOUND when there is none.
  virtual absl::StatusOr<Tenant> GetTenant(absl::string_view id) = 0;

  // A new key for an existing tenant (NOT_FOUND otherwise).
  virtual absl::StatusOr<CreatedApiKey> CreateApiKey(absl::string_view tenant_id,
                                                     absl::string_view name) = 0;

  // The key and its tenant for a raw key. UNAUTHENTICATED when unknown or revoked.
  struct Principal {
    ApiKey key;
    Tenant tenant;
  };
  virtual absl::StatusOr<Principal> Authenticate(absl::string_view raw_key) = 0;

  // Revokes a key of the tenant. NOT_FOUND when the tenant has no such key.
  virtual absl::Status RevokeApiKey(absl::string_view tenant_id, int64_t key_id) = 0;
};

absl::StatusOr<std::unique_ptr<TenantRepository>> NewPgTenantRepository(
    std::shared_ptr<PgPool> pool);

// Hex SHA-256 of a raw key, as stored in api_keys.key_hash (also useful as a cache key).
std::string HashApiKey(absl::string_view raw_key);

}  // namespace octo::store
