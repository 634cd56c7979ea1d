// What the spend gate adds to each model call, on a local Redis and a local Postgres (the
// test server, which runs with fsync off: ledger writes here are not durable writes):
//   BM_RedisPing                one Redis round trip, the baseline;
//   BM_LedgerRecord             one llm_spend insert;
//   BM_GateUnlimitedTenant      Reserve + Settle for a tenant without limits (limits cached:
//                               the ledger insert only);
//   BM_GateLimitedTenant        Reserve + Settle under a day and a minute limit (two windows:
//                               the check-and-hold script, the insert, the settle script).
//   bench_spend_gate --benchmark_min_time=1
// After the table it prints each as a ratio to BM_RedisPing, measured in the same run.
#include <memory>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "octo/spend/spend_gate.h"
#include "octo/store/migrations.h"
#include "octo/store/pg_pool.h"
#include "octo/testing/postgres_server.h"
#include "octo/testing/ratio_reporter.h"
#include "octo/testing/redis_server.h"

namespace octo::spend {
namespace {

struct Stand {
  std::unique_ptr<testing::RedisServer> redis_server;
  std::shared_ptr<store::PgPool> pool;
  std::unique_ptr<store::SpendRepository> ledger;
  std::unique_ptr<redis::Pool> redis;
  std::unique_ptr<SpendGate> gate;
};

Stand* TheStand() {
  static Stand* stand = [] {
    auto* s = new Stand();
    auto redis_server = testing::RedisServer::Start();
    if (!redis_server.ok()) return s;
    s->redis_server = *std::move(redis_server);
    auto dsn = testing::PostgresServer::Shared().CreateDatabase();
    if (!dsn.ok() || !store::ApplyMigrations(*dsn, store::EmbeddedMigrations()).ok()) return s;
    auto pool = store::OpenPgPool({.dsn = *dsn, .size = 2});
    if (!pool.ok()) return s;
    s->pool = *pool;
    s->ledger = *store::NewPgSpendRepository(s->pool);
    redis::RedisOptions options;
    options.port = s->redis_server->port();
    s->redis = std::make_unique<redis::Pool>(options);
    s->gate = NewSpendGate(*s->redis, *s->ledger);
    // Limits no benchmark run reaches.
    (void)s->ledger->SetLimit("limited", {"day", "usd", 1e9});
    (void)s->ledger->SetLimit("limited", {"minute", "tokens", 1e15});
    return s;
  }();
  return stand;
}

store::SpendRecord Record(const char* tenant) {
  return {.tenant_id = tenant, .task_id = "t", .step_id = "answer", .provider = "openai",
          .model = "gpt-4o-mini", .input_tokens = 150, .output_tokens = 40,
          .cost_usd = 0.0000465};
}

void BM_RedisPing(benchmark::State& state) {
  Stand* s = TheStand();
  if (s->gate == nullptr) return state.SkipWithError("no Redis or Postgres here");
  for (auto _ : state) {
    if (!s->redis->Run({"PING"}).ok()) return state.SkipWithError("PING failed");
  }
}
BENCHMARK(BM_RedisPing)->UseRealTime();

void BM_LedgerRecord(benchmark::State& state) {
  Stand* s = TheStand();
  if (s->gate == nullptr) return state.SkipWithError("no Redis or Postgres here");
  for (auto _ : state) {
    if (!s->ledger->Record(Record("other")).ok()) return state.SkipWithError("insert failed");
  }
}
BENCHMARK(BM_LedgerRecord)->UseRealTime();

void Gate(benchmark::State& state, const char* tenant) {
  Stand* s = TheStand();
  if (s->gate == nullptr) return state.SkipWithError("no Redis or Postgres here");
  for (auto _ : state) {
    absl::StatusOr<Hold> hold = s->gate->Reserve(
        tenant, {.usd = 0.0003, .tokens = 700}, absl::Now() + absl::Seconds(30));
    if (!hold.ok()) return state.SkipWithError(std::string(hold.status().message()).c_str());
    s->gate->Settle(*hold, Record(tenant));
  }
}

void BM_GateUnlimitedTenant(benchmark::State& state) { Gate(state, "unlimited"); }
BENCHMARK(BM_GateUnlimitedTenant)->UseRealTime();

void BM_GateLimitedTenant(benchmark::State& state) { Gate(state, "limited"); }
BENCHMARK(BM_GateLimitedTenant)->UseRealTime();

}  // namespace
}  // namespace octo::spend

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  octo::testing::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatiosTo("BM_RedisPing/real_time");
  benchmark::Shutdown();
  return 0;
}
