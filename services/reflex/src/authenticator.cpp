#include "src/authenticator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "octo/rpc/metadata.h"
#include "src/scanner.h"

namespace octo::reflex {
namespace {

constexpr size_t kMaxKeyBytes = 256;

// The raw key from the call's metadata, or "" when there is none.
std::string KeyFrom(const grpc::ServerContextBase& context) {
  std::string auth = rpc::GetMetadata(context, "authorization");
  if (!auth.empty()) {
    absl::string_view value = absl::StripAsciiWhitespace(auth);
    if (absl::StartsWithIgnoreCase(value, "bearer ")) {
      return std::string(absl::StripAsciiWhitespace(value.substr(7)));
    }
    return "";
  }
  return std::string(absl::StripAsciiWhitespace(rpc::GetMetadata(context, "x-api-key")));
}

}  // namespace

Authenticator::Authenticator(store::TenantRepository* tenants, AuthOptions options)
    : tenants_(tenants), options_(std::move(options)) {}

absl::StatusOr<Principal> Authenticator::Authenticate(const grpc::ServerContextBase& context) {
  const std::string key = KeyFrom(context);
  if (key.empty()) {
    if (options_.allow_anonymous) {
      return Principal{options_.anonymous_tenant, "standard",
                       safety::RedactionStrategy::kTypedMask, "anonymous"};
    }
    return absl::UnauthenticatedError(
        "missing API key: send \"authorization: Bearer <key>\" or \"x-api-key: <key>\"");
  }
  if (key.size() > kMaxKeyBytes) return absl::UnauthenticatedError("unknown or revoked API key");
  if (tenants_ == nullptr) return absl::UnauthenticatedError("API keys are not configured");

  const std::string hash = store::HashApiKey(key);
  const absl::Time now = options_.clock->Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.expires > now) return it->second.principal;
  }
  auto found = tenants_->Authenticate(key);
  if (!found.ok() && found.status().code() != absl::StatusCode::kUnauthenticated) {
    return found.status();  // store trouble is not remembered
  }
  absl::StatusOr<Principal> principal;
  if (found.ok()) {
    Principal p{found->tenant.id, found->tenant.tier, safety::RedactionStrategy::kTypedMask,
                absl::StrCat("key-", found->key.id)};
    safety::ParseRedactionStrategy(found->tenant.redaction, &p.redaction);
    principal = std::move(p);
  } else {
    principal = found.status();
  }
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= options_.max_entries) cache_.clear();
  cache_[hash] = Entry{principal, now + (principal.ok() ? options_.cache_ttl : options_.negative_ttl)};
  return principal;
}

}  // namespace octo::reflex
