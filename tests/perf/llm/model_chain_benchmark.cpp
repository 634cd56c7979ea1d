// Cost of an arm's model call along a fallback chain, against local OpenAI-compatible
// stand-ins in this process: (a) the hardened client called directly, (b) ArmModel::Call on a
// one-model chain (catalog lookup, estimate, provenance, accounting; no spend gate), (c) a
// chain whose first model answers 429 every other call so the second answers (two HTTP round
// trips then), and (d) one whose first model's breaker is open (skipped without a request).
//   bench_model_chain --benchmark_min_time=2
// After the table it prints (b) and (c) as ratios to (a), measured in the same run.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "benchmark/benchmark.h"
#include "octo/llm/http_client.h"
#include "octo/llm/providers.h"
#include "octo/llm/resilience.h"
#include "octo/testing/llm_stand_in.h"
#include "octo/testing/ratio_reporter.h"
#include "src/runtime/model.h"

namespace octo::arms {
namespace {

testing::LlmStandIn& Answering() {
  static testing::LlmStandIn* server = testing::LlmStandIn::Start().value().release();
  return *server;
}

// Answers 429 to every request.
testing::LlmStandIn& RateLimited() {
  static testing::LlmStandIn* server = [] {
    testing::LlmStandIn* s = testing::LlmStandIn::Start().value().release();
    s->SetResponder([](const testing::LlmRecordedRequest&) {
      return testing::LlmReply{.status = 429};
    });
    return s;
  }();
  return *server;
}

// Answers 429 to every other request, so its breaker never opens.
testing::LlmStandIn& HalfRateLimited() {
  static testing::LlmStandIn* server = [] {
    testing::LlmStandIn* s = testing::LlmStandIn::Start().value().release();
    s->SetResponder([n = std::make_shared<std::atomic<int>>(0)](
                        const testing::LlmRecordedRequest&) {
      return testing::LlmReply{.status = (n->fetch_add(1) % 2 == 0) ? 429 : 200};
    });
    return s;
  }();
  return *server;
}

llm::Request Question() {
  llm::Request r;
  r.messages = {{llm::Role::kSystem, "Answer briefly."},
                {llm::Role::kUser, "What does the reflex do?"}};
  r.max_tokens = 64;
  r.temperature = 0.2;
  r.model = "gpt-4o-mini";
  return r;
}

llm::ProviderConfig Config(const std::string& base_url) {
  llm::ProviderConfig c;
  c.provider = "openai";
  c.base_url = base_url;
  c.model = "gpt-4o-mini";
  c.max_attempts = 1;
  return c;
}

// An arm model over `first` with a catalog file whose answer chain falls back to the
// answering stand-in.
// The catalog file; arms reread it, so it stays until main() removes it.
const std::string& CatalogPath() {
  static const std::string path = absl::StrCat("/tmp/octo-bench-catalog-", getpid(), ".json");
  return path;
}

std::unique_ptr<ArmModel> Model(testing::LlmStandIn& first) {
  const std::string& path = CatalogPath();
  std::ofstream(path, std::ios::trunc) << absl::Substitute(
      R"({"endpoints": {"backup": {"provider": "openai", "base_url": "$0"}},
          "chains": {"answer": [{"model": "gpt-4o-mini"},
                                {"endpoint": "backup", "model": "gpt-4o-mini"}]}})",
      Answering().base_url());
  return ArmModel::Open(Config(first.base_url()), path, nullptr).value();
}

void BM_HardenedClient(benchmark::State& state) {
  auto http = llm::HttpClient::Create({}).value();
  llm::HardenOptions options;
  options.max_attempts = 1;
  auto client = llm::Harden(llm::NewOpenAiClient(Config(Answering().base_url()), *http), options);
  for (auto _ : state) {
    auto reply = client->Complete(Question());
    if (!reply.ok()) state.SkipWithError(std::string(reply.status().message()).c_str());
    benchmark::DoNotOptimize(reply);
  }
}
BENCHMARK(BM_HardenedClient)->UseRealTime();

void ChainCalls(benchmark::State& state, testing::LlmStandIn& first) {
  std::unique_ptr<ArmModel> model = Model(first);
  v1::ExecuteRequest step;
  step.set_tenant_id("bench");
  step.set_capability("answer");
  int64_t fell_back = 0;
  for (auto _ : state) {
    v1::ExecuteResponse out;
    auto reply = model->Call(step, Question(), &out);
    if (!reply.ok()) state.SkipWithError(std::string(reply.status().message()).c_str());
    fell_back += out.provenance().passed_over_size() > 0;
    benchmark::DoNotOptimize(reply);
  }
  state.counters["fell_back"] =
      benchmark::Counter(static_cast<double>(fell_back) / static_cast<double>(state.iterations()));
}

void BM_ChainFirstModelAnswers(benchmark::State& state) { ChainCalls(state, Answering()); }
BENCHMARK(BM_ChainFirstModelAnswers)->UseRealTime();

// Every other call: the first model answers 429 and the second answers (two round trips).
void BM_ChainHalfPast429(benchmark::State& state) { ChainCalls(state, HalfRateLimited()); }
BENCHMARK(BM_ChainHalfPast429)->UseRealTime();

// The first model always answers 429: after 5 calls its breaker is open, and from then on it
// is passed over without a request (one round trip, to the second).
void BM_ChainPastOpenBreaker(benchmark::State& state) { ChainCalls(state, RateLimited()); }
BENCHMARK(BM_ChainPastOpenBreaker)->UseRealTime();

}  // namespace
}  // namespace octo::arms

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  octo::testing::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatiosTo("BM_HardenedClient/real_time");
  std::remove(octo::arms::CatalogPath().c_str());
  benchmark::Shutdown();
  return 0;
}
