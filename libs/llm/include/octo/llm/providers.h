// The provider adapters and how an arm picks one from its settings (OCTO_LLM_*).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "octo/llm/http_client.h"
#include "octo/llm/llm_client.h"

namespace octo::llm {

// One arm's model settings (README: Configuration, OCTO_LLM_*).
struct ProviderConfig {
  // offline | openai | anthropic. Offline: no model is called (callers use their
  // non-model fallbacks and say so in provenance).
  std::string provider = "offline";
  // Empty: the provider's public endpoint (https://api.openai.com, https://api.anthropic.com).
  // For local servers (llama.cpp, vLLM, Ollama) e.g. "http://127.0.0.1:8080".
  std::string base_url;
  std::string model;
  // Falls back to OPENAI_API_KEY / ANTHROPIC_API_KEY when empty. Never logged.
  std::string api_key;
  // Calls to the provider at once; more wait in a queue of max_queue. Defaults 8 and 64.
  int max_concurrency = 8;
  int max_queue = 64;
  // Tries per call, the first included, for retryable errors. Default 3.
  int max_attempts = 3;

  // INVALID_ARGUMENT naming the setting (as its OCTO_LLM_* variable) that is wrong.
  absl::Status Validate() const;
  bool offline() const { return provider == "offline"; }
};

// Fills an empty api_key from OPENAI_API_KEY or ANTHROPIC_API_KEY (by provider).
void ApplyKeyFallback(ProviderConfig& config);

// The adapters. `http` must outlive the client. base_url without a trailing "/v1".
std::unique_ptr<LlmClient> NewOpenAiClient(const ProviderConfig& config, HttpClient& http);
std::unique_ptr<LlmClient> NewAnthropicClient(const ProviderConfig& config, HttpClient& http);

}  // namespace octo::llm
