#include "octo/llm/wire.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace octo::llm {
namespace {

using nlohmann::json;

Request Sample() {
  Request r;
  r.messages = {{Role::kSystem, "Be brief."}, {Role::kUser, "Hi"}, {Role::kUser, "There?"}};
  r.max_tokens = 64;
  r.temperature = 0.5;
  r.stop = {"\n\n"};
  return r;
}

TEST(OpenAiWire, RequestBodyCarriesEverySetting) {
  Request r = Sample();
  r.json_schema = R"({"type":"object","properties":{"a":{"type":"string"}}})";
  const json body = json::parse(OpenAiRequestBody(r, "gpt-4o-mini", /*stream=*/true));
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_EQ(body["temperature"], 0.5);
  EXPECT_EQ(body["stop"], json::array({"\n\n"}));
  ASSERT_EQ(body["messages"].size(), 3u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][2]["content"], "There?");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["response_format"]["json_schema"]["schema"]["type"], "object");
}

TEST(OpenAiWire, InvalidUtf8IsReplacedNotThrown) {
  Request r = Sample();
  r.messages[1].content = "bad \xff byte";
  EXPECT_NO_THROW(json::parse(OpenAiRequestBody(r, "m", false)));
}

TEST(OpenAiWire, ResponseGivesTextReasonUsageModel) {
  auto r = OpenAiResponse(R"({"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,
      "message":{"role":"assistant","content":"Hello."},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text, "Hello.");
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_EQ(r->model, "gpt-4o-mini-2024-07-18");
  EXPECT_TRUE(r->usage.reported);
  EXPECT_EQ(r->usage.input_tokens, 12);
  EXPECT_EQ(r->usage.output_tokens, 3);
}

TEST(OpenAiWire, MissingUsageIsNotReported) {
  auto r = OpenAiResponse(R"({"choices":[{"message":{"content":"x"}}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->usage.reported);
}

TEST(OpenAiWire, MalformedResponsesAreDataLoss) {
  for (const char* body : {"not json", "{}", R"({"choices":[]})",
                           R"({"choices":[{"message":{"content":null}}]})"}) {
    EXPECT_EQ(OpenAiResponse(body).status().code(), absl::StatusCode::kDataLoss) << body;
  }
}

TEST(OpenAiWire, StreamDecoderFoldsDeltasAndUsage) {
  auto decoder = NewOpenAiStreamDecoder();
  Response out;
  std::string seen;
  TextSink sink = [&](absl::string_view d) { seen.append(d.data(), d.size()); };
  for (const char* data :
       {R"({"model":"m1","choices":[{"delta":{"role":"assistant","content":""}}]})",
        R"({"choices":[{"delta":{"content":"Hel"}}]})",
        R"({"choices":[{"delta":{"content":"lo"},"finish_reason":"stop"}]})",
        R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}})", "[DONE]"}) {
    ASSERT_TRUE(decoder->OnEvent({"", data}, &out, sink).ok()) << data;
  }
  EXPECT_TRUE(decoder->done());
  EXPECT_EQ(out.text, "Hello");
  EXPECT_EQ(seen, "Hello");
  EXPECT_EQ(out.model, "m1");
  EXPECT_EQ(out.finish_reason, "stop");
  EXPECT_EQ(out.usage.output_tokens, 2);
}

TEST(OpenAiWire, StreamErrorEventIsAnError) {
  auto decoder = NewOpenAiStreamDecoder();
  Response out;
  EXPECT_EQ(decoder->OnEvent({"", R"({"error":{"message":"overloaded"}})"}, &out, nullptr).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(decoder->OnEvent({"", "{oops"}, &out, nullptr).code(), absl::StatusCode::kDataLoss);
}

TEST(AnthropicWire, SystemTurnsMoveToSystemAndTurnsAlternate) {
  Request r = Sample();
  r.json_schema = R"({"type":"object"})";
  const json body = json::parse(AnthropicRequestBody(r, "claude-3-5-haiku", false));
  EXPECT_EQ(body["model"], "claude-3-5-haiku");
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_EQ(body["stop_sequences"], json::array({"\n\n"}));
  ASSERT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_EQ(body["messages"][0]["content"], "Hi\n\nThere?");
  const std::string system = body["system"];
  EXPECT_NE(system.find("Be brief."), std::string::npos);
  EXPECT_NE(system.find(R"({"type":"object"})"), std::string::npos);
  EXPECT_FALSE(body.contains("stream"));
}

TEST(AnthropicWire, ResponseJoinsTextBlocksAndCountsCachedInput) {
  auto r = AnthropicResponse(R"({"type":"message","model":"claude-3-5-haiku-20241022",
      "content":[{"type":"text","text":"A"},{"type":"tool_use","id":"x"},{"type":"text","text":"B"}],
      "stop_reason":"end_turn","usage":{"input_tokens":10,"cache_read_input_tokens":5,
      "output_tokens":4}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text, "AB");
  EXPECT_EQ(r->finish_reason, "end_turn");
  EXPECT_EQ(r->usage.input_tokens, 15);
  EXPECT_EQ(r->usage.output_tokens, 4);
}

TEST(AnthropicWire, ErrorBodyAndMalformedBodies) {
  EXPECT_EQ(AnthropicResponse(R"({"type":"error","error":{"type":"overloaded_error",
      "message":"Overloaded"}})").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(AnthropicResponse("[]").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(AnthropicResponse(R"({"content":[]})").status().code(), absl::StatusCode::kDataLoss);
}

TEST(AnthropicWire, StreamDecoderFoldsEvents) {
  auto decoder = NewAnthropicStreamDecoder();
  Response out;
  std::string seen;
  TextSink sink = [&](absl::string_view d) { seen.append(d.data(), d.size()); };
  for (const char* data : {
           R"({"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":9,"output_tokens":1}}})",
           R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})",
           R"({"type":"ping"})",
           R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bon"}})",
           R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"jour"}})",
           R"({"type":"content_block_stop","index":0})",
           R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":6}})",
           R"({"type":"message_stop"})"}) {
    ASSERT_TRUE(decoder->OnEvent({"x", data}, &out, sink).ok()) << data;
  }
  EXPECT_TRUE(decoder->done());
  EXPECT_EQ(out.text, "Bonjour");
  EXPECT_EQ(seen, "Bonjour");
  EXPECT_EQ(out.model, "claude-x");
  EXPECT_EQ(out.usage.input_tokens, 9);
  EXPECT_EQ(out.usage.output_tokens, 6);
  EXPECT_EQ(out.finish_reason, "end_turn");
}

TEST(AnthropicWire, StreamErrorsByType) {
  auto decoder = NewAnthropicStreamDecoder();
  Response out;
  EXPECT_EQ(decoder->OnEvent({"error", R"({"type":"error","error":{"type":"overloaded_error"}})"},
                             &out, nullptr).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(decoder->OnEvent({"error", R"({"type":"error","error":{"type":"rate_limit_error"}})"},
                             &out, nullptr).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ProviderErrorMessage, ReadsBothFormatsAndCuts) {
  EXPECT_EQ(ProviderErrorMessage(R"({"error":{"message":"Invalid key","type":"x"}})"),
            "Invalid key");
  EXPECT_EQ(ProviderErrorMessage(R"({"type":"error","error":{"type":"t","message":"m"}})"), "m");
  EXPECT_EQ(ProviderErrorMessage("plain text"), "plain text");
  EXPECT_LE(ProviderErrorMessage(std::string(1000, 'x')).size(), 300u);
}

}  // namespace
}  // namespace octo::llm
