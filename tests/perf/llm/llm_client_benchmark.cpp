// Overhead of the LLM client: one whole chat completion through (a) a reused plain libcurl
// easy handle, (b) octo::llm's OpenAI adapter, (c) the adapter behind Harden(), all against
// the same local OpenAI-compatible stand-in in this process; and 64 streamed answers at once
// through one HttpClient, with the process's thread count as a counter.
//   bench_llm_client --benchmark_min_time=2
// After the table it prints (b) and (c) as ratios to (a), measured in the same run: the cost
// of the client over plain libcurl.
#include <curl/curl.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "benchmark/benchmark.h"
#include "octo/llm/http_client.h"
#include "octo/llm/providers.h"
#include "octo/testing/ratio_reporter.h"
#include "octo/llm/resilience.h"
#include "octo/llm/wire.h"
#include "octo/testing/llm_stand_in.h"

namespace octo::llm {
namespace {

testing::LlmStandIn& StandIn() {
  static testing::LlmStandIn* server = testing::LlmStandIn::Start().value().release();
  return *server;
}

Request Question() {
  Request r;
  r.messages = {{Role::kSystem, "Answer briefly."}, {Role::kUser, "What does the reflex do?"}};
  r.max_tokens = 64;
  r.temperature = 0.2;
  return r;
}

ProviderConfig Config() {
  ProviderConfig c;
  c.provider = "openai";
  c.base_url = StandIn().base_url();
  c.model = "gpt-4o-mini";
  c.api_key = "sk-bench";
  return c;
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

void BM_PlainCurl(benchmark::State& state) {
  CURL* easy = curl_easy_init();
  const std::string url = StandIn().base_url() + "/v1/chat/completions";
  const std::string body = OpenAiRequestBody(Question(), "gpt-4o-mini", false);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Authorization: Bearer sk-bench");
  std::string response;
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response);
  for (auto _ : state) {
    response.clear();
    if (curl_easy_perform(easy) != CURLE_OK) state.SkipWithError("curl failed");
    benchmark::DoNotOptimize(response);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
}
BENCHMARK(BM_PlainCurl)->UseRealTime();

// Whole completions through `client` until the benchmark has enough.
void RunCompletions(benchmark::State& state, LlmClient& client) {
  const Request request = Question();
  for (auto _ : state) {
    auto response = client.Complete(request);
    if (!response.ok()) state.SkipWithError(std::string(response.status().message()).c_str());
    benchmark::DoNotOptimize(response);
  }
}

void BM_OctoOpenAi(benchmark::State& state) {
  auto http = HttpClient::Create().value();
  RunCompletions(state, *NewOpenAiClient(Config(), *http));
}
BENCHMARK(BM_OctoOpenAi)->UseRealTime();

void BM_OctoHardened(benchmark::State& state) {
  auto http = HttpClient::Create().value();
  RunCompletions(state, *Harden(NewOpenAiClient(Config(), *http), {}));
}
BENCHMARK(BM_OctoHardened)->UseRealTime();

int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// 64 streamed answers started at once on one HttpClient; each stream sends its pieces 10 ms
// apart, so they overlap. Counter "threads": the process's threads while they run (the
// stand-in's fixed pool included), against "threads_idle" before.
void BM_Streams64(benchmark::State& state) {
  constexpr int kStreams = 64;
  auto http = HttpClient::Create().value();
  const int idle = ThreadCount();
  int busy = 0;
  for (auto _ : state) {
    for (int i = 0; i < kStreams; ++i) {
      testing::LlmReply reply;
      reply.text = "one two three four five six seven eight";
      reply.delay_between_chunks = absl::Milliseconds(10);
      StandIn().Enqueue(reply);
    }
    std::atomic<int> left{kStreams};
    std::atomic<int> failed{0};
    absl::Notification done;
    Request request = Question();
    const std::string body = OpenAiRequestBody(request, "gpt-4o-mini", true);
    for (int i = 0; i < kStreams; ++i) {
      HttpRequest r;
      r.url = StandIn().base_url() + "/v1/chat/completions";
      r.headers = {"Content-Type: application/json"};
      r.body = body;
      http->Start(std::move(r), [](absl::string_view) { return true; },
                  [&](absl::StatusOr<HttpResponse> response) {
                    if (!response.ok() || response->status != 200) failed.fetch_add(1);
                    if (left.fetch_sub(1) == 1) done.Notify();
                  });
    }
    busy = std::max(busy, ThreadCount());
    done.WaitForNotification();
    if (failed.load() > 0) state.SkipWithError("a stream failed");
  }
  state.counters["threads_idle"] = idle;
  state.counters["threads"] = busy;
  state.counters["streams"] = kStreams;
}
BENCHMARK(BM_Streams64)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace octo::llm

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  octo::testing::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatiosTo("BM_PlainCurl/real_time", "Streams");
  benchmark::Shutdown();
  return 0;
}
