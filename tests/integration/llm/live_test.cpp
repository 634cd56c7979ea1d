// Opt-in calls to the real providers: run with OCTO_LIVE_LLM=1 and OPENAI_API_KEY and/or
// ANTHROPIC_API_KEY set (OCTO_LIVE_OPENAI_MODEL, OCTO_LIVE_ANTHROPIC_MODEL choose the models).
// Without them every test is skipped, and ctest reports the run as skipped, not passed.
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "octo/llm/http_client.h"
#include "octo/llm/providers.h"

namespace octo::llm {
namespace {

std::string Env(const char* name, const char* otherwise = "") {
  const char* value = std::getenv(name);
  return value != nullptr ? value : otherwise;
}

void AskAndExpectAnAnswer(const std::string& provider, const std::string& key_variable,
                          const std::string& model) {
  if (Env("OCTO_LIVE_LLM") != "1") GTEST_SKIP() << "set OCTO_LIVE_LLM=1 to call " << provider;
  if (Env(key_variable.c_str()).empty()) GTEST_SKIP() << key_variable << " is not set";
  auto http = HttpClient::Create();
  ASSERT_TRUE(http.ok()) << http.status();
  ProviderConfig config;
  config.provider = provider;
  config.model = model;
  ApplyKeyFallback(config);
  ASSERT_TRUE(config.Validate().ok()) << config.Validate();
  std::unique_ptr<LlmClient> client = provider == "openai" ? NewOpenAiClient(config, **http)
                                                           : NewAnthropicClient(config, **http);
  Request request;
  request.max_tokens = 16;
  request.deadline = absl::Now() + absl::Seconds(60);
  request.messages = {{Role::kUser, "Reply with the single word: pong"}};
  absl::StatusOr<Response> reply = client->Complete(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(absl::AsciiStrToLower(reply->text), ::testing::HasSubstr("pong"));
  EXPECT_TRUE(reply->usage.reported);
  EXPECT_GT(reply->usage.input_tokens, 0);

  std::string streamed;
  absl::StatusOr<Response> stream =
      client->Complete(request, [&](absl::string_view delta) { streamed.append(delta.data(), delta.size()); });
  ASSERT_TRUE(stream.ok()) << stream.status();
  EXPECT_EQ(streamed, stream->text);
}

TEST(LiveProviders, OpenAiAnswersAndStreams) {
  AskAndExpectAnAnswer("openai", "OPENAI_API_KEY", Env("OCTO_LIVE_OPENAI_MODEL", "gpt-4o-mini"));
}

TEST(LiveProviders, AnthropicAnswersAndStreams) {
  AskAndExpectAnAnswer("anthropic", "ANTHROPIC_API_KEY",
                       Env("OCTO_LIVE_ANTHROPIC_MODEL", "claude-3-5-haiku-20241022"));
}

}  // namespace
}  // namespace octo::llm
