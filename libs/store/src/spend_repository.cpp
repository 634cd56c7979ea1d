// SpendRepository on the spend_limits and llm_spend tables.
#include "octo/store/spend_repository.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "pg.h"

namespace octo::store {
namespace {

const Statement kSetLimit{
    "spend_limit_set",
    "INSERT INTO spend_limits (tenant_id, period, metric, amount) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (tenant_id, period, metric) DO UPDATE SET amount = EXCLUDED.amount, "
    "updated_at = now()"};

const Statement kRemoveLimit{
    "spend_limit_remove",
    "DELETE FROM spend_limits WHERE tenant_id = $1 AND period = $2 AND metric = $3 "
    "RETURNING tenant_id"};

const Statement kLimits{
    "spend_limits_of",
    "SELECT period, metric, amount FROM spend_limits WHERE tenant_id = $1 "
    "ORDER BY array_position(ARRAY['minute', 'day', 'month'], period), metric"};

const Statement kRecord{
    "llm_spend_record",
    "INSERT INTO llm_spend (tenant_id, task_id, step_id, provider, model, input_tokens, "
    "output_tokens, cost_usd, cost_unknown) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};

const Statement kSpentSince{
    "llm_spend_since",
    "SELECT coalesce(sum(cost_usd), 0) AS usd, "
    "coalesce(sum(input_tokens + output_tokens), 0)::bigint AS tokens, count(*) AS calls "
    "FROM llm_spend WHERE tenant_id = $1 AND created_at >= to_timestamp($2::bigint / 1e6)"};

absl::Status ValidateLimit(absl::string_view tenant_id, const SpendLimit& limit) {
  if (tenant_id.empty()) return absl::InvalidArgumentError("tenant: must not be empty");
  if (limit.period != "minute" && limit.period != "day" && limit.period != "month") {
    return absl::InvalidArgumentError(
        absl::StrCat("period: expected minute, day or month, got \"", limit.period, "\""));
  }
  if (limit.metric != "usd" && limit.metric != "tokens") {
    return absl::InvalidArgumentError(
        absl::StrCat("metric: expected usd or tokens, got \"", limit.metric, "\""));
  }
  if (!std::isfinite(limit.amount) || limit.amount < 0) {
    return absl::InvalidArgumentError("amount: must be a finite number >= 0");
  }
  return absl::OkStatus();
}

class PgSpendRepository final : public SpendRepository {
 public:
  explicit PgSpendRepository(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  absl::Status SetLimit(absl::string_view tenant_id, const SpendLimit& limit) override {
    if (absl::Status valid = ValidateLimit(tenant_id, limit); !valid.ok()) return valid;
    return pool_->Run([&](pqxx::connection& c) -> absl::Status {
      pqxx::work tx(c);
      Exec(tx, kSetLimit, std::string(tenant_id), limit.period, limit.metric, limit.amount);
      tx.commit();
      return absl::OkStatus();
    });
  }

  absl::Status RemoveLimit(absl::string_view tenant_id, absl::string_view period,
                           absl::string_view metric) override {
    return pool_->Run([&](pqxx::connection& c) -> absl::Status {
      pqxx::work tx(c);
      if (Exec(tx, kRemoveLimit, std::string(tenant_id), std::string(period),
               std::string(metric))
              .empty()) {
        return absl::NotFoundError(absl::StrCat("tenant \"", tenant_id, "\" has no ", metric,
                                                " limit per ", period));
      }
      tx.commit();
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<SpendLimit>> Limits(absl::string_view tenant_id) override {
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<std::vector<SpendLimit>> {
      pqxx::read_transaction tx(c);
      std::vector<SpendLimit> limits;
      for (const pqxx::row& row : Exec(tx, kLimits, std::string(tenant_id))) {
        limits.push_back({row["period"].c_str(), row["metric"].c_str(),
                          row["amount"].as<double>()});
      }
      return limits;
    });
  }

  absl::Status Record(const SpendRecord& r) override {
    return pool_->Run([&](pqxx::connection& c) -> absl::Status {
      pqxx::work tx(c);
      Exec(tx, kRecord, r.tenant_id, r.task_id, r.step_id, r.provider, r.model,
           r.input_tokens, r.output_tokens, r.cost_usd, r.cost_unknown);
      tx.commit();
      return absl::OkStatus();
    });
  }

  absl::StatusOr<Spent> SpentSince(absl::string_view tenant_id, absl::Time since) override {
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<Spent> {
      pqxx::read_transaction tx(c);
      pqxx::result rows =
          Exec(tx, kSpentSince, std::string(tenant_id), absl::ToUnixMicros(since));
      Spent spent;
      spent.usd = rows[0]["usd"].as<double>();
      spent.tokens = rows[0]["tokens"].as<int64_t>();
      spent.calls = rows[0]["calls"].as<int64_t>();
      return spent;
    });
  }

 private:
  std::shared_ptr<PgPool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SpendRepository>> NewPgSpendRepository(
    std::shared_ptr<PgPool> pool) {
  if (pool == nullptr) return absl::InvalidArgumentError("pool is null");
  return std::make_unique<PgSpendRepository>(std::move(pool));
}

}  // namespace octo::store
