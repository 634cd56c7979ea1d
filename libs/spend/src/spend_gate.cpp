#include "octo/spend/spend_gate.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "google/rpc/error_details.pb.h"
#include "octo/common/log.h"
#include "spend_scripts.h"

namespace octo::spend {
namespace {

// A window outlives its end by this much in Redis, for holds made just before it ended.
constexpr absl::Duration kWindowSlack = absl::Hours(1);
// Holds of callers that never settle (they died) lapse this long after their deadline.
constexpr absl::Duration kHoldSlack = absl::Minutes(1);
constexpr absl::Duration kMaxHold = absl::Minutes(30);

struct PeriodLimits {
  Period period;
  double usd = -1;     // -1: no limit
  double tokens = -1;
};

std::string Number(double value) { return absl::StrFormat("%.17g", value); }

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

class RedisSpendGate final : public SpendGate {
 public:
  RedisSpendGate(redis::Pool& redis, store::SpendRepository& ledger, SpendGateOptions options)
      : redis_(redis),
        ledger_(ledger),
        options_(std::move(options)),
        clock_(options_.clock != nullptr ? options_.clock : &common::RealClock()) {}

  absl::StatusOr<Hold> Reserve(absl::string_view tenant_id, const Amount& estimate,
                               absl::Time hold_until) override {
    absl::StatusOr<std::vector<PeriodLimits>> limits = LimitsOf(tenant_id);
    if (!limits.ok()) return limits.status();
    Hold hold;
    hold.tenant_id = std::string(tenant_id);
    if (limits->empty()) return hold;
    if (estimate.usd_unknown) {
      for (const PeriodLimits& l : *limits) {
        if (l.usd < 0) continue;
        return absl::FailedPreconditionError(absl::StrCat(
            "model \"", estimate.model, "\" is not in the price table, so tenant \"", tenant_id,
            "\"'s limit of ", DescribeLimit(l.period, Metric::kUsd, l.usd),
            " cannot be held; add the model to the catalog's prices (OCTO_LLM_CATALOG)"));
      }
    }
    const absl::Time now = clock_->Now();
    absl::StatusOr<Hold> held = ReserveInRedis(std::move(hold), *limits, estimate, hold_until, now);
    if (!absl::IsUnavailable(held.status())) return held;
    // Redis cannot answer: the ledger decides alone, so limits still hold and calls still
    // run (only calls in flight on other replicas during the outage are not counted).
    return ReserveFromLedger(tenant_id, *limits, estimate, now, held.status());
  }

  absl::StatusOr<Hold> ReserveInRedis(Hold hold, const std::vector<PeriodLimits>& limits_in,
                                      const Amount& estimate, absl::Time hold_until,
                                      absl::Time now) {
    const std::vector<PeriodLimits>* limits = &limits_in;
    const absl::string_view tenant_id = hold.tenant_id;
    hold.id = NewHoldId();
    std::vector<std::string> args = {"EVAL", detail::kReserveScript, ""};
    for (const PeriodLimits& l : *limits) {
      hold.keys.push_back(WindowKey(options_.key_prefix, tenant_id, l.period, now));
      args.push_back(hold.keys.back());
    }
    args[2] = absl::StrCat(hold.keys.size());
    const absl::Time expires = std::min(hold_until, now + kMaxHold) + kHoldSlack;
    for (std::string value :
         {absl::StrCat(absl::ToUnixMillis(now)), hold.id, Number(estimate.usd),
          absl::StrCat(estimate.tokens), absl::StrCat(absl::ToUnixMillis(expires))}) {
      args.push_back(std::move(value));
    }
    for (const PeriodLimits& l : *limits) {
      args.push_back(Number(l.usd));
      args.push_back(Number(l.tokens));
    }
    // A missing window is seeded and the check runs again; two tries cover a window that
    // lapsed between the seed and the check.
    for (int attempt = 0; attempt < 3; ++attempt) {
      absl::StatusOr<redis::Reply> reply = redis_.Run(args);
      if (!reply.ok()) return Unchecked(reply.status().message());
      using Type = redis::Reply::Type;
      const auto& e = reply->elements;
      if (reply->type != Type::kArray || e.empty() || e[0].type != Type::kInteger) {
        return Unchecked(reply->type == Type::kError ? reply->str : "malformed script reply");
      }
      if (e[0].integer == 1) return hold;
      if (e.size() < 2 || e[1].type != Type::kInteger || e[1].integer < 1 ||
          e[1].integer > static_cast<int64_t>(limits->size())) {
        return Unchecked("malformed script reply");
      }
      const PeriodLimits& window = (*limits)[e[1].integer - 1];
      if (e[0].integer == -1) {
        if (absl::Status seeded = Seed(tenant_id, window.period, now); !seeded.ok()) {
          return seeded;
        }
        continue;
      }
      double used = 0;
      if (e.size() != 4 || !absl::SimpleAtod(e[3].str, &used)) {
        return Unchecked("malformed script reply");
      }
      return Refusal(tenant_id, window, e[2].str == "usd" ? Metric::kUsd : Metric::kTokens,
                     used, estimate, now);
    }
    return Unchecked("the spend window kept disappearing");
  }

  absl::StatusOr<Hold> ReserveFromLedger(absl::string_view tenant_id,
                                         const std::vector<PeriodLimits>& limits,
                                         const Amount& estimate, absl::Time now,
                                         const absl::Status& redis_error) {
    for (const PeriodLimits& l : limits) {
      absl::StatusOr<store::Spent> spent =
          ledger_.SpentSince(tenant_id, WindowAt(l.period, now).start);
      if (!spent.ok()) {
        return absl::UnavailableError(absl::StrCat(redis_error.message(), "; and the ledger: ",
                                                   spent.status().message()));
      }
      if (l.usd >= 0 && spent->usd + estimate.usd > l.usd) {
        return Refusal(tenant_id, l, Metric::kUsd, spent->usd, estimate, now);
      }
      if (l.tokens >= 0 && spent->tokens + estimate.tokens > l.tokens) {
        return Refusal(tenant_id, l, Metric::kTokens, static_cast<double>(spent->tokens),
                       estimate, now);
      }
    }
    Hold hold;
    hold.tenant_id = std::string(tenant_id);
    return hold;
  }

  void Settle(const Hold& hold, const store::SpendRecord& record) override {
    const int64_t tokens = record.input_tokens + record.output_tokens;
    if (tokens > 0) {
      absl::Status recorded = ledger_.Record(record);
      if (!recorded.ok()) recorded = ledger_.Record(record);
      if (!recorded.ok()) {
        log::Error("spend: a model call could not be recorded",
                   {{"tenant", record.tenant_id}, {"error", recorded.ToString()}});
      }
    }
    // Every window Redis has for the tenant counts the call, not only those it was held in:
    // a window that exists is always current.
    std::vector<std::string> keys = hold.keys;
    if (keys.empty()) {
      absl::StatusOr<std::vector<PeriodLimits>> limits = LimitsOf(hold.tenant_id);
      if (!limits.ok() || limits->empty()) return;
    }
    const absl::Time now = clock_->Now();
    for (Period p : {Period::kMinute, Period::kDay, Period::kMonth}) {
      std::string key = WindowKey(options_.key_prefix, hold.tenant_id, p, now);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
    }
    std::vector<std::string> args = {"EVAL", detail::kSettleScript, absl::StrCat(keys.size())};
    args.insert(args.end(), keys.begin(), keys.end());
    args.push_back(hold.id.empty() ? "-" : hold.id);
    args.push_back(Number(record.cost_usd));
    args.push_back(absl::StrCat(tokens));
    absl::StatusOr<redis::Reply> reply = redis_.Run(args);
    if (!reply.ok() || reply->type == redis::Reply::Type::kError) {
      // The ledger has the call; the window is rebuilt from it once Redis has lost it.
      log::Warn("spend: a model call's cost did not reach Redis",
                {{"tenant", hold.tenant_id},
                 {"error", reply.ok() ? reply->str : std::string(reply.status().message())}});
    }
  }

  absl::StatusOr<store::Spent> SpentIn(absl::string_view tenant_id, Period period) override {
    return ledger_.SpentSince(tenant_id, WindowAt(period, clock_->Now()).start);
  }

 private:
  struct CachedLimits {
    std::vector<PeriodLimits> limits;
    absl::Time read_at;
  };

  // The tenant's limits grouped by period, from the cache while it is fresh.
  absl::StatusOr<std::vector<PeriodLimits>> LimitsOf(absl::string_view tenant_id) {
    const absl::Time now = clock_->Now();
    {
      absl::MutexLock lock(&mu_);
      auto it = cache_.find(tenant_id);
      if (it != cache_.end() && now - it->second.read_at < options_.limits_ttl) {
        return it->second.limits;
      }
    }
    absl::StatusOr<std::vector<store::SpendLimit>> rows = ledger_.Limits(tenant_id);
    if (!rows.ok()) {
      return absl::UnavailableError(
          absl::StrCat("spend limits cannot be read: ", rows.status().message()));
    }
    std::vector<PeriodLimits> limits;
    for (const store::SpendLimit& row : *rows) {
      std::optional<Period> period = ParsePeriod(row.period);
      std::optional<Metric> metric = ParseMetric(row.metric);
      if (!period || !metric) continue;  // the schema's CHECKs allow no others
      auto it = std::find_if(limits.begin(), limits.end(),
                             [&](const PeriodLimits& l) { return l.period == *period; });
      if (it == limits.end()) it = limits.insert(limits.end(), PeriodLimits{*period});
      (*metric == Metric::kUsd ? it->usd : it->tokens) = row.amount;
    }
    absl::MutexLock lock(&mu_);
    if (cache_.size() >= options_.max_cached_tenants) cache_.clear();
    cache_[tenant_id] = {limits, now};
    return limits;
  }

  absl::Status Seed(absl::string_view tenant_id, Period period, absl::Time now) {
    const Window window = WindowAt(period, now);
    absl::StatusOr<store::Spent> spent = ledger_.SpentSince(tenant_id, window.start);
    if (!spent.ok()) {
      return absl::UnavailableError(
          absl::StrCat("spend cannot be counted: ", spent.status().message()));
    }
    const int64_t ttl = absl::ToInt64Seconds(window.end - now + kWindowSlack);
    std::vector<std::string> args = {"EVAL",
                                     detail::kSeedScript,
                                     "1",
                                     WindowKey(options_.key_prefix, tenant_id, period, now),
                                     Number(spent->usd),
                                     absl::StrCat(spent->tokens),
                                     absl::StrCat(std::max<int64_t>(ttl, 1))};
    absl::StatusOr<redis::Reply> reply = redis_.Run(args);
    if (!reply.ok()) return Unchecked(reply.status().message());
    if (reply->type == redis::Reply::Type::kError) return Unchecked(reply->str);
    return absl::OkStatus();
  }

  static absl::Status Unchecked(absl::string_view why) {
    return absl::UnavailableError(absl::StrCat("spend limits cannot be checked: ", why));
  }

  static absl::Status Refusal(absl::string_view tenant_id, const PeriodLimits& window,
                              Metric metric, double used, const Amount& estimate,
                              absl::Time now) {
    const double limit = metric == Metric::kUsd ? window.usd : window.tokens;
    const double needs =
        metric == Metric::kUsd ? estimate.usd : static_cast<double>(estimate.tokens);
    const std::string described = DescribeLimit(window.period, metric, limit);
    const std::string resets_at = Rfc3339(WindowAt(window.period, now).end);
    absl::Status status = absl::ResourceExhaustedError(absl::StrCat(
        "tenant \"", tenant_id, "\" reached its spend limit of ", described, ": ",
        FormatAmount(metric, used), " spent or held, this call may cost up to ",
        FormatAmount(metric, needs), estimate.model.empty() ? "" : " (",
        estimate.model, estimate.model.empty() ? "" : ")", "; the limit resets at ",
        resets_at));
    google::rpc::ErrorInfo info;
    info.set_reason(kRefusalReason);
    info.set_domain("octollm");
    auto& meta = *info.mutable_metadata();
    meta["tenant"] = std::string(tenant_id);
    meta["limit"] = described;
    meta["period"] = std::string(PeriodName(window.period));
    meta["metric"] = std::string(MetricName(metric));
    meta["resets_at"] = resets_at;
    status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
    return status;
  }

  std::string NewHoldId() {
    absl::MutexLock lock(&mu_);
    return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits_),
                           absl::Uniform<uint64_t>(bits_));
  }

  redis::Pool& redis_;
  store::SpendRepository& ledger_;
  const SpendGateOptions options_;
  common::Clock* const clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, CachedLimits> cache_ ABSL_GUARDED_BY(mu_);
  absl::BitGen bits_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::string WindowKey(absl::string_view key_prefix, absl::string_view tenant_id, Period period,
                      absl::Time at) {
  return absl::StrCat(key_prefix, "spend:{", tenant_id, "}:", PeriodName(period), ":",
                      absl::ToUnixSeconds(WindowAt(period, at).start));
}

std::unique_ptr<SpendGate> NewSpendGate(redis::Pool& redis, store::SpendRepository& ledger,
                                        SpendGateOptions options) {
  return std::make_unique<RedisSpendGate>(redis, ledger, std::move(options));
}

}  // namespace octo::spend
