// The LLM stand-in itself, driven with plain libcurl: what it sends is the wire format the
// adapters' tests rely on.
#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "octo/testing/eventually.h"
#include "octo/testing/llm_stand_in.h"

namespace octo::testing {
namespace {

using Json = nlohmann::json;

struct CurlResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string headers;  // raw header block, as received
  std::string body;
  int body_writes = 0;  // times libcurl handed over body bytes
};

size_t OnBody(char* data, size_t size, size_t n, void* out) {
  auto* result = static_cast<CurlResult*>(out);
  result->body.append(data, size * n);
  ++result->body_writes;
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* out) {
  static_cast<CurlResult*>(out)->headers.append(data, size * n);
  return size * n;
}

// POSTs `body` to `url` on `curl` (a fresh handle when null, so connections are not kept).
CurlResult Post(const std::string& url, const std::string& body,
                const std::vector<std::string>& headers = {}, CURL* curl = nullptr) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> owned(nullptr, curl_easy_cleanup);
  if (curl == nullptr) {
    owned.reset(curl_easy_init());
    curl = owned.get();
  }
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
  for (const std::string& header : headers) list = curl_slist_append(list, header.c_str());
  CurlResult result;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  result.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_slist_free_all(list);
  return result;
}

struct SseEvent {
  std::string event;
  std::string data;
};

// A whole SSE body split into events (the stand-in writes single-line data fields).
std::vector<SseEvent> ParseSse(const std::string& body) {
  std::vector<SseEvent> events;
  for (absl::string_view block : absl::StrSplit(body, "\n\n", absl::SkipEmpty())) {
    SseEvent event;
    for (absl::string_view line : absl::StrSplit(block, '\n')) {
      if (absl::ConsumePrefix(&line, "event: ")) event.event = std::string(line);
      if (absl::ConsumePrefix(&line, "data: ")) event.data = std::string(line);
    }
    events.push_back(std::move(event));
  }
  return events;
}

class StandInTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  void SetUp() override {
    auto started = LlmStandIn::Start();
    ASSERT_TRUE(started.ok()) << started.status();
    llm_ = std::move(*started);
  }
  std::string OpenAiUrl() const { return llm_->base_url() + "/v1/chat/completions"; }
  std::string AnthropicUrl() const { return llm_->base_url() + "/v1/messages"; }

  std::unique_ptr<LlmStandIn> llm_;
};

TEST_F(StandInTest, AnswersOpenAiChatCompletion) {
  llm_->Enqueue({.text = "Paris.", .input_tokens = 5, .output_tokens = 2});
  CurlResult result =
      Post(OpenAiUrl(), R"({"model":"gpt-test","messages":[]})", {"Authorization: Bearer sk-1"});
  ASSERT_EQ(result.code, CURLE_OK);
  EXPECT_EQ(result.status, 200);
  Json body = Json::parse(result.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["model"], "gpt-test");
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Paris.");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(body["usage"]["completion_tokens"], 2);
  EXPECT_EQ(body["usage"]["total_tokens"], 7);

  std::vector<LlmRecordedRequest> requests = llm_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/v1/chat/completions");
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer sk-1");
  EXPECT_EQ(requests[0].Header("content-type"), "application/json");
  EXPECT_EQ(requests[0].body, R"({"model":"gpt-test","messages":[]})");
}

TEST_F(StandInTest, AnswersAnthropicMessage) {
  llm_->Enqueue({.text = "Paris.", .input_tokens = 5, .output_tokens = 2, .model = "claude-x"});
  CurlResult result = Post(AnthropicUrl(), R"({"model":"claude-test"})");
  ASSERT_EQ(result.code, CURLE_OK);
  EXPECT_EQ(result.status, 200);
  Json body = Json::parse(result.body);
  EXPECT_EQ(body["type"], "message");
  EXPECT_EQ(body["model"], "claude-x");  // the reply's model wins over the request's
  EXPECT_EQ(body["content"][0]["type"], "text");
  EXPECT_EQ(body["content"][0]["text"], "Paris.");
  EXPECT_EQ(body["stop_reason"], "end_turn");
  EXPECT_TRUE(body["stop_sequence"].is_null());
  EXPECT_EQ(body["usage"]["input_tokens"], 5);
  EXPECT_EQ(body["usage"]["output_tokens"], 2);
}

TEST_F(StandInTest, LeavesOutUsageAndPadsWhenAsked) {
  llm_->Enqueue({.text = "x", .include_usage = false, .pad_bytes = 1000});
  CurlResult result = Post(OpenAiUrl(), R"({"model":"m"})");
  ASSERT_EQ(result.code, CURLE_OK);
  Json body = Json::parse(result.body);
  EXPECT_FALSE(body.contains("usage"));
  EXPECT_EQ(body["choices"][0]["message"]["content"].get<std::string>().size(), 1001u);
}

TEST_F(StandInTest, StreamsOpenAiChunks) {
  llm_->Enqueue({.text = "The capital is Paris.", .input_tokens = 3, .output_tokens = 4});
  CurlResult result = Post(
      OpenAiUrl(), R"({"model":"gpt-test","stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_EQ(result.code, CURLE_OK);
  EXPECT_EQ(result.status, 200);
  EXPECT_TRUE(absl::StrContains(result.headers, "Content-Type: text/event-stream"));

  std::vector<SseEvent> events = ParseSse(result.body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back().data, "[DONE]");
  std::string text;
  int deltas = 0;
  std::string finish_reason;
  Json usage;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    Json chunk = Json::parse(events[i].data);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    EXPECT_EQ(chunk["model"], "gpt-test");
    if (chunk["choices"].empty()) {
      usage = chunk["usage"];
      continue;
    }
    const Json& choice = chunk["choices"][0];
    if (choice["delta"].contains("content")) {
      text += choice["delta"]["content"].get<std::string>();
      ++deltas;
    }
    if (!choice["finish_reason"].is_null()) finish_reason = choice["finish_reason"];
  }
  EXPECT_EQ(text, "The capital is Paris.");
  EXPECT_GE(deltas, 3);
  EXPECT_EQ(finish_reason, "stop");
  EXPECT_EQ(usage["prompt_tokens"], 3);
  EXPECT_EQ(usage["completion_tokens"], 4);
}

TEST_F(StandInTest, StreamsAnthropicEvents) {
  llm_->Enqueue({.text = "The capital is Paris.", .input_tokens = 3, .output_tokens = 4});
  CurlResult result = Post(AnthropicUrl(), R"({"model":"claude-test","stream":true})");
  ASSERT_EQ(result.code, CURLE_OK);
  std::vector<SseEvent> events = ParseSse(result.body);
  ASSERT_GE(events.size(), 6u);
  EXPECT_EQ(events.front().event, "message_start");
  EXPECT_EQ(events.back().event, "message_stop");
  std::string text;
  bool ping = false;
  Json message_delta;
  for (const SseEvent& event : events) {
    Json data = Json::parse(event.data);
    EXPECT_EQ(data["type"], event.event);
    if (event.event == "message_start") {
      EXPECT_EQ(data["message"]["model"], "claude-test");
      EXPECT_EQ(data["message"]["usage"]["input_tokens"], 3);
    }
    if (event.event == "content_block_delta") text += data["delta"]["text"].get<std::string>();
    if (event.event == "ping") ping = true;
    if (event.event == "message_delta") message_delta = data;
  }
  EXPECT_EQ(text, "The capital is Paris.");
  EXPECT_TRUE(ping);
  EXPECT_EQ(message_delta["delta"]["stop_reason"], "end_turn");
  EXPECT_EQ(message_delta["usage"]["output_tokens"], 4);
}

TEST_F(StandInTest, SendsSmallPiecesSeparately) {
  llm_->Enqueue({.chunk_bytes = 7, .delay_between_chunks = absl::Milliseconds(2)});
  llm_->Enqueue({});
  CurlResult pieces = Post(AnthropicUrl(), R"({"model":"m","stream":true})");
  CurlResult whole = Post(AnthropicUrl(), R"({"model":"m","stream":true})");
  ASSERT_EQ(pieces.code, CURLE_OK);
  // The same events, whichever way they were cut (ids differ by one digit at most).
  EXPECT_EQ(ParseSse(pieces.body).size(), ParseSse(whole.body).size());
  // With a pause after each 7-byte piece, libcurl sees them one by one.
  EXPECT_GE(pieces.body_writes, static_cast<int>(pieces.body.size() / 7) - 2);
}

TEST_F(StandInTest, RateLimitsWithRetryAfter) {
  llm_->Enqueue({.status = 429, .retry_after_seconds = 1});
  llm_->Enqueue({.status = 429});
  CurlResult openai = Post(OpenAiUrl(), R"({"model":"m"})");
  CurlResult anthropic = Post(AnthropicUrl(), R"({"model":"m"})");
  EXPECT_EQ(openai.status, 429);
  EXPECT_TRUE(absl::StrContains(openai.headers, "Retry-After: 1\r\n"));
  EXPECT_EQ(Json::parse(openai.body)["error"]["code"], "rate_limit_exceeded");
  EXPECT_EQ(anthropic.status, 429);
  EXPECT_FALSE(absl::StrContains(anthropic.headers, "Retry-After"));
  Json error = Json::parse(anthropic.body);
  EXPECT_EQ(error["type"], "error");
  EXPECT_EQ(error["error"]["type"], "rate_limit_error");
}

TEST_F(StandInTest, SendsRawBodiesVerbatim) {
  llm_->Enqueue({.raw_body = "{not json"});
  CurlResult result = Post(OpenAiUrl(), R"({"model":"m","stream":true})");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "{not json");
}

TEST_F(StandInTest, DropsTheConnectionWithoutAResponse) {
  llm_->Enqueue({.drop_connection = true});
  CurlResult result = Post(OpenAiUrl(), R"({"model":"m"})");
  EXPECT_EQ(result.code, CURLE_GOT_NOTHING) << curl_easy_strerror(result.code);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(llm_->requests().size(), 1u);
  // The next request is answered normally.
  EXPECT_EQ(Post(OpenAiUrl(), R"({"model":"m"})").status, 200);
}

TEST_F(StandInTest, CountsRequestsInFlight) {
  llm_->SetResponder([](const LlmRecordedRequest&) {
    return LlmReply{.delay_before_headers = absl::Milliseconds(300)};
  });
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([this] { Post(OpenAiUrl(), R"({"model":"m"})"); });
  }
  EXPECT_TRUE(Eventually([&] { return llm_->in_flight() == 3; }, absl::Seconds(5)));
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(llm_->in_flight(), 0);
  EXPECT_EQ(llm_->max_in_flight(), 3);
}

TEST_F(StandInTest, StopsPromptlyWithHangingAndIdleConnections) {
  // One kept-alive idle connection, one stream hanging after its first piece, one answer
  // waiting before its headers.
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> kept(curl_easy_init(), curl_easy_cleanup);
  ASSERT_EQ(Post(OpenAiUrl(), R"({"model":"m"})", {}, kept.get()).status, 200);
  llm_->Enqueue({.hang_after_chunks = 1});
  llm_->Enqueue({.delay_before_headers = absl::Seconds(30)});
  CurlResult hung, delayed;
  std::thread hanging([&] { hung = Post(OpenAiUrl(), R"({"model":"m","stream":true})"); });
  ASSERT_TRUE(Eventually([&] { return llm_->requests().size() == 2; }, absl::Seconds(5)));
  std::thread waiting([&] { delayed = Post(OpenAiUrl(), R"({"model":"m"})"); });
  ASSERT_TRUE(Eventually([&] { return llm_->in_flight() == 2; }, absl::Seconds(5)));

  const absl::Time start = absl::Now();
  llm_.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  hanging.join();
  waiting.join();
  EXPECT_NE(hung.code, CURLE_OK);
  EXPECT_FALSE(absl::StrContains(hung.body, "[DONE]"));
}

}  // namespace
}  // namespace octo::testing
