#include "spend_admin.h"

#include <cmath>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "octo/redis/options.h"
#include "octo/redis/pool.h"
#include "octo/spend/period.h"
#include "octo/spend/spend_gate.h"

namespace octoctl {
namespace {

using octo::spend::Metric;
using octo::spend::Period;

constexpr Period kPeriods[] = {Period::kMinute, Period::kDay, Period::kMonth};

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

void BindSpendFlags(octo::common::ConfigBinder& binder, SpendFlags* flags) {
  for (int i = 0; i < 3; ++i) {
    const std::string period(octo::spend::PeriodName(kPeriods[i]));
    binder.Bind(absl::StrCat("usd-per-", period), "", &flags->usd[i],
                absl::StrCat("admin set-limit: USD per UTC ", period, ", or none"));
    binder.Bind(absl::StrCat("tokens-per-", period), "", &flags->tokens[i],
                absl::StrCat("admin set-limit: tokens per UTC ", period, ", or none"));
  }
}

int SetLimits(octo::store::SpendRepository& spend, const std::string& tenant,
              const SpendFlags& flags, const std::string& redis_address) {
  int given = 0;
  for (int i = 0; i < 3; ++i) {
    for (Metric metric : {Metric::kUsd, Metric::kTokens}) {
      const std::string& value = metric == Metric::kUsd ? flags.usd[i] : flags.tokens[i];
      if (value.empty()) continue;
      ++given;
      const std::string period(octo::spend::PeriodName(kPeriods[i]));
      const std::string name(octo::spend::MetricName(metric));
      const std::string flag = absl::StrCat("--", name, "-per-", period);
      if (value == "none") {
        absl::Status removed = spend.RemoveLimit(tenant, period, name);
        if (!removed.ok() && !absl::IsNotFound(removed)) {
          std::cerr << "error: " << removed << "\n";
          return 1;
        }
        std::cout << "tenant " << tenant << ": no " << name << " limit per " << period << "\n";
        continue;
      }
      double amount = 0;
      if (!absl::SimpleAtod(value, &amount) || !std::isfinite(amount) || amount < 0 ||
          (metric == Metric::kTokens && amount != std::floor(amount))) {
        std::cerr << flag << ": expected " << (metric == Metric::kUsd ? "an amount" : "a whole number")
                  << " >= 0 or none, got \"" << value << "\"\n";
        return 2;
      }
      absl::Status set = spend.SetLimit(tenant, {period, name, amount});
      if (!set.ok()) {
        std::cerr << "error: " << set << "\n";
        return absl::IsInvalidArgument(set) ? 2 : 1;
      }
      std::cout << "tenant " << tenant << ": "
                << octo::spend::DescribeLimit(kPeriods[i], metric, amount) << "\n";
    }
  }
  if (given == 0) {
    std::cerr << "admin set-limit: give at least one of --usd-per-{minute,day,month} or "
                 "--tokens-per-{minute,day,month}\n";
    return 2;
  }
  absl::StatusOr<octo::redis::RedisOptions> address = octo::redis::ParseRedisAddress(redis_address);
  if (!address.ok()) {
    std::cerr << "--redis: " << address.status().message() << "\n";
    return 2;
  }
  octo::redis::Pool redis(*address);
  const absl::Time now = absl::Now();
  for (Period period : kPeriods) {
    const std::string key = octo::spend::WindowKey(address->key_prefix, tenant, period, now);
    absl::StatusOr<octo::redis::Reply> reply = redis.Run({"DEL", key});
    if (!reply.ok()) {
      // Limits are in force anyway; totals kept from before are still exact unless the
      // tenant had no limit for a while in this window.
      std::cerr << "warning: the running totals in Redis were not reset: " << reply.status()
                << "\n";
      break;
    }
  }
  return 0;
}

int ShowLimits(octo::store::SpendRepository& spend, const std::string& tenant, bool json) {
  absl::StatusOr<std::vector<octo::store::SpendLimit>> limits = spend.Limits(tenant);
  if (!limits.ok()) {
    std::cerr << "error: " << limits.status() << "\n";
    return 1;
  }
  if (limits->empty() && !json) std::cout << "tenant " << tenant << " has no spend limits\n";
  const absl::Time now = absl::Now();
  for (const octo::store::SpendLimit& limit : *limits) {
    const Period period = octo::spend::ParsePeriod(limit.period).value_or(Period::kDay);
    const Metric metric = octo::spend::ParseMetric(limit.metric).value_or(Metric::kUsd);
    const octo::spend::Window window = octo::spend::WindowAt(period, now);
    absl::StatusOr<octo::store::Spent> spent = spend.SpentSince(tenant, window.start);
    if (!spent.ok()) {
      std::cerr << "error: " << spent.status() << "\n";
      return 1;
    }
    const double used = metric == Metric::kUsd ? spent->usd : static_cast<double>(spent->tokens);
    if (json) {
      std::cout << absl::StrFormat(
          R"({"tenant":"%s","period":"%s","metric":"%s","limit":%.17g,"spent":%.17g,)"
          R"("calls":%d,"window_start":"%s","resets_at":"%s"})",
          tenant, limit.period, limit.metric, limit.amount, used, spent->calls,
          Rfc3339(window.start), Rfc3339(window.end))
                << "\n";
    } else {
      std::cout << absl::StrFormat("%-26s spent %s in %d calls since %s, resets %s\n",
                                   octo::spend::DescribeLimit(period, metric, limit.amount),
                                   octo::spend::FormatAmount(metric, used), spent->calls,
                                   Rfc3339(window.start), Rfc3339(window.end));
    }
  }
  return 0;
}

}  // namespace octoctl
