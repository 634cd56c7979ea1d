// TenantRepository on the tenants and api_keys tables.
#include "octo/store/tenant_repository.h"

#include <openssl/rand.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "octo/common/hash.h"
#include "pg.h"

namespace octo::store {
namespace {

constexpr size_t kPrefixChars = 12;

const Statement kUpsertTenant{
    "tenant_upsert",
    "INSERT INTO tenants (id, name, tier, redaction) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, tier = EXCLUDED.tier, "
    "redaction = EXCLUDED.redaction"};

const Statement kGetTenant{"tenant_get",
                           "SELECT id, name, tier, redaction FROM tenants WHERE id = $1"};

const Statement kInsertKey{
    "api_key_insert",
    "INSERT INTO api_keys (key_hash, prefix, tenant_id, name) "
    "SELECT $1, $2, id, $4 FROM tenants WHERE id = $3 RETURNING id"};

const Statement kAuthenticate{
    "api_key_authenticate",
    "SELECT k.id, k.prefix, k.name, t.id AS tenant_id, t.name AS tenant_name, t.tier, "
    "t.redaction FROM api_keys k JOIN tenants t ON t.id = k.tenant_id "
    "WHERE k.key_hash = $1 AND k.revoked_at IS NULL"};

const Statement kRevoke{
    "api_key_revoke",
    "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) "
    "WHERE id = $1 AND tenant_id = $2 RETURNING id"};

bool KnownRedaction(absl::string_view r) {
  return r == "typed_mask" || r == "hash" || r == "keep_last4" || r == "remove";
}

class PgTenantRepository final : public TenantRepository {
 public:
  explicit PgTenantRepository(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  absl::Status UpsertTenant(const Tenant& tenant) override {
    if (tenant.id.empty()) return absl::InvalidArgumentError("tenant.id: must not be empty");
    if (!KnownRedaction(tenant.redaction)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tenant.redaction: expected typed_mask, hash, keep_last4 or remove, got \"",
          tenant.redaction, "\""));
    }
    return pool_->Run([&](pqxx::connection& c) -> absl::Status {
      pqxx::work tx(c);
      Exec(tx, kUpsertTenant, tenant.id, tenant.name, tenant.tier, tenant.redaction);
      tx.commit();
      return absl::OkStatus();
    });
  }

  absl::StatusOr<Tenant> GetTenant(absl::string_view id) override {
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<Tenant> {
      pqxx::read_transaction tx(c);
      pqxx::result rows = Exec(tx, kGetTenant, std::string(id));
      if (rows.empty()) return absl::NotFoundError(absl::StrCat("no tenant \"", id, "\""));
      Tenant t;
      t.id = rows[0]["id"].c_str();
      t.name = rows[0]["name"].c_str();
      t.tier = rows[0]["tier"].c_str();
      t.redaction = rows[0]["redaction"].c_str();
      return t;
    });
  }

  absl::StatusOr<CreatedApiKey> CreateApiKey(absl::string_view tenant_id,
                                             absl::string_view name) override {
    unsigned char random[32];
    if (RAND_bytes(random, sizeof(random)) != 1) {
      return absl::InternalError("no randomness for a new API key");
    }
    CreatedApiKey created;
    created.raw_key = absl::StrCat(
        "octo_", absl::WebSafeBase64Escape(absl::string_view(
                     reinterpret_cast<const char*>(random), sizeof(random))));
    created.key.tenant_id = std::string(tenant_id);
    created.key.prefix = created.raw_key.substr(0, kPrefixChars);
    created.key.name = std::string(name);
    const std::string hash = common::Sha256(created.raw_key);
    auto status = pool_->Run([&](pqxx::connection& c) -> absl::Status {
      pqxx::work tx(c);
      pqxx::result row = Exec(tx, kInsertKey, pqxx::binarystring(hash), created.key.prefix,
                              created.key.tenant_id, created.key.name);
      if (row.empty()) {
        return absl::NotFoundError(absl::StrCat("tenant \"", tenant_id, "\" does not exist"));
      }
      created.key.id = row[0][0].as<int64_t>();
      tx.commit();
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return created;
  }

  absl::StatusOr<Principal> Authenticate(absl::string_view raw_key) override {
    const std::string hash = common::Sha256(raw_key);
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<Principal> {
      pqxx::read_transaction tx(c);
      pqxx::result rows = Exec(tx, kAuthenticate, pqxx::binarystring(hash));
      if (rows.empty()) return absl::UnauthenticatedError("unknown or revoked API key");
      const pqxx::row& row = rows[0];
      Principal p;
      p.key.id = row["id"].as<int64_t>();
      p.key.prefix = row["prefix"].c_str();
      p.key.name = row["name"].c_str();
      p.key.tenant_id = row["tenant_id"].c_str();
      p.tenant.id = p.key.tenant_id;
      p.tenant.name = row["tenant_name"].c_str();
      p.tenant.tier = row["tier"].c_str();
      p.tenant.redaction = row["redaction"].c_str();
      return p;
    });
  }

  absl::Status RevokeApiKey(absl::string_view tenant_id, int64_t key_id) override {
    return pool_->Run([&](pqxx::connection& c) -> absl::Status {
      pqxx::work tx(c);
      if (Exec(tx, kRevoke, key_id, std::string(tenant_id)).empty()) {
        return absl::NotFoundError(absl::StrCat("tenant \"", tenant_id, "\" has no key ", key_id));
      }
      tx.commit();
      return absl::OkStatus();
    });
  }

 private:
  std::shared_ptr<PgPool> pool_;
};

}  // namespace

std::string HashApiKey(absl::string_view raw_key) { return common::Sha256Hex(raw_key); }

absl::StatusOr<std::unique_ptr<TenantRepository>> NewPgTenantRepository(
    std::shared_ptr<PgPool> pool) {
  if (pool == nullptr) return absl::InvalidArgumentError("pool is null");
  return std::make_unique<PgTenantRepository>(std::move(pool));
}

}  // namespace octo::store
