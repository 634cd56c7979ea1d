// TenantRepository against a real Postgres: tenants, API keys stored hashed, revocation.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "octo/store/tenant_repository.h"
#include "store_test_support.h"

namespace octo::store {
namespace {

using testing::Sql;
using testing::StoreTest;

class TenantRepositoryTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    OCTO_ASSIGN_OR_FAIL(repo_, NewPgTenantRepository(pool_));
    OCTO_ASSERT_OK(repo_->UpsertTenant({.id = "acme", .name = "Acme", .tier = "gold"}));
  }
  std::unique_ptr<TenantRepository> repo_;
};

TEST_F(TenantRepositoryTest, CreatedKeyAuthenticatesToItsTenant) {
  OCTO_ASSIGN_OR_FAIL(CreatedApiKey created, repo_->CreateApiKey("acme", "ci"));
  EXPECT_TRUE(absl::StartsWith(created.raw_key, "octo_"));
  EXPECT_GE(created.raw_key.size(), 40u);
  EXPECT_TRUE(absl::StartsWith(created.raw_key, created.key.prefix));
  OCTO_ASSIGN_OR_FAIL(TenantRepository::Principal p, repo_->Authenticate(created.raw_key));
  EXPECT_EQ(p.tenant.id, "acme");
  EXPECT_EQ(p.tenant.tier, "gold");
  EXPECT_EQ(p.tenant.redaction, "typed_mask");
  EXPECT_EQ(p.key.id, created.key.id);
  EXPECT_EQ(p.key.name, "ci");
}

TEST_F(TenantRepositoryTest, GetTenantReadsWhatWasUpserted) {
  OCTO_ASSERT_OK(repo_->UpsertTenant({.id = "beta", .name = "Beta", .redaction = "hash"}));
  OCTO_ASSIGN_OR_FAIL(Tenant t, repo_->GetTenant("beta"));
  EXPECT_EQ(t.name, "Beta");
  EXPECT_EQ(t.tier, "standard");
  EXPECT_EQ(t.redaction, "hash");
  EXPECT_EQ(repo_->GetTenant("gamma").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TenantRepositoryTest, OnlyTheHashIsStored) {
  OCTO_ASSIGN_OR_FAIL(CreatedApiKey created, repo_->CreateApiKey("acme", ""));
  auto rows = Sql(dsn_, "SELECT encode(key_hash, 'hex') || prefix || name FROM api_keys");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(absl::StrContains(rows[0], created.raw_key));
  EXPECT_TRUE(absl::StartsWith(rows[0], HashApiKey(created.raw_key)));
}

TEST_F(TenantRepositoryTest, UnknownAndRevokedKeysAreUnauthenticated) {
  EXPECT_EQ(repo_->Authenticate("octo_nope").status().code(),
            absl::StatusCode::kUnauthenticated);
  OCTO_ASSIGN_OR_FAIL(CreatedApiKey created, repo_->CreateApiKey("acme", ""));
  EXPECT_EQ(repo_->RevokeApiKey("someone-else", created.key.id).code(),
            absl::StatusCode::kNotFound);
  OCTO_ASSERT_OK(repo_->Authenticate(created.raw_key));
  OCTO_ASSERT_OK(repo_->RevokeApiKey("acme", created.key.id));
  EXPECT_EQ(repo_->Authenticate(created.raw_key).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(TenantRepositoryTest, KeysNeedAnExistingTenant) {
  EXPECT_EQ(repo_->CreateApiKey("ghost", "").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TenantRepositoryTest, UpsertUpdatesAndValidates) {
  OCTO_ASSERT_OK(repo_->UpsertTenant({.id = "acme", .name = "Acme", .tier = "free",
                                      .redaction = "hash"}));
  OCTO_ASSIGN_OR_FAIL(CreatedApiKey created, repo_->CreateApiKey("acme", ""));
  OCTO_ASSIGN_OR_FAIL(TenantRepository::Principal p, repo_->Authenticate(created.raw_key));
  EXPECT_EQ(p.tenant.tier, "free");
  EXPECT_EQ(p.tenant.redaction, "hash");
  EXPECT_EQ(repo_->UpsertTenant({.id = "", .name = ""}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->UpsertTenant({.id = "x", .name = "", .tier = "t", .redaction = "shred"}).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace octo::store
