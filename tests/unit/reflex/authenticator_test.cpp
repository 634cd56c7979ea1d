#include "src/authenticator.h"

#include <gtest/gtest.h>

#include "grpcpp/server_context.h"
#include "grpcpp/test/server_context_test_spouse.h"

namespace octo::reflex {
namespace {

// Counts lookups; knows one key.
class FakeTenants final : public store::TenantRepository {
 public:
  absl::Status UpsertTenant(const store::Tenant&) override { return absl::OkStatus(); }
  absl::StatusOr<store::Tenant> GetTenant(absl::string_view) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<store::CreatedApiKey> CreateApiKey(absl::string_view,
                                                    absl::string_view) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<Principal> Authenticate(absl::string_view raw_key) override {
    ++lookups;
    if (!available) return absl::UnavailableError("db down");
    if (raw_key != "octo_good") return absl::UnauthenticatedError("unknown or revoked API key");
    Principal p;
    p.key.id = 7;
    p.tenant.id = "acme";
    p.tenant.tier = "gold";
    p.tenant.redaction = "hash";
    return p;
  }
  absl::Status RevokeApiKey(absl::string_view, int64_t) override { return absl::OkStatus(); }
  int lookups = 0;
  bool available = true;
};

// A server context carrying one metadata entry, as a client would have sent it.
class ContextWith : public grpc::ServerContext {
 public:
  ContextWith(const std::string& key, const std::string& value) : spouse_(this) {
    spouse_.AddClientMetadata(key, value);
  }

 private:
  grpc::testing::ServerContextTestSpouse spouse_;
};

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthOptions Options() {
    AuthOptions options;
    options.clock = &clock_;
    return options;
  }
  FakeTenants tenants_;
  common::ManualClock clock_;
};

TEST_F(AuthenticatorTest, BearerAndApiKeyHeadersBothWork) {
  Authenticator auth(&tenants_, Options());
  auto bearer = auth.Authenticate(ContextWith("authorization", "Bearer octo_good"));
  ASSERT_TRUE(bearer.ok()) << bearer.status();
  EXPECT_EQ(bearer->tenant_id, "acme");
  EXPECT_EQ(bearer->tier, "gold");
  EXPECT_EQ(bearer->redaction, safety::RedactionStrategy::kHash);
  EXPECT_EQ(bearer->key_id, "key-7");
  EXPECT_TRUE(auth.Authenticate(ContextWith("x-api-key", "octo_good")).ok());
}

TEST_F(AuthenticatorTest, MissingKeyIsUnauthenticatedUnlessAnonymousIsAllowed) {
  Authenticator strict(&tenants_, Options());
  EXPECT_EQ(strict.Authenticate(ContextWith("other", "x")).status().code(),
            absl::StatusCode::kUnauthenticated);
  AuthOptions options = Options();
  options.allow_anonymous = true;
  options.anonymous_tenant = "dev";
  Authenticator lenient(&tenants_, options);
  auto anonymous = lenient.Authenticate(ContextWith("other", "x"));
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->tenant_id, "dev");
  // A wrong key is refused even when anonymous calls are allowed.
  EXPECT_EQ(lenient.Authenticate(ContextWith("x-api-key", "octo_bad")).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, LookupsAreCachedUntilTheTtl) {
  Authenticator auth(&tenants_, Options());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(auth.Authenticate(ContextWith("x-api-key", "octo_good")).ok());
  EXPECT_EQ(tenants_.lookups, 1);
  clock_.Advance(absl::Seconds(31));
  ASSERT_TRUE(auth.Authenticate(ContextWith("x-api-key", "octo_good")).ok());
  EXPECT_EQ(tenants_.lookups, 2);
}

TEST_F(AuthenticatorTest, UnknownKeysAreRememberedBriefly) {
  Authenticator auth(&tenants_, Options());
  for (int i = 0; i < 3; ++i) auth.Authenticate(ContextWith("x-api-key", "octo_bad")).IgnoreError();
  EXPECT_EQ(tenants_.lookups, 1);
  clock_.Advance(absl::Seconds(6));
  auth.Authenticate(ContextWith("x-api-key", "octo_bad")).IgnoreError();
  EXPECT_EQ(tenants_.lookups, 2);
}

TEST_F(AuthenticatorTest, StoreOutageIsUnavailableAndNotRemembered) {
  Authenticator auth(&tenants_, Options());
  tenants_.available = false;
  EXPECT_EQ(auth.Authenticate(ContextWith("x-api-key", "octo_good")).status().code(),
            absl::StatusCode::kUnavailable);
  tenants_.available = true;
  EXPECT_TRUE(auth.Authenticate(ContextWith("x-api-key", "octo_good")).ok());
}

TEST_F(AuthenticatorTest, MalformedAuthorizationIsUnauthenticated) {
  Authenticator auth(&tenants_, Options());
  EXPECT_EQ(auth.Authenticate(ContextWith("authorization", "Basic dXNlcjpwYXNz")).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authenticate(ContextWith("x-api-key", std::string(300, 'k'))).status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace octo::reflex
