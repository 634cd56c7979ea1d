// What the libs/llm integration tests share: an LLM stand-in, one HttpClient, and the
// adapter for a provider pointed at the stand-in.
#pragma once

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "octo/llm/http_client.h"
#include "octo/llm/llm_client.h"
#include "octo/llm/providers.h"
#include "octo/testing/llm_stand_in.h"

namespace octo::llm {

inline constexpr char kApiKey[] = "sk-test-secret";
inline constexpr char kModel[] = "test-model";

// A one-question request that must end within `timeout`.
inline Request Ask(const std::string& question = "What is the capital of France?",
                   absl::Duration timeout = absl::Seconds(20)) {
  Request request;
  request.messages = {{Role::kUser, question}};
  request.max_tokens = 64;
  request.deadline = absl::Now() + timeout;
  return request;
}

class LlmFixture {
 protected:
  // Starts the stand-in and the HttpClient; call from SetUp (ASSERTs).
  void StartStandIn(HttpClientOptions options = {}) {
    auto stand_in = testing::LlmStandIn::Start();
    ASSERT_TRUE(stand_in.ok()) << stand_in.status();
    llm_ = std::move(*stand_in);
    auto http = HttpClient::Create(options);
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = std::move(*http);
  }

  // The adapter for `provider` ("openai" | "anthropic") talking to the stand-in via `http`.
  std::unique_ptr<LlmClient> NewClient(const std::string& provider, HttpClient& http) const {
    ProviderConfig config;
    config.provider = provider;
    config.base_url = llm_->base_url();
    config.model = kModel;
    config.api_key = kApiKey;
    return provider == "openai" ? NewOpenAiClient(config, http) : NewAnthropicClient(config, http);
  }
  std::unique_ptr<LlmClient> NewClient(const std::string& provider) const {
    return NewClient(provider, *http_);
  }

  // Declared first so it is destroyed last: clients must go before their HttpClient, and the
  // HttpClient before the server it talks to.
  std::unique_ptr<testing::LlmStandIn> llm_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace octo::llm
