// The two wire formats, as pure functions: request bodies, whole responses and stream
// events. The adapters in providers.h put these on HTTP; tests pin them here.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "octo/llm/llm_client.h"
#include "octo/llm/sse.h"

namespace octo::llm {

// OpenAI-compatible POST /v1/chat/completions.
std::string OpenAiRequestBody(const Request& request, absl::string_view model, bool stream);
// DATA_LOSS when the body is not a chat completion with a message.
absl::StatusOr<Response> OpenAiResponse(absl::string_view body);

// Anthropic POST /v1/messages.
std::string AnthropicRequestBody(const Request& request, absl::string_view model, bool stream);
absl::StatusOr<Response> AnthropicResponse(absl::string_view body);

// The provider's error message from an error body ({"error":{"message":...}} in both
// formats), cut to 300 bytes; the raw body (cut) when it is not JSON.
std::string ProviderErrorMessage(absl::string_view body);

// Folds stream events into a Response. Not thread-safe.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Applies one event; appends answer text to `out->text` and hands it to `sink` (when set).
  // DATA_LOSS for an event that is not the format; an error event becomes the provider's
  // error (UNAVAILABLE for overloaded/server errors, as the provider classifies them).
  virtual absl::Status OnEvent(const SseEvent& event, Response* out, const TextSink& sink) = 0;
  // Whether the terminating event ("[DONE]" / message_stop) was seen.
  virtual bool done() const = 0;
};
std::unique_ptr<StreamDecoder> NewOpenAiStreamDecoder();
std::unique_ptr<StreamDecoder> NewAnthropicStreamDecoder();

}  // namespace octo::llm
