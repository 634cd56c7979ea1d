// The OpenAI-compatible and Anthropic adapters: a wire format (wire.h) put on HttpClient.
#include "octo/llm/providers.h"

#include <cstdlib>
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "json_util.h"
#include "octo/common/clock.h"
#include "octo/llm/errors.h"
#include "octo/llm/wire.h"

namespace octo::llm {
namespace {

struct Format {
  const char* provider;
  const char* default_base_url;
  const char* path;
  std::string (*body)(const Request&, absl::string_view model, bool stream);
  absl::StatusOr<Response> (*response)(absl::string_view body);
  std::unique_ptr<StreamDecoder> (*decoder)();
  std::vector<std::string> (*headers)(const std::string& api_key);
};

std::vector<std::string> OpenAiHeaders(const std::string& api_key) {
  std::vector<std::string> headers = {"Content-Type: application/json"};
  if (!api_key.empty()) headers.push_back(absl::StrCat("Authorization: Bearer ", api_key));
  return headers;
}

std::vector<std::string> AnthropicHeaders(const std::string& api_key) {
  return {"Content-Type: application/json", absl::StrCat("x-api-key: ", api_key),
          "anthropic-version: 2023-06-01"};
}

const Format kOpenAi{"openai", "https://api.openai.com", "/v1/chat/completions",
                     &OpenAiRequestBody, &OpenAiResponse, &NewOpenAiStreamDecoder,
                     &OpenAiHeaders};
const Format kAnthropic{"anthropic", "https://api.anthropic.com", "/v1/messages",
                        &AnthropicRequestBody, &AnthropicResponse, &NewAnthropicStreamDecoder,
                        &AnthropicHeaders};

absl::Status ValidateRequest(const Request& request) {
  if (request.messages.empty()) return absl::InvalidArgumentError("llm request: no messages");
  if (request.max_tokens < 1) return absl::InvalidArgumentError("llm request: max_tokens < 1");
  if (request.stop.size() > 4) {
    return absl::InvalidArgumentError("llm request: more than 4 stop sequences");
  }
  if (request.temperature < 0 || request.temperature > 2) {
    return absl::InvalidArgumentError("llm request: temperature must be in [0, 2]");
  }
  if (!request.json_schema.empty() && !ParseJson(request.json_schema).is_object()) {
    return absl::InvalidArgumentError("llm request: json_schema is not a JSON object");
  }
  return absl::OkStatus();
}

class HttpLlmClient final : public LlmClient {
 public:
  HttpLlmClient(const Format& format, const ProviderConfig& config, HttpClient& http)
      : format_(format), http_(http), model_(config.model), api_key_(config.api_key) {
    absl::string_view base = config.base_url.empty() ? absl::string_view(format.default_base_url)
                                                     : absl::string_view(config.base_url);
    base = absl::StripSuffix(absl::StripSuffix(base, "/"), "/v1");
    url_ = absl::StrCat(base, format.path);
  }

  absl::StatusOr<Response> Complete(const Request& request, const TextSink& sink) override {
    if (absl::Status valid = ValidateRequest(request); !valid.ok()) return valid;
    const std::string model = request.model.empty() ? model_ : request.model;
    const bool stream = sink != nullptr;
    HttpRequest http;
    http.url = url_;
    http.headers = format_.headers(api_key_);
    if (stream) http.headers.push_back("Accept: text/event-stream");
    http.body = format_.body(request, model, stream);
    http.deadline = request.deadline;
    http.cancelled = request.cancelled;

    Response out;
    SseParser parser;
    std::unique_ptr<StreamDecoder> decoder = stream ? format_.decoder() : nullptr;
    absl::Status stream_error;
    const absl::Time sent = common::MonotonicClock().Now();
    std::optional<absl::Time> first_text;
    const TextSink timed_sink = [&](absl::string_view delta) {
      if (!first_text) first_text = common::MonotonicClock().Now();
      sink(delta);
    };
    ChunkFn on_chunk;
    if (stream) {
      on_chunk = [&](absl::string_view chunk) {
        stream_error = parser.Feed(chunk, [&](const SseEvent& event) {
          return decoder->OnEvent(event, &out, timed_sink);
        });
        return stream_error.ok();
      };
    }
    absl::StatusOr<HttpResponse> response = http_.Send(std::move(http), std::move(on_chunk));
    if (!stream_error.ok()) return Redact(stream_error);
    if (!response.ok()) return Redact(response.status());
    if (response->status / 100 != 2) {
      std::optional<absl::Duration> retry_after;
      if (auto header = response->Header("retry-after")) {
        retry_after = ParseRetryAfter(*header, absl::Now());
      }
      return Redact(HttpError(format_.provider, response->status,
                              ProviderErrorMessage(response->body), retry_after));
    }
    if (stream) {
      if (!decoder->done() && out.finish_reason.empty()) {
        return absl::DataLossError(
            absl::StrCat(format_.provider, ": the answer stream ended before its end event"));
      }
    } else {
      absl::StatusOr<Response> whole = format_.response(response->body);
      if (!whole.ok()) return Redact(whole.status());
      out = *std::move(whole);
    }
    if (out.model.empty()) out.model = model;
    out.latency = common::MonotonicClock().Now() - sent;
    out.time_to_first_token = first_text ? *first_text - sent : out.latency;
    return out;
  }

  absl::string_view provider() const override { return format_.provider; }
  absl::string_view default_model() const override { return model_; }

 private:
  // Keys never leave in an error, whatever a provider echoes back.
  absl::Status Redact(const absl::Status& status) const {
    if (api_key_.empty() || !absl::StrContains(status.message(), api_key_)) return status;
    absl::Status redacted(status.code(),
                          absl::StrReplaceAll(status.message(), {{api_key_, "[redacted]"}}));
    status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
      redacted.SetPayload(url, payload);
    });
    return redacted;
  }

  const Format& format_;
  HttpClient& http_;
  const std::string model_;
  const std::string api_key_;
  std::string url_;
};

}  // namespace

absl::Status ProviderConfig::Validate() const {
  if (provider == "offline") return absl::OkStatus();
  if (provider != "openai" && provider != "anthropic") {
    return absl::InvalidArgumentError(absl::StrCat(
        "OCTO_LLM_PROVIDER: unknown provider \"", provider, "\" (offline, openai, anthropic)"));
  }
  if (model.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("OCTO_LLM_MODEL: required when OCTO_LLM_PROVIDER=", provider));
  }
  if (!base_url.empty() && !absl::StartsWith(base_url, "http://") &&
      !absl::StartsWith(base_url, "https://")) {
    return absl::InvalidArgumentError("OCTO_LLM_BASE_URL: must start with http:// or https://");
  }
  // Local OpenAI-compatible servers need no key; the public endpoints do.
  if (api_key.empty() && (provider == "anthropic" || base_url.empty())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "OCTO_LLM_API_KEY: required for ", provider, " (or set ",
        provider == "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY", ")"));
  }
  if (max_concurrency < 1) return absl::InvalidArgumentError("OCTO_LLM_MAX_CONCURRENCY: must be >= 1");
  if (max_queue < 0) return absl::InvalidArgumentError("OCTO_LLM_MAX_QUEUE: must be >= 0");
  if (max_attempts < 1 || max_attempts > 10) {
    return absl::InvalidArgumentError("OCTO_LLM_MAX_ATTEMPTS: must be between 1 and 10");
  }
  return absl::OkStatus();
}

void ApplyKeyFallback(ProviderConfig& config) {
  if (!config.api_key.empty()) return;
  const char* name = config.provider == "anthropic" ? "ANTHROPIC_API_KEY"
                     : config.provider == "openai"  ? "OPENAI_API_KEY"
                                                    : nullptr;
  if (name == nullptr) return;
  if (const char* value = std::getenv(name); value != nullptr) config.api_key = value;
}

std::unique_ptr<LlmClient> NewOpenAiClient(const ProviderConfig& config, HttpClient& http) {
  return std::make_unique<HttpLlmClient>(kOpenAi, config, http);
}

std::unique_ptr<LlmClient> NewAnthropicClient(const ProviderConfig& config, HttpClient& http) {
  return std::make_unique<HttpLlmClient>(kAnthropic, config, http);
}

}  // namespace octo::llm
