// The model catalog: what each model costs and which tier it is, the endpoints (providers)
// an arm may call, and per capability the chain of models to fall back along. One JSON file
// (OCTO_LLM_CATALOG, example: deploy/llm/catalog.example.json), reread when it changes
// (CatalogSource).
//
//   {"models":    {"gpt-4o": {"input_per_mtok": 2.5, "output_per_mtok": 10, "tier": "premium"}},
//    "endpoints": {"backup": {"provider": "anthropic", "api_key_env": "ANTHROPIC_API_KEY"}},
//    "chains":    {"answer": [{"endpoint": "default", "model": "gpt-4o"},
//                             {"endpoint": "backup", "model": "claude-3-5-haiku",
//                              "on": ["rate_limited", "unavailable", "budget_low"]}]}}
//
// "default" is the endpoint of the OCTO_LLM_* settings. Without "models" the built-in price
// table applies; a capability without a chain uses chains.default, else the one model of the
// OCTO_LLM_* settings.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "octo/common/clock.h"
#include "octo/llm/prices.h"
#include "octo/llm/providers.h"

namespace octo::llm {

// Why a chain passed over a model for the next one.
enum class FallbackReason : uint8_t {
  kRateLimited = 1,   // the provider said 429, or the local queue was full
  kUnavailable = 2,   // 5xx, connection failure, an unreadable answer
  kTimeout = 4,       // a connect, idle or provider timeout while the call's deadline had time
  kBreakerOpen = 8,   // the endpoint's circuit breaker is open: the call was not made
  kBudgetLow = 16,    // the task's or tenant's remaining budget cannot afford the model
};
inline constexpr uint32_t kAllFallbackReasons = 31;

// "rate_limited", "unavailable", "timeout", "breaker_open", "budget_low".
absl::string_view FallbackReasonName(FallbackReason reason);
// The reason a failed call lets the chain go on; nullopt for errors no other model would
// do better at (a bad request, a rejected key, cancellation, the caller's deadline).
std::optional<FallbackReason> FallbackReasonOf(const absl::Status& status, absl::Time deadline,
                                               absl::Time now);

// One model of a chain.
struct ChainHop {
  std::string endpoint;  // a key of endpoints(), or "default"
  std::string model;     // as the provider names it
  // Taken only when the previous hop was passed over for one of these (bits of
  // FallbackReason); the first hop of a chain is always taken.
  uint32_t on = kAllFallbackReasons;
};

class ModelCatalog {
 public:
  // The catalog of `json`; `default_endpoint` is the OCTO_LLM_* provider (may be offline: then
  // no chain may name "default"). INVALID_ARGUMENT naming the entry that is wrong.
  static absl::StatusOr<ModelCatalog> Parse(absl::string_view json,
                                            const ProviderConfig& default_endpoint);
  // Built-in prices, no endpoints but "default", no chains.
  static ModelCatalog Fixed(PriceTable prices, const ProviderConfig& default_endpoint);

  const PriceTable& prices() const { return prices_; }
  // The model's tier, "" when the catalog gives it none.
  absl::string_view TierOf(absl::string_view model) const;
  // The chain for `capability`: chains[capability], else chains["default"], else the
  // default endpoint's one model (empty when that endpoint is offline).
  const std::vector<ChainHop>& ChainFor(absl::string_view capability) const;
  // The endpoint's settings (api_key already read from api_key_env); null when unknown.
  const ProviderConfig* FindEndpoint(absl::string_view name) const;
  // True when no endpoint can be called: the default is offline and the file names none.
  bool offline() const;

 private:
  PriceTable prices_;
  absl::flat_hash_map<std::string, std::string> tiers_;
  absl::flat_hash_map<std::string, ProviderConfig> endpoints_;
  absl::flat_hash_map<std::string, std::vector<ChainHop>> chains_;
  std::vector<ChainHop> default_chain_;
};

// A catalog file, reread when its size or modification time changes (looked at no more than
// once per `check_every`). A changed file that does not parse keeps the catalog in force and
// is logged; the next change is read again.
class CatalogSource {
 public:
  struct Options {
    absl::Duration check_every = absl::Seconds(1);
    common::Clock* clock = nullptr;  // null: RealClock()
  };
  // `path` empty: the built-in prices and the default endpoint, never reread. A file that
  // cannot be read or parsed at start is INVALID_ARGUMENT naming OCTO_LLM_CATALOG.
  static absl::StatusOr<std::unique_ptr<CatalogSource>> Open(const std::string& path,
                                                             ProviderConfig default_endpoint,
                                                             Options options);
  static absl::StatusOr<std::unique_ptr<CatalogSource>> Open(const std::string& path,
                                                             ProviderConfig default_endpoint) {
    return Open(path, std::move(default_endpoint), Options());
  }
  // A source that always gives `catalog` (tests, and arms built on a given client).
  explicit CatalogSource(ModelCatalog catalog);

  // The catalog in force; cheap (a stat at most once per check_every).
  std::shared_ptr<const ModelCatalog> Current();
  // How many times the file was read and replaced the catalog, the first read included.
  int64_t loads() const;

 private:
  CatalogSource(std::string path, ProviderConfig default_endpoint, Options options);
  // The file's size and mtime as one string; "" when it cannot be stat'ed.
  std::string Fingerprint() const;

  absl::Status Reload(const std::string& fingerprint) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const ProviderConfig default_endpoint_;
  const Options options_;
  common::Clock& clock_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const ModelCatalog> current_ ABSL_GUARDED_BY(mu_);
  std::string fingerprint_ ABSL_GUARDED_BY(mu_);
  absl::Time next_check_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t loads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace octo::llm
