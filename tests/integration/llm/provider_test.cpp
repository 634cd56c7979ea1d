// The OpenAI-compatible and the Anthropic adapters over real HTTP against the LLM stand-in:
// answers whole and streamed, what goes on the wire, and how every failure is classified.
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "llm_fixture.h"
#include "octo/llm/errors.h"

namespace octo::llm {
namespace {

using testing::LlmRecordedRequest;
using testing::LlmReply;
using Json = nlohmann::json;

class ProviderTest : public LlmFixture, public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartStandIn());
    client_ = NewClient(provider());
  }

  const std::string& provider() const { return GetParam(); }
  bool openai() const { return provider() == "openai"; }
  std::string path() const { return openai() ? "/v1/chat/completions" : "/v1/messages"; }
  std::string default_finish_reason() const { return openai() ? "stop" : "end_turn"; }
  // Stream pieces (one per event) up to and including the first one with answer text.
  size_t events_through_first_delta() const { return openai() ? 2 : 4; }

  // The one request the stand-in saw, as JSON.
  Json OnlyRequestBody() const {
    std::vector<LlmRecordedRequest> requests = llm_->requests();
    EXPECT_EQ(requests.size(), 1u);
    if (requests.empty()) return Json();
    return Json::parse(requests[0].body, nullptr, /*allow_exceptions=*/false);
  }

  absl::StatusOr<Response> AskWith(LlmReply reply, const TextSink& sink = nullptr) {
    llm_->Enqueue(std::move(reply));
    return client_->Complete(Ask(), sink);
  }

  std::unique_ptr<LlmClient> client_;
};

// Collects what a TextSink receives.
struct Deltas {
  absl::Mutex mu;
  std::vector<std::string> pieces ABSL_GUARDED_BY(mu);

  TextSink Sink() {
    return [this](absl::string_view delta) {
      absl::MutexLock lock(&mu);
      pieces.emplace_back(delta);
    };
  }
  std::string Joined() {
    absl::MutexLock lock(&mu);
    std::string all;
    for (const std::string& piece : pieces) all += piece;
    return all;
  }
  size_t count() {
    absl::MutexLock lock(&mu);
    return pieces.size();
  }
};

TEST_P(ProviderTest, AnswersAWholeRequest) {
  auto response = AskWith({.text = "Paris is the capital of France.",
                           .input_tokens = 13,
                           .output_tokens = 8,
                           .model = "test-model-2024-01-01"});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->text, "Paris is the capital of France.");
  EXPECT_EQ(response->finish_reason, default_finish_reason());
  EXPECT_TRUE(response->usage.reported);
  EXPECT_EQ(response->usage.input_tokens, 13);
  EXPECT_EQ(response->usage.output_tokens, 8);
  EXPECT_EQ(response->model, "test-model-2024-01-01");  // as the response names it
  EXPECT_GT(response->latency, absl::ZeroDuration());

  std::vector<LlmRecordedRequest> requests = llm_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, path());
  Json body = Json::parse(requests[0].body);
  EXPECT_EQ(body["model"], kModel);
  EXPECT_NE(body.value("stream", false), true);
  EXPECT_TRUE(absl::StrContains(body["messages"].dump(), "What is the capital of France?"));
}

TEST_P(ProviderTest, ReportsTheProvidersFinishReason) {
  auto response = AskWith({.finish_reason = openai() ? "length" : "max_tokens"});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->finish_reason, openai() ? "length" : "max_tokens");
}

TEST_P(ProviderTest, UsesTheRequestsModelOverTheConfigured) {
  llm_->Enqueue({});
  Request request = Ask();
  request.model = "other-model";
  auto response = client_->Complete(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(OnlyRequestBody()["model"], "other-model");
  EXPECT_EQ(response->model, "other-model");  // the stand-in echoes the request's model
}

// The SSE stream cut at every byte and at every 7th byte.
TEST_P(ProviderTest, StreamsAnswersSplitAtAnyByte) {
  const std::string text = "The capital of France is Paris, on the Seine.";
  for (size_t chunk_bytes : {size_t{1}, size_t{7}}) {
    SCOPED_TRACE(chunk_bytes);
    Deltas deltas;
    const size_t requests_before = llm_->requests().size();
    // A short pause after each piece, so that libcurl reads the pieces one by one.
    auto response = AskWith({.text = text,
                             .input_tokens = 21,
                             .output_tokens = 12,
                             .chunk_bytes = chunk_bytes,
                             .delay_between_chunks = absl::Microseconds(200)},
                            deltas.Sink());
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(deltas.Joined(), text);
    EXPECT_GE(deltas.count(), 3u);  // word by word, not all at the end
    EXPECT_EQ(response->text, text);
    EXPECT_EQ(response->finish_reason, default_finish_reason());
    EXPECT_TRUE(response->usage.reported);
    EXPECT_EQ(response->usage.input_tokens, 21);
    EXPECT_EQ(response->usage.output_tokens, 12);
    EXPECT_EQ(response->model, kModel);
    EXPECT_LE(response->time_to_first_token, response->latency);

    std::vector<LlmRecordedRequest> requests = llm_->requests();
    ASSERT_EQ(requests.size(), requests_before + 1);
    Json body = Json::parse(requests.back().body);
    EXPECT_EQ(body["stream"], true);
    if (openai()) {
      EXPECT_EQ(body["stream_options"]["include_usage"], true);
    }
  }
}

TEST_P(ProviderTest, HandsTextToTheSinkBeforeTheStreamEnds) {
  // The stream holds for a second after its first text, then ends unfinished.
  llm_->Enqueue({.text = "Paris is the capital.",
                 .hang_after_chunks = events_through_first_delta(),
                 .hang_for = absl::Seconds(1)});
  const absl::Time start = absl::Now();
  std::atomic<bool> got_text{false};
  absl::Duration first_text = absl::InfiniteDuration();
  auto response = client_->Complete(Ask(), [&](absl::string_view delta) {
    if (delta.empty() || got_text.exchange(true)) return;
    first_text = absl::Now() - start;
  });
  EXPECT_FALSE(response.ok());
  ASSERT_TRUE(got_text) << "no text reached the sink";
  EXPECT_LT(first_text, absl::Milliseconds(700));
}

TEST_P(ProviderTest, SendsTheProvidersAuthHeaders) {
  ASSERT_TRUE(AskWith({}).ok());
  std::vector<LlmRecordedRequest> requests = llm_->requests();
  ASSERT_EQ(requests.size(), 1u);
  const LlmRecordedRequest& request = requests[0];
  EXPECT_TRUE(absl::StartsWith(request.Header("content-type"), "application/json"));
  if (openai()) {
    EXPECT_EQ(request.Header("authorization"), "Bearer sk-test-secret");
    EXPECT_EQ(request.Header("x-api-key"), "");
  } else {
    EXPECT_EQ(request.Header("x-api-key"), "sk-test-secret");
    EXPECT_FALSE(request.Header("anthropic-version").empty());
    EXPECT_EQ(request.Header("authorization"), "");
  }
}

TEST_P(ProviderTest, RateLimitIsRetryableAfterTheProvidersDelay) {
  auto response = AskWith({.status = 429, .retry_after_seconds = 1});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted) << response.status();
  EXPECT_TRUE(IsRetryable(response.status()));
  EXPECT_EQ(HttpStatusOf(response.status()), 429);
  EXPECT_EQ(RetryAfterOf(response.status()), absl::Seconds(1));
}

TEST_P(ProviderTest, RateLimitWithoutRetryAfterHasNone) {
  auto response = AskWith({.status = 429});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfterOf(response.status()), std::nullopt);
}

TEST_P(ProviderTest, ServerErrorsAreUnavailableAndRetryable) {
  for (int status : {500, 503}) {
    SCOPED_TRACE(status);
    auto response = AskWith({.status = status});
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
    EXPECT_TRUE(IsRetryable(response.status()));
    EXPECT_EQ(HttpStatusOf(response.status()), status);
  }
}

TEST_P(ProviderTest, RejectionsAreNotRetried) {
  const struct {
    int http;
    absl::StatusCode code;
  } kRejections[] = {{401, absl::StatusCode::kUnauthenticated},
                     {403, absl::StatusCode::kPermissionDenied},
                     {400, absl::StatusCode::kInvalidArgument}};
  for (const auto& rejection : kRejections) {
    SCOPED_TRACE(rejection.http);
    auto response = AskWith({.status = rejection.http});
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), rejection.code) << response.status();
    EXPECT_FALSE(IsRetryable(response.status()));
    EXPECT_EQ(HttpStatusOf(response.status()), rejection.http);
  }
}

TEST_P(ProviderTest, RejectedKeyStaysOutOfTheError) {
  // The stand-in's 401 message echoes the key it was sent.
  auto response = AskWith({.status = 401});
  ASSERT_FALSE(response.ok());
  EXPECT_FALSE(absl::StrContains(response.status().ToString(), kApiKey)) << response.status();
  EXPECT_FALSE(absl::StrContains(response.status().ToString(), "test-secret"));
}

TEST_P(ProviderTest, DroppedConnectionIsUnavailableAndRetryable) {
  for (bool stream : {false, true}) {
    SCOPED_TRACE(stream);
    Deltas deltas;
    auto response = AskWith({.drop_connection = true}, stream ? deltas.Sink() : nullptr);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
    EXPECT_TRUE(IsRetryable(response.status()));
    EXPECT_EQ(HttpStatusOf(response.status()), 0);
  }
}

TEST_P(ProviderTest, RefusedConnectionIsUnavailableAndRetryable) {
  llm_.reset();  // nothing listens on the port any more
  auto response = client_->Complete(Ask());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_TRUE(IsRetryable(response.status()));
}

TEST_P(ProviderTest, StreamHangingPastTheDeadlineEndsAtTheDeadline) {
  llm_->Enqueue({.hang_after_chunks = 1});  // holds for 30 s
  Request request = Ask("q", absl::Milliseconds(300));
  const absl::Time start = absl::Now();
  Deltas deltas;
  auto response = client_->Complete(request, deltas.Sink());
  const absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_FALSE(IsRetryable(response.status()));
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_LT(took, absl::Seconds(1));
}

TEST_P(ProviderTest, SlowHeadersPastTheDeadlineEndAtTheDeadline) {
  llm_->Enqueue({.delay_before_headers = absl::Seconds(30)});
  Request request = Ask("q", absl::Milliseconds(300));
  const absl::Time start = absl::Now();
  auto response = client_->Complete(request);
  const absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_LT(took, absl::Seconds(1));
}

TEST_P(ProviderTest, MalformedJsonIsDataLoss) {
  auto response = AskWith({.raw_body = R"({"id": "x", "choices": [)"});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss) << response.status();
  EXPECT_FALSE(IsRetryable(response.status()));
}

TEST_P(ProviderTest, JsonOfAnotherShapeIsDataLoss) {
  auto response = AskWith({.raw_body = R"({"result": "Paris"})"});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss) << response.status();
}

TEST_P(ProviderTest, MissingUsageIsNotReported) {
  for (bool stream : {false, true}) {
    SCOPED_TRACE(stream);
    Deltas deltas;
    auto response =
        AskWith({.text = "Paris.", .include_usage = false}, stream ? deltas.Sink() : nullptr);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->text, "Paris.");
    EXPECT_FALSE(response->usage.reported);
  }
}

TEST_P(ProviderTest, BodyOverTheCapIsOutOfRange) {
  auto capped = HttpClient::Create({.max_body_bytes = 64 << 10});
  ASSERT_TRUE(capped.ok()) << capped.status();
  std::unique_ptr<LlmClient> client = NewClient(provider(), **capped);

  llm_->Enqueue({.pad_bytes = 16 << 10});  // under the cap: fine
  auto small = client->Complete(Ask());
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->text.size(), std::string("stand-in answer").size() + (16 << 10));

  llm_->Enqueue({.pad_bytes = 100 << 10});
  auto large = client->Complete(Ask());
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.status().code(), absl::StatusCode::kOutOfRange) << large.status();
  EXPECT_FALSE(IsRetryable(large.status()));
}

TEST_P(ProviderTest, CancellationMidStreamEndsTheCall) {
  llm_->Enqueue({.text = "Paris is the capital of France.",
                 .hang_after_chunks = events_through_first_delta()});
  std::atomic<bool> cancelled{false};
  absl::Mutex mu;
  absl::Time cancelled_at = absl::InfiniteFuture();
  Request request = Ask();
  request.cancelled = [&] { return cancelled.load(); };
  auto response = client_->Complete(request, [&](absl::string_view delta) {
    if (delta.empty() || cancelled) return;
    absl::MutexLock lock(&mu);
    cancelled_at = absl::Now();
    cancelled = true;
  });
  const absl::Time ended = absl::Now();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled) << response.status();
  EXPECT_FALSE(IsRetryable(response.status()));
  absl::MutexLock lock(&mu);
  ASSERT_NE(cancelled_at, absl::InfiniteFuture()) << "no text reached the sink";
  EXPECT_LT(ended - cancelled_at, absl::Milliseconds(500));
}

TEST_P(ProviderTest, CancellationWhileWaitingForHeadersEndsTheCall) {
  llm_->SetResponder([](const LlmRecordedRequest&) {
    return LlmReply{.delay_before_headers = absl::Seconds(30)};
  });
  Request request = Ask();
  const absl::Time start = absl::Now();
  request.cancelled = [start] { return absl::Now() - start > absl::Milliseconds(100); };
  auto response = client_->Complete(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled) << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST_P(ProviderTest, AsksForTheJsonSchema) {
  const std::string schema =
      R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})";
  llm_->Enqueue({.text = R"({"city":"Paris"})"});
  Request request = Ask();
  request.json_schema = schema;
  auto response = client_->Complete(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->text, R"({"city":"Paris"})");

  Json body = OnlyRequestBody();
  ASSERT_TRUE(body.is_object());
  if (openai()) {
    EXPECT_EQ(body["response_format"]["type"], "json_schema");
    EXPECT_EQ(body["response_format"]["json_schema"]["schema"], Json::parse(schema));
  } else {
    // The system prompt: a string or a list of text blocks.
    std::string system;
    if (body["system"].is_string()) system = body["system"];
    if (body["system"].is_array()) {
      for (const Json& block : body["system"]) system += block.value("text", "");
    }
    EXPECT_TRUE(absl::StrContains(system, schema) ||
                absl::StrContains(system, Json::parse(schema).dump(2)))
        << system;
  }
}

INSTANTIATE_TEST_SUITE_P(Providers, ProviderTest, ::testing::Values("openai", "anthropic"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace octo::llm
