#include "octo/llm/catalog.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "json_util.h"
#include "octo/common/log.h"
#include "octo/llm/errors.h"

namespace octo::llm {
namespace {

constexpr FallbackReason kReasons[] = {FallbackReason::kRateLimited, FallbackReason::kUnavailable,
                                       FallbackReason::kTimeout, FallbackReason::kBreakerOpen,
                                       FallbackReason::kBudgetLow};
constexpr size_t kMaxChainLength = 8;
constexpr size_t kMaxEndpoints = 16;

absl::Status Invalid(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("catalog: ", where, ": ", what));
}

absl::StatusOr<ProviderConfig> ParseEndpoint(const std::string& name, const Json& entry) {
  const std::string where = absl::StrCat("endpoints.", name);
  if (!entry.is_object()) return Invalid(where, "must be an object");
  ProviderConfig config;
  config.provider = StringAt(entry, "provider");
  config.base_url = StringAt(entry, "base_url");
  config.model = StringAt(entry, "model");
  // A chain falls back rather than retrying, unless the endpoint asks for retries.
  config.max_attempts = 1;
  for (auto [key, target] : {std::pair{"max_concurrency", &config.max_concurrency},
                             std::pair{"max_queue", &config.max_queue},
                             std::pair{"max_attempts", &config.max_attempts}}) {
    if (!entry.contains(key)) continue;
    const int64_t value = CountAt(entry, key);
    if (value < 0 || value > 1024) return Invalid(where, absl::StrCat(key, " must be 0..1024"));
    *target = static_cast<int>(value);
  }
  if (const std::string env = StringAt(entry, "api_key_env"); !env.empty()) {
    if (const char* key = std::getenv(env.c_str()); key != nullptr) config.api_key = key;
  }
  ApplyKeyFallback(config);
  if (config.provider != "openai" && config.provider != "anthropic") {
    return Invalid(where, "provider must be openai or anthropic");
  }
  if (config.api_key.empty() && (config.provider == "anthropic" || config.base_url.empty())) {
    return Invalid(where, "no API key: api_key_env must name a variable that holds one");
  }
  if (config.model.empty()) config.model = "-";  // hops name their model; Validate wants one
  if (absl::Status valid = config.Validate(); !valid.ok()) {
    return Invalid(where, valid.message());
  }
  if (config.model == "-") config.model.clear();
  return config;
}

absl::StatusOr<std::vector<ChainHop>> ParseChain(
    const std::string& capability, const Json& hops,
    const absl::flat_hash_map<std::string, ProviderConfig>& endpoints,
    const ProviderConfig& default_endpoint) {
  const std::string where = absl::StrCat("chains.", capability);
  if (!hops.is_array() || hops.empty() || hops.size() > kMaxChainLength) {
    return Invalid(where, absl::StrCat("must be a list of 1 to ", kMaxChainLength, " models"));
  }
  std::vector<ChainHop> chain;
  for (size_t i = 0; i < hops.size(); ++i) {
    const std::string at = absl::StrCat(where, "[", i, "]");
    const Json& entry = hops[i];
    ChainHop hop;
    hop.endpoint = StringAt(entry, "endpoint");
    hop.model = StringAt(entry, "model");
    if (hop.endpoint.empty()) hop.endpoint = "default";
    const ProviderConfig* endpoint = nullptr;
    if (hop.endpoint == "default") {
      if (default_endpoint.offline()) {
        return Invalid(at, "endpoint \"default\" is offline (OCTO_LLM_PROVIDER=offline)");
      }
      endpoint = &default_endpoint;
    } else if (auto it = endpoints.find(hop.endpoint); it != endpoints.end()) {
      endpoint = &it->second;
    } else {
      return Invalid(at, absl::StrCat("unknown endpoint \"", hop.endpoint, "\""));
    }
    if (hop.model.empty()) hop.model = endpoint->model;
    if (hop.model.empty()) return Invalid(at, "names no model and its endpoint has none");
    if (entry.is_object() && entry.contains("on")) {
      const Json& on = entry["on"];
      if (!on.is_array() || on.empty()) return Invalid(at, "\"on\" must be a non-empty list");
      hop.on = 0;
      for (const Json& name : on) {
        bool known = false;
        for (FallbackReason reason : kReasons) {
          if (name.is_string() && name.get<std::string>() == FallbackReasonName(reason)) {
            hop.on |= static_cast<uint32_t>(reason);
            known = true;
          }
        }
        if (!known) {
          return Invalid(at, absl::StrCat("unknown condition ", name.dump(),
                                          " (rate_limited, unavailable, timeout, breaker_open, "
                                          "budget_low)"));
        }
      }
    }
    chain.push_back(std::move(hop));
  }
  return chain;
}

std::vector<ChainHop> DefaultChain(const ProviderConfig& default_endpoint) {
  if (default_endpoint.offline()) return {};
  return {ChainHop{"default", default_endpoint.model, kAllFallbackReasons}};
}

}  // namespace

absl::string_view FallbackReasonName(FallbackReason reason) {
  switch (reason) {
    case FallbackReason::kRateLimited: return "rate_limited";
    case FallbackReason::kUnavailable: return "unavailable";
    case FallbackReason::kTimeout: return "timeout";
    case FallbackReason::kBreakerOpen: return "breaker_open";
    case FallbackReason::kBudgetLow: return "budget_low";
  }
  return "unknown";
}

std::optional<FallbackReason> FallbackReasonOf(const absl::Status& status, absl::Time deadline,
                                               absl::Time now) {
  switch (status.code()) {
    case absl::StatusCode::kResourceExhausted: return FallbackReason::kRateLimited;
    case absl::StatusCode::kUnavailable:
      return IsCircuitOpen(status) ? FallbackReason::kBreakerOpen : FallbackReason::kUnavailable;
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kOutOfRange: return FallbackReason::kUnavailable;
    case absl::StatusCode::kDeadlineExceeded:
      if (now >= deadline) return std::nullopt;  // the caller's own time is up
      return FallbackReason::kTimeout;
    default: return std::nullopt;
  }
}

absl::StatusOr<ModelCatalog> ModelCatalog::Parse(absl::string_view json,
                                                 const ProviderConfig& default_endpoint) {
  const Json doc = ParseJson(json);
  if (!doc.is_object()) return Invalid("file", "not a JSON object");
  ModelCatalog catalog;
  catalog.default_chain_ = DefaultChain(default_endpoint);
  if (const Json* models = ObjectAt(doc, "models"); models != nullptr) {
    absl::StatusOr<PriceTable> prices = PriceTable::Parse(json);
    if (!prices.ok()) return prices.status();
    catalog.prices_ = *std::move(prices);
    for (const auto& [name, entry] : models->items()) {
      if (!entry.contains("tier")) continue;
      const std::string tier = StringAt(entry, "tier");
      if (tier.empty()) return Invalid(absl::StrCat("models.", name, ".tier"), "must be a name");
      catalog.tiers_.emplace(name, tier);
    }
  } else {
    catalog.prices_ = PriceTable::BuiltIn();
  }
  if (const Json* endpoints = ObjectAt(doc, "endpoints"); endpoints != nullptr) {
    if (endpoints->size() > kMaxEndpoints) {
      return Invalid("endpoints", absl::StrCat("at most ", kMaxEndpoints));
    }
    for (const auto& [name, entry] : endpoints->items()) {
      if (name == "default") return Invalid("endpoints.default", "is the OCTO_LLM_* endpoint");
      absl::StatusOr<ProviderConfig> endpoint = ParseEndpoint(name, entry);
      if (!endpoint.ok()) return endpoint.status();
      catalog.endpoints_.emplace(name, *std::move(endpoint));
    }
  } else if (doc.contains("endpoints")) {
    return Invalid("endpoints", "must be an object");
  }
  if (const Json* chains = ObjectAt(doc, "chains"); chains != nullptr) {
    for (const auto& [capability, hops] : chains->items()) {
      absl::StatusOr<std::vector<ChainHop>> chain =
          ParseChain(capability, hops, catalog.endpoints_, default_endpoint);
      if (!chain.ok()) return chain.status();
      catalog.chains_.emplace(capability, *std::move(chain));
    }
  } else if (doc.contains("chains")) {
    return Invalid("chains", "must be an object");
  }
  return catalog;
}

ModelCatalog ModelCatalog::Fixed(PriceTable prices, const ProviderConfig& default_endpoint) {
  ModelCatalog catalog;
  catalog.prices_ = std::move(prices);
  catalog.default_chain_ = DefaultChain(default_endpoint);
  return catalog;
}

absl::string_view ModelCatalog::TierOf(absl::string_view model) const {
  if (auto it = tiers_.find(model); it != tiers_.end()) return it->second;
  return "";
}

const std::vector<ChainHop>& ModelCatalog::ChainFor(absl::string_view capability) const {
  if (auto it = chains_.find(capability); it != chains_.end()) return it->second;
  if (auto it = chains_.find("default"); it != chains_.end()) return it->second;
  return default_chain_;
}

const ProviderConfig* ModelCatalog::FindEndpoint(absl::string_view name) const {
  auto it = endpoints_.find(name);
  return it == endpoints_.end() ? nullptr : &it->second;
}

bool ModelCatalog::offline() const { return default_chain_.empty() && endpoints_.empty(); }

CatalogSource::CatalogSource(ModelCatalog catalog)
    : options_(), clock_(common::RealClock()),
      current_(std::make_shared<const ModelCatalog>(std::move(catalog))), loads_(1) {}

CatalogSource::CatalogSource(std::string path, ProviderConfig default_endpoint, Options options)
    : path_(std::move(path)), default_endpoint_(std::move(default_endpoint)), options_(options),
      clock_(options.clock != nullptr ? *options.clock : common::RealClock()) {}

absl::StatusOr<std::unique_ptr<CatalogSource>> CatalogSource::Open(const std::string& path,
                                                                   ProviderConfig default_endpoint,
                                                                   Options options) {
  if (path.empty()) {
    return std::make_unique<CatalogSource>(
        ModelCatalog::Fixed(PriceTable::BuiltIn(), default_endpoint));
  }
  std::unique_ptr<CatalogSource> source(
      new CatalogSource(path, std::move(default_endpoint), options));
  absl::MutexLock lock(&source->mu_);
  if (absl::Status loaded = source->Reload(source->Fingerprint()); !loaded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("OCTO_LLM_CATALOG: ", loaded.message()));
  }
  return source;
}

std::string CatalogSource::Fingerprint() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return "";
  return absl::StrCat(info.st_size, "/", info.st_mtim.tv_sec, ".", info.st_mtim.tv_nsec, "/",
                      info.st_ino);
}

absl::Status CatalogSource::Reload(const std::string& fingerprint) {
  fingerprint_ = fingerprint;
  std::ifstream in(path_);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path_));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<ModelCatalog> parsed = ModelCatalog::Parse(text.str(), default_endpoint_);
  if (!parsed.ok()) return parsed.status();
  current_ = std::make_shared<const ModelCatalog>(*std::move(parsed));
  ++loads_;
  return absl::OkStatus();
}

std::shared_ptr<const ModelCatalog> CatalogSource::Current() {
  absl::MutexLock lock(&mu_);
  if (path_.empty()) return current_;
  const absl::Time now = clock_.Now();
  if (now < next_check_) return current_;
  next_check_ = now + options_.check_every;
  if (std::string fingerprint = Fingerprint(); fingerprint != fingerprint_) {
    if (absl::Status loaded = Reload(fingerprint); !loaded.ok()) {
      log::Warn(absl::StrCat("OCTO_LLM_CATALOG ", path_, " changed but is not used: ",
                             loaded.message(), "; the catalog read before stays in force"));
    } else {
      log::Info(absl::StrCat("OCTO_LLM_CATALOG ", path_, " reread"));
    }
  }
  return current_;
}

int64_t CatalogSource::loads() const {
  absl::MutexLock lock(&mu_);
  return loads_;
}

}  // namespace octo::llm
